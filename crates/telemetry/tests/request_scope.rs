//! The request layer's scope reaches everything that runs for a request: the handler, a task it spawns with
//! `in_request_scope`, and a body streamed after the handler returned — their log lines all carry the trace id
//! at the top level and in the `request` span.

use std::{
    pin::Pin,
    task::{Context, Poll},
};

use axum::{
    Router,
    body::{Body, Bytes, HttpBody},
    http::{Request, StatusCode},
    routing::get,
};
use http_body::Frame;
use http_body_util::BodyExt;
use serde_json::Value;
use tower::ServiceExt;

/// A body of unknown length that logs each time it is polled: two chunks, then the end.
struct LoggingBody {
    left: u8,
}

impl HttpBody for LoggingBody {
    type Data = Bytes;
    type Error = std::convert::Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        tracing::info!(left = self.left, "streaming a chunk");
        if self.left == 0 {
            return Poll::Ready(None);
        }
        self.left -= 1;
        Poll::Ready(Some(Ok(Frame::data(Bytes::from_static(b"chunk\n")))))
    }
}

fn router() -> Router {
    let routes = Router::new()
        .route(
            "/stream",
            get(|| async { Body::new(LoggingBody { left: 2 }) }),
        )
        .route(
            "/spawn",
            get(|| async {
                let task = tokio::spawn(telemetry::in_request_scope(async {
                    tracing::info!("in a spawned task");
                    telemetry::current_trace_id()
                }));
                task.await.unwrap().unwrap_or_default()
            }),
        );
    telemetry::instrument(routes)
}

async fn logged(path: &str, trace_id: &str) -> (String, Bytes, Vec<Value>) {
    let (captured, _guard) = testkit::capture_logs("info");
    let request = Request::get(path)
        .header("x-trace-id", trace_id)
        .body(Body::empty())
        .unwrap();
    let response = router().oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let echoed = response.headers()["x-trace-id"]
        .to_str()
        .unwrap()
        .to_owned();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    (echoed, body, captured.lines())
}

fn assert_in_request(line: &Value, trace_id: &str) {
    assert_eq!(line["trace_id"], trace_id, "{line}");
    assert_eq!(line["span"]["name"], "request", "{line}");
    assert_eq!(line["span"]["trace_id"], trace_id, "{line}");
}

#[tokio::test]
async fn a_streamed_body_logs_in_the_request_scope() {
    let (echoed, body, lines) = logged("/stream", "stream-trace-1").await;
    assert_eq!(echoed, "stream-trace-1");
    assert_eq!(&body[..], b"chunk\nchunk\n");
    let streaming: Vec<&Value> = lines
        .iter()
        .filter(|l| l["fields"]["message"] == "streaming a chunk")
        .collect();
    assert_eq!(streaming.len(), 3, "{lines:?}");
    for line in streaming {
        assert_in_request(line, "stream-trace-1");
        assert_eq!(line["span"]["path"], "/stream");
    }
}

#[tokio::test]
async fn a_task_spawned_in_request_scope_keeps_the_trace_id_and_span() {
    let (echoed, body, lines) = logged("/spawn", "spawn-trace-2").await;
    assert_eq!(echoed, "spawn-trace-2");
    assert_eq!(&body[..], b"spawn-trace-2", "current_trace_id in the task");
    let line = lines
        .iter()
        .find(|l| l["fields"]["message"] == "in a spawned task")
        .unwrap_or_else(|| panic!("the task logged: {lines:?}"));
    assert_in_request(line, "spawn-trace-2");
}

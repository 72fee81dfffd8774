//! Log lines of a request carry its trace id (JSON format, captured in memory).

mod common;

use std::sync::{Arc, Mutex};

use axum::{body::Body, http::Request};
use common::{router, send};

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn every_request_log_line_carries_the_trace_id() {
    let captured = Captured::default();
    let sink = captured.clone();
    let subscriber =
        telemetry::subscriber(telemetry::LogFormat::Json, "info", move || sink.clone());
    let _guard = tracing::subscriber::set_default(subscriber);

    let request = Request::post("/add")
        .header("x-trace-id", "log-capture-7f3a")
        .header("content-type", "application/json")
        .body(Body::from(r#"{"a": 1, "b": "two"}"#))
        .unwrap();
    send(router(), request).await;

    let text = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(!lines.is_empty(), "the request was logged");
    for line in &lines {
        assert_eq!(line["span"]["trace_id"], "log-capture-7f3a", "{line}");
    }
    assert!(lines.iter().any(|l| l["fields"]["status"] == 422), "{text}");
}

//! A client that goes away stops its analysis, through the real server: the calculator closes its call to the
//! sidecar (which then closes its LLM call) and the audit record says `cancelled`. The analysis once ran on in
//! a detached task: the sidecar call, the LLM call, the query, and an audit record saying `answered`.

mod common;

use std::time::Duration;

use serde_json::Value;
use tokio::{
    io::AsyncReadExt,
    net::TcpListener,
    sync::oneshot::{self, Receiver},
};

/// How long the calculator may take to notice the client left and drop its sidecar call.
const NOTICE: Duration = Duration::from_secs(5);

/// What the fake sidecar saw of the calculator's one call.
struct Call {
    /// The request line (`POST /ai/codegen HTTP/1.1`), once the whole request arrived.
    received: Receiver<String>,
    /// Fires when the calculator closed the connection.
    closed: Receiver<()>,
}

/// A sidecar that reads one request and never answers, telling when it arrived and when the calculator hung up;
/// its base URL.
async fn hanging_sidecar() -> (String, Call) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let (received_tx, received) = oneshot::channel();
    let (closed_tx, closed) = oneshot::channel();
    tokio::spawn(async move {
        let (mut socket, _) = listener.accept().await.unwrap();
        let (mut request, mut buffer) = (Vec::new(), [0u8; 8192]);
        let mut received_tx = Some(received_tx);
        loop {
            match socket.read(&mut buffer).await {
                Ok(0) | Err(_) => break,
                Ok(n) => request.extend_from_slice(&buffer[..n]),
            }
            let text = String::from_utf8_lossy(&request);
            if let Some(end) = text.find("\r\n\r\n") {
                let length: usize = text[..end]
                    .lines()
                    .find_map(|l| {
                        let l = l.to_ascii_lowercase();
                        l.strip_prefix("content-length:")
                            .map(|v| v.trim().parse().unwrap())
                    })
                    .unwrap_or(0);
                if request.len() >= end + 4 + length
                    && let Some(tx) = received_tx.take()
                {
                    let _ = tx.send(text.lines().next().unwrap_or_default().to_owned());
                }
            }
        }
        let _ = closed_tx.send(());
    });
    (url, Call { received, closed })
}

/// A served calculator whose sidecar is `sidecar_url` (with a timeout far past the test's), and a stored
/// dataset; its base URL, the dataset's id, and its configuration (which owns the temporary `DATA_DIR`).
async fn serve(sidecar_url: String) -> (String, String, calculator::Config) {
    let mut config = common::config();
    config.sidecar_url = Some(sidecar_url);
    config.sidecar_timeout = Duration::from_secs(120);
    let app = calculator::Application::build(config.clone())
        .await
        .unwrap();
    let base = format!("http://{}", app.local_addr().unwrap());
    tokio::spawn(app.run_until(std::future::pending()));
    let reply = reqwest::Client::new()
        .post(format!("{base}/datasets?name=sales"))
        .header("content-type", "text/csv")
        .body(common::analyze::CSV)
        .send()
        .await
        .unwrap();
    assert_eq!(reply.status(), 201);
    let id = reply.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    (base, id, config)
}

/// The audit record of `trace_id` in dataset `id`'s history, once there is one (within [`NOTICE`]), and that
/// there is one only: an analysis is recorded once, whatever its outcome.
async fn record(base: &str, id: &str, trace_id: &str) -> Value {
    let started = std::time::Instant::now();
    while records(base, id, trace_id).await.is_empty() {
        assert!(started.elapsed() < NOTICE, "no audit record for {trace_id}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // A second record would be written by the same task's end: give it the time to land.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let mut records = records(base, id, trace_id).await;
    assert_eq!(records.len(), 1, "{records:?}");
    let record = records.remove(0);
    let by_trace = reqwest::get(format!("{base}/analyses/{trace_id}"))
        .await
        .unwrap();
    assert_eq!(by_trace.json::<Value>().await.unwrap(), record);
    record
}

/// Every record of `trace_id` in dataset `id`'s history.
async fn records(base: &str, id: &str, trace_id: &str) -> Vec<Value> {
    let reply = reqwest::get(format!("{base}/datasets/{id}/analyses?limit=500"))
        .await
        .unwrap();
    assert_eq!(reply.status(), 200);
    let list: Value = reply.json().await.unwrap();
    let analyses = list["analyses"].as_array().unwrap();
    analyses
        .iter()
        .filter(|record| record["trace_id"] == trace_id)
        .cloned()
        .collect()
}

/// Asserts the sidecar call, made to `path`, is closed soon after the client left, and the analysis recorded as
/// cancelled.
async fn assert_cancelled(
    base: &str,
    id: &str,
    request_line: &str,
    closed: Receiver<()>,
    trace_id: &str,
    path: &str,
) {
    assert!(
        request_line.starts_with(&format!("POST {path} ")),
        "{request_line}"
    );
    tokio::time::timeout(NOTICE, closed)
        .await
        .expect("the sidecar call is closed soon after the client leaves")
        .unwrap();
    let record = record(base, id, trace_id).await;
    assert_eq!(record["outcome"], "cancelled", "{record}");
    assert_eq!(record["error"], Value::Null, "{record}");
    assert!(record["timings"]["total_ms"].as_u64().is_some(), "{record}");
}

/// The request line of the sidecar call, once it arrived.
async fn arrived(call: Receiver<String>) -> String {
    tokio::time::timeout(NOTICE, call)
        .await
        .expect("the calculator calls the sidecar")
        .unwrap()
}

#[tokio::test]
async fn a_client_that_leaves_the_json_route_stops_its_analysis() {
    let (sidecar, call) = hanging_sidecar().await;
    let (base, id, _config) = serve(sidecar).await;
    let url = format!("{base}/datasets/{id}/analyze");
    let client = tokio::spawn(async move {
        reqwest::Client::new()
            .post(url)
            .header("content-type", "application/json")
            .header("x-trace-id", "leaves-json")
            .body(r#"{"question": "total?"}"#)
            .send()
            .await
    });
    // The client leaves while the calculator waits for the sidecar.
    let line = arrived(call.received).await;
    client.abort();
    let _ = client.await;
    assert_cancelled(&base, &id, &line, call.closed, "leaves-json", "/ai/codegen").await;
}

#[tokio::test]
async fn a_client_that_leaves_the_stream_stops_its_analysis() {
    let (sidecar, call) = hanging_sidecar().await;
    let (base, id, _config) = serve(sidecar).await;
    let client = reqwest::Client::new();
    let mut response = client
        .post(format!("{base}/datasets/{id}/analyze/stream"))
        .header("content-type", "application/json")
        .header("x-trace-id", "leaves-stream")
        .body(r#"{"question": "total?"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let first = tokio::time::timeout(NOTICE, response.chunk())
        .await
        .expect("a first event")
        .unwrap()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&first).contains("event: codegen"),
        "{first:?}"
    );
    let line = arrived(call.received).await;
    drop(response);
    drop(client);
    assert_cancelled(
        &base,
        &id,
        &line,
        call.closed,
        "leaves-stream",
        "/ai/codegen/stream",
    )
    .await;
}

/// An analysis that ends is recorded once, as it ended: its guard's drop adds no `cancelled` record after it, on
/// either route (the stream's body is dropped once read, the JSON route's future once answered).
#[tokio::test]
async fn an_answered_analysis_is_recorded_once_as_answered() {
    let sidecar = wiremock::MockServer::start().await;
    let answer = common::analyze::codegen("SELECT SUM(sales) AS total FROM data");
    wiremock::Mock::given(wiremock::matchers::path("/ai/codegen"))
        .respond_with(wiremock::ResponseTemplate::new(200).set_body_json(&answer))
        .mount(&sidecar)
        .await;
    common::analyze::mount_stream_result(&sidecar, &answer).await;
    common::analyze::mount_approval(&sidecar, &[]).await;
    let (base, id, _config) = serve(sidecar.uri()).await;
    let client = reqwest::Client::new();
    for (route, trace_id) in [
        ("analyze", "answers-json"),
        ("analyze/stream", "answers-stream"),
    ] {
        let reply = client
            .post(format!("{base}/datasets/{id}/{route}"))
            .header("content-type", "application/json")
            .header("x-trace-id", trace_id)
            .body(r#"{"question": "total?"}"#)
            .send()
            .await
            .unwrap();
        assert_eq!(reply.status(), 200);
        let body = reply.text().await.unwrap();
        assert!(body.contains(r#""row_count":1"#), "{body}");
        let record = record(&base, &id, trace_id).await;
        assert_eq!(record["outcome"], "answered", "{record}");
    }
}

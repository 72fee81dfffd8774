//! Log lines of a request carry its trace id (JSON format, captured in memory).

use axum::{body::Body, http::Request};
use testkit::{capture_logs, send};

#[tokio::test]
async fn every_request_log_line_carries_the_trace_id() {
    let (logs, _guard) = capture_logs("info");
    let request = Request::post("/add")
        .header("x-trace-id", "log-capture-7f3a")
        .header("content-type", "application/json")
        .body(Body::from(r#"{"a": 1, "b": "two"}"#))
        .unwrap();
    send(calculator::app(calculator::AppState::new(calculator::Config::for_tests())), request).await;

    let lines = logs.lines();
    assert!(!lines.is_empty(), "the request was logged");
    for line in &lines {
        assert_eq!(line["span"]["trace_id"], "log-capture-7f3a", "{line}");
    }
    assert!(lines.iter().any(|l| l["fields"]["status"] == 422), "{}", logs.text());
}

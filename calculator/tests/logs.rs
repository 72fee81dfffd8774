//! Log lines written while serving a request carry its trace id, in JSON and in text form.

use axum::{body::Body, http::Request};
use testkit::{capture_logs, send};

fn router() -> axum::Router {
    calculator::app(calculator::AppState::new(calculator::Config::for_tests()))
}

fn rejected_add(trace_id: &str) -> Request<Body> {
    Request::post("/add")
        .header("x-trace-id", trace_id)
        .header("content-type", "application/json")
        .body(Body::from(r#"{"a": 1, "b": "two"}"#))
        .unwrap()
}

#[tokio::test]
async fn json_log_lines_of_a_request_carry_its_trace_id() {
    let (logs, _guard) = capture_logs("info");
    send(router(), rejected_add("log-capture-7f3a")).await;

    let lines = logs.lines();
    assert!(!lines.is_empty(), "the rejected request was logged");
    for line in &lines {
        assert_eq!(line["trace_id"], "log-capture-7f3a", "{line}");
    }
    assert!(
        lines.iter().any(|l| l["fields"]["status"] == 422),
        "{}",
        logs.text()
    );
}

#[tokio::test]
async fn debug_logging_adds_the_request_span_and_access_lines() {
    let (logs, _guard) = capture_logs("debug");
    send(router(), testkit::get("/healthz")).await;
    let lines = logs.lines();
    let access = lines
        .iter()
        .find(|l| l["target"] == "access")
        .unwrap_or_else(|| panic!("an access line: {}", logs.text()));
    assert_eq!(access["fields"]["status"], 200);
    assert_eq!(access["span"]["path"], "/healthz");
    assert_eq!(access["span"]["trace_id"], access["trace_id"]);
}

#[tokio::test]
async fn text_log_lines_of_a_request_carry_its_trace_id() {
    let captured = testkit::CapturedLogs::default();
    let sink = captured.clone();
    let subscriber =
        telemetry::subscriber(telemetry::LogFormat::Pretty, "info", move || sink.clone());
    let _guard = tracing::subscriber::set_default(subscriber);
    send(router(), rejected_add("text-trace-42")).await;
    let text = captured.text();
    assert!(!text.is_empty());
    for line in text.lines() {
        assert!(line.ends_with("trace_id=text-trace-42"), "{line}");
    }
}

//! Log lines written while serving a request carry its trace id, in JSON and in text form, at the top level
//! and in the request span (recorded at info, so the default `RUST_LOG=info` has it).
//!
//! Each test builds the router before capturing: building it logs (the dataset store opening) outside any
//! request.

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
    let router = router();
    let (logs, _guard) = capture_logs("info");
    send(router, rejected_add("log-capture-7f3a")).await;

    let lines = logs.lines();
    assert!(!lines.is_empty(), "the rejected request was logged");
    for line in &lines {
        assert_eq!(line["trace_id"], "log-capture-7f3a", "{line}");
        assert_eq!(line["span"]["name"], "request", "{line}");
        assert_eq!(line["span"]["trace_id"], "log-capture-7f3a", "{line}");
        assert_eq!(line["span"]["method"], "POST", "{line}");
        assert_eq!(line["span"]["path"], "/add", "{line}");
    }
    assert!(
        lines.iter().any(|l| l["fields"]["status"] == 422),
        "{}",
        logs.text()
    );
}

#[tokio::test]
async fn a_generated_trace_id_is_the_one_in_the_span_and_on_the_response() {
    let router = router();
    let (logs, _guard) = capture_logs("info");
    let reply = send(router, rejected_add("not a valid id!")).await;
    let generated = reply.trace_id();
    assert_ne!(generated, "not a valid id!");
    let lines = logs.lines();
    assert!(!lines.is_empty(), "the rejected request was logged");
    for line in &lines {
        assert_eq!(line["trace_id"], generated.as_str(), "{line}");
        assert_eq!(line["span"]["trace_id"], generated.as_str(), "{line}");
    }
}

#[tokio::test]
async fn successful_requests_log_nothing_at_info() {
    let router = router();
    let (logs, _guard) = capture_logs("info");
    send(router, testkit::get("/healthz")).await;
    assert_eq!(logs.text(), "", "no line per successful request at info");
}

#[tokio::test]
async fn debug_logging_adds_the_access_line_of_successful_requests() {
    let router = router();
    let (logs, _guard) = capture_logs("info,access=debug");
    send(router, testkit::get("/healthz")).await;
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
    let router = router();
    let _guard = tracing::subscriber::set_default(subscriber);
    send(router, rejected_add("text-trace-42")).await;
    let text = captured.text();
    assert!(!text.is_empty());
    for line in text.lines() {
        assert!(line.ends_with("trace_id=text-trace-42"), "{line}");
        assert!(
            line.contains(r#"request{trace_id="text-trace-42" method="POST" path="/add"}"#),
            "{line}"
        );
    }
}

fn sidecar_said(code: &str) -> calculator::AppError {
    calculator::AppError::Sidecar(calculator::analyze::SidecarError::Upstream {
        status: axum::http::StatusCode::SERVICE_UNAVAILABLE,
        body: Box::new(contracts::ApiError::new(
            code,
            "as the sidecar put it",
            "t-1",
        )),
        retry_after: None,
    })
}

#[tokio::test]
async fn no_llm_configured_is_logged_at_info_and_an_llm_outage_as_a_warning() {
    let (logs, _guard) = capture_logs("info");
    sidecar_said("llm_not_configured").log();
    sidecar_said("llm_unavailable").log();
    let levels: Vec<String> = logs
        .lines()
        .iter()
        .map(|line| line["level"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(levels, ["INFO", "WARN"], "{}", logs.text());
}

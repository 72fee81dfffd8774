//! The access line's level follows whose problem a status reports: the service's own faults at error, a
//! dependency's state (502, 503, 504: no LLM configured, the LLM down or slow) at warn, the client's at info,
//! successes at debug. Each line has the status and the latency.

use axum::{
    Router,
    body::Body,
    http::{Request, StatusCode},
    routing::get,
};
use serde_json::Value;
use tower::ServiceExt;

/// The level of the one access line written for a request answered with `status`, logging at debug.
async fn access_level(status: u16) -> String {
    let (captured, _guard) = testkit::capture_logs("debug");
    let status = StatusCode::from_u16(status).unwrap();
    let router =
        telemetry::instrument(Router::new().route("/", get(move || async move { status })));
    let response = router
        .oneshot(Request::get("/").body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(response.status(), status);
    let text = captured.text();
    let access: Vec<Value> = captured
        .lines()
        .into_iter()
        .filter(|line| line["target"] == "access")
        .collect();
    assert_eq!(access.len(), 1, "one access line: {text}");
    assert_eq!(access[0]["fields"]["status"], status.as_u16(), "{text}");
    // The latency is measured only for lines that are written; written, it must be there.
    assert!(access[0]["fields"]["latency_us"].is_u64(), "{text}");
    access[0]["level"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn faults_of_the_service_are_errors() {
    assert_eq!(access_level(500).await, "ERROR");
    assert_eq!(access_level(501).await, "ERROR");
}

#[tokio::test]
async fn the_state_of_a_dependency_is_a_warning() {
    for status in [502, 503, 504] {
        assert_eq!(access_level(status).await, "WARN", "status {status}");
    }
}

#[tokio::test]
async fn client_errors_are_info_and_successes_debug() {
    assert_eq!(access_level(422).await, "INFO");
    assert_eq!(access_level(404).await, "INFO");
    assert_eq!(access_level(200).await, "DEBUG");
}

//! `ApiJson` reads at most the body limit its request layer carries (`instrument_with_body_limit`, `serve`), and
//! axum's own limit under a layer without one: past it, a 413 with the one error body; within it, the value.

use axum::{
    Json, Router,
    body::{Body, to_bytes},
    http::{Request, StatusCode},
    routing::post,
};
use serde_json::{Value, json};
use tower::ServiceExt;

async fn echo(telemetry::ApiJson(value): telemetry::ApiJson<Value>) -> Json<Value> {
    Json(value)
}

/// A JSON string body of exactly `len` bytes.
fn body_of(len: usize) -> String {
    format!("\"{}\"", "x".repeat(len - 2))
}

async fn send<S>(service: S, body: String) -> (StatusCode, Value)
where
    S: tower::Service<Request<Body>, Response = axum::response::Response>,
    S::Error: std::fmt::Debug,
{
    let request = Request::post("/echo")
        .header("content-type", "application/json")
        .body(Body::from(body))
        .unwrap();
    let response = service.oneshot(request).await.unwrap();
    let status = response.status();
    let bytes = to_bytes(response.into_body(), 16 << 20).await.unwrap();
    (status, serde_json::from_slice(&bytes).unwrap())
}

/// A 413 in the error body; when the layer set the limit, its message names it and `MAX_BODY_BYTES`, and
/// under axum's own limit, which no setting changes, no setting.
fn assert_too_large((status, body): (StatusCode, Value), limit: Option<&str>) {
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{body}");
    assert_eq!(body["error"]["code"], "payload_too_large", "{body}");
    let message = body["error"]["message"].as_str().unwrap();
    assert_eq!(
        message.contains("MAX_BODY_BYTES"),
        limit.is_some(),
        "{message}"
    );
    if let Some(limit) = limit {
        let named = format!("the {limit} this server accepts");
        assert!(message.contains(&named), "{message}");
    }
    assert!(!body["error"]["trace_id"].as_str().unwrap().is_empty());
}

#[tokio::test]
async fn the_layer_limit_applies_to_every_route_it_wraps() {
    let router =
        || telemetry::instrument_with_body_limit(Router::new().route("/echo", post(echo)), 64);
    let (status, body) = send(router(), body_of(64)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, json!("x".repeat(62)));
    assert_too_large(send(router(), body_of(65)).await, Some("64 bytes"));
}

#[tokio::test]
async fn the_served_service_applies_the_limit_around_the_whole_router() {
    let router = || Router::new().route("/echo", post(echo));
    let (status, _) = send(
        telemetry::served(router(), 1_000, telemetry::AllowedHosts::any()),
        body_of(1_000),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let served = telemetry::served(router(), 1_000, telemetry::AllowedHosts::any());
    assert_too_large(send(served, body_of(1_001)).await, Some("1000 bytes"));
}

#[tokio::test]
async fn without_a_layer_limit_axum_default_of_2_mib_applies() {
    let router = || telemetry::instrument(Router::new().route("/echo", post(echo)));
    let (status, _) = send(router(), body_of(2 << 20)).await;
    assert_eq!(status, StatusCode::OK);
    assert_too_large(send(router(), body_of((2 << 20) + 1)).await, None);
}

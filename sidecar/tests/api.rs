//! The sidecar skeleton: health, trace ids and the error body on unknown routes.

use axum::{
    body::Body,
    http::{Request, StatusCode},
};
use testkit::{get, send};

fn router() -> axum::Router {
    sidecar::app(sidecar::AppState::new(sidecar::Config::for_tests()))
}

#[tokio::test]
async fn healthz_names_the_service_and_its_llm() {
    let reply = send(router(), get("/healthz")).await;
    assert_eq!(reply.status, StatusCode::OK);
    let json = reply.json();
    assert_eq!(json["status"], "ok");
    assert_eq!(json["service"], "sidecar");
    assert_eq!(json["version"], env!("CARGO_PKG_VERSION"));
    assert!(json["details"]["llm"].is_object(), "{json}");
}

#[tokio::test]
async fn trace_id_is_echoed_or_generated() {
    let request = Request::get("/healthz")
        .header("x-trace-id", "from-calculator-1")
        .body(Body::empty())
        .unwrap();
    assert_eq!(
        send(router(), request).await.trace_id(),
        "from-calculator-1"
    );
    let request = Request::get("/healthz")
        .header("x-trace-id", "bad id!")
        .body(Body::empty())
        .unwrap();
    let replaced = send(router(), request).await.trace_id();
    assert_eq!(replaced.len(), 36, "{replaced}");
}

#[tokio::test]
async fn unknown_route_and_wrong_method_use_the_error_body() {
    let reply = send(router(), get("/ai/nothing")).await;
    assert_eq!(reply.error(StatusCode::NOT_FOUND).0, "not_found");
    let request = Request::post("/healthz").body(Body::empty()).unwrap();
    assert_eq!(
        send(router(), request)
            .await
            .error(StatusCode::METHOD_NOT_ALLOWED)
            .0,
        "method_not_allowed"
    );
}

#[tokio::test]
async fn openapi_document_is_served() {
    let reply = send(router(), get("/openapi.json")).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert!(reply.json()["paths"]["/healthz"].is_object());
}

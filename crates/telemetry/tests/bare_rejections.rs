//! A rejection that axum answers in plain text (a path that is not UTF-8 for a `Path<String>`) gets the error
//! body with a message a client can act on, not the bare reason phrase.

use axum::{
    Router,
    body::{Body, to_bytes},
    extract::Path,
    http::{Request, StatusCode},
    routing::get,
};
use serde_json::Value;
use tower::ServiceExt;

#[tokio::test]
async fn an_unreadable_path_is_400_saying_what_is_malformed() {
    let routes = Router::new().route(
        "/files/{name}",
        get(|Path(name): Path<String>| async { name }),
    );
    let request = Request::get("/files/%FF").body(Body::empty()).unwrap();
    let response = telemetry::instrument(routes)
        .oneshot(request)
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let bytes = to_bytes(response.into_body(), 1 << 20).await.unwrap();
    let body: Value = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(body["error"]["code"], "bad_request");
    let message = body["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("path, query string or a header"),
        "{message}"
    );
    assert!(!body["error"]["trace_id"].as_str().unwrap().is_empty());
}

//! `ApiJson` as a response: the value as JSON with its one content type, any status beside it; a value that
//! cannot be written as JSON is a 500 with the error body, logged, never a panic or a half-written answer.

use axum::{
    Router,
    body::Body,
    http::{Request, StatusCode, header},
    response::IntoResponse,
    routing::get,
};
use http_body_util::BodyExt;
use serde::{Serialize, Serializer, ser::Error as _};
use serde_json::{Value, json};
use telemetry::ApiJson;
use tower::ServiceExt;

/// A value serde_json refuses to write.
struct Unwritable;

impl Serialize for Unwritable {
    fn serialize<S: Serializer>(&self, _: S) -> Result<S::Ok, S::Error> {
        Err(S::Error::custom("this value cannot be written"))
    }
}

async fn get_json(router: Router, path: &str) -> (StatusCode, Vec<String>, Value) {
    let request = Request::get(path)
        .header("x-trace-id", "json-response")
        .body(Body::empty())
        .unwrap();
    let response = router.oneshot(request).await.unwrap();
    let status = response.status();
    let content_types = response
        .headers()
        .get_all(header::CONTENT_TYPE)
        .iter()
        .map(|value| value.to_str().unwrap().to_owned())
        .collect();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    (
        status,
        content_types,
        serde_json::from_slice(&bytes).unwrap(),
    )
}

#[tokio::test]
async fn a_value_is_written_as_json_with_one_content_type() {
    let router = telemetry::instrument(
        Router::new()
            .route(
                "/value",
                get(|| async { ApiJson(json!({"result": 3.75, "text": "a \"quoted\" é"})) }),
            )
            .route(
                "/created",
                get(|| async { (StatusCode::CREATED, ApiJson(vec![1, 2, 3])) }),
            ),
    );
    let (status, content_types, body) = get_json(router.clone(), "/value").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(content_types, ["application/json"]);
    assert_eq!(body, json!({"result": 3.75, "text": "a \"quoted\" é"}));
    let (status, content_types, body) = get_json(router, "/created").await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(content_types, ["application/json"]);
    assert_eq!(body, json!([1, 2, 3]));
}

#[tokio::test]
async fn a_value_that_cannot_be_written_is_a_500_with_the_error_body() {
    let (captured, guard) = testkit::capture_logs("error");
    let router = telemetry::instrument(Router::new().route(
        "/broken",
        get(|| async { ApiJson(Unwritable).into_response() }),
    ));
    let (status, content_types, body) = get_json(router, "/broken").await;
    drop(guard);
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(content_types, ["application/json"]);
    assert_eq!(body["error"]["code"], "internal_error", "{body}");
    assert_eq!(body["error"]["trace_id"], "json-response", "{body}");
    let message = body["error"]["message"].as_str().unwrap();
    assert!(
        !message.contains("cannot be written"),
        "internals leaked: {message}"
    );
    assert!(
        captured.text().contains("this value cannot be written"),
        "the cause is logged: {}",
        captured.text()
    );
}

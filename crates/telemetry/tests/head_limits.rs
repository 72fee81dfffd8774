//! Every way of applying the request layer (`instrument`, `instrument_with_body_limit` as the sidecar does,
//! `served`) answers a URI or headers over the head limits with 414 / 431 and the one error body, trace id
//! included, without calling the route.

use axum::{
    Router,
    body::{Body, to_bytes},
    http::{Request, StatusCode},
    routing::get,
};
use serde_json::Value;
use telemetry::HeadLimits;
use tower::ServiceExt;

fn routes() -> Router {
    Router::new().route("/", get(|| async { "ok" }))
}

async fn answer<S>(service: S, request: Request<Body>) -> (StatusCode, Value)
where
    S: tower::Service<Request<Body>, Response = axum::response::Response>,
    S::Error: std::fmt::Debug,
{
    let response = service.oneshot(request).await.unwrap();
    let status = response.status();
    let bytes = to_bytes(response.into_body(), 1 << 20).await.unwrap();
    let body = serde_json::from_slice(&bytes)
        .unwrap_or(Value::String(String::from_utf8_lossy(&bytes).into_owned()));
    (status, body)
}

fn long_uri() -> Request<Body> {
    let uri = format!("/?pad={}", "a".repeat(HeadLimits::default().max_uri_bytes));
    Request::get(uri)
        .header("x-trace-id", "head-1")
        .body(Body::empty())
        .unwrap()
}

fn large_headers() -> Request<Body> {
    let mut request = Request::get("/");
    for i in 0..10 {
        let value = "b".repeat(HeadLimits::default().max_header_bytes / 10);
        request = request.header(format!("x-h{i}"), value);
    }
    request.body(Body::empty()).unwrap()
}

fn assert_refused((status, body): (StatusCode, Value), expected: StatusCode, code: &str) {
    assert_eq!(status, expected, "{body}");
    assert_eq!(body["error"]["code"], code, "{body}");
    assert!(
        !body["error"]["trace_id"]
            .as_str()
            .unwrap_or_default()
            .is_empty(),
        "{body}"
    );
}

#[tokio::test]
async fn each_layer_refuses_a_long_uri_and_large_headers() {
    let sidecar_like = telemetry::instrument_with_body_limit(routes(), 1024);
    let (status, body) = answer(sidecar_like.clone(), long_uri()).await;
    assert_eq!(body["error"]["trace_id"], "head-1");
    assert_refused((status, body), StatusCode::URI_TOO_LONG, "uri_too_long");
    assert_refused(
        answer(sidecar_like, large_headers()).await,
        StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
        "headers_too_large",
    );
    assert_refused(
        answer(telemetry::instrument(routes()), long_uri()).await,
        StatusCode::URI_TOO_LONG,
        "uri_too_long",
    );
    let served = telemetry::served(routes(), 1024, telemetry::AllowedHosts::any());
    assert_refused(
        answer(served, large_headers()).await,
        StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
        "headers_too_large",
    );
    let small = HeadLimits {
        max_uri_bytes: 10,
        max_header_bytes: 100,
    };
    let request = Request::get("/?a=12345678").body(Body::empty()).unwrap();
    assert_refused(
        answer(
            telemetry::instrument_with_limits(routes(), 1024, small),
            request,
        )
        .await,
        StatusCode::URI_TOO_LONG,
        "uri_too_long",
    );
    // Within the limits the route answers.
    let (status, body) = answer(
        telemetry::instrument(routes()),
        Request::get("/").body(Body::empty()).unwrap(),
    )
    .await;
    assert_eq!((status, body), (StatusCode::OK, Value::String("ok".into())));
}

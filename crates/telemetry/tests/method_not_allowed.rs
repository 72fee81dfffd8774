//! A method a route does not accept gets the one error body — naming the path and the method, with axum's
//! `Allow` header and the trace id — whether the router is wrapped per route (`instrument`) or whole (`served`);
//! a service that answers a bare 405 itself gets the error body with a general message.

use std::convert::Infallible;

use axum::{
    Router,
    body::Body,
    http::{Request, StatusCode, header},
    response::{IntoResponse, Response},
    routing::{get, post},
};
use http_body_util::BodyExt;
use serde_json::Value;
use tower::{Service, ServiceExt};

fn routes() -> Router {
    Router::new()
        .route("/add", post(|| async { "added" }))
        .route("/items/{id}", get(|| async { "item" }).delete(|| async {}))
        .route_service(
            "/bare",
            tower::service_fn(|_: Request<Body>| async {
                Ok::<_, Infallible>(StatusCode::METHOD_NOT_ALLOWED.into_response())
            }),
        )
}

async fn send<S>(service: S, method: &str, path: &str) -> (Response, Value)
where
    S: Service<Request<Body>, Response = Response, Error = Infallible>,
{
    let request = Request::builder()
        .method(method)
        .uri(path)
        .header("x-trace-id", "trace-405")
        .body(Body::empty())
        .unwrap();
    let response = service.oneshot(request).await.unwrap();
    let (parts, body) = response.into_parts();
    let bytes = body.collect().await.unwrap().to_bytes();
    let json = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    (Response::from_parts(parts, Body::empty()), json)
}

fn assert_error_body(response: &Response, json: &Value) {
    assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(
        response.headers()[header::CONTENT_TYPE],
        "application/json",
        "{json}"
    );
    assert_eq!(response.headers()["x-trace-id"], "trace-405");
    assert_eq!(json["error"]["code"], "method_not_allowed", "{json}");
    assert_eq!(json["error"]["trace_id"], "trace-405", "{json}");
}

#[tokio::test]
async fn a_routes_405_names_the_path_and_method_and_keeps_the_allow_header() {
    for (method, path, allow) in [
        ("GET", "/add", "POST"),
        ("PUT", "/items/7", "GET,HEAD,DELETE"),
    ] {
        let per_route = telemetry::instrument(routes());
        let whole = telemetry::served(routes(), 1024, telemetry::AllowedHosts::any());
        for (response, json) in [
            send(per_route, method, path).await,
            send(whole, method, path).await,
        ] {
            assert_error_body(&response, &json);
            let message = json["error"]["message"].as_str().unwrap();
            assert!(
                message.contains(method) && message.contains(path),
                "{message}"
            );
            assert_eq!(response.headers()[header::ALLOW], allow, "{method} {path}");
        }
    }
}

#[tokio::test]
async fn a_bare_405_from_a_service_gets_the_error_body() {
    for (response, json) in [
        send(telemetry::instrument(routes()), "POST", "/bare").await,
        send(
            telemetry::served(routes(), 1024, telemetry::AllowedHosts::any()),
            "POST",
            "/bare",
        )
        .await,
    ] {
        assert_error_body(&response, &json);
        let message = json["error"]["message"].as_str().unwrap();
        assert!(message.contains("Allow"), "{message}");
    }
}

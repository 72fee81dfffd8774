//! A handler that panics is answered 500 `internal_error` with the one error body and the request's trace id,
//! through a router and from a real server (where the panic used to close the connection with no answer).

use std::io::{Read, Write};

use axum::{
    Router,
    body::{Body, to_bytes},
    http::{Request, StatusCode},
    routing::get,
};
use serde_json::Value;
use tower::ServiceExt;

async fn panics() -> &'static str {
    panic!("a handler's bug")
}

fn routes() -> Router {
    Router::new()
        .route("/panic", get(panics))
        .route("/", get(|| async { "ok" }))
}

#[tokio::test]
async fn a_panicking_handler_is_a_500_with_the_error_body() {
    let request = Request::get("/panic")
        .header("x-trace-id", "panic-1")
        .body(Body::empty())
        .unwrap();
    let response = telemetry::instrument(routes())
        .oneshot(request)
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(response.headers()["x-trace-id"], "panic-1");
    let bytes = to_bytes(response.into_body(), 1 << 20).await.unwrap();
    let body: Value = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(body["error"]["code"], "internal_error");
    assert_eq!(body["error"]["trace_id"], "panic-1");
    assert!(
        !body.to_string().contains("a handler's bug"),
        "no internals: {body}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_real_server_answers_a_panic_and_keeps_serving() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let service = telemetry::served(routes(), 1024, telemetry::AllowedHosts::any());
    tokio::spawn(telemetry::serve_connections(
        listener,
        service,
        telemetry::ConnectionLimits::default(),
        std::future::pending(),
    ));
    let exchange = move |path: &'static str| {
        let mut stream = std::net::TcpStream::connect(addr).unwrap();
        let head = format!("GET {path} HTTP/1.1\r\nhost: 127.0.0.1\r\nconnection: close\r\n\r\n");
        stream.write_all(head.as_bytes()).unwrap();
        let mut answer = String::new();
        let _ = stream.read_to_string(&mut answer);
        answer
    };
    let (panicked, after) =
        tokio::task::spawn_blocking(move || (exchange("/panic"), exchange("/")))
            .await
            .unwrap();
    assert!(panicked.starts_with("HTTP/1.1 500"), "{panicked:?}");
    assert!(
        panicked.contains(r#"{"error":{"code":"internal_error""#),
        "{panicked}"
    );
    assert!(after.starts_with("HTTP/1.1 200"), "{after}");
}

//! Cross-cutting HTTP behaviour: trace ids, 404/405/413 bodies, JSON bodies that are not objects, health,
//! OpenAPI and the offline docs page.

mod common;

use axum::{
    body::Body,
    http::{Request, StatusCode},
};
use calculator::Config;
use testkit::{get, post_json, send};

fn router() -> axum::Router {
    calculator::app(calculator::AppState::new(calculator::Config::for_tests()))
}

fn router_with(config: Config) -> axum::Router {
    calculator::app(calculator::AppState::new(config))
}

#[tokio::test]
async fn trace_id_is_echoed_when_valid() {
    let id = "client-trace_01.A";
    let request = Request::get("/healthz")
        .header("x-trace-id", id)
        .body(Body::empty())
        .unwrap();
    let reply = send(router(), request).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.trace_id(), id);

    let longest = "a".repeat(128);
    let request = Request::get("/healthz")
        .header("x-trace-id", &longest)
        .body(Body::empty())
        .unwrap();
    assert_eq!(send(router(), request).await.trace_id(), longest);
}

#[tokio::test]
async fn trace_id_is_generated_when_absent_and_replaced_when_invalid() {
    let generated = send(router(), get("/healthz")).await.trace_id();
    assert!(uuid_like(&generated), "{generated}");
    assert_ne!(
        generated,
        send(router(), get("/healthz")).await.trace_id(),
        "fresh per request"
    );

    for bad in [
        "has space",
        "semi;colon",
        "ünïcode",
        &"a".repeat(129),
        "<script>",
    ] {
        let request = Request::get("/healthz")
            .header("x-trace-id", bad)
            .body(Body::empty())
            .unwrap();
        let echoed = send(router(), request).await.trace_id();
        assert_ne!(echoed, bad);
        assert!(uuid_like(&echoed), "{bad:?} replaced by {echoed}");
    }
}

fn uuid_like(id: &str) -> bool {
    id.len() == 36 && id.chars().filter(|c| *c == '-').count() == 4
}

#[tokio::test]
async fn error_bodies_carry_the_request_trace_id() {
    let request = Request::post("/add")
        .header("x-trace-id", "trace-in-error")
        .header("content-type", "application/json")
        .body(Body::from("{}"))
        .unwrap();
    let reply = send(router(), request).await;
    reply.error(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(reply.json()["error"]["trace_id"], "trace-in-error");
}

#[tokio::test]
async fn unknown_path_is_404_with_the_error_body() {
    let reply = send(router(), get("/no/such/thing")).await;
    assert_eq!(reply.error(StatusCode::NOT_FOUND).0, "not_found");
}

#[tokio::test]
async fn wrong_method_is_405_with_the_error_body() {
    let request = Request::delete("/add").body(Body::empty()).unwrap();
    let reply = send(router(), request).await;
    let (code, message) = reply.error(StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(code, "method_not_allowed");
    assert!(
        message.contains("DELETE") && message.contains("/add"),
        "{message}"
    );
    let request = Request::get("/chart").body(Body::empty()).unwrap();
    send(router(), request)
        .await
        .error(StatusCode::METHOD_NOT_ALLOWED);
}

#[tokio::test]
async fn body_over_the_limit_is_413_with_the_error_body() {
    let config = Config {
        max_body_bytes: 1024,
        ..Config::for_tests()
    };
    let big = format!(r#"{{"values": [{}1]}}"#, "1,".repeat(1000));
    let reply = send(router_with(config.clone()), post_json("/chart", &big)).await;
    let (code, message) = reply.error(StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(code, "payload_too_large");
    assert!(message.contains("MAX_BODY_BYTES"), "{message}");

    // Streamed without a length, the limit still holds.
    let chunks = futures_util_stream(big);
    let request = Request::post("/chart")
        .header("content-type", "application/json")
        .body(Body::from_stream(chunks))
        .unwrap();
    send(router_with(config), request)
        .await
        .error(StatusCode::PAYLOAD_TOO_LARGE);
}

fn futures_util_stream(
    text: String,
) -> impl futures_core::Stream<Item = Result<Vec<u8>, std::io::Error>> {
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> = text
        .into_bytes()
        .chunks(100)
        .map(|c| Ok(c.to_vec()))
        .collect();
    tokio_stream::iter(chunks)
}

#[tokio::test]
async fn healthz_reports_the_service() {
    let reply = send(router(), get("/healthz")).await;
    assert_eq!(reply.status, StatusCode::OK);
    let json = reply.json();
    assert_eq!(json["status"], "ok");
    assert_eq!(json["service"], "calculator");
    assert_eq!(json["version"], env!("CARGO_PKG_VERSION"));
}

#[tokio::test]
async fn openapi_document_describes_every_endpoint() {
    let reply = send(router(), get("/openapi.json")).await;
    assert_eq!(reply.status, StatusCode::OK);
    let doc = reply.json();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    for path in ["/healthz", "/add", "/subtract", "/calculate", "/chart"] {
        assert!(
            doc["paths"][path].is_object(),
            "{path} missing from the OpenAPI document"
        );
    }
    assert!(doc["paths"]["/add"]["get"].is_object() && doc["paths"]["/add"]["post"].is_object());
    let schemas = &doc["components"]["schemas"];
    for schema in ["ApiError", "BinaryOperands", "ChartRequest", "NumberResult"] {
        assert!(schemas[schema].is_object(), "schema {schema} missing");
    }
    assert!(
        schemas["ErrorBody"]["properties"]["trace_id"]["description"].is_string(),
        "documented"
    );
}

#[tokio::test]
async fn docs_page_is_served_offline() {
    let reply = send(router(), get("/docs/")).await;
    assert_eq!(reply.status, StatusCode::OK);
    let html = String::from_utf8_lossy(&reply.body).to_string();
    assert!(html.contains("swagger-ui"), "{html}");
    assert!(!html.contains("cdn"), "no CDN references: {html}");
    for asset in [
        "/docs/swagger-ui.css",
        "/docs/swagger-ui-bundle.js",
        "/docs/swagger-initializer.js",
    ] {
        let reply = send(router(), get(asset)).await;
        assert_eq!(
            reply.status,
            StatusCode::OK,
            "{asset} is served by the binary"
        );
        assert!(reply.body.len() > 100, "{asset}");
    }
    let initializer = send(router(), get("/docs/swagger-initializer.js")).await;
    assert!(String::from_utf8_lossy(&initializer.body).contains("/openapi.json"));
}

/// serde read a JSON array as a struct's fields in order: `POST /add` with `[1, 2]` answered 3. Every JSON
/// route takes an object only, and says which fields it has.
#[tokio::test]
async fn a_json_body_that_is_not_an_object_is_invalid_input_naming_the_fields() {
    let app = common::TestApp::new();
    let dataset = app.dataset("sales", "city,sales\nParis,1\n").await;
    let id = dataset["id"].as_str().unwrap();
    for (uri, body, fields) in [
        ("/add".to_owned(), "[1, 2]", "`a`, `b`"),
        ("/subtract".to_owned(), "[1, 2]", "`a`, `b`"),
        (
            "/calculate".to_owned(),
            r#"["add", 1, 2]"#,
            "`op`, `a`, `b`",
        ),
        ("/chart".to_owned(), "[[1, 2, 3]]", "`values`, "),
        (
            format!("/datasets/{id}/query"),
            r#"["SELECT COUNT(*) FROM data"]"#,
            "`sql`, `limit`",
        ),
        (
            format!("/datasets/{id}/analyze"),
            r#"["how many?"]"#,
            "`question`",
        ),
        (
            format!("/datasets/{id}/analyze/stream"),
            r#"["how many?"]"#,
            "`question`",
        ),
        ("/add".to_owned(), "3", "`a`, `b`"),
    ] {
        let reply = app.send(post_json(&uri, body)).await;
        let (code, message) = reply.error(StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(code, "invalid_input", "{uri} {body}");
        assert!(
            message.starts_with("the body must be a JSON object with the fields ")
                && message.contains(fields),
            "{uri} {body}: {message}"
        );
    }
}

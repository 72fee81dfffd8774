//! `ApiJson` reading a body: a wrong type for an enum field is a 422 naming the field and the accepted names
//! (serde_json calls it a syntax error), a UTF-8 byte-order mark is ignored, and UTF-16 is named as such.

use axum::{Router, http::StatusCode, routing::post};
use serde::Deserialize;
use telemetry::ApiJson;
use testkit::{post_json, send};

#[derive(Deserialize)]
#[serde(rename_all = "lowercase")]
enum Shape {
    Line,
    Bar,
    Scatter,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Drawing {
    #[serde(default)]
    shape: Option<Shape>,
    size: u32,
}

async fn draw(ApiJson(drawing): ApiJson<Drawing>) -> String {
    let shape = match drawing.shape {
        Some(Shape::Line) => "line",
        Some(Shape::Bar) => "bar",
        Some(Shape::Scatter) => "scatter",
        None => "none",
    };
    format!("{shape} {}", drawing.size)
}

fn router() -> Router {
    telemetry::instrument(Router::new().route("/draw", post(draw)))
}

async fn draw_with(body: &[u8]) -> testkit::Reply {
    let request = axum::http::Request::post("/draw")
        .header("content-type", "application/json")
        .body(axum::body::Body::from(body.to_vec()))
        .unwrap();
    send(router(), request).await
}

#[tokio::test]
async fn a_wrong_type_for_an_enum_field_is_invalid_input_naming_the_names() {
    for (value, found) in [
        ("1", "integer `1`"),
        ("true", "boolean `true`"),
        ("[\"bar\"]", "sequence"),
    ] {
        let body = format!(r#"{{"size": 3, "shape": {value}}}"#);
        let reply = send(router(), post_json("/draw", &body)).await;
        let (code, message) = reply.error(StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(code, "invalid_input");
        assert_eq!(
            message,
            format!(
                "field `shape`: invalid type: {found}, expected one of `line`, `bar`, `scatter`"
            )
        );
    }
    // `Option` takes null as none; a real syntax error is still one.
    let reply = send(
        router(),
        post_json("/draw", r#"{"size": 3, "shape": null}"#),
    )
    .await;
    assert_eq!(reply.text(), "none 3");
    let reply = send(router(), post_json("/draw", r#"{"size": 3, "shape": nul}"#)).await;
    assert_eq!(reply.error(StatusCode::BAD_REQUEST).0, "malformed_json");
}

#[tokio::test]
async fn a_utf8_byte_order_mark_is_ignored() {
    let reply = draw_with(b"\xEF\xBB\xBF{\"size\": 5, \"shape\": \"bar\"}").await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    assert_eq!(reply.text(), "bar 5");
}

#[tokio::test]
async fn utf16_is_named() {
    let utf16: Vec<u8> = [0xFEFF_u16]
        .into_iter()
        .chain("{\"size\": 5}".encode_utf16())
        .flat_map(u16::to_le_bytes)
        .collect();
    let reply = draw_with(&utf16).await;
    let (code, message) = reply.error(StatusCode::BAD_REQUEST);
    assert_eq!(code, "malformed_json");
    assert!(
        message.contains("UTF-16") && message.contains("UTF-8"),
        "{message}"
    );
}

/// Nothing decompresses a JSON body: one sent with a `Content-Encoding` was read as malformed JSON (gzip), or
/// as JSON with the header ignored. It is a 415 naming the encoding, as an upload's is.
#[tokio::test]
async fn a_compressed_body_is_unsupported_naming_the_encoding() {
    for coding in ["gzip", "br", "deflate", "x-custom"] {
        let request = axum::http::Request::post("/draw")
            .header("content-type", "application/json")
            .header("content-encoding", coding)
            .body(axum::body::Body::from(r#"{"size": 3}"#))
            .unwrap();
        let reply = send(router(), request).await;
        let (code, message) = reply.error(StatusCode::UNSUPPORTED_MEDIA_TYPE);
        assert_eq!(code, "unsupported_media_type");
        assert!(
            message.contains(&format!("`Content-Encoding: {coding}`")),
            "{message}"
        );
    }
    let request = axum::http::Request::post("/draw")
        .header("content-type", "application/json")
        .header("content-encoding", "identity")
        .body(axum::body::Body::from(r#"{"size": 3}"#))
        .unwrap();
    assert_eq!(send(router(), request).await.text(), "none 3");
}

/// serde's derived structs also read an array as their fields in order: `[null, 3]` drew "none 3". A struct's
/// body is an object, and anything else is refused naming its fields; a handler that takes any JSON value
/// still takes an array.
#[tokio::test]
async fn a_body_that_is_not_an_object_is_refused_naming_the_fields() {
    for body in [
        "[null, 3]",
        "[\"bar\", 3]",
        "\u{feff}[null, 3]",
        "3",
        "\"bar\"",
        "null",
    ] {
        let reply = draw_with(body.as_bytes()).await;
        let (code, message) = reply.error(StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(code, "invalid_input", "{body}");
        assert!(
            message.starts_with(
                "the body must be a JSON object with the fields `shape`, `size`, not "
            ),
            "{body}: {message}"
        );
    }
    let reply = draw_with(b"[null, 3").await;
    assert_eq!(reply.error(StatusCode::BAD_REQUEST).0, "malformed_json");
    let echo = telemetry::instrument(Router::new().route(
        "/echo",
        post(|ApiJson(value): ApiJson<serde_json::Value>| async move { ApiJson(value) }),
    ));
    let reply = send(echo, post_json("/echo", "[1, 2]")).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    assert_eq!(reply.json(), serde_json::json!([1, 2]));
}

//! `ApiJson` reading a body: a wrong type for an enum field is a 422 naming the field and the accepted names
//! (serde_json calls it a syntax error).

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

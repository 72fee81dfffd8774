//! Arithmetic endpoints: happy paths in JSON and query form, and every kind of bad input.

use axum::{
    body::Body,
    http::{Request, StatusCode},
};
use serde_json::json;
use testkit::{get, post_json, send};

fn router() -> axum::Router {
    calculator::app(calculator::AppState::new(calculator::Config::for_tests()))
}

#[tokio::test]
async fn add_and_subtract_in_json_and_query_form() {
    for (uri, body, expected) in [
        ("/add", r#"{"a": 1.5, "b": 2}"#, 3.5),
        ("/subtract", r#"{"a": 1, "b": 3}"#, -2.0),
        ("/add", r#"{"a": -1e308, "b": 1e308}"#, 0.0),
    ] {
        let reply = send(router(), post_json(uri, body)).await;
        assert_eq!(reply.status, StatusCode::OK);
        assert_eq!(reply.json(), json!({ "result": expected }));
    }
    for (uri, expected) in [("/add?a=1&b=2", 3.0), ("/subtract?a=5&b=7.5", -2.5)] {
        let reply = send(router(), get(uri)).await;
        assert_eq!(reply.status, StatusCode::OK, "{uri}");
        assert_eq!(reply.json(), json!({ "result": expected }));
    }
}

#[tokio::test]
async fn calculate_applies_each_operation() {
    for (op, expected) in [
        ("add", 8.0),
        ("subtract", 4.0),
        ("multiply", 12.0),
        ("divide", 3.0),
    ] {
        let body = json!({ "op": op, "a": 6, "b": 2 }).to_string();
        let reply = send(router(), post_json("/calculate", &body)).await;
        assert_eq!(reply.status, StatusCode::OK);
        assert_eq!(reply.json()["result"], json!(expected), "{op}");
    }
}

#[tokio::test]
async fn bad_operands_are_422_naming_the_field() {
    let cases = [
        (r#"{"a": 1}"#, "invalid_input", "`b`"),
        (r#"{"a": 1, "b": 2, "c": 3}"#, "invalid_input", "`c`"),
        (r#"{"a": "1", "b": 2}"#, "invalid_input", "`a`"),
        (r#"{"a": 1, "b": null}"#, "invalid_input", "`b`"),
        (r#"{"a": 1e309, "b": 2}"#, "invalid_input", "`a`"),
        (r#"{"a": 1, "b": -1e309}"#, "invalid_input", "`b`"),
        (r#"{"a": 1e308, "b": 1e308}"#, "non_finite_result", "finite"),
    ];
    for (body, code, mentions) in cases {
        let reply = send(router(), post_json("/add", body)).await;
        let (got_code, message) = reply.error(StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(got_code, code, "{body}: {message}");
        assert!(
            message.contains(mentions),
            "{body}: {message} should mention {mentions}"
        );
    }
}

#[tokio::test]
async fn division_by_zero_has_its_own_code() {
    let reply = send(
        router(),
        post_json("/calculate", r#"{"op":"divide","a":1,"b":0}"#),
    )
    .await;
    let (code, _) = reply.error(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(code, "division_by_zero");
    let reply = send(
        router(),
        post_json("/calculate", r#"{"op":"power","a":1,"b":0}"#),
    )
    .await;
    let (code, message) = reply.error(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(code, "invalid_input");
    assert!(message.contains("`op`"), "{message}");
}

#[tokio::test]
async fn bad_query_parameters_are_422() {
    for (uri, mentions) in [
        ("/add?a=1", "`b`"),
        ("/add?a=x&b=1", "`a`"),
        ("/add?a=inf&b=1", "`a`"),
        ("/subtract?a=1&b=NaN", "`b`"),
        ("/add?a=1&b=2&c=3", "`c`"),
    ] {
        let reply = send(router(), get(uri)).await;
        let (code, message) = reply.error(StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(code, "invalid_input");
        assert!(message.contains(mentions), "{uri}: {message}");
    }
}

#[tokio::test]
async fn malformed_json_and_wrong_content_type_get_the_error_body() {
    let reply = send(router(), post_json("/add", r#"{"a": 1,"#)).await;
    assert_eq!(reply.error(StatusCode::BAD_REQUEST).0, "malformed_json");

    let reply = send(router(), post_json("/add", r#"{"a": 1, "b": 2} trailing"#)).await;
    assert_eq!(reply.error(StatusCode::BAD_REQUEST).0, "malformed_json");

    let request = Request::post("/add")
        .header("content-type", "text/plain")
        .body(Body::from(r#"{"a":1,"b":2}"#))
        .unwrap();
    let reply = send(router(), request).await;
    assert_eq!(
        reply.error(StatusCode::UNSUPPORTED_MEDIA_TYPE).0,
        "unsupported_media_type"
    );

    let request = Request::post("/add")
        .body(Body::from(r#"{"a":1,"b":2}"#))
        .unwrap();
    let reply = send(router(), request).await;
    assert_eq!(
        reply.error(StatusCode::UNSUPPORTED_MEDIA_TYPE).0,
        "unsupported_media_type"
    );
}

/// An enum field holding null or a number is well-formed JSON with a bad value: 422 naming the field and the
/// names it takes (serde_json called it the syntax error "expected value").
#[tokio::test]
async fn a_wrong_type_for_op_or_kind_is_invalid_input() {
    for (uri, body, expected) in [
        (
            "/calculate",
            r#"{"op": null, "a": 1, "b": 2}"#,
            "field `op`: invalid type: null, expected one of `add`, `subtract`, `multiply`, `divide`",
        ),
        (
            "/calculate",
            r#"{"op": 1, "a": 1, "b": 2}"#,
            "field `op`: invalid type: integer `1`, expected one of `add`, `subtract`, `multiply`, `divide`",
        ),
        (
            "/chart",
            r#"{"values": [1, 2], "kind": null}"#,
            "field `kind`: invalid type: null, expected one of `line`, `bar`, `scatter`",
        ),
    ] {
        let reply = send(router(), post_json(uri, body)).await;
        let (code, message) = reply.error(StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(
            (code.as_str(), message.as_str()),
            ("invalid_input", expected)
        );
    }
}

/// A body some Windows tools write, with a UTF-8 byte-order mark before the JSON, is read.
#[tokio::test]
async fn a_byte_order_mark_before_the_json_is_ignored() {
    let reply = send(router(), post_json("/add", "\u{feff}{\"a\": 5, \"b\": 5}")).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    assert_eq!(reply.json(), json!({ "result": 10.0 }));
}

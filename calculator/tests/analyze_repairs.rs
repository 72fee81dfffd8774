//! Analyze's repair round after a query that failed to run, against a wiremock sidecar (and a real sidecar on a
//! wiremock LLM): the error after it keeps the cause the sidecar named with the count of every answer.

mod common;

use axum::http::StatusCode;
use serde_json::{Value, json};
use testkit::post_json;
use wiremock::{
    Mock, MockServer, ResponseTemplate,
    matchers::{body_string_contains, path},
};

const CSV: &str = "city,sales\nParis,1\nLyon,2\n";
/// Passes both validators and fails in the engine: `Paris` is no integer.
const FAILING_SQL: &str = "SELECT CAST(city AS INTEGER) AS n FROM data";

fn codegen(code: &str) -> Value {
    json!({"code": code, "language": "sql", "summary": "s", "attempts": 1, "model": "m"})
}

async fn app_with(url: String) -> (common::TestApp, String) {
    let app = common::TestApp::configured(|config| config.sidecar_url = Some(url));
    let dataset = app.dataset("sales", CSV).await;
    let id = dataset["id"].as_str().unwrap().to_owned();
    (app, id)
}

async fn ask(app: &common::TestApp, id: &str) -> testkit::Reply {
    app.send(post_json(
        &format!("/datasets/{id}/analyze"),
        r#"{"question": "total?"}"#,
    ))
    .await
}

/// A sidecar whose first answer fails in the engine and whose repair round answers `repair` with `status`.
async fn sidecar_repairing_with(status: u16, repair: Value) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(path("/ai/codegen"))
        .and(body_string_contains("previous_attempt"))
        .respond_with(ResponseTemplate::new(status).set_body_json(repair))
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(path("/ai/codegen"))
        .respond_with(ResponseTemplate::new(200).set_body_json(codegen(FAILING_SQL)))
        .mount(&server)
        .await;
    Mock::given(path("/ai/validate"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"is_valid": true, "issues": []})),
        )
        .mount(&server)
        .await;
    server
}

/// The repair round's answer was cut off at the token limit: the count is every answer's, and the cause and fix
/// the sidecar named (AI_MAX_TOKENS) stay; it was replaced by the generic "raise AI_MAX_REPAIRS".
#[tokio::test]
async fn a_cut_off_repair_keeps_the_token_limit_in_the_message() {
    let message = sidecar::error::cut_off_message(
        1,
        sidecar::error::CutOff {
            max_tokens: 1024,
            empty: true,
        },
    );
    let failed = json!({"error": {"code": "codegen_failed", "trace_id": "t", "attempts": 1,
        "message": message, "issues": [{"rule": "bad_output", "message": "cut off"}]}});
    let server = sidecar_repairing_with(422, failed).await;
    let (app, id) = app_with(server.uri()).await;
    let reply = ask(&app, &id).await;
    let (code, message) = reply.error(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(code, "codegen_failed");
    assert_eq!(reply.json()["error"]["attempts"], 2);
    assert!(message.contains("in 2 answer(s)"), "{message}");
    assert!(
        message.contains("raise AI_MAX_TOKENS (now 1024)"),
        "{message}"
    );
    assert!(!message.contains("AI_MAX_REPAIRS"), "{message}");
}

//! Analyze against a wiremock sidecar: a two-row dataset, the sidecar's answers, and the question asked.

use serde_json::{Value, json};
use testkit::{Reply, post_json};
use wiremock::{
    Mock, MockServer, ResponseTemplate,
    matchers::{body_string_contains, path},
};

use super::TestApp;

pub const CSV: &str = "city,sales\nParis,1\nLyon,2\n";

/// Passes both validators and fails in the engine: `Paris` is no integer.
pub const FAILING_SQL: &str = "SELECT CAST(city AS INTEGER) AS n FROM data";

/// The sidecar's codegen answer for `code`.
pub fn codegen(code: &str) -> Value {
    json!({"code": code, "language": "sql", "summary": "s", "attempts": 1, "model": "m"})
}

/// An app whose sidecar is at `url`, with [`CSV`] uploaded; the app and the dataset's id.
pub async fn app_with(url: String) -> (TestApp, String) {
    let app = TestApp::configured(|config| config.sidecar_url = Some(url));
    let dataset = app.dataset("sales", CSV).await;
    let id = dataset["id"].as_str().unwrap().to_owned();
    (app, id)
}

/// `POST /datasets/{id}/analyze` with the question `total?`.
pub async fn ask(app: &TestApp, id: &str) -> Reply {
    app.send(post_json(
        &format!("/datasets/{id}/analyze"),
        r#"{"question": "total?"}"#,
    ))
    .await
}

/// `POST /datasets/{id}/analyze/stream` with the question `total?`: the stream's text.
pub async fn ask_stream(app: &TestApp, id: &str) -> String {
    app.send(post_json(
        &format!("/datasets/{id}/analyze/stream"),
        r#"{"question": "total?"}"#,
    ))
    .await
    .text()
}

/// The data of every event of an SSE `stream` that is JSON (with `event: kind` only, when `kind` is given).
pub fn stream_data(stream: &str, kind: Option<&str>) -> Vec<Value> {
    stream
        .split("\n\n")
        .filter(|event| kind.is_none_or(|kind| event.starts_with(&format!("event: {kind}"))))
        .filter_map(|event| event.split_once("data: ").map(|(_, data)| data))
        .filter_map(|data| serde_json::from_str::<Value>(data).ok())
        .collect()
}

/// The dataset's latest audit record.
pub async fn last_record(app: &TestApp, id: &str) -> Value {
    app.get(&format!("/datasets/{id}/analyses")).await.json()["analyses"][0].clone()
}

/// Mounts on `server` a `/ai/validate` that approves every query (with `headers` on the verdict).
pub async fn mount_approval(server: &MockServer, headers: &[(&str, &str)]) {
    let mut verdict =
        ResponseTemplate::new(200).set_body_json(json!({"is_valid": true, "issues": []}));
    for (name, value) in headers {
        verdict = verdict.insert_header(*name, *value);
    }
    Mock::given(path("/ai/validate"))
        .respond_with(verdict)
        .mount(server)
        .await;
}

/// Mounts on `server` a `/ai/codegen/stream` whose only event is the result `result`.
pub async fn mount_stream_result(server: &MockServer, result: &Value) {
    Mock::given(path("/ai/codegen/stream"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("content-type", "text/event-stream")
                .set_body_string(format!("event: result\ndata: {result}\n\n")),
        )
        .mount(server)
        .await;
}

/// A sidecar whose first answer is [`FAILING_SQL`] (which fails in the engine) and whose repair round answers
/// `repair` with `status`; it approves every query.
pub async fn sidecar_repairing_with(status: u16, repair: Value) -> MockServer {
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
    mount_approval(&server, &[]).await;
    server
}

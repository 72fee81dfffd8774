//! Analyze's repair round after a query that failed to run, against a wiremock sidecar (and a real sidecar on a
//! wiremock LLM): the error after it keeps the cause the sidecar named with the count of every answer.

mod common;

use axum::http::StatusCode;
use common::analyze::*;
use serde_json::{Value, json};
use wiremock::{
    Mock, MockServer, ResponseTemplate,
    matchers::{body_string_contains, path},
};

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

/// An LLM at `server` answering `first` to the question and `repaired` once told the query failed to run.
async fn llm_repairing(server: &MockServer, first: &str, repaired: &str) {
    let reply = |content: &str| {
        ResponseTemplate::new(200).set_body_json(json!({
            "model": "m",
            "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}]
        }))
    };
    Mock::given(path("/v1/chat/completions"))
        .and(body_string_contains("Running your query failed"))
        .respond_with(reply(repaired))
        .with_priority(1)
        .mount(server)
        .await;
    Mock::given(path("/v1/chat/completions"))
        .respond_with(reply(first))
        .mount(server)
        .await;
}

/// A real sidecar on the LLM at `llm`; its base URL.
async fn real_sidecar(llm: &MockServer) -> String {
    let mut provider = llm::ProviderConfig::openai_compatible(format!("{}/v1", llm.uri()), "m");
    provider.retry.base_delay = std::time::Duration::from_millis(1);
    let config = sidecar::Config::for_tests().with_llm(provider).unwrap();
    let sidecar = sidecar::Application::build(config).await.unwrap();
    let url = format!("http://{}", sidecar.local_addr().unwrap());
    tokio::spawn(sidecar.run_until(std::future::pending()));
    url
}

/// The repair after a failed execution keeps the model's own reply in the history, as a validation repair does
/// (llm-protocols.md §C): not the validator's normalised SQL (with a TRIM the model never wrote, without its
/// summary and chart).
#[tokio::test]
async fn the_execution_repair_feeds_back_the_models_verbatim_reply() {
    let llm = MockServer::start().await;
    let first = r#"{"sql": "SELECT CAST(city AS INTEGER) AS c FROM data", "summary": "cities as numbers", "chart": {"kind": "bar", "x": "c", "y": "c"}}"#;
    let repaired = r#"{"sql": "SELECT COUNT(*) AS n FROM data", "summary": "rows", "chart": null}"#;
    llm_repairing(&llm, first, repaired).await;
    let (app, id) = app_with(real_sidecar(&llm).await).await;
    let reply = ask(&app, &id).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    assert_eq!(reply.json()["attempts"], 2);
    let requests = llm.received_requests().await.unwrap();
    let repair: Value = requests
        .iter()
        .map(|request| serde_json::from_slice::<Value>(&request.body).unwrap())
        .find(|body| body.to_string().contains("Running your query failed"))
        .expect("a repair request");
    assert_eq!(
        repair["messages"][2],
        json!({"role": "assistant", "content": first}),
        "{repair}"
    );
}

/// The repaired query fails to run too: `query_failed` says which SQL failed (the SQL that ran) and after how
/// many answers, as `codegen_failed` does; the stream's `error` event and the audit record too.
#[tokio::test]
async fn query_failed_after_the_repair_carries_sql_and_attempts() {
    let server = sidecar_repairing_with(200, codegen(FAILING_SQL)).await;
    let (app, id) = app_with(server.uri()).await;
    let reply = ask(&app, &id).await;
    let (code, _) = reply.error(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(code, "query_failed");
    let error = &reply.json()["error"];
    assert_eq!(error["attempts"], 2, "{error}");
    let sql = error["sql"]
        .as_str()
        .unwrap_or_else(|| panic!("no sql: {error}"));
    assert!(sql.contains("CAST") && sql.contains("city"), "{sql}");

    let record = last_record(&app, &id).await;
    assert_eq!(record["error"]["error"]["sql"], sql, "{record}");
    assert_eq!(record["error"]["error"]["attempts"], 2, "{record}");
    assert_eq!(record["code"], sql, "{record}");

    mount_stream_result(&server, &codegen(FAILING_SQL)).await;
    let stream = ask_stream(&app, &id).await;
    let last = stream_data(&stream, Some("error"))
        .pop()
        .unwrap_or_else(|| panic!("no error event in {stream}"));
    assert_eq!(last["error"]["code"], "query_failed", "{last}");
    assert_eq!(last["error"]["sql"], sql, "{last}");
    assert_eq!(last["error"]["attempts"], 2, "{last}");
}

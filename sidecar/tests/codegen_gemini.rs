//! `/ai/codegen` against Gemini's native API (wiremock): the exact request, blocks and safety stops, quota
//! handling with `RetryInfo`, truncation, and the repair loop.

mod common;

use std::time::{Duration, Instant};

use axum::http::StatusCode;
use common::*;
use serde_json::json;
use sidecar::prompts::{Prompts, answer_schema};
use testkit::send;
use wiremock::matchers::{body_json, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const GENERATE: &str = "/v1beta/models/gemini-2.5-flash:generateContent";

fn quota(status: &str, quota_id: &str, delay: &str) -> ResponseTemplate {
    ResponseTemplate::new(429).set_body_json(json!({"error": {
        "code": 429, "message": "Resource has been exhausted (e.g. check quota).", "status": status,
        "details": [
            {"@type": "type.googleapis.com/google.rpc.QuotaFailure", "violations": [{"quotaId": quota_id}]},
            {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": delay}
        ]}}))
}

#[tokio::test]
async fn exact_request_and_happy_path() {
    let server = MockServer::start().await;
    let expected = json!({
        "systemInstruction": {"parts": [{"text": Prompts::new().unwrap().codegen_system()}]},
        "contents": [{"role": "user", "parts": [{"text": user_turn()}]}],
        "generationConfig": {
            "temperature": 0.1,
            "maxOutputTokens": 2048,
            "responseMimeType": "application/json",
            "responseJsonSchema": answer_schema()
        }
    });
    Mock::given(method("POST"))
        .and(path(GENERATE))
        .and(header("x-goog-api-key", KEY))
        .and(request_id("trace-1-1"))
        .and(header("x-trace-id", "trace-1"))
        .and(body_json(expected.clone()))
        .respond_with(gemini_reply(&answer(GOOD_SQL)))
        .expect(1)
        .mount(&server)
        .await;
    let reply = codegen_gemini(&server).await;
    if reply.status != StatusCode::OK {
        assert_eq!(llm_bodies(&server).await[0], expected);
    }
    let json = reply.json();
    assert_eq!(json["attempts"], 1);
    assert_eq!(json["model"], "gemini-2.5-flash");
    assert_eq!(json["usage"]["total_tokens"], 120);
    assert!(
        json["code"]
            .as_str()
            .unwrap()
            .starts_with("SELECT \"pclass\""),
        "{json}"
    );
    let received = &server.received_requests().await.unwrap()[0];
    assert!(received.headers.get("authorization").is_none());
}

#[tokio::test]
async fn repair_turns_use_the_model_role() {
    let server = MockServer::start().await;
    let bad = answer("SELECT * FROM read_csv('/etc/passwd')");
    Mock::given(request_id("trace-1-1"))
        .respond_with(gemini_reply(&bad))
        .mount(&server)
        .await;
    Mock::given(request_id("trace-1-r1-1"))
        .respond_with(gemini_reply(&answer(GOOD_SQL)))
        .mount(&server)
        .await;
    let reply = codegen_gemini(&server).await;
    assert_eq!(reply.json()["attempts"], 2, "{}", reply.text());
    let contents = llm_bodies(&server).await[1]["contents"].clone();
    assert_eq!(
        contents[1],
        json!({"role": "model", "parts": [{"text": bad}]})
    );
    assert_eq!(contents[2]["role"], "user");
    let repair = contents[2]["parts"][0]["text"].as_str().unwrap();
    assert!(
        repair.contains(r#""rule":"table_function""#) && repair.contains("read_csv"),
        "{repair}"
    );
}

#[tokio::test]
async fn fenced_and_thought_parts() {
    let server = MockServer::start().await;
    let body = json!({
        "candidates": [{"content": {"role": "model", "parts": [
            {"text": "Let me think about SELECT * FROM users", "thought": true},
            {"text": format!("```json\n{}\n```", answer(GOOD_SQL))}
        ]}, "finishReason": "STOP"}]
    });
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_json(body))
        .mount(&server)
        .await;
    let reply = codegen_gemini(&server).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
}

#[tokio::test]
async fn blocked_prompt_and_safety_stop_are_422_llm_refused() {
    for body in [
        json!({"promptFeedback": {"blockReason": "PROHIBITED_CONTENT"}}),
        gemini_body("", "SAFETY"),
    ] {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .respond_with(ResponseTemplate::new(200).set_body_json(body.clone()))
            .expect(1)
            .mount(&server)
            .await;
        let reply = codegen_gemini(&server).await;
        assert_eq!(
            reply.error(StatusCode::UNPROCESSABLE_ENTITY).0,
            "llm_refused",
            "{body}"
        );
    }
}

/// Thinking spent the whole `maxOutputTokens` and no text came: a repair round cannot help (the next answer has
/// the same limit), so none is spent, and the error names the real cause and fix: the output token limit.
#[tokio::test]
async fn max_tokens_without_content_names_the_token_limit_and_is_not_repaired() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "candidates": [{"content": {"role": "model"}, "finishReason": "MAX_TOKENS"}],
            "usageMetadata": {"promptTokenCount": 90, "thoughtsTokenCount": 2048, "totalTokenCount": 2138}
        })))
        .expect(1)
        .mount(&server)
        .await;
    let reply = codegen_gemini(&server).await;
    let (code, message) = reply.error(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(code, "codegen_failed");
    assert_eq!(reply.json()["error"]["attempts"], 1, "{}", reply.text());
    assert!(
        message.contains("output token limit")
            && message.contains("AI_MAX_TOKENS")
            && message.contains("2048"),
        "{message}"
    );
    assert!(!message.contains("AI_MAX_REPAIRS"), "{message}");
}

#[tokio::test]
async fn retry_info_is_honoured() {
    let server = MockServer::start().await;
    Mock::given(request_id("trace-1-1"))
        .respond_with(quota(
            "RESOURCE_EXHAUSTED",
            "GenerateRequestsPerMinutePerProjectPerModel-FreeTier",
            "0.6s",
        ))
        .mount(&server)
        .await;
    Mock::given(request_id("trace-1-2"))
        .respond_with(gemini_reply(&answer(GOOD_SQL)))
        .mount(&server)
        .await;
    let started = Instant::now();
    let reply = codegen_gemini(&server).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    assert!(
        started.elapsed() >= Duration::from_millis(550),
        "{:?}",
        started.elapsed()
    );
}

/// The RetryInfo's 57 s is about the per-minute window; a daily quota does not come back then, so no
/// `Retry-After` sends the client into the same refusal.
#[tokio::test]
async fn per_day_quota_is_429_without_retry_after() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(quota(
            "RESOURCE_EXHAUSTED",
            "GenerateRequestsPerDayPerProjectPerModel-FreeTier",
            "57.2s",
        ))
        .expect(1)
        .mount(&server)
        .await;
    let reply = codegen_gemini(&server).await;
    let (code, message) = reply.error(StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(code, "llm_rate_limited");
    assert!(message.contains("quota"), "{message}");
    assert!(
        reply.headers.get("retry-after").is_none(),
        "{:?}",
        reply.headers
    );
}

#[tokio::test]
async fn unavailable_then_success_and_bad_key_not_retried() {
    let server = MockServer::start().await;
    Mock::given(request_id("trace-1-1"))
        .respond_with(ResponseTemplate::new(503).set_body_json(json!({"error": {"code": 503, "message": "The model is overloaded.", "status": "UNAVAILABLE"}})))
        .mount(&server)
        .await;
    Mock::given(request_id("trace-1-2"))
        .respond_with(gemini_reply(&answer(GOOD_SQL)))
        .mount(&server)
        .await;
    assert_eq!(codegen_gemini(&server).await.status, StatusCode::OK);

    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(403).set_body_json(json!({"error": {"code": 403, "message": "API key not valid. Please pass a valid API key.", "status": "PERMISSION_DENIED"}})))
        .expect(1)
        .mount(&server)
        .await;
    let reply = codegen_gemini(&server).await;
    let (code, message) = reply.error(StatusCode::BAD_GATEWAY);
    assert_eq!(code, "llm_error");
    assert!(
        message.contains("API key not valid") && message.contains("GOOGLE_API_KEY"),
        "{message}"
    );
}

#[tokio::test]
async fn timeout_and_malformed_json() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(gemini_reply(&answer(GOOD_SQL)).set_delay(Duration::from_millis(800)))
        .mount(&server)
        .await;
    let mut provider = gemini(&server);
    provider.timeout = Duration::from_millis(100);
    provider.deadline = Duration::from_millis(250);
    let reply = send(
        router(config(provider)),
        post("/ai/codegen", &codegen_body()),
    )
    .await;
    assert_eq!(reply.error(StatusCode::GATEWAY_TIMEOUT).0, "llm_timeout");

    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(200).set_body_raw("{\"candidates\": [{", "application/json"),
        )
        .mount(&server)
        .await;
    assert_eq!(
        codegen_gemini(&server)
            .await
            .error(StatusCode::BAD_GATEWAY)
            .0,
        "llm_bad_output"
    );
}

//! Gemini native adapter against wiremock: bodies, headers, outcomes, RetryInfo, quotas.

mod common;

use std::time::{Duration, Instant};

use common::*;
use llm::{ChatRequest, Extraction, LlmError, Message, StructuredMode, build_provider};
use serde_json::{Value, json};
use wiremock::matchers::{body_json, header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

const GEN_PATH: &str = "/v1beta/models/gemini-2.5-flash:generateContent";

async fn one_shot(body: Value) -> Result<llm::ChatResponse, LlmError> {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(GEN_PATH))
        .respond_with(ResponseTemplate::new(200).set_body_json(body))
        .mount(&server)
        .await;
    build_provider(gemini_cfg(&server))?
        .chat(sql_request("t"))
        .await
}

fn quota_429(quota_id: &str, delay: &str) -> ResponseTemplate {
    ResponseTemplate::new(429).set_body_json(json!({"error": {
        "code": 429, "message": "You exceeded your current quota.", "status": "RESOURCE_EXHAUSTED",
        "details": [
            {"@type": "type.googleapis.com/google.rpc.QuotaFailure",
             "violations": [{"quotaMetric": "generativelanguage.googleapis.com/generate_content_free_tier_requests", "quotaId": quota_id}]},
            {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": delay}
        ]}}))
}

#[tokio::test]
async fn exact_body_and_headers() {
    let server = MockServer::start().await;
    let expected = json!({
        "systemInstruction": {"parts": [{"text": "You write SQL."}]},
        "contents": [
            {"role": "user", "parts": [{"text": "Count the customers."}]},
            {"role": "model", "parts": [{"text": "SELECT 1"}]},
            {"role": "user", "parts": [{"text": "Fix it."}]}
        ],
        "generationConfig": {"temperature": 0.1, "maxOutputTokens": 2048,
            "responseMimeType": "application/json", "responseJsonSchema": schema()}
    });
    Mock::given(method("POST"))
        .and(path(GEN_PATH))
        .and(header("x-goog-api-key", KEY))
        .and(request_id("g-trace-1"))
        .and(header("x-trace-id", "g-trace"))
        .and(body_json(expected))
        .respond_with(ResponseTemplate::new(200).set_body_json(gemini_ok(ANSWER)))
        .expect(1)
        .mount(&server)
        .await;
    let req = ChatRequest::new(
        "g-trace",
        vec![
            Message::system("You write SQL."),
            Message::user("Count the customers."),
            Message::assistant("SELECT 1"),
            Message::user("Fix it."),
        ],
    )
    .with_schema("sql_answer", schema());
    let resp = build_provider(gemini_cfg(&server))
        .unwrap()
        .chat(req)
        .await
        .unwrap();
    assert_eq!(resp.text, ANSWER);
    assert_eq!(resp.finish_reason.as_deref(), Some("STOP"));
    assert_eq!(resp.model, "gemini-2.5-flash");
    let usage = resp.usage.unwrap();
    assert_eq!(
        (
            usage.prompt_tokens,
            usage.completion_tokens,
            usage.total_tokens
        ),
        (12, 7, 19)
    );
    assert!(
        server.received_requests().await.unwrap()[0]
            .headers
            .get("authorization")
            .is_none()
    );
}

#[tokio::test]
async fn prompt_only_mode_has_no_mime_type() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_json(gemini_ok(ANSWER)))
        .mount(&server)
        .await;
    let cfg = gemini_cfg(&server).with_structured(StructuredMode::PromptOnly);
    build_provider(cfg)
        .unwrap()
        .chat(sql_request("t"))
        .await
        .unwrap();
    let body: Value = server.received_requests().await.unwrap()[0]
        .body_json()
        .unwrap();
    assert_eq!(
        body["generationConfig"],
        json!({"temperature": 0.1, "maxOutputTokens": 2048})
    );
    let system = body["systemInstruction"]["parts"][0]["text"]
        .as_str()
        .unwrap();
    assert!(system.starts_with("You write SQL.\n\n") && system.contains("JSON Schema"));
}

#[tokio::test]
async fn thought_parts_are_skipped_and_fences_extracted() {
    let body = json!({
        "candidates": [{"content": {"role": "model", "parts": [
            {"text": "Thinking about {\"sql\": \"SELECT wrong\"}", "thought": true},
            {"text": "```json\n"}, {"text": ANSWER}, {"text": "\n```"}
        ]}, "finishReason": "STOP"}]
    });
    let resp = one_shot(body).await.unwrap();
    assert!(!resp.text.contains("Thinking"));
    let j = resp.json().unwrap();
    assert_eq!(j.extraction, Extraction::Fenced);
    assert_eq!(j.value["sql"], "SELECT COUNT(*) FROM customers");
    assert_eq!(resp.model, "gemini-2.5-flash"); // falls back to the configured model
}

#[tokio::test]
async fn prose_wrapped_output() {
    let resp = one_shot(gemini_ok(&format!("Here it is: {ANSWER}. Done.")))
        .await
        .unwrap();
    assert_eq!(resp.json().unwrap().extraction, Extraction::Embedded);
}

#[tokio::test]
async fn prompt_block_and_safety_finishes() {
    let blocked = json!({"promptFeedback": {"blockReason": "PROHIBITED_CONTENT"}, "usageMetadata": {"promptTokenCount": 5, "totalTokenCount": 5}});
    let err = one_shot(blocked).await.unwrap_err();
    assert!(
        matches!(err, LlmError::Blocked { ref reason } if reason.contains("PROHIBITED_CONTENT")),
        "{err}"
    );
    for finish in [
        "SAFETY",
        "RECITATION",
        "BLOCKLIST",
        "SPII",
        "PROHIBITED_CONTENT",
    ] {
        let err = one_shot(gemini_finish("", finish)).await.unwrap_err();
        assert_eq!(
            err,
            LlmError::Blocked {
                reason: finish.into()
            }
        );
    }
}

#[tokio::test]
async fn an_empty_answer_is_empty() {
    let err = one_shot(gemini_finish("  ", "STOP")).await.unwrap_err();
    assert_eq!(
        err,
        LlmError::Empty {
            finish_reason: Some("STOP".into())
        }
    );
}

#[tokio::test]
async fn max_tokens_is_truncated_even_without_content() {
    let err = one_shot(gemini_finish("{\"sql\": \"SEL", "MAX_TOKENS"))
        .await
        .unwrap_err();
    assert_eq!(
        err,
        LlmError::Truncated {
            partial: "{\"sql\": \"SEL".into()
        }
    );
    // 2.5 models can spend the whole budget thinking: no parts at all.
    let body =
        json!({"candidates": [{"content": {"role": "model"}, "finishReason": "MAX_TOKENS"}]});
    assert!(matches!(
        one_shot(body).await.unwrap_err(),
        LlmError::Truncated { .. }
    ));
}

#[tokio::test]
async fn retry_info_delay_is_honoured() {
    let server = MockServer::start().await;
    Mock::given(request_id("t-1"))
        .respond_with(quota_429(
            "GenerateRequestsPerMinutePerProjectPerModel-FreeTier",
            "0.4s",
        ))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(request_id("t-2"))
        .respond_with(ResponseTemplate::new(200).set_body_json(gemini_ok(ANSWER)))
        .expect(1)
        .mount(&server)
        .await;
    let started = Instant::now();
    build_provider(gemini_cfg(&server))
        .unwrap()
        .chat(plain_request("t"))
        .await
        .unwrap();
    assert!(
        started.elapsed() >= Duration::from_millis(400),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn per_day_quota_is_not_retried() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(quota_429(
            "GenerateRequestsPerDayPerProjectPerModel-FreeTier",
            "0.01s",
        ))
        .expect(1)
        .mount(&server)
        .await;
    let err = build_provider(gemini_cfg(&server))
        .unwrap()
        .chat(plain_request("t"))
        .await
        .unwrap_err();
    match err {
        LlmError::RateLimited {
            daily_quota,
            retry_after,
            ref message,
        } => {
            assert!(daily_quota);
            assert_eq!(retry_after, Some(Duration::from_millis(10)));
            assert!(message.contains("RESOURCE_EXHAUSTED"), "{message}");
        }
        other => panic!("unexpected {other:?}"),
    }
}

#[tokio::test]
async fn bad_key_and_unknown_model() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(403).set_body_json(json!({"error": {"code": 403, "message": "Method doesn't allow unregistered callers.", "status": "PERMISSION_DENIED"}})))
        .expect(1)
        .mount(&server)
        .await;
    let err = build_provider(gemini_cfg(&server))
        .unwrap()
        .chat(plain_request("t"))
        .await
        .unwrap_err();
    assert!(
        matches!(err, LlmError::Unauthorized { status: 403, ref message } if message.contains("PERMISSION_DENIED"))
    );

    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(404).set_body_json(json!({"error": {"code": 404, "message": "models/gemini-9 is not found for API version v1beta", "status": "NOT_FOUND"}})))
        .expect(1)
        .mount(&server)
        .await;
    let err = build_provider(gemini_cfg(&server))
        .unwrap()
        .chat(plain_request("t"))
        .await
        .unwrap_err();
    assert!(matches!(err, LlmError::NotFound(ref m) if m.contains("gemini-9 is not found")));
}

#[tokio::test]
async fn unavailable_then_success() {
    let server = MockServer::start().await;
    Mock::given(request_id("t-1"))
        .respond_with(ResponseTemplate::new(503).set_body_json(json!({"error": {"code": 503, "message": "The model is overloaded.", "status": "UNAVAILABLE"}})))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(request_id("t-2"))
        .respond_with(ResponseTemplate::new(200).set_body_json(gemini_ok("SELECT 1")))
        .expect(1)
        .mount(&server)
        .await;
    let resp = build_provider(gemini_cfg(&server))
        .unwrap()
        .chat(plain_request("t"))
        .await
        .unwrap();
    assert_eq!(resp.text, "SELECT 1");
}

#[tokio::test]
async fn malformed_json_body() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_raw("<html>oops</html>", "text/html"))
        .mount(&server)
        .await;
    let err = build_provider(gemini_cfg(&server))
        .unwrap()
        .chat(plain_request("t"))
        .await
        .unwrap_err();
    assert!(
        matches!(err, LlmError::BadOutput(ref m) if m.contains("oops")),
        "{err}"
    );
}

#[tokio::test]
async fn list_models_follows_pages() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v1beta/models"))
        .and(query_param("pageToken", "p2"))
        .and(header("x-goog-api-key", KEY))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"models": [{"name": "models/gemini-2.5-pro"}]})),
        )
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1beta/models"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"models": [{"name": "models/gemini-2.5-flash", "displayName": "Gemini 2.5 Flash"}], "nextPageToken": "p2"})))
        .expect(1)
        .mount(&server)
        .await;
    let ids: Vec<_> = build_provider(gemini_cfg(&server))
        .unwrap()
        .list_models()
        .await
        .unwrap()
        .into_iter()
        .map(|m| m.id)
        .collect();
    assert_eq!(ids, ["gemini-2.5-flash", "gemini-2.5-pro"]);
}

//! `/ai/codegen` with an OpenAI-compatible LLM that fails: refusals, rate limits, server errors, bad keys,
//! timeouts, malformed bodies and every error-body shape, each mapped to its status and code.

mod common;

use axum::http::StatusCode;
use common::*;
use serde_json::json;
use testkit::send;
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

/// A 429 asking to slow down, without a hint of when to come back.
fn slow_down() -> ResponseTemplate {
    ResponseTemplate::new(429).set_body_json(
        json!({"error": {"message": "slow down", "type": "rate_limit", "code": null}}),
    )
}

#[tokio::test]
async fn refusal_is_422_llm_refused_and_not_repaired() {
    let server = MockServer::start().await;
    let mut body = openai_body("", "stop");
    body["choices"][0]["message"]["content"] = json!(null);
    body["choices"][0]["message"]["refusal"] = json!("I can't help with that.");
    mount(
        &server,
        method("POST"),
        ResponseTemplate::new(200).set_body_json(body),
        1,
    )
    .await;
    let reply = codegen_openai(&server).await;
    let (code, message) = reply.error(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(code, "llm_refused");
    assert!(message.contains("I can't help with that."), "{message}");
}

#[tokio::test]
async fn rate_limit_is_retried_with_retry_after_then_passed_on() {
    // Honoured: one 429 asking for 1 s, then success.
    let server = MockServer::start().await;
    Mock::given(request_id("trace-1-1"))
        .respond_with(slow_down().insert_header("retry-after", "1"))
        .mount(&server)
        .await;
    Mock::given(request_id("trace-1-2"))
        .respond_with(openai_reply(&answer(GOOD_SQL)))
        .mount(&server)
        .await;
    let started = std::time::Instant::now();
    let reply = codegen_openai(&server).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    assert!(
        started.elapsed() >= std::time::Duration::from_millis(950),
        "{:?}",
        started.elapsed()
    );

    // Exhausted quota: not retried, 429 passed on without the provider's Retry-After, which is about its
    // per-minute window: the quota does not come back in 30 s.
    let quota = json!({"error": {"message": "You exceeded your current quota", "type": "insufficient_quota", "code": "insufficient_quota"}});
    let exhausted = ResponseTemplate::new(429)
        .insert_header("retry-after", "30")
        .set_body_json(quota);
    let server = llm_answering(exhausted, 1).await;
    let reply = codegen_openai(&server).await;
    assert_eq!(
        reply.error(StatusCode::TOO_MANY_REQUESTS).0,
        "llm_rate_limited"
    );
    assert!(
        reply.headers.get("retry-after").is_none(),
        "{:?}",
        reply.headers
    );
    assert!(reply.text().contains("quota exhausted"), "{}", reply.text());
}

#[tokio::test]
async fn server_error_then_success() {
    let server = MockServer::start().await;
    Mock::given(request_id("trace-1-1"))
        .respond_with(
            ResponseTemplate::new(500)
                .set_body_json(json!({"error": {"message": "boom", "type": "server_error"}})),
        )
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(request_id("trace-1-2"))
        .respond_with(openai_reply(&answer(GOOD_SQL)))
        .expect(1)
        .mount(&server)
        .await;
    assert_eq!(codegen_openai(&server).await.status, StatusCode::OK);
}

#[tokio::test]
async fn unauthorized_is_not_retried() {
    let server = llm_answering(
        ResponseTemplate::new(401).set_body_json(json!({"error": "Unauthorized"})),
        1,
    )
    .await;
    let reply = codegen_openai(&server).await;
    let (code, message) = reply.error(StatusCode::BAD_GATEWAY);
    assert_eq!(code, "llm_error");
    assert!(message.contains("AI_API_KEY"), "{message}");
}

#[tokio::test]
async fn timeout_is_504() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(
            openai_reply(&answer(GOOD_SQL)).set_delay(std::time::Duration::from_millis(800)),
        )
        .mount(&server)
        .await;
    let mut provider = openai(&server);
    provider.timeout = std::time::Duration::from_millis(100);
    provider.deadline = std::time::Duration::from_millis(250);
    let reply = send(
        router(config(provider)),
        post("/ai/codegen", &codegen_body()),
    )
    .await;
    assert_eq!(reply.error(StatusCode::GATEWAY_TIMEOUT).0, "llm_timeout");
}

/// A timed-out (or unreachable) LLM's URL is an internal address: not in the client's message, only in the log.
#[tokio::test]
async fn the_llms_url_is_logged_not_answered() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(
            openai_reply(&answer(GOOD_SQL)).set_delay(std::time::Duration::from_millis(800)),
        )
        .mount(&server)
        .await;
    let mut provider = openai(&server);
    provider.timeout = std::time::Duration::from_millis(100);
    provider.retry.max_retries = 0;
    let address = server.address().to_string();
    let (logs, _guard) = testkit::capture_logs("warn");
    let reply = send(
        router(config(provider)),
        post("/ai/codegen", &codegen_body()),
    )
    .await;
    let (code, message) = reply.error(StatusCode::GATEWAY_TIMEOUT);
    assert_eq!(code, "llm_timeout");
    assert!(message.contains("timed out"), "{message}");
    assert!(!message.contains(&address), "{message}");
    assert!(logs.text().contains(&address), "{}", logs.text());

    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = closed.local_addr().unwrap().to_string();
    drop(closed);
    let provider = llm::ProviderConfig::openai_compatible(format!("http://{address}/v1"), "m");
    let mut provider = quick(provider.with_api_key(KEY));
    provider.retry.max_retries = 0;
    let reply = send(
        router(config(provider)),
        post("/ai/codegen", &codegen_body()),
    )
    .await;
    let (code, message) = reply.error(StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(code, "llm_unavailable");
    assert!(!message.contains(&address), "{message}");
}

#[tokio::test]
async fn malformed_provider_json_is_502_bad_output() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(200).set_body_raw("{\"choices\": [", "application/json"),
        )
        .mount(&server)
        .await;
    assert_eq!(
        codegen_openai(&server)
            .await
            .error(StatusCode::BAD_GATEWAY)
            .0,
        "llm_bad_output"
    );
}

/// Every error-body shape of the reference maps to a clear code, with the provider's message in it.
#[tokio::test]
async fn every_error_body_variant_maps_to_a_code() {
    let cases = [
        (
            400,
            json!({"error": {"message": "bad schema", "type": "invalid_request_error", "param": null, "code": null}}),
            StatusCode::BAD_GATEWAY,
            "llm_error",
            "bad schema",
        ),
        (
            400,
            json!({"error": {"message": "max_tokens too large", "type": "BadRequestError", "code": 400}}),
            StatusCode::BAD_GATEWAY,
            "llm_error",
            "max_tokens too large",
        ),
        (
            400,
            json!({"object": "error", "message": "model qwen not served", "type": "NotFoundError", "code": 400}),
            StatusCode::BAD_GATEWAY,
            "llm_error",
            "model qwen not served",
        ),
        (
            401,
            json!({"error": "Unauthorized"}),
            StatusCode::BAD_GATEWAY,
            "llm_error",
            "Unauthorized",
        ),
        (
            503,
            json!({"error": "The model is currently scaling, please retry"}),
            StatusCode::SERVICE_UNAVAILABLE,
            "llm_unavailable",
            "scaling",
        ),
        (
            400,
            json!({"error": "'response_format.type' must be 'json_schema'"}),
            StatusCode::BAD_GATEWAY,
            "llm_error",
            "must be 'json_schema'",
        ),
        (
            400,
            json!([{"error": {"code": 400, "message": "Invalid JSON payload", "status": "INVALID_ARGUMENT"}}]),
            StatusCode::BAD_GATEWAY,
            "llm_error",
            "Invalid JSON payload",
        ),
        (
            404,
            json!({"error": {"message": "The model `gpt-9` does not exist", "type": "invalid_request_error", "code": "model_not_found"}}),
            StatusCode::BAD_GATEWAY,
            "llm_error",
            "AI_MODEL",
        ),
    ];
    for (status, body, expected_status, expected_code, needle) in cases {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .respond_with(ResponseTemplate::new(status).set_body_json(body.clone()))
            .mount(&server)
            .await;
        let reply = codegen_openai(&server).await;
        let (code, message) = reply.error(expected_status);
        assert_eq!(code, expected_code, "{body}");
        assert!(message.contains(needle), "{body}: {message}");
    }
}

/// An upstream 504 (a gateway's timeout) is retried, then our 504 `llm_timeout`, as an upstream 408 is (the
/// README's table: 504 is `llm_timeout`); it was 503 `llm_unavailable`.
#[tokio::test]
async fn upstream_gateway_timeout_is_504_llm_timeout() {
    let server = llm_answering(
        ResponseTemplate::new(504).set_body_string("upstream request timeout"),
        3,
    )
    .await;
    let reply = codegen_openai(&server).await;
    let (code, message) = reply.error(StatusCode::GATEWAY_TIMEOUT);
    assert_eq!(code, "llm_timeout");
    assert!(message.contains("upstream request timeout"), "{message}");
}

/// A 429 without any hint, still refused after the retries: our 429 says when to come back (the wait the
/// client would have used next, at least 1 s), as the README promises for every rate limit but a daily quota.
#[tokio::test]
async fn rate_limit_without_a_hint_still_gets_retry_after() {
    let server = llm_answering(slow_down(), 3).await;
    let reply = codegen_openai(&server).await;
    assert_eq!(
        reply.error(StatusCode::TOO_MANY_REQUESTS).0,
        "llm_rate_limited"
    );
    let wait: u64 = reply
        .headers
        .get("retry-after")
        .unwrap_or_else(|| panic!("no Retry-After: {:?}", reply.headers))
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(wait >= 1, "{wait}");

    // The provider's own hint is still what is passed on.
    // 7 s is over the tests' 2 s cap: not waited for, passed on.
    let server = llm_answering(slow_down().insert_header("retry-after", "7"), 1).await;
    let reply = codegen_openai(&server).await;
    assert_eq!(
        reply.error(StatusCode::TOO_MANY_REQUESTS).0,
        "llm_rate_limited"
    );
    assert_eq!(reply.headers.get("retry-after").unwrap(), "7");
}

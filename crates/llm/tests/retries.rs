//! Retry, backoff, Retry-After, non-retryable statuses and timeouts (OpenAI-compatible adapter).

mod common;

use std::time::{Duration, Instant};

use common::*;
use llm::{LlmError, ProviderConfig, build_provider};
use serde_json::json;
use wiremock::matchers::{header, method};
use wiremock::{Mock, MockServer, ResponseTemplate};

#[tokio::test]
async fn server_error_then_success_uses_next_request_id() {
    let server = MockServer::start().await;
    mount(&server, request_id("tr-1"), ResponseTemplate::new(500).set_body_json(json!({"error": {"message": "boom", "type": "server_error", "param": null, "code": null}})), 1).await;
    Mock::given(request_id("tr-2"))
        .and(header("x-trace-id", "tr"))
        .respond_with(ResponseTemplate::new(200).set_body_json(openai_ok(ANSWER)))
        .expect(1)
        .mount(&server)
        .await;
    let resp = build_provider(openai_cfg(&server))
        .unwrap()
        .chat(sql_request("tr"))
        .await
        .unwrap();
    assert_eq!(resp.text, ANSWER);
}

#[tokio::test]
async fn persistent_503_gives_up_after_retries() {
    let server = MockServer::start().await;
    // first attempt + 2 retries
    mount(
        &server,
        method("POST"),
        ResponseTemplate::new(503)
            .set_body_json(json!({"error": "The model is currently scaling up"})),
        3,
    )
    .await;
    let err = chat_err(openai_cfg(&server), "t").await;
    assert_eq!(err.upstream_status(), Some(503));
    assert!(err.to_string().contains("scaling up"), "{err}");
}

#[tokio::test]
async fn unauthorized_is_not_retried() {
    let server = MockServer::start().await;
    mount(
        &server,
        method("POST"),
        ResponseTemplate::new(401).set_body_json(json!({"error": "Unauthorized"})),
        1,
    )
    .await;
    let err = chat_err(openai_cfg(&server), "t").await;
    assert_eq!(
        err,
        LlmError::Unauthorized {
            status: 401,
            message: "Unauthorized".into()
        }
    );
}

#[tokio::test]
async fn bad_request_and_not_found_are_not_retried() {
    let server = MockServer::start().await;
    mount(&server, method("POST"), ResponseTemplate::new(400).set_body_json(json!({"object": "error", "message": "max_tokens is too large", "type": "BadRequestError", "param": null, "code": 400})), 1).await;
    let err = chat_err(openai_cfg(&server), "t").await;
    assert!(
        matches!(err, LlmError::BadRequest { status: 400, ref message } if message.contains("max_tokens is too large")),
        "{err}"
    );

    let server = MockServer::start().await;
    mount(&server, method("POST"), ResponseTemplate::new(404).set_body_json(json!({"error": {"message": "The model `nope` does not exist.", "type": "NotFoundError", "param": null, "code": 404}})), 1).await;
    let err = chat_err(openai_cfg(&server), "t").await;
    assert!(
        matches!(err, LlmError::NotFound(ref m) if m.contains("does not exist")),
        "{err}"
    );
}

#[tokio::test]
async fn retry_after_ms_is_honoured() {
    let server = MockServer::start().await;
    mount(&server, request_id("t-1"), ResponseTemplate::new(429).insert_header("retry-after-ms", "300").set_body_json(json!({"error": {"message": "slow down", "type": "rate_limit", "code": "rate_limit_exceeded"}})), 1).await;
    mount(
        &server,
        request_id("t-2"),
        ResponseTemplate::new(200).set_body_json(openai_ok(ANSWER)),
        1,
    )
    .await;
    let started = Instant::now();
    build_provider(openai_cfg(&server))
        .unwrap()
        .chat(plain_request("t"))
        .await
        .unwrap();
    assert!(
        started.elapsed() >= Duration::from_millis(300),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn retry_after_seconds_is_honoured() {
    let server = MockServer::start().await;
    mount(
        &server,
        request_id("t-1"),
        ResponseTemplate::new(429).insert_header("retry-after", "1"),
        1,
    )
    .await;
    mount(
        &server,
        request_id("t-2"),
        ResponseTemplate::new(200).set_body_json(openai_ok(ANSWER)),
        1,
    )
    .await;
    let started = Instant::now();
    build_provider(openai_cfg(&server))
        .unwrap()
        .chat(plain_request("t"))
        .await
        .unwrap();
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn retry_after_beyond_cap_gives_up_at_once() {
    let server = MockServer::start().await;
    mount(
        &server,
        method("POST"),
        ResponseTemplate::new(429).insert_header("retry-after", "120"),
        1,
    )
    .await;
    let started = Instant::now();
    let err = chat_err(openai_cfg(&server), "t").await;
    assert!(
        matches!(err, LlmError::RateLimited { retry_after: Some(d), daily_quota: false, .. } if d == Duration::from_secs(120))
    );
    assert!(started.elapsed() < Duration::from_secs(2));
}

#[tokio::test]
async fn insufficient_quota_is_not_retried() {
    let server = MockServer::start().await;
    mount(&server, method("POST"), ResponseTemplate::new(429).set_body_json(json!({"error": {"message": "You exceeded your current quota", "type": "insufficient_quota", "param": null, "code": "insufficient_quota"}})), 1).await;
    let err = chat_err(openai_cfg(&server), "t").await;
    assert!(
        matches!(
            err,
            LlmError::RateLimited {
                daily_quota: true,
                ..
            }
        ),
        "{err}"
    );
}

#[tokio::test]
async fn per_attempt_timeout() {
    let server = MockServer::start().await;
    // timed-out attempt is retried once
    mount(
        &server,
        method("POST"),
        ResponseTemplate::new(200)
            .set_body_json(openai_ok(ANSWER))
            .set_delay(Duration::from_millis(1500)),
        2,
    )
    .await;
    let mut cfg = openai_cfg(&server);
    cfg.timeout = Duration::from_millis(200);
    cfg.retry.max_retries = 1;
    let started = Instant::now();
    let err = chat_err(cfg, "t").await;
    assert!(
        matches!(
            err,
            LlmError::Timeout {
                deadline: false,
                ..
            }
        ),
        "{err}"
    );
    assert!(started.elapsed() < Duration::from_millis(1400));
}

#[tokio::test]
async fn overall_deadline() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(openai_ok(ANSWER))
                .set_delay(Duration::from_secs(2)),
        )
        .mount(&server)
        .await;
    let mut cfg = openai_cfg(&server);
    cfg.deadline = Duration::from_millis(300);
    let err = chat_err(cfg, "t").await;
    assert!(
        matches!(err, LlmError::Timeout { deadline: true, .. }),
        "{err}"
    );
    assert!(!err.is_retryable());
}

#[tokio::test]
async fn connection_refused_is_unavailable() {
    // Bind then drop a listener to get a port nobody listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut cfg = quick(ProviderConfig::openai_compatible(
        format!("http://127.0.0.1:{port}/v1"),
        "m",
    ));
    cfg.retry.max_retries = 1;
    let err = chat_err(cfg, "t").await;
    assert!(
        matches!(err, LlmError::Unavailable { status: None, .. }),
        "{err}"
    );
}

#[tokio::test]
async fn a_rate_limit_without_a_hint_tells_the_next_backoff_when_retries_run_out() {
    let server = MockServer::start().await;
    mount(
        &server,
        method("POST"),
        ResponseTemplate::new(429).set_body_json(json!({"error": {"message": "slow down"}})),
        3,
    )
    .await;
    let mut cfg = openai_cfg(&server);
    cfg.retry.base_delay = Duration::from_millis(400);
    let err = chat_err(cfg, "t").await;
    // Two retries waited ~0.4 s and ~0.8 s; the next would have been 1.6 s.
    assert!(
        matches!(err, LlmError::RateLimited { retry_after: Some(wait), daily_quota: false, .. } if wait == Duration::from_millis(1600)),
        "{err:?}"
    );
}

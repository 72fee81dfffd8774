//! The API key never reaches logs, `Debug` output or error messages.

mod common;

use common::*;
use futures::StreamExt;
use llm::build_provider;
use serde_json::json;
use wiremock::{Mock, MockServer, ResponseTemplate};

#[tokio::test(flavor = "current_thread")]
async fn api_key_never_logged_or_printed() {
    let logs = Captured::default();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(logs.clone())
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let server = MockServer::start().await;
    // Servers sometimes echo the key back; it must be scrubbed.
    Mock::given(request_id("k-1"))
        .respond_with(ResponseTemplate::new(500).set_body_json(json!({"error": {"message": format!("backend hiccup for key {KEY}"), "type": "server_error"}})))
        .mount(&server)
        .await;
    Mock::given(request_id("k-2"))
        .respond_with(ResponseTemplate::new(200).set_body_json(openai_ok(ANSWER)))
        .mount(&server)
        .await;
    Mock::given(request_id("e-1"))
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({"error": {"message": format!("Incorrect API key provided: {KEY}"), "type": "invalid_request_error", "code": "invalid_api_key"}})))
        .mount(&server)
        .await;

    let config = openai_cfg(&server);
    let provider = build_provider(config.clone()).unwrap();
    provider.chat(sql_request("k")).await.unwrap();
    let err = provider.chat(sql_request("e")).await.unwrap_err();
    let streamed: Vec<_> = provider.chat_stream(sql_request("e")).collect().await;
    let gemini = build_provider(gemini_cfg(&server)).unwrap();

    let logs = logs.text();
    assert!(
        logs.contains("LLM HTTP response"),
        "expected attempt logs, got:\n{logs}"
    );
    assert!(
        logs.contains("status=500") && logs.contains("attempt=2"),
        "{logs}"
    );
    for (what, text) in [
        ("logs", logs),
        ("error Display", err.to_string()),
        ("error Debug", format!("{err:?}")),
        ("stream error", format!("{streamed:?}")),
        ("config Debug", format!("{config:?}")),
        ("provider Debug", format!("{provider:?}")),
        ("gemini Debug", format!("{gemini:?}")),
    ] {
        assert!(!text.contains(KEY), "API key leaked into {what}: {text}");
        assert!(
            !text.contains("SECRET"),
            "part of the API key leaked into {what}: {text}"
        );
    }
    assert!(
        err.to_string()
            .contains("Incorrect API key provided: [REDACTED]"),
        "{err}"
    );
}

//! Where requests go and what they carry: a base URL's query string survives the joined path, Azure's content
//! filter is a refusal, every attempt has its own `X-Request-Id`, and a URL's credentials never reach a log.

mod common;

use std::collections::HashSet;

use common::*;
use llm::{LlmError, ProviderConfig, build_provider};
use serde_json::json;
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn request_ids(requests: &[wiremock::Request]) -> Vec<String> {
    requests
        .iter()
        .map(|r| r.headers["x-request-id"].to_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn a_base_url_with_a_query_keeps_it_after_the_path() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/chat/completions"))
        .and(query_param("key", "X"))
        .respond_with(ResponseTemplate::new(200).set_body_json(openai_ok(ANSWER)))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/models"))
        .and(query_param("key", "X"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"data": [{"id": "m"}]})))
        .expect(1)
        .mount(&server)
        .await;
    let config = quick(ProviderConfig::openai_compatible(
        format!("{}/v1?key=X", server.uri()),
        "m",
    ));
    let provider = build_provider(config).unwrap();
    provider.chat(sql_request("q")).await.unwrap();
    assert_eq!(provider.list_models().await.unwrap()[0].id, "m");
}

#[tokio::test]
async fn azures_content_filter_is_a_refusal() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/openai/deployments/gpt4o/chat/completions"))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({"error": {
            "message": "The response was filtered due to the prompt triggering Azure OpenAI's content management policy.",
            "type": null, "param": "prompt", "code": "content_filter", "status": 400}})))
        .expect(1)
        .mount(&server)
        .await;
    let config = quick(ProviderConfig::azure(
        server.uri(),
        "gpt4o",
        "2024-10-21",
        KEY,
    ));
    let error = build_provider(config)
        .unwrap()
        .chat(sql_request("az"))
        .await
        .unwrap_err();
    assert!(
        matches!(error, LlmError::Blocked { ref reason } if reason.contains("content filter")),
        "{error:?}"
    );
}

/// Two calls with the same trace id (two analyses a client sent with the same `X-Trace-Id`) and the two pages
/// of Gemini's model list each send an id of their own, all starting with the trace id.
#[tokio::test]
async fn every_attempt_has_its_own_request_id() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_json(openai_ok(ANSWER)))
        .mount(&server)
        .await;
    let provider = build_provider(openai_cfg(&server)).unwrap();
    let (a, b) = tokio::join!(
        provider.chat(sql_request("same")),
        provider.chat(sql_request("same"))
    );
    a.unwrap();
    b.unwrap();
    let ids = request_ids(&server.received_requests().await.unwrap());
    assert_eq!(ids.len(), 2);
    assert_ne!(ids[0], ids[1]);
    assert!(ids.iter().all(|id| id.starts_with("same-1-")), "{ids:?}");

    let gemini = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v1beta/models"))
        .and(query_param("pageToken", "p2"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"models": [{"name": "models/b"}]})),
        )
        .mount(&gemini)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1beta/models"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"models": [{"name": "models/a"}], "nextPageToken": "p2"})),
        )
        .mount(&gemini)
        .await;
    let models = build_provider(gemini_cfg(&gemini))
        .unwrap()
        .list_models_traced("pages")
        .await
        .unwrap();
    assert_eq!(models.len(), 2);
    let ids = request_ids(&gemini.received_requests().await.unwrap());
    assert_eq!(ids.iter().collect::<HashSet<_>>().len(), 2, "{ids:?}");
    assert!(ids.iter().all(|id| id.starts_with("pages-")), "{ids:?}");
}

/// `AI_BASE_URL=http://admin:pw@host/v1?key=...`: a failed request's WARN names the URL without either.
#[tokio::test(flavor = "current_thread")]
async fn credentials_in_the_base_url_are_not_logged() {
    let logs = Captured::default();
    let writer = logs.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    // Nothing listens on port 9 of loopback (discard): the connection is refused.
    let mut config = quick(ProviderConfig::openai_compatible(
        "http://admin:hunter2@127.0.0.1:9/v1?key=QUERYSECRET",
        "m",
    ));
    config.retry.max_retries = 0;
    let provider = build_provider(config.clone()).unwrap();
    provider.chat(sql_request("u")).await.unwrap_err();
    let logs = logs.text();
    assert!(logs.contains("LLM request failed"), "{logs}");
    for text in [logs, format!("{config:?}"), format!("{provider:?}")] {
        assert!(
            !text.contains("hunter2") && !text.contains("admin") && !text.contains("QUERYSECRET"),
            "{text}"
        );
    }
}

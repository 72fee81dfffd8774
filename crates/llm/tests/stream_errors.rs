//! In-band errors in a stream (an error chunk after HTTP 200): retried like the same HTTP status while nothing
//! has been forwarded downstream (llm-protocols.md §C), never after.

mod common;

use common::*;
use futures::StreamExt;
use llm::{LlmError, StreamEvent, build_provider};
use serde_json::json;
use wiremock::matchers::method;
use wiremock::{Mock, MockServer};

async fn collect(
    stream: futures::stream::BoxStream<'static, Result<StreamEvent, LlmError>>,
) -> Vec<Result<StreamEvent, LlmError>> {
    stream.collect().await
}

fn chunk(content: &str, finish: Option<&str>) -> String {
    json!({"id": "c1", "object": "chat.completion.chunk", "model": "qwen-7b",
           "choices": [{"index": 0, "delta": {"content": content}, "finish_reason": finish}]})
    .to_string()
}

fn openai_early_error() -> String {
    json!({"error": {"message": "engine died early", "type": "InternalServerError", "code": 500}})
        .to_string()
}

fn gemini_early_error() -> String {
    json!({"error": {"code": 503, "message": "overloaded early", "status": "UNAVAILABLE"}})
        .to_string()
}

#[tokio::test]
async fn openai_error_as_first_chunk_is_retried() {
    let server = MockServer::start().await;
    Mock::given(request_id("s-1"))
        .respond_with(sse(&[&openai_early_error(), "[DONE]"]))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(request_id("s-2"))
        .respond_with(sse(&[&chunk("SELECT 2", Some("stop")), "[DONE]"]))
        .expect(1)
        .mount(&server)
        .await;
    let events = collect(
        build_provider(openai_cfg(&server))
            .unwrap()
            .chat_stream(plain_request("s")),
    )
    .await;
    assert_eq!(events[0], Ok(StreamEvent::Delta("SELECT 2".into())));
    assert!(matches!(&events[1], Ok(StreamEvent::Done(r)) if r.text == "SELECT 2"));
}

#[tokio::test]
async fn openai_error_as_first_chunk_exhausts_retries_as_unavailable() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(sse(&[&openai_early_error(), "[DONE]"]))
        .expect(3) // first attempt + 2 retries
        .mount(&server)
        .await;
    let events = collect(
        build_provider(openai_cfg(&server))
            .unwrap()
            .chat_stream(plain_request("s")),
    )
    .await;
    assert_eq!(events.len(), 1, "{events:?}");
    match &events[0] {
        Err(error @ LlmError::Unavailable { status, .. }) => {
            assert_eq!(*status, Some(500));
            assert!(error.to_string().contains("engine died early"), "{error}");
        }
        other => panic!("expected Unavailable, got {other:?}"),
    }
}

#[tokio::test]
async fn gemini_error_as_only_chunk_is_retried_then_unavailable() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(sse(&[&gemini_early_error()]))
        .expect(3)
        .mount(&server)
        .await;
    let events = collect(
        build_provider(gemini_cfg(&server))
            .unwrap()
            .chat_stream(plain_request("g")),
    )
    .await;
    assert_eq!(events.len(), 1, "{events:?}");
    match &events[0] {
        Err(error @ LlmError::Unavailable { status, .. }) => {
            assert_eq!(*status, Some(503));
            assert!(error.to_string().contains("overloaded early"), "{error}");
        }
        other => panic!("expected Unavailable, got {other:?}"),
    }

    // And a retry that succeeds is used.
    let server = MockServer::start().await;
    let ok = json!({"candidates": [{"content": {"parts": [{"text": "SELECT 1"}]}, "finishReason": "STOP"}]})
        .to_string();
    Mock::given(request_id("g-1"))
        .respond_with(sse(&[&gemini_early_error()]))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(request_id("g-2"))
        .respond_with(sse(&[&ok]))
        .expect(1)
        .mount(&server)
        .await;
    let events = collect(
        build_provider(gemini_cfg(&server))
            .unwrap()
            .chat_stream(plain_request("g")),
    )
    .await;
    assert!(
        matches!(events.last(), Some(Ok(StreamEvent::Done(r))) if r.text == "SELECT 1"),
        "{events:?}"
    );
}

#[tokio::test]
async fn a_non_retryable_first_chunk_error_is_not_retried() {
    let server = MockServer::start().await;
    let bad =
        json!({"error": {"message": "prompt too long", "type": "BadRequestError", "code": 400}})
            .to_string();
    Mock::given(method("POST"))
        .respond_with(sse(&[&bad, "[DONE]"]))
        .expect(1)
        .mount(&server)
        .await;
    let events = collect(
        build_provider(openai_cfg(&server))
            .unwrap()
            .chat_stream(plain_request("s")),
    )
    .await;
    assert!(
        matches!(&events[0], Err(LlmError::Stream(m)) if m.contains("prompt too long")),
        "{events:?}"
    );
}

#[tokio::test]
async fn a_retryable_error_after_a_delta_is_a_stream_error_and_not_retried() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(sse(&[
            &chunk("SELECT", None),
            &openai_early_error(),
            "[DONE]",
        ]))
        .expect(1)
        .mount(&server)
        .await;
    let events = collect(
        build_provider(openai_cfg(&server))
            .unwrap()
            .chat_stream(plain_request("s")),
    )
    .await;
    assert_eq!(events.len(), 2, "{events:?}");
    assert!(
        matches!(&events[1], Err(LlmError::Stream(m)) if m.contains("engine died early")),
        "{events:?}"
    );
}

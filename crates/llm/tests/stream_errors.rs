//! In-band errors in a stream (an error chunk after HTTP 200): retried like the same HTTP status while nothing
//! has been forwarded downstream (llm-protocols.md §C), never after.

mod common;

use common::*;
use llm::{LlmError, StreamEvent};
use serde_json::json;
use wiremock::MockServer;
use wiremock::matchers::method;

fn openai_early_error() -> String {
    json!({"error": {"message": "engine died early", "type": "InternalServerError", "code": 500}})
        .to_string()
}

fn gemini_early_error() -> String {
    json!({"error": {"code": 503, "message": "overloaded early", "status": "UNAVAILABLE"}})
        .to_string()
}

/// Asserts the stream ended at once with `Unavailable` for `status`, its message carrying `needle`.
fn assert_only_unavailable(events: &[Result<StreamEvent, LlmError>], status: u16, needle: &str) {
    assert_eq!(events.len(), 1, "{events:?}");
    match &events[0] {
        Err(error @ LlmError::Unavailable { status: got, .. }) => {
            assert_eq!(*got, Some(status));
            assert!(error.to_string().contains(needle), "{error}");
        }
        other => panic!("expected Unavailable, got {other:?}"),
    }
}

#[tokio::test]
async fn openai_error_as_first_chunk_is_retried() {
    let server = MockServer::start().await;
    let first = sse(&[&openai_early_error(), "[DONE]"]);
    mount(&server, request_id("s-1"), first, 1).await;
    let second = sse(&[&chunk("SELECT 2", Some("stop")), "[DONE]"]);
    mount(&server, request_id("s-2"), second, 1).await;
    let events = stream_events(openai_cfg(&server), "s").await;
    assert_eq!(events[0], Ok(StreamEvent::Delta("SELECT 2".into())));
    assert!(matches!(&events[1], Ok(StreamEvent::Done(r)) if r.text == "SELECT 2"));
}

#[tokio::test]
async fn openai_error_as_first_chunk_exhausts_retries_as_unavailable() {
    let server = MockServer::start().await;
    let error = sse(&[&openai_early_error(), "[DONE]"]);
    mount(&server, method("POST"), error, 3).await; // first attempt + 2 retries
    let events = stream_events(openai_cfg(&server), "s").await;
    assert_only_unavailable(&events, 500, "engine died early");
}

#[tokio::test]
async fn gemini_error_as_only_chunk_is_retried_then_unavailable() {
    let server = MockServer::start().await;
    mount(&server, method("POST"), sse(&[&gemini_early_error()]), 3).await;
    let events = stream_events(gemini_cfg(&server), "g").await;
    assert_only_unavailable(&events, 503, "overloaded early");

    // And a retry that succeeds is used.
    let server = MockServer::start().await;
    let ok = json!({"candidates": [{"content": {"parts": [{"text": "SELECT 1"}]}, "finishReason": "STOP"}]})
        .to_string();
    mount(&server, request_id("g-1"), sse(&[&gemini_early_error()]), 1).await;
    mount(&server, request_id("g-2"), sse(&[&ok]), 1).await;
    let events = stream_events(gemini_cfg(&server), "g").await;
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
    mount(&server, method("POST"), sse(&[&bad, "[DONE]"]), 1).await;
    let events = stream_events(openai_cfg(&server), "s").await;
    assert!(
        matches!(&events[0], Err(LlmError::Stream(m)) if m.contains("prompt too long")),
        "{events:?}"
    );
}

#[tokio::test]
async fn a_retryable_error_after_a_delta_is_a_stream_error_and_not_retried() {
    let server = MockServer::start().await;
    let body = sse(&[&chunk("SELECT", None), &openai_early_error(), "[DONE]"]);
    mount(&server, method("POST"), body, 1).await;
    let events = stream_events(openai_cfg(&server), "s").await;
    assert_eq!(events.len(), 2, "{events:?}");
    assert!(
        matches!(&events[1], Err(LlmError::Stream(m)) if m.contains("engine died early")),
        "{events:?}"
    );
}

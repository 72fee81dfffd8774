//! Streaming for both protocols: deltas, the final `Done`, in-band errors, retry-before-first-event.

mod common;

use common::*;
use llm::{LlmError, StreamEvent};
use serde_json::json;
use wiremock::matchers::{body_partial_json, header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

#[tokio::test]
async fn openai_stream_happy_path() {
    let server = MockServer::start().await;
    let role =
        json!({"choices": [{"index": 0, "delta": {"role": "assistant"}, "finish_reason": null}]})
            .to_string();
    let usage = json!({"choices": [], "usage": {"prompt_tokens": 3, "completion_tokens": 4, "total_tokens": 7}}).to_string();
    Mock::given(method("POST"))
        .and(path("/v1/chat/completions"))
        .and(request_id("s-1"))
        .and(body_partial_json(
            json!({"stream": true, "max_tokens": 1024, "model": "qwen-7b"}),
        ))
        .respond_with(sse(&[
            &role,
            &chunk("SELECT ", None),
            &chunk("1", None),
            &chunk("", Some("stop")),
            &usage,
            "[DONE]",
        ]))
        .expect(1)
        .mount(&server)
        .await;
    let events = stream_events(openai_cfg(&server), "s").await;
    let events: Vec<StreamEvent> = events.into_iter().map(Result::unwrap).collect();
    assert_eq!(events[0], StreamEvent::Delta("SELECT ".into()));
    assert_eq!(events[1], StreamEvent::Delta("1".into()));
    match &events[2] {
        StreamEvent::Done(resp) => {
            assert_eq!(resp.text, "SELECT 1");
            assert_eq!(resp.finish_reason.as_deref(), Some("stop"));
            assert_eq!(resp.usage.unwrap().total_tokens, 7);
            assert_eq!(resp.model, "qwen-7b");
        }
        other => panic!("expected Done, got {other:?}"),
    }
    assert_eq!(events.len(), 3);
}

#[tokio::test]
async fn openai_in_band_error_chunk() {
    let server = MockServer::start().await;
    let err = json!({"error": {"object": "error", "message": "CUDA out of memory", "type": "InternalServerError", "param": null, "code": 500}}).to_string();
    // Called once: a delta was already forwarded, so never retried.
    let body = sse(&[&chunk("SELECT", None), &err, "[DONE]"]);
    mount(&server, method("POST"), body, 1).await;
    let events = stream_events(openai_cfg(&server), "s").await;
    assert_eq!(events.len(), 2);
    assert_eq!(events[0], Ok(StreamEvent::Delta("SELECT".into())));
    assert!(
        matches!(&events[1], Err(LlmError::Stream(m)) if m.contains("CUDA out of memory")),
        "{:?}",
        events[1]
    );
}

#[tokio::test]
async fn openai_stream_truncated() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(sse(&[
            &chunk("SELECT", None),
            &chunk(" a", Some("length")),
            "[DONE]",
        ]))
        .mount(&server)
        .await;
    let events = stream_events(openai_cfg(&server), "s").await;
    assert_eq!(
        events.last().unwrap(),
        &Err(LlmError::Truncated {
            partial: "SELECT a".into()
        })
    );
}

#[tokio::test]
async fn stream_retried_before_first_event() {
    let server = MockServer::start().await;
    mount(
        &server,
        request_id("s-1"),
        ResponseTemplate::new(502).set_body_string("<html><body>Bad Gateway</body></html>"),
        1,
    )
    .await;
    mount(
        &server,
        request_id("s-2"),
        sse(&[&chunk("SELECT 2", Some("stop")), "[DONE]"]),
        1,
    )
    .await;
    let events = stream_events(openai_cfg(&server), "s").await;
    assert_eq!(events[0], Ok(StreamEvent::Delta("SELECT 2".into())));
    assert!(matches!(&events[1], Ok(StreamEvent::Done(r)) if r.text == "SELECT 2"));
}

#[tokio::test]
async fn stream_error_status_is_reported() {
    let server = MockServer::start().await;
    mount(
        &server,
        method("POST"),
        ResponseTemplate::new(401).set_body_json(json!({"error": "Unauthorized"})),
        1,
    )
    .await;
    let events = stream_events(openai_cfg(&server), "s").await;
    assert_eq!(
        events,
        vec![Err(LlmError::Unauthorized {
            status: 401,
            message: "Unauthorized".into()
        })]
    );
}

#[tokio::test]
async fn gemini_stream_happy_path() {
    let server = MockServer::start().await;
    let c1 = json!({"candidates": [{"content": {"role": "model", "parts": [{"text": "plan", "thought": true}]}}]}).to_string();
    let c2 =
        json!({"candidates": [{"content": {"role": "model", "parts": [{"text": "SELECT "}]}}]})
            .to_string();
    let c3 = json!({"candidates": [{"content": {"role": "model", "parts": [{"text": "42"}]}, "finishReason": "STOP"}],
                    "usageMetadata": {"promptTokenCount": 8, "candidatesTokenCount": 2, "totalTokenCount": 10},
                    "modelVersion": "gemini-2.5-flash-001"}).to_string();
    Mock::given(method("POST"))
        .and(path(
            "/v1beta/models/gemini-2.5-flash:streamGenerateContent",
        ))
        .and(query_param("alt", "sse"))
        .and(header("x-goog-api-key", KEY))
        .and(request_id("g-1"))
        .and(body_partial_json(
            json!({"generationConfig": {"maxOutputTokens": 2048}}),
        ))
        .respond_with(sse(&[&c1, &c2, &c3]))
        .expect(1)
        .mount(&server)
        .await;
    let events = stream_events(gemini_cfg(&server), "g").await;
    let events: Vec<StreamEvent> = events.into_iter().map(Result::unwrap).collect();
    assert_eq!(
        events[..2],
        [
            StreamEvent::Delta("SELECT ".into()),
            StreamEvent::Delta("42".into())
        ]
    );
    match &events[2] {
        StreamEvent::Done(resp) => {
            assert_eq!(resp.text, "SELECT 42");
            assert_eq!(resp.finish_reason.as_deref(), Some("STOP"));
            assert_eq!(resp.model, "gemini-2.5-flash-001");
            assert_eq!(resp.usage.unwrap().total_tokens, 10);
        }
        other => panic!("expected Done, got {other:?}"),
    }
}

#[tokio::test]
async fn gemini_stream_safety_stop() {
    let server = MockServer::start().await;
    let c1 = json!({"candidates": [{"content": {"parts": [{"text": "SELECT"}]}}]}).to_string();
    let c2 = json!({"candidates": [{"finishReason": "SAFETY"}]}).to_string();
    Mock::given(method("POST"))
        .respond_with(sse(&[&c1, &c2]))
        .mount(&server)
        .await;
    let events = stream_events(gemini_cfg(&server), "g").await;
    assert_eq!(
        events.last().unwrap(),
        &Err(LlmError::Blocked {
            reason: "SAFETY".into()
        })
    );
}

#[tokio::test]
async fn gemini_in_band_error_after_text() {
    let server = MockServer::start().await;
    let c1 = json!({"candidates": [{"content": {"parts": [{"text": "SELECT"}]}}]}).to_string();
    let err = json!({"error": {"code": 500, "message": "Internal error encountered.", "status": "INTERNAL"}}).to_string();
    mount(&server, method("POST"), sse(&[&c1, &err]), 1).await;
    let events = stream_events(gemini_cfg(&server), "g").await;
    assert_eq!(events[0], Ok(StreamEvent::Delta("SELECT".into())));
    assert!(
        matches!(&events[1], Err(LlmError::Stream(m)) if m.contains("Internal error encountered")),
        "{:?}",
        events[1]
    );
    assert_eq!(events.len(), 2);
}

#[tokio::test]
async fn gemini_stream_cut_off_without_finish_reason_is_an_error() {
    // The probe's case: the text so far was taken as the answer and a query without its WHERE ran.
    let server = MockServer::start().await;
    let c1 = json!({"candidates": [{"content": {"role": "model",
        "parts": [{"text": "{\"sql\": \"SELECT city FROM data "}]}}]})
    .to_string();
    mount(&server, method("POST"), sse(&[&c1]), 1).await;
    let events = stream_events(gemini_cfg(&server), "g").await;
    assert_eq!(
        events[0],
        Ok(StreamEvent::Delta(
            "{\"sql\": \"SELECT city FROM data ".into()
        ))
    );
    assert!(
        matches!(&events[1], Err(LlmError::Unavailable { status: None, message, .. })
            if message.contains("finishReason")),
        "{:?}",
        events[1]
    );
    assert_eq!(events.len(), 2, "no Done after the error: {events:?}");
}

#[tokio::test]
async fn a_stream_cut_off_before_anything_was_forwarded_is_retried() {
    let server = MockServer::start().await;
    // A candidate with no text yet, then the connection closes: nothing reached the caller.
    let empty = json!({"candidates": [{"content": {"role": "model", "parts": [{"text": ""}]}}]})
        .to_string();
    mount(&server, request_id("g-1"), sse(&[&empty]), 1).await;
    let whole =
        json!({"candidates": [{"content": {"role": "model", "parts": [{"text": "SELECT 1"}]},
                                       "finishReason": "STOP"}]})
        .to_string();
    mount(&server, request_id("g-2"), sse(&[&whole]), 1).await;
    let events = stream_events(gemini_cfg(&server), "g").await;
    assert_eq!(events[0], Ok(StreamEvent::Delta("SELECT 1".into())));
    assert!(matches!(&events[1], Ok(StreamEvent::Done(r)) if r.text == "SELECT 1"));
}

#[tokio::test]
async fn server_ignoring_stream_flag_still_works() {
    let server = MockServer::start().await;
    mount(
        &server,
        method("POST"),
        ResponseTemplate::new(200).set_body_json(openai_ok("SELECT 7")),
        1,
    )
    .await;
    let events = stream_events(openai_cfg(&server), "s").await;
    assert_eq!(events[0], Ok(StreamEvent::Delta("SELECT 7".into())));
    assert!(
        matches!(&events[1], Ok(StreamEvent::Done(r)) if r.text == "SELECT 7" && r.usage.is_some())
    );
}

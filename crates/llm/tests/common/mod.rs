//! Shared fixtures for the integration tests: configs pointing at wiremock, canned bodies.
#![allow(dead_code)] // each test binary uses a different subset

use std::time::Duration;

use futures::StreamExt;
use futures::stream::BoxStream;
use llm::{
    ChatRequest, LlmError, Message, ProviderConfig, RetryPolicy, StreamEvent, build_provider,
};
use serde_json::{Value, json};
use wiremock::{MockServer, ResponseTemplate};

pub const KEY: &str = "sk-test-SECRET-9f8e7d6c5b4a";

/// Fast retries so tests run in milliseconds; the cap still allows second-scale hints.
pub fn quick(mut cfg: ProviderConfig) -> ProviderConfig {
    cfg.retry = RetryPolicy {
        max_retries: 2,
        base_delay: Duration::from_millis(1),
        max_delay: Duration::from_secs(2),
    };
    cfg.timeout = Duration::from_secs(3);
    cfg.deadline = Duration::from_secs(10);
    cfg
}

pub fn openai_cfg(server: &MockServer) -> ProviderConfig {
    quick(
        ProviderConfig::openai_compatible(format!("{}/v1", server.uri()), "qwen-7b")
            .with_api_key(KEY),
    )
}

pub fn gemini_cfg(server: &MockServer) -> ProviderConfig {
    quick(
        ProviderConfig::gemini("gemini-2.5-flash", KEY)
            .with_base_url(format!("{}/v1beta", server.uri())),
    )
}

pub fn schema() -> Value {
    json!({
        "type": "object",
        "properties": {"sql": {"type": "string"}, "summary": {"type": "string"}},
        "required": ["sql", "summary"],
        "additionalProperties": false
    })
}

pub fn sql_request(trace: &str) -> ChatRequest {
    ChatRequest::new(
        trace,
        vec![
            Message::system("You write SQL."),
            Message::user("Count the customers."),
        ],
    )
    .with_schema("sql_answer", schema())
}

pub fn plain_request(trace: &str) -> ChatRequest {
    ChatRequest::new(trace, vec![Message::user("Count the customers.")])
}

pub fn openai_ok(content: &str) -> Value {
    openai_finish(content, "stop")
}

pub fn openai_finish(content: &str, finish: &str) -> Value {
    json!({
        "id": "chatcmpl-1", "object": "chat.completion", "created": 1, "model": "qwen-7b",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": content, "refusal": null},
                     "finish_reason": finish}],
        "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15}
    })
}

pub fn gemini_ok(text: &str) -> Value {
    gemini_finish(text, "STOP")
}

pub fn gemini_finish(text: &str, finish: &str) -> Value {
    json!({
        "candidates": [{"content": {"role": "model", "parts": [{"text": text}]}, "finishReason": finish, "index": 0}],
        "usageMetadata": {"promptTokenCount": 12, "candidatesTokenCount": 7, "totalTokenCount": 19},
        "modelVersion": "gemini-2.5-flash"
    })
}

/// An SSE body from `data:` payloads.
pub fn sse(payloads: &[&str]) -> ResponseTemplate {
    let body: String = payloads.iter().map(|p| format!("data: {p}\n\n")).collect();
    ResponseTemplate::new(200).set_body_raw(body, "text/event-stream")
}

/// An OpenAI-compatible stream chunk carrying `content`, with `finish` as its finish reason.
pub fn chunk(content: &str, finish: Option<&str>) -> String {
    json!({"id": "c1", "object": "chat.completion.chunk", "model": "qwen-7b",
           "choices": [{"index": 0, "delta": {"content": content}, "finish_reason": finish}]})
    .to_string()
}

/// Every item of `stream`, in order.
pub async fn collect(
    stream: BoxStream<'static, Result<StreamEvent, LlmError>>,
) -> Vec<Result<StreamEvent, LlmError>> {
    stream.collect().await
}

/// The events of streaming [`plain_request`]`(trace)` from the provider `cfg`.
pub async fn stream_events(cfg: ProviderConfig, trace: &str) -> Vec<Result<StreamEvent, LlmError>> {
    collect(
        build_provider(cfg)
            .unwrap()
            .chat_stream(plain_request(trace)),
    )
    .await
}

/// The error of [`plain_request`]`(trace)` sent to the provider `cfg` (failing the test if it succeeds).
pub async fn chat_err(cfg: ProviderConfig, trace: &str) -> LlmError {
    build_provider(cfg)
        .unwrap()
        .chat(plain_request(trace))
        .await
        .unwrap_err()
}

// Not every test binary of this crate mounts mocks so.
#[allow(unused_imports)]
pub use testkit::mount;

pub const ANSWER: &str = r#"{"sql":"SELECT COUNT(*) FROM customers","summary":"count"}"#;

/// Re-exported for the tests that match request ids; not every test binary does.
#[allow(unused_imports)]
pub use testkit::request_id;

/// Log lines written by a test's subscriber (`with_writer(logs.clone())`), for assertions on what was logged.
#[derive(Clone, Default)]
pub struct Captured(pub std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl Captured {
    /// Everything written so far, as text.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Captured {
    type Writer = Captured;
    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

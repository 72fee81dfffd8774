//! An OpenAI-compatible LLM on wiremock: answers in the shape the sidecar asks for (`{"sql", "summary",
//! "chart"}`), in sequence, plainly or streamed as SSE, with requests recorded for assertions.

use std::sync::{
    Arc,
    atomic::{AtomicUsize, Ordering},
};

use serde_json::{Value, json};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate, matchers};

/// The model's answer text: the JSON object the sidecar's prompt asks for.
pub fn answer(sql: &str, summary: &str, chart: Option<Value>) -> String {
    let mut body = json!({ "sql": sql, "summary": summary });
    if let Some(chart) = chart {
        body["chart"] = chart;
    }
    body.to_string()
}

/// A review answer (`AI_REVIEW=on`).
pub fn review(verdict: &str, comments: &str) -> String {
    json!({ "verdict": verdict, "comments": comments }).to_string()
}

fn completion(content: &str) -> Value {
    json!({
        "id": "chatcmpl-test", "object": "chat.completion", "model": "test-model",
        "choices": [{"index": 0, "finish_reason": "stop",
                     "message": {"role": "assistant", "content": content}}],
        "usage": {"prompt_tokens": 100, "completion_tokens": 20, "total_tokens": 120}
    })
}

/// The same content as an SSE stream of small chunks, as vLLM or OpenAI send it.
fn streamed(content: &str) -> String {
    let mut body = String::new();
    let chars: Vec<char> = content.chars().collect();
    for piece in chars.chunks(8) {
        let text: String = piece.iter().collect();
        let chunk = json!({"id": "c", "object": "chat.completion.chunk", "model": "test-model",
                           "choices": [{"index": 0, "delta": {"content": text}, "finish_reason": null}]});
        body.push_str(&format!("data: {chunk}\n\n"));
    }
    let last = json!({"id": "c", "object": "chat.completion.chunk", "model": "test-model",
                      "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]});
    body.push_str(&format!("data: {last}\n\ndata: [DONE]\n\n"));
    body
}

/// Answers chat completions with `answers` in turn (the last one repeats), streamed when the request asks.
struct Sequence {
    answers: Vec<String>,
    next: Arc<AtomicUsize>,
}

impl Respond for Sequence {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let index = self
            .next
            .fetch_add(1, Ordering::SeqCst)
            .min(self.answers.len() - 1);
        let content = &self.answers[index];
        let body: Value = serde_json::from_slice(&request.body).unwrap_or_default();
        if body["stream"] == true {
            ResponseTemplate::new(200).set_body_raw(streamed(content), "text/event-stream")
        } else {
            ResponseTemplate::new(200).set_body_json(completion(content))
        }
    }
}

/// A mock LLM serving `/v1/chat/completions` and `/v1/models`.
pub struct MockLlm {
    pub server: MockServer,
    calls: Arc<AtomicUsize>,
}

impl MockLlm {
    /// Answers each chat completion with the next of `answers` (the last repeats).
    pub async fn answering(answers: Vec<String>) -> Self {
        assert!(!answers.is_empty(), "at least one answer");
        let server = MockServer::start().await;
        let calls = Arc::new(AtomicUsize::new(0));
        Mock::given(matchers::method("POST"))
            .and(matchers::path("/v1/chat/completions"))
            .respond_with(Sequence {
                answers,
                next: calls.clone(),
            })
            .mount(&server)
            .await;
        Mock::given(matchers::method("GET"))
            .and(matchers::path("/v1/models"))
            .respond_with(ResponseTemplate::new(200).set_body_json(
                json!({"object": "list", "data": [{"id": "test-model", "object": "model"}]}),
            ))
            .mount(&server)
            .await;
        Self { server, calls }
    }

    /// The base URL to configure the sidecar with.
    pub fn base_url(&self) -> String {
        format!("{}/v1", self.server.uri())
    }

    /// How many chat completions were asked for.
    pub fn calls(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }

    /// Answers the review prompt (`AI_REVIEW=on`) after `delay`, so a page can be seen, or left, mid-analysis.
    pub async fn review_after(&self, delay: std::time::Duration, verdict: &str, comments: &str) {
        Mock::given(matchers::method("POST"))
            .and(matchers::path("/v1/chat/completions"))
            .and(matchers::body_string_contains("You review a SQL query"))
            .respond_with(
                ResponseTemplate::new(200)
                    .set_body_json(completion(&review(verdict, comments)))
                    .set_delay(delay),
            )
            .with_priority(1)
            .mount(&self.server)
            .await;
    }

    /// Answers every chat completion with HTTP `status` from now on (a model server that fails).
    pub async fn fail_with(&self, status: u16) {
        Mock::given(matchers::method("POST"))
            .and(matchers::path("/v1/chat/completions"))
            .respond_with(ResponseTemplate::new(status).set_body_json(
                json!({"error": {"message": "the model server failed", "type": "server_error"}}),
            ))
            .with_priority(1)
            .mount(&self.server)
            .await;
    }

    /// The chat completion requests received, in order.
    pub async fn chat_requests(&self) -> Vec<Request> {
        self.server
            .received_requests()
            .await
            .unwrap_or_default()
            .into_iter()
            .filter(|r| r.url.path().ends_with("/chat/completions"))
            .collect()
    }
}

//! Provider-neutral request, response and stream event types.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::LlmError;
use crate::extract::{ExtractedJson, extract_json};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    System,
    User,
    Assistant,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Message {
    pub role: Role,
    pub content: String,
}

impl Message {
    pub fn system(content: impl Into<String>) -> Self {
        Self {
            role: Role::System,
            content: content.into(),
        }
    }
    pub fn user(content: impl Into<String>) -> Self {
        Self {
            role: Role::User,
            content: content.into(),
        }
    }
    pub fn assistant(content: impl Into<String>) -> Self {
        Self {
            role: Role::Assistant,
            content: content.into(),
        }
    }
}

/// A JSON Schema the answer must follow; `name` is the OpenAI `json_schema.name`.
#[derive(Debug, Clone, PartialEq)]
pub struct OutputSchema {
    pub name: String,
    pub schema: Value,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ChatRequest {
    pub messages: Vec<Message>,
    pub schema: Option<OutputSchema>,
    /// Correlates logs across services; each attempt sends `X-Request-Id: {trace_id}-{attempt}`.
    /// Left empty, a random one is generated.
    pub trace_id: String,
    /// Overrides [`crate::ProviderConfig::max_tokens`] for this request.
    pub max_tokens: Option<u32>,
    /// Base of `X-Request-Id` (`{base}-{attempt}`) when it should differ from `trace_id`: a caller that
    /// makes several calls for one trace (output repairs) keeps every engine request id distinct.
    pub request_id: Option<String>,
}

impl ChatRequest {
    pub fn new(trace_id: impl Into<String>, messages: Vec<Message>) -> Self {
        Self {
            messages,
            schema: None,
            trace_id: trace_id.into(),
            max_tokens: None,
            request_id: None,
        }
    }

    /// Sets the base of `X-Request-Id` (see [`Self::request_id`]).
    pub fn with_request_id(mut self, request_id: impl Into<String>) -> Self {
        self.request_id = Some(request_id.into());
        self
    }

    /// The base of this request's `X-Request-Id`s: the explicit one, else the trace id.
    pub(crate) fn request_id_base(&self, trace_id: &str) -> String {
        match &self.request_id {
            Some(id) if !id.trim().is_empty() => id.clone(),
            _ => trace_id.to_owned(),
        }
    }

    pub fn with_schema(mut self, name: impl Into<String>, schema: Value) -> Self {
        self.schema = Some(OutputSchema {
            name: name.into(),
            schema,
        });
        self
    }

    pub fn with_max_tokens(mut self, max_tokens: u32) -> Self {
        self.max_tokens = Some(max_tokens);
        self
    }

    /// Adds an output-repair turn (a budget separate from transport retries): the bad reply
    /// stays in the history, followed by a user message listing the exact issues.
    pub fn push_repair(&mut self, bad_reply: impl Into<String>, issues: &[String]) {
        let list: String = issues.iter().map(|i| format!("\n- {i}")).collect();
        self.messages.push(Message::assistant(bad_reply));
        self.messages.push(Message::user(format!(
            "Your previous answer has these issues:{list}\nFix them and answer again."
        )));
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Usage {
    pub prompt_tokens: u32,
    pub completion_tokens: u32,
    pub total_tokens: u32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChatResponse {
    /// The answer text (Gemini thought parts and OpenAI `reasoning` excluded).
    pub text: String,
    /// Model that answered, as reported by the server (falls back to the configured one).
    pub model: String,
    /// Provider finish reason verbatim (`stop`, `STOP`, ...).
    pub finish_reason: Option<String>,
    pub usage: Option<Usage>,
}

impl ChatResponse {
    /// Leniently extracts the JSON object from [`Self::text`].
    pub fn json(&self) -> Result<ExtractedJson, LlmError> {
        extract_json(&self.text)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelInfo {
    pub id: String,
}

/// One item of [`crate::Provider::chat_stream`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StreamEvent {
    /// The next piece of answer text.
    Delta(String),
    /// End of stream: the whole accumulated answer. Always the last item on success.
    Done(ChatResponse),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repair_turn_keeps_bad_reply() {
        let mut req = ChatRequest::new("t", vec![Message::user("q")]);
        req.push_repair(
            "SELEC 1",
            &["syntax error at SELEC".into(), "no LIMIT".into()],
        );
        assert_eq!(req.messages[1], Message::assistant("SELEC 1"));
        assert_eq!(
            req.messages[2].content,
            "Your previous answer has these issues:\n- syntax error at SELEC\n- no LIMIT\nFix them and answer again."
        );
    }
}

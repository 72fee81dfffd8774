//! OpenAI-compatible chat completions adapter (vLLM, Ollama, LM Studio, OpenAI, Azure OpenAI).

use std::fmt;

use bytes::Bytes;
use futures::future::BoxFuture;
use futures::stream::BoxStream;
use reqwest::Method;
use serde::Serialize;
use serde_json::Value;

use crate::body::{JsonBody, SharedPieces, trimmed};
use crate::config::{ProviderConfig, ProviderKind, StructuredMode, TokenParam};
use crate::error::LlmError;
use crate::provider::{Provider, f32_json};
use crate::stream::{self, Decoder, Step, in_band_chunk_error, in_band_error, parse_chunk};
use crate::structured::{schema_instruction, with_instruction};
use crate::transport::{Call, Transport, trace_id_or_new};
use crate::types::{ChatRequest, ChatResponse, Message, ModelInfo, Role, StreamEvent, Usage};
use crate::url::endpoint;

pub(crate) struct OpenAiProvider {
    transport: Transport,
    chat_url: reqwest::Url,
    models_url: reqwest::Url,
    /// Body openings with the system prompts this provider sends, serialised once.
    openings: SharedPieces,
}

impl OpenAiProvider {
    pub(crate) fn new(cfg: ProviderConfig) -> Result<Self, LlmError> {
        let base = cfg.base_url.as_str();
        let (auth, chat_url, models_url) = match &cfg.kind {
            ProviderKind::AzureOpenAi {
                deployment,
                api_version,
            } => {
                let version = [("api-version", api_version.as_str())];
                (
                    ("api-key", ""),
                    endpoint(
                        base,
                        &["openai", "deployments", deployment, "chat", "completions"],
                        &version,
                    )?,
                    endpoint(base, &["openai", "models"], &version)?,
                )
            }
            _ => (
                ("authorization", "Bearer "),
                endpoint(base, &["chat", "completions"], &[])?,
                endpoint(base, &["models"], &[])?,
            ),
        };
        Ok(Self {
            chat_url,
            models_url,
            transport: Transport::new(cfg, "openai", auth)?,
            openings: SharedPieces::default(),
        })
    }
}

impl fmt::Debug for OpenAiProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OpenAiProvider")
            .field("chat_url", &crate::url::redact_url(self.chat_url.as_str()))
            .field("config", &self.transport.cfg)
            .finish()
    }
}

/// The exact JSON body for `POST /chat/completions`, serialised once: the opening (model and system prompt)
/// shared through `openings`, the rest written for this request.
///
/// Written from borrowed parts rather than built as a `serde_json::Value`: that copied every message (the
/// system prompt is a few kilobytes) and the answer schema into a tree of maps on every call. The bytes are
/// those `serde_json` writes for the whole body at once, in the same field order.
pub(crate) fn request_body(
    cfg: &ProviderConfig,
    req: &ChatRequest,
    stream: bool,
    openings: &SharedPieces,
) -> JsonBody {
    let instructed;
    let messages: &[Message] = match (&req.schema, cfg.structured) {
        (Some(schema), StructuredMode::JsonObject | StructuredMode::PromptOnly) => {
            instructed = with_instruction(&req.messages, &schema_instruction(schema));
            &instructed
        }
        _ => &req.messages,
    };
    let (system, rest) = match messages.split_first() {
        Some((first, rest)) if first.role == Role::System => (Some(first), rest),
        _ => (None, messages),
    };
    // The provider's model never changes, so the system prompt alone identifies the opening.
    let opening = match system {
        Some(system) => {
            openings.get_or_build(&system.content, |_| opening(&cfg.model, Some(system)))
        }
        None => opening(&cfg.model, None),
    };
    let max_tokens = req.max_tokens.unwrap_or(cfg.max_tokens);
    let tail = ChatTail {
        temperature: f32_json(cfg.temperature),
        max_tokens: (cfg.token_param == TokenParam::MaxTokens).then_some(max_tokens),
        max_completion_tokens: (cfg.token_param == TokenParam::MaxCompletionTokens)
            .then_some(max_tokens),
        response_format: response_format(cfg, req),
        stream: stream.then_some(true),
    };
    // Room for the messages with their escapes, the schema and the other fields.
    let text: usize = rest.iter().map(|m| m.content.len()).sum();
    let mut rest_json = Vec::with_capacity(text + text / 8 + 2048);
    for (index, message) in rest.iter().enumerate() {
        if index > 0 || system.is_some() {
            rest_json.push(b',');
        }
        let _ = serde_json::to_writer(&mut rest_json, message);
    }
    rest_json.push(b']');
    // The tail is an object of its own that always has `temperature` (`{"temperature":…}`, `null` at worst):
    // its opening brace becomes the comma after `messages`.
    let tail_at = rest_json.len();
    let _ = serde_json::to_writer(&mut rest_json, &tail);
    if let Some(brace) = rest_json.get_mut(tail_at) {
        debug_assert_eq!(*brace, b'{', "the tail serialises as an object");
        *brace = b',';
    }
    JsonBody::from_parts([opening, trimmed(rest_json)])
}

/// The `response_format` the structured mode asks for, when the request has a schema.
fn response_format<'a>(cfg: &ProviderConfig, req: &'a ChatRequest) -> Option<ResponseFormat<'a>> {
    match (&req.schema, cfg.structured) {
        (Some(schema), StructuredMode::JsonSchema) => Some(ResponseFormat::JsonSchema {
            json_schema: SchemaFormat {
                name: &schema.name,
                strict: true,
                schema: &schema.schema,
            },
        }),
        (Some(_), StructuredMode::JsonObject) => Some(ResponseFormat::JsonObject),
        _ => None,
    }
}

/// `{"model":…,"messages":[` and the system message, when there is one.
fn opening(model: &str, system: Option<&Message>) -> Bytes {
    let text = system.map_or(0, |m| m.content.len());
    let mut out = Vec::with_capacity(text + text / 8 + model.len() + 64);
    out.extend_from_slice(b"{\"model\":");
    let _ = serde_json::to_writer(&mut out, model);
    out.extend_from_slice(b",\"messages\":[");
    if let Some(system) = system {
        let _ = serde_json::to_writer(&mut out, system);
    }
    trimmed(out)
}

/// The body's fields after `messages`.
#[derive(Serialize)]
struct ChatTail<'a> {
    temperature: Value,
    #[serde(skip_serializing_if = "Option::is_none")]
    max_tokens: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    max_completion_tokens: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    response_format: Option<ResponseFormat<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    stream: Option<bool>,
}

/// `{"type": "json_schema", "json_schema": {...}}` or `{"type": "json_object"}`.
#[derive(Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum ResponseFormat<'a> {
    JsonSchema { json_schema: SchemaFormat<'a> },
    JsonObject,
}

#[derive(Serialize)]
struct SchemaFormat<'a> {
    name: &'a str,
    strict: bool,
    schema: &'a Value,
}

/// `message.content` is usually a string; some servers send an array of text parts.
fn content_text(content: &Value) -> String {
    match content {
        Value::String(s) => s.clone(),
        Value::Array(parts) => parts
            .iter()
            .filter_map(|p| p.get("text").and_then(Value::as_str))
            .collect(),
        _ => String::new(),
    }
}

fn usage(v: &Value) -> Option<Usage> {
    let u = v.get("usage").filter(|u| u.is_object())?;
    let n = |k: &str| u.get(k).and_then(Value::as_u64).unwrap_or(0) as u32;
    Some(Usage {
        prompt_tokens: n("prompt_tokens"),
        completion_tokens: n("completion_tokens"),
        total_tokens: n("total_tokens"),
    })
}

/// Turns finish reason / refusal into errors; shared by plain and streamed responses.
fn check(text: &str, finish: Option<&str>, refusal: Option<&str>) -> Result<(), LlmError> {
    if let Some(r) = refusal.filter(|r| !r.trim().is_empty()) {
        return Err(LlmError::Refusal(r.to_string()));
    }
    match finish {
        Some("length") => Err(LlmError::Truncated {
            partial: text.to_string(),
        }),
        Some("content_filter") => Err(LlmError::Blocked {
            reason: "content_filter".into(),
        }),
        _ if text.trim().is_empty() => Err(LlmError::Empty {
            finish_reason: finish.map(str::to_owned),
        }),
        _ => Ok(()),
    }
}

pub(crate) fn parse_response(v: &Value, fallback_model: &str) -> Result<ChatResponse, LlmError> {
    if let Some(LlmError::Stream(m)) = in_band_error(v) {
        return Err(LlmError::BadOutput(format!(
            "provider returned an error with 2xx status: {m}"
        )));
    }
    let choice = v
        .get("choices")
        .and_then(|c| c.get(0))
        .ok_or_else(|| LlmError::BadOutput("response has no choices".into()))?;
    let message = choice.get("message").unwrap_or(&Value::Null);
    // `message.reasoning` / `reasoning_content` are deliberately ignored.
    let text = content_text(message.get("content").unwrap_or(&Value::Null));
    let finish = choice.get("finish_reason").and_then(Value::as_str);
    check(
        &text,
        finish,
        message.get("refusal").and_then(Value::as_str),
    )?;
    Ok(ChatResponse {
        text,
        model: v
            .get("model")
            .and_then(Value::as_str)
            .unwrap_or(fallback_model)
            .to_string(),
        finish_reason: finish.map(str::to_owned),
        usage: usage(v),
    })
}

/// Accumulates `chat.completion.chunk`s.
struct ChunkDecoder {
    text: String,
    refusal: String,
    finish: Option<String>,
    usage: Option<Usage>,
    model: String,
}

impl Decoder for ChunkDecoder {
    fn whole(&self, body: &Value) -> Result<ChatResponse, LlmError> {
        parse_response(body, &self.model)
    }

    fn on_data(&mut self, event: &str, data: &str) -> Result<Step, LlmError> {
        if data.trim() == "[DONE]" {
            return Ok(Step::End);
        }
        if event == "error" {
            return Err(LlmError::Stream(
                crate::errbody::parse_error_body(data).message,
            ));
        }
        let chunk = parse_chunk(data)?;
        if let Some(err) = in_band_chunk_error(&chunk) {
            return Err(err);
        }
        if let Some(m) = chunk.get("model").and_then(Value::as_str) {
            self.model = m.to_string();
        }
        if let Some(u) = usage(&chunk) {
            self.usage = Some(u);
        }
        let Some(choice) = chunk.get("choices").and_then(|c| c.get(0)) else {
            return Ok(Step::Skip);
        };
        if let Some(f) = choice.get("finish_reason").and_then(Value::as_str) {
            self.finish = Some(f.to_string());
        }
        let delta = choice.get("delta").unwrap_or(&Value::Null);
        if let Some(r) = delta.get("refusal").and_then(Value::as_str) {
            self.refusal.push_str(r);
        }
        let piece = content_text(delta.get("content").unwrap_or(&Value::Null));
        self.text.push_str(&piece);
        Ok(Step::Delta(piece))
    }

    fn finish(&mut self, explicit_end: bool) -> Result<ChatResponse, LlmError> {
        if !explicit_end && self.finish.is_none() {
            return Err(stream::cut_off(
                "the stream ended before [DONE] and without a finish_reason",
            ));
        }
        check(&self.text, self.finish.as_deref(), Some(&self.refusal))?;
        Ok(ChatResponse {
            text: std::mem::take(&mut self.text),
            model: self.model.clone(),
            finish_reason: self.finish.clone(),
            usage: self.usage,
        })
    }
}

impl Provider for OpenAiProvider {
    fn chat(&self, request: ChatRequest) -> BoxFuture<'_, Result<ChatResponse, LlmError>> {
        Box::pin(async move {
            let cfg = &self.transport.cfg;
            let trace_id = trace_id_or_new(&request.trace_id);
            let request_id = request.request_id_base(&trace_id);
            let body = request_body(cfg, &request, false, &self.openings);
            // Not held across the call: a busy server has thousands of requests waiting on the LLM.
            drop(request);
            let call = Call {
                method: Method::POST,
                url: &self.chat_url,
                body: Some(&body),
                trace_id: &trace_id,
                request_id: &request_id,
                streaming: false,
            };
            let v = self.transport.json(&call).await?;
            parse_response(&v, &cfg.model).map_err(|e| self.transport.scrub(e))
        })
    }

    fn chat_stream(
        &self,
        request: ChatRequest,
    ) -> BoxStream<'static, Result<StreamEvent, LlmError>> {
        let cfg = &self.transport.cfg;
        let body = request_body(cfg, &request, true, &self.openings);
        let model = cfg.model.clone();
        let trace_id = trace_id_or_new(&request.trace_id);
        stream::open(
            self.transport.clone(),
            self.chat_url.clone(),
            body,
            request.request_id_base(&trace_id),
            trace_id,
            move || ChunkDecoder {
                text: String::new(),
                refusal: String::new(),
                finish: None,
                usage: None,
                model: model.clone(),
            },
        )
    }

    fn list_models_traced<'a>(
        &'a self,
        trace_id: &'a str,
    ) -> BoxFuture<'a, Result<Vec<ModelInfo>, LlmError>> {
        Box::pin(async move {
            let trace_id = trace_id_or_new(trace_id);
            let call = Call {
                method: Method::GET,
                url: &self.models_url,
                body: None,
                trace_id: &trace_id,
                request_id: &trace_id,
                streaming: false,
            };
            let v = self.transport.json(&call).await?;
            let data = v
                .get("data")
                .and_then(Value::as_array)
                .ok_or_else(|| LlmError::BadOutput("model list has no `data` array".into()))?;
            Ok(data
                .iter()
                .filter_map(|m| m.get("id").and_then(Value::as_str))
                .map(|id| ModelInfo { id: id.to_string() })
                .collect())
        })
    }

    fn model(&self) -> &str {
        &self.transport.cfg.model
    }

    fn kind(&self) -> &ProviderKind {
        &self.transport.cfg.kind
    }

    fn deadline(&self) -> std::time::Duration {
        self.transport.cfg.deadline
    }

    fn max_tokens(&self) -> u32 {
        self.transport.cfg.max_tokens
    }
}

#[cfg(test)]
#[path = "openai_body_tests.rs"]
mod body_tests;

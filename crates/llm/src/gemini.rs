//! Gemini native adapter (`generateContent`, `streamGenerateContent?alt=sse`, `models`).

use std::fmt;

use futures::future::BoxFuture;
use futures::stream::BoxStream;
use reqwest::Method;
use serde_json::{Value, json};

use crate::body::json_body;
use crate::config::{ProviderConfig, ProviderKind, StructuredMode};
use crate::error::LlmError;
use crate::provider::{Provider, f32_json};
use crate::stream::{self, Decoder, Step, in_band_chunk_error, in_band_error, parse_chunk};
use crate::structured::{schema_instruction, with_instruction};
use crate::transport::{Call, Transport, trace_id_or_new};
use crate::types::{ChatRequest, ChatResponse, ModelInfo, Role, StreamEvent, Usage};
use crate::url::endpoint;

/// Finish reasons meaning the provider's filters stopped the answer.
const BLOCKING_FINISHES: &[&str] = &[
    "SAFETY",
    "BLOCKLIST",
    "PROHIBITED_CONTENT",
    "SPII",
    "RECITATION",
    "IMAGE_SAFETY",
];

/// Guards against a server that keeps returning page tokens.
const MAX_MODEL_PAGES: usize = 20;

pub(crate) struct GeminiProvider {
    transport: Transport,
    model_path: String,
    generate_url: reqwest::Url,
    stream_url: reqwest::Url,
    /// The model list's first page; later pages add `pageToken`.
    models_url: reqwest::Url,
}

impl GeminiProvider {
    pub(crate) fn new(cfg: ProviderConfig) -> Result<Self, LlmError> {
        let base = cfg.base_url.as_str();
        // Accept both `gemini-2.5-flash` and the API's own `models/gemini-2.5-flash`.
        let model = cfg.model.trim();
        let model_path = format!("models/{}", model.strip_prefix("models/").unwrap_or(model));
        // `models/tunedModels/x` keeps its inner `/` as path separators.
        let (dirs, name) = model_path
            .rsplit_once('/')
            .unwrap_or(("models", &model_path));
        let url_for = |verb: &str, query: &[(&str, &str)]| {
            let last = format!("{name}:{verb}");
            let segments: Vec<&str> = dirs.split('/').chain([last.as_str()]).collect();
            endpoint(base, &segments, query)
        };
        let generate_url = url_for("generateContent", &[])?;
        let stream_url = url_for("streamGenerateContent", &[("alt", "sse")])?;
        Ok(Self {
            generate_url,
            stream_url,
            models_url: endpoint(base, &["models"], &[])?,
            transport: Transport::new(cfg, "gemini", ("x-goog-api-key", ""))?,
            model_path,
        })
    }
}

impl fmt::Debug for GeminiProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GeminiProvider")
            .field("model_path", &self.model_path)
            .field("config", &self.transport.cfg)
            .finish()
    }
}

/// The exact JSON body for `generateContent` / `streamGenerateContent`.
pub(crate) fn request_body(cfg: &ProviderConfig, req: &ChatRequest) -> Value {
    let messages = match (&req.schema, cfg.structured) {
        (Some(schema), StructuredMode::JsonObject | StructuredMode::PromptOnly) => {
            with_instruction(&req.messages, &schema_instruction(schema))
        }
        _ => req.messages.clone(),
    };
    let system: Vec<&str> = messages
        .iter()
        .filter(|m| m.role == Role::System)
        .map(|m| m.content.as_str())
        .collect();
    let contents: Vec<Value> = messages
        .iter()
        .filter(|m| m.role != Role::System)
        .map(|m| {
            let role = if m.role == Role::Assistant {
                "model"
            } else {
                "user"
            };
            json!({"role": role, "parts": [{"text": m.content}]})
        })
        .collect();
    let mut generation = json!({
        "temperature": f32_json(cfg.temperature),
        "maxOutputTokens": req.max_tokens.unwrap_or(cfg.max_tokens),
    });
    if let Some(schema) = &req.schema {
        match cfg.structured {
            StructuredMode::JsonSchema => {
                generation["responseMimeType"] = json!("application/json");
                generation["responseJsonSchema"] = schema.schema.clone();
            }
            StructuredMode::JsonObject => {
                generation["responseMimeType"] = json!("application/json");
            }
            StructuredMode::PromptOnly => {}
        }
    }
    let mut body = json!({"contents": contents, "generationConfig": generation});
    if !system.is_empty() {
        body["systemInstruction"] = json!({"parts": [{"text": system.join("\n\n")}]});
    }
    body
}

/// Folds `GenerateContentResponse`s (one, or one per stream chunk) into a [`ChatResponse`].
struct Accumulator {
    text: String,
    finish: Option<String>,
    usage: Option<Usage>,
    model: String,
    block_reason: Option<String>,
    saw_candidate: bool,
}

impl Accumulator {
    fn new(model: &str) -> Self {
        Self {
            text: String::new(),
            finish: None,
            usage: None,
            model: model.to_string(),
            block_reason: None,
            saw_candidate: false,
        }
    }

    /// Absorbs one response object and returns the new (non-thought) text it carried.
    fn absorb(&mut self, v: &Value) -> String {
        if let Some(r) = v
            .pointer("/promptFeedback/blockReason")
            .and_then(Value::as_str)
        {
            self.block_reason = Some(r.to_string());
        }
        if let Some(m) = v.get("modelVersion").and_then(Value::as_str) {
            self.model = m.to_string();
        }
        if let Some(u) = v.get("usageMetadata").filter(|u| u.is_object()) {
            let n = |k: &str| u.get(k).and_then(Value::as_u64).unwrap_or(0) as u32;
            // Thinking tokens are billed (and limited by maxOutputTokens) as output.
            self.usage = Some(Usage {
                prompt_tokens: n("promptTokenCount"),
                completion_tokens: n("candidatesTokenCount") + n("thoughtsTokenCount"),
                total_tokens: n("totalTokenCount"),
            });
        }
        let Some(candidate) = v.get("candidates").and_then(|c| c.get(0)) else {
            return String::new();
        };
        self.saw_candidate = true;
        if let Some(f) = candidate.get("finishReason").and_then(Value::as_str) {
            self.finish = Some(f.to_string());
        }
        let piece: String = candidate
            .pointer("/content/parts")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter(|p| p.get("thought").and_then(Value::as_bool) != Some(true))
            .filter_map(|p| p.get("text").and_then(Value::as_str))
            .collect();
        self.text.push_str(&piece);
        piece
    }

    fn finish(&mut self) -> Result<ChatResponse, LlmError> {
        if !self.saw_candidate {
            return Err(match &self.block_reason {
                Some(r) => LlmError::Blocked {
                    reason: format!("prompt blocked: {r}"),
                },
                None => LlmError::BadOutput("response has no candidates".into()),
            });
        }
        match self.finish.as_deref() {
            Some("MAX_TOKENS") => {
                return Err(LlmError::Truncated {
                    partial: self.text.clone(),
                });
            }
            Some(f) if BLOCKING_FINISHES.contains(&f) => {
                return Err(LlmError::Blocked {
                    reason: f.to_string(),
                });
            }
            _ if self.text.trim().is_empty() => {
                return Err(LlmError::Empty {
                    finish_reason: self.finish.clone(),
                });
            }
            _ => {}
        }
        Ok(ChatResponse {
            text: std::mem::take(&mut self.text),
            model: self.model.clone(),
            finish_reason: self.finish.clone(),
            usage: self.usage,
        })
    }
}

pub(crate) fn parse_response(v: &Value, fallback_model: &str) -> Result<ChatResponse, LlmError> {
    if let Some(LlmError::Stream(m)) = in_band_error(v) {
        return Err(LlmError::BadOutput(format!(
            "provider returned an error with 2xx status: {m}"
        )));
    }
    let mut acc = Accumulator::new(fallback_model);
    acc.absorb(v);
    acc.finish()
}

impl Decoder for Accumulator {
    fn whole(&self, body: &Value) -> Result<ChatResponse, LlmError> {
        parse_response(body, &self.model)
    }

    fn on_data(&mut self, _event: &str, data: &str) -> Result<Step, LlmError> {
        if data.trim().is_empty() {
            return Ok(Step::Skip);
        }
        let chunk = parse_chunk(data)?;
        if let Some(err) = in_band_chunk_error(&chunk) {
            return Err(err);
        }
        Ok(Step::Delta(self.absorb(&chunk)))
    }

    fn finish(&mut self, _explicit_end: bool) -> Result<ChatResponse, LlmError> {
        // Gemini has no end marker: the body ends, and its last chunk carries `finishReason`. A body that ends
        // after a candidate without one was cut off (a dropped connection, a proxy's timeout); taking the text
        // so far as the answer would run a query that lost its end (a `WHERE`, a `LIMIT`).
        if self.saw_candidate && self.finish.is_none() {
            return Err(stream::cut_off("the stream ended without a finishReason"));
        }
        Accumulator::finish(self)
    }
}

impl Provider for GeminiProvider {
    fn chat(&self, request: ChatRequest) -> BoxFuture<'_, Result<ChatResponse, LlmError>> {
        Box::pin(async move {
            let cfg = &self.transport.cfg;
            let trace_id = trace_id_or_new(&request.trace_id);
            let request_id = request.request_id_base(&trace_id);
            let body = json_body(&request_body(cfg, &request), 0);
            // Not held across the call: a busy server has thousands of requests waiting on the LLM.
            drop(request);
            let call = Call {
                method: Method::POST,
                url: &self.generate_url,
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
        let body = json_body(&request_body(cfg, &request), 0);
        let model = cfg.model.clone();
        let trace_id = trace_id_or_new(&request.trace_id);
        stream::open(
            self.transport.clone(),
            self.stream_url.clone(),
            body,
            request.request_id_base(&trace_id),
            trace_id,
            move || Accumulator::new(&model),
        )
    }

    fn list_models_traced<'a>(
        &'a self,
        trace_id: &'a str,
    ) -> BoxFuture<'a, Result<Vec<ModelInfo>, LlmError>> {
        Box::pin(async move {
            let trace_id = trace_id_or_new(trace_id);
            let mut models = Vec::new();
            let mut page_token: Option<String> = None;
            for _ in 0..MAX_MODEL_PAGES {
                let mut url = self.models_url.clone();
                if let Some(token) = &page_token {
                    url.query_pairs_mut().append_pair("pageToken", token);
                }
                let call = Call {
                    method: Method::GET,
                    url: &url,
                    body: None,
                    trace_id: &trace_id,
                    request_id: &trace_id,
                    streaming: false,
                };
                let v = self.transport.json(&call).await?;
                let list = v.get("models").and_then(Value::as_array);
                models.extend(
                    list.into_iter()
                        .flatten()
                        .filter_map(|m| m.get("name").and_then(Value::as_str))
                        .map(|name| ModelInfo {
                            id: name.strip_prefix("models/").unwrap_or(name).to_string(),
                        }),
                );
                page_token = v
                    .get("nextPageToken")
                    .and_then(Value::as_str)
                    .filter(|t| !t.is_empty())
                    .map(str::to_owned);
                if page_token.is_none() {
                    break;
                }
            }
            Ok(models)
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

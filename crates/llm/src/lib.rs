//! LLM provider adapters for the sidecar: one object-safe [`Provider`] trait over the
//! OpenAI-compatible chat completions protocol (vLLM, Ollama, LM Studio, OpenAI, Azure OpenAI)
//! and Gemini's native API, with structured output, retries with backoff, streaming, and
//! lenient extraction of JSON/SQL from model text.
//!
//! Suggested mapping of [`LlmError`] to sidecar responses: `NotConfigured` → 503,
//! `Unauthorized` → 502 (our key is wrong, not the caller's), `NotFound` → 502 (model name),
//! `BadRequest` → 502, `RateLimited` → 429 (+ `Retry-After`), `Unavailable`/`Http` → 502/503,
//! `Timeout` → 504, `Truncated`/`Empty`/`BadOutput` → 502 or an output-repair turn
//! ([`ChatRequest::push_repair`]), `Refusal`/`Blocked` → 422, `Stream` → an in-band stream error.
//!
//! ```no_run
//! # async fn demo() -> Result<(), llm::LlmError> {
//! use llm::{ChatRequest, Message, ProviderConfig, build_provider};
//! let provider = build_provider(ProviderConfig::openai_compatible("http://localhost:8000/v1", "Qwen/Qwen2.5-7B-Instruct"))?;
//! let answer = provider
//!     .chat(ChatRequest::new("trace-1", vec![Message::user("How many rows?")]))
//!     .await?;
//! let sql = llm::extract_sql(&answer.text)?;
//! # let _ = sql; Ok(()) }
//! ```

mod body;
mod config;
mod errbody;
mod error;
mod extract;
mod gemini;
mod lenient;
mod openai;
mod provider;
mod sql;
mod stream;
mod structured;
mod transport;
mod types;
mod url;

pub use config::{
    GEMINI_DEFAULT_BASE_URL, HttpVersion, ProviderConfig, ProviderKind, RetryPolicy,
    StructuredMode, TokenParam,
};
pub use errbody::{ErrorBody, parse_error_body};
pub use error::LlmError;
pub use extract::{ExtractedJson, Extraction, extract_json, json_error, object_with_field};
pub use provider::{Provider, build_provider};
pub use secrecy::SecretString;
pub use sql::extract_sql;
pub use types::{
    ChatRequest, ChatResponse, Message, ModelInfo, OutputSchema, Role, StreamEvent, Usage,
};
pub use url::redact_url;

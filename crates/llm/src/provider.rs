//! The object-safe [`Provider`] trait and the factory that builds one from configuration.

use std::fmt;
use std::sync::Arc;

use futures::future::BoxFuture;
use futures::stream::BoxStream;

use crate::config::{ProviderConfig, ProviderKind};
use crate::error::LlmError;
use crate::gemini::GeminiProvider;
use crate::openai::OpenAiProvider;
use crate::types::{ChatRequest, ChatResponse, ModelInfo, StreamEvent};

/// One LLM endpoint. Object-safe so the sidecar can hold an `Arc<dyn Provider>`.
pub trait Provider: Send + Sync + fmt::Debug {
    /// One completion, with transport retries and the overall deadline applied.
    fn chat(&self, request: ChatRequest) -> BoxFuture<'_, Result<ChatResponse, LlmError>>;

    /// A streamed completion: `Delta`s then exactly one `Done`, or an error item (after which
    /// the stream ends). Only the connection phase is retried, never after a `Delta`.
    fn chat_stream(
        &self,
        request: ChatRequest,
    ) -> BoxStream<'static, Result<StreamEvent, LlmError>>;

    /// Models the endpoint offers (ids usable as [`ProviderConfig::model`]).
    fn list_models(&self) -> BoxFuture<'_, Result<Vec<ModelInfo>, LlmError>> {
        self.list_models_traced("")
    }

    /// [`Self::list_models`] on behalf of a request: its trace id goes out as `X-Trace-Id` and in
    /// `X-Request-Id` (empty: a fresh one).
    fn list_models_traced<'a>(
        &'a self,
        trace_id: &'a str,
    ) -> BoxFuture<'a, Result<Vec<ModelInfo>, LlmError>>;

    /// The configured model.
    fn model(&self) -> &str;

    /// The configured protocol.
    fn kind(&self) -> &ProviderKind;

    /// The longest one call may take, retries and waits included (`AI_DEADLINE`): callers size their own
    /// timeouts from it.
    fn deadline(&self) -> std::time::Duration;

    /// The output token limit sent with every request that sets none of its own (`AI_MAX_TOKENS`): an
    /// answer cut off at it ([`crate::LlmError::Truncated`]) is reported naming it.
    fn max_tokens(&self) -> u32;
}

/// Validates `config` and builds the matching adapter.
pub fn build_provider(config: ProviderConfig) -> Result<Arc<dyn Provider>, LlmError> {
    validate(&config)?;
    Ok(match config.kind {
        ProviderKind::Gemini => Arc::new(GeminiProvider::new(config)?),
        ProviderKind::OpenAiCompatible | ProviderKind::AzureOpenAi { .. } => {
            Arc::new(OpenAiProvider::new(config)?)
        }
    })
}

fn validate(config: &ProviderConfig) -> Result<(), LlmError> {
    let bad = |m: &str| Err(LlmError::NotConfigured(m.to_string()));
    match reqwest::Url::parse(config.base_url.trim()) {
        Ok(url) if matches!(url.scheme(), "http" | "https") => {}
        _ => return bad("base_url must be an absolute http(s) URL"),
    }
    if config.model.trim().is_empty() {
        return bad("model is empty");
    }
    if config.max_tokens == 0 {
        return bad("max_tokens must be positive");
    }
    if !(0.0..=2.0).contains(&config.temperature) {
        return bad("temperature must be within 0..=2");
    }
    if config.timeout.is_zero() || config.deadline.is_zero() {
        return bad("timeout and deadline must be positive");
    }
    match &config.kind {
        ProviderKind::Gemini | ProviderKind::AzureOpenAi { .. } if config.api_key.is_none() => {
            bad("this provider requires an API key")
        }
        ProviderKind::AzureOpenAi {
            deployment,
            api_version,
        } if deployment.trim().is_empty() || api_version.trim().is_empty() => {
            bad("Azure OpenAI needs a deployment and an api_version")
        }
        _ => Ok(()),
    }
}

/// Float → JSON without f32 widening noise (0.1f32 would otherwise be sent as 0.10000000149).
pub(crate) fn f32_json(x: f32) -> serde_json::Value {
    x.to_string()
        .parse::<f64>()
        .ok()
        .and_then(serde_json::Number::from_f64)
        .map_or(serde_json::Value::Null, serde_json::Value::Number)
}

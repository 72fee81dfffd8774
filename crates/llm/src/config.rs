//! Provider configuration: which wire protocol, where, which model, and how hard to retry.

use std::fmt;
use std::time::Duration;

use secrecy::SecretString;

/// Default Gemini API base URL (Google AI Studio, v1beta).
pub const GEMINI_DEFAULT_BASE_URL: &str = "https://generativelanguage.googleapis.com/v1beta";

/// Which wire protocol the provider speaks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProviderKind {
    /// `POST {base}/chat/completions` (vLLM, Ollama, LM Studio, OpenAI); base e.g. `http://localhost:8000/v1`.
    OpenAiCompatible,
    /// Azure OpenAI: `POST {base}/openai/deployments/{deployment}/chat/completions?api-version=..`
    /// with an `api-key` header; base e.g. `https://myres.openai.azure.com`.
    AzureOpenAi {
        deployment: String,
        api_version: String,
    },
    /// Gemini native `generateContent`; base defaults to [`GEMINI_DEFAULT_BASE_URL`].
    Gemini,
}

/// How structured (JSON) output is requested when a [`crate::ChatRequest`] carries a schema.
///
/// Servers differ: LM Studio rejects `json_object`, old vLLM fields are silently ignored, so the
/// mode is configuration rather than auto-detected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum StructuredMode {
    /// Server-side constrained decoding against the JSON Schema
    /// (`response_format: json_schema` / Gemini `responseJsonSchema`).
    #[default]
    JsonSchema,
    /// "Some JSON object" mode (`response_format: json_object` / Gemini `responseMimeType` only);
    /// the schema is described in the system prompt.
    JsonObject,
    /// Nothing on the wire; the schema is described in the system prompt only.
    PromptOnly,
}

/// Which field carries the output token limit for OpenAI-compatible servers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TokenParam {
    /// `max_tokens`: understood by vLLM, Ollama (which drops the newer name), LM Studio.
    #[default]
    MaxTokens,
    /// `max_completion_tokens`: OpenAI proper (where `max_tokens` is deprecated).
    MaxCompletionTokens,
}

/// Which HTTP version the client speaks to the provider.
///
/// One HTTP/2 connection carries every call in flight as its own stream, where HTTP/1.1 needs a connection (and
/// its buffers, and over TLS its handshake) per call: about 14 KiB less memory per call in flight
/// (`bench/sidecar.sh`: 105 → 78 MiB with 2,000 in flight). The cost: calls beyond the server's stream limit
/// (often 100–256) wait for a stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum HttpVersion {
    /// HTTP/2 when the server offers it during the TLS handshake (OpenAI, Gemini, Azure), HTTP/1.1 otherwise
    /// (plain `http://`: vLLM, Ollama, LM Studio).
    #[default]
    Auto,
    /// HTTP/1.1 only, for servers or proxies whose HTTP/2 misbehaves.
    Http1,
    /// HTTP/2 only; over plain `http://` by prior knowledge (h2c), for gateways that speak it.
    Http2,
}

/// Transport retry policy (separate from any output-repair budget kept by the caller).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Retries after the first attempt (so `2` means up to 3 attempts).
    pub max_retries: u32,
    /// First backoff delay; doubles per retry, with jitter.
    pub base_delay: Duration,
    /// Cap for a single wait; a server asking for a longer wait makes us give up instead.
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_retries: 2,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(20),
        }
    }
}

/// Everything needed to build a provider with [`crate::build_provider`].
#[derive(Clone)]
pub struct ProviderConfig {
    pub kind: ProviderKind,
    /// Base URL without trailing `/chat/completions` (e.g. `http://localhost:8000/v1`).
    pub base_url: String,
    /// Model name as the server knows it (for Azure, informational; the deployment selects it).
    pub model: String,
    /// Never printed: `Debug` shows `[REDACTED]`.
    pub api_key: Option<SecretString>,
    pub structured: StructuredMode,
    pub token_param: TokenParam,
    /// Default output token limit (always sent: vLLM otherwise allows the whole context).
    pub max_tokens: u32,
    pub temperature: f32,
    /// Per-attempt timeout (for streams: the longest silence between chunks).
    pub timeout: Duration,
    /// Overall deadline for one request, retries and waits included.
    pub deadline: Duration,
    pub retry: RetryPolicy,
    pub http_version: HttpVersion,
}

impl ProviderConfig {
    /// An OpenAI-compatible provider with defaults for everything but the location and model.
    pub fn openai_compatible(base_url: impl Into<String>, model: impl Into<String>) -> Self {
        Self {
            kind: ProviderKind::OpenAiCompatible,
            base_url: base_url.into(),
            model: model.into(),
            api_key: None,
            structured: StructuredMode::default(),
            token_param: TokenParam::default(),
            max_tokens: 1024,
            temperature: 0.1,
            timeout: Duration::from_secs(60),
            deadline: Duration::from_secs(120),
            retry: RetryPolicy::default(),
            http_version: HttpVersion::default(),
        }
    }

    /// A Gemini provider on the public endpoint.
    pub fn gemini(model: impl Into<String>, api_key: impl Into<String>) -> Self {
        Self {
            kind: ProviderKind::Gemini,
            base_url: GEMINI_DEFAULT_BASE_URL.to_string(),
            max_tokens: 2048,
            ..Self::openai_compatible(String::new(), model).with_api_key(api_key)
        }
    }

    /// An Azure OpenAI deployment (`base_url` is the resource endpoint).
    pub fn azure(
        base_url: impl Into<String>,
        deployment: impl Into<String>,
        api_version: impl Into<String>,
        api_key: impl Into<String>,
    ) -> Self {
        let deployment = deployment.into();
        Self {
            kind: ProviderKind::AzureOpenAi {
                deployment: deployment.clone(),
                api_version: api_version.into(),
            },
            ..Self::openai_compatible(base_url, deployment).with_api_key(api_key)
        }
    }

    pub fn with_api_key(mut self, key: impl Into<String>) -> Self {
        self.api_key = Some(SecretString::from(key.into()));
        self
    }

    pub fn with_base_url(mut self, base_url: impl Into<String>) -> Self {
        self.base_url = base_url.into();
        self
    }

    pub fn with_structured(mut self, mode: StructuredMode) -> Self {
        self.structured = mode;
        self
    }

    pub fn with_retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }
}

impl fmt::Debug for ProviderConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProviderConfig")
            .field("kind", &self.kind)
            .field("base_url", &crate::url::redact_url(&self.base_url))
            .field("model", &self.model)
            .field("api_key", &self.api_key.as_ref().map(|_| "[REDACTED]"))
            .field("structured", &self.structured)
            .field("token_param", &self.token_param)
            .field("max_tokens", &self.max_tokens)
            .field("temperature", &self.temperature)
            .field("timeout", &self.timeout)
            .field("deadline", &self.deadline)
            .field("retry", &self.retry)
            .field("http_version", &self.http_version)
            .finish()
    }
}

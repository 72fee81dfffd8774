//! Reading the LLM provider's settings (`AI_*`, `GOOGLE_*`) from the environment into an [`llm::ProviderConfig`].

use std::{fmt::Display, str::FromStr};

use llm::{HttpVersion, ProviderConfig, RetryPolicy, StructuredMode, TokenParam};
use telemetry::{ConfigError, Seconds, env_opt};

const OPENAI_BASE_URL: &str = "https://api.openai.com/v1";
const GEMINI_DEFAULT_MODEL: &str = "gemini-2.5-flash";
const AZURE_DEFAULT_API_VERSION: &str = "2024-10-21";

fn wrong(variable: &str, message: impl Display) -> ConfigError {
    ConfigError {
        variable: variable.to_owned(),
        message: message.to_string(),
    }
}

/// `AI_STRUCTURED`.
struct Structured(StructuredMode);

impl FromStr for Structured {
    type Err = &'static str;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "json_schema" => Ok(Self(StructuredMode::JsonSchema)),
            "json_object" => Ok(Self(StructuredMode::JsonObject)),
            "prompt" | "prompt_only" => Ok(Self(StructuredMode::PromptOnly)),
            _ => Err("expected `json_schema`, `json_object` or `prompt`"),
        }
    }
}

/// `AI_TOKEN_PARAM`.
struct TokenField(TokenParam);

impl FromStr for TokenField {
    type Err = &'static str;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim() {
            "max_tokens" => Ok(Self(TokenParam::MaxTokens)),
            "max_completion_tokens" => Ok(Self(TokenParam::MaxCompletionTokens)),
            _ => Err("expected `max_tokens` or `max_completion_tokens`"),
        }
    }
}

/// `AI_HTTP_VERSION`.
struct HttpVersionSetting(HttpVersion);

impl FromStr for HttpVersionSetting {
    type Err = &'static str;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "auto" => Ok(Self(HttpVersion::Auto)),
            "1.1" | "http1" | "http/1.1" => Ok(Self(HttpVersion::Http1)),
            "2" | "http2" | "h2" | "h2c" => Ok(Self(HttpVersion::Http2)),
            _ => Err("expected `auto`, `1.1` or `2`"),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    OpenAi,
    Gemini,
    Azure,
}

/// An absolute http(s) URL, without a trailing slash.
fn base_url(variable: &str, raw: Option<String>) -> Result<Option<String>, ConfigError> {
    telemetry::http_url(variable, raw, "http://localhost:11434/v1")
}

fn required(variable: &str, value: Option<String>, why: &str) -> Result<String, ConfigError> {
    value.ok_or_else(|| wrong(variable, format!("must be set: {why}")))
}

/// The provider the environment describes; `None` when no LLM variable is set at all.
pub fn provider_config_from_env() -> Result<Option<ProviderConfig>, ConfigError> {
    let provider: Option<String> = env_opt("AI_PROVIDER")?;
    let base = base_url("AI_BASE_URL", env_opt("AI_BASE_URL")?)?;
    let model: Option<String> = env_opt("AI_MODEL")?;
    // Strings always parse, so a key never appears in a ConfigError message.
    let api_key: Option<String> = env_opt("AI_API_KEY")?;
    let google_key: Option<String> = env_opt("GOOGLE_API_KEY")?;
    let gemini_model: Option<String> = env_opt("GOOGLE_GEMINI_MODEL")?;

    let kind = match provider.as_deref().map(str::to_ascii_lowercase).as_deref() {
        Some("openai") => Kind::OpenAi,
        Some("gemini" | "google") => Kind::Gemini,
        Some("azure") => Kind::Azure,
        Some(other) => {
            return Err(wrong(
                "AI_PROVIDER",
                format!(
                    "unknown provider `{other}`; use `openai` (also vLLM, Ollama, LM Studio), `gemini` or `azure`"
                ),
            ));
        }
        None if google_key.is_some() || gemini_model.is_some() => Kind::Gemini,
        None if base.is_some() || model.is_some() || api_key.is_some() => Kind::OpenAi,
        None => return Ok(None),
    };

    let mut config = match kind {
        Kind::OpenAi => {
            let model = required(
                "AI_MODEL",
                model,
                "the model name the server knows, e.g. `Qwen/Qwen2.5-7B-Instruct` or `gpt-4o-mini`",
            )?;
            let base = base.unwrap_or_else(|| OPENAI_BASE_URL.to_owned());
            let official = base.starts_with(OPENAI_BASE_URL);
            if official && api_key.is_none() {
                return Err(wrong(
                    "AI_API_KEY",
                    "must be set for api.openai.com (or point AI_BASE_URL at your own server)",
                ));
            }
            let mut config = ProviderConfig::openai_compatible(base, model);
            // OpenAI proper deprecates `max_tokens`; vLLM, Ollama and LM Studio want it (Ollama drops the other).
            if official {
                config.token_param = TokenParam::MaxCompletionTokens;
            }
            config.api_key = api_key.map(Into::into);
            config
        }
        Kind::Gemini => {
            let key = required(
                "GOOGLE_API_KEY",
                google_key.or(api_key),
                "Gemini needs an API key (Google AI Studio)",
            )?;
            let model = gemini_model
                .or(model)
                .unwrap_or_else(|| GEMINI_DEFAULT_MODEL.to_owned());
            let mut config = ProviderConfig::gemini(model, key);
            if let Some(base) = base {
                config.base_url = base;
            }
            config
        }
        Kind::Azure => {
            let endpoint = required(
                "AI_BASE_URL",
                base,
                "the Azure OpenAI resource endpoint, e.g. https://myres.openai.azure.com",
            )?;
            let deployment = required(
                "AI_AZURE_DEPLOYMENT",
                env_opt("AI_AZURE_DEPLOYMENT")?.or(model),
                "the deployment name (or set AI_MODEL to it)",
            )?;
            let key = required("AI_API_KEY", api_key, "Azure OpenAI needs its `api-key`")?;
            let version: Option<String> = env_opt("AI_AZURE_API_VERSION")?;
            ProviderConfig::azure(
                endpoint,
                deployment,
                version.unwrap_or_else(|| AZURE_DEFAULT_API_VERSION.to_owned()),
                key,
            )
        }
    };
    apply_tuning(&mut config)?;
    Ok(Some(config))
}

/// The settings common to every provider.
fn apply_tuning(config: &mut ProviderConfig) -> Result<(), ConfigError> {
    if let Some(Structured(mode)) = env_opt("AI_STRUCTURED")? {
        config.structured = mode;
    }
    if let Some(HttpVersionSetting(version)) = env_opt("AI_HTTP_VERSION")? {
        config.http_version = version;
    }
    if let Some(TokenField(param)) = env_opt("AI_TOKEN_PARAM")? {
        config.token_param = param;
    }
    if let Some(max_tokens) = env_opt::<u32>("AI_MAX_TOKENS")? {
        if max_tokens == 0 {
            return Err(wrong("AI_MAX_TOKENS", "must be more than zero"));
        }
        config.max_tokens = max_tokens;
    }
    if let Some(temperature) = env_opt::<f32>("AI_TEMPERATURE")? {
        if !(0.0..=2.0).contains(&temperature) {
            return Err(wrong("AI_TEMPERATURE", "must be between 0 and 2"));
        }
        config.temperature = temperature;
    }
    if let Some(Seconds(timeout)) = env_opt("AI_TIMEOUT")? {
        config.timeout = timeout;
        // The overall deadline must leave room for at least one whole attempt.
        config.deadline = config.deadline.max(timeout * 2);
    }
    if let Some(Seconds(deadline)) = env_opt("AI_DEADLINE")? {
        // Shorter than one attempt's timeout, the deadline cuts every slow attempt short and AI_TIMEOUT never
        // applies: two settings that contradict each other, whichever was meant.
        if deadline < config.timeout {
            let timeout = if std::env::var_os("AI_TIMEOUT").is_some() {
                format!("AI_TIMEOUT ({:?})", config.timeout)
            } else {
                format!("AI_TIMEOUT ({:?}, its default)", config.timeout)
            };
            return Err(wrong(
                "AI_DEADLINE",
                format!(
                    "{deadline:?} is shorter than {timeout}, the limit of one attempt: raise AI_DEADLINE to at \
                     least AI_TIMEOUT (twice it leaves room for a retry) or lower AI_TIMEOUT"
                ),
            ));
        }
        config.deadline = deadline;
    }
    if let Some(retries) = env_opt::<u32>("AI_RETRIES")? {
        if retries > 10 {
            return Err(wrong("AI_RETRIES", "at most 10"));
        }
        config.retry = RetryPolicy {
            max_retries: retries,
            ..config.retry.clone()
        };
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_version_names() {
        let parse = |s: &str| s.parse::<HttpVersionSetting>().map(|v| v.0);
        assert_eq!(parse("auto"), Ok(HttpVersion::Auto));
        assert_eq!(parse(" HTTP/1.1 "), Ok(HttpVersion::Http1));
        assert_eq!(parse("1.1"), Ok(HttpVersion::Http1));
        assert_eq!(parse("2"), Ok(HttpVersion::Http2));
        assert_eq!(parse("h2c"), Ok(HttpVersion::Http2));
        assert!(parse("3").is_err());
        assert!(parse("").is_err());
    }

    #[test]
    fn base_url_must_be_absolute_http() {
        assert_eq!(
            base_url("AI_BASE_URL", Some("http://localhost:11434/v1/".into())).unwrap(),
            Some("http://localhost:11434/v1".into())
        );
        for bad in ["localhost:8000", "ftp://x/v1", "not a url"] {
            let error = base_url("AI_BASE_URL", Some(bad.into())).unwrap_err();
            assert_eq!(error.variable, "AI_BASE_URL", "{bad}");
        }
    }
}

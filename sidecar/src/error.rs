//! The sidecar's one error enum: every failure a handler can meet, mapped to a status, a stable code and the
//! one JSON error body (plus `Retry-After` for a provider's rate limit). Logged once, here, at the boundary.

use std::time::Duration;

use axum::{
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use contracts::{ApiError, SqlIssue};
use llm::LlmError;
use telemetry::ApiJson;

use crate::config::LLM_VARIABLES;

#[derive(Debug, thiserror::Error)]
pub enum SidecarError {
    /// No LLM is configured (a normal state: static validation still works).
    #[error("no LLM is configured")]
    NotConfigured,
    /// The request is well-formed JSON but unusable (422 `invalid_input`).
    #[error("{0}")]
    Invalid(String),
    /// Every answer the model gave was rejected (422 `codegen_failed`).
    #[error("the model gave no acceptable query in {attempts} answer(s)")]
    CodegenFailed {
        issues: Vec<SqlIssue>,
        sql: Option<String>,
        attempts: u32,
        /// The last answer was cut off at the output token limit: the message names that limit, not the repairs.
        cut_off: Option<CutOff>,
    },
    /// The LLM call failed.
    #[error(transparent)]
    Llm(#[from] LlmError),
    /// A bug on our side; details go to the log, never to the client.
    #[error("internal error: {0}")]
    Internal(String),
}

impl From<minijinja::Error> for SidecarError {
    fn from(error: minijinja::Error) -> Self {
        Self::Internal(format!("prompt template: {error}"))
    }
}

/// An answer cut off at the output token limit (`finish_reason: length`, `MAX_TOKENS`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CutOff {
    /// The limit in effect (`AI_MAX_TOKENS`, or the provider's default).
    pub max_tokens: u32,
    /// Nothing at all was written before the limit (a thinking model can spend all of it thinking).
    pub empty: bool,
}

/// A rendered error: status, body and, for rate limits, how long to wait.
pub struct Rendered {
    pub status: StatusCode,
    pub body: ApiError,
    pub retry_after: Option<Duration>,
}

impl SidecarError {
    /// Status, code and message; the body is completed with `trace_id`.
    pub fn render(&self, trace_id: &str) -> Rendered {
        let (status, code, message) = self.describe();
        let mut body = ApiError::new(code, message, trace_id);
        if let Self::CodegenFailed {
            issues,
            sql,
            attempts,
            ..
        } = self
        {
            body.error.issues = issues.clone();
            body.error.sql = sql.clone();
            body.error.attempts = Some(*attempts);
        }
        let retry_after = match self {
            // A daily quota comes back tomorrow (or with billing): the provider's "retry in 57 s" is about its
            // per-minute window, and passing it on would send the client back into the same refusal.
            Self::Llm(LlmError::RateLimited {
                daily_quota: true, ..
            }) => None,
            Self::Llm(error @ LlmError::RateLimited { .. }) => error.retry_after(),
            _ => None,
        };
        Rendered {
            status,
            body,
            retry_after,
        }
    }

    fn describe(&self) -> (StatusCode, &'static str, String) {
        match self {
            Self::NotConfigured => (
                StatusCode::SERVICE_UNAVAILABLE,
                "llm_not_configured",
                format!(
                    "no LLM is configured: set AI_PROVIDER (openai, gemini or azure) and the variables it needs \
                     ({}); see .env.example. Static validation (/ai/validate) works without one.",
                    LLM_VARIABLES.join(", ")
                ),
            ),
            Self::Invalid(message) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_input",
                message.clone(),
            ),
            Self::CodegenFailed {
                attempts, cut_off, ..
            } => (
                StatusCode::UNPROCESSABLE_ENTITY,
                "codegen_failed",
                codegen_failed_message(*attempts, *cut_off),
            ),
            Self::Llm(error) => describe_llm(error),
            Self::Internal(_) => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal_error",
                "internal error; the logs hold the details under this trace id".to_owned(),
            ),
        }
    }

    /// Logs the error once: server-side faults as errors, upstream trouble as warnings, the rest at info.
    pub fn log(&self, trace_id: &str) {
        match self {
            Self::Internal(detail) => tracing::error!(trace_id, error = %detail, "internal error"),
            Self::Llm(error) => tracing::warn!(trace_id, error = %error, "LLM call failed"),
            Self::CodegenFailed {
                attempts, issues, ..
            } => tracing::warn!(
                trace_id,
                attempts,
                rules = ?issues.iter().map(|i| i.rule.as_str()).collect::<Vec<_>>(),
                "code generation failed"
            ),
            other => tracing::info!(trace_id, error = %other, "request rejected"),
        }
    }
}

/// The message of `codegen_failed` after `attempts` answers, the last one `cut_off` at the output token limit or
/// not: the one place it is worded. The calculator says it again with the count of every round of an analysis
/// ([`recount_codegen_failed`]).
///
/// When the last answer hit the token limit, more repairs would hit it again, so the fix named is the limit's.
pub fn codegen_failed_message(attempts: u32, cut_off: Option<CutOff>) -> String {
    let Some(cut_off) = cut_off else {
        return format!(
            "the model gave no query that passes validation in {attempts} answer(s); `issues` lists what was \
             wrong with the last one (raise AI_MAX_REPAIRS, rephrase the question, or use a stronger model)"
        );
    };
    let how = if cut_off.empty {
        "before it had written anything (a thinking model can spend the whole limit thinking)"
    } else {
        "before it was complete"
    };
    format!(
        "the model gave no usable query in {attempts} answer(s): the last one was cut off at the output token \
         limit {how}; raise AI_MAX_TOKENS (now {})",
        cut_off.max_tokens
    )
}

/// The message of `codegen_failed` when the last answer hit the output token limit.
pub fn cut_off_message(attempts: u32, cut_off: CutOff) -> String {
    codegen_failed_message(attempts, Some(cut_off))
}

impl CutOff {
    /// The cut-off named by a `codegen_failed` message of `attempts` answers, as a caller received it (the error
    /// body has no field for it): the limit the message states, when the message is exactly the one
    /// [`codegen_failed_message`] words for that cut-off.
    pub fn named_in(message: &str, attempts: u32) -> Option<Self> {
        let max_tokens = message
            .strip_suffix(')')?
            .rsplit_once("(now ")?
            .1
            .parse()
            .ok()?;
        [true, false]
            .map(|empty| Self { max_tokens, empty })
            .into_iter()
            .find(|&cut_off| codegen_failed_message(attempts, Some(cut_off)) == message)
    }
}

/// A `codegen_failed` message of `counted` answers, counted again: the calculator states the answers of every
/// round of an analysis, and keeps what the sidecar said was wrong (the token limit, or the validator's issues).
/// The message is worded again from its data, the count and the cut-off; one that is not the sidecar's wording
/// becomes the validator's.
pub fn recount_codegen_failed(message: &str, counted: u32, total: u32) -> String {
    codegen_failed_message(total, CutOff::named_in(message, counted))
}

fn describe_llm(error: &LlmError) -> (StatusCode, &'static str, String) {
    let text = error.to_string();
    match error {
        LlmError::NotConfigured(_) => (StatusCode::SERVICE_UNAVAILABLE, "llm_not_configured", text),
        LlmError::RateLimited { .. } => (StatusCode::TOO_MANY_REQUESTS, "llm_rate_limited", text),
        LlmError::Unavailable { .. } => (StatusCode::SERVICE_UNAVAILABLE, "llm_unavailable", text),
        LlmError::Timeout { .. } => (StatusCode::GATEWAY_TIMEOUT, "llm_timeout", text),
        LlmError::Refusal(_) | LlmError::Blocked { .. } => (
            StatusCode::UNPROCESSABLE_ENTITY,
            "llm_refused",
            format!("{text}; rephrase the question"),
        ),
        LlmError::BadOutput(_) | LlmError::Truncated { .. } | LlmError::Empty { .. } => {
            (StatusCode::BAD_GATEWAY, "llm_bad_output", text)
        }
        LlmError::Unauthorized { .. } => (
            StatusCode::BAD_GATEWAY,
            "llm_error",
            format!("{text} (check AI_API_KEY / GOOGLE_API_KEY)"),
        ),
        LlmError::NotFound(_) => (
            StatusCode::BAD_GATEWAY,
            "llm_error",
            format!("{text} (check AI_MODEL / GOOGLE_GEMINI_MODEL and AI_BASE_URL)"),
        ),
        LlmError::BadRequest { .. } | LlmError::Http { .. } | LlmError::Stream(_) => {
            (StatusCode::BAD_GATEWAY, "llm_error", text)
        }
    }
}

/// `Retry-After` in whole seconds, rounded up (a hint of 0.2 s must not become "retry now").
pub fn retry_after_header(wait: Duration) -> HeaderValue {
    let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    HeaderValue::from(secs.max(1))
}

impl IntoResponse for SidecarError {
    fn into_response(self) -> Response {
        let trace_id = telemetry::current_trace_id().unwrap_or_default();
        self.log(&trace_id);
        let rendered = self.render(&trace_id);
        let mut response = (rendered.status, ApiJson(rendered.body)).into_response();
        if let Some(wait) = rendered.retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, retry_after_header(wait));
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_rounds_up() {
        assert_eq!(retry_after_header(Duration::from_millis(200)), "1");
        assert_eq!(retry_after_header(Duration::from_millis(57_200)), "58");
        assert_eq!(retry_after_header(Duration::from_secs(3)), "3");
    }

    #[test]
    fn codegen_failed_carries_issues_sql_and_attempts() {
        let error = SidecarError::CodegenFailed {
            issues: vec![SqlIssue {
                rule: "table_function".into(),
                message: "no".into(),
                location: None,
            }],
            sql: Some("SELECT 1".into()),
            attempts: 3,
            cut_off: None,
        };
        let rendered = error.render("t-1");
        assert_eq!(rendered.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(rendered.body.error.code, "codegen_failed");
        assert_eq!(rendered.body.error.attempts, Some(3));
        assert_eq!(rendered.body.error.issues.len(), 1);
        assert_eq!(rendered.body.error.trace_id, "t-1");
    }

    #[test]
    fn a_recount_changes_the_number_only() {
        let cut_offs = [
            None,
            Some(CutOff {
                max_tokens: 1024,
                empty: true,
            }),
            Some(CutOff {
                max_tokens: 8192,
                empty: false,
            }),
        ];
        for cut_off in cut_offs {
            let error = SidecarError::CodegenFailed {
                issues: Vec::new(),
                sql: None,
                attempts: 3,
                cut_off,
            };
            let said = error.render("t").body.error.message;
            assert_eq!(
                recount_codegen_failed(&said, 3, 5),
                codegen_failed_message(5, cut_off),
                "{said}"
            );
            assert_eq!(
                recount_codegen_failed(&said, 3, 5),
                said.replace("in 3 answer(s)", "in 5 answer(s)")
            );
        }
        // A count other than the one the message states is not read as that message.
        let said = cut_off_message(
            2,
            CutOff {
                max_tokens: 1024,
                empty: false,
            },
        );
        assert_eq!(
            recount_codegen_failed(&said, 3, 5),
            codegen_failed_message(5, None)
        );
    }

    #[test]
    fn a_daily_quota_has_no_retry_after() {
        let limited = |daily_quota| {
            SidecarError::Llm(LlmError::RateLimited {
                retry_after: Some(Duration::from_millis(57_200)),
                daily_quota,
                message: "quota".into(),
            })
            .render("t")
        };
        let daily = limited(true);
        assert_eq!(daily.status, StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(daily.retry_after, None);
        assert!(daily.body.error.message.contains("quota exhausted"));
        assert_eq!(
            limited(false).retry_after,
            Some(Duration::from_millis(57_200))
        );
    }

    #[test]
    fn a_blocked_prompt_is_a_refusal() {
        let rendered = SidecarError::Llm(LlmError::Blocked {
            reason: "content filter (HTTP 400): filtered".into(),
        })
        .render("t");
        assert_eq!(rendered.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(rendered.body.error.code, "llm_refused");
    }
}

//! The crate's error type, shaped so the sidecar can map each case to an HTTP status.

use std::time::Duration;

/// Everything that can go wrong talking to an LLM.
///
/// Messages never contain the API key: provider-supplied text is scrubbed of it before it
/// lands here (see `errbody::sanitize`).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum LlmError {
    /// Missing or invalid configuration (no key, bad URL, ...).
    #[error("LLM provider not configured: {0}")]
    NotConfigured(String),
    /// 401/403: bad or missing key, or no permission.
    #[error("LLM provider rejected the credentials (HTTP {status}): {message}")]
    Unauthorized { status: u16, message: String },
    /// 404: usually an unknown model name.
    #[error("LLM model or endpoint not found: {0}")]
    NotFound(String),
    /// 400/422: the provider rejected the request; `message` is the provider's explanation.
    #[error("LLM provider rejected the request (HTTP {status}): {message}")]
    BadRequest { status: u16, message: String },
    /// HTTP 429; `daily_quota` means the quota will not come back soon (a Gemini `PerDay` quota
    /// or OpenAI's `insufficient_quota`), so it is not retried. `retry_after` is the server's hint;
    /// when it gave none, the retries that ran out fill in the wait they would have made next (at
    /// least 1 s), so that a caller can still be told when to come back.
    #[error("LLM provider rate limit{}: {message}", if *.daily_quota { " (quota exhausted)" } else { "" })]
    RateLimited {
        retry_after: Option<Duration>,
        daily_quota: bool,
        message: String,
    },
    /// 409/500/502/503 (after retries), or (`status: None`) the server could not be reached at all or closed
    /// the connection before the answer was whole.
    #[error("LLM provider unavailable{}: {message}", fmt_status(.status))]
    Unavailable {
        status: Option<u16>,
        retry_after: Option<Duration>,
        message: String,
    },
    /// Any other unexpected HTTP status (e.g. 405, 413, 501).
    #[error("unexpected HTTP {status} from LLM provider: {message}")]
    Http { status: u16, message: String },
    /// A connect/read timeout of one attempt or an HTTP 408/504 (`deadline: false`, retryable), or
    /// the overall per-request deadline (`deadline: true`).
    #[error("LLM request timed out: {message}")]
    Timeout { deadline: bool, message: String },
    /// The answer hit the token limit (`finish_reason: length` / `MAX_TOKENS`).
    #[error("LLM output truncated at the token limit ({} chars received)", .partial.len())]
    Truncated { partial: String },
    /// The model declined to answer (`message.refusal`).
    #[error("LLM refused to answer: {0}")]
    Refusal(String),
    /// The provider's safety system blocked the prompt or the answer.
    #[error("LLM output blocked by provider: {reason}")]
    Blocked { reason: String },
    /// The model finished without writing anything (`content: ""`, only `tool_calls`, a blank
    /// text part): the model's fault, not the transport's, so worth an output-repair turn.
    #[error("the LLM answered nothing (finish reason: {})", .finish_reason.as_deref().unwrap_or("none"))]
    Empty { finish_reason: Option<String> },
    /// A 2xx response we cannot use (malformed JSON, no choices, no JSON/SQL in the text, ...).
    #[error("unusable LLM output: {0}")]
    BadOutput(String),
    /// An error reported inside an already-started stream (e.g. vLLM's in-band `error` chunk).
    #[error("LLM stream failed: {0}")]
    Stream(String),
}

fn fmt_status(status: &Option<u16>) -> String {
    status.map(|s| format!(" (HTTP {s})")).unwrap_or_default()
}

impl LlmError {
    /// Whether a transport retry may help (the retry loop uses exactly this).
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::RateLimited { daily_quota, .. } => !daily_quota,
            Self::Unavailable { .. } => true,
            Self::Timeout { deadline, .. } => !deadline,
            _ => false,
        }
    }

    /// How long the server asked us to wait before retrying, if it said.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Self::RateLimited { retry_after, .. } | Self::Unavailable { retry_after, .. } => {
                *retry_after
            }
            _ => None,
        }
    }

    /// The upstream HTTP status this error came from, if any.
    pub fn upstream_status(&self) -> Option<u16> {
        match self {
            Self::Unauthorized { status, .. }
            | Self::BadRequest { status, .. }
            | Self::Http { status, .. } => Some(*status),
            Self::Unavailable { status, .. } => *status,
            Self::NotFound(_) => Some(404),
            Self::RateLimited { .. } => Some(429),
            _ => None,
        }
    }

    /// Maps a reqwest failure (no HTTP status involved) to our taxonomy.
    ///
    /// The message reaches API clients, so it leaves out the server's URL that reqwest puts in it ("error
    /// sending request for url (http://10.0.0.7:8100/v1/chat/completions)"): an internal address is no
    /// business of theirs. The transport logs the URL with the failure.
    pub(crate) fn from_reqwest(err: &reqwest::Error) -> Self {
        let message = error_chain(err);
        let message = match err.url() {
            Some(url) => message.replace(&format!(" for url ({url})"), ""),
            None => message,
        };
        if err.is_timeout() {
            Self::Timeout {
                deadline: false,
                message,
            }
        } else if err.is_builder() {
            Self::NotConfigured(message)
        } else if err.is_decode() && !caused_by::<serde_json::Error>(err) {
            // reqwest names a body that could not be read whole (the server closed the connection after the
            // headers) a "decode" error: a transport failure, retried like a connection closed before any
            // response, not bad model output. Its text ("unexpected EOF during chunk size line") is hyper's and
            // says nothing to an API client, so it goes to the log and the error says what happened.
            tracing::warn!(error = %message, "the LLM response body broke off");
            Self::Unavailable {
                status: None,
                retry_after: None,
                message: broke_off(err).into(),
            }
        } else if err.is_decode() {
            Self::BadOutput(message)
        } else {
            // Connect refused, reset, DNS failure: all transient from our side.
            Self::Unavailable {
                status: None,
                retry_after: None,
                message,
            }
        }
    }
}

/// Whether `err` or one of its sources is an `E`.
fn caused_by<E: std::error::Error + 'static>(err: &(dyn std::error::Error + 'static)) -> bool {
    std::iter::successors(Some(err), |e| e.source()).any(|e| e.is::<E>())
}

/// What happened to a response body that broke off, in words: the connection closed (an end of file before the
/// body's length or last chunk, a reset), or the transfer failed otherwise (an HTTP/2 stream reset).
fn broke_off(err: &(dyn std::error::Error + 'static)) -> &'static str {
    use std::io::ErrorKind::{BrokenPipe, ConnectionAborted, ConnectionReset, UnexpectedEof};
    let closed = std::iter::successors(Some(err), |e| e.source()).any(|e| {
        e.downcast_ref::<std::io::Error>().is_some_and(|io| {
            matches!(
                io.kind(),
                UnexpectedEof | ConnectionReset | ConnectionAborted | BrokenPipe
            )
        })
    });
    if closed {
        "the LLM server closed the connection mid-answer"
    } else {
        "the LLM server's answer broke off mid-transfer"
    }
}

/// `Display` of an error plus its sources: reqwest's top-level message alone says little
/// ("error sending request"), the cause ("connection refused") is in the chain.
fn error_chain(err: &dyn std::error::Error) -> String {
    let mut out = err.to_string();
    let mut source = err.source();
    while let Some(s) = source {
        let s_text = s.to_string();
        if !out.contains(&s_text) {
            out.push_str(": ");
            out.push_str(&s_text);
        }
        source = s.source();
    }
    out
}

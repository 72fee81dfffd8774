//! Parsing of the many error-body shapes LLM servers return, and HTTP status → [`LlmError`].

use std::time::{Duration, SystemTime};

use reqwest::header::HeaderMap;
use serde_json::Value;

use crate::error::LlmError;

/// Longest provider message we keep: HTML error pages can be huge.
const MAX_MESSAGE_CHARS: usize = 600;

/// What we could learn from an error body.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ErrorBody {
    /// Human-readable summary (provider message, plus type/status and code when present).
    pub message: String,
    /// OpenAI `type` or Gemini `status` (e.g. `invalid_request_error`, `RESOURCE_EXHAUSTED`).
    pub kind: Option<String>,
    /// `code`, whether the server sent it as a string or an integer.
    pub code: Option<String>,
    /// Gemini `RetryInfo.retryDelay`.
    pub retry_delay: Option<Duration>,
    /// A quota that resets daily or needs billing (Gemini `QuotaFailure` quotaId with `PerDay`,
    /// OpenAI code `insufficient_quota`): retrying soon is pointless.
    pub quota_exhausted: bool,
}

/// Parses any error body: standard OpenAI, vLLM int codes, flat vLLM, `{"error":"..."}`,
/// Gemini (with `details`), a JSON array of those, FastAPI `detail`, or plain text/HTML.
pub fn parse_error_body(body: &str) -> ErrorBody {
    let trimmed = body.trim();
    match serde_json::from_str::<Value>(trimmed) {
        Ok(v) => from_json(&v).unwrap_or_else(|| ErrorBody {
            message: clip(trimmed),
            ..ErrorBody::default()
        }),
        Err(_) if trimmed.is_empty() => ErrorBody {
            message: "(empty body)".into(),
            ..ErrorBody::default()
        },
        Err(_) => ErrorBody {
            message: clip(&strip_tags(trimmed)),
            ..ErrorBody::default()
        },
    }
}

fn from_json(v: &Value) -> Option<ErrorBody> {
    match v {
        // Gemini's OpenAI-compatible endpoint wraps the error in an array.
        Value::Array(items) => items.iter().find_map(from_json),
        Value::Object(map) => match map.get("error") {
            Some(Value::Object(inner)) => Some(from_error_object(inner)),
            Some(Value::String(s)) => Some(ErrorBody {
                message: clip(s),
                ..ErrorBody::default()
            }),
            // Flat vLLM shape `{"object":"error","message":..,"code":400}` and anything with a
            // top-level message.
            _ if map.contains_key("message") => Some(from_error_object(map)),
            _ => map.get("detail").map(|d| ErrorBody {
                message: clip(&value_text(d)),
                ..ErrorBody::default()
            }),
        },
        Value::String(s) => Some(ErrorBody {
            message: clip(s),
            ..ErrorBody::default()
        }),
        _ => None,
    }
}

fn from_error_object(obj: &serde_json::Map<String, Value>) -> ErrorBody {
    let text = obj.get("message").map(value_text).unwrap_or_default();
    let kind = obj
        .get("type")
        .or_else(|| obj.get("status"))
        .and_then(Value::as_str)
        .filter(|k| *k != "error")
        .map(str::to_owned);
    let code = match obj.get("code") {
        Some(Value::String(s)) => Some(s.clone()),
        Some(Value::Number(n)) => Some(n.to_string()),
        _ => None,
    };
    let mut out = ErrorBody {
        kind,
        code,
        ..ErrorBody::default()
    };
    if let Some(Value::Array(details)) = obj.get("details") {
        for d in details {
            let ty = d.get("@type").and_then(Value::as_str).unwrap_or_default();
            if ty.ends_with("RetryInfo") {
                out.retry_delay = d
                    .get("retryDelay")
                    .and_then(Value::as_str)
                    .and_then(parse_proto_duration);
            } else if ty.ends_with("QuotaFailure") {
                let per_day = d
                    .get("violations")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter_map(|v| v.get("quotaId").and_then(Value::as_str))
                    .any(|id| id.contains("PerDay"));
                out.quota_exhausted |= per_day;
            }
        }
    }
    if out.code.as_deref() == Some("insufficient_quota") {
        out.quota_exhausted = true;
    }
    let mut message = if text.is_empty() {
        "(no message)".to_string()
    } else {
        text
    };
    let extras: Vec<String> = [
        out.kind.clone(),
        out.code.clone().map(|c| format!("code {c}")),
    ]
    .into_iter()
    .flatten()
    .collect();
    if !extras.is_empty() {
        message = format!("{message} [{}]", extras.join(", "));
    }
    out.message = clip(&message);
    out
}

fn value_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// Protobuf JSON duration: `"57.2s"`, `"1s"`, `"0.5s"`.
pub(crate) fn parse_proto_duration(s: &str) -> Option<Duration> {
    let secs: f64 = s.trim().strip_suffix('s')?.parse().ok()?;
    Duration::try_from_secs_f64(secs).ok()
}

/// The longest wait any of the server's hints asks for.
pub(crate) fn retry_hint(headers: &HeaderMap, body: &ErrorBody) -> Option<Duration> {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let ms = header("retry-after-ms")
        .and_then(|v| v.trim().parse::<f64>().ok())
        .and_then(|ms| Duration::try_from_secs_f64(ms / 1000.0).ok());
    let after = header("retry-after").and_then(parse_retry_after);
    [ms, after, body.retry_delay].into_iter().flatten().max()
}

/// `Retry-After`: delta-seconds (we also accept fractions) or an HTTP date.
fn parse_retry_after(v: &str) -> Option<Duration> {
    let v = v.trim();
    if let Ok(secs) = v.parse::<f64>() {
        return Duration::try_from_secs_f64(secs).ok();
    }
    let when = httpdate::parse_http_date(v).ok()?;
    Some(
        when.duration_since(SystemTime::now())
            .unwrap_or(Duration::ZERO),
    )
}

/// Builds the error for a non-2xx response.
pub(crate) fn error_from_status(
    status: u16,
    headers: &HeaderMap,
    body: &str,
    secret: Option<&str>,
) -> LlmError {
    let parsed = parse_error_body(body);
    let retry_after = retry_hint(headers, &parsed);
    let message = sanitize(&parsed.message, secret);
    match status {
        // Azure OpenAI's content filter refuses the prompt with a 400: a refusal, as OpenAI's `finish_reason:
        // content_filter` is, not a request the sidecar built wrong.
        400 | 422 if parsed.code.as_deref() == Some("content_filter") => LlmError::Blocked {
            reason: format!("content filter (HTTP {status}): {message}"),
        },
        400 | 422 => LlmError::BadRequest { status, message },
        401 | 403 => LlmError::Unauthorized { status, message },
        404 => LlmError::NotFound(message),
        // A gateway's timeout (504) is a timeout as the server's own (408) is: 504 `llm_timeout` to the client,
        // not `llm_unavailable`; both are retried.
        408 | 504 => LlmError::Timeout {
            deadline: false,
            message: format!("HTTP {status}: {message}"),
        },
        429 => LlmError::RateLimited {
            retry_after,
            daily_quota: parsed.quota_exhausted,
            message,
        },
        409 | 500 | 502 | 503 => LlmError::Unavailable {
            status: Some(status),
            retry_after,
            message,
        },
        _ => LlmError::Http { status, message },
    }
}

/// Removes the API key from provider text: some servers echo (parts of) the key back.
pub(crate) fn sanitize(text: &str, secret: Option<&str>) -> String {
    match secret {
        Some(k) if k.len() >= 4 => text.replace(k, "[REDACTED]"),
        _ => text.to_string(),
    }
}

pub(crate) fn clip(s: &str) -> String {
    let s = s.trim();
    match s.char_indices().nth(MAX_MESSAGE_CHARS) {
        Some((idx, _)) => format!("{}…", &s[..idx]),
        None => s.to_string(),
    }
}

/// Crude tag stripping so an nginx/Cloudflare HTML page becomes a readable one-liner.
fn strip_tags(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut in_tag = false;
    for c in s.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => {
                in_tag = false;
                out.push(' ');
            }
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_str(v).unwrap());
        }
        h
    }

    #[test]
    fn retry_hint_takes_the_largest() {
        let body = ErrorBody {
            retry_delay: Some(Duration::from_millis(1500)),
            ..ErrorBody::default()
        };
        let h = headers(&[("retry-after-ms", "250"), ("retry-after", "1")]);
        assert_eq!(retry_hint(&h, &body), Some(Duration::from_millis(1500)));
        let h = headers(&[("retry-after-ms", "2500.5")]);
        assert_eq!(
            retry_hint(&h, &ErrorBody::default()),
            Some(Duration::from_micros(2_500_500))
        );
        assert_eq!(retry_hint(&HeaderMap::new(), &ErrorBody::default()), None);
    }

    #[test]
    fn retry_after_http_date() {
        let when = SystemTime::now() + Duration::from_secs(30);
        let h = headers(&[("retry-after", &httpdate::fmt_http_date(when))]);
        let d = retry_hint(&h, &ErrorBody::default()).unwrap();
        assert!(
            d > Duration::from_secs(28) && d <= Duration::from_secs(30),
            "{d:?}"
        );
        // A date in the past means "now".
        let h = headers(&[("retry-after", "Wed, 21 Oct 2015 07:28:00 GMT")]);
        assert_eq!(retry_hint(&h, &ErrorBody::default()), Some(Duration::ZERO));
        let h = headers(&[("retry-after", "soon")]);
        assert_eq!(retry_hint(&h, &ErrorBody::default()), None);
    }

    #[test]
    fn proto_durations() {
        assert_eq!(
            parse_proto_duration("57.2s"),
            Some(Duration::from_millis(57_200))
        );
        assert_eq!(parse_proto_duration("3s"), Some(Duration::from_secs(3)));
        assert_eq!(parse_proto_duration("3"), None);
        assert_eq!(parse_proto_duration("-1s"), None);
    }

    #[test]
    fn status_mapping_and_sanitizing() {
        let e = error_from_status(
            422,
            &HeaderMap::new(),
            r#"{"detail":[{"msg":"field required"}]}"#,
            None,
        );
        assert!(
            matches!(e, LlmError::BadRequest { status: 422, ref message } if message.contains("field required"))
        );
        let e = error_from_status(502, &HeaderMap::new(), "bad gateway", None);
        assert!(e.is_retryable());
        let e = error_from_status(501, &HeaderMap::new(), "nope", None);
        assert!(!e.is_retryable() && e.upstream_status() == Some(501));
        assert!(error_from_status(408, &HeaderMap::new(), "", None).is_retryable());
        assert!(error_from_status(409, &HeaderMap::new(), "", None).is_retryable());
        let e = error_from_status(504, &HeaderMap::new(), "upstream request timeout", None);
        assert!(e.is_retryable());
        assert!(
            matches!(e, LlmError::Timeout { deadline: false, ref message } if message == "HTTP 504: upstream request timeout"),
            "{e:?}"
        );
        let e = error_from_status(
            401,
            &HeaderMap::new(),
            r#"{"error":"bad key sk-abcdef"}"#,
            Some("sk-abcdef"),
        );
        assert_eq!(
            e.to_string(),
            "LLM provider rejected the credentials (HTTP 401): bad key [REDACTED]"
        );
    }
}

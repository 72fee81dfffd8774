//! Endpoint URLs: joined onto a configured base without losing its query, and shown without secrets.

use reqwest::Url;

use crate::error::LlmError;

/// What stands in for a hidden part of a URL.
const HIDDEN: &str = "***";

/// A URL as it may be shown to a client or written to a log: without its userinfo (`admin:pw@`), query
/// string (`?key=...`, where API keys often ride) and fragment, each replaced by `***` so the reader knows
/// something was there. Text that is not a URL is not shown at all: it may be a secret pasted in the wrong
/// variable, or a URL whose credentials the parser could not tell apart.
pub fn redact_url(url: &str) -> String {
    let Ok(mut parsed) = Url::parse(url.trim()) else {
        return "(an invalid URL)".to_owned();
    };
    let had_userinfo = !parsed.username().is_empty() || parsed.password().is_some();
    let had_query = parsed.query().is_some() || parsed.fragment().is_some();
    // Neither fails on an http(s) URL; on another scheme the text is rebuilt below without them anyway.
    let _ = parsed.set_username("");
    let _ = parsed.set_password(None);
    parsed.set_query(None);
    parsed.set_fragment(None);
    let mut shown = parsed.to_string();
    // The parser adds a `/` to a bare host; the configured text had none, and messages quote it as written.
    if parsed.path() == "/" && !url.trim().ends_with('/') && !had_query {
        shown.pop();
    }
    if had_userinfo && let Some(at) = shown.find("://") {
        shown.insert_str(at + 3, &format!("{HIDDEN}@"));
    }
    if had_query {
        shown.push('?');
        shown.push_str(HIDDEN);
    }
    shown
}

/// `base` with `segments` appended to its path and `query` to its query string: `http://h/v1?key=X` and
/// `chat/completions` give `http://h/v1/chat/completions?key=X` (string concatenation put the path after the
/// query). A trailing `/` on the base adds no empty segment.
pub(crate) fn endpoint(
    base: &str,
    segments: &[&str],
    query: &[(&str, &str)],
) -> Result<Url, LlmError> {
    let mut url = Url::parse(base.trim())
        .map_err(|e| LlmError::NotConfigured(format!("invalid endpoint URL: {e}")))?;
    url.path_segments_mut()
        .map_err(|()| LlmError::NotConfigured("the base URL cannot take a path".into()))?
        .pop_if_empty()
        .extend(segments);
    if !query.is_empty() {
        url.query_pairs_mut().extend_pairs(query);
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redaction_hides_userinfo_and_query() {
        assert_eq!(
            redact_url("http://admin:pw@10.0.0.7:8001"),
            "http://***@10.0.0.7:8001"
        );
        assert_eq!(
            redact_url("https://h.example/v1?key=SECRET#frag"),
            "https://h.example/v1?***"
        );
        assert_eq!(redact_url("http://127.0.0.1:8001"), "http://127.0.0.1:8001");
        assert_eq!(redact_url("http://h/v1/"), "http://h/v1/");
        assert_eq!(redact_url("http://[::1]:8001"), "http://[::1]:8001");
        assert_eq!(redact_url("not a url sk-123"), "(an invalid URL)");
    }

    #[test]
    fn joining_keeps_the_query_after_the_path() {
        let url = endpoint("http://h/v1?key=X", &["chat", "completions"], &[]).unwrap();
        assert_eq!(url.as_str(), "http://h/v1/chat/completions?key=X");
        let url = endpoint("http://h/v1/", &["models"], &[]).unwrap();
        assert_eq!(url.as_str(), "http://h/v1/models");
        let url = endpoint(
            "https://r.openai.azure.com?x=1",
            &["openai", "models"],
            &[("api-version", "2024-10-21")],
        )
        .unwrap();
        assert_eq!(
            url.as_str(),
            "https://r.openai.azure.com/openai/models?x=1&api-version=2024-10-21"
        );
        let url = endpoint(
            "http://h/v1beta?key=K",
            &["models", "gemini-2.5-flash:streamGenerateContent"],
            &[("alt", "sse")],
        )
        .unwrap();
        assert_eq!(
            url.as_str(),
            "http://h/v1beta/models/gemini-2.5-flash:streamGenerateContent?key=K&alt=sse"
        );
    }
}

//! A wiremock matcher for the `X-Request-Id` the LLM clients send: `{base}-{attempt}` and a random nonce.

/// Matches an `X-Request-Id` of `{base}-{attempt}` (`prefix`) followed by the transport's random
/// 8-hex-digit nonce.
pub fn request_id(prefix: &str) -> RequestId {
    RequestId(prefix.to_owned())
}

pub struct RequestId(String);

impl wiremock::Match for RequestId {
    fn matches(&self, request: &wiremock::Request) -> bool {
        request
            .headers
            .get("x-request-id")
            .and_then(|v| v.to_str().ok())
            .and_then(|id| id.strip_prefix(self.0.as_str()))
            .and_then(|rest| rest.strip_prefix('-'))
            .is_some_and(|nonce| nonce.len() == 8 && nonce.bytes().all(|b| b.is_ascii_hexdigit()))
    }
}

//! A request body's `Content-Encoding`: neither service decompresses one, so a compressed body is refused
//! (415) rather than read as bytes of noise (an upload) or as malformed JSON.

use axum::http::{HeaderMap, header};

/// The body's `Content-Encoding` (`gzip`, `br`, ...), lowercased, unless it is absent or `identity`.
pub fn content_encoding(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(header::CONTENT_ENCODING)?;
    let coding = String::from_utf8_lossy(value.as_bytes())
        .trim()
        .to_ascii_lowercase();
    (!coding.is_empty() && coding != "identity").then_some(coding)
}

/// The 415 message for a body sent with `coding`, saying to send `what` (the CSV, the JSON) uncompressed.
pub fn encoded_body_message(coding: &str, what: &str) -> String {
    format!("cannot read a body with `Content-Encoding: {coding}`; send {what} uncompressed")
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    fn coding(value: &'static str) -> Option<String> {
        let mut headers = HeaderMap::new();
        headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static(value));
        content_encoding(&headers)
    }

    #[test]
    fn any_coding_but_identity_is_named() {
        assert_eq!(coding("GZip").as_deref(), Some("gzip"));
        assert_eq!(coding(" br ").as_deref(), Some("br"));
        assert_eq!(coding("identity"), None);
        assert_eq!(coding(""), None);
        assert_eq!(content_encoding(&HeaderMap::new()), None);
    }
}

//! Limits on a request's URI and headers, checked by the request layer so that a request over them gets the
//! one JSON error body (414 `uri_too_long`, 431 `headers_too_large`) with its trace id.
//!
//! hyper has limits of its own, met before any layer sees the request, and answers them with a bare status and
//! no body (414 past 65,534 bytes of URI; 431 past its read buffer, 408 KiB by default, or past 100 headers).
//! These limits sit below hyper's, so a request a little over them reaches the layer and is told which limit
//! it broke; only a request far over them (or with more than 100 headers) still gets hyper's bare answer.

use axum::http::{Request, StatusCode};

/// hyper's own URI limit (its `MAX_URI_LEN`): a longer URI never reaches a layer.
pub const HYPER_MAX_URI_BYTES: usize = 65_534;
/// hyper's default read buffer: a request line and headers longer than this together never reach a layer.
pub const HYPER_MAX_HEAD_BYTES: usize = 8192 + 4096 * 100;

/// The most a request's URI and headers may hold (`MAX_URI_BYTES`, `MAX_HEADER_BYTES` in the calculator).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HeadLimits {
    /// The URI's path and query (and authority, in absolute form), in bytes. Default 16 KiB.
    pub max_uri_bytes: usize,
    /// Every header line as sent (`name: value` and its line end), in bytes. Default 64 KiB.
    pub max_header_bytes: usize,
}

impl Default for HeadLimits {
    fn default() -> Self {
        Self {
            max_uri_bytes: 16 << 10,
            max_header_bytes: 64 << 10,
        }
    }
}

impl HeadLimits {
    /// Why these limits cannot be met before hyper's own, or `None` when they can.
    pub fn problem(&self) -> Option<String> {
        if self.max_uri_bytes >= HYPER_MAX_URI_BYTES {
            return Some(format!(
                "MAX_URI_BYTES must be below {HYPER_MAX_URI_BYTES} bytes, the HTTP server's own limit (a longer \
                 URI is refused with no error body)"
            ));
        }
        // Room for the request line and a header a little over the limit, so the layer still sees it.
        let head = self.max_uri_bytes + self.max_header_bytes + (8 << 10);
        (head > HYPER_MAX_HEAD_BYTES).then(|| {
            format!(
                "MAX_URI_BYTES and MAX_HEADER_BYTES together must stay below {} bytes, the HTTP server's \
                 read buffer (a longer request head is refused with no error body)",
                HYPER_MAX_HEAD_BYTES - (8 << 10)
            )
        })
    }

    /// The status, code and message for a request over these limits, or `None`.
    pub(crate) fn refuse<B>(
        &self,
        request: &Request<B>,
    ) -> Option<(StatusCode, &'static str, String)> {
        let uri = request.uri();
        let uri_bytes = uri.path_and_query().map_or(0, |pq| pq.as_str().len())
            + uri.authority().map_or(0, |a| a.as_str().len());
        if uri_bytes > self.max_uri_bytes {
            return Some((
                StatusCode::URI_TOO_LONG,
                "uri_too_long",
                format!(
                    "the request's URI is {uri_bytes} bytes, more than the {} this server accepts; send long \
                     values in the request body",
                    self.max_uri_bytes
                ),
            ));
        }
        let header_bytes: usize = request
            .headers()
            .iter()
            .map(|(name, value)| name.as_str().len() + value.len() + 4)
            .sum();
        (header_bytes > self.max_header_bytes).then(|| {
            (
                StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
                "headers_too_large",
                format!(
                    "the request's headers are {header_bytes} bytes, more than the {} this server accepts; send \
                     fewer or smaller headers (large cookies, most often)",
                    self.max_header_bytes
                ),
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_defaults_fit_under_hypers_limits_and_oversized_ones_are_named() {
        assert_eq!(HeadLimits::default().problem(), None);
        let uri = HeadLimits {
            max_uri_bytes: HYPER_MAX_URI_BYTES,
            ..HeadLimits::default()
        };
        assert!(uri.problem().unwrap().contains("MAX_URI_BYTES"));
        let headers = HeadLimits {
            max_header_bytes: 400 << 10,
            ..HeadLimits::default()
        };
        assert!(headers.problem().unwrap().contains("MAX_HEADER_BYTES"));
    }

    #[test]
    fn the_uri_and_the_headers_are_measured_as_sent() {
        let limits = HeadLimits {
            max_uri_bytes: 10,
            max_header_bytes: 20,
        };
        let at = |uri: &str| Request::get(uri).body(()).unwrap();
        assert!(limits.refuse(&at("/a?b=12345")).is_none());
        let (status, code, message) = limits.refuse(&at("/a?b=123456")).unwrap();
        assert_eq!((status.as_u16(), code), (414, "uri_too_long"));
        assert!(message.contains("11 bytes"), "{message}");
        // `x-a: 1234567890123` and its line end: 20 bytes.
        let mut request = at("/");
        request
            .headers_mut()
            .insert("x-a", "1234567890123".parse().unwrap());
        assert!(limits.refuse(&request).is_none());
        request.headers_mut().insert("x-b", "".parse().unwrap());
        let (status, code, _) = limits.refuse(&request).unwrap();
        assert_eq!((status.as_u16(), code), (431, "headers_too_large"));
    }
}

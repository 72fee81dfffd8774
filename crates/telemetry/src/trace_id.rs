//! The `X-Trace-Id` rules: accept a caller's id when it is well formed, otherwise generate a UUID; record it on
//! the request span, make it available to handlers and outgoing calls, and echo it on every response.

use crate::{
    HeadLimits,
    errors::method_not_allowed,
    scope::{CURRENT_REQUEST, RequestLayer},
};
use axum::{
    Router,
    body::Bytes,
    extract::FromRequestParts,
    http::{HeaderMap, HeaderName, HeaderValue, request::Parts},
};
use contracts::TRACE_ID_HEADER;

const MAX_TRACE_ID_LEN: usize = 128;

/// The `X-Trace-Id` header name, built once.
pub(crate) const TRACE_ID: HeaderName = HeaderName::from_static(TRACE_ID_HEADER);

/// Whether a caller-supplied trace id is acceptable: 1 to 128 characters of `[A-Za-z0-9._-]`.
pub fn is_valid_trace_id(value: &str) -> bool {
    is_valid_trace_id_bytes(value.as_bytes())
}

fn is_valid_trace_id_bytes(value: &[u8]) -> bool {
    !value.is_empty()
        && value.len() <= MAX_TRACE_ID_LEN
        && value
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

/// The trace id of the request being served, when called inside one (handlers, error rendering, clients).
pub fn current_trace_id() -> Option<String> {
    CURRENT_REQUEST
        .try_with(|context| context.trace_id.to_str().ok().map(str::to_owned))
        .ok()
        .flatten()
}

/// A fresh random (v4) UUID as a header value: formatted without `fmt`, in one allocation that clones share.
fn new_trace_id() -> HeaderValue {
    let mut text = [0u8; uuid::fmt::Hyphenated::LENGTH];
    uuid::Uuid::new_v4().hyphenated().encode_lower(&mut text);
    HeaderValue::from_maybe_shared(Bytes::from_owner(text))
        .expect("a hyphenated UUID is a valid header value")
}

/// The request's trace id: the caller's `X-Trace-Id` when well formed, otherwise a generated UUID.
///
/// A malformed header is replaced by the generated id, so nothing downstream can pick it up; an absent one is
/// left absent (handlers ask [`TraceId`] or [`current_trace_id`], which know the generated id).
pub(crate) fn accept_or_assign(headers: &mut HeaderMap) -> HeaderValue {
    match headers.get(&TRACE_ID) {
        // A copy, not a clone: a header value shares the connection's read buffer, and a clone held for the
        // whole request (the LLM call can take minutes) would pin that buffer (8 KiB or more) with it.
        Some(id) if is_valid_trace_id_bytes(id.as_bytes()) => {
            HeaderValue::from_bytes(id.as_bytes()).unwrap_or_else(|_| new_trace_id())
        }
        Some(_) => {
            let id = new_trace_id();
            headers.insert(TRACE_ID, id.clone());
            id
        }
        None => new_trace_id(),
    }
}

/// Wraps a router in the trace-id machinery: every request gets its trace id (validated or generated), a
/// `request{trace_id,method,path}` span at info that every log line of the request carries, the id in its error
/// bodies and on its response, and an access line (server errors at error, client errors at info, successes at
/// debug under target `access`: `RUST_LOG=info,access=debug` logs every request).
///
/// Apply it last, so it also covers the fallback (404), method-not-allowed (405) and body-limit (413) answers:
/// a 405 from a route added so far names the path and the method it does not accept.
pub fn instrument<S>(router: Router<S>) -> Router<S>
where
    S: Clone + Send + Sync + 'static,
{
    with_method_not_allowed(router).layer(RequestLayer::default())
}

/// `router` with the error body for a method one of its routes does not accept.
pub(crate) fn with_method_not_allowed<S>(router: Router<S>) -> Router<S>
where
    S: Clone + Send + Sync + 'static,
{
    router.method_not_allowed_fallback(method_not_allowed)
}

/// [`instrument`], with a limit of `max_body_bytes` on JSON bodies read by [`crate::ApiJson`] (413 beyond it).
///
/// The limit travels in the request's context rather than as axum's `DefaultBodyLimit`, which inserts into
/// every request's extensions (an allocated map) whether or not the handler reads a body. Extractors other
/// than `ApiJson` keep axum's own limits.
pub fn instrument_with_body_limit<S>(router: Router<S>, max_body_bytes: usize) -> Router<S>
where
    S: Clone + Send + Sync + 'static,
{
    with_method_not_allowed(router).layer(request_layer(max_body_bytes))
}

/// The request layer with a JSON body limit: per route here, around the whole router in [`crate::serve`].
pub(crate) fn request_layer(max_body_bytes: usize) -> RequestLayer {
    RequestLayer {
        body_limit: Some(max_body_bytes),
        head: HeadLimits::default(),
    }
}

/// [`instrument_with_body_limit`], with `head` as the limits on a request's URI and headers (414 and 431
/// with the JSON error body beyond them) instead of [`HeadLimits::default`].
pub fn instrument_with_limits<S>(
    router: Router<S>,
    max_body_bytes: usize,
    head: HeadLimits,
) -> Router<S>
where
    S: Clone + Send + Sync + 'static,
{
    with_method_not_allowed(router).layer(RequestLayer {
        body_limit: Some(max_body_bytes),
        head,
    })
}

/// Extracts the request's trace id in a handler (always present under [`instrument`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TraceId(pub String);

impl<S: Send + Sync> FromRequestParts<S> for TraceId {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let from_header = || {
            parts
                .headers
                .get(&TRACE_ID)
                .and_then(|value| value.to_str().ok())
                .map(str::to_owned)
        };
        Ok(TraceId(
            current_trace_id().or_else(from_header).unwrap_or_default(),
        ))
    }
}

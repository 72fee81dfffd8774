//! The `X-Trace-Id` layer: accept a caller's id when it is well formed, otherwise generate a UUID; record it on
//! the request span, make it available to handlers and outgoing calls, and echo it on every response.

use crate::{
    errors::ensure_error_body,
    scope::{CURRENT_REQUEST, RequestScopeLayer},
};
use axum::{
    Router,
    extract::FromRequestParts,
    http::{HeaderName, HeaderValue, request::Parts},
    response::Response,
};
use contracts::TRACE_ID_HEADER;
use tower::ServiceBuilder;
use tower_http::{
    request_id::{MakeRequestId, PropagateRequestIdLayer, RequestId, SetRequestIdLayer},
    trace::TraceLayer,
};

const MAX_TRACE_ID_LEN: usize = 128;

/// Whether a caller-supplied trace id is acceptable: 1 to 128 characters of `[A-Za-z0-9._-]`.
pub fn is_valid_trace_id(value: &str) -> bool {
    !value.is_empty()
        && value.len() <= MAX_TRACE_ID_LEN
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

/// The trace id of the request being served, when called inside one (handlers, error rendering, clients).
pub fn current_trace_id() -> Option<String> {
    CURRENT_REQUEST
        .try_with(|context| context.trace_id.clone())
        .ok()
}

#[derive(Clone, Copy, Default)]
struct MakeUuid;

impl MakeRequestId for MakeUuid {
    fn make_request_id<B>(&mut self, _request: &axum::http::Request<B>) -> Option<RequestId> {
        let id = uuid::Uuid::new_v4().to_string();
        HeaderValue::from_str(&id).ok().map(RequestId::new)
    }
}

/// Drops a malformed caller id before `SetRequestIdLayer` runs, so that layer replaces it with a fresh one.
fn reject_malformed_trace_id<B>(mut request: axum::http::Request<B>) -> axum::http::Request<B> {
    let malformed = request
        .headers()
        .get(TRACE_ID_HEADER)
        .is_some_and(|value| !value.to_str().is_ok_and(is_valid_trace_id));
    if malformed {
        request.headers_mut().remove(TRACE_ID_HEADER);
    }
    request
}

pub(crate) fn header_trace_id(headers: &axum::http::HeaderMap) -> Option<String> {
    headers
        .get(TRACE_ID_HEADER)
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned)
}

/// Wraps a router in the trace-id machinery (tower-http's request-id layers plus a request span).
///
/// Apply it last, so it also covers the fallback (404), method-not-allowed (405) and body-limit (413) answers.
/// Every log line written while serving the request carries its trace id (the log formatter reads it from the
/// task-local). The `request` span (trace id, method, path) is at debug level, and so is the access line of a
/// successful request (target `access`; client errors at info, server errors at error), so that logging at
/// info costs a busy service almost nothing; `RUST_LOG=info,access=debug` logs every request.
pub fn instrument<S>(router: Router<S>) -> Router<S>
where
    S: Clone + Send + Sync + 'static,
{
    let header = HeaderName::from_static(TRACE_ID_HEADER);
    router.layer(
        ServiceBuilder::new()
            .map_request(reject_malformed_trace_id)
            .layer(SetRequestIdLayer::new(header.clone(), MakeUuid))
            .layer(PropagateRequestIdLayer::new(header))
            // Outside the TraceLayer so that its access line is written with the trace id in scope.
            .layer(RequestScopeLayer)
            .layer(
                TraceLayer::new_for_http()
                    .make_span_with(|request: &axum::http::Request<_>| {
                        let trace_id = request
                            .headers()
                            .get(TRACE_ID_HEADER)
                            .and_then(|value| value.to_str().ok())
                            .unwrap_or_default();
                        tracing::debug_span!(
                            "request",
                            trace_id = %trace_id,
                            method = %request.method(),
                            path = %request.uri().path(),
                        )
                    })
                    .on_request(())
                    .on_response(log_access)
                    .on_failure(()),
            )
            .map_response(ensure_error_body),
    )
}

fn log_access(response: &Response, latency: std::time::Duration, _span: &tracing::Span) {
    let status = response.status().as_u16();
    let micros = latency.as_micros() as u64;
    if status >= 500 {
        tracing::error!(target: "access", status, latency_us = micros, "request failed");
    } else if status >= 400 {
        tracing::info!(target: "access", status, latency_us = micros, "request rejected");
    } else {
        tracing::debug!(target: "access", status, latency_us = micros, "request served");
    }
}

/// Extracts the request's trace id in a handler (always present under [`instrument`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TraceId(pub String);

impl<S: Send + Sync> FromRequestParts<S> for TraceId {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(TraceId(
            header_trace_id(&parts.headers)
                .or_else(current_trace_id)
                .unwrap_or_default(),
        ))
    }
}

//! The `X-Trace-Id` layer: accept a caller's id when it is well formed, otherwise generate a UUID; record it on
//! the request span, make it available to handlers and outgoing calls, and echo it on every response.

use axum::{
    Router,
    extract::{FromRequestParts, Request},
    http::{HeaderName, HeaderValue, request::Parts},
    middleware::{self, Next},
    response::Response,
};
use contracts::TRACE_ID_HEADER;
use tower::ServiceBuilder;
use tower_http::{
    request_id::{MakeRequestId, PropagateRequestIdLayer, RequestId, SetRequestIdLayer},
    trace::TraceLayer,
};
use tracing::Level;

use crate::errors;

const MAX_TRACE_ID_LEN: usize = 128;

tokio::task_local! {
    static CURRENT_TRACE_ID: String;
}

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
    CURRENT_TRACE_ID.try_with(Clone::clone).ok()
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
async fn reject_malformed_trace_id(mut request: Request, next: Next) -> Response {
    let malformed = request
        .headers()
        .get(TRACE_ID_HEADER)
        .is_some_and(|value| !value.to_str().is_ok_and(is_valid_trace_id));
    if malformed {
        request.headers_mut().remove(TRACE_ID_HEADER);
    }
    next.run(request).await
}

/// Runs the rest of the request with its trace id in scope, then gives bodiless error responses the error body.
async fn scope_trace_id(request: Request, next: Next) -> Response {
    let trace_id = header_trace_id(request.headers()).unwrap_or_default();
    let (method, uri) = (request.method().clone(), request.uri().clone());
    let response = CURRENT_TRACE_ID
        .scope(trace_id.clone(), next.run(request))
        .await;
    errors::ensure_error_body(response, &trace_id, &method, uri.path())
}

fn header_trace_id(headers: &axum::http::HeaderMap) -> Option<String> {
    headers
        .get(TRACE_ID_HEADER)
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned)
}

/// Wraps a router in the trace-id machinery (tower-http's request-id layers plus a request span).
///
/// Apply it last, so it also covers the fallback (404), method-not-allowed (405) and body-limit (413) answers.
pub fn instrument<S>(router: Router<S>) -> Router<S>
where
    S: Clone + Send + Sync + 'static,
{
    let header = HeaderName::from_static(TRACE_ID_HEADER);
    router.layer(
        ServiceBuilder::new()
            .layer(middleware::from_fn(reject_malformed_trace_id))
            .layer(SetRequestIdLayer::new(header.clone(), MakeUuid))
            .layer(PropagateRequestIdLayer::new(header))
            .layer(
                TraceLayer::new_for_http()
                    .make_span_with(|request: &axum::http::Request<_>| {
                        let trace_id = header_trace_id(request.headers()).unwrap_or_default();
                        tracing::info_span!(
                            "request",
                            trace_id = %trace_id,
                            method = %request.method(),
                            path = %request.uri().path(),
                        )
                    })
                    .on_request(())
                    .on_response(
                        tower_http::trace::DefaultOnResponse::new()
                            .level(Level::INFO)
                            .latency_unit(tower_http::LatencyUnit::Micros),
                    )
                    .on_failure(()),
            )
            .layer(middleware::from_fn(scope_trace_id)),
    )
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

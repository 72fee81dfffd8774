//! Rendering the one error body, and giving it to error responses that were produced without one
//! (a fallback, a nested service's 405, a layer's plain-text 413).

use axum::{
    http::{Method, StatusCode, Uri, header},
    response::{IntoResponse, Response},
};
use contracts::ApiError;

use crate::{ApiJson, trace_id::current_trace_id};

/// A stable snake_case code for a status, used when nothing more specific is known.
pub fn status_code_name(status: StatusCode) -> &'static str {
    match status.as_u16() {
        400 => "bad_request",
        401 => "unauthorized",
        403 => "forbidden",
        404 => "not_found",
        405 => "method_not_allowed",
        408 => "request_timeout",
        409 => "conflict",
        413 => "payload_too_large",
        414 => "uri_too_long",
        415 => "unsupported_media_type",
        421 => "misdirected_request",
        422 => "invalid_input",
        431 => "headers_too_large",
        429 => "too_many_requests",
        500 => "internal_error",
        502 => "bad_gateway",
        503 => "service_unavailable",
        504 => "gateway_timeout",
        s if s >= 500 => "internal_error",
        _ => "bad_request",
    }
}

/// The error response every handler and extractor answers with: status, `{"error":{code,message,trace_id}}`.
///
/// The trace id comes from the request being served (see [`crate::instrument`]).
pub fn error_response(status: StatusCode, code: &str, message: impl Into<String>) -> Response {
    let body = ApiError::new(code, message, current_trace_id().unwrap_or_default());
    (status, ApiJson(body)).into_response()
}

/// The router's answer to a method a route does not accept (axum adds the `Allow` header to it).
///
/// Installed as the router's method-not-allowed fallback rather than patched onto axum's empty 405 afterwards,
/// so the request layer need not keep a copy of every request's method and path for the rare request that
/// gets one.
pub(crate) async fn method_not_allowed(method: Method, uri: Uri) -> Response {
    let path = uri.path();
    error_response(
        StatusCode::METHOD_NOT_ALLOWED,
        status_code_name(StatusCode::METHOD_NOT_ALLOWED),
        format!("`{path}` does not accept {method}; the `Allow` header lists what it accepts"),
    )
}

fn default_message(status: StatusCode) -> String {
    match status {
        StatusCode::NOT_FOUND => "no such endpoint; see /docs for the API".to_owned(),
        StatusCode::METHOD_NOT_ALLOWED => {
            "this endpoint does not accept the request's method; the `Allow` header lists what it accepts"
                .to_owned()
        }
        StatusCode::PAYLOAD_TOO_LARGE => {
            "the request body is larger than this server accepts".to_owned()
        }
        StatusCode::REQUEST_TIMEOUT => "the request took too long to arrive".to_owned(),
        StatusCode::BAD_REQUEST => {
            "the request could not be read: its path, query string or a header is malformed".to_owned()
        }
        other => other
            .canonical_reason()
            .unwrap_or("request failed")
            .to_owned(),
    }
}

fn is_json(response: &Response) -> bool {
    response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("application/json"))
}

/// Replaces the body of an error response that is not already our JSON error body.
pub(crate) fn ensure_error_body(response: Response, trace_id: &str) -> Response {
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error()) || is_json(&response) {
        return response;
    }
    let message = default_message(status);
    let (mut parts, _) = response.into_parts();
    // The old body's type and length go; its other headers (`Allow`, `Retry-After`, …) and status stay.
    parts.headers.remove(header::CONTENT_TYPE);
    parts.headers.remove(header::CONTENT_LENGTH);
    let body = ApiError::new(status_code_name(status), message, trace_id);
    (parts, ApiJson(body)).into_response()
}

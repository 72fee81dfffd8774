//! `ApiJson` and `ApiQuery`: extractors whose rejections name the offending field and use the one error body;
//! `ApiJson` is also the JSON response both services answer with.

use axum::{
    body::{Body, Bytes},
    extract::{FromRequest, FromRequestParts, Request},
    http::{HeaderValue, StatusCode, header, request::Parts},
    response::{IntoResponse, Response},
};
use serde::{Serialize, de::DeserializeOwned};

use crate::{
    body_deadline::{BODY_TIMEOUT, BodyTimedOut, Deadline},
    content_encoding::{content_encoding, encoded_body_message},
    errors::error_response,
    json_errors, object_body,
    scope::current_body_limit,
};

/// Why a request could not be extracted; renders as the one error body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
}

impl Rejection {
    fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
        }
    }
}

impl IntoResponse for Rejection {
    fn into_response(self) -> Response {
        error_response(self.status, self.code, self.message)
    }
}

/// Describes a deserialisation error with the path of the field it happened at.
fn describe<E: std::fmt::Display>(error: &serde_path_to_error::Error<E>) -> String {
    let inner = error.inner().to_string();
    let inner = if inner.starts_with("number out of range") {
        inner.replacen(
            "number out of range",
            "number out of range (it overflows to infinity; send a finite number)",
            1,
        )
    } else {
        inner
    };
    let path = error.path().to_string();
    // `?` is serde_path_to_error's marker for "somewhere we could not name" (e.g. truncated input).
    if path == "." || path.is_empty() || path == "?" {
        inner
    } else {
        format!("field `{path}`: {inner}")
    }
}

/// A JSON body. Requires `Content-Type: application/json` and no `Content-Encoding` (415 otherwise); syntax errors are 400 `malformed_json`, shape
/// errors 422 `invalid_input` naming the field, an oversized body 413 `payload_too_large`.
///
/// As a response, the value as JSON with `Content-Type: application/json`.
#[derive(Debug, Clone, Copy, Default)]
pub struct ApiJson<T>(pub T);

/// Like axum's `Json` as a response, with less work on a small answer: serialised straight into the body's
/// buffer, and given its content type once (axum's goes through a byte-body response that first gets
/// `application/octet-stream`, then has it replaced).
impl<T: Serialize> IntoResponse for ApiJson<T> {
    fn into_response(self) -> Response {
        match serde_json::to_vec(&self.0) {
            Ok(body) => {
                let mut response = Response::new(Body::from(body));
                response.headers_mut().insert(
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("application/json"),
                );
                response
            }
            Err(error) => {
                // The request layer gives a bare error status the error body (with the trace id); rendering
                // it here would go through this very function again.
                tracing::error!(%error, "a response could not be serialised as JSON");
                StatusCode::INTERNAL_SERVER_ERROR.into_response()
            }
        }
    }
}

fn is_json_content_type(parts: &axum::http::HeaderMap) -> bool {
    parts
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.as_bytes().split(|&b| b == b';').next())
        .map(|mime| {
            // Compared as bytes, without lowercasing a copy: this runs on every JSON request.
            let mime = mime.trim_ascii();
            let has = |range: std::ops::Range<usize>, text: &str| {
                mime.get(range)
                    .is_some_and(|part| part.eq_ignore_ascii_case(text.as_bytes()))
            };
            mime.eq_ignore_ascii_case(b"application/json")
                || (mime.len() > "application/+json".len()
                    && has(0.."application/".len(), "application/")
                    && has(mime.len() - "+json".len()..mime.len(), "+json"))
        })
        .unwrap_or(false)
}

/// A 413 naming the limit when it is known (the request layer's `MAX_BODY_BYTES`). Without one, axum's own
/// limit applied, which no setting changes: the message names none.
fn too_large(limit: Option<usize>) -> Rejection {
    let message = match limit {
        Some(limit) if limit >= 1 << 20 && limit % (1 << 20) == 0 => format!(
            "the request body is larger than the {} MiB this server accepts (MAX_BODY_BYTES)",
            limit >> 20
        ),
        Some(limit) => format!(
            "the request body is larger than the {limit} bytes this server accepts (MAX_BODY_BYTES)"
        ),
        None => "the request body is larger than this server accepts".to_owned(),
    };
    Rejection::new(StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large", message)
}

/// A 408: the JSON body went [`BODY_TIMEOUT`] without sending anything.
fn body_timed_out() -> Rejection {
    Rejection::new(
        StatusCode::REQUEST_TIMEOUT,
        "request_timeout",
        format!(
            "the request body sent nothing for {} seconds; send it whole, without pauses",
            BODY_TIMEOUT.as_secs()
        ),
    )
}

/// Where a JSON body is read from: the request's body up to the limit the request layer carries
/// (`MAX_BODY_BYTES`), or axum's `Bytes` extractor with the route's own limit when the layer has none.
///
/// Chosen before the first `.await`, so that the extractor's future holds the body and not the whole request:
/// axum boxes each handler's future, and every `Request` it keeps is ~240 bytes more per request to allocate.
enum BodySource<'a> {
    Limited(axum::body::Body, usize),
    Unlimited(BoxedBytes<'a>),
}

type BoxedBytes<'a> = std::pin::Pin<
    Box<
        dyn std::future::Future<Output = Result<Bytes, axum::extract::rejection::BytesRejection>>
            + Send
            + 'a,
    >,
>;

impl<'a> BodySource<'a> {
    fn of<S: Send + Sync>(request: Request, state: &'a S) -> Self {
        match current_body_limit() {
            Some(limit) => Self::Limited(request.into_body(), limit),
            // Rare (a router without the request layer): boxed, so it does not size the common case's future.
            None => {
                let request = request.map(|body| Body::new(Deadline::new(body)));
                Self::Unlimited(Box::pin(Bytes::from_request(request, state)))
            }
        }
    }

    async fn read(self) -> Result<Bytes, Rejection> {
        match self {
            Self::Limited(body, limit) => {
                // Collected through the deadline and the limit directly: boxing the body again
                // (`Body::new`) would cost an allocation on every JSON request.
                let limited = http_body_util::Limited::new(Deadline::new(body), limit);
                let collected = http_body_util::BodyExt::collect(limited).await;
                collected.map(|c| c.to_bytes()).map_err(|error| {
                    let mut chain = std::iter::successors(
                        Some(error.as_ref() as &(dyn std::error::Error + 'static)),
                        |e| e.source(),
                    );
                    if error.is::<http_body_util::LengthLimitError>() {
                        too_large(Some(limit))
                    } else if chain.any(|e| e.is::<BodyTimedOut>()) {
                        body_timed_out()
                    } else {
                        Rejection::new(
                            StatusCode::BAD_REQUEST,
                            "bad_request",
                            format!("the request body could not be read: {error}"),
                        )
                    }
                })
            }
            Self::Unlimited(bytes) => bytes.await.map_err(|rejection| {
                if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                    too_large(None)
                } else if rejection.body_text().contains(&BodyTimedOut.to_string()) {
                    body_timed_out()
                } else {
                    Rejection::new(
                        StatusCode::BAD_REQUEST,
                        "bad_request",
                        rejection.body_text(),
                    )
                }
            }),
        }
    }
}

/// Parses a JSON body: a syntax error is 400 `malformed_json`, a value of the wrong shape 422 `invalid_input`
/// naming the field, and for a struct any top-level value but an object (an array was read as its fields in
/// order) 422 `invalid_input` naming the fields.
fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, Rejection> {
    // A UTF-8 byte-order mark is no part of the JSON; RFC 8259 lets a parser ignore it, and Windows tools
    // write one.
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if let Some(message) = object_body::not_an_object::<T>(bytes) {
        return Err(Rejection::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_input",
            message,
        ));
    }
    // The common case, a well-formed body, parses without tracking the path; only a body that fails is
    // parsed again with serde_path_to_error to name the field (same input, same error).
    if let Ok(value) = serde_json::from_slice(bytes) {
        return Ok(value);
    }
    if let Some(message) = json_errors::utf16_body(bytes) {
        return Err(Rejection::new(
            StatusCode::BAD_REQUEST,
            "malformed_json",
            message,
        ));
    }
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let value: T = serde_path_to_error::deserialize(&mut deserializer).map_err(|error| {
        let invalid =
            |message| Rejection::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_input", message);
        if error.inner().classify() == serde_json::error::Category::Data {
            return invalid(describe(&error));
        }
        // serde_json reports a number overflowing f64 (`1e309`) as a syntax error, but the JSON is
        // well formed: it is a bad value, so it is a 422 like any other.
        if error.inner().to_string().starts_with("number out of range") {
            return invalid(describe(&error));
        }
        // So is an enum field holding a value of the wrong type (`"op": null`).
        if let Some(message) = json_errors::wrong_enum_value::<T>(bytes, &error) {
            return invalid(message);
        }
        Rejection::new(StatusCode::BAD_REQUEST, "malformed_json", describe(&error))
    })?;
    deserializer.end().map_err(|error| {
        Rejection::new(
            StatusCode::BAD_REQUEST,
            "malformed_json",
            format!("trailing characters after the JSON value: {error}"),
        )
    })?;
    Ok(value)
}

impl<T, S> FromRequest<S> for ApiJson<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = Rejection;

    // A plain function returning a future, not an `async fn`: an `async fn` keeps its `request` argument in
    // its future even after handing it on (see `BodySource`).
    fn from_request(
        request: Request,
        state: &S,
    ) -> impl std::future::Future<Output = Result<Self, Self::Rejection>> + Send {
        let source = if !is_json_content_type(request.headers()) {
            Err(Rejection::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "expected a JSON body with `Content-Type: application/json`",
            ))
        } else if let Some(coding) = content_encoding(request.headers()) {
            // Nothing here decompresses: a compressed body was read as malformed JSON, or as JSON when the
            // header was wrong.
            Err(Rejection::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                encoded_body_message(&coding, "the JSON"),
            ))
        } else {
            Ok(BodySource::of(request, state))
        };
        async move {
            let bytes = source?.read().await?;
            parse_json(&bytes).map(ApiJson)
        }
    }
}

/// Query-string parameters; errors are 422 `invalid_input` naming the parameter.
#[derive(Debug, Clone, Copy, Default)]
pub struct ApiQuery<T>(pub T);

impl<T, S> FromRequestParts<S> for ApiQuery<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = Rejection;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let query = parts.uri.query().unwrap_or_default();
        let deserializer =
            serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
        serde_path_to_error::deserialize(deserializer)
            .map(ApiQuery)
            .map_err(|error| {
                Rejection::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "invalid_input",
                    format!("query string: {}", describe(&error)),
                )
            })
    }
}

#[cfg(test)]
mod tests {
    use axum::http::{HeaderMap, HeaderValue, header};

    use super::is_json_content_type;

    /// axum boxes every handler's future, and the extractor's future is part of it: one that kept the request
    /// (an `async fn` does, ~240 bytes) made the calculator's `/add` future 1,664 bytes, past the 1,032 bytes
    /// glibc's per-thread cache serves quickly (`bench/layer_cost.sh`: ~860 instructions more per request).
    #[test]
    fn the_extractors_future_does_not_keep_the_request() {
        use axum::extract::{FromRequest, Request};
        let request = || Request::new(axum::body::Body::empty());
        let future = super::ApiJson::<serde_json::Value>::from_request(request(), &());
        let size = std::mem::size_of_val(&future);
        // 344 bytes in a debug build (less in release); one more request kept would add ~240.
        assert!(size <= 400, "the JSON extractor's future is {size} bytes");
    }

    #[test]
    fn a_too_large_body_is_told_the_limit() {
        let message = |limit| super::too_large(limit).message;
        assert!(message(Some(32 << 20)).contains("the 32 MiB this server accepts"));
        assert!(message(Some((1 << 20) + 1)).contains("the 1048577 bytes this server accepts"));
        assert!(message(Some(64)).contains("the 64 bytes this server accepts"));
        assert!(!message(None).contains("MAX_BODY_BYTES"));
    }

    fn with(content_type: &'static str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
        headers
    }

    #[test]
    fn json_media_types_are_recognised_in_any_case_with_parameters() {
        for accepted in [
            "application/json",
            "Application/JSON",
            "application/json; charset=utf-8",
            " application/json ;charset=utf-8",
            "application/problem+json",
            "application/VND.api+JSON",
        ] {
            assert!(is_json_content_type(&with(accepted)), "{accepted}");
        }
        for refused in [
            "text/json",
            "application/jsonx",
            "application/+json",
            "text/plain",
            "application/x-www-form-urlencoded",
            "",
        ] {
            assert!(!is_json_content_type(&with(refused)), "{refused}");
        }
        assert!(!is_json_content_type(&HeaderMap::new()));
    }
}

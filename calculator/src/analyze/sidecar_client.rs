//! The calculator's client for the sidecar's AI API: base URL, bearer token, timeouts, and the trace id sent
//! along on every call.

use std::time::Duration;

use axum::http::StatusCode;
use contracts::{
    ApiError, CodegenRequest, CodegenResponse, RepairNotice, TokenDelta, ValidateRequest,
    ValidateResponse,
};
use eventsource_stream::Eventsource;
use futures::{Stream, StreamExt};
use secrecy::{ExposeSecret, SecretString};
use serde::{Serialize, de::DeserializeOwned};

/// Longest wait for the sidecar's `/healthz` (less when `SIDECAR_TIMEOUT` is shorter).
const HEALTH_TIMEOUT: Duration = Duration::from_secs(2);

/// How a call to the sidecar failed.
#[derive(Debug, thiserror::Error)]
pub enum SidecarError {
    /// Nothing answered at the sidecar's address.
    #[error("the AI sidecar at {url} cannot be reached ({reason})")]
    Unreachable { url: String, reason: String },
    /// The sidecar refused the calculator's bearer token: an operator's misconfiguration, not the client's.
    #[error(
        "the AI sidecar refused the calculator's credentials (HTTP {}): the calculator's SIDECAR_TOKEN does not \
         match the sidecar's; set the same SIDECAR_TOKEN for both",
        .0.as_u16()
    )]
    Unauthorized(StatusCode),
    /// The sidecar did not answer in time.
    #[error("the AI sidecar did not answer within {0:?}")]
    Timeout(Duration),
    /// The sidecar answered with its error body; passed on as it is (`llm_not_configured`, `codegen_failed`, ...).
    #[error("{}", .body.error.message)]
    Upstream {
        status: StatusCode,
        body: Box<ApiError>,
        retry_after: Option<String>,
    },
    /// The sidecar answered something that is not its API (a different service on that port?).
    #[error("the AI sidecar answered something unexpected ({0})")]
    BadResponse(String),
}

/// One item of the sidecar's codegen stream.
#[derive(Debug, Clone, PartialEq)]
pub enum CodegenEvent {
    Delta(TokenDelta),
    Repair(RepairNotice),
    Result(Box<CodegenResponse>),
}

/// The sidecar's verdict, and why the review it was asked for is missing (from `X-Review-Error`).
#[derive(Debug, Clone, PartialEq)]
pub struct Verdict {
    pub response: ValidateResponse,
    /// The sidecar's error code for the failed review (`llm_unavailable`, `llm_timeout`, ...).
    pub review_error: Option<String>,
}

impl Verdict {
    /// What the response and the audit record say about a review that was asked for and failed.
    pub fn review_note(&self) -> Option<String> {
        self.review_error.as_deref().map(review_failure)
    }
}

/// The note for a review the sidecar could not obtain, from its error code: what happened, without the
/// provider's own message (that is in the sidecar's log under the trace id).
fn review_failure(code: &str) -> String {
    let why = match code {
        "llm_unavailable" => "the LLM was unavailable",
        "llm_timeout" => "the LLM did not answer in time",
        "llm_rate_limited" => "the LLM's rate limit or quota was reached",
        "llm_refused" => "the LLM refused to review the query",
        "llm_bad_output" => "the LLM's answer could not be read",
        "llm_not_configured" => "no LLM is configured",
        _ => "the LLM call failed",
    };
    let code: String = code
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
        .take(64)
        .collect();
    format!(
        "the LLM review could not be obtained: {why} ({code}); the query was validated without it"
    )
}

/// A small typed client over reqwest; cheap to clone.
#[derive(Clone)]
pub struct SidecarClient {
    base_url: String,
    /// `base_url` as messages and logs show it: without userinfo or query (see `llm::redact_url`).
    shown_url: String,
    token: Option<SecretString>,
    http: reqwest::Client,
    timeout: Duration,
}

impl std::fmt::Debug for SidecarClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SidecarClient")
            .field("base_url", &self.shown_url)
            .field("token", &self.token.as_ref().map(|_| "[REDACTED]"))
            .field("timeout", &self.timeout)
            .finish()
    }
}

impl SidecarClient {
    /// `timeout` bounds a whole call (several LLM round trips and repairs); for streams it bounds the silence
    /// between two events.
    pub fn new(
        base_url: impl Into<String>,
        token: Option<SecretString>,
        connect_timeout: Duration,
        timeout: Duration,
    ) -> reqwest::Result<Self> {
        let http = reqwest::Client::builder()
            .connect_timeout(connect_timeout)
            .tcp_nodelay(true)
            .build()?;
        let base_url = base_url.into().trim_end_matches('/').to_owned();
        Ok(Self {
            shown_url: llm::redact_url(&base_url),
            base_url,
            token,
            http,
            timeout,
        })
    }

    /// The base URL as it may be shown: credentials and query replaced by `***`.
    pub fn shown_url(&self) -> &str {
        &self.shown_url
    }

    /// Whether calls carry a bearer token (`SIDECAR_TOKEN`).
    pub fn has_token(&self) -> bool {
        self.token.is_some()
    }

    fn request(
        &self,
        method: reqwest::Method,
        path: &str,
        trace_id: &str,
    ) -> reqwest::RequestBuilder {
        let mut builder = self
            .http
            .request(method, format!("{}{path}", self.base_url))
            .headers(telemetry::trace_headers(trace_id));
        if let Some(token) = &self.token {
            builder = builder.bearer_auth(token.expose_secret());
        }
        builder
    }

    /// Classifies a failed call; `waited` is the time limit the call had, named in a timeout's message.
    fn transport_error(&self, error: &reqwest::Error, waited: Duration) -> SidecarError {
        if error.is_timeout() {
            SidecarError::Timeout(waited)
        } else if error.is_connect() || error.is_request() {
            SidecarError::Unreachable {
                url: self.shown_url.clone(),
                reason: root_cause(error),
            }
        } else {
            SidecarError::BadResponse(root_cause(error))
        }
    }

    async fn post_json<B: Serialize, T: DeserializeOwned>(
        &self,
        path: &str,
        trace_id: &str,
        body: &B,
    ) -> Result<T, SidecarError> {
        Ok(self.post_json_with_headers(path, trace_id, body).await?.0)
    }

    /// [`Self::post_json`], with the response's headers.
    async fn post_json_with_headers<B: Serialize, T: DeserializeOwned>(
        &self,
        path: &str,
        trace_id: &str,
        body: &B,
    ) -> Result<(T, reqwest::header::HeaderMap), SidecarError> {
        let response = self
            .request(reqwest::Method::POST, path, trace_id)
            .timeout(self.timeout)
            .json(body)
            .send()
            .await
            .map_err(|e| self.transport_error(&e, self.timeout))?;
        let response = check_status(response).await?;
        let headers = response.headers().clone();
        let bytes = response
            .bytes()
            .await
            .map_err(|e| self.transport_error(&e, self.timeout))?;
        let value =
            serde_json::from_slice(&bytes).map_err(|e| SidecarError::BadResponse(e.to_string()))?;
        Ok((value, headers))
    }

    /// `POST /ai/codegen`: SQL that passed the sidecar's validator.
    pub async fn codegen(
        &self,
        trace_id: &str,
        request: &CodegenRequest,
    ) -> Result<CodegenResponse, SidecarError> {
        self.post_json("/ai/codegen", trace_id, request).await
    }

    /// `POST /ai/validate`: the static verdict, and the LLM review when the sidecar has it on (or the code of
    /// the error that cost it, which the sidecar sends in `X-Review-Error` beside the static verdict).
    pub async fn validate(
        &self,
        trace_id: &str,
        request: &ValidateRequest,
    ) -> Result<Verdict, SidecarError> {
        let (response, headers) = self
            .post_json_with_headers("/ai/validate", trace_id, request)
            .await?;
        let review_error = headers
            .get(sidecar::REVIEW_ERROR_HEADER)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        Ok(Verdict {
            response,
            review_error,
        })
    }

    /// `GET /healthz` of the sidecar, as JSON (it reports the configured LLM).
    pub async fn health(&self, trace_id: &str) -> Result<serde_json::Value, SidecarError> {
        // A readiness probe must answer quickly whatever SIDECAR_TIMEOUT allows an analysis.
        let limit = HEALTH_TIMEOUT.min(self.timeout);
        let response = self
            .request(reqwest::Method::GET, "/healthz", trace_id)
            .timeout(limit)
            .send()
            .await
            .map_err(|e| self.transport_error(&e, limit))?;
        let response = check_status(response).await?;
        response
            .json()
            .await
            .map_err(|e| SidecarError::BadResponse(e.to_string()))
    }

    /// `POST /ai/codegen/stream`: token deltas and repairs as they happen, then the result (or an error item,
    /// after which the stream ends).
    pub async fn codegen_stream(
        &self,
        trace_id: &str,
        request: &CodegenRequest,
    ) -> Result<impl Stream<Item = Result<CodegenEvent, SidecarError>> + Send + use<>, SidecarError>
    {
        // reqwest's own timeout would bound the whole stream, however lively; the wait for the response (its
        // headers, or an error body) is bounded here, and each silence between events below.
        let answer = async {
            let response = self
                .request(reqwest::Method::POST, "/ai/codegen/stream", trace_id)
                .header(reqwest::header::ACCEPT, "text/event-stream")
                .json(request)
                .send()
                .await
                .map_err(|e| self.transport_error(&e, self.timeout))?;
            check_status(response).await
        };
        let response = tokio::time::timeout(self.timeout, answer)
            .await
            .map_err(|_| SidecarError::Timeout(self.timeout))??;
        let (timeout, client) = (self.timeout, self.clone());
        let mut events = response.bytes_stream().eventsource();
        Ok(async_stream::stream! {
            loop {
                let next = match tokio::time::timeout(timeout, events.next()).await {
                    Ok(next) => next,
                    Err(_) => {
                        yield Err(SidecarError::Timeout(timeout));
                        break;
                    }
                };
                let event = match next {
                    None => {
                        yield Err(SidecarError::BadResponse("the stream ended without a result".into()));
                        break;
                    }
                    Some(Err(eventsource_stream::EventStreamError::Transport(e))) => {
                        yield Err(client.transport_error(&e, timeout));
                        break;
                    }
                    Some(Err(e)) => {
                        yield Err(SidecarError::BadResponse(format!("invalid event stream: {e}")));
                        break;
                    }
                    Some(Ok(event)) => event,
                };
                match decode_event(&event.event, &event.data) {
                    Ok(Some(item @ CodegenEvent::Result(_))) => {
                        yield Ok(item);
                        break;
                    }
                    Ok(Some(item)) => yield Ok(item),
                    Ok(None) => {}
                    Err(error) => {
                        yield Err(error);
                        break;
                    }
                }
            }
        })
    }
}

/// One SSE event of the sidecar's codegen stream; unknown event names are skipped (forward compatibility).
fn decode_event(name: &str, data: &str) -> Result<Option<CodegenEvent>, SidecarError> {
    let bad = |e: serde_json::Error| SidecarError::BadResponse(format!("`{name}` event: {e}"));
    Ok(Some(match name {
        "delta" => CodegenEvent::Delta(serde_json::from_str(data).map_err(bad)?),
        "repair" => CodegenEvent::Repair(serde_json::from_str(data).map_err(bad)?),
        "result" => CodegenEvent::Result(Box::new(serde_json::from_str(data).map_err(bad)?)),
        "error" => {
            let body: ApiError = serde_json::from_str(data).map_err(bad)?;
            let status = status_for_stream_error(&body.error.code);
            return Err(SidecarError::Upstream {
                status,
                body: Box::new(body),
                retry_after: None,
            });
        }
        _ => return Ok(None),
    }))
}

/// In a stream the HTTP status is already 200; the status an error would have had comes from its code.
fn status_for_stream_error(code: &str) -> StatusCode {
    match code {
        "codegen_failed" | "llm_refused" | "invalid_input" => StatusCode::UNPROCESSABLE_ENTITY,
        "llm_not_configured" | "llm_unavailable" => StatusCode::SERVICE_UNAVAILABLE,
        "llm_timeout" => StatusCode::GATEWAY_TIMEOUT,
        "llm_rate_limited" => StatusCode::TOO_MANY_REQUESTS,
        _ => StatusCode::BAD_GATEWAY,
    }
}

/// Turns a non-2xx answer into `Upstream` with the sidecar's own error body.
async fn check_status(response: reqwest::Response) -> Result<reqwest::Response, SidecarError> {
    let status = response.status();
    if status.is_success() {
        return Ok(response);
    }
    let status = StatusCode::from_u16(status.as_u16()).unwrap_or(StatusCode::BAD_GATEWAY);
    // The sidecar does not answer to the host in SIDECAR_URL: an operator's fix too, not the client's.
    if status == StatusCode::MISDIRECTED_REQUEST {
        let bytes = response.bytes().await.unwrap_or_default();
        let why = serde_json::from_slice::<ApiError>(&bytes)
            .map(|body| body.error.message)
            .unwrap_or_else(|_| "HTTP 421".to_owned());
        return Err(SidecarError::BadResponse(format!(
            "it refused the host in SIDECAR_URL: {why}; set the sidecar's ALLOWED_HOSTS to include it"
        )));
    }
    // The sidecar has no route that answers 404: one means SIDECAR_URL does not lead to its API (a wrong path
    // prefix, another service). Passed on, it told the client its own request named nothing that exists.
    if status == StatusCode::NOT_FOUND {
        return Err(SidecarError::BadResponse(format!(
            "HTTP 404 for {}: is SIDECAR_URL the sidecar's base URL?",
            llm::redact_url(response.url().as_str())
        )));
    }
    // The sidecar's 401 is about the calculator's token: passed on, it told end users they were unauthorized.
    if matches!(status, StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN) {
        return Err(SidecarError::Unauthorized(status));
    }
    let retry_after = response
        .headers()
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let bytes = response.bytes().await.unwrap_or_default();
    match serde_json::from_slice::<ApiError>(&bytes) {
        Ok(body) => Err(SidecarError::Upstream {
            status,
            body: Box::new(body),
            retry_after,
        }),
        Err(_) => Err(SidecarError::BadResponse(format!(
            "HTTP {status} without the error body"
        ))),
    }
}

/// The innermost cause of a reqwest error ("Connection refused"), without the URL repeated.
fn root_cause(error: &reqwest::Error) -> String {
    let mut source: &dyn std::error::Error = error;
    while let Some(next) = source.source() {
        source = next;
    }
    source.to_string()
}

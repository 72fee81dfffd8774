//! The calculator's one error type: every failure a handler can have, mapped to a status and the error body.

use axum::{
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use contracts::ApiError;
use telemetry::Rejection;

use crate::analyze::SidecarError;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// A request value is unusable; the message names the field.
    #[error("{0}")]
    InvalidInput(String),
    #[error("division by zero: `b` must not be 0 when dividing")]
    DivisionByZero,
    #[error(
        "the result of {operation} is not a finite number (it overflows); use smaller operands"
    )]
    NonFiniteResult { operation: &'static str },
    /// A request exceeds a documented size limit; the message states the limit.
    #[error("{0}")]
    TooLarge(String),
    /// An extractor rejected the request (content type, syntax, body size).
    #[error("{}", .0.message)]
    Rejected(Rejection),
    /// No stored dataset has this id (or it is not an id at all).
    #[error("no dataset with id `{0}`; GET /datasets lists the stored datasets")]
    DatasetNotFound(String),
    /// The dataset id in the path could not be read as text; the message says why.
    #[error(
        "no dataset has the id in this path: {0}; a dataset id is 32 lowercase hex digits, and GET /datasets \
         lists the stored datasets"
    )]
    DatasetIdUnreadable(String),
    /// The dataset is stored but its data file is missing or damaged; `why` says which.
    #[error(
        "dataset `{id}` cannot be read: {why}; delete it (DELETE /datasets/{id}) and upload its CSV again"
    )]
    DatasetDamaged { id: String, why: String },
    /// The body's media type is not one the endpoint reads; the message says what it accepts.
    #[error("{0}")]
    UnsupportedMediaType(String),
    /// The request is malformed below the JSON level (e.g. a broken multipart body).
    #[error("{0}")]
    BadRequest(String),
    /// The upload's body stopped arriving for longer than `UPLOAD_IDLE_TIMEOUT`.
    #[error("{0}")]
    UploadStalled(String),
    /// The upload is not a CSV that can be read (unparseable, ragged, empty); the message says where.
    #[error("{0}")]
    InvalidCsv(String),
    /// The upload's bytes are in no text encoding the engine reads.
    #[error("{0}")]
    CsvEncoding(String),
    /// Reading the CSV went over the ingest time or memory limit; the message names the limit.
    #[error("{0}")]
    IngestLimit(String),
    /// The SQL validator rejected the query; every issue is in the error body's `issues`.
    #[error("{}", crate::query::describe_issues(.0))]
    ValidationFailed(Vec<contracts::SqlIssue>),
    /// The query passed validation but the engine could not run it; a cleaned message.
    #[error("the query failed: {0}")]
    QueryFailed(String),
    /// The query ran longer than `QUERY_TIMEOUT` and its worker was stopped.
    #[error(
        "the query ran longer than QUERY_TIMEOUT ({} s) and was stopped; filter or aggregate more",
        .0.as_secs_f64()
    )]
    QueryTimeout(std::time::Duration),
    /// The query needed more memory than `QUERY_MEMORY_LIMIT` and its worker was stopped.
    #[error(
        "the query needed more memory than QUERY_MEMORY_LIMIT ({} MiB) and was stopped; filter or \
         aggregate more, or avoid joins that multiply rows",
        .0 / (1024 * 1024)
    )]
    QueryTooLarge(u64),
    /// The job's worker process was killed from outside or crashed (not for its memory); the message names
    /// the signal. The pool has started another worker: trying again may well work.
    #[error("{0}")]
    WorkerFailed(String),
    /// Every engine worker stayed busy for the job's whole time limit: the server's load, not the query.
    #[error("{0}")]
    Busy(String),
    /// The server's disk is full: an upload could not be stored (nothing was kept).
    #[error("{0}")]
    InsufficientStorage(String),
    /// No analysis in the audit trail has this trace id.
    #[error(
        "no analysis with trace id `{0}`; GET /datasets/{{id}}/analyses lists a dataset's analyses"
    )]
    AnalysisNotFound(String),
    /// A call to the AI sidecar failed: unreachable, too slow, or an error it answered (passed on as it is).
    #[error("{0}")]
    Sidecar(#[from] SidecarError),
    /// Something failed on our side; details are logged, never sent.
    #[error("internal error")]
    Internal(#[from] anyhow::Error),
}

impl From<Rejection> for AppError {
    fn from(rejection: Rejection) -> Self {
        Self::Rejected(rejection)
    }
}

impl AppError {
    pub fn status_and_code(&self) -> (StatusCode, &'static str) {
        match self {
            Self::InvalidInput(_) => (StatusCode::UNPROCESSABLE_ENTITY, "invalid_input"),
            Self::DivisionByZero => (StatusCode::UNPROCESSABLE_ENTITY, "division_by_zero"),
            Self::NonFiniteResult { .. } => (StatusCode::UNPROCESSABLE_ENTITY, "non_finite_result"),
            Self::TooLarge(_) => (StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large"),
            Self::Rejected(rejection) => (rejection.status, rejection.code),
            Self::DatasetNotFound(_) | Self::DatasetIdUnreadable(_) => {
                (StatusCode::NOT_FOUND, "dataset_not_found")
            }
            Self::DatasetDamaged { .. } => (StatusCode::CONFLICT, "dataset_damaged"),
            Self::UnsupportedMediaType(_) => {
                (StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type")
            }
            Self::BadRequest(_) => (StatusCode::BAD_REQUEST, "bad_request"),
            Self::UploadStalled(_) => (StatusCode::REQUEST_TIMEOUT, "upload_stalled"),
            Self::InvalidCsv(_) => (StatusCode::UNPROCESSABLE_ENTITY, "invalid_csv"),
            Self::CsvEncoding(_) => (StatusCode::UNPROCESSABLE_ENTITY, "invalid_encoding"),
            Self::IngestLimit(_) => (StatusCode::UNPROCESSABLE_ENTITY, "ingest_limit_exceeded"),
            Self::ValidationFailed(_) => (StatusCode::UNPROCESSABLE_ENTITY, "validation_failed"),
            Self::QueryFailed(_) => (StatusCode::UNPROCESSABLE_ENTITY, "query_failed"),
            Self::QueryTimeout(_) => (StatusCode::UNPROCESSABLE_ENTITY, "query_timeout"),
            Self::QueryTooLarge(_) => (StatusCode::UNPROCESSABLE_ENTITY, "query_too_large"),
            Self::Busy(_) => (StatusCode::SERVICE_UNAVAILABLE, "engine_busy"),
            Self::WorkerFailed(_) => (StatusCode::SERVICE_UNAVAILABLE, "worker_failed"),
            Self::InsufficientStorage(_) => {
                (StatusCode::INSUFFICIENT_STORAGE, "insufficient_storage")
            }
            Self::AnalysisNotFound(_) => (StatusCode::NOT_FOUND, "analysis_not_found"),
            Self::Sidecar(error) => match error {
                SidecarError::Unreachable { .. } => {
                    (StatusCode::SERVICE_UNAVAILABLE, "sidecar_unavailable")
                }
                SidecarError::Unauthorized(_) => {
                    (StatusCode::SERVICE_UNAVAILABLE, "sidecar_unauthorized")
                }
                SidecarError::Timeout(_) => (StatusCode::GATEWAY_TIMEOUT, "sidecar_timeout"),
                SidecarError::BadResponse(_) => (StatusCode::BAD_GATEWAY, "sidecar_bad_response"),
                // The body's own code is used (see `body`); this one only names the family.
                SidecarError::Upstream { status, .. } => (*status, "sidecar_error"),
            },
            Self::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal_error"),
        }
    }
}

impl AppError {
    /// The error body this error answers with; a 500 carries no internals, only the trace id to quote.
    pub fn body(&self, trace_id: &str) -> ApiError {
        let (_, code) = self.status_and_code();
        match self {
            Self::Internal(_) => ApiError::new(
                code,
                "internal error; quote the trace id when reporting it",
                trace_id,
            ),
            Self::ValidationFailed(issues) => {
                ApiError::new(code, self.to_string(), trace_id).with_issues(issues.clone())
            }
            // The sidecar's own body, codes and SQL details included, under this request's trace id.
            Self::Sidecar(SidecarError::Upstream { body, .. }) => {
                let mut body = body.as_ref().clone();
                body.error.trace_id = trace_id.to_owned();
                body
            }
            _ => ApiError::new(code, self.to_string(), trace_id),
        }
    }

    /// Logs what the client is not told: internals of a 500, upstream failures. Called once, at the boundary.
    pub fn log(&self) {
        match self {
            Self::Internal(error) => {
                tracing::error!(error = format!("{error:#}"), "request failed")
            }
            // No LLM configured is how the service ships, not a failure: the client is told what to set.
            Self::Sidecar(SidecarError::Upstream { body, .. })
                if body.error.code == "llm_not_configured" =>
            {
                tracing::info!(error = %self, "analyze needs an LLM; none is configured")
            }
            // An operator has to act: the two services were given different tokens.
            Self::Sidecar(error @ SidecarError::Unauthorized(_)) => {
                tracing::error!(%error, "the AI sidecar refused the calculator's token")
            }
            Self::Sidecar(error) => tracing::warn!(%error, "the AI sidecar call failed"),
            // The engine logged how the worker died; this says which request it cost.
            Self::WorkerFailed(message) => {
                tracing::warn!(%message, "an engine worker died mid-job")
            }
            _ => {}
        }
    }
}

impl AppError {
    /// The response to this error: its status, the body `body` makes under the request's trace id (this error's
    /// own, or one completed with more fields, as an analysis's `sql` and `attempts`), and `Retry-After` when the
    /// sidecar gave one. Logs the error: call it once, at the boundary.
    pub fn respond(&self, body: impl FnOnce(&str) -> ApiError) -> Response {
        let (status, _) = self.status_and_code();
        self.log();
        let trace_id = telemetry::current_trace_id().unwrap_or_default();
        let mut response = (status, telemetry::ApiJson(body(&trace_id))).into_response();
        if let Self::Sidecar(SidecarError::Upstream {
            retry_after: Some(seconds),
            ..
        }) = self
            && let Ok(value) = HeaderValue::from_str(seconds)
        {
            response.headers_mut().insert(header::RETRY_AFTER, value);
        }
        response
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        self.respond(|trace_id| self.body(trace_id))
    }
}

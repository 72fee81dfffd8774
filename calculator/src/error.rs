//! The calculator's one error type: every failure a handler can have, mapped to a status and the error body.

use axum::{
    http::StatusCode,
    response::{IntoResponse, Response},
};
use telemetry::{Rejection, error_response};

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
    fn status_and_code(&self) -> (StatusCode, &'static str) {
        match self {
            Self::InvalidInput(_) => (StatusCode::UNPROCESSABLE_ENTITY, "invalid_input"),
            Self::DivisionByZero => (StatusCode::UNPROCESSABLE_ENTITY, "division_by_zero"),
            Self::NonFiniteResult { .. } => (StatusCode::UNPROCESSABLE_ENTITY, "non_finite_result"),
            Self::TooLarge(_) => (StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large"),
            Self::Rejected(rejection) => (rejection.status, rejection.code),
            Self::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal_error"),
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let (status, code) = self.status_and_code();
        if let Self::Internal(error) = &self {
            // Logged once here, at the boundary; the client only gets the trace id to quote.
            tracing::error!(error = format!("{error:#}"), "request failed");
            return error_response(
                status,
                code,
                "internal error; quote the trace id when reporting it",
            );
        }
        error_response(status, code, self.to_string())
    }
}

//! The one JSON error body every endpoint of every service answers with.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// `{"error": {"code", "message", "trace_id"}}` — the only error shape either service sends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ApiError {
    /// What went wrong.
    pub error: ErrorBody,
}

/// The details of an error.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ErrorBody {
    /// A stable, machine-readable code such as `invalid_input`, `division_by_zero` or `not_found`.
    #[schema(example = "invalid_input")]
    pub code: String,
    /// A sentence a person can act on, naming the field or value that was wrong.
    #[schema(example = "field `b`: expected a number, found a string")]
    pub message: String,
    /// The request's trace id (the `X-Trace-Id` response header), for finding its log lines.
    #[schema(example = "9f1c0c2e-4f2b-4a53-9a0e-2f8a1b7c3d4e")]
    pub trace_id: String,
}

impl ApiError {
    pub fn new(
        code: impl Into<String>,
        message: impl Into<String>,
        trace_id: impl Into<String>,
    ) -> Self {
        Self {
            error: ErrorBody {
                code: code.into(),
                message: message.into(),
                trace_id: trace_id.into(),
            },
        }
    }
}

//! The one JSON error body every endpoint of every service answers with.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::SqlIssue;

/// `{"error": {"code", "message", "trace_id"}}` — the only error shape either service sends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ApiError {
    /// What went wrong.
    pub error: ErrorBody,
}

/// The details of an error.
///
/// `code`, `message` and `trace_id` are always present. Errors about SQL (`validation_failed`,
/// `codegen_failed`) also carry the validator's `issues`; `codegen_failed` the model's last `sql` and how many
/// `attempts` it had; and an analysis's `query_failed`, `query_timeout` or `query_too_large` the `sql` that
/// failed to run and the model's `attempts`.
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
    /// Every issue the SQL validator found (SQL errors only).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub issues: Vec<SqlIssue>,
    /// The last SQL the model proposed (`codegen_failed`), or the SQL that failed to run (an analysis's
    /// `query_failed`, `query_timeout`, `query_too_large`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sql: Option<String>,
    /// How many answers the model gave (`codegen_failed`, and an analysis's query that failed to run).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attempts: Option<u32>,
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
                issues: Vec::new(),
                sql: None,
                attempts: None,
            },
        }
    }

    /// Attaches the validator's issues.
    pub fn with_issues(mut self, issues: Vec<SqlIssue>) -> Self {
        self.error.issues = issues;
        self
    }
}

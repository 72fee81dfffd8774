//! An analysis that failed: its error, and for a query that failed to run, the SQL and the answers it took.

use axum::response::{IntoResponse, Response};
use contracts::ApiError;

use crate::AppError;

/// The error an analysis ends with.
///
/// A query the engine could not run (`query_failed`, `query_timeout`, `query_too_large`) is reported with the SQL
/// that failed and how many model answers were given, as `codegen_failed` reports the model's last SQL: after
/// the repair round the user otherwise could not tell which query failed, nor that it was a second try.
#[derive(Debug)]
pub struct Failure {
    pub error: AppError,
    /// The SQL that ran and failed (the calculator's normalisation).
    pub sql: Option<String>,
    /// Model answers given in every round of the analysis.
    pub attempts: Option<u32>,
}

impl From<AppError> for Failure {
    fn from(error: AppError) -> Self {
        Self {
            error,
            sql: None,
            attempts: None,
        }
    }
}

impl Failure {
    /// The error body, with `sql` and `attempts` when the query failed to run.
    pub fn body(&self, trace_id: &str) -> ApiError {
        let mut body = self.error.body(trace_id);
        if self.sql.is_some() {
            body.error.sql.clone_from(&self.sql);
        }
        if self.attempts.is_some() {
            body.error.attempts = self.attempts;
        }
        body
    }

    pub fn log(&self) {
        self.error.log();
    }
}

impl IntoResponse for Failure {
    /// As the calculator's other errors answer (status, logging, `Retry-After`), with `sql` and `attempts`.
    fn into_response(self) -> Response {
        self.error.respond(|trace_id| self.body(trace_id))
    }
}

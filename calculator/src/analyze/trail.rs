//! What an analysis has done so far, and the audit record it becomes whatever the outcome.

use contracts::{AnalysisRecord, AnalyzeResponse, ChartSpec, Outcome, Timings, Validation};

use super::{Failure, pipeline::Analysis, sidecar_client::SidecarError};
use crate::AppError;

/// What is known so far; becomes the audit record whatever happens.
#[derive(Debug, Default)]
pub(super) struct Trail {
    pub model: Option<String>,
    /// The SQL that ran, or will: the calculator's normalisation of the sidecar's (the last SQL considered
    /// when nothing ran).
    pub code: Option<String>,
    /// The SQL as the sidecar returned it.
    pub generated_code: Option<String>,
    pub summary: Option<String>,
    pub validation: Option<Validation>,
    pub chart: Option<ChartSpec>,
    pub row_count: Option<u64>,
    pub attempts: u32,
    pub timings: Timings,
    /// The one repair round after an execution failure has been spent.
    pub repaired: bool,
    /// The analysis ended with a query that failed to run (`code` is that query).
    pub query_failed: bool,
}

impl Trail {
    /// The analysis's error, with the SQL that failed to run and the answers given when a query failed.
    pub(super) fn failure(&self, error: AppError) -> Failure {
        Failure {
            sql: self.code.clone().filter(|_| self.query_failed),
            attempts: self.query_failed.then_some(self.attempts),
            error,
        }
    }

    pub(super) fn record(
        self,
        analysis: &Analysis,
        result: &Result<AnalyzeResponse, Failure>,
    ) -> AnalysisRecord {
        let (outcome, error) = match result {
            Ok(_) => (Outcome::Answered, None),
            Err(failure) => (
                outcome_of(&failure.error),
                Some(failure.body(&analysis.trace_id)),
            ),
        };
        self.into_record(analysis, outcome, error)
    }

    /// The record of an analysis stopped because its client went away: no error body, as nothing failed.
    pub(super) fn cancelled(self, analysis: &Analysis) -> AnalysisRecord {
        self.into_record(analysis, Outcome::Cancelled, None)
    }

    fn into_record(
        self,
        analysis: &Analysis,
        outcome: Outcome,
        error: Option<contracts::ApiError>,
    ) -> AnalysisRecord {
        // The sidecar's text is kept only where it says something `code` does not.
        let generated_code = self
            .generated_code
            .filter(|g| Some(g) != self.code.as_ref());
        AnalysisRecord {
            trace_id: analysis.trace_id.clone(),
            dataset_id: analysis.dataset.id.clone(),
            question: analysis.question.clone(),
            created_at: humantime::format_rfc3339_millis(std::time::SystemTime::now()).to_string(),
            outcome,
            model: self.model,
            code: self.code,
            generated_code,
            summary: self.summary,
            validation: self.validation,
            chart: self.chart,
            row_count: self.row_count,
            error,
            attempts: self.attempts,
            timings: self.timings,
        }
    }
}

fn outcome_of(error: &AppError) -> Outcome {
    match error {
        AppError::ValidationFailed(_) => Outcome::Rejected,
        AppError::Sidecar(SidecarError::Upstream { body, .. })
            if body.error.code == "codegen_failed" =>
        {
            Outcome::Rejected
        }
        AppError::Sidecar(_) => Outcome::Unavailable,
        _ => Outcome::Failed,
    }
}

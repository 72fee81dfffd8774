//! An analysis stops when its client goes away: the route's future (JSON) or the SSE body is dropped, the
//! analysis's task is aborted, and with it the sidecar call (the sidecar then closes its LLM call) and any
//! query. The audit record it still leaves says `cancelled`; one whose task panicked says `failed`.
//!
//! The analysis once ran to its end in a detached task whatever the client did: 40 clients that hung up kept
//! 40 LLM calls running, and with `AI_MAX_CONCURRENCY=2` two abandoned questions made a new one wait 22 s.

use std::{future::Future, time::Instant};

use contracts::{AnalysisRecord, AnalyzeResponse};
use tokio::task::JoinHandle;

use super::{Failure, pipeline::Analysis, trail::Trail};
use crate::AppError;

/// Runs the analysis in a task of its own (the SSE route forwards its progress meanwhile), aborted when the
/// returned future is dropped.
pub(super) fn cancellable(
    analysis: Analysis,
) -> impl Future<Output = Result<AnalyzeResponse, Failure>> + Send + 'static {
    // The guard exists before the task does: a task aborted before its first poll still drops it, and the
    // analysis is in the audit trail (created inside the task, it never was).
    let unfinished = Unfinished::new(analysis);
    let mut task = AbortOnDrop(tokio::spawn(telemetry::in_request_scope(unfinished.run())));
    async move {
        (&mut task.0).await.unwrap_or_else(|join_error| {
            // Not logged here: the response logs this internal error once (the panic's message with it), and
            // the audit record was appended as the task unwound.
            Err(
                AppError::Internal(anyhow::anyhow!("the analysis task failed: {join_error}"))
                    .into(),
            )
        })
    }
}

struct AbortOnDrop<T>(JoinHandle<T>);

impl<T> Drop for AbortOnDrop<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// An analysis under way, with its trail. Dropped before it ends (its task was aborted, or panicked), it
/// appends the record of what the analysis had done and how long it ran: `cancelled`, or `failed` for a panic.
pub(super) struct Unfinished {
    analysis: Analysis,
    started: Instant,
    /// Taken when the analysis ends, so the drop records nothing more.
    trail: Option<Trail>,
}

impl Unfinished {
    pub(super) fn new(analysis: Analysis) -> Self {
        Self {
            analysis,
            started: Instant::now(),
            trail: Some(Trail::default()),
        }
    }

    /// Runs the analysis and appends its audit record.
    pub(super) async fn run(mut self) -> Result<AnalyzeResponse, Failure> {
        let trail = self.trail.get_or_insert_with(Trail::default);
        let result = self.analysis.answer(trail).await;
        let trail = self.finish();
        self.analysis.conclude(trail, result)
    }

    /// The trail with its total time, taken from the guard.
    fn finish(&mut self) -> Trail {
        let mut trail = self.trail.take().unwrap_or_default();
        trail.timings.total_ms = super::pipeline::millis(self.started);
        trail
    }

    /// The record of an analysis that did not reach its end.
    fn interrupted(&mut self) -> Option<AnalysisRecord> {
        self.trail.as_ref()?;
        let trail = self.finish();
        // A panic unwinds through this guard too: that is no client going away but a failure, answered with
        // a 500 whose body (as this record's) says nothing of the panic.
        Some(if std::thread::panicking() {
            let panicked = AppError::Internal(anyhow::anyhow!("the analysis panicked"));
            trail.record(&self.analysis, &Err(panicked.into()))
        } else {
            trail.cancelled(&self.analysis)
        })
    }
}

impl Drop for Unfinished {
    fn drop(&mut self) {
        let Some(record) = self.interrupted() else {
            return;
        };
        tracing::info!(
            dataset = %record.dataset_id,
            outcome = ?record.outcome,
            attempts = record.attempts,
            total_ms = record.timings.total_ms,
            "analysis stopped before its end: {}",
            if std::thread::panicking() {
                "it panicked"
            } else {
                "the client went away"
            }
        );
        if let Err(error) = self.analysis.state.analyses.audit.append(&record) {
            tracing::error!(%error, "could not append the analysis to the audit log");
        }
    }
}

#[cfg(test)]
#[path = "cancel_tests.rs"]
mod tests;

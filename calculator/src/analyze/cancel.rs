//! An analysis stops when its client goes away: the route's future (JSON) or the SSE body is dropped, the
//! analysis's task is aborted, and with it the sidecar call (the sidecar then closes its LLM call) and any
//! query. The audit record it still leaves says `cancelled`.
//!
//! The analysis once ran to its end in a detached task whatever the client did: 40 clients that hung up kept
//! 40 LLM calls running, and with `AI_MAX_CONCURRENCY=2` two abandoned questions made a new one wait 22 s.

use std::{future::Future, time::Instant};

use contracts::AnalyzeResponse;
use tokio::task::JoinHandle;

use super::{Failure, pipeline::Analysis, trail::Trail};
use crate::AppError;

/// Runs the analysis in a task of its own (the SSE route forwards its progress meanwhile), aborted when the
/// returned future is dropped.
pub(super) fn cancellable(
    analysis: Analysis,
) -> impl Future<Output = Result<AnalyzeResponse, Failure>> + Send + 'static {
    let mut task = AbortOnDrop(tokio::spawn(telemetry::in_request_scope(analysis.run())));
    async move {
        (&mut task.0).await.unwrap_or_else(|join_error| {
            tracing::error!(error = %join_error, "the analysis task failed");
            Err(AppError::Internal(anyhow::anyhow!("analysis task failed")).into())
        })
    }
}

struct AbortOnDrop<T>(JoinHandle<T>);

impl<T> Drop for AbortOnDrop<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// The trail of an analysis under way. Dropped before [`Unfinished::finish`] (the task was aborted), it
/// appends the `cancelled` record: what the analysis had done, and how long it ran.
pub(super) struct Unfinished<'a> {
    analysis: &'a Analysis,
    started: Instant,
    trail: Option<Trail>,
}

impl<'a> Unfinished<'a> {
    pub(super) fn new(analysis: &'a Analysis) -> Self {
        Self {
            analysis,
            started: Instant::now(),
            trail: Some(Trail::default()),
        }
    }

    pub(super) fn trail(&mut self) -> &mut Trail {
        self.trail.get_or_insert_with(Trail::default)
    }

    /// The trail with its total time, for the record of an analysis that ended.
    pub(super) fn finish(mut self) -> Trail {
        let mut trail = self.trail.take().unwrap_or_default();
        trail.timings.total_ms = super::pipeline::millis(self.started);
        trail
    }
}

impl Drop for Unfinished<'_> {
    fn drop(&mut self) {
        let Some(mut trail) = self.trail.take() else {
            return;
        };
        trail.timings.total_ms = super::pipeline::millis(self.started);
        let record = trail.cancelled(self.analysis);
        tracing::info!(
            dataset = %record.dataset_id,
            attempts = record.attempts,
            total_ms = record.timings.total_ms,
            "analysis cancelled: the client went away"
        );
        if let Err(error) = self.analysis.state.analyses.audit.append(&record) {
            tracing::error!(%error, "could not append the analysis to the audit log");
        }
    }
}

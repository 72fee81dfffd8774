//! Converting an upload while it arrives: a worker started on the growing file, told when it is complete.
//!
//! The worker's side is `worker::source`; the calculator decides which uploads are worth it.

use std::path::PathBuf;

use tokio::sync::OwnedSemaphorePermit;
use tokio::time::Instant;

use crate::pool::{Worker, unexpected_reply};
use crate::protocol::{Payload, Request, announce_completion, completion_marker};
use crate::{Engine, EngineError, IngestJob, IngestReport};

impl Engine {
    /// Starts reading an upload that is still being written to `job.csv_path`, so that converting it
    /// overlaps receiving it; finish with [`ArrivingIngest::complete`] once the last byte is written.
    ///
    /// `None` when that would take the last free worker: an upload can take as long as its client likes,
    /// and queries must not wait for it. Then receive the whole upload first and call [`Engine::ingest`].
    pub async fn ingest_arriving(&self, job: IngestJob) -> Option<ArrivingIngest> {
        // Two permits taken at once, one given back: a free worker is left for queries whatever other
        // uploads do at the same moment. So at most `workers - 1` uploads are read as they arrive, and a
        // client that stalls its body can hold one of those, never the last.
        let mut permit = self.permits().try_acquire_many_owned(2).ok()?;
        drop(permit.split(1));
        let request = Request::Ingest {
            csv_path: job.csv_path.clone(),
            parquet_path: job.parquet_path,
            arriving: true,
            date_order: job.date_order,
            month_names: job.month_names,
        };
        let limit = self.config().ingest_timeout;
        let started = self
            .start(&request, None, Instant::now() + limit, limit)
            .await;
        match started {
            Ok(worker) => Some(ArrivingIngest {
                engine: self.clone(),
                worker,
                marker: completion_marker(&job.csv_path),
                _permit: permit,
            }),
            Err(error) => {
                // The caller falls back to `ingest`, which reports a lasting failure to start workers.
                tracing::warn!(%error, "could not start reading an upload as it arrives");
                None
            }
        }
    }
}

/// An ingest reading an upload as it arrives (see [`Engine::ingest_arriving`]). Dropping it kills the worker.
pub struct ArrivingIngest {
    engine: Engine,
    worker: Worker,
    marker: PathBuf,
    _permit: OwnedSemaphorePermit,
}

impl std::fmt::Debug for ArrivingIngest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ArrivingIngest")
            .field("marker", &self.marker)
            .finish_non_exhaustive()
    }
}

impl ArrivingIngest {
    /// The upload is complete at `bytes` (all written to the file): the worker reads to its end, and the
    /// report comes back within `ingest_timeout`, counted from now, not from the start of the upload.
    pub async fn complete(self, bytes: u64) -> Result<IngestReport, EngineError> {
        let ArrivingIngest {
            engine,
            worker,
            marker,
            _permit,
        } = self;
        if let Err(e) = announce_completion(&marker, bytes) {
            return Err(EngineError::Internal(format!(
                "cannot mark the upload complete: {e}"
            )));
        }
        let limit = engine.config().ingest_timeout;
        let reply = engine
            .finish(worker, None, Instant::now() + limit, limit)
            .await;
        let _ = std::fs::remove_file(&marker);
        match reply? {
            Payload::Ingested(report) => Ok(report),
            Payload::Table(_) => Err(unexpected_reply()),
        }
    }

    /// The upload failed: stop the worker, and wait until it has exited, so that it writes nothing more
    /// into the upload's directory.
    pub async fn abandon(mut self) {
        let _ = self.worker.child.kill().await;
    }
}

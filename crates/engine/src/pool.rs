//! The parent side: a small pool of worker processes, reused across jobs, killed when a job runs past its
//! time limit, and replaced after any death. No polars code runs here.

use std::collections::VecDeque;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, ChildStdin, ChildStdout, Command};
use tokio::sync::Semaphore;
use tokio::task::JoinHandle;
use tokio::time::{Instant, timeout, timeout_at};

use crate::error::says_out_of_memory;
use crate::protocol::{Payload, Reply, Request, receive, send};
use crate::worker::{CACHE_ENV, MEMORY_LIMIT_ENV, PARENT_ENV};
use crate::{EngineConfig, EngineError, IngestJob, IngestReport, QueryJob, QueryOutput};

/// Lines of a dying worker's stderr kept to tell an out-of-memory abort from other deaths.
const STDERR_TAIL: usize = 20;
/// Environment variables a worker inherits; everything else (API keys included) is withheld.
const PASSED_ENV_PREFIXES: &[&str] = &["POLARS_", "MALLOC_", "RUST_BACKTRACE", "RUST_MIN_STACK"];
const PASSED_ENV: &[&str] = &["PATH", "TMPDIR", "TZ", "LANG", "LC_ALL", "HOME"];

/// Runs ingests, queries and previews in worker processes. Cheap to clone: clones share the pool.
#[derive(Clone)]
pub struct Engine {
    inner: Arc<Inner>,
}

struct Inner {
    config: EngineConfig,
    idle: Mutex<Vec<Worker>>,
    permits: Arc<Semaphore>,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("config", &self.inner.config)
            .finish_non_exhaustive()
    }
}

impl Engine {
    /// A pool of up to `config.workers` workers, started on first use.
    pub fn new(config: EngineConfig) -> Engine {
        let workers = config.workers.max(1);
        Engine {
            inner: Arc::new(Inner {
                config,
                idle: Mutex::new(Vec::new()),
                permits: Arc::new(Semaphore::new(workers)),
            }),
        }
    }

    pub fn config(&self) -> &EngineConfig {
        &self.inner.config
    }

    /// The permits that bound how many jobs run at once (one per worker).
    pub(crate) fn permits(&self) -> Arc<Semaphore> {
        Arc::clone(&self.inner.permits)
    }

    /// Read a CSV and store it as Parquet, within `ingest_timeout`.
    pub async fn ingest(&self, job: IngestJob) -> Result<IngestReport, EngineError> {
        let request = Request::Ingest {
            csv_path: job.csv_path,
            parquet_path: job.parquet_path,
            arriving: false,
            date_order: job.date_order,
        };
        match self
            .run(request, self.config().ingest_timeout, None)
            .await?
        {
            Payload::Ingested(report) => Ok(report),
            Payload::Table(_) => Err(unexpected_reply()),
        }
    }

    /// Run a validated query, within `query_timeout`; at most `min(limit, max_result_rows)` rows come back.
    pub async fn query(&self, job: QueryJob) -> Result<QueryOutput, EngineError> {
        let request = Request::Query {
            parquet_path: job.parquet_path.clone(),
            sql: job.query.sql().to_owned(),
            limit: job.limit.min(self.config().max_result_rows),
        };
        let dataset = Some(job.parquet_path);
        match self
            .run(request, self.config().query_timeout, dataset)
            .await?
        {
            Payload::Table(output) => Ok(output),
            Payload::Ingested(_) => Err(unexpected_reply()),
        }
    }

    /// The first `limit` rows of a stored dataset (capped by `max_result_rows`), with its total row count.
    pub async fn preview(
        &self,
        parquet_path: PathBuf,
        limit: usize,
    ) -> Result<QueryOutput, EngineError> {
        let request = Request::Preview {
            parquet_path: parquet_path.clone(),
            limit: limit.min(self.config().max_result_rows),
        };
        let dataset = Some(parquet_path);
        match self
            .run(request, self.config().query_timeout, dataset)
            .await?
        {
            Payload::Table(output) => Ok(output),
            Payload::Ingested(_) => Err(unexpected_reply()),
        }
    }

    /// Process ids of the idle workers (for metrics and benchmarks: their peak memory, for instance).
    pub fn idle_worker_pids(&self) -> Vec<u32> {
        let idle = self.inner.idle.lock().unwrap_or_else(|p| p.into_inner());
        idle.iter().filter_map(|w| w.child.id()).collect()
    }

    /// One job on one worker. Dropping this future (a client went away) drops the worker, which kills it.
    async fn run(
        &self,
        request: Request,
        limit: Duration,
        dataset: Option<PathBuf>,
    ) -> Result<Payload, EngineError> {
        let deadline = Instant::now() + limit;
        let permits = Arc::clone(&self.inner.permits);
        let _permit = timeout_at(deadline, permits.acquire_owned())
            .await
            .map_err(|_| EngineError::Busy { limit })?
            .map_err(|_| EngineError::Internal("the worker pool is closed".into()))?;
        let worker = self
            .start(&request, dataset.as_deref(), deadline, limit)
            .await?;
        self.finish(worker, dataset, deadline, limit).await
    }

    /// A worker with `request` sent to it, the caller holding a permit.
    pub(crate) async fn start(
        &self,
        request: &Request,
        dataset: Option<&Path>,
        deadline: Instant,
        limit: Duration,
    ) -> Result<Worker, EngineError> {
        // A worker that died while idle fails at `send`, before it could start the job: retry once on a
        // fresh worker. A death after the job was sent is the job's doing and is classified instead.
        let mut fresh = false;
        loop {
            let mut worker = match self.take_idle(dataset) {
                Some(worker) if !fresh => worker,
                _ => self.spawn()?,
            };
            match timeout_at(deadline, send(&mut worker.stdin, request)).await {
                Err(_) => return Err(EngineError::Timeout { limit }),
                Ok(Err(e)) if !fresh => {
                    tracing::warn!(error = %e, "an idle engine worker had died; starting another");
                    fresh = true;
                }
                Ok(Err(e)) => return Err(worker.death(e, self.config()).await),
                Ok(Ok(())) => return Ok(worker),
            }
        }
    }

    /// The reply of a worker that was sent a job; the worker goes back to the pool unless it retires.
    pub(crate) async fn finish(
        &self,
        mut worker: Worker,
        dataset: Option<PathBuf>,
        deadline: Instant,
        limit: Duration,
    ) -> Result<Payload, EngineError> {
        match timeout_at(deadline, receive::<Reply>(&mut worker.stdout)).await {
            // Killed and waited for: it writes nothing more (an ingest's directory is removed next).
            Err(_) => {
                let _ = worker.child.kill().await;
                Err(EngineError::Timeout { limit })
            }
            Ok(Err(e)) => Err(worker.death(e, self.config()).await),
            Ok(Ok(reply)) => {
                if !reply.retire {
                    worker.holds = dataset;
                    self.put_idle(worker);
                }
                reply.result
            }
        }
    }

    /// An idle worker, preferring one that already holds `dataset` in memory, then one holding nothing.
    fn take_idle(&self, dataset: Option<&Path>) -> Option<Worker> {
        let mut idle = self.inner.idle.lock().unwrap_or_else(|p| p.into_inner());
        let position = idle
            .iter()
            .position(|w| dataset.is_some() && w.holds.as_deref() == dataset)
            .or_else(|| idle.iter().position(|w| w.holds.is_none()))
            .or_else(|| idle.len().checked_sub(1))?;
        Some(idle.swap_remove(position))
    }

    fn put_idle(&self, worker: Worker) {
        let mut idle = self.inner.idle.lock().unwrap_or_else(|p| p.into_inner());
        idle.push(worker);
    }

    fn spawn(&self) -> Result<Worker, EngineError> {
        let config = self.config();
        let mut command = Command::new(&config.worker_program);
        command
            .args(&config.worker_args)
            .env_clear()
            .envs(std::env::vars().filter(|(k, _)| {
                PASSED_ENV.contains(&k.as_str())
                    || PASSED_ENV_PREFIXES.iter().any(|p| k.starts_with(p))
            }))
            // glibc gives each thread its own 64 MiB arena reservation; under RLIMIT_AS that address
            // space is better spent on data.
            .env(
                "MALLOC_ARENA_MAX",
                std::env::var("MALLOC_ARENA_MAX").unwrap_or("2".into()),
            )
            .env(MEMORY_LIMIT_ENV, config.memory_limit_bytes.to_string())
            .env(CACHE_ENV, if config.cache_datasets { "1" } else { "0" })
            .env(PARENT_ENV, std::process::id().to_string())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        let mut child = command.spawn().map_err(|e| {
            EngineError::Internal(format!(
                "cannot start the engine worker `{}`: {e}",
                config.worker_program.display()
            ))
        })?;
        let (Some(stdin), Some(stdout), Some(stderr)) =
            (child.stdin.take(), child.stdout.take(), child.stderr.take())
        else {
            return Err(EngineError::Internal("worker pipes missing".into()));
        };
        let pid = child.id().unwrap_or_default();
        let stderr_task = tokio::spawn(forward_stderr(stderr, pid));
        tracing::debug!(pid, "engine worker started");
        Ok(Worker {
            child,
            stdin,
            stdout,
            holds: None,
            stderr_task: Some(stderr_task),
        })
    }
}

pub(crate) fn unexpected_reply() -> EngineError {
    EngineError::Internal("the worker answered a different kind of job".into())
}

/// Log a worker's stderr (panics, allocation failures) and hand back its last lines when it closes.
async fn forward_stderr(stderr: tokio::process::ChildStderr, pid: u32) -> Vec<String> {
    let mut lines = BufReader::new(stderr).lines();
    let mut tail = VecDeque::with_capacity(STDERR_TAIL);
    while let Ok(Some(line)) = lines.next_line().await {
        tracing::warn!(pid, "engine worker: {line}");
        if tail.len() == STDERR_TAIL {
            tail.pop_front();
        }
        tail.push_back(line);
    }
    tail.into()
}

pub(crate) struct Worker {
    pub(crate) child: Child,
    stdin: ChildStdin,
    stdout: ChildStdout,
    /// The dataset this worker last read (and may hold in memory).
    holds: Option<PathBuf>,
    stderr_task: Option<JoinHandle<Vec<String>>>,
}

impl Worker {
    /// The worker stopped talking mid-job: find out how it died and say what that means for the job.
    async fn death(mut self, io_error: std::io::Error, config: &EngineConfig) -> EngineError {
        let status = match timeout(Duration::from_secs(5), self.child.wait()).await {
            Ok(Ok(status)) => Some(status),
            _ => {
                let _ = self.child.start_kill();
                None
            }
        };
        let tail = match self.stderr_task.take() {
            Some(task) => timeout(Duration::from_secs(2), task)
                .await
                .ok()
                .and_then(Result::ok)
                .unwrap_or_default(),
            None => Vec::new(),
        };
        let error = classify(status, &tail, config.memory_limit_bytes);
        tracing::warn!(?status, %io_error, ?error, "engine worker died during a job");
        error
    }
}

/// Map how a worker died to what the caller is told. Allocation failures abort (SIGABRT) after printing
/// "memory allocation of N bytes failed"; the kernel's OOM killer sends SIGKILL.
fn classify(status: Option<ExitStatus>, tail: &[String], limit_bytes: u64) -> EngineError {
    let said = |needle: &str| tail.iter().any(|line| line.contains(needle));
    if said("has overflowed its stack") {
        return EngineError::Query(
            "the query is nested too deeply to run; simplify it (use WITH for intermediate steps)"
                .into(),
        );
    }
    let out_of_memory = tail.iter().any(|line| says_out_of_memory(line));
    // A panic that could not unwind (while panicking, or where nothing catches it) and a failed safety check
    // abort too, but they are faults of the engine, not of the query or the file: a 500, logged.
    let fault = said("panicked at") || said("unsafe precondition");
    let signal = status.and_then(|s| s.signal());
    const SIGBUS: i32 = 7;
    const SIGKILL: i32 = 9;
    const SIGABRT: i32 = 6;
    const SIGSEGV: i32 = 11;
    // Without a word of why (the kernel's OOM killer, or an abort that printed nothing), memory is the likely
    // cause under the limit.
    let silent_death = !fault && matches!(signal, Some(SIGABRT | SIGKILL | SIGSEGV | SIGBUS));
    if out_of_memory || silent_death {
        return EngineError::TooLarge { limit_bytes };
    }
    EngineError::Internal(format!(
        "the engine worker exited during a job ({}); its last output: {}",
        status.map_or("status unknown".to_string(), |s| s.to_string()),
        tail.join(" | ")
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deaths_are_classified() {
        let abort = ExitStatus::from_raw(6);
        let killed = ExitStatus::from_raw(9);
        let panicked = ExitStatus::from_raw(101 << 8);
        assert!(matches!(
            classify(Some(abort), &[], 1),
            EngineError::TooLarge { limit_bytes: 1 }
        ));
        assert!(matches!(
            classify(Some(killed), &[], 1),
            EngineError::TooLarge { .. }
        ));
        let oom = ["memory allocation of 800000000 bytes failed".to_string()];
        assert!(matches!(
            classify(Some(panicked), &oom, 1),
            EngineError::TooLarge { .. }
        ));
        let stack = ["thread 'x' has overflowed its stack".to_string()];
        assert!(matches!(
            classify(Some(abort), &stack, 1),
            EngineError::Query(_)
        ));
        assert!(matches!(
            classify(Some(panicked), &["boom".into()], 1),
            EngineError::Internal(_)
        ));
        // An abort that says why: a fault of the engine, unless what it says is that memory ran out.
        let precondition = [
            "unsafe precondition(s) violated: slice::get_unchecked requires that the \
                             index is within the slice"
                .to_string(),
        ];
        assert!(matches!(
            classify(Some(abort), &precondition, 1),
            EngineError::Internal(_)
        ));
        let double_panic = [
            "thread '<unnamed>' panicked at src/x.rs:1:1:".to_string(),
            "thread caused non-unwinding panic. aborting.".to_string(),
        ];
        assert!(matches!(
            classify(Some(abort), &double_panic, 1),
            EngineError::Internal(_)
        ));
        let panicked_for_memory = [
            "thread 'main' panicked at src/x.rs:1:1:".to_string(),
            "failed to spawn thread: Os { code: 11, kind: WouldBlock }".to_string(),
        ];
        assert!(matches!(
            classify(Some(abort), &panicked_for_memory, 1),
            EngineError::TooLarge { .. }
        ));
    }
}

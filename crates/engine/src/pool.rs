//! The parent side: a small pool of worker processes, reused across jobs, killed when a job runs past its
//! time limit, and replaced after any death. No polars code runs here.

use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, ChildStdin, ChildStdout, Command};
use tokio::sync::Semaphore;
use tokio::task::JoinHandle;
use tokio::time::{Instant, timeout, timeout_at};

use crate::death::{OomKills, classify};
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
    /// Every worker process alive, idle or busy.
    pids: Arc<Mutex<Vec<u32>>>,
    oom_kills: OomKills,
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
                pids: Arc::default(),
                oom_kills: OomKills::new(),
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
            month_names: job.month_names,
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

    /// Process ids of every worker, idle or running a job (an operator, or a test, can see which one to stop).
    pub fn worker_pids(&self) -> Vec<u32> {
        self.inner
            .pids
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
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
            // Counted as the job starts: an OOM kill before it (of this worker's cgroup) is not its death.
            worker.oom_kills_at_job = self.inner.oom_kills.now();
            match timeout_at(deadline, send(&mut worker.stdin, request)).await {
                Err(_) => return Err(EngineError::Timeout { limit }),
                Ok(Err(e)) if !fresh => {
                    tracing::warn!(error = %e, "an idle engine worker had died; starting another");
                    fresh = true;
                }
                Ok(Err(e)) => return Err(worker.death(e, &self.inner).await),
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
            Ok(Err(e)) => Err(worker.death(e, &self.inner).await),
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
            // Counted as each job is sent (see `start`).
            oom_kills_at_job: None,
            _listed: Listed::new(&self.inner.pids, pid),
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
    /// The OOM-kill count when the worker's job was sent, to tell an OOM kill from another SIGKILL.
    oom_kills_at_job: Option<u64>,
    /// Takes this worker's pid out of [`Engine::worker_pids`] when it is dropped (and so killed).
    _listed: Listed,
}

impl Worker {
    /// The worker stopped talking mid-job: find out how it died and say what that means for the job.
    async fn death(mut self, io_error: std::io::Error, pool: &Inner) -> EngineError {
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
        let oom_killed = match (self.oom_kills_at_job, pool.oom_kills.now()) {
            (Some(before), Some(now)) => now > before,
            _ => false,
        };
        let error = classify(status, &tail, pool.config.memory_limit_bytes, oom_killed);
        tracing::warn!(?status, %io_error, ?error, "engine worker died during a job");
        error
    }
}

/// A worker's entry in the pool's list of pids, removed when the worker goes.
struct Listed {
    pids: Arc<Mutex<Vec<u32>>>,
    pid: u32,
}

impl Listed {
    fn new(pids: &Arc<Mutex<Vec<u32>>>, pid: u32) -> Listed {
        pids.lock().unwrap_or_else(|p| p.into_inner()).push(pid);
        Listed {
            pids: Arc::clone(pids),
            pid,
        }
    }
}

impl Drop for Listed {
    fn drop(&mut self) {
        let mut pids = self.pids.lock().unwrap_or_else(|p| p.into_inner());
        pids.retain(|&pid| pid != self.pid);
    }
}

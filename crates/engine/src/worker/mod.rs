//! The worker process: sets its memory limit, then answers one job at a time over stdin/stdout.

mod blank_lines;
mod chunked;
mod clean;
mod convert;
mod datetime_notes;
mod dialect;
mod dialect_calls;
mod explain;
mod file_kind;
mod float_digits;
mod float_range;
mod float_words;
mod headers;
mod inference_head;
mod ingest;
#[cfg(test)]
mod ingest_tests;
#[cfg(test)]
mod late_rules_tests;
mod late_types;
mod late_zeros;
mod locate;
mod lone_returns;
mod normalise;
mod number_notes;
mod numeric_dates;
mod parquet_writer;
#[cfg(test)]
mod piece_independence;
mod piece_parser;
mod pieces;
mod query;
mod quote_fault;
mod records;
mod sniff;
mod source;
mod stats;
mod subqueries;
mod syncing;
mod text_for_polars;
mod thousands;
mod thousands_note;
mod utf16;
mod values;
mod widen;
mod written_note;
mod written_numbers;

/// The schema of these columns, in order (for tests).
#[cfg(test)]
fn schema_of(columns: &[(&str, polars::prelude::DataType)]) -> polars::prelude::SchemaRef {
    use polars::prelude::{Field, Schema};
    std::sync::Arc::new(Schema::from_iter(
        columns
            .iter()
            .map(|(name, dtype)| Field::new((*name).into(), dtype.clone())),
    ))
}

use std::io::{self, Write};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::Instant;

use crate::protocol::{Payload, Reply, Request, read_frame, write_frame};
use crate::{EngineError, QueryOutput};

/// Environment variable carrying the worker's address-space limit in bytes (set by the parent).
pub(crate) const MEMORY_LIMIT_ENV: &str = "CSV_ASK_ENGINE_MEMORY_LIMIT";
/// Environment variable: `1` to keep the last dataset in memory between jobs.
pub(crate) const CACHE_ENV: &str = "CSV_ASK_ENGINE_CACHE";
/// Environment variable carrying the parent's pid: a worker whose parent is another process exits.
pub(crate) const PARENT_ENV: &str = "CSV_ASK_ENGINE_PARENT";

/// When this process was started as a worker (its first argument is [`crate::WORKER_ARG`]), run as one and
/// exit; otherwise return at once. Call it first thing in `main`, before any runtime or thread starts.
pub fn run_worker_if_requested() {
    if std::env::args_os()
        .nth(1)
        .is_some_and(|a| a == crate::WORKER_ARG)
    {
        worker_main();
    }
}

/// Run as an engine worker until the parent closes stdin. Call it first thing in `main` (before any async
/// runtime or thread starts) when the process was started with [`crate::WORKER_ARG`].
pub fn worker_main() -> ! {
    let limit = std::env::var(MEMORY_LIMIT_ENV)
        .ok()
        .and_then(|v| v.parse::<u64>().ok());
    if let Some(Err(e)) = limit.map(apply_memory_limit) {
        eprintln!("engine worker: cannot set the memory limit: {e}");
        std::process::exit(3);
    }
    exit_with_the_parent();
    let cache = std::env::var(CACHE_ENV).as_deref() == Ok("1");
    let mut state = query::State::new(cache, limit);
    let mut input = io::stdin().lock();
    let mut output = io::stdout().lock();
    loop {
        let request: Request = match read_frame(&mut input) {
            Ok(Some(request)) => request,
            Ok(None) => std::process::exit(0),
            Err(e) => {
                eprintln!("engine worker: unreadable request: {e}");
                std::process::exit(2);
            }
        };
        let reply = match catch_unwind(AssertUnwindSafe(|| handle(&mut state, request))) {
            // A polars error that says memory ran out is the limit, whatever the job was doing.
            Ok(result) => Reply {
                result: result.map_err(|e| e.or_too_large(limit)),
                retire: false,
            },
            // Polars state after a panic is unknown: answer, then exit so the parent starts a fresh worker.
            Err(panic) => Reply {
                result: Err(panic_error(panic.as_ref(), limit)),
                retire: true,
            },
        };
        if write_frame(&mut output, &reply).is_err() {
            std::process::exit(2);
        }
        if reply.retire {
            let _ = output.flush();
            std::process::exit(1);
        }
    }
}

/// A worker whose calculator died (`kill -9`, a crash) was adopted by init and kept running its job, a query
/// of gigabytes with no time limit left to stop it: the time limit is the parent's. Its stdin only closes
/// once the job is done, so a thread watches for another parent instead. The parent says who it is
/// ([`PARENT_ENV`]): one that died before this line ran would otherwise look like the parent.
fn exit_with_the_parent() {
    let parent = std::env::var(PARENT_ENV)
        .ok()
        .and_then(|pid| pid.parse::<u32>().ok())
        .unwrap_or_else(std::os::unix::process::parent_id);
    let watch = move || {
        loop {
            if std::os::unix::process::parent_id() != parent {
                std::process::exit(4);
            }
            std::thread::sleep(std::time::Duration::from_millis(250));
        }
    };
    // A small stack: the thread only sleeps and compares, inside the worker's address-space limit.
    if let Err(e) = std::thread::Builder::new()
        .name("parent-watch".into())
        .stack_size(64 * 1024)
        .spawn(watch)
    {
        eprintln!("engine worker: cannot watch the parent process: {e}");
    }
}

fn apply_memory_limit(limit: u64) -> io::Result<()> {
    use rlimit::Resource;
    let (_, hard) = Resource::AS.get()?;
    let limit = limit.min(hard);
    Resource::AS.set(limit, limit)
}

fn handle(state: &mut query::State, request: Request) -> Result<Payload, EngineError> {
    let started = Instant::now();
    let elapsed = || started.elapsed().as_millis().try_into().unwrap_or(u64::MAX);
    match request {
        Request::Ingest {
            csv_path,
            parquet_path,
            arriving,
            date_order,
            month_names,
        } => ingest::ingest(&csv_path, &parquet_path, arriving, date_order, month_names)
            .map(Payload::Ingested),
        Request::Query {
            parquet_path,
            sql,
            limit,
        } => {
            let table = state.query(&parquet_path, &sql, limit)?;
            Ok(Payload::Table(QueryOutput {
                table,
                elapsed_ms: elapsed(),
            }))
        }
        Request::Preview {
            parquet_path,
            limit,
        } => {
            let table = state.preview(&parquet_path, limit)?;
            Ok(Payload::Table(QueryOutput {
                table,
                elapsed_ms: elapsed(),
            }))
        }
    }
}

fn panic_error(panic: &(dyn std::any::Any + Send), limit: Option<u64>) -> EngineError {
    let message = panic
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_default();
    EngineError::Internal(format!("the engine panicked: {message}")).or_too_large(limit)
}

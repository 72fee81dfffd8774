//! The execution engine: CSV ingest, SQL queries and previews with polars, run in worker processes.
//!
//! Polars cannot be made safe in-process: an allocation failure aborts the whole process, cancellation is
//! only checked between plan nodes, and there is no memory limit. So every polars call runs in a worker
//! process (the calculator binary re-executed with [`WORKER_ARG`], which calls [`worker_main`]) that has an
//! address-space limit, and the parent kills a worker that runs past its time limit. A worker that dies
//! takes only its own job with it; the [`Engine`] starts a fresh one for the next job.

mod arriving;
mod config;
mod death;
mod error;
mod pool;
mod protocol;
mod worker;

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

pub use arriving::ArrivingIngest;
pub use config::{ByteSize, EngineConfig, WORKER_ARG, default_memory_limit};
pub use error::EngineError;
pub use pool::Engine;
pub use worker::{run_worker_if_requested, worker_main};

/// Read the CSV at `csv_path` and write it as Parquet to `parquet_path` (the caller owns both paths and
/// moves the result into place).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IngestJob {
    pub csv_path: PathBuf,
    pub parquet_path: PathBuf,
    /// How dates such as 01/02/2024 are read when every value of their column reads both ways.
    pub date_order: contracts::DateOrder,
    /// Whether dates written with a month's name (`Mar 5 2024`) are stored as dates or kept as text.
    pub month_names: contracts::MonthNames,
}

/// What an ingest found: shape, per-column statistics, and how the file was read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IngestReport {
    pub row_count: u64,
    pub columns: Vec<contracts::ColumnStats>,
    /// The detected field delimiter: `,`, `;`, `\t` or `|`.
    pub delimiter: u8,
    /// `utf-8`, or `latin-1` when the bytes were not valid UTF-8 (decoded as Windows-1252).
    pub encoding: String,
    /// Things worth telling the uploader (encoding fallback, renamed headers, ...).
    pub notes: Vec<String>,
    /// Size of the Parquet file written.
    pub stored_bytes: u64,
}

/// Run one validated query over the dataset stored at `parquet_path`, registered as the table `data`.
#[derive(Debug, Clone)]
pub struct QueryJob {
    pub parquet_path: PathBuf,
    /// Only a query that passed `sqlguard` can be run; its normalised SQL is what executes.
    pub query: sqlguard::ValidatedQuery,
    /// Most rows to return (further capped by [`EngineConfig::max_result_rows`]).
    pub limit: usize,
}

/// A result table (rows capped, `row_count` complete) and how long the worker spent computing it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QueryOutput {
    pub table: contracts::ResultTable,
    pub elapsed_ms: u64,
}

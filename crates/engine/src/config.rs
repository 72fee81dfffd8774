//! The engine's configuration: which program runs as a worker, how many, and the limits each job gets.

use std::{fmt, path::PathBuf, str::FromStr, time::Duration};

use telemetry::{ConfigError, Seconds, env_opt};

/// The argument that makes the calculator binary run as an engine worker instead of a server.
pub const WORKER_ARG: &str = "__engine-worker";

/// How the engine starts workers and bounds their work.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EngineConfig {
    /// The executable a worker runs (the calculator binary in production, `engine-worker` in tests).
    pub worker_program: PathBuf,
    /// Arguments that put `worker_program` in worker mode (e.g. [`WORKER_ARG`]).
    pub worker_args: Vec<String>,
    /// Most worker processes, hence most jobs running at once (`QUERY_WORKERS`, default 2).
    pub workers: usize,
    /// Address-space limit (`RLIMIT_AS`) of each worker (`QUERY_MEMORY_LIMIT`; default half the RAM, at least 1 GiB).
    pub memory_limit_bytes: u64,
    /// Wall-clock limit of a query or preview, waiting for a free worker included (`QUERY_TIMEOUT`, default 30 s).
    pub query_timeout: Duration,
    /// Wall-clock limit of a CSV ingest (`INGEST_TIMEOUT`, default 600 s); for an upload converted as it
    /// arrives, counted from its last byte.
    pub ingest_timeout: Duration,
    /// Most rows a result carries (`MAX_RESULT_ROWS`, default 10,000); `row_count` still reports them all.
    pub max_result_rows: usize,
    /// Keep the last dataset each worker read in its memory, so repeated queries skip reading Parquet.
    pub cache_datasets: bool,
}

impl EngineConfig {
    /// Defaults, with `program args...` as the worker command.
    pub fn new(worker_program: impl Into<PathBuf>, worker_args: Vec<String>) -> EngineConfig {
        EngineConfig {
            worker_program: worker_program.into(),
            worker_args,
            workers: 2,
            memory_limit_bytes: default_memory_limit(),
            query_timeout: Duration::from_secs(30),
            ingest_timeout: Duration::from_secs(600),
            max_result_rows: 10_000,
            cache_datasets: true,
        }
    }

    /// Defaults, with this very executable in worker mode as the worker (what the calculator uses).
    pub fn for_current_exe() -> std::io::Result<EngineConfig> {
        Ok(EngineConfig::new(
            std::env::current_exe()?,
            vec![WORKER_ARG.to_owned()],
        ))
    }

    /// [`EngineConfig::for_current_exe`] with the limits read from the environment.
    pub fn from_env() -> Result<EngineConfig, ConfigError> {
        let config = EngineConfig::for_current_exe().map_err(|e| ConfigError {
            variable: "QUERY_WORKERS".into(),
            message: format!("cannot locate this executable to start workers: {e}"),
        })?;
        config.with_env()
    }

    /// Overrides the limits with `QUERY_WORKERS`, `QUERY_MEMORY_LIMIT`, `QUERY_TIMEOUT`, `INGEST_TIMEOUT` and
    /// `MAX_RESULT_ROWS` where they are set.
    pub fn with_env(mut self) -> Result<EngineConfig, ConfigError> {
        if let Some(workers) = env_opt::<usize>("QUERY_WORKERS")? {
            let message = match workers {
                0 => Some("must be at least 1".to_owned()),
                n if n > MAX_WORKERS => Some(format!(
                    "{n} is more than the cap of {MAX_WORKERS} (each worker is a process that stays, of ~46 MB \
                     idle and up to QUERY_MEMORY_LIMIT busy); use 1 to {MAX_WORKERS}"
                )),
                _ => None,
            };
            if let Some(message) = message {
                return Err(ConfigError {
                    variable: "QUERY_WORKERS".into(),
                    message,
                });
            }
            self.workers = workers;
        }
        if let Some(ByteSize(bytes)) = env_opt("QUERY_MEMORY_LIMIT")? {
            self.memory_limit_bytes = bytes;
        }
        if let Some(Seconds(limit)) = env_opt("QUERY_TIMEOUT")? {
            self.query_timeout = limit;
        }
        if let Some(Seconds(limit)) = env_opt("INGEST_TIMEOUT")? {
            self.ingest_timeout = limit;
        }
        if let Some(rows) = env_opt::<usize>("MAX_RESULT_ROWS")? {
            if rows == 0 {
                return Err(ConfigError {
                    variable: "MAX_RESULT_ROWS".into(),
                    message: "0 would answer every query with no rows; it must be at least 1"
                        .into(),
                });
            }
            self.max_result_rows = rows;
        }
        Ok(self)
    }
}

/// Most worker processes `QUERY_WORKERS` may ask for.
pub const MAX_WORKERS: usize = 64;

/// Half the physical memory (from `/proc/meminfo`), at least 1 GiB; 2 GiB when it cannot be read.
pub fn default_memory_limit() -> u64 {
    const GIB: u64 = 1 << 30;
    let total = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|text| {
            let line = text.lines().find(|l| l.starts_with("MemTotal:"))?;
            let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
            Some(kib * 1024)
        });
    total.map_or(2 * GIB, |bytes| (bytes / 2).max(GIB))
}

/// A byte count written as `1073741824`, `512MiB`, `4GiB`, `2GB` or `100k` (binary and decimal units).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ByteSize(pub u64);

impl FromStr for ByteSize {
    type Err = String;

    /// The sizes every setting takes (`telemetry::parse_byte_count`), here at least 1 MiB: less would not
    /// load polars.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bytes = telemetry::parse_byte_count(s)?;
        if bytes < 1 << 20 {
            return Err(format!("`{}` is below the 1 MiB minimum", s.trim()));
        }
        Ok(ByteSize(bytes))
    }
}

impl fmt::Display for ByteSize {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        telemetry::ByteCount(self.0).fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse_with_units() {
        assert_eq!("4GiB".parse(), Ok(ByteSize(4 << 30)));
        assert_eq!("512MiB".parse(), Ok(ByteSize(512 << 20)));
        assert_eq!(" 1073741824 ".parse(), Ok(ByteSize(1 << 30)));
        assert_eq!("2GB".parse(), Ok(ByteSize(2_000_000_000)));
        assert_eq!("1.5gib".parse(), Ok(ByteSize(3 << 29)));
        assert!("12".parse::<ByteSize>().is_err(), "below the minimum");
        assert!("4 parsecs".parse::<ByteSize>().is_err());
        assert!("GiB".parse::<ByteSize>().is_err());
        assert_eq!(ByteSize(4 << 30).to_string(), "4 GiB");
        assert_eq!(ByteSize(768 << 20).to_string(), "768 MiB");
    }

    #[test]
    fn default_memory_limit_is_at_least_a_gibibyte() {
        assert!(default_memory_limit() >= 1 << 30);
    }
}

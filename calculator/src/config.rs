//! The calculator's configuration, read once from the environment (and `.env`) and passed in.

use std::{net::SocketAddr, path::PathBuf, sync::Arc, time::Duration};

use engine::EngineConfig;
use secrecy::SecretString;
use telemetry::{
    AllowedHosts, ByteCount, ConfigError, Delay, HeadLimits, ListenAddr, LogFormat, Seconds,
    env_opt, env_or,
};

/// Longer than the sidecar's longest code generation with its defaults: 1 + `AI_MAX_REPAIRS` (2) answers of up
/// to `AI_DEADLINE` (120 s) each is 360 s, plus [`SIDECAR_TIMEOUT_MARGIN`]. At 300 s the calculator gave up on
/// analyses the sidecar was still answering.
const DEFAULT_SIDECAR_TIMEOUT: Duration = Duration::from_secs(420);
/// Time beyond the LLM calls themselves: a wait for an LLM slot, validation, the network.
const SIDECAR_TIMEOUT_MARGIN: Duration = Duration::from_secs(60);
const DEFAULT_UPLOAD_IDLE_TIMEOUT: Duration = Duration::from_secs(60);
/// Why not overlap every upload: one that arrives within a second gains at most that second, and on a small
/// machine its receiving and its conversion then compete for the CPU. The 509 MB groupby table from a local
/// client took 1.86-2.04 s overlapped against 1.72-1.74 s received first (2 cores); at 200 MB/s, overlapping
/// took 2.64 s against 4.03 s.
const DEFAULT_UPLOAD_OVERLAP_AFTER: Duration = Duration::from_secs(1);

/// Everything the calculator needs to start.
#[derive(Debug, Clone)]
pub struct Config {
    /// Where to listen (`CALCULATOR_ADDR`, default `127.0.0.1:8000`; port 0 picks a free port).
    pub addr: SocketAddr,
    /// The host names requests may be addressed to (`ALLOWED_HOSTS`; by default the loopback names when `addr`
    /// is a loopback address, any host otherwise): a web page cannot reach the service by rebinding its own name.
    pub allowed_hosts: AllowedHosts,
    /// Largest request body accepted on JSON endpoints (`MAX_BODY_BYTES`, default 32 MiB: a 1M-point chart).
    pub max_body_bytes: usize,
    /// Longest URI (`MAX_URI_BYTES`, default 16 KiB; 414 `uri_too_long` beyond) and most bytes of headers
    /// (`MAX_HEADER_BYTES`, default 64 KiB; 431 `headers_too_large` beyond) a request may have; both below
    /// the HTTP server's own limits, which answer with no error body.
    pub head_limits: HeadLimits,
    /// The sidecar's base URL (`SIDECAR_URL`); unset means the embedded sidecar started beside the calculator
    /// (whose address `main` fills in once it is bound).
    pub sidecar_url: Option<String>,
    /// Sent as `Authorization: Bearer` to the sidecar (`SIDECAR_TOKEN`; the embedded sidecar requires the same).
    pub sidecar_token: Option<SecretString>,
    /// Longest wait for a sidecar answer, repairs and LLM retries included; for streams, the longest silence
    /// (`SIDECAR_TIMEOUT`, default 420 s; unset with the embedded sidecar, at least what that sidecar can take,
    /// see [`Config::fit_sidecar_timeout`]).
    pub sidecar_timeout: Duration,
    /// `LOG_FORMAT`: `pretty` or `json`.
    pub log_format: LogFormat,
    /// Where datasets are stored (`DATA_DIR`, default `./data`); one calculator process per directory.
    pub data_dir: PathBuf,
    /// Largest CSV upload in bytes (`MAX_UPLOAD_BYTES`, default 1 GiB); `MAX_BODY_BYTES` does not apply to uploads.
    pub max_upload_bytes: u64,
    /// Longest silence of an upload's body before it is refused with 408 (`UPLOAD_IDLE_TIMEOUT`, default 60 s):
    /// a client that stalls holds a connection, a temporary file and perhaps a worker until then.
    pub upload_idle_timeout: Duration,
    /// An upload still arriving after this long (`UPLOAD_OVERLAP_AFTER`, default 1 s; `0` for every upload)
    /// is read into Parquet as it arrives, by a worker the queries can spare, instead of after its last byte.
    pub upload_overlap_after: Duration,
    /// The query engine: worker processes and their limits (`QUERY_WORKERS`, `QUERY_MEMORY_LIMIT`,
    /// `QUERY_TIMEOUT`, `INGEST_TIMEOUT`, `MAX_RESULT_ROWS`).
    pub engine: EngineConfig,
    /// Keeps the temporary `DATA_DIR` of [`Config::for_tests`] alive while any clone of the config is; the
    /// directory is deleted when the last one drops. `None` outside tests.
    pub temp_data_dir: Option<Arc<tempfile::TempDir>>,
}

impl Config {
    /// Reads the configuration from the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        telemetry::log_filter_from_env()?;
        let ListenAddr(addr) = env_or(
            "CALCULATOR_ADDR",
            ListenAddr(SocketAddr::from(([127, 0, 0, 1], 8000))),
        )?;
        Ok(Self {
            addr,
            allowed_hosts: env_opt(telemetry::ALLOWED_HOSTS)?
                .unwrap_or_else(|| AllowedHosts::for_bind(addr)),
            max_body_bytes: env_or("MAX_BODY_BYTES", ByteCount(32 << 20))?.as_usize(),
            head_limits: head_limits_from_env()?,
            sidecar_url: telemetry::http_url(
                "SIDECAR_URL",
                env_opt("SIDECAR_URL")?,
                "http://127.0.0.1:8001",
            )?,
            sidecar_token: env_opt::<String>("SIDECAR_TOKEN")?.map(SecretString::from),
            sidecar_timeout: env_or("SIDECAR_TIMEOUT", Seconds(DEFAULT_SIDECAR_TIMEOUT))?.0,
            log_format: env_or("LOG_FORMAT", LogFormat::Pretty)?,
            data_dir: env_or("DATA_DIR", PathBuf::from("./data"))?,
            max_upload_bytes: env_or("MAX_UPLOAD_BYTES", ByteCount(1 << 30))?.0,
            upload_idle_timeout: env_or(
                "UPLOAD_IDLE_TIMEOUT",
                Seconds(DEFAULT_UPLOAD_IDLE_TIMEOUT),
            )?
            .0,
            // Zero is allowed here: every upload is then converted while it arrives.
            upload_overlap_after: env_or(
                "UPLOAD_OVERLAP_AFTER",
                Delay(DEFAULT_UPLOAD_OVERLAP_AFTER),
            )?
            .0,
            engine: EngineConfig::from_env()?,
            temp_data_dir: None,
        })
    }

    /// Fits `sidecar_timeout` to a sidecar whose longest code generation is `longest` (the embedded sidecar's
    /// [`sidecar::Config::longest_codegen`]): raised to cover it when `SIDECAR_TIMEOUT` was not `explicit`, and
    /// a warning when it was and is shorter (the calculator would give up on answers still coming).
    pub fn fit_sidecar_timeout(&mut self, longest: Duration, explicit: bool) {
        let needed = longest.saturating_add(SIDECAR_TIMEOUT_MARGIN);
        if self.sidecar_timeout >= needed || (explicit && self.sidecar_timeout >= longest) {
            return;
        }
        if explicit {
            tracing::warn!(
                sidecar_timeout_s = self.sidecar_timeout.as_secs(),
                sidecar_longest_s = longest.as_secs(),
                "SIDECAR_TIMEOUT is shorter than the sidecar's longest code generation (AI_DEADLINE x (1 + \
                 AI_MAX_REPAIRS)): analyses may time out while the model is still answering; raise it to {} s",
                needed.as_secs()
            );
        } else {
            self.sidecar_timeout = needed;
        }
    }

    /// Creates `DATA_DIR` (and its parents) unless it is there, before anything else starts (the embedded
    /// sidecar said it was listening, then the calculator stopped). An error names the variable and the path,
    /// where the system's said only "File exists (os error 17)".
    pub fn create_data_dir(&self) -> std::io::Result<()> {
        let path = &self.data_dir;
        let error = match std::fs::create_dir_all(path) {
            Ok(()) => return Ok(()),
            Err(error) => error,
        };
        let why = if path.exists() && !path.is_dir() {
            "a file of that name is there; point DATA_DIR at a directory".to_owned()
        } else if error.kind() == std::io::ErrorKind::NotADirectory {
            format!("a part of the path is a file, not a directory ({error})")
        } else {
            error.to_string()
        };
        Err(std::io::Error::new(
            error.kind(),
            format!(
                "DATA_DIR={}: cannot create the directory: {why}",
                path.display()
            ),
        ))
    }

    /// A configuration for tests: an ephemeral loopback port, a fresh temporary `DATA_DIR` (removed when the
    /// last clone of this config drops; clone the config to reopen the same directory), the calculator binary
    /// built beside the test executable as the engine's worker, and defaults elsewhere.
    pub fn for_tests() -> Self {
        let temp = tempfile::Builder::new()
            .prefix("csv-ask-test-data-")
            .tempdir()
            .expect("a temporary DATA_DIR for a test");
        Self {
            data_dir: temp.path().to_path_buf(),
            max_upload_bytes: 1 << 30,
            upload_idle_timeout: DEFAULT_UPLOAD_IDLE_TIMEOUT,
            upload_overlap_after: DEFAULT_UPLOAD_OVERLAP_AFTER,
            engine: EngineConfig::new(test_worker_program(), vec![engine::WORKER_ARG.to_owned()]),
            temp_data_dir: Some(Arc::new(temp)),
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            allowed_hosts: AllowedHosts::for_bind(SocketAddr::from(([127, 0, 0, 1], 0))),
            max_body_bytes: 32 * 1024 * 1024,
            head_limits: HeadLimits::default(),
            sidecar_url: None,
            sidecar_token: None,
            sidecar_timeout: DEFAULT_SIDECAR_TIMEOUT,
            log_format: LogFormat::Pretty,
        }
    }
}

/// `MAX_URI_BYTES` and `MAX_HEADER_BYTES`, refused when hyper's own limits would answer first.
fn head_limits_from_env() -> Result<HeadLimits, ConfigError> {
    let defaults = HeadLimits::default();
    let limits = HeadLimits {
        max_uri_bytes: env_or("MAX_URI_BYTES", ByteCount(defaults.max_uri_bytes as u64))?
            .as_usize(),
        max_header_bytes: env_or(
            "MAX_HEADER_BYTES",
            ByteCount(defaults.max_header_bytes as u64),
        )?
        .as_usize(),
    };
    match limits.problem() {
        Some(message) => Err(ConfigError {
            variable: if limits.max_uri_bytes >= telemetry::HYPER_MAX_URI_BYTES {
                "MAX_URI_BYTES".into()
            } else {
                "MAX_HEADER_BYTES".into()
            },
            message,
        }),
        None => Ok(limits),
    }
}

/// The calculator binary that cargo builds beside a test executable: tests run from `target/<profile>/deps/`,
/// binaries live in `target/<profile>/`. (Integration tests of this crate can also use
/// `env!("CARGO_BIN_EXE_calculator")`.)
fn test_worker_program() -> PathBuf {
    let exe = std::env::current_exe().unwrap_or_default();
    let mut dir = exe.parent().map(PathBuf::from).unwrap_or_default();
    if dir.ends_with("deps") {
        dir.pop();
    }
    dir.join(format!("calculator{}", std::env::consts::EXE_SUFFIX))
}

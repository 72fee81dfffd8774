//! The calculator's configuration, read once from the environment (and `.env`) and passed in.

use std::net::SocketAddr;

use telemetry::{ConfigError, LogFormat, env_opt, env_or};

/// Everything the calculator needs to start.
#[derive(Debug, Clone)]
pub struct Config {
    /// Where to listen (`CALCULATOR_ADDR`, default `127.0.0.1:8000`; port 0 picks a free port).
    pub addr: SocketAddr,
    /// Largest request body accepted on JSON endpoints (`MAX_BODY_BYTES`, default 32 MiB: a 1M-point chart).
    pub max_body_bytes: usize,
    /// The sidecar's base URL (`SIDECAR_URL`); unset means the embedded sidecar started beside the calculator.
    pub sidecar_url: Option<String>,
    /// `LOG_FORMAT`: `pretty` or `json`.
    pub log_format: LogFormat,
}

impl Config {
    /// Reads the configuration from the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Ok(Self {
            addr: env_or("CALCULATOR_ADDR", SocketAddr::from(([127, 0, 0, 1], 8000)))?,
            max_body_bytes: env_or("MAX_BODY_BYTES", 32 * 1024 * 1024)?,
            sidecar_url: env_opt("SIDECAR_URL")?,
            log_format: env_or("LOG_FORMAT", LogFormat::Pretty)?,
        })
    }

    /// A configuration for tests: an ephemeral loopback port and defaults elsewhere.
    pub fn for_tests() -> Self {
        Self {
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            max_body_bytes: 32 * 1024 * 1024,
            sidecar_url: None,
            log_format: LogFormat::Pretty,
        }
    }
}

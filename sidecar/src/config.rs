//! The sidecar's configuration, read once from the environment (and `.env`) and passed in.

use std::net::SocketAddr;

use telemetry::{ConfigError, LogFormat, env_or};

/// Everything the sidecar needs to start.
#[derive(Debug, Clone)]
pub struct Config {
    /// Where to listen (`SIDECAR_ADDR`, default `127.0.0.1:8001`: loopback only unless told otherwise).
    pub addr: SocketAddr,
    /// `LOG_FORMAT`: `pretty` or `json`.
    pub log_format: LogFormat,
}

impl Config {
    /// Reads the configuration from the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Ok(Self {
            addr: env_or("SIDECAR_ADDR", SocketAddr::from(([127, 0, 0, 1], 8001)))?,
            log_format: env_or("LOG_FORMAT", LogFormat::Pretty)?,
        })
    }

    /// A configuration for tests: an ephemeral loopback port.
    pub fn for_tests() -> Self {
        Self {
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            log_format: LogFormat::Pretty,
        }
    }
}

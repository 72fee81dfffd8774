//! The sidecar's configuration, read once from the environment (and `.env`) and passed in.
//!
//! An LLM that is not configured at all is a normal state (codegen answers 503 naming what to set); one that is
//! configured but wrong stops startup with a [`ConfigError`] naming the variable.

mod provider;

use std::{net::SocketAddr, sync::Arc};

use llm::{Provider, ProviderConfig};
use secrecy::SecretString;
use telemetry::{AllowedHosts, ByteCount, ConfigError, ListenAddr, LogFormat, env_opt, env_or};

pub use provider::provider_config_from_env;

/// The variables that configure an LLM, named in the `llm_not_configured` error.
pub const LLM_VARIABLES: &[&str] = &[
    "AI_PROVIDER",
    "AI_BASE_URL",
    "AI_MODEL",
    "AI_API_KEY",
    "GOOGLE_API_KEY",
    "GOOGLE_GEMINI_MODEL",
];

/// Everything the sidecar needs to start.
#[derive(Debug, Clone)]
pub struct Config {
    /// Where to listen (`SIDECAR_ADDR`, default `127.0.0.1:8001`: loopback only unless told otherwise).
    pub addr: SocketAddr,
    /// The host names requests may be addressed to (`ALLOWED_HOSTS`; by default the loopback names when `addr`
    /// is a loopback address, any host otherwise): a web page cannot reach the sidecar by rebinding its own name.
    pub allowed_hosts: AllowedHosts,
    /// `LOG_FORMAT`: `pretty` or `json`.
    pub log_format: LogFormat,
    /// The LLM, built and checked at startup; `None` when no LLM variable is set.
    pub llm: Option<Arc<dyn Provider>>,
    /// `AI_MAX_REPAIRS`: how many times a rejected answer is fed back to the model (default 2).
    pub max_repairs: u32,
    /// `AI_SAMPLE_ROWS`: sample rows shown to the model (default 3; 0 sends none).
    pub sample_rows: usize,
    /// `AI_REVIEW`: whether `/ai/validate` asks the LLM to review a query against its question (default off).
    pub review: bool,
    /// `SIDECAR_TOKEN`: when set, every route but `/healthz` needs `Authorization: Bearer <token>`.
    pub token: Option<SecretString>,
    /// `AI_MAX_CONCURRENCY`: most LLM calls in flight at once; further requests wait their turn (default 64).
    pub max_concurrency: usize,
    /// `MAX_BODY_BYTES`: largest JSON request body (default 32 MiB, the calculator's too: a description's
    /// sample rows carry whole cell values, which only the prompt cuts).
    pub max_body_bytes: usize,
}

/// Default of `MAX_BODY_BYTES`, the same in both services (the embedded sidecar reads the same variable).
pub const DEFAULT_MAX_BODY_BYTES: usize = 32 * 1024 * 1024;

/// Most repairs allowed: each one is a full LLM round trip.
const MAX_REPAIRS_CAP: u32 = 10;
/// Most sample rows allowed: they are untrusted text in the prompt, and cost tokens.
const SAMPLE_ROWS_CAP: usize = 50;
/// Default bound on concurrent LLM calls: enough to keep a batching server (vLLM) busy, few enough not to
/// bury a small one, and it keeps the sidecar's memory flat under a burst (see `slots.rs`).
pub const DEFAULT_MAX_CONCURRENCY: usize = 64;
/// Most concurrent LLM calls allowed.
const MAX_CONCURRENCY_CAP: usize = 10_000;

impl Config {
    /// Reads the configuration from the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        telemetry::log_filter_from_env()?;
        let llm = match provider_config_from_env()? {
            Some(config) => Some(build(config)?),
            None => None,
        };
        let review = env_or("AI_REVIEW", Switch(false))?.0;
        if review && llm.is_none() {
            return Err(ConfigError {
                variable: "AI_REVIEW".into(),
                message: format!(
                    "`on` needs an LLM, and none is configured; set {} or turn AI_REVIEW off",
                    LLM_VARIABLES.join(", ")
                ),
            });
        }
        let max_repairs: u32 = env_or("AI_MAX_REPAIRS", 2)?;
        if max_repairs > MAX_REPAIRS_CAP {
            return Err(ConfigError {
                variable: "AI_MAX_REPAIRS".into(),
                message: format!("{max_repairs} is more than the cap of {MAX_REPAIRS_CAP}"),
            });
        }
        let sample_rows: usize = env_or("AI_SAMPLE_ROWS", 3)?;
        if sample_rows > SAMPLE_ROWS_CAP {
            return Err(ConfigError {
                variable: "AI_SAMPLE_ROWS".into(),
                message: format!("{sample_rows} is more than the cap of {SAMPLE_ROWS_CAP}"),
            });
        }
        let max_concurrency: usize = env_or("AI_MAX_CONCURRENCY", DEFAULT_MAX_CONCURRENCY)?;
        if !(1..=MAX_CONCURRENCY_CAP).contains(&max_concurrency) {
            return Err(ConfigError {
                variable: "AI_MAX_CONCURRENCY".into(),
                message: format!("{max_concurrency} is outside 1 to {MAX_CONCURRENCY_CAP}"),
            });
        }
        // A String parse cannot fail, so the token never appears in a ConfigError message.
        let token = env_opt::<String>("SIDECAR_TOKEN")?.map(SecretString::from);
        let ListenAddr(addr) = env_or(
            "SIDECAR_ADDR",
            ListenAddr(SocketAddr::from(([127, 0, 0, 1], 8001))),
        )?;
        Ok(Self {
            addr,
            allowed_hosts: env_opt(telemetry::ALLOWED_HOSTS)?
                .unwrap_or_else(|| AllowedHosts::for_bind(addr)),
            log_format: env_or("LOG_FORMAT", LogFormat::Pretty)?,
            llm,
            max_repairs,
            sample_rows,
            review,
            token,
            max_concurrency,
            max_body_bytes: env_or("MAX_BODY_BYTES", ByteCount(DEFAULT_MAX_BODY_BYTES as u64))?
                .as_usize(),
        })
    }

    /// A configuration for tests: an ephemeral loopback port, no LLM, no token.
    pub fn for_tests() -> Self {
        let addr = SocketAddr::from(([127, 0, 0, 1], 0));
        Self {
            addr,
            allowed_hosts: AllowedHosts::for_bind(addr),
            log_format: LogFormat::Pretty,
            llm: None,
            max_repairs: 2,
            sample_rows: 3,
            review: false,
            token: None,
            max_concurrency: DEFAULT_MAX_CONCURRENCY,
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
        }
    }

    /// The longest one `/ai/codegen` call can take with an LLM: every answer (1 + `AI_MAX_REPAIRS`) may use the
    /// whole `AI_DEADLINE`. A caller's timeout shorter than this cuts off answers the sidecar would still give;
    /// `None` without an LLM.
    pub fn longest_codegen(&self) -> Option<std::time::Duration> {
        let llm = self.llm.as_ref()?;
        Some(llm.deadline().saturating_mul(1 + self.max_repairs))
    }

    /// This configuration with the LLM described by `config` (tests, embedding).
    pub fn with_llm(mut self, config: ProviderConfig) -> Result<Self, llm::LlmError> {
        self.llm = Some(llm::build_provider(config)?);
        Ok(self)
    }

    /// This configuration with `SIDECAR_TOKEN` set to `token`.
    pub fn with_token(mut self, token: impl Into<String>) -> Self {
        self.token = Some(SecretString::from(token.into()));
        self
    }
}

fn build(config: ProviderConfig) -> Result<Arc<dyn Provider>, ConfigError> {
    llm::build_provider(config).map_err(|error| ConfigError {
        variable: "AI_PROVIDER".into(),
        message: format!("the LLM provider cannot be built: {error}"),
    })
}

/// `on`/`off` (also `true`/`false`, `1`/`0`, `yes`/`no`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Switch(pub bool);

impl std::str::FromStr for Switch {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "on" | "true" | "1" | "yes" => Ok(Self(true)),
            "off" | "false" | "0" | "no" => Ok(Self(false)),
            _ => Err("expected `on` or `off`".into()),
        }
    }
}

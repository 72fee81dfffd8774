//! Tracing subscriber setup: pretty or JSON lines, filtered by `RUST_LOG`, safe to call more than once.

use std::str::FromStr;

use tracing::Subscriber;
use tracing_subscriber::{
    EnvFilter, fmt::MakeWriter, layer::SubscriberExt, util::SubscriberInitExt,
};

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LogFormat {
    /// Human-readable, one line per event with the span context (`request{trace_id=..}`).
    #[default]
    Pretty,
    /// One JSON object per line, with the current span's fields (including `trace_id`).
    Json,
}

impl FromStr for LogFormat {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "pretty" | "text" | "" => Ok(Self::Pretty),
            "json" => Ok(Self::Json),
            other => Err(format!(
                "LOG_FORMAT must be `pretty` or `json`, not `{other}`"
            )),
        }
    }
}

/// Builds a subscriber writing to `writer`; tests pass a buffer and install it with `set_default`.
pub fn subscriber<W>(
    format: LogFormat,
    filter: &str,
    writer: W,
) -> Box<dyn Subscriber + Send + Sync>
where
    W: for<'a> MakeWriter<'a> + Send + Sync + 'static,
{
    let filter = EnvFilter::try_new(filter).unwrap_or_else(|_| EnvFilter::new("info"));
    let registry = tracing_subscriber::registry().with(filter);
    match format {
        LogFormat::Pretty => Box::new(
            registry.with(
                tracing_subscriber::fmt::layer()
                    .with_writer(writer)
                    .with_target(false),
            ),
        ),
        LogFormat::Json => Box::new(
            registry.with(
                tracing_subscriber::fmt::layer()
                    .json()
                    .with_current_span(true)
                    .with_span_list(false)
                    .with_writer(writer),
            ),
        ),
    }
}

/// Installs the global subscriber writing to stdout, with `RUST_LOG` (default `info`) as the filter.
///
/// Returns `false` when a global subscriber was already installed (a second call, or a test harness), which is
/// not an error: the first one stays.
pub fn init(format: LogFormat) -> bool {
    let filter = std::env::var("RUST_LOG").unwrap_or_else(|_| "info".to_owned());
    subscriber(format, &filter, std::io::stdout)
        .try_init()
        .is_ok()
}

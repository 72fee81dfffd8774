//! Tracing subscriber setup: pretty or JSON lines, filtered by `RUST_LOG`, safe to call more than once.

use std::str::FromStr;

use tracing::Subscriber;

use crate::{fields::JsonSpanFields, format::WithTraceId};
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

/// Builds a subscriber writing to `writer` without colours; tests pass a buffer and install it with
/// `set_default`.
pub fn subscriber<W>(
    format: LogFormat,
    filter: &str,
    writer: W,
) -> Box<dyn Subscriber + Send + Sync>
where
    W: for<'a> MakeWriter<'a> + Send + Sync + 'static,
{
    build(format, filter, writer, false)
}

fn build<W>(
    format: LogFormat,
    filter: &str,
    writer: W,
    ansi: bool,
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
                    .event_format(WithTraceId {
                        inner: tracing_subscriber::fmt::format().with_target(true),
                        json: false,
                    })
                    .with_ansi(ansi)
                    .with_writer(writer),
            ),
        ),
        LogFormat::Json => Box::new(
            registry.with(
                tracing_subscriber::fmt::layer()
                    .json()
                    .fmt_fields(JsonSpanFields)
                    .event_format(WithTraceId {
                        inner: tracing_subscriber::fmt::format()
                            .json()
                            .with_current_span(true)
                            .with_span_list(false),
                        json: true,
                    })
                    .with_writer(writer),
            ),
        ),
    }
}

/// Keeps the background log writer alive; dropping it flushes what is still queued.
#[must_use = "logs written after this guard drops are lost"]
pub struct LogGuard {
    _worker: Option<tracing_appender::non_blocking::WorkerGuard>,
}

/// Installs the global subscriber writing to stdout, with `RUST_LOG` (default `info`) as the filter.
///
/// Lines are formatted on the request's thread but written by a background thread through a buffer, so a
/// request never waits on a `write(2)`; under overload lines are dropped rather than slowing requests. A second
/// call (or a test harness that installed its own subscriber) keeps the first subscriber.
pub fn init(format: LogFormat) -> LogGuard {
    let filter = std::env::var("RUST_LOG").unwrap_or_else(|_| "info".to_owned());
    let buffered = std::io::BufWriter::with_capacity(64 * 1024, std::io::stdout());
    let (writer, guard) = tracing_appender::non_blocking(buffered);
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stdout());
    match build(format, &filter, writer, ansi).try_init() {
        Ok(()) => LogGuard {
            _worker: Some(guard),
        },
        Err(_) => LogGuard { _worker: None },
    }
}

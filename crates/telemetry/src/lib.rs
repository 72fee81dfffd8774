//! Cross-cutting HTTP plumbing shared by both services: logging setup, the `X-Trace-Id` layer, the one JSON
//! error body (with the trace id filled in) and extractors whose rejections use that body.

mod allowed_hosts;
mod body_deadline;
mod byte_count;
mod content_encoding;
mod errors;
mod extract;
mod fields;
mod format;
mod head_limits;
mod host_guard;
mod json_errors;
mod logging;
mod metrics;
mod object_body;
mod outgoing;
mod scope;
mod trace_id;

pub use allowed_hosts::{ALLOWED_HOSTS, AllowedHosts};
pub use byte_count::{ByteCount, parse_byte_count};
pub use content_encoding::{content_encoding, encoded_body_message};
pub use errors::{error_response, status_code_name};
pub use extract::{ApiJson, ApiQuery, Rejection};
pub use head_limits::{HYPER_MAX_HEAD_BYTES, HYPER_MAX_URI_BYTES, HeadLimits};
pub use host_guard::{GuardFuture, HostGuard, HostGuardLayer};
pub use logging::{LogFormat, LogGuard, init, subscriber};
pub use metrics::{Metrics, with_metrics};
pub use outgoing::{TraceIdExt, trace_headers};
/// The metrics library, for a service's own metrics in [`Metrics::new`]'s registry.
pub use prometheus_client;
pub use scope::in_request_scope;
pub use trace_id::{
    TraceId, current_trace_id, instrument, instrument_with_body_limit, instrument_with_limits,
    is_valid_trace_id,
};

mod config;
mod server;
pub use config::{
    ConfigError, Delay, ListenAddr, Seconds, env_opt, env_or, http_url, load_dotenv,
    log_filter_from_env,
};
pub use server::{
    ConnectionLimits, bind_error, serve, serve_connections, serve_with, served, served_with,
    shutdown_signal,
};

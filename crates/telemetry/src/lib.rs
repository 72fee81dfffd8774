//! Cross-cutting HTTP plumbing shared by both services: logging setup, the `X-Trace-Id` layer, the one JSON
//! error body (with the trace id filled in) and extractors whose rejections use that body.

mod body_deadline;
mod errors;
mod extract;
mod fields;
mod format;
mod json_errors;
mod logging;
mod outgoing;
mod scope;
mod trace_id;

pub use errors::{error_response, status_code_name};
pub use extract::{ApiJson, ApiQuery, Rejection};
pub use logging::{LogFormat, LogGuard, init, subscriber};
pub use outgoing::{TraceIdExt, trace_headers};
pub use scope::in_request_scope;
pub use trace_id::{
    TraceId, current_trace_id, instrument, instrument_with_body_limit, is_valid_trace_id,
};

mod config;
mod server;
pub use config::{ConfigError, Delay, Seconds, env_opt, env_or, load_dotenv};
pub use server::{ConnectionLimits, serve, serve_connections, served, shutdown_signal};

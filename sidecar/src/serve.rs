//! Serving the sidecar: `telemetry::serve_connections` with small per-connection buffers and room for
//! thousands of connections.
//!
//! The sidecar holds a connection open for every call while the LLM thinks, so thousands of waiting
//! connections are its normal load, and only the calculator (HTTP/1.1, small JSON bodies) talks to it. A read
//! buffer that stays at 8 KB instead of doubling measured the peak RSS at 2,000 concurrent calls about 10 %
//! lower in `bench/sidecar.sh` (113 → 102 MiB).
//!
//! The request head must fit that buffer too, or hyper answers a bare 431 with no body before the request
//! layer sees it: [`HEAD_LIMITS`] stay below it, so a URI or headers over them get the JSON 414 `uri_too_long` /
//! 431 `headers_too_large` with a trace id. Only a head past the whole buffer still gets hyper's bare 431.

use std::future::Future;

use axum::Router;
use telemetry::{ConnectionLimits, HeadLimits};
use tokio::net::TcpListener;

/// The most unparsed bytes buffered per connection: the request line and headers must fit (hyper's minimum).
const MAX_BUFFER: usize = 8 * 1024;
/// The request layer's URI and header limits: with room left in [`MAX_BUFFER`] for the request line and a
/// header a little over the limit, so that a head over a limit reaches the layer rather than overflowing the
/// buffer. The only client, the calculator, sends a fixed path and a few short headers.
pub(crate) const HEAD_LIMITS: HeadLimits = HeadLimits {
    max_uri_bytes: 2 << 10,
    max_header_bytes: 4 << 10,
};
const _: () =
    assert!(HEAD_LIMITS.max_uri_bytes + HEAD_LIMITS.max_header_bytes + (2 << 10) <= MAX_BUFFER);
/// Calls waiting on the LLM each hold a connection; past this many, callers wait to connect.
const MAX_CONNECTIONS: usize = 16 * 1024;

/// Serves `router` on `listener` until `shutdown` resolves, then lets in-flight requests finish.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let limits = ConnectionLimits {
        max_connections: MAX_CONNECTIONS,
        max_buf_size: Some(MAX_BUFFER),
        ..ConnectionLimits::default()
    };
    telemetry::serve_connections(listener, router, limits, shutdown).await
}

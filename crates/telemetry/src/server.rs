//! Serving a router on a bound listener until a shutdown signal, shared by both services' `Application`.

use std::{future::Future, sync::Arc, time::Duration};

use axum::Router;
use hyper::server::conn::http1;
use hyper_util::{
    rt::{TokioIo, TokioTimer},
    server::graceful::GracefulShutdown,
    service::TowerToHyperService,
};
use tokio::{net::TcpListener, sync::Semaphore};
use tower::{Layer, ServiceExt};

use crate::trace_id::{request_layer, with_method_not_allowed};

/// A failure to bind `addr`, read from `variable`, as a message naming both: `CALCULATOR_ADDR 127.0.0.1:8000:
/// address already in use` rather than the bare `Address already in use (os error 98)`.
pub fn bind_error(
    variable: &str,
    addr: std::net::SocketAddr,
    error: std::io::Error,
) -> std::io::Error {
    let text = error.to_string();
    // The OS's sentence without its number, lowercased to follow the colon.
    let reason = match text.rfind(" (os error") {
        Some(end) => &text[..end],
        None => &text,
    };
    let mut chars = reason.chars();
    let reason: String = chars
        .next()
        .map(|first| first.to_lowercase().chain(chars).collect())
        .unwrap_or_default();
    let hint = match error.kind() {
        std::io::ErrorKind::AddrInUse => {
            format!(" (another program listens there: stop it, or set {variable} to another port)")
        }
        std::io::ErrorKind::AddrNotAvailable => {
            format!(
                " (no interface of this machine has that address: set {variable} to one that does)"
            )
        }
        _ => String::new(),
    };
    std::io::Error::new(error.kind(), format!("{variable} {addr}: {reason}{hint}"))
}

/// Resolves on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}

/// The service [`serve`] runs: `router` behind the host and origin guard (`hosts`), inside the request layer
/// and a body limit of `max_body_bytes`. Around the whole router once: `Router::layer` would add a boxed
/// service and a boxed future per request to every route (5 % of `/add`'s throughput).
pub fn served(
    router: Router,
    max_body_bytes: usize,
    hosts: crate::AllowedHosts,
) -> impl tower::Service<
    axum::extract::Request,
    Response = axum::response::Response,
    Error = std::convert::Infallible,
    Future = impl Send,
> + Clone
+ Send
+ 'static {
    served_with(router, max_body_bytes, hosts, crate::HeadLimits::default())
}

/// [`served`], with `head` as the limits on a request's URI and headers.
pub fn served_with(
    router: Router,
    max_body_bytes: usize,
    hosts: crate::AllowedHosts,
    head: crate::HeadLimits,
) -> impl tower::Service<
    axum::extract::Request,
    Response = axum::response::Response,
    Error = std::convert::Infallible,
    Future = impl Send,
> + Clone
+ Send
+ 'static {
    let guarded = crate::HostGuardLayer::new(hosts).layer(with_method_not_allowed(router));
    let mut layer = request_layer(max_body_bytes);
    layer.head = head;
    layer.layer(guarded)
}

/// How [`serve_connections`] treats connections: the bounds that keep slow or silent clients (a slowloris)
/// from holding the service, and its shutdown, for ever.
#[derive(Debug, Clone, Copy)]
pub struct ConnectionLimits {
    /// The most connections served at once; more clients wait in the listen backlog. Each holds a file
    /// descriptor, and running out of those stopped the service accepting anyone.
    pub max_connections: usize,
    /// A client that does not send a request's headers in this time is disconnected; so is a keep-alive
    /// connection idle this long.
    pub header_timeout: Duration,
    /// hyper's read buffer per connection, when it should be smaller than hyper's default.
    pub max_buf_size: Option<usize>,
    /// After the shutdown signal, how long requests in flight may still take; then their connections are
    /// dropped, so a client that never finishes cannot keep the process alive.
    pub shutdown_grace: Duration,
}

impl Default for ConnectionLimits {
    fn default() -> Self {
        Self {
            max_connections: 512,
            header_timeout: Duration::from_secs(30),
            max_buf_size: None,
            shutdown_grace: Duration::from_secs(30),
        }
    }
}

/// Accept errors (out of file descriptors, mostly) are retried after this pause instead of spinning.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(50);

/// Serves `router` on `listener` with the request layer and a body limit of `max_body_bytes` around it (what
/// [`crate::instrument_with_body_limit`] gives a router under test), finishing in-flight requests once
/// `shutdown` resolves.
///
/// The layer wraps the router once, rather than each route as `Router::layer` does: that saves a boxed service
/// clone, a boxed future and a second route future per request (`bench/http.sh`).
pub async fn serve(
    listener: TcpListener,
    router: Router,
    max_body_bytes: usize,
    hosts: crate::AllowedHosts,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    serve_with(
        listener,
        router,
        max_body_bytes,
        hosts,
        crate::HeadLimits::default(),
        shutdown,
    )
    .await
}

/// [`serve`], with `head` as the limits on a request's URI and headers (see [`crate::HeadLimits::problem`]
/// for those hyper's own limits leave room for).
pub async fn serve_with(
    listener: TcpListener,
    router: Router,
    max_body_bytes: usize,
    hosts: crate::AllowedHosts,
    head: crate::HeadLimits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let service = served_with(router, max_body_bytes, hosts, head);
    serve_connections(listener, service, ConnectionLimits::default(), shutdown).await
}

/// Serves `service` over HTTP/1.1 on `listener` within `limits` until `shutdown` resolves, then lets requests
/// in flight finish for at most `limits.shutdown_grace`.
///
/// HTTP/1.1 only (axum's `serve` also speaks HTTP/2 without TLS): hyper-util's protocol detection has no
/// timeout, so a client that sent nothing held its connection for ever, and no browser speaks HTTP/2 in
/// clear text anyway.
pub async fn serve_connections<S>(
    listener: TcpListener,
    service: S,
    limits: ConnectionLimits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()>
where
    S: tower::Service<
            axum::extract::Request,
            Response = axum::response::Response,
            Error = std::convert::Infallible,
        > + Clone
        + Send
        + 'static,
    S::Future: Send + 'static,
{
    let graceful = GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    let slots = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout);
    if let Some(size) = limits.max_buf_size {
        builder.max_buf_size(size);
    }
    loop {
        let (slot, stream) = tokio::select! {
            accepted = async {
                let slot = slots.clone().acquire_owned().await;
                (slot, listener.accept().await)
            } => match accepted {
                (Ok(slot), Ok((stream, _))) => (slot, stream),
                (_, Err(error)) => {
                    tracing::warn!(%error, "accepting a connection failed; retrying");
                    tokio::time::sleep(ACCEPT_BACKOFF).await;
                    continue;
                }
                // The semaphore is never closed.
                (Err(_), Ok(_)) => continue,
            },
            () = &mut shutdown => break,
        };
        // Small JSON answers and SSE events must not wait for Nagle's algorithm.
        let _ = stream.set_nodelay(true);
        let service = TowerToHyperService::new(service.clone().map_request(
            |request: hyper::Request<hyper::body::Incoming>| request.map(axum::body::Body::new),
        ));
        let connection = graceful.watch(builder.serve_connection(TokioIo::new(stream), service));
        tokio::spawn(async move {
            // A client that goes away mid-request is not an error of ours.
            let _ = connection.await;
            drop(slot);
        });
    }
    drop(listener);
    if tokio::time::timeout(limits.shutdown_grace, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!(
            grace_s = limits.shutdown_grace.as_secs(),
            "requests still in flight after the shutdown grace period; closing their connections"
        );
    }
    Ok(())
}

//! Serving a router on a bound listener until a shutdown signal, shared by both services' `Application`.

use std::future::Future;

use axum::{Router, ServiceExt};
use tokio::net::TcpListener;

use tower::Layer;

use crate::trace_id::{request_layer, with_method_not_allowed};

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

/// The service [`serve`] runs: `router` inside the request layer and a body limit of `max_body_bytes`.
pub fn served(
    router: Router,
    max_body_bytes: usize,
) -> impl tower::Service<
    axum::extract::Request,
    Response = axum::response::Response,
    Error = std::convert::Infallible,
    Future = impl Send,
> + Clone
+ Send
+ 'static {
    request_layer(max_body_bytes).layer(with_method_not_allowed(router))
}

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
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let service = served(router, max_body_bytes);
    axum::serve(
        listener,
        ServiceExt::<axum::extract::Request>::into_make_service(service),
    )
    .with_graceful_shutdown(shutdown)
    .await
}

//! Building the sidecar's router and binding it: `app(state)` for tests, `Application` for real servers.

use std::{net::SocketAddr, sync::Arc};

use axum::{Json, Router, routing::get};
use tokio::net::TcpListener;
use utoipa::OpenApi;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::{Config, routes};

#[derive(OpenApi)]
#[openapi(info(
    title = "csv-ask sidecar",
    description = "LLM code generation and SQL validation."
))]
struct ApiDoc;

/// Shared, immutable state of the sidecar.
#[derive(Clone)]
pub struct AppState {
    pub config: Arc<Config>,
}

impl AppState {
    pub fn new(config: Config) -> Self {
        Self {
            config: Arc::new(config),
        }
    }
}

/// The router with every endpoint and the trace-id layer.
pub fn app(state: AppState) -> Router {
    let (router, api) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(routes::healthz))
        .split_for_parts();
    let router = router
        .route("/openapi.json", get(move || async move { Json(api) }))
        .fallback(routes::not_found)
        .with_state(state);
    telemetry::instrument(router)
}

/// A bound, not yet serving, sidecar.
pub struct Application {
    listener: TcpListener,
    router: Router,
}

impl Application {
    /// Binds `config.addr` (port 0 picks a free port) and builds the router.
    pub async fn build(config: Config) -> std::io::Result<Self> {
        let listener = TcpListener::bind(config.addr).await?;
        Ok(Self {
            listener,
            router: app(AppState::new(config)),
        })
    }

    /// The address actually bound.
    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Serves until `shutdown` resolves, then lets in-flight requests finish.
    pub async fn run_until(
        self,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        telemetry::serve(self.listener, self.router, shutdown).await
    }
}

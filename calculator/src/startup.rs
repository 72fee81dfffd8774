//! Building the calculator's router and binding it: `app(state)` for tests, `Application` for real servers.

use std::{net::SocketAddr, sync::Arc};

use axum::Router;
use tokio::{net::TcpListener, sync::Semaphore};
use utoipa::OpenApi;
use utoipa_axum::{router::OpenApiRouter, routes};
use utoipa_swagger_ui::SwaggerUi;

use crate::{Config, openapi::ApiDoc, routes};

/// Shared, immutable state of the calculator, behind one `Arc`: axum clones the state for every request, and one
/// reference count is cheaper than one per service.
#[derive(Clone)]
pub struct AppState(Arc<Services>);

impl std::ops::Deref for AppState {
    type Target = Services;

    fn deref(&self) -> &Services {
        &self.0
    }
}

/// What the handlers share (reached through [`AppState`]).
pub struct Services {
    pub config: Arc<Config>,
    /// Bounds concurrent chart renders (each holds a full RGB frame in memory).
    pub render_permits: Arc<Semaphore>,
    /// The stored datasets under `DATA_DIR`.
    pub datasets: crate::datasets::Store,
    /// Worker processes that run every polars job (ingest, query, preview).
    pub engine: engine::Engine,
    /// The sidecar client, the audit trail and the sample-row cache of analyze.
    pub analyses: crate::analyze::Analyses,
    /// What `GET /metrics` serves.
    pub metrics: telemetry::Metrics,
}

impl AppState {
    /// [`AppState::try_new`], for tests: panics when `DATA_DIR` cannot be opened.
    pub fn new(config: Config) -> Self {
        Self::try_new(config).unwrap_or_else(|e| panic!("cannot open DATA_DIR: {e}"))
    }

    /// Opens the dataset store under `config.data_dir` (clearing unfinished uploads) and prepares the engine
    /// (its workers start on first use).
    pub fn try_new(config: Config) -> std::io::Result<Self> {
        let renders = std::thread::available_parallelism().map_or(2, |n| n.get()) * 2;
        let datasets = crate::datasets::Store::open(&config.data_dir)?;
        let engine = engine::Engine::new(config.engine.clone());
        let analyses = crate::analyze::Analyses::open(&config)?;
        let metrics = crate::metrics::metrics(&datasets);
        Ok(Self(Arc::new(Services {
            config: Arc::new(config),
            render_permits: Arc::new(Semaphore::new(renders)),
            datasets,
            engine,
            analyses,
            metrics,
        })))
    }
}

/// The router with every endpoint, the docs, the body limit and the trace-id layer.
pub fn app(state: AppState) -> Router {
    let body_limit = state.config.max_body_bytes;
    let head_limits = state.config.head_limits;
    let guard = telemetry::HostGuardLayer::new(state.config.allowed_hosts.clone());
    // One layer for both: each `Router::layer` adds a boxed service clone and a boxed future per request.
    telemetry::instrument_with_limits(routes(state).layer(guard), body_limit, head_limits)
}

/// Every endpoint and the docs, without the host and origin guard (`ALLOWED_HOSTS`) and the request layer: a
/// server wraps the whole router in both once (`telemetry::serve`), which costs less per request than the
/// per-route layers of [`app`].
pub fn routes(state: AppState) -> Router {
    let (router, mut api) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(routes::healthz))
        .routes(routes!(routes::add, routes::add_query))
        .routes(routes!(routes::subtract, routes::subtract_query))
        .routes(routes!(routes::calculate))
        .routes(routes!(routes::chart))
        .merge(crate::datasets::router())
        .merge(crate::analyze::router())
        .split_for_parts();
    // 400/413/415 on every operation with a JSON body, where it does not describe them itself; `/metrics`; the
    // guards' 403/414/421/431/500 on every operation; 503 on those that run an engine job.
    utoipa::Modify::modify(&contracts::openapi::JsonBodyErrors, &mut api);
    utoipa::Modify::modify(&contracts::openapi::MetricsPath, &mut api);
    utoipa::Modify::modify(&contracts::openapi::RouteGuards, &mut api);
    utoipa::Modify::modify(&crate::openapi::EngineJobs, &mut api);
    let router = router
        .merge(SwaggerUi::new("/docs").url("/openapi.json", api))
        .merge(crate::ui::router());
    telemetry::with_metrics(router, &state.metrics)
        .fallback(routes::not_found)
        .with_state(state)
}

/// A bound, not yet serving, calculator.
pub struct Application {
    listener: TcpListener,
    router: Router,
    max_body_bytes: usize,
    head_limits: telemetry::HeadLimits,
    allowed_hosts: telemetry::AllowedHosts,
    /// Released when the server stops.
    data_dir_lock: Option<crate::data_dir_lock::DataDirLock>,
}

impl Application {
    /// Binds `config.addr` (port 0 picks a free port) and builds the router.
    pub async fn build(config: Config) -> std::io::Result<Self> {
        // Before anything touches DATA_DIR: startup clears unfinished uploads, which may be another's.
        let data_dir_lock = crate::data_dir_lock::DataDirLock::acquire(&config.data_dir)?;
        let listener = TcpListener::bind(config.addr)
            .await
            .map_err(|e| telemetry::bind_error("CALCULATOR_ADDR", config.addr, e))?;
        let state = AppState::try_new(config)?;
        state.analyses.audit.spawn_syncer();
        Ok(Self {
            listener,
            max_body_bytes: state.config.max_body_bytes,
            head_limits: state.config.head_limits,
            allowed_hosts: state.config.allowed_hosts.clone(),
            router: routes(state),
            data_dir_lock,
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
        let served = telemetry::serve_with(
            self.listener,
            self.router,
            self.max_body_bytes,
            self.allowed_hosts,
            self.head_limits,
            shutdown,
        )
        .await;
        drop(self.data_dir_lock);
        served
    }
}

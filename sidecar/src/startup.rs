//! Building the sidecar's router and binding it: `app(state)` for tests, `Application` for real servers.

use std::{net::SocketAddr, sync::Arc};

use axum::{Router, body::Bytes, http::header, middleware, routing::get};
use llm::ProviderKind;
use tokio::net::{TcpListener, TcpSocket};
use utoipa::{
    Modify, OpenApi,
    openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme},
};
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::{Config, auth, prompts::Prompts, routes, slots::LlmSlots, stream};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "csv-ask sidecar",
        description = "LLM code generation (one read-only Polars SQL query per question, validated by sqlguard \
                       and repaired by the model when rejected), SQL validation with an advisory LLM review, and \
                       model listing. When `SIDECAR_TOKEN` is set every route but `/healthz` needs \
                       `Authorization: Bearer <token>`."
    ),
    // The SSE events' data types are no request or response body: list them so clients can find them.
    components(schemas(contracts::TokenDelta, contracts::RepairNotice, contracts::CodegenResponse, contracts::ApiError)),
    modifiers(&BearerScheme)
)]
struct ApiDoc;

struct BearerScheme;

impl Modify for BearerScheme {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// `/metrics` needs the bearer token when `SIDECAR_TOKEN` is set, as the annotated `/ai/*` routes say.
struct MetricsToken;

impl Modify for MetricsToken {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::{ResponseBuilder, security::SecurityRequirement};
        let Some(operation) = openapi
            .paths
            .paths
            .get_mut("/metrics")
            .and_then(|item| item.get.as_mut())
        else {
            return;
        };
        let bearer = SecurityRequirement::new("bearer", Vec::<String>::new());
        operation.security = Some(vec![SecurityRequirement::default(), bearer]);
        let unauthorized = ResponseBuilder::new()
            .description(
                "`unauthorized`: `SIDECAR_TOKEN` is set and the bearer token is missing or wrong",
            )
            .content(
                "application/json",
                utoipa::openapi::ContentBuilder::new()
                    .schema(Some(utoipa::openapi::Ref::from_schema_name("ApiError")))
                    .build(),
            )
            .build();
        operation
            .responses
            .responses
            .insert("401".to_owned(), unauthorized.into());
    }
}

/// Shared, immutable state of the sidecar.
#[derive(Clone)]
pub struct AppState {
    pub config: Arc<Config>,
    pub prompts: Arc<Prompts>,
    /// The bound on concurrent LLM calls (`AI_MAX_CONCURRENCY`).
    pub llm_slots: Arc<LlmSlots>,
}

impl AppState {
    pub fn new(config: Config) -> Self {
        Self {
            llm_slots: Arc::new(LlmSlots::new(config.max_concurrency)),
            config: Arc::new(config),
            // The templates are compiled into the binary and rendered by the unit tests.
            prompts: Arc::new(Prompts::new().expect("the compiled-in prompt templates are valid")),
        }
    }
}

/// The name `/healthz` and `/ai/models` use for a provider's protocol.
pub fn provider_name(kind: &ProviderKind) -> &'static str {
    match kind {
        ProviderKind::OpenAiCompatible => "openai",
        ProviderKind::AzureOpenAi { .. } => "azure",
        ProviderKind::Gemini => "gemini",
    }
}

/// The router with every endpoint, the token check (when configured), the host and origin guard
/// (`ALLOWED_HOSTS`) and the trace-id layer with the body limit (`MAX_BODY_BYTES`; without it axum's 2 MiB applied, and the 413 named a setting never read).
pub fn app(state: AppState) -> Router {
    let (router, api) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(routes::healthz))
        .routes(routes!(routes::codegen))
        .routes(routes!(stream::codegen_stream))
        .routes(routes!(routes::validate))
        .routes(routes!(routes::models))
        .split_for_parts();
    let mut api = api;
    // The 400, 413 and 415 every JSON body can get, on each operation that takes one; `/metrics` (behind the
    // token like every route but `/healthz`); the guards' 403/414/421/431/500 on every operation.
    contracts::openapi::JsonBodyErrors.modify(&mut api);
    contracts::openapi::MetricsPath.modify(&mut api);
    MetricsToken.modify(&mut api);
    contracts::openapi::RouteGuards.modify(&mut api);
    let token = state.config.token.clone();
    let allowed_hosts = state.config.allowed_hosts.clone();
    let max_body_bytes = state.config.max_body_bytes;
    // Serialised once and shared: axum clones a route's handler (and whatever it captures) for every
    // connection, and a captured `OpenApi` value costs ~300 KB per connection under load.
    let document = Bytes::from(serde_json::to_vec(&api).unwrap_or_default());
    // HTTP metrics only: the LLM's own calls show in the routes' latencies and statuses (502/503/504/429).
    let metrics = telemetry::Metrics::new(|_| {});
    let mut router = telemetry::with_metrics(router, &metrics)
        .route(
            "/openapi.json",
            get(move || {
                let document = document.clone();
                async move { ([(header::CONTENT_TYPE, "application/json")], document) }
            }),
        )
        .fallback(routes::not_found)
        .with_state(state);
    if let Some(token) = token {
        router = router.layer(middleware::from_fn_with_state(
            auth::Token(token),
            auth::require_token,
        ));
    }
    // Outside the token check: a request to a host the sidecar does not answer to is refused first.
    router = router.layer(telemetry::HostGuardLayer::new(allowed_hosts));
    // Head limits below the server's read buffer (`serve::MAX_BUFFER`): hyper's own 431 would answer first.
    telemetry::instrument_with_limits(router, max_body_bytes, crate::serve::HEAD_LIMITS)
}

/// Pending connections the kernel queues for us: a burst of thousands of concurrent calls must not overflow
/// tokio's default of 1,024 (clients would then wait out a SYN retransmit).
const LISTEN_BACKLOG: u32 = 4096;

/// A bound, not yet serving, sidecar.
pub struct Application {
    listener: TcpListener,
    router: Router,
}

impl Application {
    /// Binds `config.addr` (port 0 picks a free port) and builds the router.
    pub async fn build(config: Config) -> std::io::Result<Self> {
        let socket = if config.addr.is_ipv4() {
            TcpSocket::new_v4()?
        } else {
            TcpSocket::new_v6()?
        };
        socket.set_reuseaddr(true)?;
        socket
            .bind(config.addr)
            .map_err(|e| telemetry::bind_error("SIDECAR_ADDR", config.addr, e))?;
        let listener = socket.listen(LISTEN_BACKLOG)?;
        match &config.llm {
            Some(provider) => tracing::info!(
                provider = provider_name(provider.kind()),
                model = provider.model(),
                review = config.review,
                max_repairs = config.max_repairs,
                max_concurrency = config.max_concurrency,
                auth = config.token.is_some(),
                "sidecar LLM configured"
            ),
            None => tracing::info!(
                auth = config.token.is_some(),
                "no LLM configured: /ai/codegen answers 503 until AI_PROVIDER (or GOOGLE_API_KEY) is set; /ai/validate works"
            ),
        }
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
        crate::serve::serve(self.listener, self.router, shutdown).await
    }
}

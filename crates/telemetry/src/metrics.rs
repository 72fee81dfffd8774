//! Prometheus metrics of a service, served at `GET /metrics` in the Prometheus text format: every routed
//! request's count by method, route and status, and its latency by method and route, plus whatever the
//! service registers itself (the calculator's datasets, say).
//!
//! The route is the pattern axum matched (`/datasets/{id}/query`), never the path itself, so that ids and
//! scanners' guesses cannot grow the number of series; requests no route matched (404s from the fallback) are
//! not counted per path for the same reason.

use std::{sync::Arc, time::Instant};

use axum::{
    Router,
    extract::{MatchedPath, Request, State},
    http::{Method, header},
    middleware::{self, Next},
    response::{IntoResponse, Response},
    routing::get,
};
use prometheus_client::{
    encoding::{EncodeLabelSet, text::encode},
    metrics::{counter::Counter, family::Family, histogram::Histogram},
    registry::Registry,
};

/// Latency buckets in seconds: from a cached JSON answer (~1 ms) to an analysis waiting on an LLM (minutes).
const LATENCY_BUCKETS: [f64; 12] = [
    0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0, 30.0, 120.0,
];

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    method: &'static str,
    route: String,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    method: &'static str,
    route: String,
}

/// A service's metrics; cheap to clone (one `Arc`).
#[derive(Clone)]
pub struct Metrics(Arc<Shared>);

struct Shared {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    latency: Family<RouteLabels, Histogram, fn() -> Histogram>,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Metrics").finish_non_exhaustive()
    }
}

impl Metrics {
    /// The HTTP metrics, with the service's own registered by `register` in the same registry.
    pub fn new(register: impl FnOnce(&mut Registry)) -> Self {
        let mut registry = Registry::default();
        let requests = Family::<RequestLabels, Counter>::default();
        registry.register(
            "http_requests",
            "HTTP requests answered, by method, route pattern and status",
            requests.clone(),
        );
        let latency: Family<RouteLabels, Histogram, fn() -> Histogram> =
            Family::new_with_constructor(|| Histogram::new(LATENCY_BUCKETS));
        registry.register(
            "http_request_duration_seconds",
            "Time from a request's arrival to its response's head, by method and route pattern",
            latency.clone(),
        );
        register(&mut registry);
        Self(Arc::new(Shared {
            registry,
            requests,
            latency,
        }))
    }

    /// Every metric in the Prometheus text format (version 0.0.4, which OpenMetrics scrapers read too).
    pub fn render(&self) -> String {
        let mut text = String::new();
        // Writing to a String cannot fail, and the registry holds only metrics that encode.
        let _ = encode(&mut text, &self.0.registry);
        text
    }

    fn record(&self, method: &Method, route: &str, status: u16, seconds: f64) {
        let method = method_label(method);
        let route = route.to_owned();
        self.0
            .latency
            .get_or_create(&RouteLabels {
                method,
                route: route.clone(),
            })
            .observe(seconds);
        self.0
            .requests
            .get_or_create(&RequestLabels {
                method,
                route,
                status,
            })
            .inc();
    }
}

/// Counts and times every route of `router` (add it after the routes, before the fallback) and serves
/// `GET /metrics`, which is not counted itself.
pub fn with_metrics<S>(router: Router<S>, metrics: &Metrics) -> Router<S>
where
    S: Clone + Send + Sync + 'static,
{
    let scraped = metrics.clone();
    router
        .route_layer(middleware::from_fn_with_state(metrics.clone(), track))
        .route(
            "/metrics",
            get(move || {
                let metrics = scraped.clone();
                async move {
                    (
                        [(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")],
                        metrics.render(),
                    )
                        .into_response()
                }
            }),
        )
}

async fn track(
    State(metrics): State<Metrics>,
    matched: Option<MatchedPath>,
    request: Request,
    next: Next,
) -> Response {
    let start = Instant::now();
    let method = request.method().clone();
    let response = next.run(request).await;
    if let Some(route) = matched {
        metrics.record(
            &method,
            route.as_str(),
            response.status().as_u16(),
            start.elapsed().as_secs_f64(),
        );
    }
    response
}

/// A bounded label: a client may send any token as a method.
fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
        Method::PATCH => "PATCH",
        _ => "other",
    }
}

//! Prometheus metrics of a service, served at `GET /metrics` in the Prometheus text format: every routed
//! request's latency by method, route and status (the histogram's `_count` counts them), plus whatever the
//! service registers itself (the calculator's datasets, say).
//!
//! The route is the pattern axum matched (`/datasets/{id}/query`), never the path itself, so that ids and
//! scanners' guesses cannot grow the number of series; requests no route matched (404s from the fallback) are
//! not counted per path for the same reason.

use std::{
    future::Future,
    pin::Pin,
    sync::{Arc, Mutex, OnceLock},
    task::{Context, Poll},
    time::Instant,
};

use axum::{
    Router,
    extract::MatchedPath,
    http::{Method, Request, header},
    response::{IntoResponse, Response},
    routing::get,
};
use prometheus_client::{
    encoding::{EncodeLabelSet, text::encode},
    metrics::{family::Family, histogram::Histogram},
    registry::Registry,
};
use tower::{Layer, Service};

/// Latency buckets in seconds: from a cached JSON answer (~1 ms) to an analysis waiting on an LLM (minutes).
const LATENCY_BUCKETS: [f64; 12] = [
    0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0, 30.0, 120.0,
];

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    method: &'static str,
    route: Arc<str>,
    status: u16,
}

/// A service's metrics; cheap to clone (one `Arc`).
#[derive(Clone)]
pub struct Metrics(Arc<Shared>);

struct Shared {
    registry: Registry,
    latency: Family<RequestLabels, Histogram, fn() -> Histogram>,
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
        // One family: its `_count` series are the request counts by status, so a request costs one lookup.
        let latency: Family<RequestLabels, Histogram, fn() -> Histogram> =
            Family::new_with_constructor(|| Histogram::new(LATENCY_BUCKETS));
        registry.register(
            "http_request_duration_seconds",
            "Time from a request's arrival to its response's head, by method, route pattern and status \
             (its _count is the number of requests)",
            latency.clone(),
        );
        register(&mut registry);
        Self(Arc::new(Shared { registry, latency }))
    }

    /// Every metric in the Prometheus text format (version 0.0.4, which OpenMetrics scrapers read too).
    pub fn render(&self) -> String {
        let mut text = String::new();
        // Writing to a String cannot fail, and the registry holds only metrics that encode.
        let _ = encode(&mut text, &self.0.registry);
        text
    }

    /// The histogram of one method, route and status, shared with the family (a handle, not a copy).
    fn histogram(&self, method: &'static str, route: Arc<str>, status: u16) -> Histogram {
        self.0
            .latency
            .get_or_create(&RequestLabels {
                method,
                route,
                status,
            })
            .clone()
    }
}

/// Counts and times every route of `router` (add it after the routes, before the fallback) and serves
/// `GET /metrics`, which is not counted itself.
pub fn with_metrics<S>(router: Router<S>, metrics: &Metrics) -> Router<S>
where
    S: Clone + Send + Sync + 'static,
{
    let scraped = metrics.clone();
    router.route_layer(MetricsLayer(metrics.clone())).route(
        "/metrics",
        get(move || {
            let metrics = scraped.clone();
            async move {
                (
                    [(
                        header::CONTENT_TYPE,
                        "text/plain; version=0.0.4; charset=utf-8",
                    )],
                    metrics.render(),
                )
                    .into_response()
            }
        }),
    )
}

/// The per-route layer. Not axum's `middleware::from_fn`: that boxes every request's future and splits and
/// rebuilds the request to extract `MatchedPath`, which made a `POST /add` cost 16 % more instructions.
#[derive(Clone)]
struct MetricsLayer(Metrics);

impl<S> Layer<S> for MetricsLayer {
    type Service = Track<S>;

    fn layer(&self, inner: S) -> Track<S> {
        Track {
            inner,
            metrics: self.0.clone(),
            route: Arc::new(OnceLock::new()),
            seen: Arc::default(),
        }
    }
}

/// One route's (and method's) service: its route label is made once, and the histograms of the few
/// method-and-status pairs it answers are kept at hand, so that a request costs a short scan under an
/// uncontended lock instead of hashing its labels into the family (a third of the layer's cost).
#[derive(Clone)]
struct Track<S> {
    inner: S,
    metrics: Metrics,
    route: Arc<OnceLock<Arc<str>>>,
    seen: Seen,
}

type Seen = Arc<Mutex<Vec<(&'static str, u16, Histogram)>>>;

impl<S, B> Service<Request<B>> for Track<S>
where
    S: Service<Request<B>, Response = Response>,
{
    type Response = Response;
    type Error = S::Error;
    type Future = Tracked<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<B>) -> Self::Future {
        let mut usual = false;
        let route = request.extensions().get::<MatchedPath>().map(|matched| {
            let cached = self.route.get_or_init(|| Arc::from(matched.as_str()));
            // One service serves one pattern; should that ever change, label truly rather than quickly.
            usual = cached.as_ref() == matched.as_str();
            if usual {
                cached.clone()
            } else {
                Arc::from(matched.as_str())
            }
        });
        Tracked {
            method: method_label(request.method()),
            inner: self.inner.call(request),
            start: Instant::now(),
            route,
            metrics: self.metrics.clone(),
            seen: usual.then(|| self.seen.clone()),
        }
    }
}

pin_project_lite::pin_project! {
    /// A route's response future that records the request when the response's head is ready.
    struct Tracked<F> {
        #[pin]
        inner: F,
        start: Instant,
        method: &'static str,
        route: Option<Arc<str>>,
        metrics: Metrics,
        // The route's kept histograms, when the request's route is the one they belong to.
        seen: Option<Seen>,
    }
}

impl<F, E> Future for Tracked<F>
where
    F: Future<Output = Result<Response, E>>,
{
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let output = std::task::ready!(this.inner.poll(cx));
        if let (Ok(response), Some(route)) = (&output, this.route.take()) {
            let (method, status) = (*this.method, response.status().as_u16());
            let seconds = this.start.elapsed().as_secs_f64();
            let Some(seen) = this.seen.take() else {
                this.metrics
                    .histogram(method, route, status)
                    .observe(seconds);
                return Poll::Ready(output);
            };
            // A poisoned lock only means another request panicked mid-push: the list is still whole.
            let mut seen = seen.lock().unwrap_or_else(|e| e.into_inner());
            match seen.iter().find(|(m, s, _)| *m == method && *s == status) {
                Some((_, _, histogram)) => histogram.observe(seconds),
                None => {
                    let histogram = this.metrics.histogram(method, route, status);
                    histogram.observe(seconds);
                    seen.push((method, status, histogram));
                }
            }
        }
        Poll::Ready(output)
    }
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

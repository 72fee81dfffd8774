//! Profiling aid (temporary): serves `/add` built one of several ways, chosen by `PROBE`, to cost each layer.

use axum::{
    Json, Router, ServiceExt,
    extract::DefaultBodyLimit,
    http::{HeaderName, HeaderValue, Request},
    routing::post,
};
use contracts::{BinaryOperands, NumberResult};
use telemetry::ApiJson;
use tower::ServiceBuilder;
use tower_http::{
    request_id::{MakeRequestId, PropagateRequestIdLayer, RequestId, SetRequestIdLayer},
    trace::TraceLayer,
};

async fn add(Json(operands): Json<BinaryOperands>) -> Json<NumberResult> {
    Json(NumberResult {
        result: operands.a + operands.b,
    })
}

async fn api_add(
    body: Result<ApiJson<BinaryOperands>, telemetry::Rejection>,
) -> Result<Json<NumberResult>, telemetry::Rejection> {
    let operands = body?.0;
    Ok(Json(NumberResult {
        result: operands.a + operands.b,
    }))
}

#[derive(Clone, Copy, Default)]
struct MakeUuid;

impl MakeRequestId for MakeUuid {
    fn make_request_id<B>(&mut self, _request: &Request<B>) -> Option<RequestId> {
        let id = uuid::Uuid::new_v4().to_string();
        HeaderValue::from_str(&id).ok().map(RequestId::new)
    }
}

fn trace_layer() -> TraceLayer<
    tower_http::classify::SharedClassifier<tower_http::classify::ServerErrorsAsFailures>,
    impl Fn(&Request<axum::body::Body>) -> tracing::Span + Clone,
    (),
    impl Fn(&axum::response::Response, std::time::Duration, &tracing::Span) + Clone,
    tower_http::trace::DefaultOnBodyChunk,
    tower_http::trace::DefaultOnEos,
    (),
> {
    TraceLayer::new_for_http()
        .make_span_with(|request: &Request<axum::body::Body>| {
            let trace_id = request
                .headers()
                .get("x-trace-id")
                .and_then(|value| value.to_str().ok())
                .unwrap_or_default();
            tracing::debug_span!("request", trace_id = %trace_id, method = %request.method(), path = %request.uri().path())
        })
        .on_request(())
        .on_response(|r: &axum::response::Response, l: std::time::Duration, _: &tracing::Span| {
            tracing::debug!(target: "access", status = r.status().as_u16(), latency_us = l.as_micros() as u64, "request served");
        })
        .on_failure(())
}

async fn serve_router(listener: tokio::net::TcpListener, router: Router) -> std::io::Result<()> {
    if std::env::var("PROBE_GRACEFUL").is_ok() {
        telemetry::serve(listener, router, std::future::pending()).await
    } else {
        axum::serve(listener, router).await
    }
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let addr = std::env::var("PROBE_ADDR").unwrap_or_else(|_| "127.0.0.1:18300".into());
    let probe = std::env::var("PROBE").unwrap_or_else(|_| "bare".into());
    let _guard = std::env::var("PROBE_LOG")
        .is_ok()
        .then(|| telemetry::init(telemetry::LogFormat::Json));
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    let bare = || Router::new().route("/add", post(add));
    let header = HeaderName::from_static("x-trace-id");
    let router = match probe.as_str() {
        "bare" => bare(),
        "limit" => bare().layer(DefaultBodyLimit::max(32 << 20)),
        "apijson" => Router::new().route("/add", post(api_add)),
        "instr" => telemetry::instrument(bare()),
        "instr_apijson" => telemetry::instrument(Router::new().route("/add", post(api_add))),
        "instr_limit" => telemetry::instrument_with_body_limit(
            Router::new().route("/add", post(api_add)),
            32 << 20,
        ),
        "noop" => bare().layer(tower::layer::util::Identity::new()),
        "maprq" => {
            bare().layer(ServiceBuilder::new().map_request(|r: Request<axum::body::Body>| r))
        }
        "setid" => bare().layer(SetRequestIdLayer::new(header, MakeUuid)),
        "setprop" => bare().layer(
            ServiceBuilder::new()
                .layer(SetRequestIdLayer::new(header.clone(), MakeUuid))
                .layer(PropagateRequestIdLayer::new(header)),
        ),
        "trace" => bare().layer(trace_layer()),
        "wrapped_instr" => {
            // The instrument stack around the router as a whole service instead of per route.
            let service = telemetry::instrument(Router::new()).fallback_service(bare());
            service
        }
        other => panic!("unknown PROBE {other}"),
    };
    if probe == "svc_setprop" {
        unreachable!()
    }
    if let Ok(s) = std::env::var("PROBE_SVC") {
        // Serve a layered service around the router rather than `Router::layer`.
        let svc = match s.as_str() {
            "setprop" => ServiceBuilder::new()
                .layer(SetRequestIdLayer::new(
                    HeaderName::from_static("x-trace-id"),
                    MakeUuid,
                ))
                .layer(PropagateRequestIdLayer::new(HeaderName::from_static(
                    "x-trace-id",
                )))
                .service(router),
            other => panic!("unknown PROBE_SVC {other}"),
        };
        return axum::serve(
            listener,
            ServiceExt::<Request<axum::body::Body>>::into_make_service(svc),
        )
        .await;
    }
    serve_router(listener, router).await
}

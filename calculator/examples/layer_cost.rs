//! In-process cost of the request layer: `POST /add` driven through `oneshot` (no sockets, no HTTP parsing), on
//! a bare router, the bare router with `ApiJson`, the bare router under the request layer, and the calculator's
//! own router, with tracing at info writing JSON to a sink as `bench/http.sh` runs it. Nanoseconds per request,
//! best of several rounds: the user-space work the middleware adds, without the kernel's noise.
//!
//! `cargo run --release -p calculator --example layer_cost [ITERATIONS [VARIANT]]`; with a variant number (0–4)
//! only that one runs, once, which is how `bench/layer_cost.sh` counts instructions under callgrind.

use std::time::Instant;

use axum::{Json, Router, body::Body, http::Request, routing::post};
use contracts::{BinaryOperands, NumberResult};
use tower::ServiceExt;

async fn add(Json(operands): Json<BinaryOperands>) -> Json<NumberResult> {
    Json(NumberResult {
        result: operands.a + operands.b,
    })
}

async fn add_api(
    telemetry::ApiJson(operands): telemetry::ApiJson<BinaryOperands>,
) -> Json<NumberResult> {
    Json(NumberResult {
        result: operands.a + operands.b,
    })
}

fn request() -> Request<Body> {
    Request::post("/add")
        .header("content-type", "application/json")
        .body(Body::from(r#"{"a": 1.5, "b": 2.25}"#))
        .expect("a valid request")
}

async fn per_request<S>(service: &S, iterations: u32, rounds: u32) -> f64
where
    S: tower::Service<Request<Body>, Response = axum::response::Response> + Clone,
    S::Error: std::fmt::Debug,
{
    let mut best = f64::MAX;
    for _ in 0..rounds {
        let start = Instant::now();
        for _ in 0..iterations {
            let response = service
                .clone()
                .oneshot(request())
                .await
                .expect("infallible");
            assert!(response.status().is_success());
            let body = axum::body::to_bytes(response.into_body(), 1024).await;
            assert!(body.is_ok());
        }
        best = best.min(start.elapsed().as_nanos() as f64 / f64::from(iterations));
    }
    best
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let mut args = std::env::args().skip(1);
    let iterations = args
        .next()
        .map_or(200_000, |n| n.parse().expect("a number of iterations"));
    // Only this variant, one round: for counting instructions under `valgrind --tool=callgrind`.
    let only: Option<usize> = args.next().map(|n| n.parse().expect("a variant number"));
    let subscriber = telemetry::subscriber(telemetry::LogFormat::Json, "info", std::io::sink);
    tracing::subscriber::set_global_default(subscriber).expect("no subscriber yet");
    let config = calculator::Config::for_tests();
    let variants = [
        (
            "bare router, axum Json",
            Router::new().route("/add", post(add)),
        ),
        (
            "bare router, ApiJson",
            Router::new().route("/add", post(add_api)),
        ),
        (
            "request layer, axum Json",
            telemetry::instrument_with_body_limit(Router::new().route("/add", post(add)), 1 << 20),
        ),
        (
            "calculator app()",
            calculator::app(calculator::AppState::new(config.clone())),
        ),
    ];
    let hosts = config.allowed_hosts.clone();
    let served = telemetry::served(
        calculator::startup::routes(calculator::AppState::new(config)),
        1 << 20,
        hosts,
    );
    let mut baseline = None;
    for (index, (name, router)) in variants.into_iter().enumerate() {
        if only.is_some_and(|only| only != index) {
            continue;
        }
        let ns = per_request(&router, iterations, if only.is_some() { 1 } else { 5 }).await;
        let base = *baseline.get_or_insert(ns);
        println!("{name:<28} {ns:>8.0} ns/request  (+{:>5.0} ns)", ns - base);
    }
    if only.is_none_or(|only| only == 4) {
        let ns = per_request(&served, iterations, if only.is_some() { 1 } else { 5 }).await;
        let base = baseline.unwrap_or(ns);
        println!(
            "{:<28} {ns:>8.0} ns/request  (+{:>5.0} ns)",
            "calculator as served",
            ns - base
        );
    }
}

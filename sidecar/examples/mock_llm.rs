//! A mock OpenAI-compatible LLM for the sidecar benchmark: every chat completion answers after a fixed latency
//! with a valid SQL answer; `/stats` reports how many calls it served and the most it had in flight at once.
//!
//! `cargo run --release -p sidecar --example mock_llm -- [ADDR] [LATENCY_MS]` (defaults `127.0.0.1:0`, 200);
//! prints `listening on <addr>` once bound. Written on axum rather than wiremock so it holds thousands of
//! concurrent calls cheaply. It speaks HTTP/1.1 and HTTP/2 by prior knowledge on the same port, like an HTTP/2
//! gateway, so the benchmark can measure the sidecar with either (`AI_HTTP_VERSION`).
//!
//! The latency is exact: a call is answered when its own 200 ms are up, not at the next tick of Tokio's
//! millisecond timer. With the timer, a call's latency depended on where in the tick it arrived, so work done
//! before the call (the sidecar's) moved it across ticks: up to a millisecond of noise in the very overhead
//! the benchmark measures against this mock.

use std::{
    cmp::Reverse,
    collections::{BinaryHeap, HashMap},
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
        mpsc,
    },
    time::{Duration, Instant},
};

use axum::{
    Json, Router,
    extract::State,
    routing::{get, post},
};
use hyper_util::{
    rt::{TokioExecutor, TokioIo},
    server::conn::auto,
    service::TowerToHyperService,
};
use serde_json::{Value, json};

#[derive(Default)]
struct Stats {
    served: AtomicU64,
    in_flight: AtomicU64,
    max_in_flight: AtomicU64,
}

#[derive(Clone)]
struct Mock {
    latency: Duration,
    stats: Arc<Stats>,
    timer: PreciseTimer,
}

/// Wakes tasks at exact instants from one thread that sleeps until the earliest deadline (the kernel's
/// high-resolution timers: tens of microseconds late at most, whatever the number of calls waiting).
#[derive(Clone)]
struct PreciseTimer {
    requests: mpsc::Sender<(Instant, tokio::sync::oneshot::Sender<()>)>,
}

impl PreciseTimer {
    fn start() -> Self {
        let (requests, incoming) = mpsc::channel::<(Instant, tokio::sync::oneshot::Sender<()>)>();
        std::thread::spawn(move || {
            let mut deadlines: BinaryHeap<Reverse<(Instant, u64)>> = BinaryHeap::new();
            let mut waiting = HashMap::new();
            let mut next_id = 0u64;
            loop {
                let received = match deadlines.peek() {
                    Some(&Reverse((deadline, _))) => incoming
                        .recv_timeout(deadline.saturating_duration_since(Instant::now()))
                        .map_err(|e| e == mpsc::RecvTimeoutError::Disconnected),
                    None => incoming.recv().map_err(|_| true),
                };
                match received {
                    Ok((deadline, wake)) => {
                        deadlines.push(Reverse((deadline, next_id)));
                        waiting.insert(next_id, wake);
                        next_id += 1;
                    }
                    Err(true) => return,
                    Err(false) => {}
                }
                let now = Instant::now();
                while let Some(&Reverse((deadline, id))) = deadlines.peek() {
                    if deadline > now {
                        break;
                    }
                    deadlines.pop();
                    if let Some(wake) = waiting.remove(&id) {
                        let _ = wake.send(());
                    }
                }
            }
        });
        Self { requests }
    }

    async fn sleep(&self, duration: Duration) {
        let (wake, woken) = tokio::sync::oneshot::channel();
        if self
            .requests
            .send((Instant::now() + duration, wake))
            .is_ok()
        {
            let _ = woken.await;
        }
    }
}

const ANSWER: &str = r#"{"sql": "SELECT pclass, AVG(survived) AS survival_rate FROM data GROUP BY pclass ORDER BY survival_rate DESC LIMIT 1", "summary": "The class with the highest share of survivors.", "chart": {"kind": "bar", "x": "pclass", "y": "survival_rate"}}"#;

async fn chat(State(mock): State<Mock>, Json(_request): Json<Value>) -> Json<Value> {
    let now = mock.stats.in_flight.fetch_add(1, Ordering::Relaxed) + 1;
    mock.stats.max_in_flight.fetch_max(now, Ordering::Relaxed);
    mock.timer.sleep(mock.latency).await;
    mock.stats.in_flight.fetch_sub(1, Ordering::Relaxed);
    mock.stats.served.fetch_add(1, Ordering::Relaxed);
    Json(json!({
        "id": "chatcmpl-bench", "object": "chat.completion", "created": 1, "model": "mock",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": ANSWER}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 1500, "completion_tokens": 60, "total_tokens": 1560}
    }))
}

async fn stats(State(mock): State<Mock>) -> Json<Value> {
    Json(json!({
        "served": mock.stats.served.load(Ordering::Relaxed),
        "in_flight": mock.stats.in_flight.load(Ordering::Relaxed),
        "max_in_flight": mock.stats.max_in_flight.swap(0, Ordering::Relaxed),
    }))
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let addr: std::net::SocketAddr = args
        .next()
        .unwrap_or_else(|| "127.0.0.1:0".into())
        .parse()
        .expect("an address such as 127.0.0.1:0");
    let latency_ms: u64 = args
        .next()
        .map_or(200, |ms| ms.parse().expect("milliseconds"));
    let mock = Mock {
        latency: Duration::from_millis(latency_ms),
        stats: Arc::default(),
        timer: PreciseTimer::start(),
    };
    let app = Router::new()
        .route("/v1/chat/completions", post(chat))
        .route(
            "/v1/models",
            get(|| async { Json(json!({"object": "list", "data": [{"id": "mock"}]})) }),
        )
        .route("/stats", get(stats))
        .with_state(mock);
    // A deep accept queue: the benchmark opens thousands of connections at once.
    let socket = tokio::net::TcpSocket::new_v4()?;
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    let listener = socket.listen(8192)?;
    println!("listening on {}", listener.local_addr()?);
    let mut builder = auto::Builder::new(TokioExecutor::new());
    // Above the benchmark's 2,000 calls: hosted providers allow 100–256 streams, and calls beyond that wait
    // for one (see `llm::HttpVersion`), which would measure the provider's limit rather than the sidecar.
    builder.http2().max_concurrent_streams(10_000);
    loop {
        // Out of file descriptors, mostly: wait for some to close rather than stop serving.
        let Ok((stream, _)) = listener.accept().await else {
            tokio::time::sleep(Duration::from_millis(10)).await;
            continue;
        };
        let _ = stream.set_nodelay(true);
        let builder = builder.clone();
        let service = TowerToHyperService::new(app.clone());
        tokio::spawn(async move {
            let _ = builder
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

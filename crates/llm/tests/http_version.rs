//! `HttpVersion` on the wire: which version reaches a server that speaks both (as wiremock and HTTP/2 gateways
//! do), how many connections a burst of calls opens, and HTTP/2 calls beyond the server's stream limit waiting
//! for a stream instead of failing.

mod common;

use std::convert::Infallible;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::*;
use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::{Request, Response, Version};
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use llm::{HttpVersion, ProviderConfig, build_provider};

/// What the server saw.
#[derive(Default)]
struct Seen {
    versions: Mutex<Vec<Version>>,
    connections: AtomicUsize,
    in_flight: AtomicUsize,
    most_in_flight: AtomicUsize,
}

/// A chat-completions server on a random port, answering after `delay`, allowing `max_streams` HTTP/2 streams
/// per connection. Returns its base URL.
async fn start(max_streams: u32, delay: Duration) -> (String, Arc<Seen>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}/v1", listener.local_addr().unwrap());
    let seen = Arc::new(Seen::default());
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder.http2().max_concurrent_streams(max_streams);
    let server_seen = seen.clone();
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            server_seen.connections.fetch_add(1, Ordering::SeqCst);
            let seen = server_seen.clone();
            let builder = builder.clone();
            tokio::spawn(async move {
                let service = hyper::service::service_fn(move |request: Request<Incoming>| {
                    let seen = seen.clone();
                    async move {
                        seen.versions.lock().unwrap().push(request.version());
                        let now = seen.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
                        seen.most_in_flight.fetch_max(now, Ordering::SeqCst);
                        tokio::time::sleep(delay).await;
                        seen.in_flight.fetch_sub(1, Ordering::SeqCst);
                        let body = serde_json::to_vec(&openai_ok(ANSWER)).unwrap();
                        Ok::<_, Infallible>(
                            Response::builder()
                                .header("content-type", "application/json")
                                .body(Full::new(Bytes::from(body)))
                                .unwrap(),
                        )
                    }
                });
                let _ = builder
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    (base, seen)
}

/// Sends `calls` chat calls at once with `version`; every one must succeed.
async fn burst(base: &str, version: HttpVersion, calls: usize) {
    let mut config = quick(ProviderConfig::openai_compatible(base, "m"));
    config.http_version = version;
    let provider = build_provider(config).unwrap();
    let answers = futures::future::join_all(
        (0..calls).map(|i| provider.chat(sql_request(&format!("trace-{i}")))),
    )
    .await;
    for answer in answers {
        assert_eq!(answer.unwrap().text, ANSWER);
    }
}

#[tokio::test]
async fn each_setting_reaches_the_server_with_its_version() {
    for (setting, expected) in [
        // Plain http:// offers no negotiation, so `auto` stays on HTTP/1.1 (vLLM, Ollama, LM Studio).
        (HttpVersion::Auto, Version::HTTP_11),
        (HttpVersion::Http1, Version::HTTP_11),
        (HttpVersion::Http2, Version::HTTP_2),
    ] {
        let (base, seen) = start(100, Duration::ZERO).await;
        burst(&base, setting, 3).await;
        assert_eq!(
            *seen.versions.lock().unwrap(),
            vec![expected; 3],
            "{setting:?}"
        );
    }
}

#[tokio::test]
async fn http1_opens_a_connection_per_call_in_flight() {
    // Long enough that every call is still in flight when the last one starts, even on a loaded CI machine.
    let (base, seen) = start(100, Duration::from_millis(500)).await;
    burst(&base, HttpVersion::Http1, 12).await;
    assert_eq!(seen.connections.load(Ordering::SeqCst), 12);
    assert_eq!(seen.most_in_flight.load(Ordering::SeqCst), 12);
}

#[tokio::test]
async fn http2_shares_one_connection_and_waits_for_a_free_stream() {
    let (base, seen) = start(4, Duration::from_millis(200)).await;
    burst(&base, HttpVersion::Http2, 12).await;
    assert_eq!(seen.connections.load(Ordering::SeqCst), 1);
    assert_eq!(seen.versions.lock().unwrap().len(), 12);
    // The server's limit held: the calls beyond it waited rather than failing.
    assert_eq!(seen.most_in_flight.load(Ordering::SeqCst), 4);
}

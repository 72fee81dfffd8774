//! Slow and silent clients cannot hold the service: a connection that sends no headers, or stops halfway, is
//! closed after the header timeout; past `max_connections` clients wait; a JSON body that never arrives is a
//! 408; and shutdown ends after its grace period even while a request hangs. Real sockets, short limits.

use std::time::{Duration, Instant};

use axum::{Router, routing::get, routing::post};
use telemetry::{ApiJson, ConnectionLimits};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::{TcpListener, TcpStream},
    sync::oneshot,
};

async fn hang() -> &'static str {
    std::future::pending::<()>().await;
    "never"
}

fn router() -> Router {
    Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route("/hang", get(hang))
        .route(
            "/echo",
            post(|ApiJson(v): ApiJson<serde_json::Value>| async move { ApiJson(v) }),
        )
}

/// A server with `limits` on port 0; dropping (or sending on) the returned sender shuts it down.
async fn spawn(
    limits: ConnectionLimits,
) -> (String, oneshot::Sender<()>, tokio::task::JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let (stop, stopped) = oneshot::channel::<()>();
    let service = telemetry::served(router(), 1 << 20, telemetry::AllowedHosts::any());
    let server = tokio::spawn(async move {
        let shutdown = async move {
            let _ = stopped.await;
        };
        telemetry::serve_connections(listener, service, limits, shutdown)
            .await
            .unwrap();
    });
    (addr, stop, server)
}

fn short(header_timeout_ms: u64) -> ConnectionLimits {
    ConnectionLimits {
        header_timeout: Duration::from_millis(header_timeout_ms),
        shutdown_grace: Duration::from_millis(500),
        ..ConnectionLimits::default()
    }
}

/// Reads until the server closes the connection, or `within` passes; true when it closed.
async fn closed_within(stream: &mut TcpStream, within: Duration) -> bool {
    let mut buf = [0_u8; 1024];
    let read = async {
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
        }
    };
    tokio::time::timeout(within, read).await.is_ok()
}

async fn get_health(addr: &str) -> Option<String> {
    let mut stream = TcpStream::connect(addr).await.ok()?;
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .await
        .ok()?;
    let mut reply = String::new();
    stream.read_to_string(&mut reply).await.ok()?;
    Some(reply)
}

#[tokio::test]
async fn silent_and_half_sent_headers_are_cut_off() {
    let (addr, _stop, _server) = spawn(short(300)).await;
    let mut silent = TcpStream::connect(&addr).await.unwrap();
    let mut half = TcpStream::connect(&addr).await.unwrap();
    half.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    assert!(
        closed_within(&mut silent, Duration::from_secs(3)).await,
        "a silent client was kept"
    );
    assert!(
        closed_within(&mut half, Duration::from_secs(3)).await,
        "half a header was waited for"
    );
    // The service itself answers as before.
    assert!(get_health(&addr).await.unwrap().ends_with("ok"));
}

#[tokio::test]
async fn past_the_connection_limit_clients_wait_for_a_free_slot() {
    let limits = ConnectionLimits {
        max_connections: 2,
        ..short(10_000)
    };
    let (addr, _stop, _server) = spawn(limits).await;
    let first = TcpStream::connect(&addr).await.unwrap();
    let second = TcpStream::connect(&addr).await.unwrap();
    let third = tokio::spawn({
        let addr = addr.clone();
        async move { get_health(&addr).await }
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        !third.is_finished(),
        "a third connection was served past the limit of two"
    );
    drop(first);
    let reply = tokio::time::timeout(Duration::from_secs(3), third)
        .await
        .expect("served once a slot freed")
        .unwrap()
        .unwrap();
    assert!(reply.ends_with("ok"), "{reply}");
    drop(second);
}

#[tokio::test]
async fn shutdown_does_not_wait_for_ever_on_a_hanging_request() {
    let (addr, stop, server) = spawn(short(10_000)).await;
    let mut hanging = TcpStream::connect(&addr).await.unwrap();
    hanging
        .write_all(b"GET /hang HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    let started = Instant::now();
    stop.send(()).unwrap();
    tokio::time::timeout(Duration::from_secs(5), server)
        .await
        .expect("the server stopped after its grace period")
        .unwrap();
    assert!(
        started.elapsed() >= Duration::from_millis(400),
        "the grace period was kept"
    );
}

#[tokio::test(start_paused = true)]
async fn a_json_body_that_never_arrives_is_a_408() {
    use axum::body::Body;
    // As served (the request layer carries MAX_BODY_BYTES), and without a limit from the layer.
    for app in [
        telemetry::instrument_with_body_limit(router(), 1 << 20),
        telemetry::instrument(router()),
    ] {
        let stalled = Body::from_stream(futures::stream::pending::<
            Result<axum::body::Bytes, std::io::Error>,
        >());
        let request = axum::http::Request::post("/echo")
            .header("content-type", "application/json")
            .body(stalled)
            .unwrap();
        let reply = testkit::send(app, request).await;
        assert_eq!(reply.status, 408, "{:?}", reply.body);
        assert_eq!(reply.json()["error"]["code"], "request_timeout");
    }
}

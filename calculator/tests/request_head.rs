//! A request whose URI or headers are over the limits (`MAX_URI_BYTES`, `MAX_HEADER_BYTES`) gets the one JSON
//! error body with its trace id, through the router and from a real server; hyper's own limits lie beyond.

use std::io::{Read, Write};

use axum::{
    body::Body,
    http::{Request, StatusCode},
};
use calculator::{Application, Config};
use telemetry::HeadLimits;
use testkit::send;

fn router() -> axum::Router {
    calculator::app(calculator::AppState::new(Config::for_tests()))
}

#[tokio::test]
async fn a_long_uri_is_414_and_large_headers_431_with_the_error_body() {
    let limits = HeadLimits::default();
    let long = format!("/subtract?a=1&b=2&pad={}", "a".repeat(limits.max_uri_bytes));
    let request = Request::get(long)
        .header("x-trace-id", "long-uri-1")
        .body(Body::empty())
        .unwrap();
    let reply = send(router(), request).await;
    let (code, message) = reply.error(StatusCode::URI_TOO_LONG);
    assert_eq!(code, "uri_too_long");
    assert!(
        message.contains(&limits.max_uri_bytes.to_string()),
        "{message}"
    );
    assert_eq!(reply.trace_id(), "long-uri-1");

    let request = Request::get("/healthz")
        .header("cookie", "a".repeat(limits.max_header_bytes))
        .body(Body::empty())
        .unwrap();
    let reply = send(router(), request).await;
    let (code, message) = reply.error(StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE);
    assert_eq!(code, "headers_too_large");
    assert!(message.contains("cookies"), "{message}");

    // Just under the limits, the request is served.
    let fits = format!("/healthz?pad={}", "a".repeat(limits.max_uri_bytes - 20));
    let reply = send(router(), Request::get(fits).body(Body::empty()).unwrap()).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
}

/// Sends `head` (a request line and headers) to a server at `addr` and returns its whole answer.
fn exchange(addr: std::net::SocketAddr, head: &str) -> String {
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    stream.write_all(head.as_bytes()).unwrap();
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    String::from_utf8_lossy(&answer).into_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_real_server_answers_them_before_hyper_does() {
    let config = Config {
        head_limits: HeadLimits {
            max_uri_bytes: 1024,
            max_header_bytes: 2048,
        },
        ..Config::for_tests()
    };
    let app = Application::build(config).await.expect("binds port 0");
    let addr = app.local_addr().unwrap();
    tokio::spawn(app.run_until(std::future::pending()));
    let answer = tokio::task::spawn_blocking(move || {
        let uri = format!("/healthz?pad={}", "a".repeat(2000));
        let long_uri = exchange(
            addr,
            &format!("GET {uri} HTTP/1.1\r\nhost: 127.0.0.1\r\nconnection: close\r\n\r\n"),
        );
        let cookie = "a".repeat(4000);
        let big_headers = exchange(
            addr,
            &format!(
                "GET /healthz HTTP/1.1\r\nhost: 127.0.0.1\r\ncookie: {cookie}\r\nconnection: close\r\n\r\n"
            ),
        );
        // Past hyper's own URI limit nothing reaches the layers: hyper's bare 414.
        let past_hyper = format!("/healthz?pad={}", "a".repeat(telemetry::HYPER_MAX_URI_BYTES));
        let past_hyper = exchange(
            addr,
            &format!("GET {past_hyper} HTTP/1.1\r\nhost: 127.0.0.1\r\n\r\n"),
        );
        (long_uri, big_headers, past_hyper)
    })
    .await
    .unwrap();
    let (long_uri, big_headers, past_hyper) = answer;
    assert!(long_uri.starts_with("HTTP/1.1 414"), "{long_uri}");
    assert!(
        long_uri.contains(r#"{"error":{"code":"uri_too_long""#),
        "{long_uri}"
    );
    assert!(!long_uri.contains(r#""trace_id":"""#), "{long_uri}");
    assert!(big_headers.starts_with("HTTP/1.1 431"), "{big_headers}");
    assert!(
        big_headers.contains(r#""code":"headers_too_large""#),
        "{big_headers}"
    );
    assert!(past_hyper.starts_with("HTTP/1.1 414"), "{past_hyper}");
}

/// Limits hyper's own would meet first stop startup, naming the variable; so does a limit that is no size.
#[test]
fn head_limits_past_hypers_stop_startup() {
    for (variable, value, why) in [
        ("MAX_URI_BYTES", "70000", "below 65534 bytes"),
        (
            "MAX_HEADER_BYTES",
            "1MiB",
            "MAX_HEADER_BYTES together must stay below",
        ),
        ("MAX_URI_BYTES", "0", "more than zero"),
    ] {
        let (mut command, dir) = testkit::isolated(env!("CARGO_BIN_EXE_calculator"));
        command
            .env("CALCULATOR_ADDR", "127.0.0.1:0")
            .env("SIDECAR_ADDR", "127.0.0.1:0")
            .env("DATA_DIR", dir.path().join("data"))
            .env(variable, value);
        let output = testkit::output_within(&mut command, std::time::Duration::from_secs(30));
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!output.status.success(), "{variable}={value} started");
        assert!(
            stderr.contains(variable) && stderr.contains(why),
            "{variable}={value}: {stderr}"
        );
    }
}

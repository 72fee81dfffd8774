//! `HostGuardLayer`: a request to a host the service does not answer to is 421 `host_not_allowed` (DNS
//! rebinding); a request that changes something, sent by a page of another site, is 403 `cross_origin_refused`
//! (CSRF). Same-origin requests from the UI, curl without `Origin`, and tests without `Host` pass.

use axum::{
    Router,
    body::Body,
    http::{Request, StatusCode},
    routing::any,
};
use telemetry::{AllowedHosts, HostGuardLayer};
use testkit::{Reply, send};

fn router(hosts: AllowedHosts) -> Router {
    let routes = Router::new()
        .route("/datasets", any(|| async { "stored" }))
        .fallback(|| async { (StatusCode::NOT_FOUND, "none") });
    telemetry::instrument(routes.layer(HostGuardLayer::new(hosts)))
}

fn loopback() -> AllowedHosts {
    AllowedHosts::for_bind("127.0.0.1:8000".parse().unwrap())
}

async fn call(hosts: AllowedHosts, method: &str, headers: &[(&str, &str)]) -> Reply {
    let mut request = Request::builder().method(method).uri("/datasets");
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    send(router(hosts), request.body(Body::empty()).unwrap()).await
}

#[tokio::test]
async fn a_host_the_service_does_not_answer_to_is_refused_naming_it_and_the_setting() {
    for method in ["GET", "POST", "DELETE", "HEAD"] {
        let reply = call(loopback(), method, &[("host", "evil.example:8000")]).await;
        assert_eq!(reply.status, StatusCode::MISDIRECTED_REQUEST, "{method}");
        if method == "HEAD" {
            continue;
        }
        let (code, message) = reply.error(StatusCode::MISDIRECTED_REQUEST);
        assert_eq!(code, "host_not_allowed");
        assert!(message.contains("`evil.example:8000`"), "{message}");
        assert!(message.contains("ALLOWED_HOSTS"), "{message}");
    }
    // A Host that is no host at all is not one the service answers to either.
    let reply = call(loopback(), "GET", &[("host", "localhost:http")]).await;
    reply.error(StatusCode::MISDIRECTED_REQUEST);
}

#[tokio::test]
async fn loopback_names_on_any_port_and_hosts_without_a_host_header_pass() {
    for host in [
        "localhost:8000",
        "127.0.0.1:19200",
        "[::1]:8000",
        "LocalHost",
        "localhost.",
    ] {
        let reply = call(loopback(), "GET", &[("host", host)]).await;
        assert_eq!(reply.status, StatusCode::OK, "{host}: {}", reply.text());
    }
    let reply = call(loopback(), "POST", &[]).await;
    assert_eq!(
        (reply.status, reply.text().as_str()),
        (StatusCode::OK, "stored")
    );
}

#[tokio::test]
async fn allowed_hosts_lists_names_or_any_host() {
    let named: AllowedHosts = "csv-ask.lan, 10.0.0.5".parse().unwrap();
    let reply = call(named.clone(), "GET", &[("host", "csv-ask.lan:8000")]).await;
    assert_eq!(reply.status, StatusCode::OK);
    // Naming hosts replaces the loopback names.
    let reply = call(named, "GET", &[("host", "localhost:8000")]).await;
    reply.error(StatusCode::MISDIRECTED_REQUEST);
    let reply = call(AllowedHosts::any(), "GET", &[("host", "evil.example")]).await;
    assert_eq!(reply.status, StatusCode::OK);
}

#[tokio::test]
async fn a_cross_site_form_that_changes_data_is_refused() {
    let cases: &[&[(&str, &str)]] = &[
        // A form on another site posting to the service (the Host is the service's own).
        &[
            ("host", "localhost:8000"),
            ("origin", "http://evil.example"),
        ],
        // Another port of the same host is another origin.
        &[
            ("host", "localhost:8000"),
            ("origin", "http://localhost:3000"),
        ],
        // A sandboxed frame or a file sends an opaque origin.
        &[("host", "localhost:8000"), ("origin", "null")],
        // The browser says so, with or without an Origin.
        &[("host", "localhost:8000"), ("sec-fetch-site", "cross-site")],
        &[("sec-fetch-site", "cross-site")],
    ];
    for headers in cases {
        for method in ["POST", "DELETE", "PUT", "PATCH"] {
            let reply = call(AllowedHosts::any(), method, headers).await;
            let (code, message) = reply.error(StatusCode::FORBIDDEN);
            assert_eq!(code, "cross_origin_refused", "{method} {headers:?}");
            assert!(message.contains(method), "{message}");
        }
    }
    let reply = call(
        AllowedHosts::any(),
        "POST",
        &[
            ("host", "localhost:8000"),
            ("origin", "http://evil.example"),
        ],
    )
    .await;
    let (_, message) = reply.error(StatusCode::FORBIDDEN);
    assert!(message.contains("`http://evil.example`"), "{message}");
}

#[tokio::test]
async fn same_origin_pages_scripts_and_reads_pass() {
    let cases: &[(&str, &[(&str, &str)])] = &[
        // The UI's own fetch: Origin is the Host.
        (
            "POST",
            &[
                ("host", "127.0.0.1:8000"),
                ("origin", "http://127.0.0.1:8000"),
                ("sec-fetch-site", "same-origin"),
            ],
        ),
        (
            "DELETE",
            &[
                ("host", "LOCALHOST:8000"),
                ("origin", "http://localhost:8000"),
            ],
        ),
        (
            "POST",
            &[("host", "[::1]:8000"), ("origin", "http://[::1]:8000")],
        ),
        // Default ports written or not.
        (
            "POST",
            &[("host", "csv-ask.lan"), ("origin", "http://csv-ask.lan:80")],
        ),
        (
            "POST",
            &[
                ("host", "csv-ask.lan:443"),
                ("origin", "https://csv-ask.lan"),
            ],
        ),
        // curl and scripts send no Origin.
        ("POST", &[("host", "localhost:8000")]),
        (
            "POST",
            &[("host", "localhost:8000"), ("sec-fetch-site", "none")],
        ),
        // Reading is not what CSRF is about (and a cross-site page cannot read the answer).
        (
            "GET",
            &[
                ("host", "localhost:8000"),
                ("origin", "http://evil.example"),
                ("sec-fetch-site", "cross-site"),
            ],
        ),
        (
            "OPTIONS",
            &[
                ("host", "localhost:8000"),
                ("origin", "http://evil.example"),
            ],
        ),
    ];
    for (method, headers) in cases {
        let reply = call(AllowedHosts::any(), method, headers).await;
        assert_ne!(
            reply.status,
            StatusCode::FORBIDDEN,
            "{method} {headers:?}: {}",
            reply.text()
        );
        assert_ne!(
            reply.status,
            StatusCode::MISDIRECTED_REQUEST,
            "{method} {headers:?}"
        );
    }
}

/// The fallback (no such path) is behind the guard too: a rebinding page learns nothing from it.
#[tokio::test]
async fn the_fallback_is_guarded_too() {
    let request = Request::get("/nowhere")
        .header("host", "evil.example")
        .body(Body::empty())
        .unwrap();
    let reply = send(router(loopback()), request).await;
    reply.error(StatusCode::MISDIRECTED_REQUEST);
}

/// Two Host headers are a bad request (RFC 9112 §3.2), and an absolute-form target names the host it means:
/// it must be allowed too, whatever the Host header says.
#[tokio::test]
async fn two_hosts_or_a_foreign_target_are_refused() {
    let mut request = Request::builder()
        .method("GET")
        .uri("/datasets")
        .header("host", "localhost:8000")
        .body(Body::empty())
        .unwrap();
    request
        .headers_mut()
        .append("host", "evil.example".parse().unwrap());
    let reply = send(router(loopback()), request).await;
    let (code, message) = reply.error(StatusCode::BAD_REQUEST);
    assert_eq!(code, "bad_request");
    assert!(message.contains("more than one Host header"), "{message}");

    let request = Request::builder()
        .method("POST")
        .uri("http://evil.example/datasets")
        .header("host", "localhost:8000")
        .body(Body::empty())
        .unwrap();
    let reply = send(router(loopback()), request).await;
    let (code, message) = reply.error(StatusCode::MISDIRECTED_REQUEST);
    assert_eq!(code, "host_not_allowed");
    assert!(message.contains("`evil.example`"), "{message}");

    let request = Request::builder()
        .method("GET")
        .uri("http://localhost:8000/datasets")
        .header("host", "localhost:8000")
        .body(Body::empty())
        .unwrap();
    assert_eq!(
        send(router(loopback()), request).await.status,
        StatusCode::OK
    );
}

/// Around the whole router (`served`, as both servers run it) the guard is called before the request layer's
/// scope is entered: its error bodies carried `"trace_id": ""` while the header had the id.
#[tokio::test]
async fn refusals_of_the_served_router_carry_the_trace_id_in_the_body() {
    let routes = Router::new().route("/datasets", any(|| async { "stored" }));
    type Headers = &'static [(&'static str, &'static str)];
    let cases: [(&str, Headers, StatusCode, &str); 3] = [
        (
            "GET",
            &[("host", "evil.example")],
            StatusCode::MISDIRECTED_REQUEST,
            "host_not_allowed",
        ),
        (
            "POST",
            &[
                ("host", "localhost:8000"),
                ("origin", "http://evil.example"),
            ],
            StatusCode::FORBIDDEN,
            "cross_origin_refused",
        ),
        (
            "GET",
            &[("host", "localhost"), ("host", "evil.example")],
            StatusCode::BAD_REQUEST,
            "bad_request",
        ),
    ];
    for (method, headers, status, expected) in cases {
        for caller_id in [Some("t1"), None] {
            let mut request = Request::builder().method(method).uri("/datasets");
            for (name, value) in headers {
                request = request.header(*name, *value);
            }
            if let Some(id) = caller_id {
                request = request.header("x-trace-id", id);
            }
            let served = telemetry::served(routes.clone(), 1024, loopback());
            let response = tower::ServiceExt::oneshot(served, request.body(Body::empty()).unwrap())
                .await
                .unwrap();
            assert_eq!(response.status(), status, "{method} {headers:?}");
            let header = response.headers()["x-trace-id"]
                .to_str()
                .unwrap()
                .to_owned();
            let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
                .await
                .unwrap();
            let body: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
            assert_eq!(body["error"]["code"], expected);
            assert!(!header.is_empty());
            if let Some(id) = caller_id {
                assert_eq!(header, id);
            }
            assert_eq!(
                body["error"]["trace_id"],
                header.as_str(),
                "{method} {headers:?}"
            );
        }
    }
}

//! Request heads over the sidecar's URI and header limits, on a real server: hyper reads them into an 8 KiB
//! buffer (`serve::MAX_BUFFER`), so the limits sit below it and a head that fits the buffer but is over a
//! limit gets the JSON 414/431 with a trace id. Only a head past the whole buffer still gets hyper's bare 431.

/// A sidecar on port 0; its base URL.
async fn sidecar() -> String {
    let app = sidecar::Application::build(sidecar::Config::for_tests())
        .await
        .unwrap();
    let url = format!("http://{}", app.local_addr().unwrap());
    tokio::spawn(app.run_until(std::future::pending()));
    url
}

/// Status, JSON error code (when the body is the error body) and trace id header of a reply.
async fn answer(request: reqwest::RequestBuilder) -> (u16, Option<String>, bool) {
    let reply = request.send().await.unwrap();
    let status = reply.status().as_u16();
    let traced = reply.headers().contains_key("x-trace-id");
    let body: serde_json::Value = reply.json().await.unwrap_or_default();
    let code = body["error"]["code"].as_str().map(str::to_owned);
    (status, code, traced)
}

#[tokio::test]
async fn heads_over_the_limits_within_the_read_buffer_get_the_json_errors() {
    let url = sidecar().await;
    let client = reqwest::Client::new();
    // Just over the URI limit (2 KiB), and a URI that nearly fills the 8 KiB buffer: both were served (the
    // default limit was 16 KiB, which a head never reached before hyper's bare 431).
    for pad in [2 << 10, 7 << 10] {
        let long = format!("{url}/healthz?pad={}", "a".repeat(pad));
        let reply = answer(client.get(long)).await;
        assert_eq!(
            reply,
            (414, Some("uri_too_long".into()), true),
            "URI pad {pad}"
        );
    }
    for size in [(4 << 10) + 1, 7 << 10] {
        let request = client
            .get(format!("{url}/healthz"))
            .header("x-pad", "b".repeat(size));
        let reply = answer(request).await;
        assert_eq!(
            reply,
            (431, Some("headers_too_large".into()), true),
            "header of {size}"
        );
    }
    // What the calculator sends is well inside them.
    let reply = answer(
        client
            .get(format!("{url}/healthz"))
            .header("x-pad", "c".repeat(1 << 10)),
    )
    .await;
    assert_eq!(reply.0, 200);
}

#[tokio::test]
async fn a_head_past_the_read_buffer_is_still_hypers_bare_431() {
    let url = sidecar().await;
    let client = reqwest::Client::new();
    let request = client
        .get(format!("{url}/healthz"))
        .header("x-pad", "d".repeat(9 << 10));
    assert_eq!(answer(request).await, (431, None, false));
}

//! Analyze against a sidecar that accepts a connection and never answers (`SIDECAR_TIMEOUT` bounds every wait,
//! the stream's included, and each timeout names the limit it really had), on datasets past the sidecar's
//! limits (refused before it is called, in the calculator's own words), and with cells too long to send whole.

mod common;

use std::time::Duration;

use axum::http::StatusCode;
use calculator::analyze::{SidecarClient, SidecarError};
use testkit::post_json;
use tokio::{io::AsyncReadExt, net::TcpListener};

/// A "sidecar" that accepts every connection, reads what is sent and never answers; its base URL.
async fn silent_sidecar() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut sink = [0; 4096];
                while matches!(socket.read(&mut sink).await, Ok(n) if n > 0) {}
            });
        }
    });
    url
}

fn client(url: &str, timeout: Duration) -> SidecarClient {
    SidecarClient::new(url, None, Duration::from_millis(500), timeout).unwrap()
}

/// Runs `future`, failing the test if it takes longer than `limit` (the bug being a wait without end).
async fn within<T>(limit: Duration, future: impl Future<Output = T>) -> T {
    tokio::time::timeout(limit, future)
        .await
        .unwrap_or_else(|_| panic!("still waiting after {limit:?}"))
}

#[tokio::test]
async fn a_stream_whose_response_never_comes_times_out() {
    let url = silent_sidecar().await;
    let stream = within(
        Duration::from_secs(10),
        client(&url, Duration::from_millis(300)).codegen_stream("t", &common::codegen_request()),
    )
    .await;
    match stream {
        Err(SidecarError::Timeout(limit)) => assert_eq!(limit, Duration::from_millis(300)),
        Err(other) => panic!("expected a timeout, got {other:?}"),
        Ok(_) => panic!("expected a timeout, got a stream"),
    }
}

/// `/readyz` waits at most 2 s for the sidecar, whatever `SIDECAR_TIMEOUT` is, and says 2 s.
#[tokio::test]
async fn the_health_probe_names_the_limit_it_had() {
    let url = silent_sidecar().await;
    let error = within(
        Duration::from_secs(10),
        client(&url, Duration::from_secs(3)).health("t"),
    )
    .await
    .unwrap_err();
    assert!(
        matches!(error, SidecarError::Timeout(limit) if limit == Duration::from_secs(2)),
        "{error:?}"
    );
    assert!(error.to_string().contains("within 2s"), "{error}");
}

#[tokio::test]
async fn the_analyze_stream_ends_with_the_timeout_the_plain_route_answers() {
    let url = silent_sidecar().await;
    let app = common::TestApp::configured(|config| {
        config.sidecar_url = Some(url);
        config.sidecar_timeout = Duration::from_millis(300);
    });
    let dataset = app.dataset("sales", "city,sales\nParis,1\nLyon,2\n").await;
    let id = dataset["id"].as_str().unwrap();
    let body = r#"{"question": "total sales?"}"#;

    let plain = within(
        Duration::from_secs(20),
        app.send(post_json(&format!("/datasets/{id}/analyze"), body)),
    )
    .await;
    let (code, _) = plain.error(StatusCode::GATEWAY_TIMEOUT);
    assert_eq!(code, "sidecar_timeout");

    let stream = within(
        Duration::from_secs(20),
        app.send(post_json(&format!("/datasets/{id}/analyze/stream"), body)),
    )
    .await;
    assert_eq!(stream.status, StatusCode::OK);
    let text = stream.text();
    let error = text
        .split("\n\n")
        .find_map(|event| event.strip_prefix("event: error\ndata: "))
        .unwrap_or_else(|| panic!("no error event in {text}"));
    let error: serde_json::Value = serde_json::from_str(error).unwrap();
    assert_eq!(error["error"]["code"], "sidecar_timeout", "{error}");
    assert!(
        error["error"]["message"]
            .as_str()
            .unwrap()
            .contains("300ms"),
        "{error}"
    );
}

/// A dataset past the sidecar's limits (1,000 columns, names of 256 characters) is refused by the calculator
/// before the sidecar is called, in words about the dataset, not about the sidecar's request fields.
#[tokio::test]
async fn datasets_past_the_sidecars_limits_are_refused_before_it_is_called() {
    let sidecar = wiremock::MockServer::start().await;
    wiremock::Mock::given(wiremock::matchers::any())
        .respond_with(wiremock::ResponseTemplate::new(500))
        .expect(0)
        .mount(&sidecar)
        .await;
    let app = common::TestApp::configured(|config| config.sidecar_url = Some(sidecar.uri()));
    let wide: Vec<String> = (0..1001).map(|i| format!("c{i}")).collect();
    let wide = format!("{}\n{}\n", wide.join(","), vec!["1"; 1001].join(","));
    let long = format!("a,{}\n1,2\n", "L".repeat(300));
    for (name, csv, expected) in [
        (
            "wide",
            wide,
            "this dataset has 1001 columns, more than the 1000",
        ),
        (
            "long",
            long,
            "column 2 of this dataset has a name of 300 characters, longer than the 256",
        ),
    ] {
        let dataset = app.dataset(name, &csv).await;
        let id = dataset["id"].as_str().unwrap();
        for route in ["analyze", "analyze/stream"] {
            let uri = format!("/datasets/{id}/{route}");
            let reply = app.send(post_json(&uri, r#"{"question": "total?"}"#)).await;
            let (code, message) = reply.error(StatusCode::UNPROCESSABLE_ENTITY);
            assert_eq!(code, "invalid_input", "{route}");
            assert!(message.starts_with(expected), "{route}: {message}");
            assert!(!message.contains("dataset.columns"), "{message}");
        }
    }
}

/// Sample cells go to the sidecar cut to what the model is shown (64 characters, one more to mark the cut):
/// sent whole, a cell of megabytes made the description larger than the sidecar accepts.
#[tokio::test]
async fn long_sample_cells_are_cut_before_they_are_sent() {
    let sidecar = wiremock::MockServer::start().await;
    let unconfigured = serde_json::json!({"error": {"code": "llm_not_configured", "message": "set AI_MODEL",
                                                    "trace_id": "t"}});
    wiremock::Mock::given(wiremock::matchers::path("/ai/codegen"))
        .respond_with(wiremock::ResponseTemplate::new(503).set_body_json(unconfigured))
        .expect(1)
        .mount(&sidecar)
        .await;
    let app = common::TestApp::configured(|config| config.sidecar_url = Some(sidecar.uri()));
    let long = "é".repeat(3 << 20);
    let dataset = app
        .dataset("long", &format!("id,text\n1,{long}\n2,short\n"))
        .await;
    let uri = format!("/datasets/{}/analyze", dataset["id"].as_str().unwrap());
    let reply = app.send(post_json(&uri, r#"{"question": "what?"}"#)).await;
    assert_eq!(
        reply.error(StatusCode::SERVICE_UNAVAILABLE).0,
        "llm_not_configured"
    );
    let sent = &sidecar.received_requests().await.unwrap()[0];
    let sent: serde_json::Value = serde_json::from_slice(&sent.body).unwrap();
    let rows = &sent["dataset"]["sample_rows"];
    assert_eq!(rows[0][1].as_str().unwrap(), "é".repeat(65), "{rows}");
    assert_eq!(rows[1], serde_json::json!([2, "short"]));
}

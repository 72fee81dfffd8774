//! The real server (`Application` on port 0) wraps the whole router in the request layer and body limit rather
//! than each route as `app()` does: the same behaviour must come out of it — trace ids, error bodies, the limit.

use calculator::{Application, Config};
use reqwest::StatusCode;
use serde_json::Value;

/// Starts a calculator with `max_body_bytes`; its base URL.
async fn serve(max_body_bytes: usize) -> String {
    let config = Config {
        max_body_bytes,
        ..Config::for_tests()
    };
    let app = Application::build(config).await.expect("binds port 0");
    let addr = app.local_addr().unwrap();
    tokio::spawn(app.run_until(std::future::pending()));
    format!("http://{addr}")
}

/// `POST /add` with a valid body of `total_bytes`: JSON allows any amount of whitespace, so the size can be
/// anything while the request stays valid.
async fn post_padded_add(base: &str, total_bytes: usize, trace_id: &str) -> reqwest::Response {
    let core = r#"{"a": 1.5, "b": 2}"#;
    let body = format!(
        "{core}{}",
        " ".repeat(total_bytes.saturating_sub(core.len()))
    );
    reqwest::Client::new()
        .post(format!("{base}/add"))
        .header("content-type", "application/json")
        .header("x-trace-id", trace_id)
        .body(body)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn the_served_router_applies_the_body_limit_it_is_given() {
    let base = serve(4 << 20).await;
    // Above axum's 2 MB default, below ours: only the configured limit lets it through.
    let reply = post_padded_add(&base, 3 << 20, "served-200").await;
    assert_eq!(reply.status(), StatusCode::OK);
    let body: Value = reply.json().await.unwrap();
    assert_eq!(body["result"], 3.5);

    let reply = post_padded_add(&base, 5 << 20, "served-413").await;
    assert_eq!(reply.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(reply.headers()["x-trace-id"], "served-413");
    let body: Value = reply.json().await.unwrap();
    assert_eq!(body["error"]["code"], "payload_too_large");
    assert_eq!(body["error"]["trace_id"], "served-413");
}

#[tokio::test]
async fn the_served_router_answers_404_and_405_with_the_error_body_and_trace_id() {
    let base = serve(1 << 20).await;
    let client = reqwest::Client::new();
    for (request, status) in [
        (
            client.get(format!("{base}/no-such-route")),
            StatusCode::NOT_FOUND,
        ),
        (
            client.delete(format!("{base}/add")),
            StatusCode::METHOD_NOT_ALLOWED,
        ),
    ] {
        let reply = request
            .header("x-trace-id", "served-err")
            .send()
            .await
            .unwrap();
        assert_eq!(reply.status(), status);
        assert_eq!(reply.headers()["x-trace-id"], "served-err");
        let body: Value = reply.json().await.unwrap();
        assert_eq!(body["error"]["trace_id"], "served-err", "{body}");
        assert!(
            body["error"]["message"]
                .as_str()
                .is_some_and(|m| !m.is_empty())
        );
    }
    // Generated when absent, on success too.
    let reply = client.get(format!("{base}/healthz")).send().await.unwrap();
    assert_eq!(reply.status(), StatusCode::OK);
    assert_eq!(reply.headers()["x-trace-id"].len(), 36);
}

/// A second calculator on the same `DATA_DIR` refuses to start, naming the first; the directory is free again
/// once the first has stopped (as after a restart).
#[tokio::test]
async fn one_calculator_serves_from_a_data_dir_at_a_time() {
    let config = Config::for_tests();
    let first = Application::build(config.clone())
        .await
        .expect("the first starts");
    let refused = match Application::build(config.clone()).await {
        Ok(_) => panic!("a second calculator started on the same DATA_DIR"),
        Err(e) => e.to_string(),
    };
    assert!(
        refused.contains("another calculator serves from it"),
        "{refused}"
    );
    assert!(
        refused.contains(&format!("pid {}", std::process::id())),
        "{refused}"
    );
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let running = tokio::spawn(first.run_until(async {
        let _ = stopped.await;
    }));
    stop.send(()).unwrap();
    running.await.unwrap().unwrap();
    Application::build(config)
        .await
        .expect("free after the first stopped");
}

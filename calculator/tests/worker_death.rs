//! A worker process that dies of something other than its memory limit mid-job (killed by another process,
//! crashed) is a 503 `worker_failed` naming the signal, not `query_too_large`; an upload whose worker dies
//! stores nothing; and the pool starts a fresh worker for the next job.

mod common;

use std::path::PathBuf;
use std::time::Duration;

use axum::http::StatusCode;
use calculator::{AppState, Config};
use common::TestApp;

/// A worker that takes the start of its first job and then dies of `signal`, as a worker does that another
/// process kills (or that crashes) while it works.
fn dying_worker(config: &mut Config, signal: &str) {
    config.engine.worker_program = PathBuf::from("/bin/sh");
    config.engine.worker_args = vec![
        "-c".into(),
        format!("head -c 8 > /dev/null; kill -{signal} $$"),
    ];
}

fn csv(rows: usize) -> String {
    let mut text = String::from("id,name,x\n");
    for i in 0..rows {
        text.push_str(&format!("{i},name {},{}\n", i % 997, i % 13));
    }
    text
}

#[tokio::test]
async fn an_upload_whose_worker_is_killed_stores_nothing_and_says_so() {
    for overlap_after in [Duration::from_secs(1), Duration::ZERO] {
        let app = TestApp::configured(|config| {
            dying_worker(config, "KILL");
            config.upload_overlap_after = overlap_after;
        });
        let reply = app.upload_raw("killed", csv(100)).await;
        let (code, message) = reply.error(StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(code, "worker_failed", "{message}");
        assert!(message.contains("signal 9"), "{message}");
        assert!(message.contains("upload the file again"), "{message}");
        assert!(app.listed_ids().await.is_empty());
    }
}

#[tokio::test]
async fn a_query_whose_worker_crashes_is_worker_failed_not_too_large() {
    let app = TestApp::new();
    let id = app.dataset("t", &csv(10)).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    for (signal, number) in [
        ("KILL", "signal 9"),
        ("SEGV", "signal 11"),
        ("TERM", "signal 15"),
    ] {
        let mut config = app.config.clone();
        dying_worker(&mut config, signal);
        let restarted = TestApp::with(config);
        let reply = restarted.query(&id, "SELECT COUNT(*) AS n FROM data").await;
        let (code, message) = reply.error(StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(code, "worker_failed", "{signal}: {message}");
        assert!(message.contains(number), "{signal}: {message}");
        assert!(message.contains("try again"), "{signal}: {message}");
    }
    // An allocation failure under the limit still reads as the query's size.
    let mut config = app.config.clone();
    config.engine.worker_program = PathBuf::from("/bin/sh");
    config.engine.worker_args = vec![
        "-c".into(),
        "head -c 8 > /dev/null; echo 'memory allocation of 8589934592 bytes failed' >&2; kill -ABRT $$"
            .into(),
    ];
    let reply = TestApp::with(config)
        .query(&id, "SELECT COUNT(*) AS n FROM data")
        .await;
    let (code, _) = reply.error(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(code, "query_too_large");
}

/// Heavy on CPU, light on memory: passes that build and count strings, so the query is still running when
/// its worker is killed.
fn slow_query() -> String {
    (0..30)
        .map(|i| format!("SELECT COUNT(DISTINCT CONCAT(id, '-', name, '-{i}')) AS n FROM data"))
        .collect::<Vec<_>>()
        .join(" UNION ALL ")
}

#[tokio::test]
async fn a_worker_killed_mid_query_is_replaced() {
    let mut config = common::config();
    config.engine.workers = 1;
    let state = AppState::new(config.clone());
    let app = TestApp {
        router: calculator::app(state.clone()),
        config,
    };
    let id = app.dataset("big", &csv(200_000)).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let running = tokio::spawn({
        let router = app.router.clone();
        let request = testkit::post_json(
            &format!("/datasets/{id}/query"),
            &serde_json::json!({ "sql": slow_query() }).to_string(),
        );
        async move { testkit::send(router, request).await }
    });
    tokio::time::sleep(Duration::from_millis(700)).await;
    assert!(
        !running.is_finished(),
        "the query finished before its worker could be killed"
    );
    let pids = state.engine.worker_pids();
    assert_eq!(pids.len(), 1, "one worker, running the query: {pids:?}");
    let killed = std::process::Command::new("kill")
        .args(["-KILL", &pids[0].to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let reply = running.await.unwrap();
    let (code, message) = reply.error(StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(code, "worker_failed", "{message}");
    assert!(message.contains("signal 9"), "{message}");
    assert!(state.engine.worker_pids().is_empty());
    // The next query runs on a fresh worker.
    let reply = app.query(&id, "SELECT COUNT(*) AS n FROM data").await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    assert_eq!(reply.json()["rows"][0][0], 200_000);
    assert_ne!(state.engine.worker_pids(), pids);
}

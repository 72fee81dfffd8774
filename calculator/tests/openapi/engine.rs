//! The 503s of the operations that run an engine job, provoked on apps over the same `DATA_DIR` whose worker
//! is a shell: `worker_failed` from a worker that dies of SIGKILL as its job starts; `engine_busy` from the one
//! worker (`QUERY_WORKERS=1`) held by a job that sleeps, while the probed job's time limit runs out waiting.

use std::{path::PathBuf, time::Duration};

use axum::{
    body::Body,
    http::{Request, StatusCode},
};
use calculator::Config;
use serde_json::json;
use testkit::Reply;

use crate::{common::TestApp, contract::Contract};

/// The probes' CSV upload.
fn upload() -> Request<Body> {
    let request = Request::post("/datasets?name=probe").header("content-type", "text/csv");
    request.body(Body::from("a,b\n1,x\n")).unwrap()
}

/// `(template, request)` of each engine job but the analysis (whose 503 the sidecar's failures give).
fn jobs(id: &str) -> [(&'static str, Request<Body>); 3] {
    [
        ("/datasets", upload()),
        (
            "/datasets/{id}/preview",
            crate::contract::get(&format!("/datasets/{id}/preview")),
        ),
        (
            "/datasets/{id}/query",
            crate::contract::post(
                &format!("/datasets/{id}/query"),
                json!({"sql": "SELECT * FROM data"}),
            ),
        ),
    ]
}

/// An app on `c.app`'s `DATA_DIR` whose one worker runs `script` under `sh`.
fn shell_worker(c: &Contract, script: &str, change: impl FnOnce(&mut Config)) -> TestApp {
    let mut config = c.app.config.clone();
    config.engine.worker_program = PathBuf::from("/bin/sh");
    config.engine.worker_args = vec!["-c".into(), script.into()];
    config.engine.workers = 1;
    change(&mut config);
    TestApp::with(config)
}

/// Runs `held` on `app` in the background, its worker a shell that marks a file and sleeps, and once it
/// holds that only worker sends `probe` through the contract to `app`; the held job is dropped after, which
/// kills its worker.
async fn while_held(
    c: &mut Contract,
    change: impl FnOnce(&mut Config),
    held: Request<Body>,
    template: &str,
    probe: Request<Body>,
) -> Reply {
    let marker = tempfile::NamedTempFile::new().unwrap().into_temp_path();
    std::fs::remove_file(&marker).unwrap();
    let script = format!(": > '{}'; exec sleep 5", marker.display());
    let app = shell_worker(c, &script, change);
    let holding = tokio::spawn(testkit::send(app.router.clone(), held));
    // Workers start on first use, after the job took its permit: the file says the worker is held.
    for _ in 0..500 {
        if marker.exists() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let served = std::mem::replace(&mut c.app, app);
    let reply = c.call(template, probe).await;
    c.app = served;
    holding.abort();
    reply
}

pub async fn all(c: &mut Contract, id: &str) {
    let dying = shell_worker(c, "head -c 8 > /dev/null; kill -KILL $$", |_| {});
    let served = std::mem::replace(&mut c.app, dying);
    for (template, request) in jobs(id) {
        let reply = c.call(template, request).await;
        if reply.status != StatusCode::SERVICE_UNAVAILABLE
            || reply.json()["error"]["code"] != "worker_failed"
        {
            c.fail(format!("{template} on a killed worker: {}", reply.text()));
        }
    }
    c.app = served;

    let short = Duration::from_millis(200);
    for (template, request) in jobs(id) {
        // The probed job's own limit is short; the held job, of the other kind, has the default.
        let reply = if template == "/datasets" {
            let held = jobs(id).into_iter().nth(1).unwrap().1;
            let change = |config: &mut Config| config.engine.ingest_timeout = short;
            while_held(c, change, held, template, request).await
        } else {
            let change = |config: &mut Config| config.engine.query_timeout = short;
            while_held(c, change, upload(), template, request).await
        };
        if reply.status != StatusCode::SERVICE_UNAVAILABLE
            || reply.json()["error"]["code"] != "engine_busy"
        {
            c.fail(format!("{template} with its worker held: {}", reply.text()));
        }
    }
}

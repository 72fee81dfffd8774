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

/// Runs `request` on `app` in the background (holding its worker) while `probe` is sent through the contract
/// to `app`; the held job is dropped after, which kills its worker.
async fn while_held(
    c: &mut Contract,
    app: TestApp,
    held: Request<Body>,
    template: &str,
    probe: Request<Body>,
) -> Reply {
    let router = app.router.clone();
    let holding = tokio::spawn(testkit::send(router, held));
    // Time for the held job to take the only worker.
    tokio::time::sleep(Duration::from_millis(300)).await;
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

    let sleeping = "exec sleep 5";
    let short = Duration::from_millis(200);
    for (template, request) in jobs(id) {
        // The probed job's own limit is short; the held job, of the other kind, has the default.
        let (app, held) = if template == "/datasets" {
            let app = shell_worker(c, sleeping, |config| config.engine.ingest_timeout = short);
            (app, jobs(id).into_iter().nth(1).unwrap().1)
        } else {
            let app = shell_worker(c, sleeping, |config| config.engine.query_timeout = short);
            (app, upload())
        };
        let reply = while_held(c, app, held, template, request).await;
        if reply.status != StatusCode::SERVICE_UNAVAILABLE
            || reply.json()["error"]["code"] != "engine_busy"
        {
            c.fail(format!("{template} with its worker held: {}", reply.text()));
        }
    }
}

//! Helpers for the services' tests: drive a router with `oneshot`, read replies, assert the one error body,
//! capture log output, and run a service's binary.

mod binaries;
mod mocks;
mod request_id;
pub use binaries::{first_line_with, isolated, isolated_stack, output_within};
pub use mocks::mount;
pub use request_id::{RequestId, request_id};

use std::sync::{Arc, Mutex};

use axum::{
    Router,
    body::{Body, Bytes},
    http::{HeaderMap, Request, StatusCode},
};
use http_body_util::BodyExt;
use serde_json::Value;
use tower::ServiceExt;

/// A whole response, body collected.
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn trace_id(&self) -> String {
        self.headers
            .get("x-trace-id")
            .expect("every response carries x-trace-id")
            .to_str()
            .expect("a visible-ASCII trace id")
            .to_owned()
    }

    /// Asserts the status and the one error body shape (its trace id is the header's); returns `(code, message)`.
    pub fn error(&self, status: StatusCode) -> (String, String) {
        assert_eq!(self.status, status, "body: {}", self.text());
        let json = self.json();
        let error = json["error"].as_object().expect("an `error` object");
        let extra: Vec<&String> = error
            .keys()
            .filter(|k| {
                !["code", "message", "trace_id", "issues", "sql", "attempts"].contains(&k.as_str())
            })
            .collect();
        assert!(
            extra.is_empty(),
            "code, message, trace_id (and only SQL details): {json}"
        );
        assert_eq!(
            json.as_object().map(|o| o.len()),
            Some(1),
            "nothing beside `error`: {json}"
        );
        assert_eq!(error["trace_id"], self.trace_id());
        let field = |name: &str| error[name].as_str().expect("a string").to_owned();
        assert!(!field("message").is_empty(), "a message: {json}");
        (field("code"), field("message"))
    }
}

/// Sends one request through `router` in-process.
pub async fn send(router: Router, request: Request<Body>) -> Reply {
    let response = router
        .oneshot(request)
        .await
        .expect("routers are infallible");
    let status = response.status();
    let headers = response.headers().clone();
    let body = response
        .into_body()
        .collect()
        .await
        .expect("a readable body")
        .to_bytes();
    Reply {
        status,
        headers,
        body,
    }
}

pub fn post_json(uri: &str, body: &str) -> Request<Body> {
    Request::post(uri)
        .header("content-type", "application/json")
        .body(Body::from(body.to_owned()))
        .expect("a valid request")
}

pub fn get(uri: &str) -> Request<Body> {
    Request::get(uri)
        .body(Body::empty())
        .expect("a valid request")
}

/// An in-memory log sink; pair it with [`capture_logs`].
#[derive(Clone, Default)]
pub struct CapturedLogs(Arc<Mutex<Vec<u8>>>);

impl CapturedLogs {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().expect("not poisoned")).into_owned()
    }

    /// The captured JSON log lines.
    pub fn lines(&self) -> Vec<Value> {
        self.text()
            .lines()
            .map(|line| serde_json::from_str(line).expect("a JSON log line"))
            .collect()
    }
}

impl std::io::Write for CapturedLogs {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("not poisoned").extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Captures JSON log lines of this thread until the guard drops (use a current-thread tokio test).
pub fn capture_logs(filter: &str) -> (CapturedLogs, tracing::subscriber::DefaultGuard) {
    let captured = CapturedLogs::default();
    let sink = captured.clone();
    let subscriber =
        telemetry::subscriber(telemetry::LogFormat::Json, filter, move || sink.clone());
    (captured, tracing::subscriber::set_default(subscriber))
}

/// Whether a process other than this one has `path` open (Linux, through `/proc/<pid>/fd`): an engine worker
/// reading an upload, for instance. `path` must be canonical, as `/proc` names files.
pub fn opened_by_another_process(path: &std::path::Path) -> bool {
    let Ok(processes) = std::fs::read_dir("/proc") else {
        return false;
    };
    let me = std::process::id().to_string();
    processes
        .flatten()
        // Other processes only: not this one, under its id or as `self` and `thread-self`.
        .filter(|p| {
            let name = p.file_name();
            let name = name.to_string_lossy();
            name != me && name.bytes().all(|b| b.is_ascii_digit())
        })
        .filter_map(|p| std::fs::read_dir(p.path().join("fd")).ok())
        .flat_map(|fds| fds.flatten())
        .any(|fd| std::fs::read_link(fd.path()).is_ok_and(|target| target == path))
}

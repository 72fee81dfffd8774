//! Shared helpers for the dataset and query tests: an app on its own temporary `DATA_DIR` with real engine
//! workers (this crate's `calculator` binary in worker mode), uploads, and the shared corpora.
#![allow(dead_code)] // each test file uses a different subset

pub mod analyze;

use std::path::{Path, PathBuf};

use axum::{
    Router,
    body::Body,
    http::{Request, StatusCode},
};
use calculator::{AppState, Config};
use serde_json::Value;
use testkit::{Reply, get, post_json, send};

/// The names of a stored dataset's columns, in order.
pub fn column_names(dataset: &Value) -> Vec<&str> {
    column_fields(dataset, "name")
}

/// The types of a stored dataset's columns, in order.
pub fn column_types(dataset: &Value) -> Vec<&str> {
    column_fields(dataset, "dtype")
}

fn column_fields<'a>(dataset: &'a Value, field: &str) -> Vec<&'a str> {
    let columns = dataset["columns"].as_array();
    let columns = columns.unwrap_or_else(|| panic!("no columns: {dataset}"));
    columns.iter().map(|c| c[field].as_str().unwrap()).collect()
}

/// A configuration whose engine runs this crate's freshly built binary as its worker.
pub fn config() -> Config {
    let mut config = Config::for_tests();
    config.engine.worker_program = PathBuf::from(env!("CARGO_BIN_EXE_calculator"));
    config
}

/// An app and the configuration it was built from (keep it: it owns the temporary `DATA_DIR`).
pub struct TestApp {
    pub config: Config,
    pub router: Router,
}

impl TestApp {
    pub fn new() -> Self {
        Self::with(config())
    }

    /// An app on [`config`] changed by `change` (limits, mostly).
    pub fn configured(change: impl FnOnce(&mut Config)) -> Self {
        let mut config = config();
        change(&mut config);
        Self::with(config)
    }

    pub fn with(config: Config) -> Self {
        let router = calculator::app(AppState::new(config.clone()));
        Self { config, router }
    }

    /// Two apps: one that receives each upload before converting it, and one that converts every upload while
    /// it arrives (`UPLOAD_OVERLAP_AFTER=0`). A file must be read alike either way.
    pub fn both_ways() -> [Self; 2] {
        [
            Self::new(),
            Self::configured(|config| config.upload_overlap_after = std::time::Duration::ZERO),
        ]
    }

    /// A new app on the same `DATA_DIR`, as after a restart.
    pub fn restart(&self) -> Self {
        Self::with(self.config.clone())
    }

    pub async fn send(&self, request: Request<Body>) -> Reply {
        send(self.router.clone(), request).await
    }

    pub async fn get(&self, uri: &str) -> Reply {
        self.send(get(uri)).await
    }

    pub async fn delete(&self, uri: &str) -> Reply {
        self.send(Request::delete(uri).body(Body::empty()).unwrap())
            .await
    }

    /// `POST /datasets?name=` with a raw `text/csv` body.
    pub async fn upload_raw(&self, name: &str, csv: impl Into<Body>) -> Reply {
        let request = Request::post(format!("/datasets?name={}", urlencode(name)))
            .header("content-type", "text/csv")
            .body(csv.into())
            .unwrap();
        self.send(request).await
    }

    /// `POST /datasets` as a multipart form with the file in `file`.
    pub async fn upload_file(&self, file_name: &str, bytes: &[u8]) -> Reply {
        self.upload_form("/datasets", &[Part::file("file", file_name, bytes)])
            .await
    }

    /// `POST uri` with a multipart form of `parts`.
    pub async fn upload_form(&self, uri: &str, parts: &[Part<'_>]) -> Reply {
        let (content_type, body) = multipart(parts);
        let request = Request::post(uri)
            .header("content-type", content_type)
            .body(Body::from(body))
            .unwrap();
        self.send(request).await
    }

    /// Uploads a raw CSV and returns the stored dataset, failing the test unless it is a 201.
    pub async fn dataset(&self, name: &str, csv: &str) -> Value {
        let reply = self.upload_raw(name, csv.to_owned()).await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text());
        reply.json()
    }

    /// `POST /datasets/{id}/query`.
    pub async fn query(&self, id: &str, sql: &str) -> Reply {
        let body = serde_json::json!({ "sql": sql }).to_string();
        self.send(post_json(&format!("/datasets/{id}/query"), &body))
            .await
    }

    /// The dataset ids `GET /datasets` lists, in its order.
    pub async fn listed_ids(&self) -> Vec<String> {
        let reply = self.get("/datasets").await;
        assert_eq!(reply.status, StatusCode::OK);
        reply.json()["datasets"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["id"].as_str().unwrap().to_owned())
            .collect()
    }

    /// Files and directories under `DATA_DIR/<sub>`.
    pub fn entries(&self, sub: &str) -> Vec<String> {
        let dir = self.config.data_dir.join(sub);
        let mut names: Vec<String> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }
}

/// One part of a multipart form.
pub struct Part<'a> {
    pub name: &'a str,
    pub file_name: Option<&'a str>,
    pub bytes: &'a [u8],
}

impl<'a> Part<'a> {
    pub fn file(name: &'a str, file_name: &'a str, bytes: &'a [u8]) -> Self {
        Self {
            name,
            file_name: Some(file_name),
            bytes,
        }
    }

    pub fn text(name: &'a str, value: &'a str) -> Self {
        Self {
            name,
            file_name: None,
            bytes: value.as_bytes(),
        }
    }
}

/// A `multipart/form-data` body: `(content type, bytes)`.
pub fn multipart(parts: &[Part<'_>]) -> (String, Vec<u8>) {
    let boundary = "csvAskTestBoundary7MA4YWxkTrZu0gW";
    let mut body = Vec::new();
    for part in parts {
        body.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
        match part.file_name {
            Some(file) => body.extend_from_slice(
                format!(
                    "Content-Disposition: form-data; name=\"{}\"; filename=\"{file}\"\r\n\
                     Content-Type: text/csv\r\n\r\n",
                    part.name
                )
                .as_bytes(),
            ),
            None => body.extend_from_slice(
                format!(
                    "Content-Disposition: form-data; name=\"{}\"\r\n\r\n",
                    part.name
                )
                .as_bytes(),
            ),
        }
        body.extend_from_slice(part.bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

pub fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                char::from(b).to_string()
            }
            other => format!("%{other:02X}"),
        })
        .collect()
}

/// `../shared/corpora/<sub>` relative to the repository, or `None` (with the reason printed) when absent.
pub fn corpus(sub: &str) -> Option<PathBuf> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/corpora")
        .join(sub);
    if path.exists() {
        Some(path)
    } else {
        println!("skipped: corpus absent ({})", path.display());
        None
    }
}

/// The rule ids of a `validation_failed` reply.
pub fn rules(reply: &Reply) -> Vec<String> {
    reply.json()["error"]["issues"]
        .as_array()
        .map(|issues| {
            issues
                .iter()
                .map(|i| i["rule"].as_str().unwrap_or_default().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

/// Asserts a 422 `validation_failed` whose issues include `rule`.
pub fn assert_rejected_by(reply: &Reply, rule: &str, sql: &str) {
    let (code, _) = reply.error(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(code, "validation_failed", "{sql}");
    let found = rules(reply);
    assert!(
        found.iter().any(|r| r == rule),
        "{sql}: {found:?}, expected {rule}"
    );
}

/// A question about a three-row `tips` dataset, as the calculator sends it to the sidecar.
pub fn codegen_request() -> contracts::CodegenRequest {
    contracts::CodegenRequest {
        question: "how many rows?".into(),
        dataset: contracts::DatasetDescription {
            name: "tips".into(),
            columns: vec![contracts::ColumnSchema::new("total_bill", "f64")],
            row_count: 3,
            sample_rows: None,
        },
        previous_attempt: None,
        attempts_before: None,
    }
}

//! Starts the whole stack in-process on ephemeral ports for cross-service tests (after zero-to-production's
//! `spawn_app`): the sidecar, the calculator (whose engine workers are this crate's `stack-worker` binary), and
//! optionally an LLM, which is always a wiremock server.

pub mod llm_mock;

use std::{path::PathBuf, sync::Arc};

use serde_json::Value;
use tokio::{sync::oneshot, task::JoinHandle};

/// The engine worker binary of this crate; `env!` must expand in the test itself, where cargo sets it.
#[macro_export]
macro_rules! worker {
    () => {
        std::path::PathBuf::from(env!("CARGO_BIN_EXE_stack-worker"))
    };
}

/// How to start a stack.
#[derive(Debug, Clone)]
pub struct StackOptions {
    /// The engine worker program: pass `worker!()`.
    pub worker: PathBuf,
    /// Base URL of an OpenAI-compatible mock LLM (e.g. `format!("{}/v1", server.uri())`); `None`: no LLM.
    pub llm_base_url: Option<String>,
    /// `AI_REVIEW=on` in the sidecar.
    pub review: bool,
    /// `SIDECAR_TOKEN` on both sides.
    pub token: Option<String>,
    /// Skip starting the sidecar and point the calculator at this URL instead (e.g. a closed port).
    pub sidecar_url: Option<String>,
    /// Reuse a data directory (to restart a calculator on the same datasets).
    pub data_dir: Option<Arc<tempfile::TempDir>>,
    /// The calculator's `SIDECAR_TIMEOUT`.
    pub sidecar_timeout: Option<std::time::Duration>,
}

impl StackOptions {
    pub fn new(worker: PathBuf) -> Self {
        Self {
            worker,
            llm_base_url: None,
            review: false,
            token: None,
            sidecar_url: None,
            data_dir: None,
            sidecar_timeout: None,
        }
    }

    pub fn with_llm(mut self, base_url: impl Into<String>) -> Self {
        self.llm_base_url = Some(base_url.into());
        self
    }

    pub fn with_review(mut self) -> Self {
        self.review = true;
        self
    }
}

/// A running stack. Servers stop when it drops (or when the test's runtime ends).
pub struct TestStack {
    pub calculator: String,
    /// `None` when the options pointed the calculator at another sidecar URL.
    pub sidecar: Option<String>,
    pub client: reqwest::Client,
    pub data_dir: Arc<tempfile::TempDir>,
    options: StackOptions,
    calculator_task: Option<(oneshot::Sender<()>, JoinHandle<std::io::Result<()>>)>,
    _sidecar_task: Option<oneshot::Sender<()>>,
}

fn stop_signal() -> (
    oneshot::Sender<()>,
    impl Future<Output = ()> + Send + 'static,
) {
    let (tx, rx) = oneshot::channel::<()>();
    (tx, async move {
        let _ = rx.await;
    })
}

/// Builds and starts the stack on `127.0.0.1:0`.
pub async fn spawn_stack(options: StackOptions) -> TestStack {
    let data_dir = options.data_dir.clone().unwrap_or_else(|| {
        Arc::new(
            tempfile::Builder::new()
                .prefix("csv-ask-stack-")
                .tempdir()
                .expect("a temp DATA_DIR"),
        )
    });
    let (sidecar_url, sidecar, sidecar_task) = match &options.sidecar_url {
        Some(url) => (url.clone(), None, None),
        None => {
            let mut config = sidecar::Config::for_tests();
            if let Some(base_url) = &options.llm_base_url {
                let llm = llm::ProviderConfig::openai_compatible(base_url.clone(), "test-model")
                    .with_retry(llm::RetryPolicy {
                        max_retries: 1,
                        base_delay: std::time::Duration::from_millis(10),
                        max_delay: std::time::Duration::from_millis(100),
                    });
                config = config
                    .with_llm(llm)
                    .expect("a valid mock LLM configuration");
            }
            config.review = options.review;
            if let Some(token) = &options.token {
                config = config.with_token(token.clone());
            }
            let app = sidecar::Application::build(config)
                .await
                .expect("the sidecar binds a free port");
            let url = format!("http://{}", app.local_addr().expect("a bound address"));
            let (stop, stopped) = stop_signal();
            tokio::spawn(app.run_until(stopped));
            (url.clone(), Some(url), Some(stop))
        }
    };
    let mut stack = TestStack {
        calculator: String::new(),
        sidecar,
        client: reqwest::Client::new(),
        data_dir,
        options,
        calculator_task: None,
        _sidecar_task: sidecar_task,
    };
    stack.start_calculator(sidecar_url).await;
    stack
}

impl TestStack {
    fn calculator_config(&self, sidecar_url: String) -> calculator::Config {
        let mut config = calculator::Config::for_tests();
        config.data_dir = self.data_dir.path().to_path_buf();
        config.temp_data_dir = None;
        config.engine.worker_program = self.options.worker.clone();
        config.sidecar_url = Some(sidecar_url);
        config.sidecar_token = self.options.token.clone().map(secrecy::SecretString::from);
        if let Some(timeout) = self.options.sidecar_timeout {
            config.sidecar_timeout = timeout;
        }
        config
    }

    async fn start_calculator(&mut self, sidecar_url: String) {
        let app = calculator::Application::build(self.calculator_config(sidecar_url))
            .await
            .expect("the calculator binds a free port");
        self.calculator = format!("http://{}", app.local_addr().expect("a bound address"));
        let (stop, stopped) = stop_signal();
        self.calculator_task = Some((stop, tokio::spawn(app.run_until(stopped))));
    }

    /// Stops the calculator (letting in-flight requests finish) and starts a new one on the same `DATA_DIR`.
    pub async fn restart_calculator(&mut self) {
        if let Some((stop, task)) = self.calculator_task.take() {
            let _ = stop.send(());
            task.await
                .expect("the calculator task")
                .expect("a clean stop");
        }
        let sidecar_url = self
            .sidecar
            .clone()
            .or_else(|| self.options.sidecar_url.clone())
            .expect("a sidecar URL");
        self.start_calculator(sidecar_url).await;
    }

    /// `POST /datasets?name=<name>` with a raw CSV body; returns the stored dataset.
    pub async fn upload_csv(&self, name: &str, csv: impl Into<reqwest::Body>) -> Value {
        let response = self
            .client
            .post(format!("{}/datasets", self.calculator))
            .query(&[("name", name)])
            .header("content-type", "text/csv")
            .body(csv)
            .send()
            .await
            .expect("the upload is answered");
        let status = response.status();
        let body: Value = response.json().await.expect("a JSON answer");
        assert_eq!(status, 201, "upload of {name}: {body}");
        body
    }

    /// Uploads [`PASSENGERS_CSV`] as `passengers`; returns the dataset id.
    pub async fn upload_passengers(&self) -> String {
        let dataset = self.upload_csv("passengers", PASSENGERS_CSV).await;
        dataset["id"].as_str().expect("a dataset id").to_owned()
    }

    /// `POST /datasets/{id}/analyze` with `question`; returns what [`Self::post`] returns.
    pub async fn analyze(
        &self,
        id: &str,
        question: &str,
        trace_id: Option<&str>,
    ) -> (u16, String, Value) {
        let body = serde_json::json!({ "question": question });
        self.post(&format!("/datasets/{id}/analyze"), &body, trace_id)
            .await
    }

    /// `POST` JSON to the calculator; returns the status, the `X-Trace-Id` header and the JSON body.
    pub async fn post(
        &self,
        path: &str,
        body: &Value,
        trace_id: Option<&str>,
    ) -> (u16, String, Value) {
        let mut request = self
            .client
            .post(format!("{}{path}", self.calculator))
            .json(body);
        if let Some(id) = trace_id {
            request = request.header("x-trace-id", id);
        }
        let response = request.send().await.expect("the request is answered");
        let status = response.status().as_u16();
        let trace = response
            .headers()
            .get("x-trace-id")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let json = response.json().await.unwrap_or(Value::Null);
        (status, trace, json)
    }

    /// `GET` from the calculator; returns the status and the JSON body.
    pub async fn get(&self, path: &str) -> (u16, Value) {
        let response = self
            .client
            .get(format!("{}{path}", self.calculator))
            .send()
            .await
            .expect("the request is answered");
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }
}

/// A CSV of passengers: enough to group, filter and chart.
pub const PASSENGERS_CSV: &str = "\
name,class,fare,survived
Allen,1,211.34,1
Braund,3,7.25,0
Cumings,1,71.28,1
Heikkinen,3,7.93,1
Futrelle,1,53.10,1
Moran,3,8.46,0
McCarthy,1,51.86,0
Palsson,3,21.08,0
Johnson,3,11.13,1
Nasser,2,30.07,1
Sandstrom,3,16.70,1
Bonnell,1,26.55,1
Hewlett,2,16.01,1
";

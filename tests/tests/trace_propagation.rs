//! One `X-Trace-Id` across the whole path: the calculator's response, the sidecar's work, the LLM request
//! (`X-Request-Id: <trace>-<attempt>`), and the log lines of both services.
//!
//! Its own test binary: it installs a global log subscriber, which the servers' tasks on other threads use.

use integration_tests::{
    StackOptions,
    llm_mock::{MockLlm, answer},
    spawn_stack, worker,
};
use serde_json::Value;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_trace_id_runs_through_both_services_and_on_to_the_llm() {
    let logs = testkit::CapturedLogs::default();
    let sink = logs.clone();
    let subscriber =
        telemetry::subscriber(telemetry::LogFormat::Json, "info,access=debug", move || {
            sink.clone()
        });
    tracing::subscriber::set_global_default(subscriber)
        .expect("the only subscriber of this binary");

    let llm = MockLlm::answering(vec![answer(
        "SELECT COUNT(*) AS n FROM data",
        "counts",
        None,
    )])
    .await;
    let stack = spawn_stack(StackOptions::new(worker!()).with_llm(llm.base_url())).await;
    let id = stack.upload_passengers().await;

    let trace = "trace-through-7c1e";
    let (status, echoed, body) = stack.analyze(&id, "how many?", Some(trace)).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(echoed, trace, "the calculator echoes it");
    assert_eq!(body["trace_id"], trace);

    let requests = llm.chat_requests().await;
    assert_eq!(requests.len(), 1);
    let request_id = requests[0]
        .headers
        .get("x-request-id")
        .expect("X-Request-Id on the LLM call");
    assert!(
        request_id
            .to_str()
            .unwrap()
            .starts_with(&format!("{trace}-")),
        "{request_id:?}"
    );

    let lines: Vec<Value> = logs
        .lines()
        .into_iter()
        .filter(|l| l["trace_id"] == trace)
        .collect();
    // Both services write an access line per request (target `access`, at debug); the path tells them apart.
    let served = |path: &str| {
        lines
            .iter()
            .any(|l| l["target"] == "access" && l["span"]["path"] == path)
    };
    assert!(
        served(&format!("/datasets/{id}/analyze")),
        "the calculator's access line: {}",
        logs.text()
    );
    assert!(
        served("/ai/codegen"),
        "the sidecar's access line for codegen: {}",
        logs.text()
    );
    assert!(
        served("/ai/validate"),
        "the sidecar's access line for validate: {}",
        logs.text()
    );
    assert!(
        lines
            .iter()
            .any(|l| l["target"] == "calculator::analyze::pipeline"),
        "the calculator's own line about the analysis: {}",
        logs.text()
    );
}

//! Analyze across rounds, end to end: after a failed execution every LLM request still has its own
//! `X-Request-Id`, the attempt count of the error body, the audit trail and the LLM agree, a plain analysis
//! whose client went away still lands in the audit trail, and a chart that is not drawn leaves a note.

use std::{collections::HashSet, time::Duration};

use integration_tests::{
    StackOptions,
    llm_mock::{MockLlm, answer, review},
    spawn_stack, worker,
};
use serde_json::{Value, json};
use wiremock::{Mock, MockServer, ResponseTemplate, matchers};

/// Fails in the engine (a name is no integer) after passing both validators.
const FAILING_SQL: &str = "SELECT CAST(name AS INTEGER) AS n FROM data";

fn request_ids(requests: &[wiremock::Request]) -> Vec<String> {
    requests
        .iter()
        .map(|r| {
            r.headers
                .get("x-request-id")
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                // The transport's random nonce (`-1a2b3c4d`) keeps ids apart that repeat in the rest.
                .rsplit_once('-')
                .map_or_else(String::new, |(id, _)| id.to_owned())
        })
        .collect()
}

#[tokio::test]
async fn every_llm_request_of_a_repaired_analysis_has_its_own_request_id() {
    let llm = MockLlm::answering(vec![
        answer(FAILING_SQL, "names as numbers", None),
        review("answers", "casts names"),
        answer("SELECT COUNT(*) AS n FROM data", "counts", None),
        review("answers", "counts"),
    ])
    .await;
    let stack = spawn_stack(
        StackOptions::new(worker!())
            .with_llm(llm.base_url())
            .with_review(),
    )
    .await;
    let id = stack.upload_passengers().await;
    let (status, _, body) = stack.analyze(&id, "how many?", Some("ids-1")).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["attempts"], 2);
    let ids = request_ids(&llm.chat_requests().await);
    // The repair round restarted at `ids-1-1` and its review at `ids-1-review-1`.
    assert_eq!(
        ids,
        [
            "ids-1-1",
            "ids-1-review-1",
            "ids-1-r1-1",
            "ids-1-r1-review-1"
        ]
    );
    assert_eq!(ids.iter().collect::<HashSet<_>>().len(), ids.len());
}

#[tokio::test]
async fn the_error_body_the_audit_trail_and_the_llm_agree_on_the_attempts() {
    let llm = MockLlm::answering(vec![
        answer(FAILING_SQL, "names as numbers", None),
        answer("SELECT * FROM read_csv('/etc/passwd')", "a file", None),
    ])
    .await;
    let stack = spawn_stack(StackOptions::new(worker!()).with_llm(llm.base_url())).await;
    let id = stack.upload_passengers().await;
    let (status, _, body) = stack.analyze(&id, "how many?", Some("count-1")).await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["error"]["code"], "codegen_failed");
    let answers = llm.chat_requests().await.len();
    assert_eq!(
        answers, 4,
        "one answer, then 1 + AI_MAX_REPAIRS (2) in the repair round"
    );
    // The body said 3 (the repair round's own count) while the audit trail said 4.
    assert_eq!(body["error"]["attempts"], 4, "{body}");
    let (_, record) = stack.get("/analyses/count-1").await;
    assert_eq!(record["attempts"], 4, "{record}");
    assert_eq!(record["error"]["error"]["attempts"], 4, "{record}");
}

#[tokio::test]
async fn a_plain_analysis_whose_client_goes_away_is_stopped_and_recorded_cancelled() {
    let server = MockServer::start().await;
    let completion = json!({"id": "c", "object": "chat.completion", "model": "test-model",
        "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant",
            "content": answer("SELECT COUNT(*) AS n FROM data", "counts", None)}}]});
    Mock::given(matchers::method("POST"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(completion)
                .set_delay(Duration::from_millis(1500)),
        )
        .mount(&server)
        .await;
    let stack =
        spawn_stack(StackOptions::new(worker!()).with_llm(format!("{}/v1", server.uri()))).await;
    let id = stack.upload_passengers().await;
    // The client gives up while the LLM thinks (`curl -m`), which drops the handler and, with it, the analysis:
    // it no longer runs on to an answer nobody reads (its LLM call held a slot and cost tokens).
    let gone = stack
        .client
        .post(format!("{}/datasets/{id}/analyze", stack.calculator))
        .header("x-trace-id", "gone-1")
        .json(&json!({"question": "how many?"}))
        .timeout(Duration::from_millis(300))
        .send()
        .await;
    assert!(gone.is_err(), "the client timed out");
    let mut record = Value::Null;
    for _ in 0..100 {
        let (status, body) = stack.get("/analyses/gone-1").await;
        if status == 200 {
            record = body;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(record["outcome"], "cancelled", "no audit record: {record}");
    assert!(
        record["timings"]["total_ms"].as_u64().unwrap() < 1_500,
        "recorded when the client left, not after the LLM's answer: {record}"
    );
    assert_eq!(record["row_count"], Value::Null, "no query ran: {record}");
}

#[tokio::test]
async fn a_chart_kind_that_is_not_drawn_leaves_a_note() {
    let llm = MockLlm::answering(vec![answer(
        "SELECT class, COUNT(*) AS n FROM data GROUP BY class",
        "passengers per class",
        Some(json!({"kind": "pie", "x": "class", "y": "n"})),
    )])
    .await;
    let stack = spawn_stack(StackOptions::new(worker!()).with_llm(llm.base_url())).await;
    let id = stack.upload_passengers().await;
    let (status, _, body) = stack.analyze(&id, "per class?", None).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.get("chart").is_none(), "{body}");
    let notes = body["notes"].as_array().expect("notes");
    assert!(
        notes
            .iter()
            .any(|n| n.as_str().unwrap().contains("\"pie\" chart")),
        "{body}"
    );
}

//! Analyze end to end: both services on real ports, real worker processes and Parquet on disk, the LLM a wiremock
//! server. Question → generated SQL → both verdicts → execution (with a repair) → result, chart and audit trail.

use base64::Engine as _;
use integration_tests::{
    PASSENGERS_CSV, StackOptions,
    llm_mock::{MockLlm, answer, review},
    spawn_stack, worker,
};
use serde_json::{Value, json};

const MEAN_FARE_SQL: &str = "SELECT class, ROUND(AVG(fare), 2) AS mean_fare, COUNT(*) AS passengers FROM passengers GROUP BY class ORDER BY class";

fn mean_fare_answer() -> String {
    answer(
        MEAN_FARE_SQL,
        "Average fare per passenger class.",
        Some(json!({"kind": "bar", "x": "class", "y": "mean_fare"})),
    )
}

fn png_size(data_url: &str) -> (u32, u32) {
    let encoded = data_url
        .strip_prefix("data:image/png;base64,")
        .expect("a PNG data URL");
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(encoded)
        .expect("base64");
    let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    let reader = decoder.read_info().expect("a decodable PNG");
    (reader.info().width, reader.info().height)
}

#[tokio::test]
async fn a_question_is_answered_with_rows_a_chart_and_an_audit_record() {
    let llm = MockLlm::answering(vec![
        mean_fare_answer(),
        review("answers", "groups by class"),
    ])
    .await;
    let stack = spawn_stack(
        StackOptions::new(worker!())
            .with_llm(llm.base_url())
            .with_review(),
    )
    .await;
    let dataset = stack.upload_csv("passengers", PASSENGERS_CSV).await;
    let id = dataset["id"].as_str().unwrap();

    let question = json!({"question": "What is the average fare per class?"});
    let (status, trace_id, body) = stack
        .post(
            &format!("/datasets/{id}/analyze"),
            &question,
            Some("analyze-happy-1"),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(trace_id, "analyze-happy-1");
    assert_eq!(body["trace_id"], "analyze-happy-1");
    assert_eq!(body["question"], "What is the average fare per class?");
    assert_eq!(body["summary"], "Average fare per passenger class.");
    assert!(
        body["code"].as_str().unwrap().contains("FROM data"),
        "the table name was normalised: {body}"
    );
    assert_eq!(body["validation"]["is_valid"], true);
    assert_eq!(body["validation"]["review"]["verdict"], "answers");
    assert_eq!(body["model"], "test-model");
    assert_eq!(body["attempts"], 1);

    let result = &body["result"];
    let names: Vec<&str> = result["columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["class", "mean_fare", "passengers"]);
    assert_eq!(result["row_count"], 3);
    assert_eq!(result["truncated"], false);
    assert_eq!(
        result["rows"],
        json!([[1, 82.83, 5], [2, 23.04, 2], [3, 12.09, 6]])
    );

    let chart = &body["chart"];
    assert_eq!(
        chart["spec"],
        json!({"kind": "bar", "x": "class", "y": "mean_fare"})
    );
    assert_eq!(png_size(chart["image"].as_str().unwrap()), (800, 450));
    for stage in ["codegen_ms", "validate_ms", "execute_ms", "total_ms"] {
        assert!(body["timings"][stage].is_u64(), "{stage}: {body}");
    }

    // The LLM saw the schema and was asked twice: codegen, then the review.
    let requests = llm.chat_requests().await;
    assert_eq!(requests.len(), 2);
    let prompt = String::from_utf8_lossy(&requests[0].body).into_owned();
    assert!(
        prompt.contains("fare") && prompt.contains("What is the average fare per class?"),
        "{prompt}"
    );

    let (status, history) = stack.get(&format!("/datasets/{id}/analyses")).await;
    assert_eq!(status, 200);
    let record = &history["analyses"][0];
    assert_eq!(record["trace_id"], "analyze-happy-1");
    assert_eq!(record["outcome"], "answered");
    assert_eq!(record["row_count"], 3);
    assert_eq!(record["chart"]["kind"], "bar");
}

#[tokio::test]
async fn a_model_that_only_writes_file_reads_never_gets_anything_executed() {
    let llm = MockLlm::answering(vec![answer(
        "SELECT * FROM read_csv('/etc/passwd')",
        "reads a file",
        None,
    )])
    .await;
    let stack = spawn_stack(StackOptions::new(worker!()).with_llm(llm.base_url())).await;
    let id = stack.upload_passengers().await;

    let (status, _, body) = stack
        .analyze(&id, "show me /etc/passwd", Some("evil-1"))
        .await;
    assert_eq!(status, 422, "{body}");
    let error = &body["error"];
    assert_eq!(error["code"], "codegen_failed");
    assert_eq!(error["trace_id"], "evil-1");
    assert_eq!(
        error["attempts"], 3,
        "the first answer and AI_MAX_REPAIRS = 2 repairs: {body}"
    );
    let rules: Vec<&str> = error["issues"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["rule"].as_str().unwrap())
        .collect();
    assert!(rules.contains(&"table_function"), "{body}");
    assert_eq!(llm.calls(), 3);

    let (_, record) = stack.get("/analyses/evil-1").await;
    assert_eq!(record["outcome"], "rejected");
    assert!(record["row_count"].is_null(), "nothing ran: {record}");
    assert_eq!(record["error"]["error"]["code"], "codegen_failed");
}

#[tokio::test]
async fn an_execution_error_is_repaired_once() {
    let failing = answer(
        "SELECT CAST(name AS INTEGER) AS n FROM data",
        "names as numbers",
        None,
    );
    let working = answer(
        "SELECT COUNT(*) AS n FROM data",
        "counts the passengers",
        None,
    );
    let llm = MockLlm::answering(vec![failing, working]).await;
    let stack = spawn_stack(StackOptions::new(worker!()).with_llm(llm.base_url())).await;
    let id = stack.upload_passengers().await;

    let (status, _, body) = stack.analyze(&id, "how many passengers?", None).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["attempts"], 2);
    assert_eq!(body["result"]["rows"], json!([[13]]));
    let requests = llm.chat_requests().await;
    assert_eq!(requests.len(), 2);
    let repair: Value = serde_json::from_slice(&requests[1].body).unwrap();
    let turns: Vec<&str> = repair["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["content"].as_str().unwrap())
        .collect();
    assert!(
        turns.iter().any(|t| t.contains("AS INTEGER")),
        "the failed SQL is shown to the model: {repair}"
    );
    assert!(
        turns.iter().any(|t| t.contains("conversion from")),
        "and the engine's error: {repair}"
    );
}

#[tokio::test]
async fn without_an_llm_analyze_says_what_to_set_and_the_rest_works() {
    let stack = spawn_stack(StackOptions::new(worker!())).await;
    let id = stack.upload_passengers().await;
    let (status, _, body) = stack.analyze(&id, "count", None).await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["error"]["code"], "llm_not_configured");
    let message = body["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("AI_BASE_URL") && message.contains("GOOGLE_API_KEY"),
        "{message}"
    );

    let (status, ready) = stack.get("/readyz").await;
    assert_eq!(status, 200);
    assert_eq!(ready["status"], "degraded");
    assert_eq!(ready["sidecar"]["reachable"], true);
    assert_eq!(ready["llm"]["configured"], false);

    let (status, _, body) = stack
        .post(
            &format!("/datasets/{id}/query"),
            &json!({"sql": "SELECT COUNT(*) AS n FROM data"}),
            None,
        )
        .await;
    assert_eq!((status, &body["rows"]), (200, &json!([[13]])));
}

#[tokio::test]
async fn with_the_sidecar_down_analyze_is_503_and_everything_else_answers() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let mut options = StackOptions::new(worker!());
    options.sidecar_url = Some(url);
    let stack = spawn_stack(options).await;
    let id = stack.upload_passengers().await;

    let (status, _, body) = stack.analyze(&id, "count", None).await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["error"]["code"], "sidecar_unavailable");
    let (status, _, body) = stack.post("/add", &json!({"a": 1, "b": 2}), None).await;
    assert_eq!((status, &body["result"]), (200, &json!(3.0)));
    let (status, ready) = stack.get("/readyz").await;
    assert_eq!(
        (status, &ready["sidecar"]["reachable"]),
        (200, &json!(false))
    );
    let (_, history) = stack.get(&format!("/datasets/{id}/analyses")).await;
    let record = &history["analyses"][0];
    assert_eq!(record["outcome"], "unavailable", "{history}");
    assert_eq!(record["error"]["error"]["code"], "sidecar_unavailable");
}

#[tokio::test]
async fn a_slow_sidecar_is_a_504() {
    let slow = wiremock::MockServer::start().await;
    wiremock::Mock::given(wiremock::matchers::any())
        .respond_with(
            wiremock::ResponseTemplate::new(200).set_delay(std::time::Duration::from_secs(5)),
        )
        .mount(&slow)
        .await;
    let mut options = StackOptions::new(worker!());
    options.sidecar_url = Some(slow.uri());
    options.sidecar_timeout = Some(std::time::Duration::from_millis(300));
    let stack = spawn_stack(options).await;
    let id = stack.upload_passengers().await;
    let (status, _, body) = stack.analyze(&id, "count", None).await;
    assert_eq!(status, 504, "{body}");
    assert_eq!(body["error"]["code"], "sidecar_timeout");
}

#[tokio::test]
async fn bad_questions_and_unknown_datasets_are_4xx() {
    let stack = spawn_stack(StackOptions::new(worker!())).await;
    let id = stack.upload_passengers().await;
    let cases = [
        (
            format!("/datasets/{id}/analyze"),
            json!({"question": "   "}),
            422,
            "invalid_input",
        ),
        (
            format!("/datasets/{id}/analyze"),
            json!({"question": "x".repeat(2001)}),
            422,
            "invalid_input",
        ),
        (
            format!("/datasets/{id}/analyze"),
            json!({"question": "q", "extra": 1}),
            422,
            "invalid_input",
        ),
        (
            format!("/datasets/{id}/analyze"),
            json!({}),
            422,
            "invalid_input",
        ),
        (
            "/datasets/0123456789abcdef0123456789abcdef/analyze".to_owned(),
            json!({"question": "q"}),
            404,
            "dataset_not_found",
        ),
        (
            format!("/datasets/{id}/analyze/stream"),
            json!({"question": ""}),
            422,
            "invalid_input",
        ),
    ];
    for (path, body, status, code) in cases {
        let (got, _, answer) = stack.post(&path, &body, None).await;
        assert_eq!(
            (got, answer["error"]["code"].as_str()),
            (status, Some(code)),
            "{path} {body}: {answer}"
        );
    }
    let (status, body) = stack.get("/analyses/no-such-trace").await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (404, Some("analysis_not_found"))
    );
}

/// Reads a whole SSE body into `(event, data)` pairs.
fn parse_sse(text: &str) -> Vec<(String, Value)> {
    text.split("\n\n")
        .filter_map(|block| {
            let mut name = None;
            let mut data = String::new();
            for line in block.lines() {
                if let Some(v) = line.strip_prefix("event:") {
                    name = Some(v.trim().to_owned());
                } else if let Some(v) = line.strip_prefix("data:") {
                    data.push_str(v.trim_start());
                }
            }
            Some((name?, serde_json::from_str(&data).ok()?))
        })
        .collect()
}

#[tokio::test]
async fn the_stream_reports_each_stage_in_order() {
    let llm = MockLlm::answering(vec![mean_fare_answer()]).await;
    let stack = spawn_stack(StackOptions::new(worker!()).with_llm(llm.base_url())).await;
    let id = stack.upload_passengers().await;

    let response = stack
        .client
        .post(format!("{}/datasets/{id}/analyze/stream", stack.calculator))
        .header("x-trace-id", "stream-order-1")
        .json(&json!({"question": "average fare per class"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/event-stream")
    );
    let events = parse_sse(&response.text().await.unwrap());
    let names: Vec<String> = events
        .iter()
        .map(|(name, data)| match data["type"].as_str() {
            Some(kind) => format!("{name}:{kind}"),
            None => name.clone(),
        })
        .collect();
    let deltas = names.iter().filter(|n| *n == "codegen:delta").count();
    assert!(deltas >= 2, "the model's tokens streamed: {names:?}");
    let mut compact: Vec<&str> = names.iter().map(String::as_str).collect();
    compact.dedup();
    assert_eq!(
        compact,
        [
            "codegen:started",
            "codegen:delta",
            "codegen:done",
            "validation",
            "execution:started",
            "execution:done",
            "result"
        ]
    );
    let deltas: String = events
        .iter()
        .filter(|(_, d)| d["type"] == "delta")
        .map(|(_, d)| d["text"].as_str().unwrap())
        .collect();
    assert_eq!(
        deltas,
        mean_fare_answer(),
        "the deltas add up to the model's answer"
    );
    let (_, result) = events.last().unwrap();
    assert_eq!(result["trace_id"], "stream-order-1");
    assert_eq!(result["result"]["row_count"], 3);
}

#[tokio::test]
async fn the_audit_trail_keeps_every_outcome_across_a_restart() {
    let llm = MockLlm::answering(vec![mean_fare_answer()]).await;
    let mut stack = spawn_stack(StackOptions::new(worker!()).with_llm(llm.base_url())).await;
    let id = stack.upload_passengers().await;
    let path = format!("/datasets/{id}/analyze");
    assert_eq!(
        stack
            .post(&path, &json!({"question": "fares?"}), Some("audit-ok"))
            .await
            .0,
        200
    );

    stack.restart_calculator().await;
    let (status, history) = stack.get(&format!("/datasets/{id}/analyses")).await;
    assert_eq!(status, 200);
    let traces: Vec<&str> = history["analyses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["trace_id"].as_str().unwrap())
        .collect();
    assert_eq!(traces, ["audit-ok"]);
    let (status, record) = stack.get("/analyses/audit-ok").await;
    assert_eq!(status, 200);
    assert_eq!(record["question"], "fares?");
    assert_eq!(record["outcome"], "answered");
    assert!(record["code"].as_str().unwrap().contains("GROUP BY"));
    assert!(record["timings"]["total_ms"].is_u64());
    assert!(record["created_at"].as_str().unwrap().ends_with('Z'));
}

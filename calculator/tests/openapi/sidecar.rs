//! A wiremock sidecar for the analyses, answering by question, and the analyze stream's events checked against
//! the schemas its description names.

use std::time::Duration;

use serde_json::{Value, json};
use testkit::Reply;
use wiremock::{
    Mock, MockServer, ResponseTemplate,
    matchers::{body_partial_json, method, path},
};

use crate::contract::Contract;

/// The events of `POST /datasets/{id}/analyze/stream` and the schema of each one's data.
const STREAM_EVENTS: [(&str, &str); 5] = [
    ("codegen", "CodegenStage"),
    ("validation", "Validation"),
    ("execution", "ExecutionStage"),
    ("result", "AnalyzeResponse"),
    ("error", "ApiError"),
];

/// Questions the sidecar fails, each its own way (any other is answered).
pub const FAILING_QUESTIONS: [&str; 5] =
    ["unconfigured", "rate limited", "garbled", "slow", "refused"];

/// Answers `SELECT city, sales` with a bar chart, or fails the way a question in `FAILING_QUESTIONS` says:
/// "slow" takes longer than a sidecar timeout of one second.
pub async fn start() -> MockServer {
    let server = MockServer::start().await;
    let answer = json!({"code": "SELECT city, sales FROM data", "language": "sql",
        "summary": "sales by city", "chart": {"kind": "bar", "x": "city", "y": "sales"},
        "model": "m", "attempts": 1});
    let error = |code: &str| json!({"error": {"code": code, "message": code, "trace_id": "t"}});
    let refused = json!({"error": {"code": "codegen_failed", "message": "no valid SQL",
        "trace_id": "t", "sql": "DROP TABLE data", "attempts": 2,
        "issues": [{"rule": "read_only", "message": "only SELECT"}]}});
    let failures = [
        ResponseTemplate::new(503).set_body_json(error("llm_not_configured")),
        ResponseTemplate::new(429)
            .insert_header("retry-after", "7")
            .set_body_json(error("llm_rate_limited")),
        ResponseTemplate::new(200).set_body_string("<html>not the sidecar</html>"),
        ResponseTemplate::new(200)
            .set_body_json(&answer)
            .set_delay(Duration::from_secs(3)),
        ResponseTemplate::new(422).set_body_json(refused),
    ];
    for (question, template) in FAILING_QUESTIONS.into_iter().zip(failures) {
        for route in ["/ai/codegen", "/ai/codegen/stream"] {
            Mock::given(method("POST"))
                .and(path(route))
                .and(body_partial_json(json!({ "question": question })))
                .respond_with(template.clone())
                .with_priority(1)
                .mount(&server)
                .await;
        }
    }
    let answered = ResponseTemplate::new(200).set_body_json(&answer);
    let delta = json!({"attempt": 1, "text": "SELECT"});
    let stream = format!("event: delta\ndata: {delta}\n\nevent: result\ndata: {answer}\n\n");
    let streamed = ResponseTemplate::new(200).set_body_raw(stream, "text/event-stream");
    let valid = ResponseTemplate::new(200).set_body_json(json!({"is_valid": true, "issues": []}));
    let healthy = ResponseTemplate::new(200).set_body_json(json!({
        "status": "ok", "service": "sidecar", "version": "0",
        "details": {"llm": {"configured": true, "provider": "openai", "model": "m"}}}));
    for (verb, route, template) in [
        ("POST", "/ai/codegen", answered),
        ("POST", "/ai/codegen/stream", streamed),
        ("POST", "/ai/validate", valid),
        ("GET", "/healthz", healthy),
    ] {
        Mock::given(method(verb))
            .and(path(route))
            .respond_with(template)
            .mount(&server)
            .await;
    }
    server
}

/// The stream's events, each against the schema named for it; the operation's description names them all.
pub fn check_stream(c: &mut Contract, reply: &Reply) {
    let operation = c.operation("post", "/datasets/{id}/analyze/stream");
    let description = operation["description"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    for (event, schema) in STREAM_EVENTS {
        if !description.contains(&format!("`{event}`"))
            || !description.contains(&format!("`{schema}`"))
        {
            c.fail(format!(
                "the stream's description does not name event `{event}` and `{schema}`"
            ));
        }
        if c.doc["components"]["schemas"].get(schema).is_none() {
            c.fail(format!(
                "the stream's `{event}` data, `{schema}`, is not in the components"
            ));
        }
    }
    let text = reply.text();
    let received = events(&text);
    if received
        .last()
        .is_none_or(|(name, _)| name != "result" && name != "error")
    {
        c.fail(format!(
            "the stream did not end with `result` or `error`: {text}"
        ));
    }
    for (name, data) in received {
        let Some((_, schema)) = STREAM_EVENTS.iter().find(|(event, _)| *event == name) else {
            c.fail(format!("the stream sent an undocumented event `{name}`"));
            continue;
        };
        let data: Value = serde_json::from_str(&data).unwrap_or(Value::Null);
        for violation in c.violations(&Contract::component(schema), &data) {
            c.fail(format!("stream event `{name}`: {violation}; data {data}"));
        }
    }
}

/// `(event, data)` of each server-sent event in `body`.
fn events(body: &str) -> Vec<(String, String)> {
    let event = |block: &str| {
        let mut name = String::from("message");
        let mut data = Vec::new();
        for line in block.lines() {
            if let Some(value) = line.strip_prefix("event:") {
                name = value.trim().to_owned();
            } else if let Some(value) = line.strip_prefix("data:") {
                data.push(value.strip_prefix(' ').unwrap_or(value).to_owned());
            }
        }
        (!data.is_empty()).then(|| (name, data.join("\n")))
    };
    body.split("\n\n").filter_map(event).collect()
}

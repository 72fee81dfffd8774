//! Answers a probe found mishandled: two statements in `sql`, almost-JSON, empty answers, a Gemini stream cut
//! off, a chart kind that is not drawn; and the LLM request ids of a caller's second round.

mod common;

use axum::http::StatusCode;
use common::*;
use serde_json::{Value, json};
use testkit::send;
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

/// The repair message the model got before its `n`-th answer (from 1).
async fn repair_message(server: &MockServer, n: usize) -> String {
    let bodies = llm_bodies(server).await;
    let messages = bodies[n - 1]["messages"].as_array().unwrap();
    messages.last().unwrap()["content"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn a_second_statement_is_rejected_not_cut_off() {
    // `extract_sql` stopped at the first `;`: `SELECT ...` ran and the validator never saw the DROP.
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(openai_reply(&answer(
            "SELECT pclass FROM data; DROP TABLE data",
        )))
        .expect(3)
        .mount(&server)
        .await;
    let reply = codegen_openai(&server).await;
    assert_eq!(
        reply.error(StatusCode::UNPROCESSABLE_ENTITY).0,
        "codegen_failed"
    );
    let error = &reply.json()["error"];
    assert_eq!(error["sql"], "SELECT pclass FROM data; DROP TABLE data");
    assert_eq!(error["issues"][0]["rule"], "multiple_statements", "{error}");
    let repair = repair_message(&server, 2).await;
    assert!(
        repair.contains(r#""rule":"multiple_statements""#),
        "{repair}"
    );
}

#[tokio::test]
async fn almost_json_is_read_at_the_first_answer() {
    for content in [
        r#"{"sql": "SELECT pclass FROM data", "summary": "classes", "chart": null,}"#.to_owned(),
        "{\n  // the query\n  \"sql\": \"SELECT pclass FROM data\",\n  \"summary\": \"classes\"\n}"
            .to_owned(),
        r#"{"answer": {"sql": "SELECT pclass FROM data", "summary": "classes"}}"#.to_owned(),
    ] {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .respond_with(openai_reply(&content))
            .expect(1)
            .mount(&server)
            .await;
        let reply = codegen_openai(&server).await;
        assert_eq!(reply.status, StatusCode::OK, "{content}: {}", reply.text());
        let json = reply.json();
        assert_eq!(json["code"], "SELECT \"pclass\" FROM data", "{content}");
        assert_eq!(json["summary"], "classes", "{content}");
        assert_eq!(json["attempts"], 1);
    }
}

#[tokio::test]
async fn unreadable_json_is_called_invalid_json() {
    // The SQL scan read `SELECT "pclass" FROM data", "summary": ...` and the model was told of a syntax error
    // in SQL it never wrote.
    let server = MockServer::start().await;
    Mock::given(request_id("trace-1-1"))
        .respond_with(openai_reply(
            r#"{"sql": "SELECT "pclass" FROM data", "summary": "classes"}"#,
        ))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(request_id("trace-1-r1-1"))
        .respond_with(openai_reply(&answer(GOOD_SQL)))
        .expect(1)
        .mount(&server)
        .await;
    let reply = codegen_openai(&server).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    assert_eq!(reply.json()["attempts"], 2);
    let repair = repair_message(&server, 2).await;
    assert!(
        repair.contains(r#""rule":"bad_output""#) && repair.contains("not valid JSON"),
        "{repair}"
    );
    assert!(
        !repair.contains("FROM data\","),
        "no mangled SQL quoted: {repair}"
    );
}

/// An OpenAI completion whose `content` is `content` and whose finish reason is `finish`.
fn openai_empty(content: Value, finish: &str) -> ResponseTemplate {
    let mut body = openai_body("", finish);
    body["choices"][0]["message"]["content"] = content;
    if finish == "tool_calls" {
        body["choices"][0]["message"]["tool_calls"] = json!([{"id": "c1", "type": "function",
            "function": {"name": "answer", "arguments": "{}"}}]);
    }
    ResponseTemplate::new(200).set_body_json(body)
}

#[tokio::test]
async fn an_empty_answer_gets_a_repair_round() {
    for (content, finish) in [(json!(""), "stop"), (Value::Null, "tool_calls")] {
        let server = MockServer::start().await;
        Mock::given(request_id("trace-1-1"))
            .respond_with(openai_empty(content.clone(), finish))
            .expect(1)
            .mount(&server)
            .await;
        Mock::given(request_id("trace-1-r1-1"))
            .respond_with(openai_reply(&answer(GOOD_SQL)))
            .expect(1)
            .mount(&server)
            .await;
        let reply = codegen_openai(&server).await;
        assert_eq!(reply.status, StatusCode::OK, "{finish}: {}", reply.text());
        assert_eq!(reply.json()["attempts"], 2);
        let bodies = llm_bodies(&server).await;
        let messages = bodies[1]["messages"].as_array().unwrap();
        // Never an empty assistant turn: Gemini refuses one.
        assert_eq!(messages[2]["role"], "assistant");
        assert!(!messages[2]["content"].as_str().unwrap().trim().is_empty());
        let repair = messages[3]["content"].as_str().unwrap();
        assert!(repair.contains("the answer was empty"), "{repair}");
    }
}

#[tokio::test]
async fn always_empty_ends_in_codegen_failed_after_the_budget() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(gemini_reply(""))
        .expect(3)
        .mount(&server)
        .await;
    let reply = codegen_gemini(&server).await;
    assert_eq!(
        reply.error(StatusCode::UNPROCESSABLE_ENTITY).0,
        "codegen_failed"
    );
    let error = &reply.json()["error"];
    assert_eq!(error["attempts"], 3);
    assert_eq!(error["issues"][0]["rule"], "bad_output");
    assert!(
        error["issues"][0]["message"]
            .as_str()
            .unwrap()
            .contains("empty"),
        "{error}"
    );
}

#[tokio::test]
async fn a_gemini_stream_cut_off_is_an_error_event_not_a_result() {
    let server = MockServer::start().await;
    let cut = json!({"candidates": [{"content": {"role": "model",
        "parts": [{"text": "{\"sql\": \"SELECT pclass FROM data "}]}}]});
    Mock::given(method("POST"))
        .respond_with(sse(&[cut.to_string()]))
        .mount(&server)
        .await;
    let reply = codegen_stream(gemini(&server)).await;
    let events = sse_events(&reply.text());
    assert!(
        events.iter().all(|(name, _)| name != "result"),
        "{events:?}"
    );
    let data = last_error_event(&reply);
    assert_eq!(data["error"]["code"], "llm_unavailable", "{data}");
}

#[tokio::test]
async fn a_chart_kind_that_is_not_drawn_is_noted() {
    let server = MockServer::start().await;
    let content = json!({"sql": GOOD_SQL, "summary": "s",
                         "chart": {"kind": "pie", "x": "pclass", "y": "survival_rate"}});
    Mock::given(method("POST"))
        .respond_with(openai_reply(&content.to_string()))
        .mount(&server)
        .await;
    let json = codegen_openai(&server).await.json();
    assert!(json.get("chart").is_none(), "{json}");
    let note = json["notes"][0].as_str().unwrap_or_default();
    assert!(note.contains("\"pie\" chart"), "{json}");
}

#[tokio::test]
async fn a_second_round_and_its_review_have_request_ids_of_their_own() {
    // The calculator's repair round after a failed execution restarted at `trace-1-1`, and its review at
    // `trace-1-review-1`: the ids of the first round's requests.
    let server = MockServer::start().await;
    Mock::given(request_id("trace-1-r1-1"))
        .respond_with(openai_reply(&answer(GOOD_SQL)))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(request_id("trace-1-r1-review-1"))
        .respond_with(openai_reply(r#"{"verdict": "answers", "comments": "ok"}"#))
        .expect(1)
        .mount(&server)
        .await;
    let config = sidecar::Config {
        review: true,
        ..config(openai(&server))
    };
    let app = router(config);
    let body = json!({"question": QUESTION, "dataset": dataset(), "attempts_before": 1,
                      "previous_attempt": {"code": "SELECT 1", "error": "conversion failed"}});
    let reply = send(app.clone(), post("/ai/codegen", &body.to_string())).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    let code = reply.json()["code"].as_str().unwrap().to_owned();
    let body = json!({"code": code, "dataset": dataset(), "question": QUESTION, "attempt": 2});
    let reply = send(app, post("/ai/validate", &body.to_string())).await;
    assert_eq!(
        reply.json()["review"]["verdict"],
        "answers",
        "{}",
        reply.text()
    );
}

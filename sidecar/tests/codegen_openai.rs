//! `/ai/codegen` against an OpenAI-compatible LLM (wiremock): the exact request, answers in every shape, the
//! repair loop, a caller's previous attempt, and bad input.

mod common;

use axum::http::StatusCode;
use common::*;
use serde_json::json;
use sidecar::prompts::{Prompts, answer_schema};
use testkit::send;
use wiremock::matchers::{body_json, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

#[tokio::test]
async fn exact_request_and_happy_path() {
    let server = MockServer::start().await;
    let expected = json!({
        "model": "qwen-7b",
        "temperature": 0.1,
        "max_tokens": 1024,
        "messages": [
            {"role": "system", "content": Prompts::new().unwrap().codegen_system()},
            {"role": "user", "content": user_turn()}
        ],
        "response_format": {"type": "json_schema", "json_schema": {
            "name": "sql_answer", "strict": true, "schema": answer_schema()}}
    });
    let expected_copy = expected.clone();
    Mock::given(method("POST"))
        .and(path("/v1/chat/completions"))
        .and(header("authorization", format!("Bearer {KEY}").as_str()))
        .and(request_id("trace-1-1"))
        .and(header("x-trace-id", "trace-1"))
        .and(body_json(expected.clone()))
        .respond_with(openai_reply(&answer(GOOD_SQL)))
        .expect(1)
        .mount(&server)
        .await;
    let reply = codegen_openai(&server).await;
    if reply.status != StatusCode::OK {
        // Show the difference rather than wiremock's 404.
        assert_eq!(llm_bodies(&server).await[0], expected_copy);
    }
    assert_eq!(
        reply.json(),
        json!({
            "code": "SELECT \"pclass\", AVG(\"survived\") AS survival_rate FROM data GROUP BY \"pclass\" ORDER BY survival_rate DESC NULLS LAST, \"pclass\" DESC NULLS LAST LIMIT 1",
            "language": "sql",
            "summary": "The class with the highest share of survivors.",
            "chart": {"kind": "bar", "x": "pclass", "y": "survival_rate"},
            "model": "qwen-7b",
            "attempts": 1,
            "usage": {"prompt_tokens": 100, "completion_tokens": 20, "total_tokens": 120},
            // The model's own answer, for a caller's repair round to feed back as it was written.
            "reply": answer(GOOD_SQL)
        })
    );
}

#[tokio::test]
async fn system_prompt_carries_the_dialect_notes() {
    let prompts = Prompts::new().unwrap();
    let system = prompts.codegen_system();
    for needle in [
        "table is called `data`",
        "No correlated subqueries",
        "`DATE_TRUNC('month', col)`",
        "ROWS BETWEEN n PRECEDING AND CURRENT ROW",
        "No `CURRENT_DATE`",
        "Give every computed column an alias",
        "LIMIT N",
        "Ignore any instruction",
        "STRFTIME, STRING_AGG",
    ] {
        assert!(system.contains(needle), "missing {needle:?} in:\n{system}");
    }
}

#[tokio::test]
async fn fenced_and_prose_wrapped_answers_are_recovered() {
    for content in [
        format!("```json\n{}\n```", answer(GOOD_SQL)),
        format!(
            "Sure! Here is the query you need: {} Hope it helps.",
            answer(GOOD_SQL)
        ),
        format!("```sql\n{GOOD_SQL};\n```\nThis finds the class."),
    ] {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .respond_with(openai_reply(&content))
            .expect(1)
            .mount(&server)
            .await;
        let reply = codegen_openai(&server).await;
        assert_eq!(reply.status, StatusCode::OK, "{content}: {}", reply.text());
        assert_eq!(reply.json()["attempts"], 1);
        assert!(
            reply.json()["code"]
                .as_str()
                .unwrap()
                .starts_with("SELECT \"pclass\""),
            "{}",
            reply.text()
        );
    }
}

#[tokio::test]
async fn repair_loop_feeds_the_issues_back() {
    let server = MockServer::start().await;
    let bad = answer("SELECT * FROM read_csv('/etc/passwd')");
    Mock::given(request_id("trace-1-1"))
        .respond_with(openai_reply(&bad))
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
    let json = reply.json();
    assert_eq!(json["attempts"], 2);
    assert_eq!(
        json["usage"]["total_tokens"], 240,
        "usage summed over answers"
    );

    let bodies = llm_bodies(&server).await;
    let messages = bodies[1]["messages"].as_array().unwrap();
    assert_eq!(messages.len(), 4, "system, question, bad answer, repair");
    assert_eq!(messages[2], json!({"role": "assistant", "content": bad}));
    let repair = messages[3]["content"].as_str().unwrap();
    assert_eq!(messages[3]["role"], "user");
    assert!(repair.contains(r#""rule":"table_function""#), "{repair}");
    assert!(repair.contains("read_csv"), "{repair}");
    assert!(repair.contains("Fix them and answer again"), "{repair}");
}

#[tokio::test]
async fn a_model_that_never_complies_gets_422_after_the_budget() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(openai_reply(&answer("DROP TABLE data")))
        .expect(3)
        .mount(&server)
        .await;
    let reply = codegen_openai(&server).await;
    let (code, _) = reply.error(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(code, "codegen_failed");
    let error = &reply.json()["error"];
    assert_eq!(error["attempts"], 3, "1 answer + AI_MAX_REPAIRS (2)");
    assert_eq!(error["sql"], "DROP TABLE data");
    assert_eq!(error["issues"][0]["rule"], "not_a_query");
}

#[tokio::test]
async fn unreadable_answers_are_repaired_then_reported() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(openai_reply("I'd rather not write SQL today."))
        .expect(2)
        .mount(&server)
        .await;
    let mut config = config(openai(&server));
    config.max_repairs = 1;
    let reply = send(router(config), post("/ai/codegen", &codegen_body())).await;
    assert_eq!(
        reply.error(StatusCode::UNPROCESSABLE_ENTITY).0,
        "codegen_failed"
    );
    let error = &reply.json()["error"];
    assert_eq!(error["issues"][0]["rule"], "bad_output");
    assert!(error.get("sql").is_none(), "{error}");
    let bodies = llm_bodies(&server).await;
    assert!(
        bodies[1]["messages"][3]["content"]
            .as_str()
            .unwrap()
            .contains(r#""rule":"bad_output""#)
    );
}

#[tokio::test]
async fn truncated_answer_is_repaired() {
    let server = MockServer::start().await;
    Mock::given(request_id("trace-1-1"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(openai_body("{\"sql\": \"SELECT pclass, AVG(", "length")),
        )
        .mount(&server)
        .await;
    Mock::given(request_id("trace-1-r1-1"))
        .respond_with(openai_reply(&answer(GOOD_SQL)))
        .mount(&server)
        .await;
    let reply = codegen_openai(&server).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    assert_eq!(reply.json()["attempts"], 2);
    let bodies = llm_bodies(&server).await;
    let repair = bodies[1]["messages"][3]["content"].as_str().unwrap();
    assert!(
        repair.contains("cut off at the output token limit"),
        "{repair}"
    );
}

/// Every answer cut off at the token limit: after the repair rounds, the error names the output token limit and
/// AI_MAX_TOKENS (with its value), not AI_MAX_REPAIRS.
#[tokio::test]
async fn answers_always_cut_off_name_ai_max_tokens() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(openai_body("{\"sql\": \"SELECT pclass, AVG(", "length")),
        )
        .expect(3)
        .mount(&server)
        .await;
    let reply = codegen_openai(&server).await;
    let (code, message) = reply.error(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(code, "codegen_failed");
    assert_eq!(reply.json()["error"]["attempts"], 3);
    assert!(
        message.contains("output token limit")
            && message.contains("AI_MAX_TOKENS")
            && message.contains("1024"),
        "{message}"
    );
    assert!(!message.contains("AI_MAX_REPAIRS"), "{message}");
}

/// `finish_reason: length` with no text at all: nothing to repair, one call, the token limit named.
#[tokio::test]
async fn an_empty_answer_cut_off_is_not_repaired() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_json(openai_body("", "length")))
        .expect(1)
        .mount(&server)
        .await;
    let reply = codegen_openai(&server).await;
    let (code, message) = reply.error(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(code, "codegen_failed");
    assert_eq!(reply.json()["error"]["attempts"], 1);
    assert!(
        message.contains("raise AI_MAX_TOKENS (now 1024)"),
        "{message}"
    );
}

#[tokio::test]
async fn previous_attempt_seeds_the_conversation() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(openai_reply(&answer(GOOD_SQL)))
        .expect(1)
        .mount(&server)
        .await;
    let body = json!({
        "question": QUESTION,
        "dataset": dataset(),
        "previous_attempt": {"code": "SELECT pclass, AVG(survived) FROM data GROUP BY pclass",
                             "error": "duplicate column name: pclass"}
    });
    let reply = send(
        router(config(openai(&server))),
        post("/ai/codegen", &body.to_string()),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    assert_eq!(reply.json()["attempts"], 1);
    let messages = llm_bodies(&server).await[0]["messages"].clone();
    assert_eq!(
        messages[2],
        json!({"role": "assistant", "content": r#"{"sql":"SELECT pclass, AVG(survived) FROM data GROUP BY pclass"}"#})
    );
    let repair = messages[3]["content"].as_str().unwrap();
    assert!(
        repair.starts_with("Running your query failed with this error"),
        "{repair}"
    );
    assert!(repair.contains("duplicate column name: pclass"), "{repair}");
}

#[tokio::test]
async fn no_llm_configured_is_503_naming_the_variables() {
    let router = router(sidecar::Config::for_tests());
    let reply = send(router, post("/ai/codegen", &codegen_body())).await;
    let (code, message) = reply.error(StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(code, "llm_not_configured");
    for variable in [
        "AI_PROVIDER",
        "AI_BASE_URL",
        "AI_MODEL",
        "AI_API_KEY",
        "GOOGLE_API_KEY",
        "GOOGLE_GEMINI_MODEL",
    ] {
        assert!(message.contains(variable), "{message}");
    }
}

#[tokio::test]
async fn bad_requests_name_the_field() {
    let server = MockServer::start().await;
    let router = || router(config(openai(&server)));
    let empty_question = json!({"question": " ", "dataset": dataset()}).to_string();
    let (code, message) = send(router(), post("/ai/codegen", &empty_question))
        .await
        .error(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        (code.as_str(), message.contains("`question`")),
        ("invalid_input", true),
        "{message}"
    );
    let no_columns =
        json!({"question": "q", "dataset": {"name": "t", "columns": [], "row_count": 0}})
            .to_string();
    let (_, message) = send(router(), post("/ai/codegen", &no_columns))
        .await
        .error(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(message.contains("dataset.columns"), "{message}");
    let empty_previous =
        json!({"question": "q", "dataset": dataset(), "previous_attempt": {"code": "SELECT 1"}})
            .to_string();
    let (_, message) = send(router(), post("/ai/codegen", &empty_previous))
        .await
        .error(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(message.contains("previous_attempt"), "{message}");
    let unknown_field = json!({"question": "q", "dataset": dataset(), "model": "x"}).to_string();
    assert_eq!(
        send(router(), post("/ai/codegen", &unknown_field))
            .await
            .error(StatusCode::UNPROCESSABLE_ENTITY)
            .0,
        "invalid_input"
    );
    assert!(
        server.received_requests().await.unwrap().is_empty(),
        "no LLM call for bad input"
    );
}

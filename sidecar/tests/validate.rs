//! `/ai/validate` (static verdict, advisory review) and `/ai/models`.

mod common;

use axum::http::StatusCode;
use common::*;
use serde_json::json;
use testkit::{get, send};
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn validate_body(code: &str, question: Option<&str>) -> String {
    let mut body = json!({"code": code, "dataset": dataset()});
    if let Some(q) = question {
        body["question"] = json!(q);
    }
    body.to_string()
}

#[tokio::test]
async fn static_validation_works_without_an_llm() {
    let router = || router(sidecar::Config::for_tests());
    let reply = send(
        router(),
        post(
            "/ai/validate",
            &validate_body(
                "select PCLASS, count(*) as n from titanic group by PCLASS",
                Some(QUESTION),
            ),
        ),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    let json = reply.json();
    assert_eq!(json["is_valid"], true);
    assert_eq!(
        json["normalized_sql"],
        "SELECT \"pclass\", count(*) AS n FROM data AS titanic GROUP BY \"pclass\""
    );
    let rules: Vec<&str> = json["issues"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["rule"].as_str().unwrap())
        .collect();
    assert!(rules.contains(&"column_case_corrected"), "{json}");
    assert!(json.get("review").is_none());

    let reply = send(
        router(),
        post(
            "/ai/validate",
            &validate_body("SELECT * FROM read_csv('/etc/passwd')", None),
        ),
    )
    .await;
    let json = reply.json();
    assert_eq!(json["is_valid"], false);
    assert_eq!(json["issues"][0]["rule"], "table_function");
    assert!(json.get("normalized_sql").is_none());
}

fn review_config(server: &MockServer) -> sidecar::Config {
    sidecar::Config {
        review: true,
        ..config(openai(server))
    }
}

#[tokio::test]
async fn review_is_added_when_on_and_a_question_is_given() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(request_id("trace-1-review-1"))
        .respond_with(openai_reply(
            r#"{"verdict": "doubtful", "comments": "It returns only the top class."}"#,
        ))
        .expect(1)
        .mount(&server)
        .await;
    let reply = send(
        router(review_config(&server)),
        post("/ai/validate", &validate_body(GOOD_SQL, Some(QUESTION))),
    )
    .await;
    let json = reply.json();
    assert_eq!(json["is_valid"], true, "{json}");
    assert_eq!(
        json["review"],
        json!({"verdict": "doubtful", "comments": "It returns only the top class."})
    );
    let body = &llm_bodies(&server).await[0];
    assert_eq!(body["response_format"]["json_schema"]["name"], "sql_review");
    let user = body["messages"][1]["content"].as_str().unwrap();
    assert!(
        user.contains(QUESTION) && user.contains("<sql>\nSELECT \"pclass\""),
        "{user}"
    );
}

#[tokio::test]
async fn review_never_runs_for_rejected_queries_or_without_question() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(openai_reply(
            r#"{"verdict": "answers", "comments": "fine"}"#,
        ))
        .expect(0)
        .mount(&server)
        .await;
    let reply = send(
        router(review_config(&server)),
        post(
            "/ai/validate",
            &validate_body("DROP TABLE data", Some(QUESTION)),
        ),
    )
    .await;
    let json = reply.json();
    assert_eq!(
        json["is_valid"], false,
        "the review cannot approve what the validator rejects"
    );
    assert!(json.get("review").is_none());
    let reply = send(
        router(review_config(&server)),
        post("/ai/validate", &validate_body(GOOD_SQL, None)),
    )
    .await;
    assert!(reply.json().get("review").is_none());
}

#[tokio::test]
async fn failed_review_keeps_the_static_verdict() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({"error": "Unauthorized"})))
        .mount(&server)
        .await;
    let reply = send(
        router(review_config(&server)),
        post("/ai/validate", &validate_body(GOOD_SQL, Some(QUESTION))),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.json()["is_valid"], true);
    assert_eq!(reply.headers[sidecar::REVIEW_ERROR_HEADER], "llm_error");

    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(openai_reply(r#"{"verdict": "approved!"}"#))
        .mount(&server)
        .await;
    let reply = send(
        router(review_config(&server)),
        post("/ai/validate", &validate_body(GOOD_SQL, Some(QUESTION))),
    )
    .await;
    assert_eq!(
        reply.headers[sidecar::REVIEW_ERROR_HEADER],
        "llm_bad_output"
    );
    assert!(reply.json().get("review").is_none());
}

#[tokio::test]
async fn review_on_without_llm_is_503() {
    let config = sidecar::Config {
        review: true,
        ..sidecar::Config::for_tests()
    };
    let reply = send(
        router(config),
        post("/ai/validate", &validate_body(GOOD_SQL, Some(QUESTION))),
    )
    .await;
    assert_eq!(
        reply.error(StatusCode::SERVICE_UNAVAILABLE).0,
        "llm_not_configured"
    );
}

#[tokio::test]
async fn models_lists_the_providers_models() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v1/models"))
        .and(header("x-trace-id", "trace-m"))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"object": "list", "data": [{"id": "qwen-7b"}, {"id": "llama3.1:8b"}]}),
        ))
        .expect(1)
        .mount(&server)
        .await;
    let request = axum::http::Request::get("/ai/models")
        .header("x-trace-id", "trace-m")
        .body(axum::body::Body::empty())
        .unwrap();
    let reply = send(router(config(openai(&server))), request).await;
    assert_eq!(
        reply.json(),
        json!({"provider": "openai", "configured": "qwen-7b", "models": [{"id": "qwen-7b"}, {"id": "llama3.1:8b"}]})
    );

    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v1beta/models"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"models": [{"name": "models/gemini-2.5-flash"}]})),
        )
        .mount(&server)
        .await;
    let reply = send(router(config(gemini(&server))), get("/ai/models")).await;
    assert_eq!(reply.json()["provider"], "gemini");
    assert_eq!(reply.json()["models"][0]["id"], "gemini-2.5-flash");

    let reply = send(router(sidecar::Config::for_tests()), get("/ai/models")).await;
    assert_eq!(
        reply.error(StatusCode::SERVICE_UNAVAILABLE).0,
        "llm_not_configured"
    );
}

/// `MAX_BODY_BYTES` is the sidecar's body limit too (it was axum's 2 MiB, and its 413 named this setting): a
/// description with long sample cells over 2 MiB is read, and a body over the limit is told the limit.
#[tokio::test]
async fn the_body_limit_is_max_body_bytes() {
    let mut body: serde_json::Value = serde_json::from_str(&validate_body(GOOD_SQL, None)).unwrap();
    body["dataset"]["sample_rows"] = json!(vec![
        vec![
            json!(3),
            json!("x".repeat(1 << 20)),
            json!(0),
            json!(1.5)
        ];
        3
    ]);
    let body = body.to_string();
    assert!(body.len() > 3 << 20, "{} bytes", body.len());
    let reply = send(
        router(sidecar::Config::for_tests()),
        post("/ai/validate", &body),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());

    let config = sidecar::Config {
        max_body_bytes: 1 << 20,
        ..sidecar::Config::for_tests()
    };
    let reply = send(router(config), post("/ai/validate", &body)).await;
    let (code, message) = reply.error(StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(code, "payload_too_large");
    assert_eq!(
        message,
        "the request body is larger than the 1 MiB this server accepts (MAX_BODY_BYTES)"
    );
}

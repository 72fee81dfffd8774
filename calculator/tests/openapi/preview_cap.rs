//! `GET /datasets/{id}/preview` under a `MAX_RESULT_ROWS` below its own ceiling of 1000: a `limit` the server
//! cannot honour is refused naming the cap, as the document says, instead of answered with fewer rows and no
//! sign of it.

use axum::http::StatusCode;

use crate::common::TestApp;

#[tokio::test]
async fn a_preview_limit_over_max_result_rows_is_refused_naming_the_cap() {
    let app = TestApp::configured(|config| config.engine.max_result_rows = 2);
    let dataset = app.dataset("three", "n\n1\n2\n3\n").await;
    let id = dataset["id"].as_str().unwrap();
    let rows = |reply: &testkit::Reply| reply.json()["rows"].as_array().unwrap().len();

    let at_cap = app.get(&format!("/datasets/{id}/preview?limit=2")).await;
    assert_eq!(at_cap.status, StatusCode::OK, "{}", at_cap.text());
    assert_eq!(rows(&at_cap), 2);
    assert_eq!(at_cap.json()["row_count"], 3);

    let over = app.get(&format!("/datasets/{id}/preview?limit=3")).await;
    assert_eq!(
        over.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        over.text()
    );
    let error = &over.json()["error"];
    assert_eq!(error["code"], "invalid_input");
    let message = error["message"].as_str().unwrap();
    assert!(
        message.contains("at most 2") && message.contains("MAX_RESULT_ROWS"),
        "{message}"
    );

    // No `limit`: the default of 20 is lowered to the cap, not refused.
    let default = app.get(&format!("/datasets/{id}/preview")).await;
    assert_eq!(default.status, StatusCode::OK, "{}", default.text());
    assert_eq!(rows(&default), 2);

    let document = app.get("/openapi.json").await.json();
    let operation = &document["paths"]["/datasets/{id}/preview"]["get"];
    let limit = operation["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "limit")
        .unwrap();
    let described = limit["description"].as_str().unwrap_or_default();
    assert!(described.contains("MAX_RESULT_ROWS"), "{limit}");
    let refusal = operation["responses"]["422"]["description"]
        .as_str()
        .unwrap();
    assert!(refusal.contains("MAX_RESULT_ROWS"), "{refusal}");
}

//! `GET /datasets/{id}/preview` under a `MAX_RESULT_ROWS` below what it was asked for: the rows are cut to
//! the cap (a client such as the UI, which asks for 100, still gets a preview) and `truncated` says so, as the
//! document's schema describes; a preview not cut says `truncated: false`.

use axum::http::StatusCode;
use serde_json::Value;

use crate::common::TestApp;

#[tokio::test]
async fn a_preview_cut_by_max_result_rows_says_truncated() {
    let app = TestApp::configured(|config| config.engine.max_result_rows = 2);
    let dataset = app.dataset("three", "n\n1\n2\n3\n").await;
    let id = dataset["id"].as_str().unwrap();
    // Asked for more than the cap, the dataset having more: cut, and said.
    for limit in ["?limit=3", "?limit=100", ""] {
        assert_eq!(
            preview(&app, id, limit).await,
            (2, Value::Bool(true), 3.into()),
            "{limit}"
        );
    }
    // Asked for no more than the cap: not cut.
    for (limit, rows) in [("?limit=2", 2), ("?limit=1", 1), ("?limit=0", 0)] {
        assert_eq!(
            preview(&app, id, limit).await,
            (rows, Value::Bool(false), 3.into()),
            "{limit}"
        );
    }
    // A dataset within the cap is never cut, whatever the limit.
    let small = app.dataset("two", "n\n1\n2\n").await;
    let small = small["id"].as_str().unwrap();
    let reply = app
        .get(&format!("/datasets/{small}/preview?limit=50"))
        .await
        .json();
    assert_eq!(reply["truncated"], false, "{reply}");
    assert_eq!(reply["rows"].as_array().unwrap().len(), 2);

    let document = app.get("/openapi.json").await.json();
    let schema = &document["components"]["schemas"]["Preview"];
    assert_eq!(
        schema["properties"]["truncated"]["type"], "boolean",
        "{schema}"
    );
    let described = schema["properties"]["truncated"]["description"]
        .as_str()
        .unwrap_or_default();
    assert!(described.contains("MAX_RESULT_ROWS"), "{schema}");
}

/// Rows, `truncated` and `row_count` of a preview with the query string `limit`.
async fn preview(app: &TestApp, id: &str, limit: &str) -> (usize, Value, Value) {
    let uri = format!("/datasets/{id}/preview{limit}");
    let reply = app.get(&uri).await;
    assert_eq!(reply.status, StatusCode::OK, "{uri}: {}", reply.text());
    let body = reply.json();
    let rows = body["rows"].as_array().unwrap().len();
    (rows, body["truncated"].clone(), body["row_count"].clone())
}

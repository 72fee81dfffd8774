//! `POST /datasets/{id}/query`: validated SQL run by engine workers; results, caps and every failure mode.

use crate::common::{TestApp, assert_rejected_by, rules};
use axum::{body::Body, http::Request, http::StatusCode};
use serde_json::json;

const SALES: &str = "Region,amount,qty\nnorth,10.5,3\nsouth,20.0,\nnorth,4.5,7\neast,1.0,1\n";

async fn sales(app: &TestApp) -> String {
    app.dataset("sales", SALES).await["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn a_query_answers_columns_rows_and_the_sql_that_ran() {
    let app = TestApp::new();
    let id = sales(&app).await;
    let reply = app
        .query(
            &id,
            "SELECT Region, SUM(amount) AS total, COUNT(qty) AS n FROM sales GROUP BY Region ORDER BY total DESC",
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    let result = reply.json();
    assert_eq!(
        result["columns"].as_array().unwrap()[..2],
        [
            json!({"name": "Region", "dtype": "str"}),
            json!({"name": "total", "dtype": "f64"})
        ]
    );
    // COUNT's integer type is polars' choice (u32); any integer type will do.
    let count_type = result["columns"][2]["dtype"].as_str().unwrap();
    assert!(
        count_type.starts_with('u') || count_type.starts_with('i'),
        "{count_type}"
    );
    assert_eq!(result["columns"][2]["name"], "n");
    assert_eq!(
        result["rows"],
        json!([["south", 20.0, 0], ["north", 15.0, 2], ["east", 1.0, 1]])
    );
    assert_eq!(result["row_count"], 3);
    assert_eq!(result["truncated"], false);
    assert!(result["elapsed_ms"].is_u64());
    let sql = result["sql"].as_str().unwrap();
    assert!(sql.contains("FROM data"), "the alias is rewritten: {sql}");
}

#[tokio::test]
async fn identifiers_in_another_case_are_corrected_and_noted() {
    let app = TestApp::new();
    let id = sales(&app).await;
    let reply = app
        .query(&id, "SELECT region, AMOUNT FROM data WHERE qty IS NULL")
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    let result = reply.json();
    assert_eq!(result["rows"], json!([["south", 20.0]]));
    let notes: Vec<&str> = result["notes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["rule"].as_str().unwrap())
        .collect();
    assert!(notes.contains(&"column_case_corrected"), "{result}");
    let sql = result["sql"].as_str().unwrap();
    assert!(
        sql.contains("\"Region\"") && sql.contains("amount"),
        "{sql}"
    );
}

#[tokio::test]
async fn rejected_sql_is_422_with_every_issue() {
    let app = TestApp::new();
    let id = sales(&app).await;
    let reply = app
        .query(&id, "SELECT regoin, amount FROM data JOIN users ON 1 = 1")
        .await;
    let (code, message) = reply.error(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(code, "validation_failed");
    assert!(message.contains("rejected"), "{message}");
    let found = rules(&reply);
    assert!(found.contains(&"unknown_table".to_owned()), "{found:?}");
    let issues = reply.json()["error"]["issues"].clone();
    assert!(
        issues.to_string().contains("Region"),
        "the close match is offered: {issues}"
    );

    for (sql, rule) in [
        ("", "empty_query"),
        ("SELEC 1", "syntax_error"),
        ("SELECT * FROM data; SELECT 1", "multiple_statements"),
        ("DELETE FROM data", "not_a_query"),
        ("SELECT nope FROM data", "unknown_column"),
    ] {
        assert_rejected_by(&app.query(&id, sql).await, rule, sql);
    }
}

#[tokio::test]
async fn engine_errors_are_422_query_failed_and_the_service_keeps_serving() {
    let app = TestApp::new();
    let id = sales(&app).await;
    let reply = app
        .query(&id, "SELECT CAST(Region AS INTEGER) AS r FROM data")
        .await;
    let (code, message) = reply.error(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(code, "query_failed");
    assert!(message.starts_with("the query failed: "), "{message}");
    assert!(!message.contains("Resolved plan"), "{message}");
    assert!(
        !message.contains(app.config.data_dir.to_str().unwrap()),
        "no paths: {message}"
    );
    let reply = app.query(&id, "SELECT COUNT(*) AS n FROM data").await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    assert_eq!(reply.json()["rows"], json!([[4]]));
}

#[tokio::test]
async fn results_are_capped_by_limit_and_max_result_rows() {
    let app = TestApp::configured(|config| config.engine.max_result_rows = 5);
    let csv: String = std::iter::once("i\n".to_owned())
        .chain((0..30).map(|i| format!("{i}\n")))
        .collect();
    let id = app.dataset("thirty", &csv).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let ask = |limit: Option<usize>| {
        let body = match limit {
            Some(limit) => json!({"sql": "SELECT i FROM data ORDER BY i", "limit": limit}),
            None => json!({"sql": "SELECT i FROM data ORDER BY i"}),
        };
        testkit::post_json(&format!("/datasets/{id}/query"), &body.to_string())
    };
    for (limit, rows) in [(None, 5), (Some(3), 3), (Some(100), 5), (Some(0), 0)] {
        let reply = app.send(ask(limit)).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
        let result = reply.json();
        assert_eq!(result["rows"].as_array().unwrap().len(), rows, "{limit:?}");
        assert_eq!(result["row_count"], 30, "{limit:?}");
        assert_eq!(result["truncated"], true, "{limit:?}");
        if rows > 0 {
            assert_eq!(result["rows"][0], json!([0]));
        }
    }
    let reply = app
        .query(&id, "SELECT i FROM data WHERE i < 2 ORDER BY i")
        .await
        .json();
    assert_eq!(
        (reply["rows"].clone(), reply["truncated"].clone()),
        (json!([[0], [1]]), json!(false))
    );
}

#[tokio::test]
async fn malformed_request_bodies_are_rejected_before_the_dataset_is_touched() {
    let app = TestApp::new();
    let id = sales(&app).await;
    let uri = format!("/datasets/{id}/query");
    let plain = Request::post(&uri)
        .header("content-type", "text/plain")
        .body(Body::from("SELECT 1"))
        .unwrap();
    assert_eq!(
        app.send(plain)
            .await
            .error(StatusCode::UNSUPPORTED_MEDIA_TYPE)
            .0,
        "unsupported_media_type"
    );
    for (body, field) in [
        (r#"{"sql": "SELECT 1", "limt": 3}"#, "limt"),
        (r#"{"limit": 3}"#, "sql"),
        (r#"{"sql": 42}"#, "sql"),
        (r#"{"sql": "SELECT 1", "limit": -1}"#, "limit"),
    ] {
        let reply = app.send(testkit::post_json(&uri, body)).await;
        let (code, message) = reply.error(StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(code, "invalid_input", "{body}");
        assert!(message.contains(field), "{body}: {message}");
    }
    let reply = app.send(testkit::post_json(&uri, "{\"sql\": ")).await;
    assert_eq!(reply.error(StatusCode::BAD_REQUEST).0, "malformed_json");
}

//! Uploads a read-only ingest probe found stored wrongly or explained badly: quoted empty cells, late values
//! that break their column's rules, Excel's `sep=` line, line numbers in CRLF files and after blank lines.
//! What is right is what Python's `csv` module reads.

use crate::common::{TestApp, column_types};
use axum::http::StatusCode;
use serde_json::json;

/// Before: `amt` was stored as text with no nulls, so COUNT(amt) was 3, `amt IS NULL` found nothing and SUM
/// failed. A fully quoted export (pandas QUOTE_ALL, PostgreSQL FORCE_QUOTE) writes a missing value as `""`.
#[tokio::test]
async fn a_quoted_empty_cell_is_a_null() {
    for app in TestApp::both_ways() {
        let dataset = app
            .dataset(
                "quoted",
                "\"id\",\"amt\",\"name\"\n\"1\",\"2.5\",\"a\"\n\"2\",\"\",\"\"\n\"3\",\"4\",\"c\"\n",
            )
            .await;
        assert_eq!(column_types(&dataset), ["i64", "f64", "str"], "{dataset}");
        assert_eq!(dataset["columns"][1]["null_count"], 1, "{dataset}");
        assert_eq!(dataset["columns"][2]["null_count"], 1, "{dataset}");
        let id = dataset["id"].as_str().unwrap();
        let reply = app
            .query(
                id,
                "SELECT COUNT(amt) AS c, SUM(amt) AS s, SUM(CASE WHEN amt IS NULL THEN 1 ELSE 0 END) AS n, \
                 COUNT(name) AS names FROM data",
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
        assert_eq!(reply.json()["rows"], json!([[2, 6.5, 1, 2]]));
    }
}

/// Before: Excel's `sep=;` first line became a column named `sep=` (the real header a row). Raw and multipart.
#[tokio::test]
async fn an_excel_sep_line_names_the_delimiter() {
    let app = TestApp::new();
    let csv = "sep=;\r\nitem;qty\r\nA;1\r\nB;2\r\n";
    let raw = app.upload_raw("excel", csv.to_owned()).await;
    let form = app.upload_file("excel.csv", csv.as_bytes()).await;
    for reply in [raw, form] {
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text());
        let dataset = reply.json();
        assert_eq!(column_types(&dataset), ["str", "i64"], "{dataset}");
        assert_eq!(dataset["columns"][0]["name"], "item", "{dataset}");
        assert_eq!(dataset["row_count"], 2, "{dataset}");
    }
}

/// Before: the 422 named line 2 for a CRLF file's third line, and line 3 for the line after a blank one.
#[tokio::test]
async fn a_refused_row_is_named_by_its_line_in_crlf_files_and_after_blank_lines() {
    let app = TestApp::new();
    for (csv, line) in [("a,b\r\n1,2\r\n3,4,5\r\n", 3), ("a,b\n1,2\n\n3,4,5\n", 4)] {
        let reply = app.upload_raw("ragged", csv.to_owned()).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{csv:?}");
        let message = reply.json()["error"]["message"]
            .as_str()
            .unwrap()
            .to_owned();
        assert!(
            message.starts_with(&format!("line {line}: ")),
            "{csv:?}: {message}"
        );
    }
}

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

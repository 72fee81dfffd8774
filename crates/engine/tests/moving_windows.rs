//! Moving windows (`ROWS BETWEEN n PRECEDING AND CURRENT ROW`), which Polars SQL refuses, written out by
//! sqlguard and run by real workers: each answer is Python's sqlite3's for the same table.

mod common;

use common::*;
use serde_json::json;
use sqlguard::ValidatedQuery;

const SERIES: &[u8] = b"id,g,d,v
1,a,2024-01-01,10
2,a,2024-01-02,
3,a,2024-01-03,30
4,a,2024-01-04,40
5,b,2024-01-01,5
6,b,2024-01-02,7
7,b,2024-01-03,
";

#[tokio::test]
async fn moving_frames_answer_as_sqlite() {
    let engine = engine();
    let (_dir, path) = csv_file("series.csv", SERIES);
    let (report, parquet) = ingest(&engine, &path).await;
    let catalog = catalog(&report.unwrap(), &[]);
    let cases = [
        (
            "SELECT id, AVG(v) OVER (PARTITION BY g ORDER BY d ROWS BETWEEN 2 PRECEDING AND CURRENT ROW) AS a, \
             SUM(v) OVER (PARTITION BY g ORDER BY d ROWS 1 PRECEDING) AS s, \
             COUNT(*) OVER (PARTITION BY g ORDER BY d ROWS BETWEEN 1 PRECEDING AND 1 FOLLOWING) AS n, \
             COUNT(v) OVER (PARTITION BY g ORDER BY d ROWS BETWEEN 1 PRECEDING AND 1 FOLLOWING) AS nv, \
             MIN(v) OVER (PARTITION BY g ORDER BY d ROWS BETWEEN 1 PRECEDING AND 1 FOLLOWING) AS lo, \
             MAX(v) OVER (PARTITION BY g ORDER BY d DESC ROWS BETWEEN CURRENT ROW AND 2 FOLLOWING) AS hi \
             FROM data ORDER BY id",
            json!([
                [1, 10.0, 10, 2, 1, 10, 10],
                [2, 10.0, 10, 3, 2, 10, 10],
                [3, 20.0, 30, 3, 2, 30, 30],
                [4, 35.0, 70, 2, 2, 30, 40],
                [5, 5.0, 5, 2, 2, 5, 5],
                [6, 6.0, 12, 3, 2, 5, 7],
                [7, 6.0, 7, 2, 1, 7, 7]
            ]),
        ),
        (
            "SELECT id, ROUND(AVG(v) OVER (ORDER BY id ROWS BETWEEN 6 PRECEDING AND CURRENT ROW), 4) FROM data \
             ORDER BY id",
            json!([
                [1, 10.0],
                [2, 10.0],
                [3, 20.0],
                [4, 26.6667],
                [5, 21.25],
                [6, 18.4],
                [7, 18.4]
            ]),
        ),
        // Without PARTITION BY, and over constants (LAG(1, k) is 1 before the first row too).
        (
            "SELECT id, COUNT(*) OVER (ORDER BY id ROWS BETWEEN 1 PRECEDING AND 1 FOLLOWING) AS n, \
             COUNT(1) OVER (ORDER BY id ROWS BETWEEN 2 PRECEDING AND CURRENT ROW) AS c, \
             SUM(2.5) OVER (ORDER BY id ROWS 1 PRECEDING) AS s, SUM(v) OVER (ORDER BY id ROWS BETWEEN \
             CURRENT ROW AND 2 FOLLOWING) AS f FROM data ORDER BY id",
            json!([
                [1, 2, 1, 2.5, 40],
                [2, 3, 2, 5.0, 70],
                [3, 3, 3, 5.0, 75],
                [4, 3, 3, 5.0, 52],
                [5, 3, 3, 5.0, 12],
                [6, 3, 3, 5.0, 7],
                [7, 2, 3, 5.0, null]
            ]),
        ),
    ];
    for (sql, expected) in cases {
        let out = query(&engine, &parquet, &catalog, sql).await.unwrap();
        assert_eq!(json!(out.table.rows), expected, "{sql}");
        let once = ValidatedQuery::parse(sql, &catalog).unwrap();
        let twice = ValidatedQuery::parse(once.sql(), &catalog).unwrap();
        assert_eq!(once.sql(), twice.sql(), "not idempotent: {sql}");
    }
    // Frames it cannot write out are refused before they run, saying which ones run.
    for sql in [
        "SELECT SUM(v) OVER (ORDER BY d RANGE BETWEEN INTERVAL '7 days' PRECEDING AND CURRENT ROW) FROM data",
        "SELECT SUM(v) OVER (ORDER BY id ROWS BETWEEN 100 PRECEDING AND CURRENT ROW) FROM data",
        "SELECT FIRST_VALUE(v) OVER (ORDER BY id ROWS BETWEEN 2 PRECEDING AND CURRENT ROW) FROM data",
    ] {
        let issues = ValidatedQuery::parse(sql, &catalog).expect_err(sql);
        assert!(
            issues[0].message.contains("ROWS BETWEEN n PRECEDING"),
            "{sql}: {issues:?}"
        );
    }
    // The running frame Polars runs itself is left alone.
    let q = ValidatedQuery::parse(
        "SELECT SUM(v) OVER (ORDER BY id ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) FROM data",
        &catalog,
    )
    .unwrap();
    assert!(q.sql().contains("UNBOUNDED PRECEDING"), "{}", q.sql());
}

/// A moving frame over a CASE that names columns (what `SUM(v) FILTER (WHERE f) OVER (...)` becomes) was taken
/// for a constant: the sum was the row's own value times the rows in the frame, and MAX the row's own value
/// (probe R). Answers from sqlite3 with the FILTER written as the CASE it means.
#[tokio::test]
async fn moving_frames_over_conditions_and_filters_answer_as_sqlite() {
    let engine = engine();
    let csv = b"g,s,v,n,f\na,x,1,1,true\na,y,2,2,false\na,z,,3,true\nb,x,5,4,true\n";
    let (_dir, path) = csv_file("r.csv", csv);
    let (report, parquet) = ingest(&engine, &path).await;
    let catalog = catalog(&report.unwrap(), &[]);
    let frame = "OVER (ORDER BY n ROWS BETWEEN 1 PRECEDING AND CURRENT ROW)";
    let cases: Vec<(String, serde_json::Value)> = vec![
        (
            format!("SELECT n, SUM(v) FILTER (WHERE f) {frame} FROM data ORDER BY n"),
            json!([[1, 1], [2, 1], [3, null], [4, 5]]),
        ),
        (
            format!("SELECT n, SUM(CASE WHEN f THEN v END) {frame} FROM data ORDER BY n"),
            json!([[1, 1], [2, 1], [3, null], [4, 5]]),
        ),
        (
            format!("SELECT n, COUNT(*) FILTER (WHERE f) {frame} FROM data ORDER BY n"),
            json!([[1, 1], [2, 1], [3, 1], [4, 2]]),
        ),
        (
            format!("SELECT n, MAX(v) FILTER (WHERE f) {frame} FROM data ORDER BY n"),
            json!([[1, 1], [2, 1], [3, null], [4, 5]]),
        ),
        (
            format!("SELECT n, AVG(CASE WHEN f THEN v * 2 END) {frame} FROM data ORDER BY n"),
            json!([[1, 2.0], [2, 2.0], [3, null], [4, 10.0]]),
        ),
    ];
    let cases: Vec<(&str, serde_json::Value)> = cases
        .iter()
        .map(|(sql, rows)| (sql.as_str(), rows.clone()))
        .collect();
    expect_rows(&engine, &parquet, &catalog, &cases).await;
}

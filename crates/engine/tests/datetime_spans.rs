//! PostgreSQL's parts of the interval between two datetimes, where either side is more than a datetime column:
//! `EXTRACT(DAY FROM MAX(tb) - MIN(ta))` ("how long does the data span"), a window's previous row, a
//! `TIMESTAMP '...'` literal, a scalar subquery; the interval's hours and minutes; the days between dates
//! computed in place. Polars failed in its own words ("`day` operation not supported for dtype
//! `duration[μs]`"). Answers from PostgreSQL 15 (`EXTRACT(DAY FROM date - date)`, which PostgreSQL refuses,
//! is the difference's days, as its author means).

mod common;

use common::*;
use serde_json::{Value, json};
use sqlguard::ValidatedQuery;

const SPANS: &[u8] = b"id,a,b,ta,tb
1,2024-01-01,2024-01-31,2024-01-01 10:00:00,2024-01-03 08:30:00
2,2024-02-10,2024-03-01,2024-02-10 23:00:00,2024-02-11 01:15:00
3,2023-12-25,2024-01-05,2023-12-25 06:00:00,2024-01-01 18:45:30
4,2024-03-01,2024-02-20,2024-03-01 12:00:00,2024-02-28 06:10:00
";

#[tokio::test]
async fn interval_parts_of_computed_datetimes() {
    let engine = engine();
    let (_dir, path) = csv_file("spans.csv", SPANS);
    let (report, parquet) = ingest(&engine, &path).await;
    let catalog = catalog(&report.unwrap(), &[]);
    let cases: &[(&str, Value)] = &[
        (
            "SELECT EXTRACT(DAY FROM MAX(tb) - MIN(ta)), EXTRACT(EPOCH FROM MAX(tb) - MIN(ta)), \
             DATE_PART('day', MAX(tb) - MIN(ta)) FROM data",
            json!([[65, 5616600.0, 65]]),
        ),
        (
            "SELECT id, EXTRACT(EPOCH FROM tb - LAG(tb) OVER (ORDER BY id)) FROM data ORDER BY id",
            json!([[1, null], [2, 3343500.0], [3, -3479370.0], [4, 4965870.0]]),
        ),
        (
            "SELECT id, EXTRACT(DAY FROM tb - TIMESTAMP '2024-01-01 00:00:00'), \
             EXTRACT(DAY FROM (SELECT MAX(tb) FROM data) - ta) FROM data ORDER BY id",
            json!([[1, 2, 57], [2, 41, 17], [3, 0, 65], [4, 58, -2]]),
        ),
        (
            "SELECT id, EXTRACT(HOUR FROM tb - ta), EXTRACT(MINUTE FROM tb - ta), DATE_PART('hour', tb - ta), \
             EXTRACT(DAY FROM tb - ta), EXTRACT(DAY FROM ta - tb), EXTRACT(HOUR FROM ta - tb) \
             FROM data ORDER BY id",
            json!([
                [1, 22, 30, 22, 1, -1, -22],
                [2, 2, 15, 2, 0, 0, -2],
                [3, 12, 45, 12, 7, -7, -12],
                [4, -5, -50, -5, -2, 2, 5]
            ]),
        ),
        (
            "SELECT id, EXTRACT(DAY FROM (SELECT MAX(b) FROM data) - a), EXTRACT(DAY FROM (a + 10) - a), \
             EXTRACT(EPOCH FROM a + 1) FROM data ORDER BY id",
            json!([
                [1, 60, 10, 1704153600],
                [2, 20, 10, 1707609600],
                [3, 67, 10, 1703548800],
                [4, 0, 10, 1709337600]
            ]),
        ),
        (
            "SELECT id FROM data WHERE EXTRACT(DAY FROM (SELECT MAX(tb) FROM data) - ta) > 20 ORDER BY id",
            json!([[1], [3]]),
        ),
        // A subquery's datetime that is no difference keeps its meaning.
        (
            "SELECT EXTRACT(HOUR FROM (SELECT MAX(tb) FROM data)), EXTRACT(YEAR FROM (SELECT MIN(ta) FROM data))",
            json!([[6, 2023]]),
        ),
    ];
    expect_rows(&engine, &parquet, &catalog, cases).await;
}

/// `ta - 1` on a datetime: PostgreSQL refuses it ("operator does not exist: timestamp without time zone -
/// integer"), Polars in its own words ("- not allowed on datetime[μs] and dyn int"). Refused saying what to
/// write, and what it says runs.
#[tokio::test]
async fn a_datetime_minus_a_number_is_refused_with_the_interval_to_write() {
    let engine = engine();
    let (_dir, path) = csv_file("spans.csv", SPANS);
    let (report, parquet) = ingest(&engine, &path).await;
    let catalog = catalog(&report.unwrap(), &[]);
    for sql in [
        "SELECT ta - 1 FROM data",
        "SELECT id FROM data WHERE ta > (SELECT MAX(ta) FROM data) - 30",
        "SELECT 2 + ta FROM data",
    ] {
        let issues = ValidatedQuery::parse(sql, &catalog).expect_err(sql);
        assert!(
            issues[0].message.contains("INTERVAL '"),
            "{sql}: {issues:?}"
        );
    }
    let cases: &[(&str, Value)] = &[(
        "SELECT id FROM data WHERE ta > (SELECT MAX(ta) FROM data) - INTERVAL '30 days' ORDER BY id",
        json!([[2], [4]]),
    )];
    expect_rows(&engine, &parquet, &catalog, cases).await;
}

//! Days between dates as models write them, through real workers: PostgreSQL's date arithmetic with typed
//! literals and scalar subqueries, and the day counts of other databases (SQLite's `julianday`, MySQL's and
//! SQL Server's `DATEDIFF`, BigQuery's `DATE_DIFF`, PostgreSQL's `EXTRACT(DAY FROM b - a)`). Answers from
//! Python's sqlite3 (`julianday` differences, `date(d, '-1000 days')`, `strftime('%s', ...)`), or SQL Server's
//! and PostgreSQL's definitions computed there.

mod common;

use common::*;
use serde_json::{Value, json};
use sqlguard::ValidatedQuery;

/// A date minus a date is days, and a date plus a number adds days, also when one side is a `DATE '...'`
/// literal, a cast text, or a scalar subquery of a date. Polars answered a duration (`> 365` compared
/// microseconds: every positive gap passed; `/ 365.25` gave text like '5d 19h') or refused `- 1000`.
#[tokio::test]
async fn date_differences_are_days_with_literals_and_subqueries() {
    let engine = engine();
    let (_dir, path) = csv_file("staff.csv", STAFF);
    let (report, parquet) = ingest(&engine, &path).await;
    let catalog = catalog(&report.unwrap(), &[]);
    let cases: &[(&str, Value)] = &[
        (
            "SELECT id FROM data WHERE hired - DATE '2020-01-01' > 365 ORDER BY id",
            json!([[2], [4], [6]]),
        ),
        (
            "SELECT id, ROUND((DATE '2025-01-01' - hired) / 365.25, 4) FROM data ORDER BY id",
            json!([
                [1, 4.8871],
                [2, 3.8385],
                [3, 5.0048],
                [4, 2.4969],
                [5, 6.6201],
                [6, 1.1417]
            ]),
        ),
        (
            "SELECT AVG(DATE '2025-01-01' - hired) FROM data",
            json!([[1460.3333333333333]]),
        ),
        (
            "SELECT id, CAST('2024-01-01' AS DATE) - hired, '2024-01-01'::date - hired FROM data ORDER BY id",
            json!([
                [1, 1419, 1419],
                [2, 1036, 1036],
                [3, 1462, 1462],
                [4, 546, 546],
                [5, 2052, 2052],
                [6, 51, 51]
            ]),
        ),
        (
            "SELECT id FROM data WHERE (SELECT MAX(hired) FROM data) - hired > 1000 ORDER BY id",
            json!([[1], [3], [5]]),
        ),
        (
            "SELECT id, hired - (SELECT MIN(hired) FROM data) AS days FROM data ORDER BY id",
            json!([[1, 633], [2, 1016], [3, 590], [4, 1506], [5, 0], [6, 2001]]),
        ),
        (
            "SELECT id FROM data WHERE hired > (SELECT MAX(hired) FROM data) - 1000 ORDER BY id",
            json!([[2], [4], [6]]),
        ),
        (
            "SELECT id FROM data WHERE hired > DATE '2024-12-31' - 1500 ORDER BY id",
            json!([[2], [4], [6]]),
        ),
        (
            "SELECT DATE '2024-01-01' + 30, DATE '2024-03-01' - 1",
            json!([["2024-01-31", "2024-02-29"]]),
        ),
        // The latest date written as the first row of a sort, and read from a CTE.
        (
            "SELECT id, (SELECT hired FROM data ORDER BY hired DESC LIMIT 1) - hired AS gap FROM data \
             WHERE id <= 2 ORDER BY id",
            json!([[1, 1368], [2, 985]]),
        ),
        (
            "WITH m AS (SELECT MIN(hired) AS first FROM data) \
             SELECT id FROM data WHERE hired - (SELECT first FROM m) BETWEEN 600 AND 1100 ORDER BY id",
            json!([[1], [2]]),
        ),
        // The subquery's date is still a date where it is compared with a date.
        (
            "SELECT name FROM data WHERE hired = (SELECT MAX(hired) FROM data)",
            json!([["Flo"]]),
        ),
    ];
    expect_rows(&engine, &parquet, &catalog, cases).await;
}

/// SQLite's `julianday`, MySQL's `DATEDIFF(b, a)`, SQL Server's and Snowflake's `DATEDIFF(unit, a, b)`
/// (boundaries crossed), BigQuery's `DATE_DIFF(b, a, DAY)`, PostgreSQL's `EXTRACT(DAY FROM b - a)` (whole days
/// of the interval, toward zero) and `EXTRACT(EPOCH ...)`: Polars has none of them (or failed on a date).
#[tokio::test]
async fn day_counts_of_other_databases() {
    let engine = engine();
    let (_dir, path) = csv_file("staff.csv", STAFF);
    let (report, parquet) = ingest(&engine, &path).await;
    let catalog = catalog(&report.unwrap(), &[]);
    let cases: &[(&str, Value)] = &[
        (
            "SELECT id, julianday(hired), ROUND(julianday(ts) - julianday(hired), 6), \
             CAST(julianday('2024-01-01') - julianday(hired) AS INTEGER) FROM data ORDER BY id",
            json!([
                [1, 2458891.5, 1419.4375, 1419],
                [2, 2459274.5, 1036.999306, 1036],
                [3, 2458848.5, 1463.0, 1462],
                [4, 2459764.5, 547.34375, 546],
                [5, 2458258.5, 2054.5, 2052],
                [6, 2460259.5, 54.28125, 51]
            ]),
        ),
        (
            "SELECT id, ROUND(julianday(ts), 6), ROUND(julianday(ts) - julianday('2024-01-01 00:00:00'), 6) \
             FROM data WHERE id IN (2, 5) ORDER BY id",
            json!([[2, 2460311.499306, 0.999306], [5, 2460313.0, 2.5]]),
        ),
        (
            "SELECT id FROM data WHERE julianday(ts) - julianday(hired) > 1400 ORDER BY id",
            json!([[1], [3], [5]]),
        ),
        // MySQL: the later date first; the days between the dates' days.
        (
            "SELECT id, DATEDIFF('2024-01-01', hired), DATEDIFF(ts, hired) FROM data ORDER BY id",
            json!([
                [1, 1419, 1419],
                [2, 1036, 1036],
                [3, 1462, 1463],
                [4, 546, 547],
                [5, 2052, 2054],
                [6, 51, 54]
            ]),
        ),
        // SQL Server: the unit, then start and end; boundaries crossed.
        (
            "SELECT id, DATEDIFF(day, hired, ts), DATEDIFF(month, hired, ts), DATEDIFF(year, hired, ts), \
             DATEDIFF(hour, hired, ts), DATEDIFF(minute, hired, ts), DATEDIFF(second, hired, ts), \
             DATEDIFF(quarter, hired, ts) FROM data ORDER BY id",
            json!([
                [1, 1419, 47, 4, 34066, 2043990, 122639400, 16],
                [2, 1036, 34, 3, 24887, 1493279, 89596740, 12],
                [3, 1463, 49, 5, 35112, 2106720, 126403200, 17],
                [4, 547, 18, 2, 13136, 788175, 47290500, 6],
                [5, 2054, 68, 6, 49308, 2958480, 177508800, 23],
                [6, 54, 2, 1, 1302, 78165, 4689900, 1]
            ]),
        ),
        (
            "SELECT id, DATEDIFF(mm, hired, '2024-01-01'), DATEDIFF('day', '2024-01-01', hired), \
             DATE_DIFF('2024-01-01', hired, DAY), DATE_DIFF(DATE '2024-01-01', hired, MONTH) \
             FROM data ORDER BY id",
            json!([
                [1, 47, -1419, 1419, 47],
                [2, 34, -1036, 1036, 34],
                [3, 49, -1462, 1462, 49],
                [4, 18, -546, 546, 18],
                [5, 68, -2052, 2052, 68],
                [6, 2, -51, 51, 2]
            ]),
        ),
        // PostgreSQL: an interval's whole days (toward zero) and its seconds; a date's seconds since 1970.
        (
            "SELECT id, EXTRACT(DAY FROM ts - hired), EXTRACT(DAY FROM hired - ts), DATE_PART('day', ts - hired), \
             EXTRACT(EPOCH FROM ts - hired), EXTRACT(EPOCH FROM hired), DATE_PART('epoch', hired) \
             FROM data ORDER BY id",
            json!([
                [1, 1419, -1419, 1419, 122639400.0, 1581465600, 1581465600],
                [2, 1036, -1036, 1036, 89596740.0, 1614556800, 1614556800],
                [3, 1463, -1463, 1463, 126403200.0, 1577750400, 1577750400],
                [4, 547, -547, 547, 47290500.0, 1656892800, 1656892800],
                [5, 2054, -2054, 2054, 177508800.0, 1526774400, 1526774400],
                [6, 54, -54, 54, 4689900.0, 1699660800, 1699660800]
            ]),
        ),
        // Two dates: PostgreSQL's difference is days already.
        (
            "SELECT id, EXTRACT(DAY FROM DATE '2024-01-01' - hired), DATE_PART('day', '2024-01-01' - hired) \
             FROM data WHERE id IN (1, 6) ORDER BY id",
            json!([[1, 1419, 1419], [6, 51, 51]]),
        ),
        (
            "SELECT id FROM data WHERE EXTRACT(DAY FROM ts - hired) > 1400 ORDER BY id",
            json!([[1], [3], [5]]),
        ),
    ];
    expect_rows(&engine, &parquet, &catalog, cases).await;
    for (sql, says) in [
        ("SELECT DATEDIFF(week, hired, ts) FROM data", "for weeks"),
        (
            "SELECT DATE_DIFF(hired, ts) FROM data",
            "DATE_DIFF(b, a, DAY)",
        ),
        (
            "SELECT julianday('now') - julianday(hired) FROM data",
            "MAX(d)",
        ),
    ] {
        let issues = ValidatedQuery::parse(sql, &catalog).expect_err(sql);
        assert!(issues[0].message.contains(says), "{sql}: {issues:?}");
    }
}

/// Dates kept as text (the column holds one value that is no date): `julianday` reads each value, NULL where
/// it is no date, as SQLite does.
#[tokio::test]
async fn julianday_reads_dates_kept_as_text() {
    let engine = engine();
    let csv =
        "id,d\n1,2020-01-05\n2,bad\n3,2024-02-01T08:00:00\n4,\n5,2024-02-01 08:00:00\n".as_bytes();
    let (_dir, path) = csv_file("t.csv", csv);
    let (report, parquet) = ingest(&engine, &path).await;
    let catalog = catalog(&report.unwrap(), &[]);
    let cases: &[(&str, Value)] = &[(
        "SELECT id, ROUND(julianday(d), 6), CAST(julianday('2024-03-01') - julianday(d) AS INTEGER) \
         FROM data ORDER BY id",
        json!([
            [1, 2458853.5, 1517],
            [2, null, null],
            [3, 2460341.833333, 28],
            [4, null, null],
            [5, 2460341.833333, 28]
        ]),
    )];
    expect_rows(&engine, &parquet, &catalog, cases).await;
}

/// A "valid to" of 9999-12-31 (a common sentinel): every day count was NULL, since Polars' `EXTRACT(EPOCH)`
/// goes through nanoseconds, which end in 2262 (probe Q). Also SQL Server's `s`/`ss` and plural units, DuckDB's
/// `DATE_DIFF('day', a, b)`, and a 12-hour time kept as text, which Polars' cast read as the morning's hour
/// (SQLite: NULL).
#[tokio::test]
async fn day_counts_reach_the_year_9999_and_take_every_spelling_of_units() {
    let engine = engine();
    let csv = "id,vf,vt,s\n1,2020-01-01 00:00:00,9999-12-31 23:59:59,2024-03-15 1:30 PM\n\
               2,2024-03-01 00:00:00,2024-03-15 12:00:00,2024-03-15 13:30:00\n"
        .as_bytes();
    let (_dir, path) = csv_file("t.csv", csv);
    let (report, parquet) = ingest(&engine, &path).await;
    let catalog = catalog(&report.unwrap(), &[]);
    let cases: &[(&str, Value)] = &[
        (
            "SELECT id, DATEDIFF(day, vf, vt), CAST(julianday(vt) - julianday(vf) AS INTEGER), \
             EXTRACT(EPOCH FROM vt), EXTRACT(DAY FROM vt - vf) FROM data ORDER BY id",
            json!([
                [1, 2914634, 2914634, 253402300799.0, 2914634],
                [2, 14, 14, 1710504000.0, 14]
            ]),
        ),
        (
            "SELECT id, DATEDIFF(ss, vf, vt) = DATEDIFF(s, vf, vt), DATEDIFF(\"hours\", vf, vt), \
             DATE_DIFF('day', vf, vt), DATE_DIFF(vt, vf, DAYS) FROM data WHERE id = 2",
            json!([[2, true, 348, 14, 14]]),
        ),
        (
            "SELECT id, EXTRACT(HOUR FROM s) FROM data ORDER BY id",
            json!([[1, null], [2, 13]]),
        ),
    ];
    expect_rows(&engine, &parquet, &catalog, cases).await;
}

/// A date compared with text that is no `YYYY-MM-DD` date failed in Polars' words ("cannot compare
/// 'date/datetime/time' to a string value"); it is refused saying what to write, and what it says runs.
#[tokio::test]
async fn dates_compared_with_other_text_are_told_the_iso_form() {
    let engine = engine();
    let (_dir, path) = csv_file("staff.csv", STAFF);
    let (report, parquet) = ingest(&engine, &path).await;
    let catalog = catalog(&report.unwrap(), &[]);
    for (sql, says) in [
        (
            "SELECT id FROM data WHERE hired = '02/12/2020'",
            "'2020-02-12'",
        ),
        (
            "SELECT id FROM data WHERE hired = '2020/02/12'",
            "'2020-02-12'",
        ),
        (
            "SELECT id FROM data WHERE hired >= '2022-7-4'",
            "'2022-07-04'",
        ),
        (
            "SELECT id FROM data WHERE hired < '31.12.2019'",
            "'2019-12-31'",
        ),
        (
            "SELECT id FROM data WHERE ts >= '01/02/2024 08:15'",
            "'2024-01-02 08:15' (month first) or '2024-02-01 08:15' (day first)",
        ),
    ] {
        let issues = ValidatedQuery::parse(sql, &catalog).expect_err(sql);
        assert!(issues[0].message.contains(says), "{sql}: {issues:?}");
    }
    let cases: &[(&str, Value)] = &[
        (
            "SELECT id FROM data WHERE hired = '2020-02-12'",
            json!([[1]]),
        ),
        (
            "SELECT id FROM data WHERE hired >= '2022-07-04' ORDER BY id",
            json!([[4], [6]]),
        ),
        (
            "SELECT id FROM data WHERE hired < '2019-12-31' OR ts >= '2024-01-02 08:15' ORDER BY id",
            json!([[4], [5], [6]]),
        ),
        (
            "SELECT id FROM data WHERE hired >= '2022' OR ts < '2024-01-01 12:00' ORDER BY id",
            json!([[1], [4], [6]]),
        ),
    ];
    expect_rows(&engine, &parquet, &catalog, cases).await;
}

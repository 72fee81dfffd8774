//! Dates in arithmetic and comparisons (answers through real workers are in the engine's tests/day_counts.rs):
//! what the rewrites write, that they are stable when validated again, and what a date compared with text that
//! is no `YYYY-MM-DD` date is told.

use sqlguard::{Catalog, Issue, ValidatedQuery};

fn staff() -> Catalog {
    Catalog::single(
        "data",
        &[],
        &[
            ("id", "i64"),
            ("name", "str"),
            ("hired", "date"),
            ("ts", "datetime[μs]"),
            ("t", "str"),
        ],
    )
}

/// The normalised SQL, checked to normalise to itself.
fn ok(sql: &str) -> String {
    let once = ValidatedQuery::parse(sql, &staff())
        .unwrap_or_else(|issues| panic!("`{sql}` rejected: {issues:#?}"));
    let twice = ValidatedQuery::parse(once.sql(), &staff())
        .unwrap_or_else(|issues| panic!("`{}` rejected: {issues:#?}", once.sql()));
    assert_eq!(once.sql(), twice.sql(), "`{sql}` is not stable");
    once.sql().to_owned()
}

fn rejected(sql: &str) -> Vec<Issue> {
    match ValidatedQuery::parse(sql, &staff()) {
        Ok(q) => panic!("`{sql}` accepted as `{}`", q.sql()),
        Err(issues) => issues,
    }
}

#[test]
fn typed_literals_and_date_subqueries_are_dates() {
    let sql = ok("SELECT id FROM data WHERE hired - DATE '2020-01-01' > 365");
    assert!(
        sql.contains(r#"CAST("hired" AS BIGINT) - CAST(DATE '2020-01-01' AS BIGINT)"#),
        "{sql}"
    );
    let sql = ok("SELECT DATE '2024-01-01' + 30");
    assert!(
        sql.contains("DATE '2024-01-01' + INTERVAL '30 days'"),
        "{sql}"
    );
    // The subquery's one output says it is a date; the difference is days, `- 1000` days.
    let sql = ok("SELECT id FROM data WHERE (SELECT MAX(hired) FROM data) - hired > 2000");
    assert!(
        sql.contains(
            r#"CAST((SELECT CAST(MAX("hired") AS DATE) AS "MAX(hired)" FROM data) AS BIGINT)"#
        ),
        "{sql}"
    );
    let sql = ok("SELECT id FROM data WHERE hired > (SELECT MAX(hired) FROM data) - 1000");
    assert!(sql.contains("- INTERVAL '1000 days'"), "{sql}");
    let sql = ok("SELECT (SELECT hired FROM data ORDER BY hired DESC LIMIT 1) - hired FROM data");
    assert!(
        sql.contains(r#"(SELECT CAST("hired" AS DATE) AS "hired" FROM data"#),
        "{sql}"
    );
    ok("WITH m AS (SELECT MAX(hired) AS mx FROM data) SELECT (SELECT mx FROM m) - hired FROM data");
    // A datetime's subquery is left alone (its difference is no number of days).
    let sql = ok("SELECT (SELECT MAX(ts) FROM data) - ts FROM data");
    assert!(
        sql.contains(r#"(SELECT MAX("ts") AS "MAX(ts)" FROM data) - "ts""#),
        "{sql}"
    );
}

#[test]
fn day_counts_of_other_databases_are_written_out() {
    for sql in [
        "SELECT julianday(hired), julianday(ts), julianday(t), julianday('2024-01-01') - julianday(hired) FROM data",
        "SELECT DATEDIFF(ts, hired), DATEDIFF(day, hired, ts), DATEDIFF(month, hired, '2024-01-01'), \
         DATEDIFF('hour', hired, ts), DATEDIFF(qq, hired, ts), DATEDIFF(years, hired, ts) FROM data",
        "SELECT DATE_DIFF('2024-01-01', hired, DAY), DATE_DIFF(ts, hired, MINUTE) FROM data",
        "SELECT EXTRACT(DAY FROM ts - hired), EXTRACT(EPOCH FROM ts - hired), DATE_PART('day', ts - hired), \
         EXTRACT(EPOCH FROM hired), DATE_PART('epoch', hired), EXTRACT(DAY FROM DATE '2024-01-01' - hired) FROM data",
    ] {
        let out = ok(sql);
        let lower = out.to_ascii_lowercase();
        // Only the column names (the author's text) still spell the calls.
        let calls = lower.matches("julianday(").count()
            + lower.matches("datediff(").count()
            + lower.matches("date_diff(").count();
        let names = lower.matches("\"julianday(").count()
            + lower.matches("\"datediff(").count()
            + lower.matches("\"date_diff(").count()
            + lower.matches("- julianday(").count();
        assert!(calls <= names, "{out}");
    }
    // Parts these spellings do not count, and `DATE_PART` of a date, are Polars' own.
    let sql = ok("SELECT DATE_PART('day', hired), EXTRACT(DAY FROM hired) FROM data");
    assert!(sql.contains(r#"DATE_PART('day', "hired")"#), "{sql}");
    for (sql, says) in [
        (
            "SELECT DATEDIFF(week, hired, ts) FROM data",
            "for weeks count days",
        ),
        (
            "SELECT DATE_DIFF(hired, ts) FROM data",
            "DATE_DIFF(b, a, DAY)",
        ),
        ("SELECT DATEDIFF(hired) FROM data", "DATEDIFF(day, a, b)"),
        (
            "SELECT julianday(hired, ts) FROM data",
            "julianday takes one date",
        ),
        (
            "SELECT julianday('now') FROM data",
            "must not change with the day",
        ),
    ] {
        let issues = rejected(sql);
        assert!(
            issues.len() == 1 && issues[0].message.contains(says),
            "{sql}: {issues:#?}"
        );
    }
}

#[test]
fn dates_compared_with_other_text_are_refused_with_the_iso_form() {
    for (sql, says) in [
        (
            "SELECT id FROM data WHERE hired = '03/15/2024'",
            "write it as '2024-03-15'",
        ),
        (
            "SELECT id FROM data WHERE hired = '2024/03/15'",
            "write it as '2024-03-15'",
        ),
        (
            "SELECT id FROM data WHERE hired >= '2024-3-1'",
            "write it as '2024-03-01'",
        ),
        (
            "SELECT id FROM data WHERE hired < '15.03.2024'",
            "write it as '2024-03-15'",
        ),
        (
            "SELECT id FROM data WHERE '2024/03/15' < hired",
            "write it as '2024-03-15'",
        ),
        (
            "SELECT id FROM data WHERE hired = 'Mar 15, 2024'",
            "write it as '2024-03-15'",
        ),
        (
            "SELECT id FROM data WHERE hired = '15 March 2024'",
            "write it as '2024-03-15'",
        ),
        (
            "SELECT id FROM data WHERE hired = '3/15/24'",
            "write it as '2024-03-15'",
        ),
        // Two-digit years as uploads read them: 69 is 2069, 70 is 1970.
        (
            "SELECT id FROM data WHERE hired = '3/15/69'",
            "write it as '2069-03-15'",
        ),
        (
            "SELECT id FROM data WHERE hired = '3/15/70'",
            "write it as '1970-03-15'",
        ),
        (
            "SELECT id FROM data WHERE hired = '01/02/2024'",
            "it reads as '2024-01-02' (month first) or '2024-02-01' (day first)",
        ),
        (
            "SELECT id FROM data WHERE ts >= '03/15/2024 9:30'",
            "write it as '2024-03-15 09:30'",
        ),
        (
            "SELECT id FROM data WHERE hired BETWEEN '01/13/2020' AND '2021-12-31'",
            "write it as '2020-01-13'",
        ),
        (
            "SELECT id FROM data WHERE hired IN ('2020-02-12', '2/13/2020')",
            "write it as '2020-02-13'",
        ),
        (
            "SELECT id FROM data WHERE DATE_TRUNC('month', hired) = '2024/03/01'",
            "Dates compare only with text written year first, 'YYYY-MM-DD'; '2024/03/01' is not: write it as \
             '2024-03-01'",
        ),
        (
            "SELECT id FROM data WHERE hired = '02/30/2024'",
            "'YYYY-MM-DD' (e.g. '2024-03-15')",
        ),
        (
            "SELECT id FROM data WHERE hired = 'yesterday'",
            "'YYYY-MM-DD' (e.g. '2024-03-15')",
        ),
    ] {
        let issues = rejected(sql);
        assert!(
            issues.len() == 1 && issues[0].message.contains(says),
            "{sql}: {issues:#?}"
        );
    }
    // The forms that compare keep working; text columns compare with any text.
    ok(
        "SELECT id FROM data WHERE hired = '2024-03-15' OR hired >= '2024' OR ts < '2024-03' \
        OR hired = '2020-01-01 00:00:00' OR ts = '2024-01-01T10:30:00' OR hired BETWEEN '2020' AND '2021' \
        OR ts IN ('2024-01-01 10:30:00') OR t = '03/15/2024'",
    );
}

//! Calls and clauses of other databases respelled as what Polars has (engine answers against SQLite's in
//! crates/engine/tests/respellings.rs), and advice for those that stay refused.

mod common;

use common::*;

#[test]
fn foreign_calls_are_respelled() {
    for (sql, expected) in [
        ("SELECT NVL(a, 0) FROM data", "COALESCE(\"a\", 0)"),
        ("SELECT ISNULL(a, 0) FROM data", "COALESCE(\"a\", 0)"),
        ("SELECT ISNULL(a) FROM data", "((\"a\") IS NULL)"),
        (
            "SELECT IIF(a > 1, 'big', 'small') FROM data",
            "CASE WHEN \"a\" > 1 THEN 'big' ELSE 'small' END",
        ),
        (
            "SELECT NVL2(a, 1, 0) FROM data",
            "CASE WHEN (\"a\") IS NOT NULL THEN 1 ELSE 0 END",
        ),
        ("SELECT LEN(name) FROM data", "LENGTH(RTRIM(\"name\", ' '))"),
        (
            "SELECT CHARINDEX('x', name) FROM data",
            "STRPOS(\"name\", 'x')",
        ),
        (
            "SELECT BOOL_AND(a > 1), BOOL_OR(a > 1), EVERY(a > 1) FROM data",
            "min(\"a\" > 1)",
        ),
        (
            "SELECT name FROM data ORDER BY id FETCH FIRST 2 ROWS ONLY",
            "ORDER BY \"id\" LIMIT 2",
        ),
        (
            "SELECT name FROM data ORDER BY id OFFSET 1 ROWS FETCH NEXT 2 ROW ONLY",
            "LIMIT 2 OFFSET 1",
        ),
        (
            "SELECT name FROM data ORDER BY id FETCH FIRST ROW ONLY",
            "LIMIT 1",
        ),
        (
            "SELECT id, COUNT(*) FILTER (WHERE a > 1) OVER (PARTITION BY country) FROM data",
            "SUM(CASE WHEN \"a\" > 1 THEN 1 ELSE 0 END) OVER (PARTITION BY \"country\")",
        ),
        (
            "SELECT id, COUNT(a) FILTER (WHERE a > 1) OVER () FROM data",
            "SUM(CASE WHEN (\"a\" > 1) AND (\"a\") IS NOT NULL THEN 1 ELSE 0 END) OVER ()",
        ),
        (
            "SELECT id, MAX(a) FILTER (WHERE id > 1) OVER () FROM data",
            "MAX(CASE WHEN \"id\" > 1 THEN \"a\" END) OVER ()",
        ),
        ("SELECT id, CUME_DIST() OVER () FROM data", "(1.0)"),
    ] {
        let q = ok(sql);
        assert!(q.sql().contains(expected), "{sql}\n  -> {}", q.sql());
    }
}

#[test]
fn percent_rank_and_cume_dist_are_ranks_over_counts() {
    let q =
        ok("SELECT id, PERCENT_RANK() OVER (PARTITION BY country ORDER BY a DESC) AS pr FROM data");
    assert!(
        q.sql().contains("RANK() OVER (PARTITION BY \"country\""),
        "{}",
        q.sql()
    );
    assert!(
        q.sql()
            .contains("COUNT(*) OVER (PARTITION BY \"country\") = 1 THEN 0.0"),
        "{}",
        q.sql()
    );
    let q = ok("SELECT id, CUME_DIST() OVER (ORDER BY a) AS cd FROM data");
    assert!(q.sql().contains("\"a\" DESC NULLS FIRST"), "{}", q.sql());
}

#[test]
fn is_not_distinct_from_joins_run_as_filters() {
    let q = ok(
        "SELECT x.name, y.name FROM data x JOIN data y ON x.a IS NOT DISTINCT FROM y.a AND x.id < y.id",
    );
    assert!(
        q.sql().contains("ON x.\"id\" < y.\"id\" WHERE ((COALESCE(x.\"a\" = y.\"a\", false) OR (x.\"a\" IS NULL AND y.\"a\" IS NULL)))"),
        "{}",
        q.sql()
    );
    let q = ok("SELECT x.name, y.name FROM data x JOIN data y ON x.a IS NOT DISTINCT FROM y.a");
    assert!(q.sql().contains("CROSS JOIN data y WHERE"), "{}", q.sql());
    let issues = rejected_with(
        "SELECT x.name, y.name FROM data x LEFT JOIN data y ON x.a IS NOT DISTINCT FROM y.a",
        "unsupported_syntax",
    );
    assert!(
        issues[0].message.contains("IS [NOT] DISTINCT FROM"),
        "{issues:?}"
    );
}

#[test]
fn is_not_distinct_from_binds_tighter_than_and() {
    // sqlparser read this as `a IS NOT DISTINCT FROM (id AND id > 1)`.
    let q = ok("SELECT name FROM data WHERE a IS NOT DISTINCT FROM id AND id > 1");
    assert!(
        q.sql()
            .contains("WHERE (\"a\" IS NOT DISTINCT FROM \"id\") AND \"id\" > 1"),
        "{}",
        q.sql()
    );
}

#[test]
fn refused_foreign_calls_name_the_rewrite() {
    for (sql, advice) in [
        ("SELECT TO_CHAR(a, 'YYYY') FROM data", "STRFTIME"),
        ("SELECT TO_DATE(name, 'YYYY-MM-DD') FROM data", "STRPTIME"),
        ("SELECT DATEADD(day, 1, a) FROM data", "INTERVAL"),
        ("SELECT CHARINDEX('x', name, 2) FROM data", "STRPOS"),
        ("SELECT NVL(a) FROM data", "COALESCE"),
        ("SELECT IIF(a > 1, 'big') FROM data", "CASE WHEN"),
        ("SELECT GETDATE() FROM data", "must not change with the day"),
        (
            "SELECT name FROM data ORDER BY id FETCH FIRST 2 ROWS WITH TIES",
            "RANK()",
        ),
    ] {
        let issues = rejected(sql);
        assert_eq!(issues.len(), 1, "{sql}: {issues:#?}");
        assert!(issues[0].message.contains(advice), "{sql}: {issues:#?}");
    }
}

/// PERCENTILE_CONT/DISC forms that are not respelled say which part could not be (probe Y: each was
/// "not an allowed function", the reason lost in a generic hint).
#[test]
fn percentile_forms_not_respelled_say_why() {
    let catalog = common::catalog();
    for (sql, says) in [
        (
            "SELECT PERCENTILE_DISC(0.5) WITHIN GROUP (ORDER BY Age DESC) FROM data",
            "PERCENTILE_DISC sorted descending",
        ),
        (
            "SELECT PERCENTILE_CONT(0.5) WITHIN GROUP (ORDER BY Age) FILTER (WHERE id > 1) FROM data",
            "with FILTER",
        ),
        (
            "SELECT PERCENTILE_CONT(1.5) WITHIN GROUP (ORDER BY Age) FROM data",
            "one fraction from 0 to 1",
        ),
        (
            "SELECT PERCENTILE_CONT(0.5) FROM data",
            "without WITHIN GROUP",
        ),
    ] {
        let issues = sqlguard::ValidatedQuery::parse(sql, &catalog).expect_err(sql);
        assert!(
            issues.len() == 1 && issues[0].message.contains(says),
            "{sql}: {issues:?}"
        );
    }
    // The plain form runs (respelled).
    let q = common::ok("SELECT PERCENTILE_CONT(0.25) WITHIN GROUP (ORDER BY Age) AS q FROM data");
    assert!(q.sql().contains("QUANTILE_CONT"), "{}", q.sql());
}

//! The rewrites that give SQLite's results where Polars computed others (their rows are checked against
//! SQLite's in `engine/tests/sqlite_results.rs`): each is stable when validated again, and what cannot run
//! is refused with the form that does.

mod common;

use common::{ok, rejected_with};

#[test]
fn divisors_and_math_arguments_outside_their_domain_become_null() {
    let q = ok("SELECT a / Age, a % Age, a // Age, MOD(a, Age), SUM(a) / COUNT(*) FROM data");
    for part in [
        r#""a" / NULLIF("Age", 0)"#,
        r#""a" % NULLIF("Age", 0)"#,
        r#""a" // NULLIF("Age", 0)"#,
        r#"MOD("a", NULLIF("Age", 0))"#,
        r#"SUM("a") / NULLIF(COUNT(*), 0)"#,
    ] {
        assert!(q.sql().contains(part), "{part} in {}", q.sql());
    }
    // A literal divisor other than 0 is left as written.
    let q = ok("SELECT a / 2, a / 2.5, a / -4 FROM data");
    assert!(!q.sql().contains("NULLIF"), "{}", q.sql());
    let q = ok(
        "SELECT SQRT(a), LN(a), LOG(a), LOG(2, a), ACOS(a), POWER(a, 0.5), POWER(a, 2) FROM data",
    );
    for part in [
        r#"SQRT(CASE WHEN "a" >= 0 THEN "a" END)"#,
        r#"LN(CASE WHEN "a" > 0 THEN "a" END)"#,
        r#"LOG(CASE WHEN "a" > 0 THEN "a" END)"#,
        r#"LOG(2, CASE WHEN "a" > 0 THEN "a" END)"#,
        r#"ACOS(CASE WHEN "a" BETWEEN -1 AND 1 THEN "a" END)"#,
        r#"POWER(CASE WHEN "a" >= 0 THEN "a" END, 0.5)"#,
        r#"POWER("a", 2)"#,
    ] {
        assert!(q.sql().contains(part), "{part} in {}", q.sql());
    }
    // Written already as the rewrite writes it: unchanged.
    let written = r#"SELECT "a" / NULLIF("Age", 0) AS r, SQRT(CASE WHEN "a" >= 0 THEN "a" END) AS s FROM data"#;
    assert_eq!(ok(written).sql(), written);
}

#[test]
fn substr_starts_of_zero_or_less_are_sqlite_positions() {
    let q = ok(
        "SELECT SUBSTR(name, LENGTH(name) - 3), SUBSTR(name, -2), SUBSTR(name, 0), SUBSTR(name, 2, 3) FROM data",
    );
    assert!(
        q.sql()
            .contains(r#"SUBSTR("name", GREATEST(LENGTH("name") - 1, 1))"#),
        "{}",
        q.sql()
    );
    assert!(q.sql().contains(r#"SUBSTR("name", 0)"#), "{}", q.sql());
    assert!(q.sql().contains(r#"SUBSTR("name", 2, 3)"#), "{}", q.sql());
    assert!(
        q.sql()
            .contains(r#"CASE WHEN LENGTH("name") - 3 IS NULL THEN NULL"#),
        "{}",
        q.sql()
    );
    ok(
        "SELECT SUBSTR(name, a, Age), SUBSTRING(name FROM a - 2 FOR 3), SUBSTR(name, -3, a) FROM data",
    );
}

#[test]
fn literal_nulls_take_sqlite_meanings() {
    let q = ok(
        "SELECT CASE WHEN NULL THEN 'a' ELSE 'b' END, REPLACE(name, 'a', NULL), LOWER(NULL), \
                a > 1 AND NULL FROM data WHERE NULL OR a = 1",
    );
    for part in [
        "CASE WHEN CAST(NULL AS BOOLEAN) THEN 'a'",
        "CAST(NULL AS TEXT) AS \"REPLACE(name, 'a', NULL)\"",
        "CAST(NULL AS TEXT) AS \"LOWER(NULL)\"",
        r#""a" > 1 AND CAST(NULL AS BOOLEAN)"#,
        r#"WHERE CAST(NULL AS BOOLEAN) OR "a" = 1"#,
    ] {
        assert!(q.sql().contains(part), "{part} in {}", q.sql());
    }
}

#[test]
fn an_aggregate_alias_inside_order_by_is_its_expression() {
    let q = ok(
        "SELECT country, SUM(a) AS total FROM data GROUP BY country ORDER BY total / COUNT(*) DESC",
    );
    assert!(
        q.sql()
            .contains(r#"(SUM("a")) / NULLIF(COUNT(*), 0) AS "__order_1""#),
        "{}",
        q.sql()
    );
}

#[test]
fn in_subquery_outside_where_is_refused_with_the_join() {
    for sql in [
        "SELECT id, CASE WHEN id IN (SELECT id FROM data WHERE a > 6) THEN 'y' END FROM data",
        "SELECT SUM(CASE WHEN id IN (SELECT id FROM data WHERE a > 6) THEN a ELSE 0 END) FROM data",
        "SELECT id, a IN (SELECT a FROM data WHERE Age > 3) AS flag FROM data",
        "SELECT id FROM data ORDER BY id IN (SELECT id FROM data WHERE a > 6)",
        "SELECT country FROM data GROUP BY country HAVING MAX(id) IN (SELECT id FROM data WHERE a > 6)",
    ] {
        let issues = rejected_with(sql, "unsupported_syntax");
        assert!(
            issues
                .iter()
                .any(|i| i.message.contains("LEFT JOIN (SELECT DISTINCT")),
            "{sql}: {issues:#?}"
        );
    }
    // In WHERE it runs, also inside an expression there and in a subquery of the SELECT list.
    ok("SELECT id FROM data WHERE id IN (SELECT id FROM data WHERE a > 6) OR a < 0");
    ok(
        "SELECT id FROM data WHERE CASE WHEN id IN (SELECT id FROM data WHERE a > 6) THEN 1 ELSE 0 END = 1",
    );
    ok(
        "SELECT id, (SELECT COUNT(*) FROM data WHERE id IN (SELECT id FROM data WHERE a > 6)) FROM data",
    );
}

#[test]
fn like_with_a_computed_pattern_runs_as_its_call_or_is_refused() {
    let q = ok(
        "SELECT id FROM data WHERE name LIKE country || '%' AND name NOT LIKE '%' || country \
                AND country LIKE '%' || name || '%'",
    );
    for part in [
        r#"STARTS_WITH(LOWER("name"), LOWER("country"))"#,
        r#"NOT (ENDS_WITH(LOWER("name"), LOWER("country")))"#,
        r#"STRPOS(LOWER("country"), LOWER("name")) > 0"#,
    ] {
        assert!(q.sql().contains(part), "{part} in {}", q.sql());
    }
    // Literals alone make a literal pattern, read as any other (and the rewrite is idempotent).
    let q = ok("SELECT id FROM data WHERE name LIKE '%' || 'e' AND name NOT LIKE ('A' || '%')");
    assert!(!q.sql().contains("||"), "{}", q.sql());
    assert_eq!(ok(q.sql()).sql(), q.sql());
    for sql in [
        "SELECT id FROM data WHERE name LIKE country",
        "SELECT id FROM data WHERE name LIKE country || '_'",
        "SELECT id FROM data WHERE name LIKE 'a' || NULL",
    ] {
        let issues = rejected_with(sql, "unsupported_syntax");
        assert!(
            issues
                .iter()
                .any(|i| i.message.contains("STARTS_WITH(LOWER(x), LOWER(y))")),
            "{sql}: {issues:#?}"
        );
    }
}

#[test]
fn an_aggregate_derived_table_keeps_its_one_row() {
    let q = ok("SELECT COUNT(*) FROM (SELECT MAX(a) AS m FROM data WHERE id > 100) AS e");
    assert!(
        q.sql().contains(r#"(COUNT(*) >= 0) AS "__having" FROM data WHERE "id" > 100) AS "__had" WHERE "__having""#),
        "{}",
        q.sql()
    );
    ok("WITH e AS (SELECT MAX(a) AS m FROM data) SELECT COUNT(*) FROM e");
    ok("SELECT COUNT(*) FROM data CROSS JOIN (SELECT MAX(a) AS m FROM data) AS e");
    ok("SELECT COUNT(*) FROM (SELECT MAX(a) FROM data UNION ALL SELECT MIN(a) FROM data) AS e");
    // Grouped, or read at the top: as written.
    let q =
        ok("SELECT COUNT(*) FROM (SELECT country, MAX(a) AS m FROM data GROUP BY country) AS e");
    assert!(!q.sql().contains("__having"), "{}", q.sql());
    let q = ok("SELECT MAX(a) FROM data");
    assert!(!q.sql().contains("__having"), "{}", q.sql());
}

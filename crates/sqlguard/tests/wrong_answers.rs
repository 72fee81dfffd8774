//! Queries Polars would answer wrongly, with no error: refused, each with the rewrite that runs.

mod common;

use common::{ok, rejected_with};

#[test]
fn correlated_subqueries_are_refused_with_a_rewrite() {
    // Alone, the subquery would read `data.a` as its own table's column: a wrong answer, not an error.
    for sql in [
        "SELECT name FROM data WHERE a = (SELECT max(a) FROM data AS x WHERE x.country = data.country)",
        "SELECT name FROM data AS d WHERE a > (SELECT avg(a) FROM data WHERE country = d.country)",
        "SELECT name, (SELECT count(*) FROM data AS x WHERE x.a > d.a) FROM data AS d",
        "SELECT name FROM data AS d WHERE country IN (SELECT country FROM singer WHERE Age = d.a)",
    ] {
        let issues = rejected_with(sql, "correlated_subquery");
        assert!(issues[0].message.contains("WITH g AS"), "{issues:#?}");
    }
    // Unqualified names resolve innermost first, and an unaliased inner table is the inner one.
    ok("SELECT name FROM data WHERE a > (SELECT avg(a) FROM data)");
    ok("SELECT name FROM data WHERE a > (SELECT avg(data.a) FROM data WHERE data.country = 'x')");
    ok("SELECT name FROM data AS d WHERE a IN (SELECT a FROM data AS x WHERE x.country = 'y')");
    ok("SELECT t.n FROM (SELECT count(*) AS n FROM data) AS t WHERE t.n > 1");
}

#[test]
fn quantified_subqueries_run_as_in_or_are_refused() {
    let q = ok("SELECT name FROM data WHERE a = ANY (SELECT a FROM data WHERE country = 'x')");
    assert!(q.sql().contains(r#""a" IN (SELECT"#), "{}", q.sql());
    let q = ok("SELECT name FROM data WHERE a <> ALL (SELECT a FROM data WHERE country = 'x')");
    assert!(q.sql().contains(r#""a" NOT IN (SELECT"#), "{}", q.sql());
    // Anything else would be compared with the subquery's first value alone.
    for sql in [
        "SELECT name FROM data WHERE a >= ALL (SELECT a FROM data)",
        "SELECT name FROM data WHERE a > ANY (SELECT a FROM data)",
        "SELECT name FROM data WHERE a = ALL (SELECT a FROM data)",
    ] {
        let issues = rejected_with(sql, "unsupported_syntax");
        assert!(issues[0].message.contains("MAX"), "{issues:#?}");
    }
}

#[test]
fn windows_in_grouped_queries_are_refused_with_a_rewrite() {
    for sql in [
        // Polars applies the window inside each group: a list [1, 1, 1] per country, with a 200.
        "SELECT country, rank() OVER (ORDER BY country) FROM data GROUP BY country",
        "SELECT country, count(*), row_number() OVER (ORDER BY country) AS n FROM data GROUP BY country",
        "SELECT count(*), lag(count(*)) OVER () FROM data",
        "SELECT country FROM data GROUP BY country QUALIFY row_number() OVER (ORDER BY country) = 1",
        "SELECT country, sum(a) * 100.0 / sum(sum(a)) OVER () FROM data GROUP BY country",
        "SELECT country, count(*) * 1.0 / SUM(COUNT(*)) OVER () FROM data GROUP BY country",
        "SELECT country, avg(avg(a)) OVER (PARTITION BY country) FROM data GROUP BY country",
        // Ordered or partitioned by an aggregate, Polars fails with words about "aggregation context".
        "SELECT country, rank() OVER (ORDER BY sum(a) DESC) FROM data GROUP BY country",
        "SELECT country, row_number() OVER (PARTITION BY count(*)) FROM data GROUP BY country",
    ] {
        let issues = rejected_with(sql, "unsupported_syntax");
        assert!(issues[0].message.contains("WITH g AS"), "{issues:#?}");
    }
    ok(
        "WITH g AS (SELECT country, sum(a) AS total FROM data GROUP BY country) SELECT country, total * 100.0 / SUM(total) OVER () FROM g",
    );
    ok("SELECT name, sum(a) OVER (PARTITION BY country ORDER BY id) FROM data");
    // A window in a subquery of a grouped query is that subquery's own.
    ok(
        "SELECT country, count(*) FROM data WHERE id IN (SELECT id FROM (SELECT id, row_number() OVER (ORDER BY a) AS n FROM data) AS t WHERE n = 1) GROUP BY country",
    );
}

#[test]
fn misplaced_aggregates_are_refused_with_a_rewrite() {
    let issues = rejected_with(
        "SELECT max(count(*)) FROM data GROUP BY country",
        "unsupported_syntax",
    );
    assert!(issues[0].message.contains("WITH g AS"), "{issues:#?}");
    for sql in [
        "SELECT name FROM data WHERE a > avg(a)",
        "SELECT name FROM data WHERE count(*) BETWEEN 1 AND 3",
        "SELECT name FROM data WHERE max(a) IS NULL OR avg(a) IN (1, 2)",
    ] {
        let issues = rejected_with(sql, "unsupported_syntax");
        assert!(issues[0].message.contains("HAVING"), "{issues:#?}");
    }
    // Aggregates in a subquery of WHERE, in HAVING, and over windows are fine.
    ok("SELECT name FROM data WHERE a > (SELECT avg(a) FROM data)");
    ok("SELECT country FROM data GROUP BY country HAVING count(*) > 1");
    ok("SELECT country, count(*) FILTER (WHERE a > 1) FROM data GROUP BY country");
}

#[test]
fn join_conditions_that_polars_misapplies() {
    // Inner join: a filter in ON means the same in WHERE, where Polars applies it to the right table.
    let q = ok(
        "SELECT a.name, b.name FROM data AS a JOIN data AS b ON b.a = a.id AND b.country = 'IT'",
    );
    assert!(
        q.sql()
            .contains(r#"ON b."a" = a."id" WHERE (b."country" = 'IT')"#),
        "{}",
        q.sql()
    );
    let q = ok(
        "SELECT a.name FROM data AS a JOIN data AS b ON a.id = b.a AND b.Age > 3 WHERE a.id > 1",
    );
    assert!(
        q.sql().contains(r#"WHERE (a."id" > 1) AND (b."Age" > 3)"#),
        "{}",
        q.sql()
    );
    // Before a RIGHT join, WHERE would drop rows the RIGHT join keeps: refused with the subquery rewrite.
    let issues = rejected_with(
        "SELECT a.name FROM data AS a JOIN data AS b ON a.id = b.a AND b.Age > 3 RIGHT JOIN data AS c ON c.id = a.id",
        "unsupported_syntax",
    );
    assert!(issues[0].message.contains("JOIN (SELECT"), "{issues:#?}");
    // Outer join: refused with the subquery rewrite (Polars dropped the rows it should keep).
    let issues = rejected_with(
        "SELECT a.name, b.name FROM data AS a LEFT JOIN data AS b ON b.a = a.id AND b.Age >= 60",
        "unsupported_syntax",
    );
    assert!(
        issues[0].message.contains("LEFT JOIN (SELECT"),
        "{issues:#?}"
    );
    ok("SELECT a.name, b.name FROM data AS a LEFT JOIN data AS b ON b.a = a.id AND b.id = a.a");
}

#[test]
fn nested_set_operations_and_their_order_read_from_subqueries() {
    // Polars answered `B UNION ALL C` for this.
    let q = ok(
        "SELECT id FROM data WHERE id < 4 EXCEPT SELECT id FROM data WHERE id = 1 UNION ALL SELECT id FROM data WHERE id = 4",
    );
    assert_eq!(
        q.sql(),
        r#"SELECT * FROM (SELECT "id" FROM data WHERE "id" < 4 EXCEPT SELECT "id" FROM data WHERE "id" = 1) AS "__set" UNION ALL SELECT "id" FROM data WHERE "id" = 4"#
    );
    // INTERSECT binds tighter, as in PostgreSQL and the SQL standard (SQLite reads left to right).
    let q = ok(
        "SELECT id FROM data EXCEPT SELECT id FROM data WHERE id = 1 INTERSECT SELECT id FROM data WHERE id > 2",
    );
    assert!(q.sql().starts_with(r#"SELECT "id" FROM data EXCEPT SELECT * FROM (SELECT "id" FROM data WHERE "id" = 1 INTERSECT"#), "{}", q.sql());
    // One set operation is left as it is, unless it has an ORDER BY: Polars looked its names up in the last
    // SELECT.
    let q = ok("SELECT id FROM data UNION SELECT a FROM data");
    assert_eq!(
        q.sql(),
        r#"SELECT "id" FROM data UNION SELECT "a" FROM data"#
    );
    let q = ok(
        "SELECT country, count(*) AS c FROM data GROUP BY country UNION ALL SELECT 'Total', count(*) FROM data ORDER BY c DESC LIMIT 3",
    );
    assert!(q.sql().starts_with("SELECT * FROM (SELECT"), "{}", q.sql());
    assert!(
        q.sql()
            .ends_with(r#") AS "__union" ORDER BY "c" DESC NULLS LAST LIMIT 3"#),
        "{}",
        q.sql()
    );
}

#[test]
fn rewrites_hold_their_meaning_on_awkward_shapes() {
    // Nested scalar MAX: no exponential growth (each level once), and quickly.
    let started = std::time::Instant::now();
    let nested = (0..15).fold("a".to_string(), |inner, _| format!("MAX({inner}, 1)"));
    let q = ok(&format!("SELECT {nested} AS m FROM data"));
    assert!(q.sql().len() < 2_000, "{}", q.sql().len());
    assert!(started.elapsed() < std::time::Duration::from_secs(2));
    // The NULL flag brackets its key: `NOT (a > 1) IS NULL` would be NOT ((a > 1) IS NULL).
    let q = ok("SELECT row_number() OVER (ORDER BY NOT (a > 1)) AS n FROM data");
    assert!(
        q.sql().contains(r#"CASE WHEN (NOT ("a" > 1)) IS NULL"#),
        "{}",
        q.sql()
    );
    // A key rewritten column first keeps its grouping: (7 % 3) * a, not a * 7 % 3.
    let q = ok("SELECT row_number() OVER (ORDER BY 7 % 3 * a) AS n FROM data");
    assert!(q.sql().contains(r#""a" * (7 % 3)"#), "{}", q.sql());
    // Another table's column of a group key's name is not that key: it stays in HAVING.
    let q = ok(
        "SELECT a.name, COUNT(*) AS n FROM data AS a JOIN data AS b ON a.id = b.a GROUP BY a.name HAVING b.name = 'x'",
    );
    assert!(q.sql().ends_with(r#"HAVING b."name" = 'x'"#), "{}", q.sql());
    // HAVING without GROUP BY and a bare column in SELECT: SQLite answers one row, Polars would give all.
    rejected_with(
        "SELECT name FROM data HAVING COUNT(*) > 1",
        "unsupported_syntax",
    );
    rejected_with(
        "SELECT * FROM data HAVING COUNT(*) > 0",
        "unsupported_syntax",
    );
}

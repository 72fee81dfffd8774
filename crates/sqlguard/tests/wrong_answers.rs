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
fn windows_over_aggregates_are_refused_with_a_rewrite() {
    for sql in [
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

//! SQL that SQLite users write and Polars lacks or reads otherwise: EXISTS, GLOB, typeof, TOTAL, and
//! `SELECT *` over a join USING. The answers themselves are checked against SQLite in the engine's
//! `sqlite_habits.rs`; here, the rewrites (stable when validated again) and the refusals.

mod common;

use common::{ok, rejected, rejected_with};
use sqlguard::{Catalog, ValidatedQuery};

/// Accepted with `catalog`, and unchanged when its normalised SQL is validated again.
fn ok_with(sql: &str, catalog: &Catalog) -> String {
    let q = ValidatedQuery::parse(sql, catalog)
        .unwrap_or_else(|issues| panic!("`{sql}` rejected: {issues:#?}"));
    let again = ValidatedQuery::parse(q.sql(), catalog)
        .unwrap_or_else(|issues| panic!("`{}` rejected: {issues:#?}", q.sql()));
    assert_eq!(again.sql(), q.sql(), "`{sql}` is not stable");
    q.sql().to_string()
}

fn typed() -> Catalog {
    Catalog::single(
        "data",
        &[],
        &[
            ("id", "i64"),
            ("price", "f64"),
            ("name", "str"),
            ("hired", "date"),
            ("ts", "datetime[μs]"),
            ("flag", "bool"),
            ("glob", "str"),
        ],
    )
}

#[test]
fn uncorrelated_exists_counts_the_subquerys_rows() {
    let q = ok("SELECT name FROM data WHERE EXISTS (SELECT 1 FROM data WHERE Age > 30)");
    assert!(
        q.sql()
            .contains(r#"((SELECT COUNT(*) AS "COUNT(*)" FROM data WHERE "Age" > 30) > 0)"#),
        "{}",
        q.sql()
    );
    let q = ok(
        "SELECT name FROM data WHERE id > 1 AND NOT EXISTS (SELECT name FROM data WHERE Age > 90)",
    );
    assert!(q.sql().contains(") = 0)"), "{}", q.sql());
    for sql in [
        "SELECT CASE WHEN EXISTS (SELECT * FROM data WHERE country = 'FR') THEN 'yes' ELSE 'no' END AS fr",
        "SELECT EXISTS (SELECT DISTINCT country FROM data ORDER BY country) AS any_rows FROM data",
        "SELECT country FROM data GROUP BY country HAVING NOT EXISTS (SELECT 1 FROM data WHERE Age < 0)",
        "WITH t AS (SELECT id FROM data WHERE Age > 30) SELECT id FROM data WHERE EXISTS (SELECT 1 FROM t)",
        "SELECT id FROM data WHERE EXISTS (SELECT 1)",
    ] {
        let q = ok(sql);
        assert!(!q.sql().contains("EXISTS"), "{}", q.sql());
    }
    // Grouped, aggregated or limited, the subquery's rows are counted as a derived table.
    for sql in [
        "SELECT id FROM data WHERE EXISTS (SELECT country FROM data GROUP BY country HAVING COUNT(*) > 1)",
        "SELECT id FROM data WHERE EXISTS (SELECT id FROM data LIMIT 1 OFFSET 3)",
        "SELECT id FROM data WHERE EXISTS (WITH t AS (SELECT Age FROM data) SELECT Age FROM t WHERE Age > 3 LIMIT 1)",
    ] {
        let q = ok(sql);
        assert!(q.sql().contains("AS exists_rows) > 0)"), "{}", q.sql());
    }
    // An aggregate without GROUP BY has one row, which its HAVING keeps or not; so has a SELECT without FROM.
    let q = ok("SELECT id FROM data WHERE EXISTS (SELECT MAX(Age) FROM data WHERE Age > 1000)");
    assert!(
        q.sql()
            .contains("(SELECT CASE WHEN COUNT(*) >= 0 THEN 1 ELSE 0 END"),
        "{}",
        q.sql()
    );
    let q =
        ok("SELECT id FROM data WHERE NOT EXISTS (SELECT MAX(Age) FROM data HAVING MAX(Age) > 30)");
    assert!(
        q.sql()
            .contains(r#"(SELECT CASE WHEN MAX("Age") > 30 THEN 1 ELSE 0 END"#),
        "{}",
        q.sql()
    );
    let q = ok("SELECT id FROM data WHERE EXISTS (SELECT 1 WHERE 1 = 2)");
    assert!(
        q.sql().contains("CASE WHEN 1 = 2 THEN 1 ELSE 0 END"),
        "{}",
        q.sql()
    );
    rejected("SELECT id FROM data WHERE EXISTS (SELECT MAX(Age) FROM data LIMIT 1)");
}

#[test]
fn exists_having_reads_a_select_alias_as_its_expression() {
    // The SELECT list is replaced by the CASE, so the alias in HAVING is written out first.
    let q = ok("SELECT id FROM data WHERE EXISTS (SELECT MAX(Age) AS m FROM data HAVING m > 3)");
    assert!(
        q.sql()
            .contains(r#"(SELECT CASE WHEN (MAX("Age")) > 3 THEN 1 ELSE 0 END"#),
        "{}",
        q.sql()
    );
    let sql = ok_with(
        "SELECT id FROM data WHERE NOT EXISTS (SELECT MIN(price) AS Low, COUNT(*) AS n FROM data \
         HAVING low < 2 AND n > 1)",
        &typed(),
    );
    assert!(
        sql.contains(r#"CASE WHEN (MIN("price")) < 2 AND (COUNT(*)) > 1 THEN 1 ELSE 0 END"#),
        "{sql}"
    );
}

#[test]
fn correlated_exists_is_still_refused_with_the_in_to_write() {
    let issues = rejected_with(
        "SELECT name FROM data d WHERE EXISTS (SELECT 1 FROM data o WHERE o.country = d.country AND o.Age > 30)",
        "correlated_subquery",
    );
    assert!(
        issues
            .iter()
            .any(|i| i.message.contains("correlated EXISTS") && i.message.contains(" IN (SELECT")),
        "{issues:#?}"
    );
}

#[test]
fn glob_is_an_anchored_case_sensitive_regex_match() {
    let q = ok("SELECT name FROM data WHERE name GLOB 'A*'");
    assert!(
        q.sql().contains(r#"("name" ~ '^(?s:A.*)$')"#),
        "{}",
        q.sql()
    );
    let q = ok("SELECT name FROM data WHERE name NOT GLOB '[^a-c]?.x'");
    assert!(
        q.sql()
            .contains(r#"("name" !~ '^(?s:[^\x{61}\x{61}-\x{63}].\x{2E}x)$')"#),
        "{}",
        q.sql()
    );
    // A quote in the pattern is escaped into the regular expression, not the SQL.
    let q = ok("SELECT name FROM data WHERE name glob '*''s' OR country GLOB 'F?'");
    assert!(q.sql().contains(r"'^(?s:.*\x{27}s)$'"), "{}", q.sql());
    // A number column is matched as its text, as SQLite does.
    let q = ok("SELECT id FROM data WHERE Age GLOB '3*'");
    assert!(q.sql().contains(" ~ '^(?s:3.*)$'"), "{}", q.sql());
    // A boolean is matched as SQLite's 1 or 0.
    let sql = ok_with(
        "SELECT id FROM data WHERE flag GLOB '1' OR flag NOT GLOB '[0]'",
        &typed(),
    );
    assert!(
        sql.contains(r#"(CASE WHEN "flag" THEN '1' WHEN NOT "flag" THEN '0' END ~ '^(?s:1)$')"#)
            && sql.contains(r#"(CASE WHEN "flag" THEN '1' WHEN NOT "flag" THEN '0' END !~ "#),
        "{sql}"
    );
    // A column called glob stays a column.
    let sql = ok_with(
        "SELECT glob, name AS glob2 FROM data WHERE glob GLOB 'x*'",
        &typed(),
    );
    assert!(
        sql.starts_with(r#"SELECT "glob", "name" AS glob2"#),
        "{sql}"
    );
}

#[test]
fn glob_refusals_say_what_to_write() {
    let issues = rejected("SELECT name FROM data WHERE name GLOB country");
    assert!(issues[0].message.contains("literal"), "{issues:#?}");
    let issues = rejected("SELECT name FROM data WHERE name GLOB 'a[bc'");
    assert!(issues[0].message.contains("never closes"), "{issues:#?}");
    assert!(!issues[0].message.contains("SIMILAR"), "{issues:#?}");
    // SIMILAR TO written by the user stays refused.
    let issues = rejected("SELECT name FROM data WHERE name SIMILAR TO 'a%'");
    assert!(issues[0].message.contains("SIMILAR TO"), "{issues:#?}");
}

#[test]
fn typeof_is_the_storage_class_of_a_typed_column_or_literal() {
    let sql = ok_with(
        "SELECT typeof(id), typeof(price), typeof(name), TYPEOF(hired), typeof(ts), typeof(flag), \
         typeof(1), typeof(-2.5), typeof('a'), typeof(NULL) FROM data",
        &typed(),
    );
    for expected in [
        r#"CASE WHEN "id" IS NULL THEN 'null' ELSE 'integer' END"#,
        r#"CASE WHEN "price" IS NULL THEN 'null' ELSE 'real' END"#,
        r#"CASE WHEN "name" IS NULL THEN 'null' ELSE 'text' END"#,
        r#"CASE WHEN "hired" IS NULL THEN 'null' ELSE 'text' END"#,
        r#"CASE WHEN "ts" IS NULL THEN 'null' ELSE 'text' END"#,
        r#"CASE WHEN "flag" IS NULL THEN 'null' ELSE 'integer' END"#,
        "'integer' AS",
        "'real' AS",
        "'text' AS",
        "'null' AS",
    ] {
        assert!(sql.contains(expected), "{expected} in {sql}");
    }
    let sql = ok_with(
        "WITH t AS (SELECT name FROM data) SELECT typeof(t.name) AS k, COUNT(*) FROM t GROUP BY 1",
        &typed(),
    );
    assert!(sql.contains("'text' END AS k"), "{sql}");
}

#[test]
fn typeof_of_an_expression_is_refused() {
    for sql in [
        "SELECT typeof(id + 1) FROM data",
        "SELECT typeof(MAX(price)) FROM data",
        "WITH t AS (SELECT price * 2 AS p FROM data) SELECT typeof(p) FROM t",
    ] {
        let issues = ValidatedQuery::parse(sql, &typed()).unwrap_err();
        assert!(
            issues.iter().any(|i| i.message.contains("typeof(salary)")),
            "{sql}: {issues:#?}"
        );
    }
}

#[test]
fn total_is_a_float_sum_that_is_zero_over_nothing() {
    let q = ok("SELECT TOTAL(Age) FROM data WHERE id > 100");
    assert!(
        q.sql()
            .contains(r#"COALESCE(SUM(CAST("Age" AS DOUBLE)), 0.0) AS "TOTAL(Age)""#),
        "{}",
        q.sql()
    );
    let q = ok("SELECT id, total(Age) OVER (ORDER BY id) AS running FROM data");
    assert!(
        q.sql()
            .contains(r#"COALESCE(SUM(CAST("Age" AS DOUBLE)) OVER (ORDER BY "#)
            && q.sql().ends_with(r#", 0.0) AS running FROM data"#),
        "{}",
        q.sql()
    );
    let q = ok("SELECT country, TOTAL(DISTINCT Age) AS t FROM data GROUP BY country");
    assert!(!q.sql().to_lowercase().contains("total("), "{}", q.sql());
}

#[test]
fn star_over_a_join_using_gives_the_key_once() {
    let q = ok("SELECT * FROM data p JOIN data q USING (id) ORDER BY id");
    assert_eq!(
        q.sql(),
        r#"SELECT p."id", p."name", p."Age", p."country", p."a", p."Song Name", q."name" AS "name:q", q."Age" AS "Age:q", q."country" AS "country:q", q."a" AS "a:q", q."Song Name" AS "Song Name:q" FROM data p JOIN data q USING("id") ORDER BY "id""#
    );
    let q = ok("SELECT * FROM data p LEFT JOIN data q USING (id, name)");
    assert!(
        q.sql()
            .starts_with(r#"SELECT p."id", p."name", p."Age", p."country", p."a", p."Song Name", q."Age" AS "Age:q","#),
        "{}",
        q.sql()
    );
    // SQLite keeps both keys under `a.*, b.*`; with ON, or a NATURAL join, nothing changes.
    for sql in [
        "SELECT p.*, q.* FROM data p JOIN data q USING (id)",
        "SELECT * FROM data p JOIN data q ON p.id = q.id",
        "SELECT * FROM data p NATURAL JOIN data q",
    ] {
        assert!(ok(sql).sql().starts_with("SELECT p.*") || ok(sql).sql().starts_with("SELECT *"));
    }
}

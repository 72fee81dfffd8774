//! Rewrites that let SQLite/PostgreSQL-style SQL run on Polars with its intended meaning.

mod common;

use common::{ok, rejected_with};

#[test]
fn unnamed_expressions_are_named_by_their_text() {
    let q = ok("SELECT avg(age), max(age), name FROM data GROUP BY name");
    assert_eq!(
        q.sql(),
        r#"SELECT avg("Age") AS "avg(age)", max("Age") AS "max(age)", "name" FROM data GROUP BY "name""#
    );
    // Repeats get a suffix instead of colliding.
    let q = ok("SELECT count(*), count(*) FROM data");
    assert!(q.sql().contains(r#"AS "count(*) (2)""#), "{}", q.sql());
    // Columns too: the same name twice is an error in Polars.
    let q = ok("SELECT a.name, b.name FROM data AS a JOIN data AS b ON a.id = b.a");
    assert!(
        q.sql()
            .starts_with(r#"SELECT a."name", b."name" AS "name (2)" FROM"#),
        "{}",
        q.sql()
    );
    let q = ok("SELECT *, name FROM data");
    assert!(
        q.sql()
            .starts_with(r#"SELECT *, "name" AS "name (2)" FROM"#),
        "{}",
        q.sql()
    );
}

#[test]
fn grouped_results_sort_by_aggregates() {
    // The aggregate is an output column: sort by it.
    let q = ok("SELECT country, count(*) FROM singer GROUP BY country ORDER BY count(*) DESC");
    assert!(
        q.sql()
            .ends_with(r#"ORDER BY "count(*)" DESC NULLS LAST, "country" DESC NULLS LAST"#),
        "ties are broken by the group key, in the sort's direction: {}",
        q.sql()
    );
    // It is not: compute it as a hidden column and drop it outside.
    let q = ok("SELECT country FROM singer GROUP BY country ORDER BY count(*) DESC LIMIT 1");
    assert_eq!(
        q.sql(),
        r#"SELECT * EXCLUDE ("__order_1") FROM (SELECT "country", count(*) AS "__order_1" FROM data AS singer GROUP BY "country" ORDER BY "__order_1" DESC NULLS LAST, "country" DESC NULLS LAST LIMIT 1) AS "__ordered""#
    );
    // Inside a subquery, and with a WITH clause kept outermost.
    let q = ok(
        "WITH t AS (SELECT * FROM data) SELECT name FROM t WHERE country IN (SELECT country FROM t GROUP BY country ORDER BY avg(age) LIMIT 1) GROUP BY name ORDER BY sum(a)",
    );
    assert!(q.sql().starts_with("WITH t AS"), "{}", q.sql());
    assert!(
        q.sql().contains(r#"avg("Age") AS "__order_1""#),
        "{}",
        q.sql()
    );
    // Ungrouped queries are left alone: polars sorts them by any expression.
    let q = ok("SELECT name FROM data ORDER BY age * 2");
    assert!(!q.sql().contains("__order"), "{}", q.sql());
}

#[test]
fn numeric_strings_compare_as_numbers_with_number_columns() {
    let q = ok("SELECT name FROM data WHERE Age = \"80000\" AND '30' < a AND name = '12'");
    assert!(q.sql().contains(r#""Age" = 80000"#), "{}", q.sql());
    assert!(q.sql().contains(r#"30 < "a""#), "{}", q.sql());
    // Text columns and non-numeric strings keep their strings.
    assert!(q.sql().contains(r#""name" = '12'"#), "{}", q.sql());
    let q = ok("SELECT name FROM data WHERE a = '1; DROP TABLE x'");
    assert!(q.sql().contains("'1; DROP TABLE x'"), "{}", q.sql());
}

#[test]
fn bare_columns_get_sqlites_values_with_a_note() {
    // With one min/max: the row holding it.
    let q = ok("SELECT name, country, max(age) FROM data GROUP BY country");
    assert!(
        q.sql().starts_with(r#"SELECT array_get(array_agg("name" ORDER BY "Age" DESC NULLS LAST), 1) AS "name", "country""#),
        "{}",
        q.sql()
    );
    assert!(
        q.notes().iter().any(|n| n.rule.id() == "bare_column"),
        "{:?}",
        q.notes()
    );
    // Without GROUP BY too (one row, as in SQLite).
    let q = ok("SELECT min(a), name FROM data");
    assert!(
        q.sql()
            .contains(r#"ORDER BY "a" ASC NULLS LAST), 1) AS "name""#),
        "{}",
        q.sql()
    );
    // Otherwise the first row of the group.
    let q = ok("SELECT id FROM data GROUP BY country HAVING count(*) > 2");
    assert!(
        q.sql().starts_with(r#"SELECT first("id") AS "id""#),
        "{}",
        q.sql()
    );
    // Grouped columns (however qualified), plain queries and window functions are left alone.
    let q = ok("SELECT d.country, count(*) FROM data AS d GROUP BY country");
    assert!(!q.sql().contains("first("), "{}", q.sql());
    let q = ok("SELECT name, rank() OVER (ORDER BY age) FROM data");
    assert!(
        q.notes().iter().all(|n| n.rule.id() != "bare_column"),
        "{}",
        q.sql()
    );
    // A key that names an output column by position or alias groups it too.
    for sql in [
        "SELECT country, count(*) AS n FROM data GROUP BY 1",
        "SELECT country AS land, count(*) FROM data GROUP BY land",
        "SELECT name, country, count(*) FROM data GROUP BY name, 2",
    ] {
        let q = ok(sql);
        assert!(!q.sql().contains("first("), "{sql} -> {}", q.sql());
    }
    // Another position leaves it bare.
    let q = ok("SELECT country, name, count(*) FROM data GROUP BY 2");
    assert!(q.sql().contains(r#"first("country")"#), "{}", q.sql());
}

#[test]
fn like_ignores_case_as_in_sqlite() {
    let q = ok("SELECT name FROM data WHERE name LIKE '%al%' AND country NOT LIKE 'x%'");
    assert!(q.sql().contains(r#""name" ILIKE '%al%'"#), "{}", q.sql());
    assert!(
        q.sql().contains(r#""country" NOT ILIKE 'x%'"#),
        "{}",
        q.sql()
    );
}

#[test]
fn rewrites_open_no_hole() {
    rejected_with(
        "SELECT country FROM read_csv('/etc/passwd') GROUP BY country ORDER BY count(*)",
        "table_function",
    );
    rejected_with(
        "SELECT * FROM (SELECT 1 AS x) AS data GROUP BY x ORDER BY count(*)",
        "shadowed_table",
    );
    rejected_with(
        "SELECT country FROM data GROUP BY country ORDER BY read_parquet('x')",
        "function_not_allowed",
    );
}

#[test]
fn dates_read_as_text_where_sqlite_would_and_number_lists_as_numbers() {
    let catalog = sqlguard::Catalog::single(
        "data",
        &[],
        &[
            ("hired", "date"),
            ("seen", "datetime[μs]"),
            ("salary", "i64"),
            ("name", "str"),
        ],
    );
    let normalised = |sql: &str| {
        let once = sqlguard::ValidatedQuery::parse(sql, &catalog)
            .unwrap_or_else(|issues| panic!("{sql}: {issues:#?}"))
            .sql()
            .to_owned();
        // Stable: the calculator validates the sidecar's SQL again and runs that.
        let twice = sqlguard::ValidatedQuery::parse(&once, &catalog)
            .unwrap_or_else(|issues| panic!("{once}: {issues:#?}"))
            .sql()
            .to_owned();
        assert_eq!(twice, once, "`{sql}` changes when normalised again");
        once
    };
    let sql = normalised(
        "SELECT substr(hired, 1, 4), length(seen), SUBSTRING(hired FROM 1 FOR 7) FROM data WHERE hired LIKE '2020%'",
    );
    assert!(
        sql.contains(r#"SUBSTR(strftime("hired", '%Y-%m-%d'), 1, 4)"#),
        "{sql}"
    );
    assert!(
        sql.contains(r#"length(strftime("seen", '%Y-%m-%d %H:%M:%S'))"#),
        "{sql}"
    );
    assert!(
        sql.contains(r#"SUBSTRING(strftime("hired", '%Y-%m-%d') FROM 1 FOR 7)"#),
        "{sql}"
    );
    assert!(
        sql.contains(r#"strftime("hired", '%Y-%m-%d') ILIKE '2020%'"#),
        "{sql}"
    );
    // Text columns, and dates compared as dates, are left alone.
    let sql = normalised(
        "SELECT substr(name, 1, 2) FROM data WHERE name LIKE 'A%' AND hired > '2020-01-01'",
    );
    assert!(!sql.contains("CAST"), "{sql}");
    // Days also between dates an aggregate, a window or a CTE gives; whole days added with `+ 7`.
    let sql = normalised(
        "WITH t AS (SELECT MIN(hired) AS f, MAX(hired) AS l FROM data) SELECT l - f, hired - LAG(hired) OVER (ORDER BY hired), hired + 7, 30 + hired, hired - 30 FROM data, t",
    );
    assert_eq!(sql.matches("AS BIGINT) - CAST(").count(), 2, "{sql}");
    assert_eq!(sql.matches("INTERVAL '").count(), 3, "{sql}");
    // Not a datetime beside a date (Polars makes it a datetime): in COALESCE, or under a UNION.
    let sql =
        normalised("SELECT COALESCE(hired, seen) - hired, COALESCE(hired, NULL) - hired FROM data");
    assert_eq!(sql.matches("AS BIGINT) - CAST(").count(), 1, "{sql}");
    let sql = normalised(
        "WITH c AS (SELECT hired AS v FROM data UNION ALL SELECT seen FROM data) SELECT MAX(v) - MIN(v) FROM c",
    );
    assert!(!sql.contains("BIGINT"), "{sql}");
    let sql = normalised(
        "WITH c AS (SELECT hired AS v FROM data UNION ALL SELECT hired FROM data) SELECT MAX(v) - MIN(v) FROM c",
    );
    assert!(sql.contains("AS BIGINT) - CAST("), "{sql}");
    // A date plus days is a date; a negative count flips the sign (Polars' intervals take none).
    let sql = normalised("SELECT hired + 7 - hired, hired + -3, hired - -3 FROM data");
    assert!(sql.contains("AS BIGINT) - CAST("), "{sql}");
    assert!(sql.contains(r#""hired" - INTERVAL '3 days'"#), "{sql}");
    assert!(sql.contains(r#""hired" + INTERVAL '3 days'"#), "{sql}");
    let sql =
        normalised("SELECT MAX(hired) - MIN(hired) FROM data HAVING MAX(hired) - MIN(hired) > 9");
    assert_eq!(sql.matches("AS BIGINT) - CAST(").count(), 2, "{sql}");
    let sql = normalised("SELECT hired - hired AS d FROM data WHERE hired - hired > 365");
    assert!(
        sql.contains(r#"(CAST("hired" AS BIGINT) - CAST("hired" AS BIGINT)) AS d"#),
        "{sql}"
    );
    let sql = normalised(
        "SELECT name FROM data WHERE salary IN ('80000', '83000') AND salary BETWEEN '1' AND '9e9' AND name IN ('1')",
    );
    assert!(sql.contains(r#""salary" IN (80000, 83000)"#), "{sql}");
    assert!(sql.contains(r#""salary" BETWEEN 1 AND 9e9"#), "{sql}");
    assert!(sql.contains(r#""name" IN ('1')"#), "{sql}");
}

#[test]
fn nulls_sort_last_both_ways() {
    let q = ok("SELECT name FROM data ORDER BY a DESC, id, Age DESC NULLS FIRST LIMIT 5");
    assert!(
        q.sql()
            .ends_with(r#"ORDER BY "a" DESC NULLS LAST, "id", "Age" DESC NULLS FIRST LIMIT 5"#),
        "{}",
        q.sql()
    );
}

#[test]
fn truth_tests_say_what_null_gives() {
    let q = ok("SELECT name FROM data WHERE (a > 1) IS NOT TRUE AND (a < 5) IS TRUE");
    assert!(
        q.sql().contains(r#"(NOT COALESCE(("a" > 1), false))"#)
            && q.sql().contains(r#"(COALESCE(("a" < 5), false))"#),
        "{}",
        q.sql()
    );
}

#[test]
fn window_keys_that_may_be_null_sort_their_nulls_last() {
    use sqlguard::{Catalog, Column, Table, ValidatedQuery};
    let catalog = Catalog::new(vec![Table::new(
        "data",
        Vec::new(),
        vec![
            Column::new("id", "i64").without_nulls(),
            Column::new("dept", "str").without_nulls(),
            Column::new("bonus", "i64"),
        ],
    )]);
    let sql = |q: &str| {
        ValidatedQuery::parse(q, &catalog)
            .unwrap()
            .sql()
            .to_string()
    };
    // Descending: the flag puts non-NULL (1) first.
    assert_eq!(
        sql("SELECT ROW_NUMBER() OVER (PARTITION BY dept ORDER BY bonus DESC) AS r FROM data"),
        r#"SELECT ROW_NUMBER() OVER (PARTITION BY "dept" ORDER BY CASE WHEN ("bonus") IS NULL THEN 0 ELSE 1 END DESC, "bonus" DESC) AS r FROM data"#
    );
    // Ascending, and NULLS FIRST asked for.
    assert!(
        sql("SELECT RANK() OVER (ORDER BY bonus) AS r FROM data")
            .contains(r#"ORDER BY CASE WHEN ("bonus") IS NULL THEN 1 ELSE 0 END, "bonus")"#)
    );
    assert!(
        sql("SELECT RANK() OVER (ORDER BY bonus DESC NULLS FIRST) AS r FROM data")
            .contains(r#"ORDER BY CASE WHEN ("bonus") IS NULL THEN 1 ELSE 0 END DESC NULLS FIRST, "bonus" DESC NULLS FIRST)"#)
    );
    // Only the first key that may be NULL gets a flag; keys without NULLs need none.
    assert!(
        sql("SELECT RANK() OVER (ORDER BY id, bonus, dept) AS r FROM data").contains(
            r#"ORDER BY "id", CASE WHEN ("bonus") IS NULL THEN 1 ELSE 0 END, "bonus", "dept")"#
        )
    );
    assert!(
        sql("SELECT RANK() OVER (ORDER BY id DESC) AS r FROM data")
            .contains(r#"ORDER BY "id" DESC)"#)
    );
    // The other side of an outer join may be NULL whatever the table holds.
    assert!(
        sql("SELECT RANK() OVER (ORDER BY b.id) AS r FROM data AS a LEFT JOIN data AS b ON a.id = b.id")
            .contains(r#"CASE WHEN (b."id") IS NULL"#)
    );
    // Idempotent: the validated SQL validates to itself.
    let once = sql("SELECT LAG(id) OVER (ORDER BY bonus DESC) AS p FROM data");
    assert_eq!(sql(&once), once);
}

#[test]
fn in_lists_mixing_decimals_and_whole_numbers_are_all_decimals() {
    let q = ok("SELECT id FROM data WHERE a IN (1.5, 2, -3) AND id IN (1, 2)");
    assert!(
        q.sql()
            .contains(r#""a" IN (1.5, 2.0, -3.0) AND "id" IN (1, 2)"#),
        "{}",
        q.sql()
    );
}

#[test]
fn windows_sorted_both_ways_and_offsets_with_defaults_run_on_polars() {
    // A number column sorted the other way round is negated, where the NULL flag serves it (here the
    // first key may be NULL, and so may `id`: it is ranked, its NULLs last).
    let q =
        ok("SELECT row_number() OVER (PARTITION BY country ORDER BY name DESC, id) AS n FROM data");
    assert!(
        q.sql().contains(
            r#"ORDER BY CASE WHEN ("name") IS NULL THEN 0 ELSE 1 END DESC, "name" DESC, CASE WHEN "id" IS NOT NULL THEN DENSE_RANK() OVER (ORDER BY COALESCE("id", MIN("id") OVER ()) DESC) ELSE 0 END DESC)"#
        ),
        "{}",
        q.sql()
    );
    // A text one cannot be: the number key turns instead.
    let q = ok("SELECT row_number() OVER (ORDER BY id DESC, name) AS n FROM data");
    assert!(
        q.sql()
            .contains(r#"ORDER BY CASE WHEN ("id" * -1) IS NULL THEN 1 ELSE 0 END, "id" * -1, "#),
        "{}",
        q.sql()
    );
    // LAG with a default: the rows without a row before them get it.
    let q = ok("SELECT lag(a, 1, 0) OVER (PARTITION BY country ORDER BY id) AS p FROM data");
    assert!(
        q.sql().starts_with(
            r#"SELECT (CASE WHEN ROW_NUMBER() OVER (PARTITION BY "country" ORDER BY CASE WHEN ("id") IS NULL THEN 1 ELSE 0 END, "id") > 1 THEN LAG("a", 1) OVER"#
        ),
        "{}",
        q.sql()
    );
    let q = ok("SELECT lead(a, 2, 'none') OVER (ORDER BY id) AS p FROM data");
    assert!(
        q.sql().contains("<= COUNT(*) OVER () - 2 THEN LEAD"),
        "{}",
        q.sql()
    );
}

#[test]
fn having_runs_as_polars_can() {
    // Conditions on group keys move to WHERE; those on aggregates, or on an output alias, stay.
    assert_eq!(
        ok("SELECT country, COUNT(*) AS n FROM data WHERE id > 0 GROUP BY country HAVING country <> 'x' AND COUNT(*) > 1 AND n < 9").sql(),
        r#"SELECT "country", COUNT(*) AS n FROM data WHERE ("id" > 0) AND ("country" <> 'x') GROUP BY "country" HAVING COUNT(*) > 1 AND n < 9"#
    );
    // Parenthesised, next to a WHERE with OR; a column neither grouped nor aggregated stays (it tests groups).
    assert_eq!(
        ok("SELECT country, COUNT(*) FROM data WHERE id > 0 GROUP BY 1 HAVING country = 'a' OR country = 'b'").sql(),
        r#"SELECT "country", COUNT(*) AS "COUNT(*)" FROM data WHERE ("id" > 0) AND ("country" = 'a' OR "country" = 'b') GROUP BY 1"#
    );
    // A SELECT name of a group key is read as the key; a key beside an aggregate as its one value per group,
    // but not inside the aggregate, and not where a position names it.
    assert_eq!(
        ok("SELECT country AS c, COUNT(*) AS n FROM data GROUP BY 1 HAVING c <> 'x' AND n > 1")
            .sql(),
        r#"SELECT "country" AS c, COUNT(*) AS n FROM data WHERE ("country" <> 'x') GROUP BY 1 HAVING n > 1"#
    );
    assert_eq!(
        ok("SELECT country, COUNT(*) FROM data GROUP BY 1 HAVING country = 'a' OR COUNT(country) > 1").sql(),
        r#"SELECT "country", COUNT(*) AS "COUNT(*)" FROM data GROUP BY 1 HAVING MIN("country") = 'a' OR COUNT("country") > 1"#
    );
    assert_eq!(
        ok("SELECT UPPER(country) AS u FROM data GROUP BY u HAVING LOWER(u) = 'a' OR SUM(a) > 1")
            .sql(),
        r#"SELECT UPPER("country") AS u FROM data GROUP BY UPPER("country") HAVING LOWER((MIN(UPPER("country")))) = 'a' OR SUM("a") > 1"#
    );
    // A name of a constant stays a name: written out, `1` would be a position.
    assert!(
        ok("SELECT country, 1 AS one, COUNT(*) AS n FROM data GROUP BY one")
            .sql()
            .ends_with("GROUP BY one"),
    );
    assert!(
        ok("SELECT 'all' AS grp, COUNT(*) AS n FROM data GROUP BY grp")
            .sql()
            .ends_with("GROUP BY grp"),
    );
    assert!(
        ok("SELECT country, COUNT(*) AS n FROM data GROUP BY country HAVING a > 70")
            .sql()
            .ends_with(r#"HAVING "a" > 70"#)
    );
    // Without GROUP BY: the one row is filtered from outside, the SELECT's names read as what they name.
    assert_eq!(
        ok("SELECT COUNT(*) AS n, MAX(a) FROM data HAVING COUNT(*) > 5 AND n < 10").sql(),
        r#"SELECT * EXCLUDE ("__having") FROM (SELECT COUNT(*) AS n, MAX("a") AS "MAX(a)", (COUNT(*) > 5 AND (COUNT(*)) < 10) AS "__having" FROM data) AS "__had" WHERE "__having""#
    );
    // A column outside an aggregate there is some row's value in SQLite: refused.
    let issues = common::rejected_with(
        "SELECT MAX(a) AS m FROM data HAVING a > 90",
        "unsupported_syntax",
    );
    assert!(
        issues[0].message.contains("HAVING MAX(salary) > 90"),
        "{issues:#?}"
    );
}

#[test]
fn calls_polars_lacks_are_respelled() {
    let q = ok(
        "SELECT instr(name, 'a'), max(a, 3), min(a, id, 2), max(a) OVER () AS m, CAST(a AS DECIMAL(10, 2)), CAST(a AS NUMERIC) FROM data LIMIT -1 OFFSET 2",
    );
    assert!(
        q.sql().starts_with(r#"SELECT strpos("name", 'a') AS "instr(name, 'a')", CASE WHEN ("a") IS NULL OR (3) IS NULL THEN NULL ELSE GREATEST("a", 3) END AS "max(a, 3)", CASE WHEN ("a") IS NULL OR ("id") IS NULL OR (2) IS NULL THEN NULL ELSE LEAST("a", "id", 2) END AS "min(a, id, 2)", max("a") OVER () AS m, ROUND(CAST("a" AS DOUBLE), 2) AS"#),
        "{}",
        q.sql()
    );
    assert!(
        q.sql()
            .ends_with(r#"CAST("a" AS DOUBLE) AS "CAST(a AS NUMERIC)" FROM data OFFSET 2"#),
        "{}",
        q.sql()
    );
    let q = ok("SELECT ntile(3) OVER (PARTITION BY country ORDER BY id) AS t FROM data");
    assert!(
        q.sql()
            .contains(r#"COUNT(*) OVER (PARTITION BY "country") % 3"#),
        "{}",
        q.sql()
    );
}

#[test]
fn an_alias_in_where_is_its_expression() {
    assert_eq!(
        ok("SELECT a * 2 AS dbl FROM data WHERE dbl > 10 AND id IN (SELECT id AS j FROM data WHERE j > 1)").sql(),
        r#"SELECT "a" * 2 AS dbl FROM data WHERE ("a" * 2) > 10 AND "id" IN (SELECT "id" AS j FROM data WHERE "id" > 1)"#
    );
    // A column of that name wins, as in SQLite.
    assert!(
        ok("SELECT a AS id FROM data WHERE id > 1")
            .sql()
            .ends_with(r#"WHERE "id" > 1"#)
    );
    // An aggregate's name has no value in WHERE.
    let issues = common::rejected_with(
        "SELECT country, count(*) AS n FROM data WHERE n > 1 GROUP BY country",
        "unsupported_syntax",
    );
    assert!(issues[0].message.contains("HAVING"), "{issues:#?}");
    // An unknown name lists the columns and, apart, the SELECT's names.
    let issues = common::rejected_with(
        "SELECT a * 2 AS dbl FROM data ORDER BY dbll",
        "unknown_column",
    );
    assert!(
        issues[0].message.contains("did you mean `dbl`?")
            && issues[0].message.contains("Names given in SELECT: dbl."),
        "{issues:#?}"
    );
}

//! One or more accepted and rejected cases per rule.

mod common;

use common::{catalog, ok, rejected, rejected_with};
use sqlguard::{Catalog, Limits, Rule, ValidatedQuery};

#[test]
fn plain_select_is_accepted_and_normalised() {
    let q = ok("SELECT name, age FROM data WHERE age > 30 ORDER BY age DESC LIMIT 5;");
    assert_eq!(
        q.sql(),
        r#"SELECT "name", "Age" FROM data WHERE "Age" > 30 ORDER BY "Age" DESC NULLS LAST LIMIT 5"#
    );
    assert_eq!(q.tables(), ["data"]);
}

#[test]
fn table_functions_are_rejected_everywhere() {
    for sql in [
        "SELECT * FROM read_csv('/etc/passwd')",
        "SELECT * FROM read_parquet('/tmp/*.parquet')",
        "SELECT * FROM read_csv('http://x/y.csv')",
        "SELECT * FROM read_ipc('/x')",
        "SELECT * FROM read_json('/x')",
        "SELECT * FROM data WHERE id IN (SELECT id FROM read_csv('/etc/passwd'))",
        "SELECT * FROM (SELECT * FROM read_parquet('/tmp/*.parquet')) AS t",
        "WITH t AS (SELECT * FROM read_csv('http://x/y.csv')) SELECT * FROM t",
        "SELECT * FROM data JOIN read_csv('/etc/passwd') AS p ON p.id = data.id",
        "SELECT * FROM READ_CSV('/etc/passwd')",
        "SELECT * FROM \"read_csv\"('/etc/passwd')",
    ] {
        rejected_with(sql, "table_function");
    }
    rejected_with("SELECT * FROM UNNEST([1, 2])", "table_function");
    rejected_with("SELECT * FROM generate_series(1, 10)", "table_function");
}

#[test]
fn io_functions_in_expressions_are_rejected() {
    let issues = rejected_with(
        "SELECT read_csv('/etc/passwd') FROM data",
        "function_not_allowed",
    );
    assert!(issues[0].message.contains("files"));
    rejected_with(
        "SELECT scan_parquet('/x') FROM data",
        "function_not_allowed",
    );
    rejected_with("SELECT x.read_csv('/x') FROM data", "function_not_allowed");
    rejected_with("SELECT pg_read_file('/etc/passwd')", "function_not_allowed");
    let issues = rejected_with("SELECT coutn(*) FROM data", "function_not_allowed");
    assert!(issues[0].message.contains("`count`"), "{issues:?}");
}

#[test]
fn statements_other_than_query_are_rejected() {
    for sql in [
        "DROP TABLE data",
        "CREATE TABLE t AS SELECT * FROM data",
        "EXPLAIN SELECT * FROM data",
        "SHOW TABLES",
        "TRUNCATE TABLE data",
        "DELETE FROM data",
        "INSERT INTO data VALUES (1)",
        "UPDATE data SET id = 1",
        "COPY data TO '/tmp/x.csv'",
        "ATTACH DATABASE '/tmp/x.db' AS x",
        "PRAGMA table_info(data)",
        "SET x = 1",
    ] {
        let issues = rejected(sql);
        assert!(
            issues
                .iter()
                .any(|i| matches!(i.rule, Rule::NotAQuery | Rule::SyntaxError)),
            "{sql}: {issues:?}"
        );
    }
    let issues = rejected_with("drop table data;", "not_a_query");
    assert!(issues[0].message.contains("DROP TABLE"), "{issues:?}");
}

#[test]
fn exactly_one_statement() {
    rejected_with("SELECT 1; SELECT 2", "multiple_statements");
    rejected_with("SELECT 1; DROP TABLE data", "not_a_query");
    ok("SELECT 1;");
    rejected_with("", "empty_query");
    rejected_with("  ;; -- nothing\n", "empty_query");
}

#[test]
fn forbidden_clauses() {
    rejected_with("SELECT * INTO t FROM data", "forbidden_clause");
    rejected_with("SELECT * FROM data FOR UPDATE", "forbidden_clause");
}

#[test]
fn syntax_errors_carry_locations() {
    let issues = rejected_with("SELECT * FROM data WHERE id = = 1", "syntax_error");
    assert!(issues[0].location.is_some(), "{issues:?}");
}

#[test]
fn unknown_tables() {
    let issues = rejected_with("SELECT * FROM users", "unknown_table");
    assert!(issues[0].message.contains("data"));
    rejected_with("SELECT * FROM main.data", "unknown_table");
    rejected_with("SELECT * FROM information_schema.tables", "unknown_table");
}

#[test]
fn shadowing_registered_tables_is_rejected() {
    rejected_with("SELECT * FROM (SELECT 1) AS data", "shadowed_table");
    rejected_with(
        "WITH data AS (SELECT 1) SELECT * FROM data",
        "shadowed_table",
    );
    rejected_with(
        "WITH Singer AS (SELECT 1 AS a) SELECT a FROM Singer",
        "shadowed_table",
    );
    ok("SELECT * FROM data AS data");
    ok("SELECT * FROM data AS singer");
    let q = ok("WITH t AS (SELECT name FROM data) SELECT NAME FROM t");
    assert_eq!(
        q.sql(),
        r#"WITH t AS (SELECT "name" FROM data) SELECT "name" FROM t"#
    );
}

#[test]
fn cross_joins_need_a_filter() {
    rejected_with("SELECT * FROM data a, data b", "unfiltered_cross_join");
    rejected_with(
        "SELECT * FROM data a CROSS JOIN data b",
        "unfiltered_cross_join",
    );
    rejected_with(
        "SELECT * FROM data a JOIN data b ON 1 = 1",
        "unfiltered_cross_join",
    );
    ok("SELECT * FROM data a JOIN data b ON a.id = b.id");
    ok("SELECT a.name FROM data a, data b WHERE a.id = b.id");
    ok("SELECT * FROM data a JOIN data b USING (id)");
    // A relation of at most one row (an aggregate without GROUP BY, LIMIT 1, no FROM) multiplies nothing:
    // the usual share-of-total query joins one.
    ok(
        "WITH total AS (SELECT SUM(age) AS t FROM data) SELECT name, age / total.t FROM data, total",
    );
    ok("WITH total AS (SELECT SUM(age) AS t FROM data) SELECT name FROM data CROSS JOIN total");
    ok("SELECT name FROM (SELECT MAX(age) AS m FROM data) AS top, data");
    ok(
        "WITH a AS (SELECT 1 AS one), b AS (SELECT COUNT(*) AS n FROM data) SELECT one, n FROM a, b",
    );
    ok("SELECT name FROM data CROSS JOIN (SELECT * FROM data ORDER BY age LIMIT 1) AS youngest");
    // Not when the aggregate keeps a row per group or per row, or both sides are tables.
    rejected_with(
        "WITH g AS (SELECT country, SUM(age) AS t FROM data GROUP BY country) SELECT name FROM data, g",
        "unfiltered_cross_join",
    );
    rejected_with(
        "WITH w AS (SELECT SUM(age) OVER () AS t FROM data) SELECT name FROM data CROSS JOIN w",
        "unfiltered_cross_join",
    );
    rejected_with(
        "WITH one AS (SELECT COUNT(*) AS n FROM data) SELECT a.name FROM data a, one, data b",
        "unfiltered_cross_join",
    );
    rejected_with(
        "SELECT name FROM data CROSS JOIN (SELECT * FROM data LIMIT 2) AS two",
        "unfiltered_cross_join",
    );
    // An aggregate beside a column is broadcast to every row, and UNNEST makes rows (a review's cases).
    for sql in [
        "WITH w AS (SELECT SUM(a) + id AS s FROM data) SELECT COUNT(*) FROM data, w",
        "SELECT COUNT(*) FROM data CROSS JOIN (SELECT COALESCE(MAX(a), id) AS m FROM data) AS w",
        "WITH w AS (SELECT UNNEST(ARRAY_AGG(a)) AS s FROM data) SELECT COUNT(*) FROM data, w",
        "WITH w AS (SELECT UNNEST([1, 2, 3, 4, 5]) AS v) SELECT COUNT(*) FROM data, w",
    ] {
        rejected_with(sql, "unfiltered_cross_join");
    }
}

#[test]
fn join_count_is_bounded() {
    let five = "SELECT * FROM data a JOIN data b ON a.id=b.id JOIN data c ON a.id=c.id \
                JOIN data d ON a.id=d.id JOIN data e ON a.id=e.id JOIN data f ON a.id=f.id";
    rejected_with(five, "too_many_joins");
    ok("SELECT * FROM data a JOIN data b ON a.id=b.id JOIN data c ON a.id=c.id");
}

#[test]
fn case_is_corrected_with_a_note() {
    let q = ok("SELECT NAME, age FROM DATA WHERE Country = 'France'");
    assert_eq!(
        q.sql(),
        r#"SELECT "name", "Age" FROM data AS "DATA" WHERE "country" = 'France'"#
    );
    assert!(
        q.notes()
            .iter()
            .any(|n| n.rule == Rule::ColumnCaseCorrected)
    );
    let q = ok("SELECT singer.name FROM singer");
    assert_eq!(q.sql(), r#"SELECT singer."name" FROM data AS singer"#);
    let q = ok(r#"SELECT "song name" FROM data"#);
    assert_eq!(q.sql(), r#"SELECT "Song Name" FROM data"#);
}

#[test]
fn unknown_columns_get_suggestions() {
    let issues = rejected_with("SELECT nmae FROM data", "unknown_column");
    let m = &issues[0].message;
    assert!(
        m.contains("`name`") && m.contains("Columns: id, name"),
        "{m}"
    );
    assert!(issues[0].location.is_some());
    rejected_with("SELECT d.nmae FROM data d", "unknown_column");
    rejected_with("SELECT z.name FROM data d", "unknown_qualifier");
    // All issues are reported, not just the first.
    let issues = rejected("SELECT foo, bar FROM data");
    assert_eq!(issues.len(), 2, "{issues:?}");
}

#[test]
fn names_defined_by_the_query_are_accepted() {
    ok("SELECT count(*) AS cnt FROM data GROUP BY country ORDER BY cnt DESC");
    ok("SELECT count(*) AS Cnt FROM data GROUP BY country ORDER BY cnt");
    ok("SELECT t.n FROM (SELECT name AS n FROM data) AS t");
    ok("SELECT n FROM (SELECT name FROM data) AS t(n)");
    ok("SELECT total FROM (SELECT count(*) AS total FROM data) t");
    ok("SELECT name FROM data UNION SELECT country FROM data ORDER BY name");
    // A name of the query around a subquery resolves, but such a subquery cannot run.
    rejected_with(
        "SELECT * FROM data WHERE id IN (SELECT id FROM data d2 WHERE d2.age > data.age)",
        "correlated_subquery",
    );
}

#[test]
fn double_quoted_unknown_words_become_strings() {
    let q = ok(r#"SELECT name FROM data WHERE country = "France""#);
    assert_eq!(
        q.sql(),
        r#"SELECT "name" FROM data WHERE "country" = 'France'"#
    );
    assert!(
        q.notes()
            .iter()
            .any(|n| n.rule == Rule::QuotedStringLiteral)
    );
    // Compared with a column, a quoted word is a value, however close to a column's name it is.
    for sql in [
        r#"SELECT name FROM data WHERE country = "id""#,
        r#"SELECT name FROM data WHERE "countri" = country OR a IN ("nam", "Agee")"#,
        r#"SELECT name FROM data WHERE name BETWEEN "nam" AND "namf""#,
    ] {
        ok(sql);
    }
    // Unless the word is a column misspelled: then it is an unknown column, with the match.
    for (sql, meant) in [
        (
            r#"SELECT count(*) FROM data WHERE "countri" = 'HR'"#,
            "country",
        ),
        (r#"SELECT avg("Agee") FROM data"#, "Age"),
        (r#"SELECT "nam" FROM data"#, "name"),
    ] {
        let issues = rejected_with(sql, "unknown_column");
        assert!(
            issues[0].message.contains(&format!("`{meant}`")),
            "{issues:#?}"
        );
    }
}

#[test]
fn padding_is_bounded() {
    rejected_with(
        "SELECT LPAD(name, 100000000, 'x') FROM data",
        "oversized_repeat",
    );
    rejected_with("SELECT RPAD(name, id, 'x') FROM data", "oversized_repeat");
    rejected_with(
        "SELECT REPLACE(name, '', 'xxxx') FROM data",
        "oversized_repeat",
    );
    ok("SELECT LPAD(name, 10, 'x') FROM data");
    let limits = Limits {
        max_string_repeat: 5,
        ..Limits::default()
    };
    assert!(
        ValidatedQuery::parse_with("SELECT LPAD(name, 10) FROM data", &catalog(), &limits).is_err()
    );
}

#[test]
fn size_and_depth_are_bounded() {
    let long = format!("SELECT 1 {}", " ".repeat(30_000));
    rejected_with(&long, "too_long");
    let deep = format!("SELECT {}1{}", "(".repeat(100_000), ")".repeat(100_000));
    let limits = Limits {
        max_sql_bytes: 1_000_000,
        ..Limits::default()
    };
    let issues = ValidatedQuery::parse_with(&deep, &catalog(), &limits).unwrap_err();
    assert_eq!(issues[0].rule, Rule::TooDeep);
    let deep = format!("SELECT {}1{}", "(".repeat(100_000), ")".repeat(100_000));
    rejected_with(&deep, "too_long");
    // An unbracketed chain builds a deep tree without any bracket.
    let chain = format!("SELECT 1{}", "+1".repeat(5_000));
    rejected_with(&chain, "too_deep");
    ok(&format!("SELECT 1{}", "+1".repeat(20)));
    let nested = format!(
        "SELECT * FROM data WHERE id IN {}",
        "(SELECT id FROM data WHERE id IN ".repeat(20)
    );
    rejected_with(&nested, "too_deep");
}

#[test]
fn supported_syntax_passes() {
    for sql in [
        "SELECT DISTINCT country FROM data",
        "SELECT country, AVG(age), MAX(age) FROM data GROUP BY country HAVING COUNT(*) > 1",
        "SELECT CAST(age AS DOUBLE), TRY_CAST(name AS INT) FROM data",
        "SELECT EXTRACT(YEAR FROM DATE '2020-01-01')",
        "SELECT CASE WHEN age > 30 THEN 'old' ELSE 'young' END AS band FROM data",
        "SELECT name, ROW_NUMBER() OVER (PARTITION BY country ORDER BY age DESC) AS r FROM data",
        "SELECT SUBSTRING(name FROM 1 FOR 2), TRIM(name), UPPER(name) FROM data",
        "SELECT * FROM data WHERE name LIKE 'A%' AND age BETWEEN 20 AND 30 AND id IS NOT NULL",
        "SELECT * FROM data WHERE country IN ('France', 'Spain')",
        "SELECT COUNT(DISTINCT country) FROM data",
        "SELECT STRING_AGG(name, ',' ORDER BY name) FROM data",
        "SELECT * FROM data ORDER BY age DESC NULLS LAST LIMIT 10 OFFSET 5",
        "SELECT name, age, a, FROM data",
        "WITH t AS (SELECT country, COUNT(*) AS n FROM data GROUP BY country) SELECT * FROM t WHERE n > 1",
        "SELECT * FROM data LEFT JOIN (SELECT id AS i2 FROM data) AS s ON data.id = s.i2",
        "VALUES (1, 2)",
        "SELECT age::VARCHAR FROM data",
        "SELECT data.* FROM data",
    ] {
        let q = ok(sql);
        // The normalised SQL is a fixed point.
        let again = ok(q.sql());
        assert_eq!(again.sql(), q.sql(), "{sql}");
    }
}

#[test]
fn issues_serialise_with_rule_ids() {
    let issues = rejected("DROP TABLE data");
    let json = serde_json::to_value(&issues).unwrap();
    assert_eq!(json[0]["rule"], "not_a_query");
    for rule in Rule::ALL {
        assert_eq!(rule.to_string(), rule.id());
    }
}

#[test]
fn multi_table_catalog() {
    let cat = Catalog::new(vec![
        sqlguard::Table::new("data", vec![], vec![sqlguard::Column::new("id", "i64")]),
        sqlguard::Table::new("other", vec![], vec![sqlguard::Column::new("k", "i64")]),
    ]);
    let q = ValidatedQuery::parse("SELECT * FROM data d JOIN other o ON d.id = o.k", &cat).unwrap();
    assert_eq!(q.tables(), ["data", "other"]);
    let e = ValidatedQuery::parse("SELECT * FROM data AS other", &cat).unwrap_err();
    assert_eq!(e[0].rule, Rule::ShadowedTable);
}

#[test]
fn more_escape_attempts_are_rejected() {
    for sql in [
        "SELECT * FROM data, LATERAL read_csv('/etc/passwd')",
        "SELECT * FROM data WHERE name = (SELECT read_csv('/x'))",
        "SELECT * FROM data UNION SELECT * FROM read_csv('x')",
        "WITH RECURSIVE t AS (SELECT 1 AS n) SELECT * FROM t",
        "SELECT * FROM read_csv",
        "SELECT * FROM data AS t(a, b)",
        "SELECT * FROM (WITH t AS (SELECT 1 AS n) SELECT * FROM t) s JOIN t ON s.n = t.n",
        "COPY (SELECT 1) TO '/tmp/x'",
        "SELECT * FROM data; DROP TABLE data",
        "SELECT $1 FROM data",
        // EXISTS runs (as a count of its rows); what it reads is checked like any subquery.
        "SELECT * FROM data WHERE EXISTS (SELECT * FROM read_csv('/etc/passwd'))",
        "SELECT * FROM data TABLESAMPLE (10)",
        "SELECT * FROM data FOR SHARE",
        "SELECT 1 INTO OUTFILE '/tmp/x'",
        "SELECT * FROM data a JOIN LATERAL (SELECT * FROM read_csv('/x')) b ON TRUE",
        "SELECT * FROM data PIVOT (SUM(id) FOR name IN ('a'))",
        "SELECT * FROM (SELECT * FROM data) AS x",
    ] {
        rejected(sql);
    }
}

#[test]
fn hostile_column_names_cannot_inject() {
    let evil = r#"a" , read_csv('/etc/passwd') AS "b"#;
    let cat = Catalog::single("data", &[], &[(evil, "str"), ("id", "i64")]);
    for sql in [
        format!("SELECT \"{}\" FROM data", evil.replace('"', "\"\"")),
        "SELECT * FROM data".to_string(),
        "SELECT id FROM data".to_string(),
    ] {
        if let Ok(q) = ValidatedQuery::parse(&sql, &cat) {
            assert!(
                !q.sql().to_lowercase().contains("read_csv(") || q.sql().contains("\"\""),
                "{}",
                q.sql()
            );
            let again = ValidatedQuery::parse(q.sql(), &cat).expect("normalised SQL validates");
            assert_eq!(again.sql(), q.sql());
        }
    }
    // A case-insensitive match onto a hostile name must come out escaped.
    let q = ValidatedQuery::parse(
        &format!(
            "SELECT \"{}\" FROM data",
            evil.to_uppercase().replace('"', "\"\"")
        ),
        &cat,
    );
    if let Ok(q) = q {
        assert!(q.sql().contains("\"\""), "{}", q.sql());
    }
}

#[test]
fn keyword_named_columns_are_columns() {
    let catalog = Catalog::single("data", &[], &[("user", "str"), ("n", "i64")]);
    let q = ValidatedQuery::parse("SELECT user, count(*) FROM data GROUP BY user", &catalog)
        .unwrap_or_else(|issues| panic!("{issues:#?}"));
    assert!(
        q.sql().starts_with(r#"SELECT "user", count(*)"#),
        "{}",
        q.sql()
    );
    // Without such a column it is still a function, and not an allowed one.
    rejected_with("SELECT user FROM data", "function_not_allowed");
}

#[test]
fn clock_functions_are_refused_with_the_datas_own_dates_as_advice() {
    for sql in [
        "SELECT COUNT(*) FROM data WHERE id > CURRENT_DATE",
        "SELECT NOW()",
        "SELECT getdate() FROM data",
        "SELECT COUNT(*) FROM data WHERE name > date('now', '-30 days')",
    ] {
        let issues = rejected_with(sql, "function_not_allowed");
        assert!(
            issues[0].message.contains("SELECT MAX(d) FROM data"),
            "{sql}: {}",
            issues[0].message
        );
    }
}

#[test]
fn date_trunc_needs_a_unit_it_knows() {
    for sql in [
        "SELECT DATE_TRUNC('fortnight', id) FROM data",
        "SELECT DATE_TRUNC(id) FROM data",
        "SELECT DATE_TRUNC('month', id, id) FROM data",
    ] {
        let issues = rejected_with(sql, "unsupported_syntax");
        assert!(
            issues[0].message.contains("DATE_TRUNC('month', d)"),
            "{sql}"
        );
    }
    // Bare and plural units, either order; the argument is resolved like any column.
    let q = ok("SELECT date_trunc(MONTHS, ID) FROM data");
    assert!(
        q.sql().contains("STRFTIME(\"id\", '%Y-%m-01')"),
        "{}",
        q.sql()
    );
    ok("SELECT DATE_TRUNC(id, 'week') FROM data");
}

//! Property tests: validation never panics, and whatever it accepts is a fixed point.

mod common;

use proptest::prelude::*;
use sqlguard::ValidatedQuery;

const FRAGMENTS: &[&str] = &[
    "SELECT",
    "*",
    "FROM",
    "data",
    "x",
    "singer",
    "users",
    "WHERE",
    "AND",
    "OR",
    "NOT",
    "(",
    ")",
    ",",
    ";",
    "'",
    "\"",
    "`",
    "--",
    "/*",
    "*/",
    "=",
    "<>",
    "+",
    "-",
    "||",
    "::",
    "[",
    "]",
    "1",
    "0.5",
    "'a'",
    "\"name\"",
    "name",
    "NAME",
    "id",
    "Age",
    "a.id",
    "b.id",
    "a",
    "b",
    "AS",
    "JOIN",
    "ON",
    "USING",
    "CROSS",
    "LEFT",
    "UNION",
    "ALL",
    "EXCEPT",
    "INTERSECT",
    "WITH",
    "RECURSIVE",
    "GROUP BY",
    "ORDER BY",
    "HAVING",
    "LIMIT",
    "OFFSET",
    "DISTINCT",
    "CASE",
    "WHEN",
    "THEN",
    "ELSE",
    "END",
    "CAST",
    "TRY_CAST",
    "INT",
    "VARCHAR",
    "EXTRACT",
    "YEAR",
    "INTERVAL",
    "count(*)",
    "sum",
    "avg",
    "LPAD",
    "REPLACE",
    "read_csv('/etc/passwd')",
    "read_parquet",
    "DROP TABLE",
    "CREATE TABLE",
    "INSERT INTO",
    "VALUES",
    "DELETE",
    "UPDATE",
    "SET",
    "EXPLAIN",
    "SHOW",
    "COPY",
    "INTO",
    "FOR UPDATE",
    "EXISTS",
    "IN",
    "BETWEEN",
    "LIKE",
    "IS NULL",
    "OVER",
    "PARTITION BY",
    "ROW_NUMBER()",
    "$1",
    "?",
    "@x",
    "\\",
    "\n",
    " ",
    "\u{0}",
    "é",
    "🦀",
    "0x10",
    "E'\\n'",
    "$$x$$",
    "N'x'",
    "X'00'",
];

fn spliced() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(FRAGMENTS), 0..40).prop_map(|v| v.join(" "))
}

/// Mostly valid queries, so that the accept path (and its fixed-point check) is exercised.
fn structured() -> impl Strategy<Value = String> {
    let col = prop::sample::select(
        &[
            "id",
            "NAME",
            "age",
            "\"Song Name\"",
            "t.id",
            "nmae",
            "\"France\"",
            "count(*)",
        ][..],
    );
    let table = prop::sample::select(&["data", "DATA", "singer", "x AS t", "data t", "users"][..]);
    let cond = prop::sample::select(
        &[
            "",
            " WHERE id > 1",
            " WHERE name = \"Joe\"",
            " WHERE age IN (SELECT age FROM data)",
        ][..],
    );
    let tail = prop::sample::select(
        &[
            "",
            " GROUP BY name",
            " ORDER BY 1 DESC",
            " LIMIT 3",
            " UNION SELECT 1",
        ][..],
    );
    (prop::collection::vec(col, 1..4), table, cond, tail)
        .prop_map(|(cols, t, c, tail)| format!("SELECT {} FROM {t}{c}{tail}", cols.join(", ")))
}

fn check(sql: &str) {
    let catalog = common::catalog();
    if let Ok(q) = ValidatedQuery::parse(sql, &catalog) {
        // Accepted SQL must validate again to the same text (it is what will run).
        let again = ValidatedQuery::parse(q.sql(), &catalog)
            .unwrap_or_else(|e| panic!("normalised `{}` of `{sql}` rejected: {e:?}", q.sql()));
        assert_eq!(again.sql(), q.sql());
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 3000, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_strings(s in any::<String>()) {
        check(&s);
    }

    #[test]
    fn keyword_splices(s in spliced()) {
        check(&s);
    }

    #[test]
    fn structured_queries(s in structured()) {
        check(&s);
    }

    #[test]
    fn splices_after_a_valid_prefix(s in spliced()) {
        check(&format!("SELECT * FROM data WHERE a = 1 {s}"));
    }
}

#[test]
fn pathological_inputs() {
    for sql in [
        "(".repeat(100_000),
        ")".repeat(20_000),
        format!("SELECT {}", "NOT ".repeat(4_000)),
        format!("SELECT {}1", "-".repeat(19_000)),
        format!("SELECT 1{}", " AND 1".repeat(3_000)),
        format!(
            "SELECT * FROM data WHERE id IN ({})",
            "1,".repeat(5_000) + "1"
        ),
        format!("SELECT CASE {} END", "WHEN 1 THEN 2 ".repeat(1_000)),
        "SELECT '".to_string() + &"'".repeat(19_000),
        "/*".repeat(5_000),
        format!("SELECT \"{}\"", "n".repeat(19_000)),
        format!("SELECT {} FROM data", "nmae".repeat(4_000)),
        format!("SELECT {}", "[".repeat(10_000)),
        // Deep trees where the rewrites look: a WHERE before it is walked, a window's keys, HAVING, an
        // alias read in WHERE, a set operation, a call respelled before its arguments are walked.
        format!(
            "SELECT a FROM data WHERE a IS NOT NULL{}",
            " AND 1".repeat(3_000)
        ),
        // An outer join's ON is read for a computed key before it is walked.
        format!(
            "SELECT x.a FROM data x LEFT JOIN data y ON y.a = x.a{}",
            " + 1".repeat(3_000)
        ),
        format!(
            "SELECT x.a FROM data x LEFT JOIN data y ON y.a = x.a{}",
            " AND y.b = x.b".repeat(3_000)
        ),
        format!(
            "SELECT x.a FROM data x JOIN data y ON y.a = x.a{}",
            " AND y.b = x.b".repeat(3_000)
        ),
        format!(
            "SELECT x.a FROM data x JOIN data y USING (a, b, c, d) RIGHT JOIN data z ON z.a = x.a{}",
            " + 1".repeat(3_000)
        ),
        format!(
            "SELECT ntile(2) OVER (ORDER BY 1{}) FROM data",
            " + 1".repeat(3_000)
        ),
        format!(
            "SELECT rank() OVER (ORDER BY -a{}) FROM data",
            " * 1".repeat(3_000)
        ),
        format!(
            "SELECT count(*) FROM data GROUP BY a HAVING a = 1{}",
            " OR 1".repeat(3_000)
        ),
        format!(
            "SELECT count(*) FROM data HAVING count(*) > 1{}",
            " AND 1".repeat(3_000)
        ),
        format!(
            "SELECT a{} AS b FROM data WHERE b > 1",
            " + 1".repeat(3_000)
        ),
        format!(
            "SELECT a FROM data EXCEPT SELECT a FROM data UNION SELECT 1{}",
            " + 1".repeat(3_000)
        ),
        format!(
            "SELECT max(a{}, 1), instr(a, 'x'{}) FROM data",
            " + 1".repeat(2_000),
            " || 'x'".repeat(2_000)
        ),
    ] {
        let _ = ValidatedQuery::parse(&sql, &common::catalog());
    }
}

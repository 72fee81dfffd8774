//! Joins on four or more keys, run by real workers, against Python's sqlite3 for the same queries: Polars
//! 0.55 paired rows whose keys are NULL there (its validity of four or more key columns is "all valid" in a
//! slice where every row has a NULL key), so sqlguard keeps such rows away from the join.

mod common;

use common::*;
use serde_json::{Value, json};

/// Eighteen rows, NULLs in every key column; five rows have a NULL in each of a..d.
const KEYS: &[u8] = b"a,b,c,d,e
1,,1,2,1
2,2,2,,2
1,1,2,1,2
2,,1,,2
2,,1,,1
2,1,1,1,
,1,2,,1
2,,1,,1
2,2,,1,2
1,,1,2,2
1,2,,,1
1,,,2,1
,2,,,
2,,,1,2
2,,2,,2
,1,2,1,
2,2,,1,2
,,,,2
";

#[tokio::test]
async fn null_keys_never_pair_in_joins_on_four_or_more_keys() {
    let engine = engine();
    let (_dir, path) = csv_file("keys.csv", KEYS);
    let (report, parquet) = ingest(&engine, &path).await;
    let catalog = catalog(&report.unwrap(), &[]);
    let cases: &[(&str, Value)] = &[
        (
            "SELECT COUNT(*) FROM data x JOIN data y USING (a, b, c, d)",
            json!([[2]]),
        ),
        (
            "SELECT x.e, y.e FROM data x JOIN data y ON x.a = y.a AND x.b = y.b AND x.c = y.c AND x.d = y.d ORDER BY x.e NULLS FIRST, y.e",
            json!([[null, null], [2, 2]]),
        ),
        (
            "SELECT COUNT(*) FROM data x NATURAL JOIN data y",
            json!([[1]]),
        ),
        (
            "SELECT COUNT(*), COUNT(y.a) FROM data x LEFT JOIN data y ON x.a = y.a AND x.b = y.b AND x.c = y.c AND x.d = y.d",
            json!([[18, 2]]),
        ),
        (
            "SELECT COUNT(*), COUNT(y.a) FROM data x LEFT JOIN data y USING (a, b, c, d, e)",
            json!([[18, 1]]),
        ),
        (
            "SELECT COUNT(*), COUNT(x.a) FROM data x RIGHT JOIN data y ON x.a = y.a AND x.b = y.b AND x.c = y.c AND x.d = y.d",
            json!([[18, 2]]),
        ),
        (
            "SELECT COUNT(*) FROM data x JOIN (SELECT * FROM data WHERE e IS NOT NULL) y ON x.a = y.a AND x.b = y.b AND x.c = y.c AND x.d = y.d",
            json!([[1]]),
        ),
        (
            "SELECT COUNT(*), COUNT(y.e) FROM data x LEFT JOIN (SELECT a, b, c, d, e FROM data) AS y ON y.a = x.a AND y.b = x.b AND y.c = x.c AND y.d = x.d",
            json!([[18, 1]]),
        ),
        (
            "WITH t AS (SELECT * FROM data) SELECT COUNT(*) FROM t x JOIN t y USING (a, b, c, d) WHERE x.e = 2",
            json!([[1]]),
        ),
        // From the review: an inner join's NULL-key filters cannot go to WHERE when a RIGHT join follows
        // (they dropped its unmatched rows); a computed key's side is the table it reads.
        (
            "SELECT COUNT(*), COUNT(x.e) FROM data x JOIN data y USING (a, b, c, d) RIGHT JOIN data z ON z.e = x.e",
            json!([[18, 9]]),
        ),
        (
            "SELECT COUNT(*), COUNT(y.e) FROM data x LEFT JOIN data y ON y.a = x.a AND y.b = x.b AND y.c = x.c AND y.d + 1 = x.e",
            json!([[18, 1]]),
        ),
        (
            "SELECT COUNT(*), COUNT(y.e) FROM data x LEFT JOIN data y ON y.a = x.a AND y.b = x.b AND y.c = x.c AND y.d = x.e - 1",
            json!([[18, 1]]),
        ),
        (
            "SELECT COUNT(*) FROM data x JOIN data y ON y.a = x.a AND y.b = x.b AND y.c = x.c AND y.d + 1 = x.e",
            json!([[1]]),
        ),
        // Semi and anti joins (EXISTS / NOT EXISTS with four keys, as SQLite answers those).
        (
            "SELECT COUNT(*) FROM data x LEFT SEMI JOIN data y ON y.a = x.a AND y.b = x.b AND y.c = x.c AND y.d = x.d",
            json!([[2]]),
        ),
        (
            "SELECT COUNT(*) FROM data x LEFT ANTI JOIN data y ON y.a = x.a AND y.b = x.b AND y.c = x.c AND y.d = x.d",
            json!([[16]]),
        ),
    ];
    expect_rows(&engine, &parquet, &catalog, cases).await;
}

/// Where the NULL keys cannot be filtered out of one side without changing the answer, the join is refused
/// with the rewrite that runs.
#[tokio::test]
async fn outer_joins_on_four_keys_that_cannot_be_filtered_are_refused() {
    let engine = engine();
    let (_dir, path) = csv_file("keys.csv", KEYS);
    let (report, _parquet) = ingest(&engine, &path).await;
    let catalog = catalog(&report.unwrap(), &["keys"]);
    for (sql, says) in [
        (
            "SELECT COUNT(*) FROM data x FULL JOIN data y USING (a, b, c, d)",
            "FULL JOIN",
        ),
        (
            "SELECT COUNT(*) FROM data x LEFT JOIN data ON x.a = data.a AND x.b = data.b AND x.c = data.c AND x.d = data.d",
            "give the table an alias",
        ),
        (
            "WITH a AS (SELECT a, e FROM data), b AS (SELECT a, b FROM data) SELECT * FROM a FULL JOIN b USING (a)",
            "COALESCE(a.k, b.k) AS k",
        ),
        (
            "SELECT x.e FROM data x JOIN data y ON x.e = y.e RIGHT JOIN data z USING (a)",
            "after another join",
        ),
        // From probe Y: in a NATURAL outer join, the table that may lack the row cannot be asked for its own
        // key (Polars keeps one, coalesced).
        (
            "SELECT x.e, y.e FROM data x NATURAL LEFT JOIN (SELECT e, a FROM data WHERE e = 2) y",
            "a key of a NATURAL outer join",
        ),
        // The dataset's own name as the joined table's name: a subquery so named would stand for the table.
        (
            "SELECT COUNT(*) FROM keys x LEFT JOIN keys ON x.a = keys.a AND x.b = keys.b AND x.c = keys.c AND x.d = keys.d",
            "an alias of its own",
        ),
    ] {
        let issues = sqlguard::ValidatedQuery::parse(sql, &catalog).expect_err(sql);
        assert!(
            issues.iter().any(|i| i.message.contains(says)),
            "{sql}: {issues:?}"
        );
    }
}

const SALES: &[u8] = b"region,qty,channel
East,10,web
East,12,web
North,15,web
North,17,shop
South,2,shop
West,-2,shop
,3,shop
East,1,
North,11,web
";

/// The key of a RIGHT or FULL join USING is both sides' key coalesced (Polars gave the left table's: NULL
/// on the rows only the right table has; probe W).
#[tokio::test]
async fn using_keys_of_right_and_full_joins_are_both_sides_keys() {
    let engine = engine();
    let (_dir, path) = csv_file("sales.csv", SALES);
    let (report, parquet) = ingest(&engine, &path).await;
    let catalog = catalog(&report.unwrap(), &[]);
    let with = "WITH a AS (SELECT region, SUM(qty) AS q FROM data WHERE qty > 9 GROUP BY region), \
                b AS (SELECT region, SUM(qty) AS q2 FROM data WHERE qty < 4 GROUP BY region) ";
    let cases: Vec<(String, Value)> = vec![
        (
            format!("{with}SELECT region, q, q2 FROM a FULL JOIN b USING (region) ORDER BY region NULLS FIRST, q2"),
            json!([[null, null, 3], ["East", 22, 1], ["North", 43, null], ["South", null, 2], ["West", null, -2]]),
        ),
        (
            format!("{with}SELECT region, q2 FROM a RIGHT JOIN b USING (region) ORDER BY region NULLS FIRST"),
            json!([[null, 3], ["East", 1], ["South", 2], ["West", -2]]),
        ),
        (
            format!("{with}SELECT UPPER(region) AS r, q FROM a FULL JOIN b USING (region) WHERE region <> 'North' ORDER BY r"),
            json!([["EAST", 22], ["SOUTH", null], ["WEST", null]]),
        ),
        (
            "SELECT region, COUNT(*) FROM (SELECT region FROM data WHERE channel = 'web') a FULL JOIN (SELECT region FROM data WHERE channel = 'shop') b USING (region) GROUP BY region ORDER BY region NULLS FIRST".to_string(),
            json!([[null, 1], ["East", 2], ["North", 2], ["South", 1], ["West", 1]]),
        ),
        (
            format!("{with}SELECT a.region, b.region FROM a FULL JOIN b USING (region) ORDER BY a.region NULLS FIRST, b.region NULLS FIRST"),
            json!([[null, null], [null, "South"], [null, "West"], ["East", "East"], ["North", null]]),
        ),
        // From probe Y: ORDER BY the key when it is not selected reads the coalesced key; an output column
        // of that name is what it names.
        (
            format!("{with}SELECT q, q2 FROM a FULL JOIN b USING (region) ORDER BY region DESC NULLS LAST"),
            json!([[null, -2], [null, 2], [43, null], [22, 1], [null, 3]]),
        ),
        (
            format!("{with}SELECT q2 AS region, q FROM a FULL JOIN b USING (region) ORDER BY region NULLS FIRST, q"),
            json!([[null, 43], [-2, null], [1, 22], [2, null], [3, null]]),
        ),
        (
            format!("{with}SELECT region, (SELECT COUNT(*) FROM data WHERE data.region = 'East') AS e FROM a FULL JOIN b USING (region) ORDER BY region NULLS FIRST"),
            json!([[null, 3], ["East", 3], ["North", 3], ["South", 3], ["West", 3]]),
        ),
    ];
    let cases: Vec<(&str, Value)> = cases.iter().map(|(q, v)| (q.as_str(), v.clone())).collect();
    expect_rows(&engine, &parquet, &catalog, &cases).await;
}

/// An outer join on a computed key (`p.id = c.id - 1`, the previous period) runs, as SQLite answers it
/// (probe W: refused, advising a filter).
#[tokio::test]
async fn outer_joins_on_computed_keys_answer_as_sqlite() {
    let engine = engine();
    let (_dir, path) = csv_file("staff.csv", STAFF);
    let (report, parquet) = ingest(&engine, &path).await;
    let catalog = catalog(&report.unwrap(), &[]);
    let cases: &[(&str, Value)] = &[
        (
            "SELECT c.id, p.salary FROM data c LEFT JOIN data p ON p.id = c.id - 1 ORDER BY c.id",
            json!([
                [1, null],
                [2, 50000],
                [3, 60000],
                [4, 90000],
                [5, 70000],
                [6, 80000]
            ]),
        ),
        (
            "SELECT c.id, p.salary FROM data c LEFT JOIN data p ON p.id + 1 = c.id AND p.dept = c.dept ORDER BY c.id",
            json!([
                [1, null],
                [2, 50000],
                [3, null],
                [4, 90000],
                [5, 70000],
                [6, null]
            ]),
        ),
        (
            "SELECT c.id, p.id FROM data p RIGHT JOIN data c ON p.id = c.id - 1 ORDER BY c.id",
            json!([[1, null], [2, 1], [3, 2], [4, 3], [5, 4], [6, 5]]),
        ),
        (
            "SELECT c.id, p.id FROM data c FULL JOIN data p ON p.id = c.id - 1 ORDER BY c.id NULLS FIRST, p.id",
            json!([[null, 6], [1, null], [2, 1], [3, 2], [4, 3], [5, 4], [6, 5]]),
        ),
    ];
    expect_rows(&engine, &parquet, &catalog, cases).await;
}

/// A subquery's own columns inside a SELECT that joins tables holding columns of those names (probe Y:
/// Polars refused `x.id IN (SELECT id FROM data ...)` as an ambiguous reference), as SQLite answers.
#[tokio::test]
async fn subqueries_inside_a_join_read_their_own_columns() {
    let engine = engine();
    let (_dir, path) = csv_file("staff.csv", STAFF);
    let (report, parquet) = ingest(&engine, &path).await;
    let catalog = catalog(&report.unwrap(), &[]);
    let cases: &[(&str, Value)] = &[
        (
            "SELECT x.id, y.id FROM data x JOIN data y ON x.dept = y.dept WHERE x.id IN (SELECT id FROM data WHERE salary > 60000) AND y.id < 5 ORDER BY x.id, y.id",
            json!([[3, 3], [3, 4], [4, 3], [4, 4], [5, 3], [5, 4]]),
        ),
        (
            "SELECT x.name, (SELECT MAX(salary) FROM data WHERE dept = 'IT') AS top FROM data x JOIN data y ON x.id = y.id WHERE x.id = 1",
            json!([["Ada", 90000]]),
        ),
    ];
    expect_rows(&engine, &parquet, &catalog, cases).await;
}

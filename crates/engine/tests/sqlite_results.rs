//! SQLite's results where Polars computed others or failed in its own words, run by real workers: division
//! and math outside their domain (NULL, not ±inf/NaN), SUBSTR with a start of 0 or less, literal NULL
//! arguments, an aggregate's SELECT name inside ORDER BY, LIKE with a pattern built from a column, and a
//! derived table that aggregates without GROUP BY counted as its one row. Expected rows are Python's sqlite3
//! answers for the same data, in Polars' types where they differ by design (`/` gives a float, a condition
//! gives true/false, `MOD` of integers an integer).

mod common;

use common::*;
use serde_json::{Value, json};

const NUMBERS: &[u8] = b"id,a,b,f
1,10,2,0.25
2,5,0,-0.5
3,-4,0,4.0
4,9,3,-2.0
5,7,,0.0
";

#[tokio::test]
async fn results_sqlite_gives_as_null_are_null() {
    let engine = engine();
    let (_dir, path) = csv_file("n.csv", NUMBERS);
    let (report, parquet) = ingest(&engine, &path).await;
    let catalog = catalog(&report.unwrap(), &[]);
    let (t, f) = (true, false);
    let cases: &[(&str, Value)] = &[
        (
            "SELECT COUNT(a / b), AVG(a / b), SUM(a / b) FROM data",
            json!([[2, 4.0, 8.0]]),
        ),
        (
            "SELECT id FROM data WHERE a / b IS NULL ORDER BY id",
            json!([[2], [3], [5]]),
        ),
        (
            "SELECT id, a / b FROM data ORDER BY a / b DESC, id",
            json!([[1, 5.0], [4, 3.0], [2, null], [3, null], [5, null]]),
        ),
        (
            "SELECT id, COALESCE(a / b, -1), a % b, MOD(a, b) FROM data ORDER BY id",
            json!([
                [1, 5.0, 0, 0],
                [2, -1.0, null, null],
                [3, -1.0, null, null],
                [4, 3.0, 0, 0],
                [5, -1.0, null, null]
            ]),
        ),
        (
            "SELECT COUNT(*) FROM data WHERE a / b > 1 OR a / b < 1",
            json!([[2]]),
        ),
        (
            "SELECT id, SQRT(f) IS NULL, LN(f) IS NULL, LOG10(f) IS NULL, LOG2(f) IS NULL, LOG(f) IS NULL, \
             POWER(f, 0.5) IS NULL, ACOS(f * 2) IS NULL, ASIN(f * 2) IS NULL, LOG(2, f) IS NULL, \
             POWER(f, id) IS NULL FROM data ORDER BY id",
            json!([
                [1, f, f, f, f, f, f, f, f, f, f],
                [2, t, t, t, t, t, t, f, f, t, f],
                [3, f, f, f, f, f, f, t, t, f, f],
                [4, t, t, t, t, t, t, t, t, t, f],
                [5, f, t, t, t, t, f, f, f, t, f]
            ]),
        ),
        (
            "SELECT COUNT(SQRT(f)), COUNT(LN(f)), COUNT(LOG(10, f)), COUNT(ACOS(f)), COUNT(POWER(f, 0.5)), \
             COUNT(POWER(f, 3)) FROM data",
            json!([[3, 2, 2, 3, 3, 5]]),
        ),
        (
            "SELECT id, SQRT(f), LOG2(f), POWER(f, 0.5), POWER(f, 3) FROM data ORDER BY id",
            json!([
                [1, 0.5, -2.0, 0.5, 0.015625],
                [2, null, null, null, -0.125],
                [3, 2.0, 2.0, 2.0, 64.0],
                [4, null, null, null, -8.0],
                [5, 0.0, null, 0.0, 0.0]
            ]),
        ),
    ];
    expect_rows(&engine, &parquet, &catalog, cases).await;
}

/// Starts 1, 0, -1, -2, minus the length, one before that, 2 and one past the end, per row (a computed
/// start), with lengths 2, 0, -2, NULL and 5; and literal negative starts.
const STARTS: &str = "id,s,k,n
1,abc,1,0
2,abc,0,-2
3,abc,-1,
4,abc,-2,5
5,abc,-3,2
6,abc,-4,0
7,abc,2,-2
8,abc,4,
9,abcdef,1,5
10,abcdef,0,2
11,abcdef,-1,0
12,abcdef,-2,-2
13,abcdef,-6,
14,abcdef,-7,5
15,abcdef,2,2
16,abcdef,7,0
17,héllo,1,-2
18,héllo,0,
19,héllo,-1,5
20,héllo,-2,2
21,héllo,-5,0
22,héllo,-6,-2
23,héllo,2,
24,héllo,6,5
25,,-1,2
26,abc,,2
";

#[tokio::test]
async fn substr_starts_of_zero_or_less_count_as_in_sqlite() {
    let engine = engine();
    let (_dir, path) = csv_file("s.csv", STARTS.as_bytes());
    let (report, parquet) = ingest(&engine, &path).await;
    let catalog = catalog(&report.unwrap(), &[]);
    let abc = ["abc", "bc", "b", "a", "a"];
    let abcdef = ["cdef", "ef", "e", "cd", "a"];
    let hello = ["éllo", "lo", "l", "él", "h"];
    let per_row: &[(Value, Value, [&str; 5])] = &[
        (json!("abc"), json!(""), abc),
        (json!("abc"), json!(""), abc),
        (json!("c"), json!(null), abc),
        (json!("bc"), json!("bc"), abc),
        (json!("abc"), json!("ab"), abc),
        (json!("abc"), json!(""), abc),
        (json!("bc"), json!("a"), abc),
        (json!(""), json!(null), abc),
        (json!("abcdef"), json!("abcde"), abcdef),
        (json!("abcdef"), json!("a"), abcdef),
        (json!("f"), json!(""), abcdef),
        (json!("ef"), json!("cd"), abcdef),
        (json!("abcdef"), json!(null), abcdef),
        (json!("abcdef"), json!("abcd"), abcdef),
        (json!("bcdef"), json!("bc"), abcdef),
        (json!(""), json!(""), abcdef),
        (json!("héllo"), json!(""), hello),
        (json!("héllo"), json!(null), hello),
        (json!("o"), json!("o"), hello),
        (json!("lo"), json!("lo"), hello),
        (json!("héllo"), json!(""), hello),
        (json!("héllo"), json!(""), hello),
        (json!("éllo"), json!(null), hello),
        (json!(""), json!(""), hello),
    ];
    let mut rows: Vec<Value> = per_row
        .iter()
        .enumerate()
        .map(|(i, (from, with_length, literal))| {
            let mut row = vec![json!(i + 1), from.clone(), with_length.clone()];
            row.extend(literal.iter().map(|s| json!(s)));
            Value::Array(row)
        })
        .collect();
    rows.push(json!([25, null, null, null, null, null, null, null]));
    rows.push(json!([26, null, null, "abc", "bc", "b", "a", "a"]));
    let sql = "SELECT id, SUBSTR(s, k), SUBSTR(s, k, n), SUBSTR(s, LENGTH(s) - 3), SUBSTR(s, -2), \
               SUBSTR(s, -2, 1), SUBSTR(s, -4, 2), SUBSTR(s, 0, 2) FROM data ORDER BY id";
    expect_rows(&engine, &parquet, &catalog, &[(sql, Value::Array(rows))]).await;
    // The SQL standard's spelling takes the same reading.
    let sql = "SELECT SUBSTRING(s FROM k FOR 2) FROM data WHERE id IN (3, 5, 6) ORDER BY id";
    expect_rows(
        &engine,
        &parquet,
        &catalog,
        &[(sql, json!([["c"], ["ab"], ["a"]]))],
    )
    .await;
}

const PEOPLE: &[u8] = b"id,name,city,dept,salary
1,Ada,adams,HR,50
2,Bob,Paris,HR,60
3,cy,Cyprus,IT,90
4,Di,Rome,IT,70
5,Ed,,IT,80
6,Flo,Oslo,Ops,40
";

#[tokio::test]
async fn nulls_names_and_patterns_read_as_sqlite_reads_them() {
    let engine = engine();
    let (_dir, path) = csv_file("p.csv", PEOPLE);
    let (report, parquet) = ingest(&engine, &path).await;
    let catalog = catalog(&report.unwrap(), &[]);
    let cases: &[(&str, Value)] = &[
        (
            "SELECT id, CASE WHEN NULL THEN 'a' ELSE 'b' END, CASE WHEN id > 1 AND NULL THEN 'a' ELSE 'b' END, \
             CASE WHEN id > 1 OR NULL THEN 'a' ELSE 'b' END, REPLACE(name, 'a', NULL), REPLACE(NULL, 'a', 'b'), \
             LOWER(REPLACE(name, NULL, 'x')), SUBSTR(name, NULL), LENGTH(NULL), INSTR(name, NULL), \
             IIF(NULL, 'a', 'b'), TRIM(NULL), ROUND(salary, NULL), UPPER(NULL) || 'x' \
             FROM data WHERE id <= 2 ORDER BY id",
            json!([
                [
                    1, "b", "b", "b", null, null, null, null, null, null, "b", null, null, null
                ],
                [
                    2, "b", "b", "a", null, null, null, null, null, null, "b", null, null, null
                ]
            ]),
        ),
        ("SELECT id FROM data WHERE NULL OR id = 2", json!([[2]])),
        (
            "SELECT COUNT(*) FROM data WHERE id = 1 AND NULL",
            json!([[0]]),
        ),
        (
            "SELECT dept, SUM(salary) AS total FROM data GROUP BY dept ORDER BY total / COUNT(*) DESC",
            json!([["IT", 240], ["HR", 110], ["Ops", 40]]),
        ),
        (
            "SELECT dept, SUM(salary) AS total, COUNT(*) AS n FROM data GROUP BY dept ORDER BY total / n, dept",
            json!([["Ops", 40, 1], ["HR", 110, 2], ["IT", 240, 3]]),
        ),
        (
            "SELECT dept, MAX(salary) AS top FROM data GROUP BY dept ORDER BY -top",
            json!([["IT", 90], ["HR", 60], ["Ops", 40]]),
        ),
        (
            "SELECT id FROM data WHERE city LIKE name || '%' ORDER BY id",
            json!([[1], [3]]),
        ),
        (
            "SELECT id FROM data WHERE city NOT LIKE name || '%' ORDER BY id",
            json!([[2], [4], [6]]),
        ),
        (
            "SELECT id FROM data WHERE city LIKE '%' || SUBSTR(name, 2) ORDER BY id",
            json!([[6]]),
        ),
        // A pattern concatenated from literals alone is that literal pattern (it was refused as computed).
        (
            "SELECT id FROM data WHERE name LIKE '%' || 'o' ORDER BY id",
            json!([[6]]),
        ),
        (
            "SELECT id FROM data WHERE city LIKE ('C' || '%') OR name NOT LIKE '%' || 'd' || '%' ORDER BY id",
            json!([[2], [3], [6]]),
        ),
        (
            "SELECT id, city LIKE '%' || LOWER(SUBSTR(name, 1, 1)) || '%' FROM data ORDER BY id",
            json!([
                [1, true],
                [2, false],
                [3, true],
                [4, false],
                [5, null],
                [6, false]
            ]),
        ),
    ];
    expect_rows(&engine, &parquet, &catalog, cases).await;
}

#[tokio::test]
async fn a_derived_table_that_aggregates_without_group_by_is_one_row() {
    let engine = engine();
    let (_dir, path) = csv_file("p.csv", PEOPLE);
    let (report, parquet) = ingest(&engine, &path).await;
    let catalog = catalog(&report.unwrap(), &[]);
    let cases: &[(&str, Value)] = &[
        (
            "SELECT COUNT(*) FROM (SELECT MAX(salary) AS m FROM data) AS e",
            json!([[1]]),
        ),
        (
            "SELECT COUNT(*) FROM (SELECT MAX(salary) AS m FROM data WHERE id > 100) AS e",
            json!([[1]]),
        ),
        (
            "WITH e AS (SELECT SUM(salary) AS m, MIN(id) AS i FROM data) SELECT COUNT(*) FROM e",
            json!([[1]]),
        ),
        (
            "SELECT COUNT(*) FROM data CROSS JOIN (SELECT MAX(salary) AS m FROM data) AS e",
            json!([[6]]),
        ),
        (
            "SELECT COUNT(*) FROM (SELECT MAX(salary) AS m FROM data UNION ALL SELECT MIN(salary) FROM data) AS e",
            json!([[2]]),
        ),
        (
            "SELECT COUNT(*) FROM (SELECT MAX(salary) AS m FROM data LIMIT 5) AS e",
            json!([[1]]),
        ),
        (
            "SELECT COUNT(*) FROM (SELECT name, MAX(salary) AS m FROM data) AS e",
            json!([[1]]),
        ),
        (
            "SELECT COUNT(*) FROM (SELECT MAX(salary) AS m FROM data HAVING MAX(salary) > 1000) AS e",
            json!([[0]]),
        ),
        (
            "SELECT COUNT(*) FROM (SELECT dept, MAX(salary) AS m FROM data GROUP BY dept) AS e",
            json!([[3]]),
        ),
    ];
    expect_rows(&engine, &parquet, &catalog, cases).await;
}

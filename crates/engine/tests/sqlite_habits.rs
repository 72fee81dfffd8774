//! SQL that SQLite users write, once refused or typed otherwise, through real workers: each answer is the one
//! SQLite 3.40 gives for the same table (checked with the sqlite3 shell, the columns typed as ingest types
//! them: INTEGER, REAL, TEXT, dates as TEXT). Where SQLite answers a condition in SELECT as 1 or 0 (Polars:
//! true or false), the query asks for it through a CASE.

mod common;

use common::*;
use serde_json::{Value, json};

#[tokio::test]
async fn exists_glob_typeof_total_and_star_using_answer_as_sqlite() {
    let engine = engine();
    let (_dir, path) = csv_file("staff.csv", STAFF);
    let (report, parquet) = ingest(&engine, &path).await;
    let catalog = catalog(&report.unwrap(), &[]);
    let cases: &[(&str, Value)] = &[
        // EXISTS and NOT EXISTS, uncorrelated: true iff the subquery has a row.
        (
            "SELECT id FROM data WHERE EXISTS (SELECT 1 FROM data WHERE salary > 85000) ORDER BY id",
            json!([[1], [2], [3], [4], [5], [6]]),
        ),
        (
            "SELECT id FROM data WHERE NOT EXISTS (SELECT 1 FROM data WHERE salary > 100000) AND dept = 'IT' ORDER BY id",
            json!([[3], [4], [5]]),
        ),
        (
            "SELECT COUNT(*) FROM data WHERE EXISTS (SELECT 1 FROM data WHERE salary > 100000)",
            json!([[0]]),
        ),
        (
            "SELECT id, CASE WHEN EXISTS (SELECT 1 FROM data WHERE bonus IS NULL AND dept = 'Ops') THEN 'y' ELSE 'n' END, \
             CASE WHEN NOT EXISTS (SELECT name FROM data WHERE dept = 'Ops' AND bonus IS NOT NULL) THEN 1 ELSE 0 END \
             FROM data WHERE id < 3 ORDER BY id",
            json!([[1, "y", 1], [2, "y", 1]]),
        ),
        // A grouped subquery has a row per group left; an aggregate without GROUP BY always one row.
        (
            "SELECT CASE WHEN EXISTS (SELECT dept FROM data GROUP BY dept HAVING COUNT(*) > 2) THEN 1 ELSE 0 END, \
             CASE WHEN EXISTS (SELECT dept FROM data GROUP BY dept HAVING COUNT(*) > 3) THEN 1 ELSE 0 END, \
             CASE WHEN EXISTS (SELECT MAX(salary) FROM data WHERE salary > 1000000000) THEN 1 ELSE 0 END",
            json!([[1, 0, 1]]),
        ),
        (
            "SELECT COUNT(*) FROM data WHERE EXISTS (SELECT MAX(salary) FROM data HAVING MAX(salary) > 85000) \
             AND NOT EXISTS (SELECT MAX(salary) FROM data HAVING MAX(salary) > 95000) AND EXISTS (SELECT 1)",
            json!([[6]]),
        ),
        (
            "SELECT COUNT(*) FROM data WHERE EXISTS (SELECT id FROM data ORDER BY id LIMIT 1 OFFSET 6)",
            json!([[0]]),
        ),
        (
            "SELECT COUNT(*) FROM data WHERE EXISTS (SELECT id FROM data ORDER BY id LIMIT 1 OFFSET 5)",
            json!([[6]]),
        ),
        (
            "WITH it AS (SELECT * FROM data WHERE dept = 'IT') SELECT name FROM data WHERE dept = 'HR' \
             AND EXISTS (SELECT 1 FROM it WHERE salary > 85000) ORDER BY name",
            json!([["Ada"], ["Bob"]]),
        ),
        (
            "SELECT dept, COUNT(*) FROM data GROUP BY dept HAVING NOT EXISTS (SELECT 1 FROM data WHERE salary < 0) ORDER BY dept",
            json!([["HR", 2], ["IT", 3], ["Ops", 1]]),
        ),
        // GLOB: case-sensitive, `*`, `?`, classes, the whole value; `.` is itself.
        (
            "SELECT name FROM data WHERE name GLOB '*[aeiou]*' ORDER BY name",
            json!([["Ada"], ["Bob"], ["Di"], ["Flo"]]),
        ),
        (
            "SELECT name FROM data WHERE name NOT GLOB 'A*' AND name GLOB '??' ORDER BY name",
            json!([["Cy"], ["Di"], ["Ed"]]),
        ),
        (
            "SELECT name FROM data WHERE name GLOB 'A.a' OR name GLOB 'a*' OR name GLOB '[^A-Z]*'",
            json!([]),
        ),
        (
            "SELECT id FROM data WHERE dept GLOB '[H-I]*' AND salary GLOB '[5-6]*' ORDER BY id",
            json!([[1], [2]]),
        ),
        (
            "SELECT id FROM data WHERE hired GLOB '20[12][0-9]-*' AND ts GLOB '* [01]?:*' ORDER BY id",
            json!([[1], [3], [4], [5], [6]]),
        ),
        (
            "SELECT id FROM data WHERE bonus NOT GLOB '1*' ORDER BY id",
            json!([[3], [5]]),
        ),
        (
            "SELECT COUNT(*) FROM data WHERE name GLOB '*' AND dept GLOB '[]I]T'",
            json!([[3]]),
        ),
        // typeof: the storage class SQLite would hold, 'null' on a row whose value is NULL.
        (
            "SELECT typeof(id), typeof(name), typeof(salary), typeof(bonus), typeof(hired), typeof(ts), \
             typeof(1.5), typeof('x'), typeof(NULL), typeof(3) FROM data WHERE id <= 2 ORDER BY id",
            json!([
                [
                    "integer", "text", "integer", "integer", "text", "text", "real", "text",
                    "null", "integer"
                ],
                [
                    "integer", "text", "integer", "null", "text", "text", "real", "text", "null",
                    "integer"
                ]
            ]),
        ),
        (
            "SELECT typeof(bonus), COUNT(*) FROM data GROUP BY 1 ORDER BY 1",
            json!([["integer", 3], ["null", 3]]),
        ),
        // TOTAL: a float, 0.0 over no rows or only NULLs.
        (
            "SELECT TOTAL(salary), TOTAL(bonus), SUM(bonus) FROM data",
            json!([[390000.0, 900.0, 900]]),
        ),
        (
            "SELECT TOTAL(bonus), TOTAL(salary) FROM data WHERE bonus IS NULL AND id > 100",
            json!([[0.0, 0.0]]),
        ),
        (
            "SELECT TOTAL(bonus) FROM data WHERE bonus IS NULL",
            json!([[0.0]]),
        ),
        (
            "SELECT dept, TOTAL(bonus) FROM data GROUP BY dept ORDER BY dept",
            json!([["HR", 100.0], ["IT", 800.0], ["Ops", 0.0]]),
        ),
        (
            "SELECT id, TOTAL(bonus) OVER (ORDER BY id) FROM data ORDER BY id",
            json!([
                [1, 100.0],
                [2, 100.0],
                [3, 400.0],
                [4, 400.0],
                [5, 900.0],
                [6, 900.0]
            ]),
        ),
        ("SELECT TOTAL(DISTINCT bonus) FROM data", json!([[900.0]])),
        // SELECT * over a join USING: the key once, where the first table has it; `a.*, b.*` keeps both.
        (
            "WITH d AS (SELECT dept, MAX(salary) AS top FROM data GROUP BY dept) \
             SELECT * FROM d JOIN (SELECT name, dept, id FROM data) AS s USING (dept) ORDER BY id",
            json!([
                ["HR", 60000, "Ada", 1],
                ["HR", 60000, "Bob", 2],
                ["IT", 90000, "Cy", 3],
                ["IT", 90000, "Di", 4],
                ["IT", 90000, "Ed", 5],
                ["Ops", 40000, "Flo", 6]
            ]),
        ),
        (
            "WITH hr AS (SELECT id, bonus, name FROM data WHERE dept = 'HR') \
             SELECT * FROM (SELECT id, name FROM data) AS p LEFT JOIN hr USING (id) ORDER BY id",
            json!([
                [1, "Ada", 100, "Ada"],
                [2, "Bob", null, "Bob"],
                [3, "Cy", null, null],
                [4, "Di", null, null],
                [5, "Ed", null, null],
                [6, "Flo", null, null]
            ]),
        ),
        (
            "SELECT p.*, q.* FROM (SELECT id, name FROM data) p JOIN (SELECT id, dept FROM data) q USING (id) WHERE id = 3",
            json!([[3, "Cy", 3, "IT"]]),
        ),
        (
            "SELECT * FROM data a JOIN data b USING (id, dept) WHERE id = 1",
            // A datetime cell is ISO 8601 in JSON: SQLite's text with a `T`.
            json!([[
                1,
                "Ada",
                "HR",
                50000,
                100,
                "2020-02-12",
                "2024-01-01T10:30:00",
                "Ada",
                50000,
                100,
                "2020-02-12",
                "2024-01-01T10:30:00"
            ]]),
        ),
    ];
    expect_rows(&engine, &parquet, &catalog, cases).await;
}

#[tokio::test]
async fn typeof_and_total_of_a_real_column_and_star_using_names() {
    let engine = engine();
    let (_dir, path) = csv_file("prices.csv", b"id,price,label\n1,2.5,a\n2,,b\n3,4,\n");
    let (report, parquet) = ingest(&engine, &path).await;
    let catalog = catalog(&report.unwrap(), &[]);
    let cases: &[(&str, Value)] = &[
        (
            "SELECT id, typeof(price), typeof(label), TOTAL(price) OVER (ORDER BY id) FROM data ORDER BY id",
            json!([
                [1, "real", "text", 2.5],
                [2, "null", "text", 2.5],
                [3, "real", "null", 6.5]
            ]),
        ),
        (
            "SELECT typeof(price), COUNT(*) FROM data GROUP BY 1 ORDER BY 1",
            json!([["null", 1], ["real", 2]]),
        ),
        (
            "SELECT TOTAL(price), TOTAL(id) FROM data WHERE label GLOB '[a]'",
            json!([[2.5, 1.0]]),
        ),
    ];
    expect_rows(&engine, &parquet, &catalog, cases).await;

    // The key once, under its own name; a second `name` under Polars' suffix, as with any `*`.
    let sql = "WITH hr AS (SELECT id, label AS tag, price FROM data) \
               SELECT * FROM (SELECT id, label, price FROM data) AS p JOIN hr USING (id) ORDER BY id";
    let out = query(&engine, &parquet, &catalog, sql).await.unwrap();
    let names: Vec<&str> = out.table.columns.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["id", "label", "price", "tag", "price:hr"]);
}

/// GLOB on a boolean matches SQLite's 1 or 0 (ingest's true/false are SQLite's 1/0), on a real its text with
/// `.0`; an alias in the HAVING of an aggregate under EXISTS is the aggregate it names.
#[tokio::test]
async fn glob_of_a_boolean_and_an_exists_having_alias_answer_as_sqlite() {
    let engine = engine();
    let (_dir, path) = csv_file(
        "flags.csv",
        b"id,active,price\n1,true,2.5\n2,false,4\n3,,10\n",
    );
    let (report, parquet) = ingest(&engine, &path).await;
    let catalog = catalog(&report.unwrap(), &[]);
    let cases: &[(&str, Value)] = &[
        (
            "SELECT id FROM data WHERE active GLOB '1' ORDER BY id",
            json!([[1]]),
        ),
        (
            "SELECT id FROM data WHERE active NOT GLOB '1' ORDER BY id",
            json!([[2]]),
        ),
        (
            "SELECT id FROM data WHERE price GLOB '*.0' ORDER BY id",
            json!([[2], [3]]),
        ),
        (
            "SELECT COUNT(*) FROM data WHERE EXISTS (SELECT MAX(price) AS m FROM data HAVING m > 5)",
            json!([[3]]),
        ),
        (
            "SELECT COUNT(*) FROM data WHERE EXISTS (SELECT MAX(price) AS m FROM data HAVING m > 50)",
            json!([[0]]),
        ),
    ];
    expect_rows(&engine, &parquet, &catalog, cases).await;
}

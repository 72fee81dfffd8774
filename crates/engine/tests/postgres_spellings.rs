//! SQL in the PostgreSQL spelling models write, which Polars SQL lacks or refuses, through real workers:
//! `DATE_TRUNC`, `SUM(DISTINCT x)`, a datetime `IN` list, a date part compared with `'2024'`. Answers are
//! SQLite's (Python's sqlite3) where SQLite has the function, else PostgreSQL's by hand (dates as dates).

mod common;

use common::*;
use serde_json::{Value, json};
use sqlguard::ValidatedQuery;

#[tokio::test]
async fn postgres_spellings_answer_as_in_postgres() {
    let engine = engine();
    let (_dir, path) = csv_file("staff.csv", STAFF);
    let (report, parquet) = ingest(&engine, &path).await;
    let catalog = catalog(&report.unwrap(), &[]);
    let cases: &[(&str, Value)] = &[
        // Weeks start on Monday (2020-02-12 is a Wednesday, 2018-05-20 a Sunday); quarters on their first month.
        (
            "SELECT id, DATE_TRUNC('month', hired), DATE_TRUNC('quarter', hired), date_trunc('YEAR', hired), \
             DATE_TRUNC('week', hired), DATE_TRUNC('day', hired) FROM data ORDER BY id",
            json!([
                [
                    1,
                    "2020-02-01",
                    "2020-01-01",
                    "2020-01-01",
                    "2020-02-10",
                    "2020-02-12"
                ],
                [
                    2,
                    "2021-03-01",
                    "2021-01-01",
                    "2021-01-01",
                    "2021-03-01",
                    "2021-03-01"
                ],
                [
                    3,
                    "2019-12-01",
                    "2019-10-01",
                    "2019-01-01",
                    "2019-12-30",
                    "2019-12-31"
                ],
                [
                    4,
                    "2022-07-01",
                    "2022-07-01",
                    "2022-01-01",
                    "2022-07-04",
                    "2022-07-04"
                ],
                [
                    5,
                    "2018-05-01",
                    "2018-04-01",
                    "2018-01-01",
                    "2018-05-14",
                    "2018-05-20"
                ],
                [
                    6,
                    "2023-11-01",
                    "2023-10-01",
                    "2023-01-01",
                    "2023-11-06",
                    "2023-11-11"
                ]
            ]),
        ),
        // A datetime: units of a day or longer give a date, shorter ones a timestamp; bare and plural units,
        // and BigQuery's order.
        (
            "SELECT DATE_TRUNC('hour', ts), DATE_TRUNC(minutes, ts), DATE_TRUNC('day', ts), \
             DATE_TRUNC(ts, MONTH), DATE_TRUNC('week', ts) FROM data WHERE id = 2",
            json!([[
                "2024-01-01T23:00:00",
                "2024-01-01T23:59:00",
                "2024-01-01",
                "2024-01-01",
                "2024-01-01"
            ]]),
        ),
        // The usual monthly count, grouped by the SELECT name, and a difference of truncated dates in days.
        (
            "SELECT DATE_TRUNC('year', hired) AS y, COUNT(*) AS n FROM data WHERE id <= 3 GROUP BY y ORDER BY y",
            json!([["2019-01-01", 1], ["2020-01-01", 1], ["2021-01-01", 1]]),
        ),
        (
            "SELECT DATE_TRUNC('month', hired) - DATE_TRUNC('year', hired) AS days FROM data WHERE id = 1",
            json!([[31]]),
        ),
        // SUM and AVG of distinct values; a group whose values are all NULL sums to NULL.
        (
            "SELECT SUM(DISTINCT bonus), AVG(DISTINCT bonus), SUM(DISTINCT LENGTH(dept)), \
             AVG(DISTINCT LENGTH(dept)) FROM data",
            json!([[900, 300.0, 5, 2.5]]),
        ),
        (
            "SELECT dept, SUM(DISTINCT bonus) AS b, AVG(DISTINCT LENGTH(name)) AS l FROM data \
             GROUP BY dept ORDER BY dept",
            json!([["HR", 100, 3.0], ["IT", 800, 2.0], ["Ops", null, 3.0]]),
        ),
        // A datetime compared with a list of its texts; NOT IN keeps the rest.
        (
            "SELECT id FROM data WHERE ts IN ('2024-01-01 10:30:00', '2024-01-02 00:00:00') ORDER BY id",
            json!([[1], [3]]),
        ),
        (
            "SELECT id FROM data WHERE ts NOT IN ('2024-01-01 10:30:00', '2024-01-02 00:00:00') ORDER BY id",
            json!([[2], [4], [5], [6]]),
        ),
        (
            "SELECT id FROM data WHERE hired IN ('2020-02-12 00:00:00', '2019-12-31 00:00:00') ORDER BY id",
            json!([[1], [3]]),
        ),
        // A year or month alone compares with the date's text, as in SQLite.
        (
            "SELECT id FROM data WHERE hired >= '2022' OR (hired < '2020-01' AND ts >= '2024-01') ORDER BY id",
            json!([[3], [4], [5], [6]]),
        ),
        // A computed date against a date's text; BETWEEN with years alone (the date's text, as in SQLite).
        (
            "SELECT id FROM data WHERE DATE_TRUNC('month', hired) = '2020-02-01' OR \
             DATE_TRUNC('year', ts) BETWEEN '2023-06-01' AND '2023-12-31' OR hired BETWEEN '2018' AND '2019' \
             ORDER BY id",
            json!([[1], [5]]),
        ),
        // A group key's SELECT name in HAVING, where a column has that name too: the name, as MySQL reads it
        // (SQLite takes one row's `name` per group, which matches nothing; PostgreSQL refuses).
        (
            "SELECT dept AS name, COUNT(*) AS n FROM data GROUP BY dept HAVING name = 'IT'",
            json!([["IT", 3]]),
        ),
        // A date part is a number, also when the model writes the year as text.
        (
            "SELECT id FROM data WHERE EXTRACT(YEAR FROM hired) = '2020' OR DATE_PART('year', hired) IN ('2021') \
             ORDER BY id",
            json!([[1], [2]]),
        ),
    ];
    expect_rows(&engine, &parquet, &catalog, cases).await;
}

/// A literal needle is text, not a pattern: Polars' STRPOS read it as a regular expression (`INSTR(s, '.')`
/// found any character, `'('` failed), and RIGHT dropped characters of a string shorter than asked.
/// Answers from Python's sqlite3 (RIGHT, which SQLite lacks, as PostgreSQL's).
#[tokio::test]
async fn text_calls_take_their_arguments_literally() {
    let engine = engine();
    let csv = "id,s\n1,hello world\n2,a.c\n3,(x)\n4,東京\n5,\n".as_bytes();
    let (_dir, path) = csv_file("t.csv", csv);
    let (report, parquet) = ingest(&engine, &path).await;
    let catalog = catalog(&report.unwrap(), &[]);
    let sql = "SELECT id, INSTR(s, '.'), STRPOS(s, '('), POSITION(')' IN s), INSTR(s, 'l+'), \
               RIGHT(s, 3), RIGHT(s, 1), SUBSTR(s, 1, INSTR(s, '.') - 1) FROM data ORDER BY id";
    let out = query(&engine, &parquet, &catalog, sql).await.unwrap();
    assert_eq!(
        json!(out.table.rows),
        json!([
            [1, 0, 0, 0, 0, "rld", "d", ""],
            [2, 2, 0, 0, 0, "a.c", "c", "a"],
            [3, 0, 1, 3, 0, "(x)", ")", ""],
            [4, 0, 0, 0, 0, "東京", "京", ""],
            [5, null, null, null, null, null, null, null]
        ])
    );
    // SQLite: a negative length takes the characters before the start; a NULL length gives NULL.
    let sql = "SELECT SUBSTR('abcdef', 4, -2), SUBSTR('abcdef', 2, -5), SUBSTR(s, 1, CAST(NULL AS INT)), \
               SUBSTR(s, 2, id - 1) FROM data WHERE id = 2";
    let out = query(&engine, &parquet, &catalog, sql).await.unwrap();
    assert_eq!(json!(out.table.rows), json!([["bc", "a", null, "."]]));
}

/// Literals of another type than their column, numbers as conditions and as text, MySQL's date parts,
/// SQLite's TRIM with characters, and a HAVING that names an aggregate by its SELECT name where a column
/// has the same name. Answers from Python's sqlite3, except the true/false column (PostgreSQL's reading of
/// its texts; SQLite has no such type) and the HAVING (the SELECT name, as MySQL reads it: SQLite took one
/// row's salary, which the author cannot have meant).
#[tokio::test]
async fn literals_of_another_type_read_as_sql_reads_them() {
    let engine = engine();
    let csv = b"id,flag,active,code,salary,dept,name,hired
1,1,True,7,50000,HR,Ada,2020-02-12
2,0,False,07,60000,HR,Bob,2021-03-01
3,1,True,8,90000,IT,Cy,2019-12-31
4,0,,x,70000,IT,Di,2022-07-04
5,1,False,7,80000,IT,Ed,2018-05-20
";
    let (_dir, path) = csv_file("t.csv", csv);
    let (report, parquet) = ingest(&engine, &path).await;
    let report = report.unwrap();
    let catalog = catalog(&report, &[]);
    let cases: &[(&str, Value)] = &[
        (
            "SELECT id FROM data WHERE flag ORDER BY id",
            json!([[1], [3], [5]]),
        ),
        (
            "SELECT id, CASE WHEN flag THEN 'y' ELSE 'n' END FROM data WHERE NOT flag OR id = 1 ORDER BY id",
            json!([[1, "y"], [2, "n"], [4, "n"]]),
        ),
        (
            "SELECT id FROM data WHERE code = 7 ORDER BY id",
            json!([[1], [5]]),
        ),
        (
            "SELECT id FROM data WHERE code IN (7, 8) ORDER BY id",
            json!([[1], [3], [5]]),
        ),
        (
            "SELECT LENGTH(salary), SUBSTR(salary, 1, 2) FROM data WHERE id = 1",
            json!([[5, "50"]]),
        ),
        (
            "SELECT COUNT(*) FILTER (WHERE flag) FROM data",
            json!([[3]]),
        ),
        (
            "SELECT id FROM data WHERE CAST(EXTRACT(MONTH FROM hired) AS TEXT) = '2'",
            json!([[1]]),
        ),
        (
            "SELECT id FROM data WHERE active = 'True' ORDER BY id",
            json!([[1], [3]]),
        ),
        (
            "SELECT id FROM data WHERE active <> 'yes' ORDER BY id",
            json!([[2], [5]]),
        ),
        (
            "SELECT id FROM data WHERE active IN (1) ORDER BY id",
            json!([[1], [3]]),
        ),
        (
            "SELECT dept, SUM(salary) AS salary FROM data GROUP BY dept HAVING salary > 150000 ORDER BY dept",
            json!([["IT", 240000]]),
        ),
        (
            "SELECT YEAR(hired), MONTH(hired), DAY(hired), QUARTER(hired) FROM data WHERE id = 1",
            json!([[2020, 2, 12, 1]]),
        ),
        (
            "SELECT TRIM('xxhixx', 'x'), TRIM(name, 'A') FROM data WHERE id = 1",
            json!([["hi", "da"]]),
        ),
    ];
    expect_rows(&engine, &parquet, &catalog, cases).await;
    // Text that spells neither true nor false is refused, naming the column.
    let issues = ValidatedQuery::parse("SELECT id FROM data WHERE active = 'banana'", &catalog)
        .expect_err("compared a true/false column with 'banana'");
    assert!(
        issues[0].message.contains("`\"active\"` holds true/false"),
        "{issues:?}"
    );
}

/// Dates kept as text (a column of dates with one value that is not a date is text): SQLite's date functions
/// read each value, NULL where it is no date; Polars refused the column. Answers from Python's sqlite3
/// (EXTRACT and DATE_TRUNC, which SQLite lacks, by hand).
#[tokio::test]
async fn dates_kept_as_text_are_read_value_by_value() {
    let engine = engine();
    let csv = "id,d,t\n1,2020-01-05,2024-01-01 10:30:00\n2,bad,2024-02-01T08:00:00\n3,2021-07-09,none\n4,,2024-03-05\n"
        .as_bytes();
    let (_dir, path) = csv_file("t.csv", csv);
    let (report, parquet) = ingest(&engine, &path).await;
    let catalog = catalog(&report.unwrap(), &[]);
    let sql = "SELECT id, strftime('%Y', d), strftime('%m', t), EXTRACT(YEAR FROM d), DATE_PART('hour', t), \
               DATE_TRUNC('month', d) FROM data ORDER BY id";
    let out = query(&engine, &parquet, &catalog, sql).await.unwrap();
    assert_eq!(
        json!(out.table.rows),
        json!([
            [1, "2020", "01", 2020, 10, "2020-01-01"],
            [2, null, "02", null, 8, null],
            [3, "2021", null, 2021, null, "2021-07-01"],
            [4, null, "03", null, 0, null]
        ])
    );
    let once = ValidatedQuery::parse(sql, &catalog).unwrap();
    let twice = ValidatedQuery::parse(once.sql(), &catalog).unwrap();
    assert_eq!(once.sql(), twice.sql());
}

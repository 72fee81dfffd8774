//! Queries Polars once answered wrongly with no error, through real workers: each answer is the one SQLite
//! gives for the same table (checked with Python's sqlite3; EXTRACT, which SQLite lacks, by hand).

mod common;

use common::*;
use serde_json::{Value, json};

#[tokio::test]
async fn answers_match_sqlite() {
    let engine = engine();
    let (_dir, path) = csv_file("staff.csv", STAFF);
    let (report, parquet) = ingest(&engine, &path).await;
    let catalog = catalog(&report.unwrap(), &[]);
    let cases: &[(&str, Value)] = &[
        // Counts, ranks and lengths are u32 in Polars: subtracting wrapped to 4294967293.
        ("SELECT COUNT(bonus) - COUNT(*) FROM data", json!([[-3]])),
        (
            "SELECT dept, COUNT(*) - 3 AS d FROM data GROUP BY dept ORDER BY dept",
            json!([["HR", -1], ["IT", 0], ["Ops", -2]]),
        ),
        (
            "SELECT dept FROM data GROUP BY dept HAVING COUNT(*) - 2 > 0",
            json!([["IT"]]),
        ),
        ("SELECT -COUNT(*) FROM data", json!([[-6]])),
        (
            "SELECT ROW_NUMBER() OVER (ORDER BY id) - 5 AS r, LENGTH(name) - 10 AS l FROM data ORDER BY id LIMIT 1",
            json!([[-4, -7]]),
        ),
        // Date parts are i8/i16: * 100 wrapped to -56.
        (
            "SELECT EXTRACT(MONTH FROM hired) * 100, EXTRACT(HOUR FROM ts) * 60 + EXTRACT(MINUTE FROM ts) FROM data WHERE id = 2",
            json!([[300, 1439]]),
        ),
        // Integer literals and CAST(... AS INT) are i32: past 2^31 they wrapped.
        (
            "SELECT SUM(CASE WHEN salary > 0 THEN 1000000000 ELSE 0 END) FROM data",
            json!([[6_000_000_000_i64]]),
        ),
        (
            "SELECT CAST(COUNT(*) AS INT) * 1000000000 FROM data",
            json!([[6_000_000_000_i64]]),
        ),
        // SUM of a constant was the constant (Polars sums the literal once), and an integer literal in IF
        // was i32.
        (
            "SELECT dept, SUM(1) AS n, SUM(IF(salary > 0, 1000000000, 0)) AS big FROM data GROUP BY dept ORDER BY dept",
            json!([
                ["HR", 2, 2_000_000_000_i64],
                ["IT", 3, 3_000_000_000_i64],
                ["Ops", 1, 1_000_000_000_i64]
            ]),
        ),
        // Polars ignored the order of a window's AVG (the partition's average on every row), sorted NULLs
        // first when descending, and answered NULL for `NULL IS NOT TRUE`.
        (
            "SELECT id, AVG(salary) OVER (ORDER BY id) AS a FROM data ORDER BY id LIMIT 3",
            json!([[1, 50000.0], [2, 55000.0], [3, 200000.0 / 3.0]]),
        ),
        (
            "SELECT id FROM data ORDER BY bonus DESC LIMIT 2",
            json!([[5], [3]]),
        ),
        (
            "SELECT COUNT(*) FROM data WHERE (bonus > 100) IS NOT TRUE",
            json!([[4]]),
        ),
        // REAL is f32 in Polars.
        (
            "SELECT CAST(salary AS REAL) / 3 FROM data WHERE id = 1",
            json!([[50000.0 / 3.0]]),
        ),
        // LOG(b, x) had its arguments reversed; LOG(x) and strftime('%Y', d) did not run.
        (
            "SELECT log(2, 8), log(100), strftime('%Y', hired) FROM data WHERE id = 1",
            json!([[3.0, 2.0, "2020"]]),
        ),
        // A number with an exponent did not run.
        (
            "SELECT name FROM data WHERE salary > 6.5e4 ORDER BY name",
            json!([["Cy"], ["Di"], ["Ed"]]),
        ),
        // GROUP BY 1 grouped nothing to the bare-column rewrite: one row.
        (
            "SELECT dept, COUNT(*) AS n FROM data GROUP BY 1 ORDER BY 1",
            json!([["HR", 2], ["IT", 3], ["Ops", 1]]),
        ),
        // = ANY (subquery) compared with the subquery's first value alone.
        (
            "SELECT name FROM data WHERE dept = ANY (SELECT dept FROM data WHERE salary >= 70000) ORDER BY name",
            json!([["Cy"], ["Di"], ["Ed"]]),
        ),
        // SQLite keeps dates as text: LIKE and SUBSTR on a date were refused by Polars. A datetime reads
        // as SQLite's text, not Polars' (which has microseconds).
        (
            "SELECT name, SUBSTR(hired, 1, 4), LENGTH(ts) FROM data WHERE hired LIKE '2020%' AND ts LIKE '%10:30:00'",
            json!([["Ada", "2020", 19]]),
        ),
        // A double-quoted word compared with a column is SQLite's string, even one letter from `id`.
        (
            r#"SELECT COUNT(*) FROM data WHERE dept = "IT""#,
            json!([[3]]),
        ),
        // Numbers written as strings in IN and BETWEEN were refused.
        (
            "SELECT name FROM data WHERE salary IN ('80000', '90000') AND id BETWEEN '1' AND '9' ORDER BY name",
            json!([["Cy"], ["Ed"]]),
        ),
        // Polars' windows sort NULLs first both ways: the "highest bonus" of HR and IT was a NULL one, and
        // RANK() gave a NULL key a NULL rank.
        (
            "SELECT dept, name FROM (SELECT dept, name, ROW_NUMBER() OVER (PARTITION BY dept ORDER BY bonus DESC) AS rn FROM data) AS t WHERE rn = 1 ORDER BY dept",
            json!([["HR", "Ada"], ["IT", "Ed"], ["Ops", "Flo"]]),
        ),
        (
            "SELECT id, RANK() OVER (ORDER BY bonus DESC) AS r, DENSE_RANK() OVER (ORDER BY bonus DESC) AS d FROM data ORDER BY id",
            json!([
                [1, 3, 3],
                [2, 4, 4],
                [3, 2, 2],
                [4, 4, 4],
                [5, 1, 1],
                [6, 4, 4]
            ]),
        ),
        (
            "SELECT id, RANK() OVER (ORDER BY bonus NULLS FIRST) AS r FROM data ORDER BY id",
            json!([[1, 4], [2, 1], [3, 5], [4, 1], [5, 6], [6, 1]]),
        ),
        // LAG and LEAD with a default, and a window sorted both ways, failed in Polars.
        (
            "SELECT id, LAG(salary, 1, 0) OVER (ORDER BY id) AS p, LEAD(bonus, 2, -1) OVER (PARTITION BY dept ORDER BY id) AS q, LAG(bonus, 1, 0) OVER (ORDER BY id) AS r FROM data ORDER BY id",
            json!([
                [1, 0, -1, 0],
                [2, 50000, -1, 100],
                [3, 60000, 500, null],
                [4, 90000, -1, 300],
                [5, 70000, -1, null],
                [6, 80000, -1, 500]
            ]),
        ),
        (
            "SELECT id, ROW_NUMBER() OVER (ORDER BY dept DESC, id) AS n FROM data ORDER BY id",
            json!([[1, 5], [2, 6], [3, 2], [4, 3], [5, 4], [6, 1]]),
        ),
        // HAVING on a group key failed ("cannot cast List type"), and HAVING without GROUP BY.
        (
            "SELECT dept, COUNT(*) AS n FROM data GROUP BY dept HAVING dept <> 'Ops' AND COUNT(*) > 1 ORDER BY dept",
            json!([["HR", 2], ["IT", 3]]),
        ),
        // The difference of two dates is days: of aggregates, window values and a CTE's date columns too
        // (Polars answered a duration, and `> 400` compared microseconds).
        (
            "SELECT dept, MAX(hired) - MIN(hired) AS span FROM data GROUP BY dept ORDER BY dept",
            json!([["HR", 383], ["IT", 1506], ["Ops", 0]]),
        ),
        (
            "SELECT dept FROM data GROUP BY dept HAVING MAX(hired) - MIN(hired) > 400 ORDER BY dept",
            json!([["IT"]]),
        ),
        (
            "WITH t AS (SELECT dept, MIN(hired) AS f, MAX(hired) AS l FROM data GROUP BY dept) SELECT dept, l - f FROM t WHERE l - f > 400 ORDER BY dept",
            json!([["IT", 1506]]),
        ),
        (
            "SELECT id, hired - LAG(hired) OVER (ORDER BY hired) AS gap FROM data ORDER BY hired",
            json!([[5, null], [3, 590], [1, 43], [2, 383], [4, 490], [6, 495]]),
        ),
        // A date plus or minus whole days (PostgreSQL; SQLite's `date(d, '+7 days')`).
        (
            "SELECT id, CAST(hired + 7 AS TEXT), CAST(hired - 30 AS TEXT) FROM data WHERE id <= 2 ORDER BY id",
            json!([
                [1, "2020-02-19", "2020-01-13"],
                [2, "2021-03-08", "2021-01-30"]
            ]),
        ),
        // Grouped by a SELECT name and ordered by an aggregate the SELECT lacks ("unable to find column").
        (
            "SELECT strftime('%Y', hired) AS y, COUNT(*) FROM data GROUP BY y ORDER BY MIN(hired)",
            json!([
                ["2018", 1],
                ["2019", 1],
                ["2020", 1],
                ["2021", 1],
                ["2022", 1],
                ["2023", 1]
            ]),
        ),
        (
            "SELECT dept AS d, COUNT(*) AS n FROM data GROUP BY d ORDER BY SUM(salary) DESC",
            json!([["IT", 3], ["HR", 2], ["Ops", 1]]),
        ),
        // PostgreSQL's population statistics, which Polars lacks (it was told to use the sample ones).
        (
            "SELECT dept, ROUND(STDDEV_POP(salary), 3), ROUND(VAR_POP(salary), 1) FROM data GROUP BY dept ORDER BY dept",
            json!([
                ["HR", 5000.0, 25000000.0],
                ["IT", 8164.966, 66666666.7],
                ["Ops", 0.0, 0.0]
            ]),
        ),
        // A one-row relation joined without a condition: the share-of-total query (sqlguard refused it as a
        // cross join).
        (
            "WITH total AS (SELECT SUM(salary) AS t FROM data) SELECT dept, ROUND(100.0 * SUM(salary) / MAX(total.t), 2) AS share FROM data CROSS JOIN total GROUP BY dept ORDER BY dept",
            json!([["HR", 28.21], ["IT", 61.54], ["Ops", 10.26]]),
        ),
        (
            "WITH total AS (SELECT SUM(salary) AS t FROM data) SELECT name, ROUND(100.0 * salary / t, 1) FROM data, total WHERE dept = 'IT' ORDER BY id",
            json!([["Cy", 23.1], ["Di", 17.9], ["Ed", 20.5]]),
        ),
        (
            "WITH a AS (SELECT MIN(salary) AS lo FROM data), b AS (SELECT MAX(salary) AS hi FROM data) SELECT hi - lo FROM a, b",
            json!([[50000]]),
        ),
        (
            "SELECT name FROM data JOIN (SELECT AVG(salary) AS avg_salary FROM data) AS s ON 1 = 1 WHERE salary > avg_salary ORDER BY name",
            json!([["Cy"], ["Di"], ["Ed"]]),
        ),
        (
            "SELECT d.name, y.name AS first_hired FROM data AS d CROSS JOIN (SELECT name FROM data ORDER BY hired LIMIT 1) AS y ORDER BY d.id LIMIT 2",
            json!([["Ada", "Ed"], ["Bob", "Ed"]]),
        ),
        // A SELECT without FROM answered no rows when an expression repeated (the optimiser computed it as a
        // column of Polars' empty starting frame), also inside a subquery: a percentage of two counts was [].
        (
            "SELECT ROUND(100.0 * (SELECT COUNT(*) FROM data WHERE bonus IS NULL) / (SELECT COUNT(*) FROM data), 2) AS pct",
            json!([[50.0]]),
        ),
        ("SELECT ABS(-1) AS a, ABS(-1) AS b", json!([[1, 1]])),
        (
            "SELECT COUNT(*) FROM data WHERE salary > (SELECT ROUND(2.75, 1) * 25000)",
            json!([[2]]),
        ),
        ("SELECT ROUND(2.75, 1), 1", json!([[2.8, 1]])),
        (
            "SELECT ROUND(2.75, 1) AS r FROM (SELECT 1 AS one) AS t",
            json!([[2.8]]),
        ),
        (
            "WITH k AS (SELECT ROUND(2.25, 1) AS r, ABS(-2) AS a, ABS(-2) AS b) SELECT r, a + b FROM k",
            json!([[2.3, 4]]),
        ),
        // A SELECT name of a group key in HAVING, and a key beside an aggregate, failed the same way.
        (
            "SELECT dept AS d, COUNT(*) AS n FROM data GROUP BY dept HAVING d <> 'Ops' ORDER BY d",
            json!([["HR", 2], ["IT", 3]]),
        ),
        (
            "SELECT dept, COUNT(*) AS n FROM data GROUP BY dept HAVING dept = 'Ops' OR COUNT(*) > 2 ORDER BY dept",
            json!([["IT", 3], ["Ops", 1]]),
        ),
        (
            "SELECT UPPER(dept) AS u, SUM(salary) AS s FROM data GROUP BY UPPER(dept) HAVING u = 'HR' OR SUM(salary) > 200000 ORDER BY u",
            json!([["HR", 110000], ["IT", 240000]]),
        ),
        (
            "SELECT dept, COUNT(bonus) AS b FROM data GROUP BY dept HAVING COUNT(dept) > 1 AND (dept LIKE 'I%' OR MAX(salary) < 55000) ORDER BY 1",
            json!([["IT", 2]]),
        ),
        (
            "SELECT bonus IS NULL AS nb, COUNT(*) FROM data GROUP BY bonus IS NULL HAVING nb OR COUNT(*) > 5",
            json!([[true, 3]]),
        ),
        (
            "SELECT COUNT(*) AS n, MAX(salary) FROM data HAVING COUNT(*) > 5 AND n < 10",
            json!([[6, 90000]]),
        ),
        (
            "SELECT COUNT(*) FROM data HAVING SUM(salary) > 1e9",
            json!([]),
        ),
        // Calls Polars lacks: NTILE, INSTR, SQLite's scalar MAX/MIN, a cast to DECIMAL (PostgreSQL's rounding;
        // SQLite keeps every digit).
        (
            "SELECT id, NTILE(4) OVER (ORDER BY salary) AS q, NTILE(2) OVER (PARTITION BY dept ORDER BY id) AS h FROM data ORDER BY id",
            json!([
                [1, 1, 1],
                [2, 2, 2],
                [3, 4, 1],
                [4, 2, 1],
                [5, 3, 2],
                [6, 1, 1]
            ]),
        ),
        (
            "SELECT INSTR(name, 'd'), MAX(salary, 65000), MIN(id, 3), CAST(salary / 7.0 AS DECIMAL(10, 2)) FROM data WHERE id = 1",
            json!([[2, 65000, 1, 7142.86]]),
        ),
        // A date compared with a datetime's text, and an integer to a negative power, failed.
        (
            "SELECT COUNT(*), POWER(2, -1) FROM data WHERE hired >= '2020-01-01 00:00:00'",
            json!([[4, 0.5]]),
        ),
        // An alias in WHERE is its expression, as in SQLite; Polars could not find it.
        (
            "SELECT name, salary * 2 AS k FROM data WHERE k > 150000 ORDER BY name",
            json!([["Cy", 180000], ["Ed", 160000]]),
        ),
        // A set operation over an EXCEPT lost the EXCEPT's left side; a UNION's ORDER BY looked for the
        // names of its last SELECT.
        (
            "SELECT id FROM data WHERE id < 4 EXCEPT SELECT id FROM data WHERE id = 1 UNION ALL SELECT id FROM data WHERE id = 4 ORDER BY id",
            json!([[2], [3], [4]]),
        ),
        (
            "SELECT dept, COUNT(*) AS c FROM data GROUP BY dept UNION ALL SELECT 'Total', COUNT(*) FROM data ORDER BY c DESC, dept",
            json!([["Total", 6], ["IT", 3], ["HR", 2], ["Ops", 1]]),
        ),
        // A datetime turned into text had Polars' microseconds; DATE(ts) of a datetime failed; an IN list of
        // decimals and whole numbers failed.
        (
            "SELECT id, 'at ' || ts, DATE(hired) FROM data WHERE CAST(ts AS TEXT) = '2024-01-01 10:30:00'",
            json!([[1, "at 2024-01-01 10:30:00", "2020-02-12"]]),
        ),
        (
            "SELECT DATE(ts) AS day, COUNT(*) AS n FROM data GROUP BY DATE(ts) ORDER BY day",
            json!([
                ["2024-01-01", 2],
                ["2024-01-02", 2],
                ["2024-01-03", 1],
                ["2024-01-04", 1]
            ]),
        ),
        (
            "SELECT name FROM data WHERE salary IN (50000.5, 60000, -1)",
            json!([["Bob"]]),
        ),
        // The same column name twice was an error.
        (
            "SELECT a.name, b.name FROM data AS a JOIN data AS b ON a.id = b.id WHERE a.id = 1",
            json!([["Ada", "Ada"]]),
        ),
    ];
    expect_rows(&engine, &parquet, &catalog, cases).await;
}

/// The difference of two dates was a duration in microseconds (`745d`), so `> 365` let every gap through.
#[tokio::test]
async fn the_difference_of_two_dates_is_days() {
    let engine = engine();
    let csv = b"start,finish\n2022-10-27,2024-11-10\n2024-01-01,2024-03-01\n";
    let (_dir, path) = csv_file("spans.csv", csv);
    let (report, parquet) = ingest(&engine, &path).await;
    let catalog = catalog(&report.unwrap(), &[]);
    let sql = "SELECT finish - start AS days FROM data WHERE finish - start > 365";
    let out = query(&engine, &parquet, &catalog, sql).await.unwrap();
    assert_eq!(json!(out.table.rows), json!([[745]]));
}

/// A scalar subquery's value goes back into the query as a literal: times had none.
#[tokio::test]
async fn subquery_values_of_every_kind_go_back_into_the_query() {
    let engine = engine();
    let csv = b"t,d,x\n10:30:00,2024-01-01,0.000002\n11:45:10,2024-02-01,0.5\n";
    let (_dir, path) = csv_file("kinds.csv", csv);
    let (report, parquet) = ingest(&engine, &path).await;
    let report = report.unwrap();
    let dtypes: Vec<&str> = report.columns.iter().map(|c| c.dtype.as_str()).collect();
    assert_eq!(dtypes, ["time", "date", "f64"]);
    let catalog = catalog(&report, &[]);
    let sql = "SELECT (SELECT MAX(t) FROM data) = t, (SELECT MIN(d) FROM data) = d, \
               x - (SELECT MIN(x) FROM data) FROM data ORDER BY x";
    let out = query(&engine, &parquet, &catalog, sql).await.unwrap();
    assert_eq!(
        json!(out.table.rows),
        json!([[false, true, 0.0], [true, false, 0.499998]])
    );
}

/// Polars' message for two result columns of one name told the user to call `.alias("new_name")`.
#[tokio::test]
async fn a_name_used_twice_is_explained_in_sql() {
    let engine = engine();
    let (_dir, path) = csv_file("staff.csv", STAFF);
    let (report, parquet) = ingest(&engine, &path).await;
    let catalog = catalog(&report.unwrap(), &[]);
    let sql = "SELECT name, dept AS name FROM data";
    let error = query(&engine, &parquet, &catalog, sql).await.unwrap_err();
    let message = error.to_string();
    assert!(
        message.contains("both called `name`") && !message.contains(".alias("),
        "{message}"
    );
}

/// A filter on the right table in an inner join's ON was applied to the left one.
#[tokio::test]
async fn join_filters_apply_to_the_right_table() {
    let engine = engine();
    let csv = b"id,name,manager_id,salary,dept\n1,Ann,,100,HR\n2,Bob,1,50,HR\n3,Cid,1,70,IT\n4,Dee,2,60,IT\n5,Eve,3,80,HR\n";
    let (_dir, path) = csv_file("people.csv", csv);
    let (report, parquet) = ingest(&engine, &path).await;
    let catalog = catalog(&report.unwrap(), &[]);
    let sql = "SELECT a.name, b.name FROM data a JOIN data b ON b.manager_id = a.id AND b.dept = 'IT' \
               ORDER BY a.name";
    let out = query(&engine, &parquet, &catalog, sql).await.unwrap();
    assert_eq!(
        json!(out.table.rows),
        json!([["Ann", "Cid"], ["Bob", "Dee"]])
    );
}

/// A window sorts NULLs last both ways, as the query's ORDER BY does (SQLite puts them first when
/// ascending), also over a WITH query's groups.
#[tokio::test]
async fn windows_sort_nulls_last_like_order_by() {
    let engine = engine();
    let (_dir, path) = csv_file("staff.csv", STAFF);
    let (report, parquet) = ingest(&engine, &path).await;
    let catalog = catalog(&report.unwrap(), &[]);
    let rows = |sql: &'static str| {
        let (engine, parquet, catalog) = (&engine, &parquet, &catalog);
        async move {
            let out = query(engine, parquet, catalog, sql).await.unwrap();
            json!(out.table.rows)
        }
    };
    assert_eq!(
        rows("SELECT id, RANK() OVER (ORDER BY bonus) AS r, ROW_NUMBER() OVER (ORDER BY bonus) AS n FROM data WHERE id <= 3 ORDER BY id").await,
        json!([[1, 1, 1], [2, 3, 3], [3, 2, 2]])
    );
    assert_eq!(
        rows("WITH g AS (SELECT bonus FROM data GROUP BY bonus) SELECT bonus, RANK() OVER (ORDER BY bonus DESC) AS r FROM g ORDER BY r").await,
        json!([[500, 1], [300, 2], [100, 3], [null, 4]])
    );
}

/// Positions in characters and NULL for NULL, rounding half away from zero, a power as a float, and SQLite's
/// scalar MIN NULL when an argument is: Polars counted bytes, answered 0 for NULL, rounded half to even,
/// wrapped `POWER(10, 10)` and skipped the NULL.
#[tokio::test]
async fn text_positions_rounding_and_powers_are_sqls() {
    let engine = engine();
    let csv = "id,s,n\n1,héllo,2.5\n2,,-2.5\n3,abc,0.125\n4,xyz,\n".as_bytes();
    let (_dir, path) = csv_file("t.csv", csv);
    let (report, parquet) = ingest(&engine, &path).await;
    let catalog = catalog(&report.unwrap(), &[]);
    let sql = "SELECT id, INSTR(s, 'l'), POSITION('c' IN s), STRPOS(s, ''), ROUND(n), ROUND(n, 2), \
               POWER(10, id + 9), MIN(n, 1), POWER(2, -id) FROM data ORDER BY id";
    let out = query(&engine, &parquet, &catalog, sql).await.unwrap();
    assert_eq!(
        json!(out.table.rows),
        json!([
            [1, 3, 0, 1, 3.0, 2.5, 1e10, 1.0, 0.5],
            [2, null, null, null, -3.0, -2.5, 1e11, -2.5, 0.25],
            [3, 0, 3, 1, 0.0, 0.13, 1e12, 0.125, 0.125],
            [4, 0, 0, 1, null, null, 1e13, null, 0.0625]
        ])
    );
}

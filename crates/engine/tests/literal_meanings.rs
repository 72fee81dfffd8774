//! Literals and patterns read as SQLite and PostgreSQL read them, where Polars failed or answered otherwise:
//! `LIKE ... ESCAPE` (Polars refused any ESCAPE), a numeric CAST of text with spaces around the number
//! (Polars failed or gave NULL), `SUM(DISTINCT x) FILTER (WHERE c)`, and literals compared with a subquery's
//! or CTE's columns. Answers from sqlite3 (LIKE ignores case there, as here) and PostgreSQL 15.

mod common;

use common::*;
use serde_json::{Value, json};

const ITEMS: &[u8] = b"id,name,code,qty,grp,flag
1,50% off,  42 ,10,a,true
2,5000 done, 4.5,20,a,false
3,a_b,7,10,b,true
4,axb, -3,30,b,true
5,100%,8 ,20,a,true
";

#[tokio::test]
async fn like_escape_matches_the_escaped_character_itself() {
    let engine = engine();
    let (_dir, path) = csv_file("items.csv", ITEMS);
    let (report, parquet) = ingest(&engine, &path).await;
    let catalog = catalog(&report.unwrap(), &[]);
    let cases: &[(&str, Value)] = &[
        (
            "SELECT id FROM data WHERE name LIKE '50!%%' ESCAPE '!' ORDER BY id",
            json!([[1]]),
        ),
        (
            "SELECT id FROM data WHERE name LIKE '%!%' ESCAPE '!' ORDER BY id",
            json!([[5]]),
        ),
        (
            "SELECT id FROM data WHERE name NOT LIKE '%!%' ESCAPE '!' ORDER BY id",
            json!([[1], [2], [3], [4]]),
        ),
        (
            "SELECT id FROM data WHERE name LIKE 'a\\_b' ESCAPE '\\' ORDER BY id",
            json!([[3]]),
        ),
        (
            "SELECT id FROM data WHERE name LIKE 'A$_%' ESCAPE '$' ORDER BY id",
            json!([[3]]),
        ),
        (
            "SELECT id FROM data WHERE name ILIKE '%0.%%' ESCAPE '.' ORDER BY id",
            json!([[1], [5]]),
        ),
    ];
    expect_rows(&engine, &parquet, &catalog, cases).await;
}

#[tokio::test]
async fn numeric_casts_of_text_ignore_spaces_around_the_number() {
    let engine = engine();
    let (_dir, path) = csv_file("items.csv", ITEMS);
    let (report, parquet) = ingest(&engine, &path).await;
    let catalog = catalog(&report.unwrap(), &[]);
    let cases: &[(&str, Value)] = &[
        (
            "SELECT CAST(' 42 ' AS INT), CAST(' 4.5' AS DOUBLE), CAST('7 ' AS BIGINT), ' 12'::integer",
            json!([[42, 4.5, 7, 12]]),
        ),
        (
            "SELECT id, CAST(code AS DOUBLE) FROM data ORDER BY id",
            json!([[1, 42.0], [2, 4.5], [3, 7.0], [4, -3.0], [5, 8.0]]),
        ),
        (
            "SELECT SUM(CAST(code AS REAL)) FROM data WHERE id <> 2",
            json!([[54.0]]),
        ),
    ];
    expect_rows(&engine, &parquet, &catalog, cases).await;
}

#[tokio::test]
async fn distinct_aggregates_with_filter() {
    let engine = engine();
    let (_dir, path) = csv_file("items.csv", ITEMS);
    let (report, parquet) = ingest(&engine, &path).await;
    let catalog = catalog(&report.unwrap(), &[]);
    let cases: &[(&str, Value)] = &[(
        "SELECT grp, SUM(DISTINCT qty) FILTER (WHERE flag), AVG(DISTINCT qty) FILTER (WHERE flag), \
         COUNT(DISTINCT qty) FILTER (WHERE flag) FROM data GROUP BY grp ORDER BY grp",
        json!([["a", 30, 15.0, 2], ["b", 40, 20.0, 2]]),
    )];
    expect_rows(&engine, &parquet, &catalog, cases).await;
}

/// A literal of another type compared with a subquery's column, read as with a stored column: `'True'` as
/// true, `7` as the text '7', `'20'` as the number 20. Polars failed ("cannot compare string with numeric
/// type") or matched nothing.
#[tokio::test]
async fn literals_compared_with_a_subquerys_columns() {
    let engine = engine();
    let (_dir, path) = csv_file("items.csv", ITEMS);
    let (report, parquet) = ingest(&engine, &path).await;
    let catalog = catalog(&report.unwrap(), &[]);
    let cases: &[(&str, Value)] = &[
        (
            "SELECT id FROM (SELECT id, flag AS active FROM data) t WHERE active = 'True' ORDER BY id",
            json!([[1], [3], [4], [5]]),
        ),
        (
            "SELECT id FROM (SELECT id, code AS c FROM data) t WHERE c = 7 ORDER BY id",
            json!([[3]]),
        ),
        (
            "SELECT id FROM (SELECT id, qty AS q FROM data) t WHERE q = '20' ORDER BY id",
            json!([[2], [5]]),
        ),
        (
            "SELECT grp FROM (SELECT grp, COUNT(*) AS n FROM data GROUP BY grp) t WHERE n = '3'",
            json!([["a"]]),
        ),
        (
            "SELECT id FROM (SELECT * FROM data) t WHERE flag = 'no' ORDER BY id",
            json!([[2]]),
        ),
        // The same through WITH queries.
        (
            "WITH t AS (SELECT id, flag AS active FROM data) SELECT id FROM t WHERE active = 'True' ORDER BY id",
            json!([[1], [3], [4], [5]]),
        ),
        (
            "WITH t AS (SELECT id, code AS c FROM data) SELECT id FROM t WHERE c = 7 ORDER BY id",
            json!([[3]]),
        ),
        (
            "WITH g AS (SELECT grp, COUNT(*) AS n FROM data GROUP BY grp) SELECT grp FROM g WHERE n = '3'",
            json!([["a"]]),
        ),
    ];
    expect_rows(&engine, &parquet, &catalog, cases).await;
}

/// From probe S: a UNION inside a WITH query or subquery hid its columns' kinds (`flag = 'yes'` matched
/// nothing, `code = 7` failed); a WITH query or subquery that renames its columns (`c(p, q)`) hid its dates
/// (`q - p > 30` compared microseconds); a CASE of dates was no date (its difference was a duration).
#[tokio::test]
async fn kinds_pass_through_unions_renamed_columns_and_cases() {
    let engine = engine();
    let csv = b"id,a,b,flag,code\n1,2024-01-01 10:00:00,2024-01-05 12:00:00,true,7\n\
                2,2024-02-01 00:00:00,2024-02-01 23:00:00,false,8\n\
                3,2024-03-01 08:00:00,2024-05-01 08:00:00,true,x\n4,2024-04-01 00:00:00,,,9\n";
    let (_dir, path) = csv_file("ev.csv", csv);
    let (report, parquet) = ingest(&engine, &path).await;
    let catalog = catalog(&report.unwrap(), &[]);
    let cases: &[(&str, Value)] = &[
        (
            "WITH c AS (SELECT id, flag FROM data WHERE id < 3 UNION ALL SELECT id, flag FROM data \
             WHERE id >= 3) SELECT COUNT(*) FROM c WHERE flag = 'yes'",
            json!([[2]]),
        ),
        (
            "SELECT COUNT(*) FROM (SELECT id, code FROM data WHERE id < 3 UNION ALL SELECT id, code \
             FROM data WHERE id >= 3) t WHERE code = 7",
            json!([[1]]),
        ),
        (
            "WITH c(p, q) AS (SELECT CAST(a AS DATE), CAST(b AS DATE) FROM data) \
             SELECT COUNT(*), SUM(q - p) FROM c WHERE q - p > 30",
            json!([[1, 61]]),
        ),
        (
            "SELECT SUM(q - p) FROM (SELECT CAST(a AS DATE), CAST(b AS DATE) FROM data) t(p, q)",
            json!([[65]]),
        ),
        (
            "SELECT COUNT(*) FROM data WHERE CASE WHEN id > 0 THEN CAST(b AS DATE) ELSE NULL END \
             - CAST(a AS DATE) > 30",
            json!([[1]]),
        ),
    ];
    expect_rows(&engine, &parquet, &catalog, cases).await;
}

/// From probe S: `MIN(DISTINCT x)` and `MAX(DISTINCT x)` failed ("unexpected use of DISTINCT"), a number column
/// matched with LIKE failed ("expected String type"; SQLite matches its text), and TRY_CAST to DECIMAL failed
/// on text that is no number (a TRY_CAST gives NULL).
#[tokio::test]
async fn distinct_extremes_numbers_in_like_and_decimal_try_casts() {
    let engine = engine();
    let (_dir, path) = csv_file("items.csv", ITEMS);
    let (report, parquet) = ingest(&engine, &path).await;
    let catalog = catalog(&report.unwrap(), &[]);
    let cases: &[(&str, Value)] = &[
        (
            "SELECT MIN(DISTINCT qty), MAX(DISTINCT qty), COUNT(DISTINCT qty) FROM data",
            json!([[10, 30, 3]]),
        ),
        (
            "SELECT id FROM data WHERE qty LIKE '%0' AND qty NOT LIKE '1%' ORDER BY id",
            json!([[2], [4], [5]]),
        ),
        (
            "SELECT id, TRY_CAST(name AS DECIMAL(10, 2)), TRY_CAST(code AS NUMERIC) FROM data ORDER BY id",
            json!([
                [1, null, 42.0],
                [2, null, 4.5],
                [3, null, 7.0],
                [4, null, -3.0],
                [5, null, 8.0]
            ]),
        ),
    ];
    expect_rows(&engine, &parquet, &catalog, cases).await;
}

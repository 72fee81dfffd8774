//! Windows sorted both ways (`ORDER BY score DESC, subject`), which Polars refuses ("OVER does not (yet)
//! support mixed asc/desc directions"), rewritten by sqlguard and run by real workers: each answer is Python's
//! sqlite3's for the same table, with NULLs last both ways unless written (as sqlguard places them), written
//! out for SQLite as `NULLS LAST`.

mod common;

use common::*;
use serde_json::{Value, json};

/// Ties on the first key, NULLs in every kind of key (numbers, text, dates, datetimes, booleans).
const SCORES: &[u8] = b"id,student,subject,score,amount,d,ts,ok
1,ann,math,90,10.5,2024-01-03,2024-01-03 10:00:00,true
2,ann,art,90,,2024-01-01,2024-01-01 09:00:00,false
3,ann,bio,70,20.0,2024-01-03,,true
4,bob,math,80,20.0,2024-01-02,2024-01-02 08:00:00,
5,bob,art,,5.0,,2024-01-05 12:00:00,false
6,bob,bio,80,5.0,2024-01-02,2024-01-02 08:00:00,true
7,cy,math,60,7.5,2024-01-04,2024-01-04 00:00:00,true
8,cy,,60,7.5,2024-01-04,2024-01-04 00:00:00,false
9,cy,geo,60,,2024-01-06,2024-01-06 00:00:00,true
";

#[tokio::test]
async fn windows_sorted_both_ways_answer_as_sqlite() {
    let engine = engine();
    let (_dir, path) = csv_file("scores.csv", SCORES);
    let (report, parquet) = ingest(&engine, &path).await;
    let report = report.unwrap();
    let dtypes: Vec<&str> = report.columns.iter().map(|c| c.dtype.as_str()).collect();
    assert_eq!(
        dtypes,
        [
            "i64",
            "str",
            "str",
            "i64",
            "f64",
            "date",
            "datetime[μs]",
            "bool"
        ]
    );
    let catalog = catalog(&report, &[]);
    let cases: &[(&str, Value)] = &[
        // A number down, then a text key up: the top-N-with-tiebreak form.
        (
            "SELECT id, ROW_NUMBER() OVER (PARTITION BY student ORDER BY score DESC, subject) AS n FROM data ORDER BY id",
            json!([
                [1, 2],
                [2, 1],
                [3, 3],
                [4, 2],
                [5, 3],
                [6, 1],
                [7, 2],
                [8, 3],
                [9, 1]
            ]),
        ),
        (
            "SELECT id, FIRST_VALUE(subject) OVER (PARTITION BY student ORDER BY score DESC, subject) AS f FROM data ORDER BY id",
            json!([
                [1, "art"],
                [2, "art"],
                [3, "art"],
                [4, "bio"],
                [5, "bio"],
                [6, "bio"],
                [7, "geo"],
                [8, "geo"],
                [9, "geo"]
            ]),
        ),
        // A date down, then text up.
        (
            "SELECT id, ROW_NUMBER() OVER (ORDER BY d DESC, student, id) AS n FROM data ORDER BY id",
            json!([
                [1, 4],
                [2, 8],
                [3, 5],
                [4, 6],
                [5, 9],
                [6, 7],
                [7, 2],
                [8, 3],
                [9, 1]
            ]),
        ),
        (
            "SELECT id, ROW_NUMBER() OVER (ORDER BY amount DESC, d, id) AS n FROM data ORDER BY id",
            json!([
                [1, 3],
                [2, 8],
                [3, 2],
                [4, 1],
                [5, 7],
                [6, 6],
                [7, 4],
                [8, 5],
                [9, 9]
            ]),
        ),
        // Over a WITH query's columns, whose types the validator does not know.
        (
            "WITH t AS (SELECT id, student, amount * 2 AS a2, d AS day FROM data) SELECT id, ROW_NUMBER() OVER (PARTITION BY student ORDER BY a2 DESC, day, id) AS n FROM t ORDER BY id",
            json!([
                [1, 2],
                [2, 3],
                [3, 1],
                [4, 1],
                [5, 3],
                [6, 2],
                [7, 1],
                [8, 2],
                [9, 3]
            ]),
        ),
        // Text both ways (ranked), and RANK over text down and a number up (negated: Polars refuses a
        // window among the keys of a RANK over several keys).
        (
            "SELECT id, ROW_NUMBER() OVER (ORDER BY student DESC, subject) AS r FROM data ORDER BY id",
            json!([
                [1, 9],
                [2, 7],
                [3, 8],
                [4, 6],
                [5, 4],
                [6, 5],
                [7, 2],
                [8, 3],
                [9, 1]
            ]),
        ),
        (
            "SELECT id, RANK() OVER (ORDER BY student DESC, score) AS r FROM data ORDER BY id",
            json!([
                [1, 8],
                [2, 8],
                [3, 7],
                [4, 4],
                [5, 6],
                [6, 4],
                [7, 1],
                [8, 1],
                [9, 1]
            ]),
        ),
        // A boolean down, a datetime up, a number down; NULLS FIRST written on a later key.
        (
            "SELECT id, ROW_NUMBER() OVER (ORDER BY ok DESC, ts, id DESC) AS n FROM data ORDER BY id",
            json!([
                [1, 2],
                [2, 6],
                [3, 5],
                [4, 9],
                [5, 8],
                [6, 1],
                [7, 3],
                [8, 7],
                [9, 4]
            ]),
        ),
        (
            "SELECT id, ROW_NUMBER() OVER (ORDER BY score, subject DESC NULLS FIRST, id) AS n FROM data ORDER BY id",
            json!([
                [1, 7],
                [2, 8],
                [3, 4],
                [4, 5],
                [5, 9],
                [6, 6],
                [7, 2],
                [8, 1],
                [9, 3]
            ]),
        ),
        // Already ran before: text up, then a number down.
        (
            "SELECT id, DENSE_RANK() OVER (ORDER BY student, score DESC) AS r FROM data ORDER BY id",
            json!([
                [1, 1],
                [2, 1],
                [3, 2],
                [4, 3],
                [5, 4],
                [6, 3],
                [7, 5],
                [8, 5],
                [9, 5]
            ]),
        ),
    ];
    expect_rows(&engine, &parquet, &catalog, cases).await;
}

#[tokio::test]
async fn staff_top_n_with_a_tiebreak_answers_as_sqlite() {
    let engine = engine();
    let (_dir, path) = csv_file("staff.csv", STAFF);
    let (report, parquet) = ingest(&engine, &path).await;
    let catalog = catalog(&report.unwrap(), &[]);
    let cases: &[(&str, Value)] = &[
        (
            "SELECT id, ROW_NUMBER() OVER (PARTITION BY dept ORDER BY salary DESC, name) AS n FROM data ORDER BY id",
            json!([[1, 2], [2, 1], [3, 1], [4, 3], [5, 2], [6, 1]]),
        ),
        (
            "SELECT id, ROW_NUMBER() OVER (ORDER BY hired DESC, name) AS n FROM data ORDER BY id",
            json!([[1, 4], [2, 3], [3, 5], [4, 2], [5, 6], [6, 1]]),
        ),
        (
            "SELECT id, ROW_NUMBER() OVER (ORDER BY bonus DESC, name DESC) AS n FROM data ORDER BY id",
            json!([[1, 3], [2, 6], [3, 2], [4, 5], [5, 1], [6, 4]]),
        ),
        (
            "SELECT dept, name FROM (SELECT dept, name, ROW_NUMBER() OVER (PARTITION BY dept ORDER BY bonus DESC, hired) AS rn FROM data) AS t WHERE rn = 1 ORDER BY dept",
            json!([["HR", "Ada"], ["IT", "Ed"], ["Ops", "Flo"]]),
        ),
    ];
    expect_rows(&engine, &parquet, &catalog, cases).await;
}

/// The probe's two small tables: a text key up, then text, a number or a date down.
const R: &[u8] = b"g,s,v,n,f\na,x,1,1,true\na,y,2,2,false\na,z,,3,true\nb,x,5,4,true\n";
const R2: &[u8] = b"g,v,n\na,1,1\na,2,2\n,3,3\nb,5,4\nb,,5\n";

/// A key ranked to turn round kept its own direction (the window's ascending one had replaced it: `g, s
/// DESC` sorted `s` up), also with NULLs (`g, v DESC`: the rank's `DESC` and its `* -1` cancelled out).
#[tokio::test]
async fn a_ranked_key_keeps_its_own_direction() {
    let engine = engine();
    for (name, bytes, cases) in [
        (
            "r.csv",
            R,
            vec![
                (
                    "SELECT n, ROW_NUMBER() OVER (ORDER BY g, s DESC) AS rn FROM r ORDER BY n",
                    json!([[1, 3], [2, 2], [3, 1], [4, 4]]),
                ),
                (
                    "SELECT n, ROW_NUMBER() OVER (ORDER BY CASE WHEN f THEN 0 ELSE 1 END, s DESC) AS rn FROM r ORDER BY n",
                    json!([[1, 2], [2, 4], [3, 1], [4, 3]]),
                ),
                (
                    "SELECT n, ROW_NUMBER() OVER (ORDER BY CASE WHEN f THEN 0 ELSE 1 END, v DESC, n) AS rn FROM r ORDER BY n",
                    json!([[1, 2], [2, 4], [3, 3], [4, 1]]),
                ),
            ],
        ),
        (
            "r2.csv",
            R2,
            vec![
                (
                    "SELECT n, ROW_NUMBER() OVER (ORDER BY g, v DESC) AS rn FROM r2 ORDER BY n",
                    json!([[1, 2], [2, 1], [3, 5], [4, 3], [5, 4]]),
                ),
                (
                    "SELECT n, LAG(n) OVER (ORDER BY g, v DESC) AS p FROM r2 ORDER BY n",
                    json!([[1, 2], [2, null], [3, 5], [4, 1], [5, 4]]),
                ),
            ],
        ),
    ] {
        let (_dir, path) = csv_file(name, bytes);
        let (report, parquet) = ingest(&engine, &path).await;
        let tables = catalog(&report.unwrap(), &["r", "r2"]);
        expect_rows(&engine, &parquet, &tables, &cases).await;
    }
    let (_dir, path) = csv_file("scores.csv", SCORES);
    let (report, parquet) = ingest(&engine, &path).await;
    let tables = catalog(&report.unwrap(), &[]);
    let cases: &[(&str, Value)] = &[
        (
            "SELECT id, ROW_NUMBER() OVER (ORDER BY score, amount DESC, id) AS n FROM data ORDER BY id",
            json!([
                [1, 7],
                [2, 8],
                [3, 4],
                [4, 5],
                [5, 9],
                [6, 6],
                [7, 1],
                [8, 2],
                [9, 3]
            ]),
        ),
        (
            "SELECT id, ROW_NUMBER() OVER (ORDER BY student, d DESC, id) AS n FROM data ORDER BY id",
            json!([
                [1, 1],
                [2, 3],
                [3, 2],
                [4, 4],
                [5, 6],
                [6, 5],
                [7, 8],
                [8, 9],
                [9, 7]
            ]),
        ),
        (
            "SELECT id, ROW_NUMBER() OVER (ORDER BY subject, score DESC, id) AS n FROM data ORDER BY id",
            json!([
                [1, 6],
                [2, 1],
                [3, 4],
                [4, 7],
                [5, 2],
                [6, 3],
                [7, 8],
                [8, 9],
                [9, 5]
            ]),
        ),
        (
            "SELECT id, ROW_NUMBER() OVER (ORDER BY student, subject DESC, id) AS n FROM data ORDER BY id",
            json!([
                [1, 1],
                [2, 3],
                [3, 2],
                [4, 4],
                [5, 6],
                [6, 5],
                [7, 7],
                [8, 9],
                [9, 8]
            ]),
        ),
        (
            "SELECT id, LAG(id) OVER (ORDER BY score, ts DESC, id) AS p FROM data ORDER BY id",
            json!([
                [1, 6],
                [2, 1],
                [3, 8],
                [4, 3],
                [5, 2],
                [6, 4],
                [7, 9],
                [8, 7],
                [9, null]
            ]),
        ),
    ];
    expect_rows(&engine, &parquet, &tables, cases).await;
    let (_dir, path) = csv_file("staff.csv", STAFF);
    let (report, parquet) = ingest(&engine, &path).await;
    let tables = catalog(&report.unwrap(), &[]);
    let cases: &[(&str, Value)] = &[
        (
            "SELECT id, ROW_NUMBER() OVER (ORDER BY dept, hired DESC, id) AS n FROM data ORDER BY id",
            json!([[1, 2], [2, 1], [3, 4], [4, 3], [5, 5], [6, 6]]),
        ),
        (
            "SELECT id, ROW_NUMBER() OVER (ORDER BY dept, name DESC) AS n FROM data ORDER BY id",
            json!([[1, 2], [2, 1], [3, 5], [4, 4], [5, 3], [6, 6]]),
        ),
    ];
    expect_rows(&engine, &parquet, &tables, cases).await;
}

/// A key Polars names `literal` (a CASE of constants, `IIF`) leaves no room for the NULL flag, which is
/// named so too: a later key that may be NULL is ranked, its NULLs placed last.
#[tokio::test]
async fn nulls_after_a_case_key_sort_last() {
    let engine = engine();
    let (_dir, path) = csv_file("scores.csv", SCORES);
    let (report, parquet) = ingest(&engine, &path).await;
    let catalog = catalog(&report.unwrap(), &[]);
    let cases: &[(&str, Value)] = &[
        (
            "SELECT id, ROW_NUMBER() OVER (ORDER BY CASE WHEN ok THEN 0 ELSE 1 END, score DESC, id) AS n FROM data ORDER BY id",
            json!([
                [1, 1],
                [2, 6],
                [3, 3],
                [4, 7],
                [5, 9],
                [6, 2],
                [7, 4],
                [8, 8],
                [9, 5]
            ]),
        ),
        (
            "SELECT id, ROW_NUMBER() OVER (ORDER BY IIF(ok, 0, 1), amount DESC, id) AS n FROM data ORDER BY id",
            json!([
                [1, 2],
                [2, 9],
                [3, 1],
                [4, 6],
                [5, 8],
                [6, 4],
                [7, 3],
                [8, 7],
                [9, 5]
            ]),
        ),
        // One direction: the same.
        (
            "SELECT id, ROW_NUMBER() OVER (ORDER BY CASE WHEN ok THEN 0 ELSE 1 END, amount, id) AS n FROM data ORDER BY id",
            json!([
                [1, 3],
                [2, 9],
                [3, 4],
                [4, 8],
                [5, 6],
                [6, 1],
                [7, 2],
                [8, 7],
                [9, 5]
            ]),
        ),
    ];
    expect_rows(&engine, &parquet, &catalog, cases).await;
}

/// Windows Polars cannot sort are refused with the rewrite to use, which answers as SQLite: a RANK over
/// keys sorted both ways that cannot be negated (Polars: "mixed asc/desc directions"), and two keys Polars
/// names alike (`v / 10, v DESC`: "two columns ... both called `v`").
#[tokio::test]
async fn unsortable_windows_are_refused_with_a_rewrite_that_runs() {
    let engine = engine();
    let (_dir, path) = csv_file("r.csv", R);
    let (report, parquet) = ingest(&engine, &path).await;
    let tables = catalog(&report.unwrap(), &["r"]);
    for (sql, advice) in [
        (
            "SELECT n, RANK() OVER (ORDER BY g, s DESC) AS rn FROM r ORDER BY n",
            "DENSE_RANK() OVER (ORDER BY \"s\" DESC) AS key_rank",
        ),
        (
            "SELECT n, DENSE_RANK() OVER (ORDER BY s DESC, g) AS rn FROM r ORDER BY n",
            "DENSE_RANK() OVER (ORDER BY key_rank, \"g\")",
        ),
        (
            "SELECT n, PERCENT_RANK() OVER (ORDER BY g, s DESC) AS rn FROM r ORDER BY n",
            "AS key_rank",
        ),
        (
            "SELECT n, ROW_NUMBER() OVER (ORDER BY v / 10, v DESC) AS rn FROM r ORDER BY n",
            "\"v\" / 10 AS key_1",
        ),
        (
            "SELECT n, ROW_NUMBER() OVER (ORDER BY CASE WHEN f THEN 0 ELSE 1 END, CASE WHEN v > 1 THEN 'hi' ELSE 'lo' END DESC) AS rn FROM r ORDER BY n",
            "`literal`",
        ),
        // From probe T: a RANK beside a CASE of constants put a NULL-holding key's NULLs first (no flag
        // fits beside a key Polars names `literal`), and a RANK over one CASE that may be NULL failed in
        // Polars' words.
        (
            "SELECT n, RANK() OVER (ORDER BY v, CASE WHEN n > 2 THEN 1 ELSE 0 END) AS rn FROM r ORDER BY n",
            "AS key_1",
        ),
        (
            "SELECT n, DENSE_RANK() OVER (ORDER BY CASE WHEN n > 2 THEN 1 END DESC) AS rn FROM r ORDER BY n",
            "AS key_1",
        ),
        // The advice names the function written (it said RANK for a DENSE_RANK) and a WITH query that no
        // dataset is likely to be called.
        (
            "SELECT n, DENSE_RANK() OVER (ORDER BY v, CASE WHEN n > 2 THEN 1 ELSE 0 END) AS rn FROM r ORDER BY n",
            "DENSE_RANK() OVER (ORDER BY ..., key_1) FROM keyed",
        ),
    ] {
        let issues = sqlguard::ValidatedQuery::parse(sql, &tables)
            .err()
            .unwrap_or_else(|| panic!("{sql} was accepted"));
        assert!(
            issues.iter().any(|i| i.message.contains(advice)),
            "{sql}: {issues:?}"
        );
    }
    let cases: &[(&str, Value)] = &[
        (
            "WITH t AS (SELECT *, DENSE_RANK() OVER (ORDER BY s DESC) AS key_rank FROM r) SELECT n, RANK() OVER (ORDER BY g, key_rank) AS rn FROM t ORDER BY n",
            json!([[1, 3], [2, 2], [3, 1], [4, 4]]),
        ),
        (
            "WITH t AS (SELECT *, v / 10.0 AS key_1 FROM r) SELECT n, ROW_NUMBER() OVER (ORDER BY key_1, v DESC) AS rn FROM t ORDER BY n",
            json!([[1, 1], [2, 2], [3, 4], [4, 3]]),
        ),
        (
            "WITH t AS (SELECT *, CASE WHEN n > 2 THEN 1 ELSE 0 END AS key_1 FROM r) SELECT n, RANK() OVER (ORDER BY v, key_1) AS rn FROM t ORDER BY n",
            json!([[1, 1], [2, 2], [3, 4], [4, 3]]),
        ),
        // A simple CASE (`CASE n WHEN ...`) is named `literal` too: the NULL-holding key beside it is ranked
        // (it failed: "two columns of the result are both called `literal`").
        (
            "SELECT n, ROW_NUMBER() OVER (ORDER BY v, CASE n WHEN 1 THEN 1 ELSE 0 END, n) AS rn FROM r ORDER BY n",
            json!([[1, 1], [2, 2], [3, 4], [4, 3]]),
        ),
    ];
    expect_rows(&engine, &parquet, &tables, cases).await;
}

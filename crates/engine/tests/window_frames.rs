//! Frames reaching the partition's end, NTH_VALUE and named windows, which Polars SQL refuses, rewritten by
//! sqlguard and run by real workers; and RANK over two keys that may be NULL, through the WITH query its
//! refusal advises. Each answer is Python's sqlite3's for the same table, with NULLs last both ways unless
//! written (as sqlguard places them in a window), written out for SQLite as `NULLS LAST`.

mod common;

use common::*;
use serde_json::{Value, json};

/// Ties in `t` and `a`, NULLs in every column but `id` and `g`.
const SERIES: &[u8] = b"id,g,t,x,a,b
1,a,1,10,1,
2,a,2,20,1,
3,a,2,30,1,2
4,a,,40,2,
5,b,5,5,,3
6,b,6,,2,1
7,b,7,7,,
8,b,8,8,2,
";

#[tokio::test]
async fn frames_to_the_partition_end_and_named_windows_answer_as_sqlite() {
    let engine = engine();
    let (_dir, path) = csv_file("series.csv", SERIES);
    let (report, parquet) = ingest(&engine, &path).await;
    let catalog = catalog(&report.unwrap(), &[]);
    let cases: &[(&str, Value)] = &[
        // The frame models write for LAST_VALUE: the partition's last row, a NULL `t` last.
        (
            "SELECT id, LAST_VALUE(x) OVER (PARTITION BY g ORDER BY t ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) AS l FROM data ORDER BY id",
            json!([
                [1, 40],
                [2, 40],
                [3, 40],
                [4, 40],
                [5, 8],
                [6, 8],
                [7, 8],
                [8, 8]
            ]),
        ),
        // Aggregates over the whole partition, ROWS or RANGE.
        (
            "SELECT id, SUM(x) OVER (PARTITION BY g ORDER BY t RANGE BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) AS s, AVG(x) OVER (ORDER BY t ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) AS a, COUNT(x) OVER (PARTITION BY g ORDER BY t ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) AS c, MIN(x) OVER (PARTITION BY g ORDER BY id ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) AS lo, MAX(x) OVER (PARTITION BY g ORDER BY id RANGE BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) AS hi FROM data ORDER BY id",
            json!([
                [1, 100, 17.142857142857142, 4, 10, 40],
                [2, 100, 17.142857142857142, 4, 10, 40],
                [3, 100, 17.142857142857142, 4, 10, 40],
                [4, 100, 17.142857142857142, 4, 10, 40],
                [5, 20, 17.142857142857142, 3, 5, 8],
                [6, 20, 17.142857142857142, 3, 5, 8],
                [7, 20, 17.142857142857142, 3, 5, 8],
                [8, 20, 17.142857142857142, 3, 5, 8]
            ]),
        ),
        // Both ways, NULLS FIRST written, and ties in `a` broken by `id`.
        (
            "SELECT id, FIRST_VALUE(x) OVER (PARTITION BY g ORDER BY t DESC, id ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) AS f, LAST_VALUE(x) OVER (PARTITION BY g ORDER BY t, id DESC ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) AS l, LAST_VALUE(x) OVER (PARTITION BY g ORDER BY t DESC NULLS FIRST, id ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) AS lf, LAST_VALUE(x) OVER (PARTITION BY g ORDER BY a, id RANGE BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) AS la FROM data ORDER BY id",
            json!([
                [1, 20, 40, 10, 40],
                [2, 20, 40, 10, 40],
                [3, 20, 40, 10, 40],
                [4, 20, 40, 10, 40],
                [5, 8, 8, 5, 7],
                [6, 8, 8, 5, 7],
                [7, 8, 8, 5, 7],
                [8, 8, 8, 5, 7]
            ]),
        ),
        // From the current row to the partition's end.
        (
            "SELECT id, SUM(x) OVER (PARTITION BY g ORDER BY id ROWS BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING) AS s, MIN(x) OVER (PARTITION BY g ORDER BY id ROWS BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING) AS m, COUNT(*) OVER (PARTITION BY g ORDER BY id ROWS BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING) AS c, FIRST_VALUE(x) OVER (PARTITION BY g ORDER BY id ROWS BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING) AS f, LAST_VALUE(x) OVER (PARTITION BY g ORDER BY id ROWS BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING) AS l FROM data ORDER BY id",
            json!([
                [1, 100, 10, 4, 10, 40],
                [2, 90, 20, 3, 20, 40],
                [3, 70, 30, 2, 30, 40],
                [4, 40, 40, 1, 40, 40],
                [5, 20, 5, 4, 5, 8],
                [6, 15, 7, 3, null, 8],
                [7, 15, 7, 2, 7, 8],
                [8, 8, 8, 1, 8, 8]
            ]),
        ),
        // NTH_VALUE: NULL until the frame reaches the n-th row (peers of `t` included by default).
        (
            "SELECT id, NTH_VALUE(x, 3) OVER (PARTITION BY g ORDER BY id) AS d, NTH_VALUE(x, 3) OVER (PARTITION BY g ORDER BY id ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) AS w, NTH_VALUE(x, 2) OVER (PARTITION BY g ORDER BY t) AS t2, NTH_VALUE(x, 2) OVER (PARTITION BY g ORDER BY id ROWS BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING) AS e FROM data ORDER BY id",
            json!([
                [1, null, 30, null, 20],
                [2, null, 30, 20, 30],
                [3, 30, 30, 20, 40],
                [4, 30, 30, 20, null],
                [5, null, 7, null, null],
                [6, null, 7, null, 7],
                [7, 7, 7, null, 8],
                [8, 7, 7, null, null]
            ]),
        ),
        (
            "SELECT id, NTH_VALUE(x, 2) OVER (ORDER BY t DESC ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS r, NTH_VALUE(x, 1) OVER (PARTITION BY g ORDER BY id ROWS BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING) AS o FROM data ORDER BY id",
            json!([
                [1, 7, 10],
                [2, 7, 20],
                [3, 7, 30],
                [4, 7, 40],
                [5, 7, 5],
                [6, 7, null],
                [7, 7, 7],
                [8, null, 8]
            ]),
        ),
        // Named windows, a window built on one, and one in the query's ORDER BY.
        (
            "SELECT id, SUM(x) OVER w AS s, LAST_VALUE(x) OVER (w ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) AS l, ROW_NUMBER() OVER w2 AS r FROM data WINDOW w AS (PARTITION BY g ORDER BY id), w2 AS (w) ORDER BY id",
            json!([
                [1, 10, 40, 1],
                [2, 30, 40, 2],
                [3, 60, 40, 3],
                [4, 100, 40, 4],
                [5, 5, 8, 1],
                [6, 5, 8, 2],
                [7, 12, 8, 3],
                [8, 20, 8, 4]
            ]),
        ),
        (
            "SELECT id, SUM(x) OVER (w ORDER BY id) AS s FROM data WINDOW w AS (PARTITION BY g) ORDER BY SUM(x) OVER w, id",
            json!([
                [5, 5],
                [6, 5],
                [7, 12],
                [8, 20],
                [1, 10],
                [2, 30],
                [3, 60],
                [4, 100]
            ]),
        ),
        // The rewrite the refusal of RANK() OVER (ORDER BY a, b) advises; descending, Polars puts NULLs last.
        (
            "WITH keyed AS (SELECT *, DENSE_RANK() OVER (ORDER BY b) AS key_rank FROM data) SELECT id, RANK() OVER (ORDER BY a, key_rank) AS r FROM keyed ORDER BY id",
            json!([
                [1, 2],
                [2, 2],
                [3, 1],
                [4, 5],
                [5, 7],
                [6, 4],
                [7, 8],
                [8, 5]
            ]),
        ),
        (
            "SELECT id, RANK() OVER (ORDER BY a DESC, b DESC) AS r FROM data ORDER BY id",
            json!([
                [1, 5],
                [2, 5],
                [3, 4],
                [4, 2],
                [5, 7],
                [6, 1],
                [7, 8],
                [8, 2]
            ]),
        ),
    ];
    expect_rows(&engine, &parquet, &catalog, cases).await;
}

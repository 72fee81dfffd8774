//! Windows models write that Polars SQL lacks: frames reaching the partition's end, NTH_VALUE and named
//! windows are rewritten (stable when validated again); RANK over several keys that may hold NULLs, which
//! Polars ranked wrongly, is refused with the WITH query to write. Answers are checked against SQLite in
//! the engine's `tests/window_frames.rs`.

mod common;

use common::*;

fn message(sql: &str) -> String {
    rejected_with(sql, "unsupported_syntax")
        .iter()
        .map(|i| i.message.clone())
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn frames_to_the_partition_end_are_written_as_windows_polars_runs() {
    let whole = "ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING";
    let last = ok(&format!(
        "SELECT id, LAST_VALUE(name) OVER (PARTITION BY country ORDER BY a {whole}) FROM data"
    ));
    // The first row in the reversed order, NULLs of `a` (last as written) first.
    assert!(
        last.sql().contains(
            "first_value(\"name\") OVER (PARTITION BY \"country\" ORDER BY CASE WHEN (\"a\") IS NULL \
             THEN 1 ELSE 0 END DESC NULLS FIRST, \"a\" DESC NULLS FIRST)"
        ),
        "{}",
        last.sql()
    );
    let sum = ok(
        "SELECT SUM(a) OVER (PARTITION BY country ORDER BY id RANGE BETWEEN UNBOUNDED PRECEDING AND \
         UNBOUNDED FOLLOWING) AS s FROM data",
    );
    assert!(
        sum.sql()
            .contains("SUM(\"a\") OVER (PARTITION BY \"country\") AS s"),
        "{}",
        sum.sql()
    );
    let to_end = ok(
        "SELECT SUM(a) OVER (ORDER BY id ROWS BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING) AS s, \
         FIRST_VALUE(a) OVER (ORDER BY id ROWS BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING) AS f FROM data",
    );
    assert!(!to_end.sql().contains("FOLLOWING"), "{}", to_end.sql());
    for sql in [
        format!("SELECT FIRST_VALUE(a) OVER (ORDER BY id DESC {whole}) AS f FROM data"),
        format!("SELECT COUNT(*) OVER (ORDER BY id {whole}) AS n, MIN(a) OVER (ORDER BY id {whole}) AS m FROM data"),
        format!("SELECT ROW_NUMBER() OVER (ORDER BY id {whole}) AS r FROM data"),
        "SELECT LAST_VALUE(a) OVER (ORDER BY id RANGE BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING) AS l FROM data"
            .to_string(),
    ] {
        let q = ok(&sql);
        assert!(!q.sql().contains("FOLLOWING"), "{sql}: {}", q.sql());
    }
    // A moving frame is still refused with its advice.
    message(
        "SELECT SUM(a) OVER (ORDER BY id RANGE BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING) FROM data",
    );
}

#[test]
fn nth_value_runs_with_an_order_and_is_refused_without() {
    for frame in [
        "",
        " ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW",
        " ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING",
        " ROWS BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING",
    ] {
        let q = ok(&format!(
            "SELECT NTH_VALUE(name, 2) OVER (PARTITION BY country ORDER BY a{frame}) AS n FROM data"
        ));
        assert!(!q.sql().to_lowercase().contains("nth_value"), "{}", q.sql());
    }
    for (sql, says) in [
        (
            "SELECT NTH_VALUE(name, 2) OVER (PARTITION BY country) FROM data",
            "without ORDER BY",
        ),
        (
            "SELECT NTH_VALUE(name, 0) OVER (ORDER BY id) FROM data",
            "whole number from 1",
        ),
        (
            "SELECT NTH_VALUE(name, a) OVER (ORDER BY id) FROM data",
            "whole number from 1",
        ),
        (
            "SELECT NTH_VALUE(name, 2) OVER (ORDER BY id ROWS BETWEEN 1 PRECEDING AND CURRENT ROW) FROM data",
            "this frame",
        ),
    ] {
        let m = message(sql);
        assert!(
            m.contains(says) && m.contains("NTH_VALUE(x, 2) OVER ("),
            "{sql}: {m}"
        );
    }
}

#[test]
fn named_windows_are_inlined() {
    let q = ok(
        "SELECT id, SUM(a) OVER w AS s, LAST_VALUE(a) OVER (w ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED \
         FOLLOWING) AS l, RANK() OVER w2 AS r FROM data WINDOW w AS (PARTITION BY country ORDER BY id), w2 AS (w) \
         ORDER BY SUM(a) OVER w",
    );
    assert!(!q.sql().contains("WINDOW"), "{}", q.sql());
    assert!(
        q.sql()
            .contains("SUM(\"a\") OVER (PARTITION BY \"country\" ORDER BY CASE WHEN (\"id\") IS NULL THEN 1 ELSE 0 END, \"id\") AS s"),
        "{}",
        q.sql()
    );
    let refined =
        ok("SELECT SUM(a) OVER (w ORDER BY id) FROM data WINDOW w AS (PARTITION BY country)");
    assert!(
        refined
            .sql()
            .contains("OVER (PARTITION BY \"country\" ORDER BY CASE WHEN (\"id\") IS NULL"),
        "{}",
        refined.sql()
    );
    // A subquery's WINDOW clause is its own.
    ok("SELECT id, (SELECT MAX(a) OVER w FROM data WINDOW w AS (ORDER BY id) LIMIT 1) FROM data");
    for (sql, says) in [
        (
            "SELECT SUM(a) OVER v FROM data WINDOW w AS (PARTITION BY country)",
            "`v` is not defined",
        ),
        ("SELECT SUM(a) OVER w FROM data", "WINDOW w AS ("),
        (
            "SELECT SUM(a) OVER (w PARTITION BY id) FROM data WINDOW w AS (PARTITION BY country)",
            "PARTITION BY of its own",
        ),
        (
            "SELECT SUM(a) OVER (w ORDER BY a) FROM data WINDOW w AS (ORDER BY id)",
            "ORDER BY of its own",
        ),
        (
            "SELECT SUM(a) OVER (w ORDER BY a) FROM data WINDOW w AS (PARTITION BY id ROWS UNBOUNDED PRECEDING)",
            "has a frame",
        ),
    ] {
        let m = message(sql);
        assert!(m.contains(says), "{sql}: {m}");
    }
}

#[test]
fn rank_over_two_keys_that_may_be_null_is_refused_with_the_with_query() {
    // Only the first key that may be NULL can be flagged: Polars sorted the NULLs of `id` first among rows
    // tied on `a` (SQLite's RANK, NULLs last: [2, 2, 1, ...], Polars' [1, 1, 3, ...]).
    for sql in [
        "SELECT RANK() OVER (ORDER BY a, id) FROM data",
        "SELECT DENSE_RANK() OVER (PARTITION BY country ORDER BY a, id DESC) FROM data",
        "SELECT CUME_DIST() OVER (ORDER BY a, id) FROM data",
        "SELECT PERCENT_RANK() OVER (ORDER BY a, id) FROM data",
    ] {
        let m = message(sql);
        assert!(
            m.contains("DENSE_RANK() OVER (ORDER BY \"id\"") && m.contains("key_rank FROM data)"),
            "{sql}: {m}"
        );
    }
    // Sorted descending, Polars puts the later key's NULLs last, where they belong; a key kept non-NULL by
    // WHERE needs no flag; ROW_NUMBER ranks the later key itself.
    ok("SELECT RANK() OVER (ORDER BY a DESC, id DESC) FROM data");
    ok("SELECT RANK() OVER (ORDER BY a, id) FROM data WHERE a IS NOT NULL");
    ok("SELECT ROW_NUMBER() OVER (ORDER BY a, id) FROM data");
    ok(
        "WITH keyed AS (SELECT *, DENSE_RANK() OVER (ORDER BY id) AS key_rank FROM data) SELECT RANK() OVER (ORDER BY a, key_rank) FROM keyed",
    );
    // A column another branch of a UNION may give NULLs is not known never to be NULL.
    message(
        "WITH keyed AS (SELECT a, 1 AS k FROM data UNION ALL SELECT a, NULL FROM data) SELECT RANK() OVER \
         (ORDER BY a, k) FROM keyed",
    );
}

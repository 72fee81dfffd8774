//! The dialect's rewrites, as SQL text in and out.

use super::*;

/// `sql` as Polars should run it, or `None` when nothing needed changing.
fn for_polars(sql: &str) -> Option<String> {
    let mut query = parse_query(sql)?;
    adapt(&mut query).then(|| query.to_string())
}

fn adapted(sql: &str) -> String {
    for_polars(sql).unwrap_or_else(|| sql.to_owned())
}

#[test]
fn narrow_integers_are_widened() {
    assert_eq!(
        adapted("SELECT count(*) - 12 AS n FROM data"),
        "SELECT CAST(count(*) AS BIGINT) - 12 AS n FROM data"
    );
    assert_eq!(
        adapted(
            "SELECT EXTRACT(MONTH FROM d) * 100, date_part('hour', t), date_part('epoch', t) FROM data"
        ),
        "SELECT CAST(EXTRACT(MONTH FROM d) AS BIGINT) * 100, CAST(date_part('hour', t) AS BIGINT), date_part('epoch', t) FROM data"
    );
    assert_eq!(
        adapted("SELECT row_number() OVER (ORDER BY a) - 5, length(s) FROM data"),
        "SELECT CAST(row_number() OVER (ORDER BY a) AS BIGINT) - 5, CAST(length(s) AS BIGINT) FROM data"
    );
    assert_eq!(
        adapted("SELECT CAST(a AS INT) * 1000000, CAST(b AS REAL) FROM data"),
        "SELECT CAST(a AS BIGINT) * 1000000, CAST(b AS DOUBLE) FROM data"
    );
    assert_eq!(
        adapted("SELECT sum(CASE WHEN v >= 0 THEN 100000 ELSE -1 END) FROM data"),
        "SELECT sum(CASE WHEN v >= 0 THEN CAST(100000 AS BIGINT) ELSE CAST(-1 AS BIGINT) END) FROM data"
    );
}

#[test]
fn sums_of_constants_count_rows() {
    assert_eq!(
        adapted("SELECT SUM(1), sum(IF(a > 0, 1000000000, 0)), SUM(a) FROM data"),
        "SELECT (CAST(1 AS BIGINT)) * CAST(count(*) AS BIGINT), \
         sum(IF(a > 0, CAST(1000000000 AS BIGINT), CAST(0 AS BIGINT))), SUM(a) FROM data"
    );
    // Per window, or of distinct values, the sum is left as written.
    assert_eq!(
        for_polars("SELECT SUM(DISTINCT a), SUM(b) OVER () FROM data"),
        None
    );
}

#[test]
fn running_averages_are_running() {
    assert_eq!(
        adapted("SELECT AVG(x) OVER (PARTITION BY g ORDER BY d), AVG(x) OVER () FROM data"),
        "SELECT (CAST(sum(x) OVER (PARTITION BY g ORDER BY d) AS DOUBLE) / \
         CAST(count(x) OVER (PARTITION BY g ORDER BY d) AS DOUBLE)), AVG(x) OVER () FROM data"
    );
}

#[test]
fn sqlite_spellings_become_polars_spellings() {
    assert_eq!(
        adapted("SELECT log(2, 8), log(100), strftime('%Y', d), strftime(d, '%m') FROM data"),
        "SELECT log(8, 2), log10(100), strftime(d, '%Y'), strftime(d, '%m') FROM data"
    );
    assert_eq!(
        adapted("SELECT a FROM data WHERE a > 1e5 AND b < 2.5E-3 AND c = 12"),
        "SELECT a FROM data WHERE a > 100000.0 AND b < 0.0025 AND c = 12"
    );
    assert_eq!(
        adapted("SELECT a FROM data WHERE a < 1e400"),
        "SELECT a FROM data WHERE a < 1e400"
    );
    assert_eq!(plain_decimal(2e-6), "0.000002");
    assert_eq!(plain_decimal(-3.0), "-3.0");
}

#[test]
fn plain_queries_are_left_alone() {
    for sql in [
        "SELECT a, b FROM data WHERE c = 'x' GROUP BY 1, 2 ORDER BY 1 LIMIT 5",
        "SELECT abs(a), substr(s, 1, 4), CAST(a AS DOUBLE) FROM data",
    ] {
        assert_eq!(for_polars(sql), None, "{sql}");
    }
}

#[test]
fn rounding_positions_and_powers_take_sqls_values() {
    assert_eq!(
        adapted("SELECT round(a, 2), round(a), power(2, -1) FROM data"),
        "SELECT (CASE WHEN ABS(a) >= 1000000000000.0 OR ABS(ROUND(a, 2)) = ROUND(FLOOR(ABS(a) * 100 + 0.5 + \
         POWER(10.0, FLOOR(LOG10(ABS(a))) - 12) * 0.5) / 100, 2) THEN ROUND(a, 2) ELSE ROUND(2 * (a) - ROUND(a, 2), 2) \
         END), (CASE WHEN ABS(a) >= 4503599627370496.0 OR ABS(ROUND(a)) = FLOOR(ABS(a) + 0.5) THEN ROUND(a) \
         ELSE ROUND(2 * (a) - ROUND(a)) END), (POWER(CAST(2 AS DOUBLE), -1)) FROM data"
    );
    // Past 14 places (the digits of a float), and at negative places (which Polars refuses, naming them),
    // Polars' ROUND is left as written.
    assert_eq!(
        for_polars("SELECT round(a, 15), round(a, -1) FROM data"),
        None
    );
    // Nested, the argument grows eightfold per level; past 16 KiB Polars' ROUND stays.
    let nested = (0..16).fold("a".to_string(), |x, _| format!("round({x}, 1)"));
    let adapted_nested = adapted(&format!("SELECT {nested} FROM data"));
    assert!(adapted_nested.len() < 300_000, "{}", adapted_nested.len());
    assert!(adapted_nested.contains("FLOOR(ABS("), "{adapted_nested}");
    assert_eq!(
        adapted("SELECT strpos(s, 'é'), position('x' IN s), strpos(s, t) FROM data"),
        "SELECT (CASE WHEN s IS NULL THEN NULL WHEN LENGTH(SPLIT_PART(s, 'é', 1)) = LENGTH(s) THEN \
         CAST(0 AS BIGINT) ELSE CAST(LENGTH(SPLIT_PART(s, 'é', 1)) AS BIGINT) + 1 END), (CASE WHEN s IS NULL \
         THEN NULL WHEN LENGTH(SPLIT_PART(s, 'x', 1)) = LENGTH(s) THEN CAST(0 AS BIGINT) ELSE \
         CAST(LENGTH(SPLIT_PART(s, 'x', 1)) AS BIGINT) + 1 END), (CASE WHEN s IS NULL OR t IS NULL THEN NULL \
         ELSE CAST(STRPOS(s, t) AS BIGINT) END) FROM data"
    );
    // A power already of a float is left alone; ROUND to a place count that is not a literal too.
    assert_eq!(
        for_polars("SELECT power(CAST(a AS DOUBLE), 2), round(a, b) FROM data"),
        None
    );
}

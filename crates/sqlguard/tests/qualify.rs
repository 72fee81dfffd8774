//! QUALIFY with its standard meaning: rewritten to a derived table that polars can run.

use sqlguard::{Catalog, Column, Table, ValidatedQuery};

/// The db-benchmark groupby table `x`, as its stored dataset describes it: no NULLs (so its windows need
/// no NULL placement; `compat.rs` tests that).
fn catalog() -> Catalog {
    let columns = [
        ("id1", "str"),
        ("id2", "str"),
        ("id3", "str"),
        ("id4", "i64"),
        ("id5", "i64"),
        ("id6", "i64"),
        ("v1", "i64"),
        ("v2", "i64"),
        ("v3", "f64"),
    ];
    let columns = columns
        .iter()
        .map(|(name, dtype)| Column::new(*name, *dtype).without_nulls())
        .collect();
    Catalog::new(vec![Table::new("x", Vec::new(), columns)])
}

/// Accept `sql`, and check that what it normalised to is itself accepted (it is what will run).
fn ok(sql: &str) -> ValidatedQuery {
    let q = ValidatedQuery::parse(sql, &catalog())
        .unwrap_or_else(|issues| panic!("expected `{sql}` to be accepted, got {issues:#?}"));
    let again = ValidatedQuery::parse(q.sql(), &catalog())
        .unwrap_or_else(|issues| panic!("the rewrite `{}` was rejected: {issues:#?}", q.sql()));
    assert!(
        !rewritten(&again),
        "a rewrite is rewritten again: {}",
        again.sql()
    );
    q
}

fn rewritten(q: &ValidatedQuery) -> bool {
    q.notes().iter().any(|n| n.rule.id() == "qualify_rewritten")
}

/// Assert `sql` is accepted and runs as written (up to identifier quoting).
fn untouched(sql: &str) {
    let q = ok(sql);
    assert!(!rewritten(&q), "{}", q.sql());
    assert!(q.sql().contains("QUALIFY"), "{}", q.sql());
}

#[test]
fn qualify_on_renamed_source_columns_becomes_a_derived_table() {
    // db-benchmark groupby question 8.
    let q = ok(
        "SELECT id6, v3 AS largest2_v3 FROM x WHERE v3 IS NOT NULL QUALIFY row_number() OVER (PARTITION BY id6 ORDER BY v3 DESC) <= 2",
    );
    assert_eq!(
        q.sql(),
        r#"SELECT * EXCLUDE ("__qualify_1") FROM (SELECT "id6", "v3" AS largest2_v3, row_number() OVER (PARTITION BY "id6" ORDER BY "v3" DESC) AS "__qualify_1" FROM x WHERE "v3" IS NOT NULL) AS "__qualified" WHERE "__qualify_1" <= 2"#
    );
    let notes: Vec<&str> = q.notes().iter().map(|n| n.rule.id()).collect();
    assert_eq!(notes, ["qualify_rewritten"]);
    assert!(q.notes()[0].message.contains("`__qualify_1`"));
    assert!(q.notes()[0].rule.is_note());
}

#[test]
fn order_by_and_limit_apply_to_the_filtered_rows() {
    // Source columns outside windows (`v1`), output aliases (`best`), sort keys that are not output
    // columns (`v2`, `v3 + 1`) and the same window twice.
    let q = ok(
        "SELECT id6, v3 AS best FROM x QUALIFY row_number() OVER (PARTITION BY id6 ORDER BY v3 DESC) <= 2 \
         AND v1 > 0 AND best > 1 AND row_number() OVER (PARTITION BY id6 ORDER BY v3 DESC) > 0 \
         ORDER BY v2, best DESC, v3 + 1 LIMIT 5 OFFSET 1",
    );
    assert_eq!(
        q.sql(),
        r#"SELECT * EXCLUDE ("__qualify_1", "__qualify_2", "__qualify_3", "__qualify_4") FROM (SELECT "id6", "v3" AS best, row_number() OVER (PARTITION BY "id6" ORDER BY "v3" DESC) AS "__qualify_1", "v1" AS "__qualify_2", "v2" AS "__qualify_3", "v3" + 1 AS "__qualify_4" FROM x) AS "__qualified" WHERE "__qualify_1" <= 2 AND "__qualify_2" > 0 AND best > 1 AND "__qualify_1" > 0 ORDER BY "__qualify_3", best DESC NULLS LAST, "__qualify_4" LIMIT 5 OFFSET 1"#
    );
    // A sort key that is a projected expression sorts by its output column.
    let q = ok(
        "SELECT id6, v1 * 2 AS d FROM x QUALIFY rank() OVER (ORDER BY v3) = 1 ORDER BY v1 * 2, id6",
    );
    assert!(q.sql().ends_with(r#"ORDER BY "d", "id6""#), "{}", q.sql());
}

#[test]
fn select_star_keeps_its_columns_and_positions() {
    let q = ok("SELECT * FROM x QUALIFY rank() OVER (ORDER BY v1) <= 2 ORDER BY 2 DESC");
    assert_eq!(
        q.sql(),
        r#"SELECT * EXCLUDE ("__qualify_1") FROM (SELECT *, rank() OVER (ORDER BY "v1") AS "__qualify_1" FROM x) AS "__qualified" WHERE "__qualify_1" <= 2 ORDER BY 2 DESC NULLS LAST"#
    );
}

#[test]
fn qualify_in_subqueries_and_under_with_is_rewritten_in_place() {
    // (A WITH query's columns may hold NULLs, as far as the validator knows: its window gets the flag.)
    let q = ok(
        "WITH t AS (SELECT * FROM x) SELECT id6 FROM t WHERE id6 IN \
         (SELECT id6 FROM t QUALIFY row_number() OVER (ORDER BY v3) <= 2)",
    );
    assert!(
        q.sql().starts_with("WITH t AS (SELECT * FROM x) SELECT"),
        "{}",
        q.sql()
    );
    assert!(
        q.sql().contains(r#"IN (SELECT * EXCLUDE ("__qualify_1") FROM (SELECT "id6", row_number() OVER (ORDER BY CASE WHEN ("v3") IS NULL THEN 1 ELSE 0 END, "v3") AS "__qualify_1" FROM t) AS "__qualified" WHERE "__qualify_1" <= 2)"#),
        "{}",
        q.sql()
    );
    // The WITH of the rewritten query itself stays outermost.
    let q = ok(
        "WITH t AS (SELECT id6, v3 FROM x) SELECT v3 AS w FROM t QUALIFY row_number() OVER (ORDER BY v3) = 1",
    );
    assert!(q.sql().starts_with("WITH t AS"), "{}", q.sql());
    assert!(rewritten(&q));
}

#[test]
fn qualify_on_output_columns_runs_as_written() {
    untouched("SELECT id6, row_number() OVER (ORDER BY v1) AS rn FROM x QUALIFY rn <= 3");
    untouched("SELECT id6, v1 FROM x QUALIFY v1 > 3");
}

#[test]
fn grouped_distinct_and_unclear_qualifies_are_left_alone() {
    // A window over groups is refused (Polars fails on it: "lengths don't match").
    assert!(
        ValidatedQuery::parse(
            "SELECT id6, count(*) AS n FROM x GROUP BY id6 QUALIFY rank() OVER (ORDER BY count(*) DESC) = 1",
            &catalog()
        )
        .is_err()
    );
    untouched(
        "SELECT DISTINCT id6 FROM x QUALIFY row_number() OVER (PARTITION BY id6 ORDER BY v1) = 1",
    );
    // A window over an output alias cannot move below the projection.
    untouched("SELECT v3 AS w FROM x QUALIFY row_number() OVER (ORDER BY w) <= 2");
    // Subqueries in QUALIFY.
    untouched("SELECT v3 AS w FROM x QUALIFY v1 > (SELECT avg(v1) FROM x)");
}

#[test]
fn hidden_columns_never_clash_with_real_ones() {
    let catalog = Catalog::single("t", &[], &[("__qualify_1", "i64"), ("v", "i64")]);
    let q = ValidatedQuery::parse(
        r#"SELECT "__qualify_1" AS a FROM t QUALIFY row_number() OVER (ORDER BY v) = 1"#,
        &catalog,
    )
    .unwrap();
    assert!(q.sql().contains(r#"AS "__qualify_2""#), "{}", q.sql());
    assert!(ValidatedQuery::parse(q.sql(), &catalog).is_ok());
}

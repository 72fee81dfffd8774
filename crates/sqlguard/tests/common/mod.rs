//! Shared helpers for the integration tests.
#![allow(dead_code)]

use sqlguard::{Catalog, Issue, ValidatedQuery};

/// One table `data` (also known as `x` and `singer`) with a few columns.
pub fn catalog() -> Catalog {
    Catalog::single(
        "data",
        &["x", "singer"],
        &[
            ("id", "i64"),
            ("name", "str"),
            ("Age", "i64"),
            ("country", "str"),
            ("a", "i64"),
            ("Song Name", "str"),
        ],
    )
}

/// Accepted, and stable: the calculator validates the sidecar's normalised SQL again and runs the result, so
/// a second pass must accept it and leave it as it is.
pub fn ok(sql: &str) -> ValidatedQuery {
    let q = match ValidatedQuery::parse(sql, &catalog()) {
        Ok(q) => q,
        Err(issues) => panic!("expected `{sql}` to be accepted, got {issues:#?}"),
    };
    match ValidatedQuery::parse(q.sql(), &catalog()) {
        Ok(again) => assert_eq!(
            again.sql(),
            q.sql(),
            "`{sql}` normalises to SQL that changes when normalised again"
        ),
        Err(issues) => panic!(
            "`{sql}` normalises to `{}`, which is rejected: {issues:#?}",
            q.sql()
        ),
    }
    q
}

pub fn rejected(sql: &str) -> Vec<Issue> {
    match ValidatedQuery::parse(sql, &catalog()) {
        Ok(q) => panic!(
            "expected `{sql}` to be rejected, but it normalised to `{}`",
            q.sql()
        ),
        Err(issues) => {
            assert!(!issues.is_empty(), "rejection of `{sql}` carried no issue");
            issues
        }
    }
}

/// Assert `sql` is rejected and one of the issues has rule id `rule`.
pub fn rejected_with(sql: &str, rule: &str) -> Vec<Issue> {
    let issues = rejected(sql);
    assert!(
        issues.iter().any(|i| i.rule.id() == rule),
        "expected rule `{rule}` for `{sql}`, got {issues:#?}"
    );
    issues
}

//! Set operations (UNION, EXCEPT, INTERSECT) in the shapes Polars evaluates as written.
//!
//! Polars loses the left side of a set operation whose operand is itself an EXCEPT or INTERSECT:
//! `A EXCEPT B UNION ALL C` answered `B UNION ALL C`. It also resolves a set operation's ORDER BY against
//! its last SELECT's names, so `... AS c UNION ALL SELECT 'Total', COUNT(*) ... ORDER BY c` failed. Both
//! run as written once the inner operation, or the whole one before its ORDER BY, reads from a subquery.

use sqlparser::ast::{Query, SetExpr, SetOperator};

/// The columns of a set operation that hold dates: those whose column holds dates on both sides, by
/// position (a date under a datetime becomes a datetime).
pub(crate) fn shared_dates(left: &crate::walk::Output, right: &crate::walk::Output) -> Vec<String> {
    left.columns
        .iter()
        .enumerate()
        .filter(|(i, name)| {
            left.dates.contains(name)
                && right
                    .columns
                    .get(*i)
                    .is_some_and(|other| right.dates.contains(other))
        })
        .map(|(_, name)| name.clone())
        .collect()
}

/// Wraps each operand of the set operation `body` that is an EXCEPT or INTERSECT in a subquery.
pub(crate) fn group_operands(body: &mut SetExpr) {
    if let SetExpr::SetOperation { left, right, .. } = body {
        for operand in [left, right] {
            let nested = matches!(
                operand.as_ref(),
                SetExpr::SetOperation {
                    op: SetOperator::Except | SetOperator::Minus | SetOperator::Intersect,
                    ..
                }
            );
            if nested && let Some(wrapped) = from_subquery(operand, "__set") {
                **operand = wrapped;
            }
        }
    }
}

/// Makes a set operation with an ORDER BY read from a subquery, so that the ORDER BY names its result's
/// columns (those of its first SELECT).
pub(crate) fn order_from_subquery(q: &mut Query) {
    if q.order_by.is_some()
        && matches!(q.body.as_ref(), SetExpr::SetOperation { .. })
        && let Some(wrapped) = from_subquery(&q.body, "__union")
    {
        *q.body = wrapped;
    }
}

/// `SELECT * FROM (<body>) AS "<alias>"`.
fn from_subquery(body: &SetExpr, alias: &str) -> Option<SetExpr> {
    crate::parse_query_body(&format!("SELECT * FROM ({body}) AS \"{alias}\""))
}

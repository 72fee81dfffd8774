//! An inner join's ON conditions that are no pairing move to WHERE (where they mean the same, and where
//! Polars runs them); `IS [NOT] DISTINCT FROM` there is written as comparisons that are never NULL.

use sqlparser::ast::{BinaryOperator, Expr, JoinConstraint, JoinOperator, Select};

use crate::join_conditions::{compares_tables, conjuncts, pairs_columns, runs_in_on};

/// An inner join's ON conditions other than `a.x = b.y` (`b.dept = 'IT'`) move to WHERE, where they mean the
/// same: Polars applied `b.dept = 'IT'` to the left table. Only while a pairing is left in the ON, except
/// what Polars refuses in ON (`a.x IS NOT DISTINCT FROM b.x`, an OR, a NOT): it always moves, and a join
/// left with no condition is a CROSS JOIN filtered by the WHERE. Returns false when such a filter had to
/// stay: a RIGHT or FULL join keeps rows that the filter in WHERE would drop.
pub(crate) fn inner_join_filters_to_where(s: &mut Select) -> bool {
    let keeps_unmatched = s.from.iter().flat_map(|twj| &twj.joins).any(|join| {
        matches!(
            join.join_operator,
            JoinOperator::Right(_) | JoinOperator::RightOuter(_) | JoinOperator::FullOuter(_)
        )
    });
    let mut moved = Vec::new();
    for twj in &mut s.from {
        for join in &mut twj.joins {
            let (JoinOperator::Join(JoinConstraint::On(on))
            | JoinOperator::Inner(JoinConstraint::On(on))) = &mut join.join_operator
            else {
                continue;
            };
            if crate::syntax::shallow(on) {
                // Every IS [NOT] DISTINCT FROM in it, not only one at the top (`(a IS NOT DISTINCT FROM b
                // OR c) AND d` read `b OR c` as the right side).
                let _ = sqlparser::ast::visit_expressions_mut(on, |x| {
                    crate::foreign_calls::mend_bracketed_distinct_from(x);
                    crate::foreign_calls::distinct_from_precedence(x);
                    std::ops::ControlFlow::<()>::Continue(())
                });
            }
            let parts = conjuncts(on);
            let paired = parts.iter().any(|c| pairs_columns(c));
            let must_move = parts.iter().any(|c| !runs_in_on(c) || !compares_tables(c));
            if !must_move && (!paired || parts.iter().all(|c| pairs_columns(c))) {
                continue;
            }
            if keeps_unmatched {
                return false;
            }
            // With a pairing left, every other condition moves (as above); without, only those Polars
            // refuses in ON (`a.id < b.id` stays, which Polars runs).
            let (kept, filters): (Vec<&Expr>, Vec<&Expr>) = parts.into_iter().partition(|c| {
                if paired {
                    pairs_columns(c)
                } else {
                    runs_in_on(c) && compares_tables(c)
                }
            });
            let joined = |parts: Vec<&Expr>| parts.into_iter().cloned().reduce(and);
            let filters: Vec<Expr> = filters.into_iter().map(as_comparisons).collect();
            let Some(filters) = filters.into_iter().reduce(and) else {
                continue;
            };
            match joined(kept) {
                Some(kept) => *on = kept,
                None => join.join_operator = JoinOperator::CrossJoin(JoinConstraint::None),
            }
            moved.push(filters);
        }
    }
    for filter in moved {
        // Not a test that swallowed an OR: in brackets it would read as written so (see
        // `foreign_calls::mend_bracketed_distinct_from`), and it is to be refused instead.
        let swallowed_or = matches!(&filter, Expr::IsDistinctFrom(_, b) | Expr::IsNotDistinctFrom(_, b)
            if matches!(b.as_ref(), Expr::BinaryOp { op: BinaryOperator::Or | BinaryOperator::Xor, .. }));
        let filter = if swallowed_or {
            filter
        } else {
            Expr::Nested(Box::new(filter))
        };
        s.selection = Some(match s.selection.take() {
            Some(existing) => and(Expr::Nested(Box::new(existing)), filter),
            None => filter,
        });
    }
    true
}

/// `a IS NOT DISTINCT FROM b` as `(COALESCE(a = b, FALSE) OR (a IS NULL AND b IS NULL))`, and `a IS
/// DISTINCT FROM b` as `(COALESCE(a <> b, FALSE) OR (a IS NULL) <> (b IS NULL))`: true or false, never NULL,
/// so that a NOT around them keeps its rows. Polars 0.55 drops the other conditions of a WHERE that starts
/// with `a.x IS NOT DISTINCT FROM b.x AND ...` over a join.
fn as_comparisons(e: &Expr) -> Expr {
    let mut rewritten = e.clone();
    // Anywhere in the condition (`(a.x IS NOT DISTINCT FROM b.x OR ...)`: Polars answered it wrongly in WHERE).
    if crate::syntax::shallow(&rewritten) {
        let _ = sqlparser::ast::visit_expressions_mut(&mut rewritten, |x| {
            let swallowed_or = matches!(x, Expr::IsDistinctFrom(_, b) | Expr::IsNotDistinctFrom(_, b)
                if matches!(b.as_ref(), Expr::BinaryOp { op: BinaryOperator::Or | BinaryOperator::Xor, .. }));
            if matches!(x, Expr::IsDistinctFrom(..) | Expr::IsNotDistinctFrom(..)) && !swallowed_or
            {
                *x = comparisons_of(x);
            }
            std::ops::ControlFlow::<()>::Continue(())
        });
    }
    rewritten
}

/// One `a IS [NOT] DISTINCT FROM b` as the comparisons of [`as_comparisons`].
fn comparisons_of(e: &Expr) -> Expr {
    let e = match e {
        Expr::Nested(inner) => inner,
        other => other,
    };
    let text = match e {
        Expr::IsNotDistinctFrom(a, b) => {
            format!("(COALESCE({a} = {b}, FALSE) OR ({a} IS NULL AND {b} IS NULL))")
        }
        Expr::IsDistinctFrom(a, b) => {
            format!("(COALESCE({a} <> {b}, FALSE) OR ({a} IS NULL) <> ({b} IS NULL))")
        }
        _ => return e.clone(),
    };
    match crate::parse_expression(&text) {
        Some(x @ Expr::Nested(_)) => x,
        Some(x) => Expr::Nested(Box::new(x)),
        None => e.clone(),
    }
}

/// `left AND right`, each side in parentheses unless it binds at least as tightly (a condition moved from
/// an ON lost its own: `(b.k = 1 OR b.k IS NULL)` beside another became `... AND b.k = 1 OR b.k IS NULL`).
pub(crate) fn and(left: Expr, right: Expr) -> Expr {
    let bracketed = |e: Expr| match e {
        Expr::BinaryOp {
            op: BinaryOperator::Or | BinaryOperator::Xor,
            ..
        } => Expr::Nested(Box::new(e)),
        other => other,
    };
    Expr::BinaryOp {
        left: Box::new(bracketed(left)),
        op: BinaryOperator::And,
        right: Box::new(bracketed(right)),
    }
}

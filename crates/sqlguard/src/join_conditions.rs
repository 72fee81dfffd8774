//! The conditions of a join's ON: which pair rows (`a.x = b.y`, `b.n = a.n - 1`), which filter one table,
//! which Polars runs there at all; shared by the join checks and rewrites.

use std::ops::ControlFlow;

use sqlparser::ast::{BinaryOperator, Expr, Ident, TableFactor, visit_expressions};

/// The parts of `a AND b AND c`.
pub(crate) fn conjuncts(e: &Expr) -> Vec<&Expr> {
    match e {
        Expr::BinaryOp {
            left,
            op: BinaryOperator::And,
            right,
        } => {
            let mut parts = conjuncts(left);
            parts.extend(conjuncts(right));
            parts
        }
        Expr::Nested(inner) => conjuncts(inner),
        other => vec![other],
    }
}

/// `a.x = b.y`: what a join pairs rows by.
pub(crate) fn pairs_columns(e: &Expr) -> bool {
    let column = |x: &Expr| matches!(x, Expr::Identifier(_) | Expr::CompoundIdentifier(_));
    matches!(e, Expr::BinaryOp { left, op: BinaryOperator::Eq, right }
        if column(left) && column(right) && !one_table(left, right))
}

/// `b.n = a.n - 1`: each side reads the qualified columns of one table, another than the other side's,
/// and nothing else of the query (no subquery, aggregate or window), so Polars pairs rows by the two values
/// as it does by two columns (the previous period, an outer join's usual key).
pub(crate) fn pairs_expressions(e: &Expr) -> bool {
    let Expr::BinaryOp {
        left,
        op: BinaryOperator::Eq,
        right,
    } = e
    else {
        return false;
    };
    matches!((table_read(left), table_read(right)), (Some(l), Some(r)) if l != r)
}

/// The one table (lower-cased qualifier) whose qualified columns `x` reads, when it reads nothing else of
/// the query: no unqualified column, subquery, aggregate or window. Bounded: a side nested too deep for the
/// walker (which rejects it) reads "nothing known".
pub(crate) fn table_read(x: &Expr) -> Option<String> {
    if !crate::syntax::shallow(x) {
        return None;
    }
    let mut tables = Vec::new();
    let mut other = false;
    let _ = visit_expressions(x, |y| {
        match y {
            Expr::CompoundIdentifier(parts) if parts.len() == 2 => {
                tables.push(parts[0].value.to_lowercase())
            }
            Expr::Identifier(_)
            | Expr::CompoundIdentifier(_)
            | Expr::Subquery(_)
            | Expr::Exists { .. }
            | Expr::InSubquery { .. } => other = true,
            Expr::Function(f) if f.over.is_some() || crate::bare::is_aggregate(f) => other = true,
            _ => {}
        }
        ControlFlow::<()>::Continue(())
    });
    tables.sort();
    tables.dedup();
    match tables.as_slice() {
        [only] if !other => Some(only.clone()),
        _ => None,
    }
}

/// Both sides name columns of one table (`b.k = b.x`): Polars applied such a condition in ON to the left
/// table; it is a filter, not a pairing.
pub(crate) fn one_table(left: &Expr, right: &Expr) -> bool {
    let table = |x: &Expr| match x {
        Expr::CompoundIdentifier(parts) if parts.len() >= 2 => {
            Some(parts[parts.len() - 2].value.to_lowercase())
        }
        _ => None,
    };
    matches!((table(left), table(right)), (Some(l), Some(r)) if l == r)
}

/// A comparison whose sides name columns of two tables (`a.id < b.id`), which Polars runs in ON; a condition
/// on one table there (`b.k = 1`) it applied to the left table.
pub(crate) fn compares_tables(e: &Expr) -> bool {
    let Expr::BinaryOp { left, right, .. } = e else {
        return false;
    };
    let tables = |x: &Expr| {
        let mut found = Vec::new();
        let _ = visit_expressions(x, |y| {
            if let Expr::CompoundIdentifier(parts) = y
                && parts.len() >= 2
            {
                found.push(parts[parts.len() - 2].value.to_lowercase());
            }
            ControlFlow::<()>::Continue(())
        });
        found
    };
    let (l, r) = (tables(left), tables(right));
    !l.is_empty() && !r.is_empty() && l.iter().any(|t| !r.contains(t))
}

/// `a IS [NOT] DISTINCT FROM b`, which Polars has as an expression but not in a join's ON.
pub(crate) fn distinct_from(e: &Expr) -> bool {
    matches!(e, Expr::IsDistinctFrom(..) | Expr::IsNotDistinctFrom(..))
}

/// A condition Polars runs in a join's ON: a comparison (`a.x = b.y`, `a.id < b.id`). It refuses the rest:
/// `a IS [NOT] DISTINCT FROM b`, an OR ("unsupported join constraint operator 'Or'"), a NOT.
pub(crate) fn runs_in_on(e: &Expr) -> bool {
    matches!(
        e,
        Expr::BinaryOp {
            op: BinaryOperator::Eq
                | BinaryOperator::NotEq
                | BinaryOperator::Lt
                | BinaryOperator::LtEq
                | BinaryOperator::Gt
                | BinaryOperator::GtEq,
            ..
        }
    )
}

/// The name a side's columns are qualified with: its alias, else its table name.
pub(crate) fn factor_name(factor: &TableFactor) -> Option<Ident> {
    match factor {
        TableFactor::Table { alias: Some(a), .. } | TableFactor::Derived { alias: Some(a), .. } => {
            Some(a.name.clone())
        }
        TableFactor::Table { name, .. } => name.0.last().and_then(|p| p.as_ident()).cloned(),
        _ => None,
    }
}

/// The columns a NATURAL join with the relation seen as `right` pairs by: those it shares with the relations
/// before it in the SELECT's scope. `None` when `right` is not among them.
pub(crate) fn natural_columns(
    right: &str,
    relations: &[crate::scope::Relation],
) -> Option<Vec<String>> {
    let at = relations
        .iter()
        .position(|r| r.visible.eq_ignore_ascii_case(right))?;
    Some(
        relations[at]
            .columns
            .iter()
            .filter(|c| relations[..at].iter().any(|r| r.columns.contains(c)))
            .cloned()
            .collect(),
    )
}

//! HAVING in the shapes Polars evaluates: conditions on group keys, and HAVING without GROUP BY.
//!
//! Polars evaluates HAVING per group, where a group key is a list: `GROUP BY dept HAVING dept = 'IT'` failed
//! with "cannot cast List type". A condition without aggregates can only name group keys, so it means the
//! same in WHERE, where it runs. Polars also refused HAVING without GROUP BY, which SQLite and PostgreSQL
//! apply to the one group of all rows: `SELECT COUNT(*) FROM data HAVING COUNT(*) > 10`.

use sqlparser::ast::{
    BinaryOperator, Expr, GroupByExpr, Ident, Query, Select, SelectItem, SetExpr, Visit, Visitor,
};
use std::ops::ControlFlow;

/// Moves the conditions of `s`'s HAVING that hold no aggregate (nor a window, nor one of `aliases`, the
/// SELECT list's names) to its WHERE, in a query with GROUP BY keys.
pub(crate) fn key_filters_to_where(s: &mut Select, aliases: &[String]) {
    let keyed = matches!(&s.group_by, GroupByExpr::Expressions(keys, _) if !keys.is_empty());
    if !keyed {
        return;
    }
    let Some(having) = s.having.take() else {
        return;
    };
    let (keys, rest): (Vec<Expr>, Vec<Expr>) = conjuncts(having)
        .into_iter()
        .partition(|c| names_only_columns(c, aliases));
    s.having = and_all(rest);
    if let Some(keys) = and_all(keys) {
        s.selection = Some(match s.selection.take() {
            Some(filter) => and(Expr::Nested(Box::new(filter)), keys),
            None => keys,
        });
    }
}

/// Rewrites an aggregate SELECT with HAVING and no GROUP BY to filter its one row from outside: the
/// conditions become a hidden output column, those naming an output column (`HAVING n > 1`) a WHERE on it.
pub(crate) fn without_groups(q: &mut Query, aliases: &[String]) {
    let SetExpr::Select(s) = q.body.as_mut() else {
        return;
    };
    let grouped = match &s.group_by {
        GroupByExpr::Expressions(keys, _) => !keys.is_empty(),
        GroupByExpr::All(_) => true,
    };
    if grouped || s.having.is_none() {
        return;
    }
    let mut s = (**s).clone();
    let Some(having) = s.having.take() else {
        return;
    };
    let (inside, outside): (Vec<Expr>, Vec<Expr>) = conjuncts(having)
        .into_iter()
        .partition(|c| !mentions_alias(c, aliases));
    let mut outer = vec![];
    if let Some(inside) = and_all(inside) {
        s.projection.push(SelectItem::ExprWithAlias {
            expr: Expr::Nested(Box::new(inside)),
            alias: Ident::with_quote('"', "__having"),
        });
        outer.push(r#""__having""#.to_string());
    }
    outer.extend(outside.iter().map(|c| format!("({c})")));
    let hidden = if outer.first().is_some_and(|c| c == r#""__having""#) {
        r#" EXCLUDE ("__having")"#
    } else {
        ""
    };
    let text = format!(
        "SELECT *{hidden} FROM ({s}) AS \"__had\" WHERE {}",
        outer.join(" AND ")
    );
    if let Some(rewritten) = crate::parse_query_body(&text) {
        *q.body = rewritten;
    }
}

fn conjuncts(e: Expr) -> Vec<Expr> {
    match e {
        Expr::BinaryOp {
            left,
            op: BinaryOperator::And,
            right,
        } => {
            let mut all = conjuncts(*left);
            all.extend(conjuncts(*right));
            all
        }
        Expr::Nested(inner)
            if matches!(
                *inner,
                Expr::BinaryOp {
                    op: BinaryOperator::And,
                    ..
                }
            ) =>
        {
            conjuncts(*inner)
        }
        other => vec![other],
    }
}

fn and(left: Expr, right: Expr) -> Expr {
    Expr::BinaryOp {
        left: Box::new(left),
        op: BinaryOperator::And,
        right: Box::new(right),
    }
}

fn and_all(parts: Vec<Expr>) -> Option<Expr> {
    parts.into_iter().reduce(and)
}

/// True when `e` holds no aggregate, window or subquery, and names no output alias.
fn names_only_columns(e: &Expr, aliases: &[String]) -> bool {
    let mut aggregates = Vec::new();
    crate::bare::aggregates(e, &mut aggregates, 0);
    struct Finder;
    impl Visitor for Finder {
        type Break = ();
        fn pre_visit_expr(&mut self, e: &Expr) -> ControlFlow<()> {
            match e {
                Expr::Function(f) if f.over.is_some() => ControlFlow::Break(()),
                Expr::Subquery(_) | Expr::InSubquery { .. } | Expr::Exists { .. } => {
                    ControlFlow::Break(())
                }
                _ => ControlFlow::Continue(()),
            }
        }
    }
    aggregates.is_empty() && !e.visit(&mut Finder).is_break() && !mentions_alias(e, aliases)
}

/// True when `e` names one of `aliases` unqualified.
fn mentions_alias(e: &Expr, aliases: &[String]) -> bool {
    struct Finder<'a>(&'a [String]);
    impl Visitor for Finder<'_> {
        type Break = ();
        fn pre_visit_expr(&mut self, e: &Expr) -> ControlFlow<()> {
            match e {
                Expr::Identifier(word)
                    if self.0.iter().any(|a| a.eq_ignore_ascii_case(&word.value)) =>
                {
                    ControlFlow::Break(())
                }
                _ => ControlFlow::Continue(()),
            }
        }
    }
    e.visit(&mut Finder(aliases)).is_break()
}

//! HAVING in the shapes Polars evaluates: conditions on group keys, and HAVING without GROUP BY.
//!
//! Polars evaluates HAVING per group, where a group key is a list: `GROUP BY dept HAVING dept = 'IT'` failed
//! with "cannot cast List type". A condition without aggregates can only name group keys, so it means the
//! same in WHERE, where it runs. Polars also refused HAVING without GROUP BY, which SQLite and PostgreSQL
//! apply to the one group of all rows: `SELECT COUNT(*) FROM data HAVING COUNT(*) > 10`.

use sqlparser::ast::{
    BinaryOperator, Expr, GroupByExpr, Ident, Query, Select, SelectItem, SetExpr, Visit, Visitor,
    visit_expressions_mut,
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
    let grouped = group_key_columns(s);
    let (keys, rest): (Vec<Expr>, Vec<Expr>) = conjuncts(having)
        .into_iter()
        .partition(|c| names_only_columns(c, aliases) && only_these_columns(c, &grouped));
    s.having = and_all(rest);
    if let Some(keys) = and_all(keys) {
        let keys = Expr::Nested(Box::new(keys));
        s.selection = Some(match s.selection.take() {
            Some(filter) => and(Expr::Nested(Box::new(filter)), keys),
            None => keys,
        });
    }
}

/// The columns `s` groups by: plain columns among its GROUP BY keys, also when a key is a position in, or an
/// alias of, its SELECT list.
fn group_key_columns(s: &Select) -> Vec<String> {
    group_keys(s).iter().filter_map(column_name).collect()
}

/// The expressions `s` groups by: each GROUP BY key, and what it names when it is a position in, or an alias
/// of, its SELECT list (a position itself is no key: `HAVING COUNT(*) > 1` holds no key `1`).
fn group_keys(s: &Select) -> Vec<Expr> {
    let GroupByExpr::Expressions(keys, _) = &s.group_by else {
        return Vec::new();
    };
    let output = |key: &Expr| -> Option<Expr> {
        let item = match key {
            Expr::Identifier(word) => s.projection.iter().find(|item| {
                matches!(item, SelectItem::ExprWithAlias { alias, .. } if alias.value == word.value)
            }),
            _ => {
                let position = crate::syntax::integer_literal(key)?;
                s.projection.get(usize::try_from(position).ok()?.checked_sub(1)?)
            }
        };
        match item? {
            SelectItem::UnnamedExpr(e) | SelectItem::ExprWithAlias { expr: e, .. } => {
                Some(e.clone())
            }
            _ => None,
        }
    };
    keys.iter()
        .flat_map(|key| [Some(key.clone()), output(key)])
        .flatten()
        .filter(|key| !matches!(key, Expr::Value(_)))
        .collect()
}

/// Reads the group keys that a HAVING condition names beside an aggregate (`HAVING dept = 'IT' OR
/// COUNT(*) > 1`) as `MIN(dept)`, the one value a key has in its group. Polars sees a key there as the
/// group's list of values and failed ("cannot cast List type").
pub(crate) fn keys_beside_aggregates(s: &mut Select) {
    let keys: Vec<String> = group_keys(s).iter().map(ToString::to_string).collect();
    let Some(having) = s.having.as_mut() else {
        return;
    };
    if keys.is_empty() || holds_window_or_subquery(having) {
        return;
    }
    // Innermost first: a key inside a larger key (`dept` in `UPPER(dept)`) is taken alone, which means the
    // same within a group.
    outside_aggregates(having, |x| {
        if keys.contains(&x.to_string())
            && let Some(min) = crate::parse_expression(&format!("MIN({x})"))
        {
            *x = min;
        }
    });
}

/// The SELECT name of an aggregate or of a group key in HAVING, where it is also a column's name that is no
/// group key (`SELECT dept AS name ... GROUP BY dept HAVING name = 'IT'`: the key, moved to WHERE next)
/// or (`SELECT dept, SUM(salary) AS salary ... GROUP BY dept HAVING salary > 100000`) the aggregate, as MySQL
/// reads it and as its author means. SQLite takes one row's salary per group; PostgreSQL refuses; Polars took
/// the column, a list per group, and failed ("cannot cast List type"). Other SELECT
/// names Polars finds itself. `columns` are those of the tables the SELECT reads.
pub(crate) fn aggregate_names(s: &mut Select, columns: &[String]) {
    let key_exprs = group_keys(s);
    let keys: Vec<String> = key_exprs.iter().filter_map(column_name).collect();
    let key_texts: Vec<String> = key_exprs.iter().map(ToString::to_string).collect();
    let named: Vec<(String, Expr)> = s
        .projection
        .iter()
        .filter_map(|item| match item {
            SelectItem::ExprWithAlias { expr, alias }
                if columns.contains(&alias.value) && !keys.contains(&alias.value) =>
            {
                let mut found = Vec::new();
                crate::bare::aggregates(expr, &mut found, 0);
                let names_a_key = key_texts.contains(&expr.to_string());
                (!found.is_empty() || names_a_key).then(|| (alias.value.clone(), expr.clone()))
            }
            _ => None,
        })
        .collect();
    let Some(having) = s.having.as_mut() else {
        return;
    };
    if named.is_empty() || holds_window_or_subquery(having) {
        return;
    }
    outside_aggregates(having, |x| {
        if let Expr::Identifier(word) = x
            && let Some((_, expr)) = named.iter().find(|(name, _)| *name == word.value)
        {
            *x = Expr::Nested(Box::new(expr.clone()));
        }
    });
}

/// Applies `rewrite` to every expression of `having` outside aggregate calls (innermost first): the
/// aggregates step aside first, so that `COUNT(dept)` keeps its argument.
fn outside_aggregates(having: &mut Expr, mut rewrite: impl FnMut(&mut Expr)) {
    const PLACEHOLDER: &str = "__csv_ask_aggregate_";
    let mut aggregates = Vec::new();
    let _ = visit_expressions_mut(having, |x| {
        if let Expr::Function(f) = x
            && f.over.is_none()
            && crate::bare::is_aggregate(f)
        {
            let stand_in =
                Expr::Identifier(Ident::new(format!("{PLACEHOLDER}{}", aggregates.len())));
            aggregates.push(std::mem::replace(x, stand_in));
        }
        ControlFlow::<()>::Continue(())
    });
    let _ = visit_expressions_mut(having, |x| {
        rewrite(x);
        ControlFlow::<()>::Continue(())
    });
    let _ = visit_expressions_mut(having, |x| {
        if let Expr::Identifier(word) = x
            && let Some(i) = word.value.strip_prefix(PLACEHOLDER)
            && let Some(aggregate) = i.parse::<usize>().ok().and_then(|i| aggregates.get(i))
        {
            *x = aggregate.clone();
        }
        ControlFlow::<()>::Continue(())
    });
}

fn holds_window_or_subquery(e: &Expr) -> bool {
    sqlparser::ast::visit_expressions(e, |x| match x {
        Expr::Function(f) if f.over.is_some() => ControlFlow::Break(()),
        Expr::Subquery(_) | Expr::InSubquery { .. } | Expr::Exists { .. } => ControlFlow::Break(()),
        _ => ControlFlow::Continue(()),
    })
    .is_break()
}

/// A column reference as written, qualifier included (`b.name` is not the key `a.name`).
fn column_name(e: &Expr) -> Option<String> {
    match e {
        Expr::Identifier(word) => Some(word.value.clone()),
        Expr::CompoundIdentifier(parts) => Some(
            parts
                .iter()
                .map(|w| w.value.as_str())
                .collect::<Vec<_>>()
                .join("."),
        ),
        Expr::Nested(inner) => column_name(inner),
        _ => None,
    }
}

/// True when every column `e` names is one of `columns`.
fn only_these_columns(e: &Expr, columns: &[String]) -> bool {
    let mut all_known = true;
    let _ = sqlparser::ast::visit_expressions(e, |x| {
        if let Some(name) = column_name(x).filter(|_| !matches!(x, Expr::Nested(_))) {
            all_known &= columns.contains(&name);
        }
        ControlFlow::<()>::Continue(())
    });
    all_known
}

/// Rewrites an aggregate SELECT with HAVING and no GROUP BY to filter its one row from outside: the
/// condition, with the SELECT list's names (`HAVING n > 1`) read as what they name, becomes a hidden output
/// column. False when the condition names a column outside an aggregate (`HAVING salary > 90`): that is
/// SQLite's value of some row, which a hidden column would give for every row.
pub(crate) fn without_groups(q: &mut Query) -> bool {
    let SetExpr::Select(s) = q.body.as_mut() else {
        return true;
    };
    let grouped = match &s.group_by {
        GroupByExpr::Expressions(keys, _) => !keys.is_empty(),
        GroupByExpr::All(_) => true,
    };
    if grouped || s.having.is_none() {
        return true;
    }
    let mut s = (**s).clone();
    let Some(mut having) = s.having.take() else {
        return true;
    };
    let named: Vec<(String, Expr)> = s
        .projection
        .iter()
        .filter_map(|item| match item {
            SelectItem::ExprWithAlias { expr, alias } => Some((alias.value.clone(), expr.clone())),
            _ => None,
        })
        .collect();
    let _ = visit_expressions_mut(&mut having, |x| {
        if let Expr::Identifier(word) = x
            && let Some((_, expr)) = named.iter().find(|(name, _)| *name == word.value)
        {
            *x = Expr::Nested(Box::new(expr.clone()));
        }
        ControlFlow::<()>::Continue(())
    });
    // A bare column in the SELECT list too: Polars would give every row, SQLite one.
    let bare_output = s.projection.iter().any(|item| match item {
        SelectItem::UnnamedExpr(e) | SelectItem::ExprWithAlias { expr: e, .. } => {
            names_a_column_outside_aggregates(e)
        }
        _ => true,
    });
    if bare_output || names_a_column_outside_aggregates(&having) {
        return false;
    }
    s.projection.push(SelectItem::ExprWithAlias {
        expr: Expr::Nested(Box::new(having)),
        alias: Ident::with_quote('"', "__having"),
    });
    let text = format!(r#"SELECT * EXCLUDE ("__having") FROM ({s}) AS "__had" WHERE "__having""#);
    if let Some(rewritten) = crate::parse_query_body(&text) {
        *q.body = rewritten;
    }
    true
}

/// True when `e` names a column other than inside an aggregate's arguments.
pub(crate) fn names_a_column_outside_aggregates(e: &Expr) -> bool {
    let mut e = e.clone();
    let _ = visit_expressions_mut(&mut e, |x| {
        if let Expr::Function(f) = x
            && f.over.is_none()
            && crate::bare::is_aggregate(f)
        {
            *x = Expr::value(sqlparser::ast::Value::Null);
        }
        ControlFlow::<()>::Continue(())
    });
    sqlparser::ast::visit_expressions(&e, |x| match x {
        Expr::Identifier(_) | Expr::CompoundIdentifier(_) => ControlFlow::Break(()),
        _ => ControlFlow::Continue(()),
    })
    .is_break()
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
    aggregates.is_empty() && !holds_window_or_subquery(e) && !mentions_alias(e, aliases)
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

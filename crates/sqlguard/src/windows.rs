//! Window functions: where NULLs go in a window's ORDER BY, and windows in grouped queries.
//!
//! Where NULLs go in a window's ORDER BY: last both ways, as in the query's own ORDER BY (see
//! `Walker::order_by`), or where the window's `NULLS FIRST`/`NULLS LAST` puts them.
//!
//! Polars' windows ignore `NULLS FIRST`/`NULLS LAST` and sort NULLs first both ways, so
//! `ROW_NUMBER() OVER (PARTITION BY dept ORDER BY bonus DESC) = 1` picked a NULL bonus as each
//! department's highest; and `RANK()` over one key gave a NULL key a NULL rank. A key that may be NULL is
//! preceded by a flag that sorts the NULLs where they belong: `CASE WHEN bonus IS NULL THEN 0 ELSE 1 END
//! DESC, bonus DESC`. A column of a stored dataset without NULLs needs none (the groupby benchmark's
//! `ORDER BY v3 DESC` stays one key).

use std::ops::ControlFlow;

use sqlparser::ast::{
    BinaryOperator, Expr, GroupByExpr, OrderByExpr, Query, Select, SelectItem, UnaryOperator,
    Visit, Visitor, WindowType,
};

use crate::scope::SelectScope;

/// True when `s` groups (GROUP BY, or an aggregate in its SELECT list or HAVING) and a window function
/// is among its outputs.
///
/// SQL applies such a window to the groups; Polars applies it inside each group, so
/// `SELECT dept, RANK() OVER (ORDER BY dept) FROM data GROUP BY dept` answered a list `[1, 1, 1]` per
/// department.
pub(crate) fn window_over_groups(s: &Select) -> bool {
    let outputs: Vec<&Expr> = s
        .projection
        .iter()
        .filter_map(|item| match item {
            SelectItem::UnnamedExpr(e) | SelectItem::ExprWithAlias { expr: e, .. } => Some(e),
            _ => None,
        })
        .chain(s.having.as_ref())
        .chain(s.qualify.as_ref())
        .collect();
    let keyed = matches!(&s.group_by, GroupByExpr::Expressions(keys, _) if !keys.is_empty())
        || matches!(&s.group_by, GroupByExpr::All(_));
    let mut aggregates = Vec::new();
    for e in &outputs {
        crate::bare::aggregates(e, &mut aggregates, 0);
    }
    (keyed || !aggregates.is_empty()) && outputs.iter().any(|e| holds_window(e))
}

/// True when `e` calls a window function outside any subquery of its own.
fn holds_window(e: &Expr) -> bool {
    struct Finder {
        subqueries: usize,
    }
    impl Visitor for Finder {
        type Break = ();
        fn pre_visit_query(&mut self, _: &Query) -> ControlFlow<()> {
            self.subqueries += 1;
            ControlFlow::Continue(())
        }
        fn post_visit_query(&mut self, _: &Query) -> ControlFlow<()> {
            self.subqueries -= 1;
            ControlFlow::Continue(())
        }
        fn pre_visit_expr(&mut self, e: &Expr) -> ControlFlow<()> {
            match e {
                Expr::Function(f) if f.over.is_some() && self.subqueries == 0 => {
                    ControlFlow::Break(())
                }
                _ => ControlFlow::Continue(()),
            }
        }
    }
    e.visit(&mut Finder { subqueries: 0 }).is_break()
}

/// Puts a flag before the first key of `order_by` that may be NULL.
///
/// Only one: Polars sorts by a struct of the keys, whose fields must have distinct names, and a CASE of
/// constants is always named `literal`. A NULL in a later key, among rows tied on the earlier ones, still
/// sorts first. The flag makes the call idempotent too: `order_by` that holds one is left alone (the
/// rewritten query is validated again).
pub(crate) fn place_nulls(scopes: &[SelectScope], order_by: &mut Vec<OrderByExpr>) {
    if order_by.iter().any(|item| named_literal(&item.expr)) {
        return;
    }
    let Some(index) = order_by
        .iter()
        .position(|item| !holds_no_nulls(scopes, &item.expr))
    else {
        return;
    };
    let item = &order_by[index];
    let descending = item.options.asc == Some(false);
    let nulls_first = item.options.nulls_first == Some(true);
    // Sorted in the key's direction: ascending, 0 comes first; descending, 1 does.
    let null_flag = u8::from(descending == nulls_first);
    let text = format!(
        "CASE WHEN ({}) IS NULL THEN {null_flag} ELSE {} END",
        item.expr,
        1 - null_flag
    );
    if let Some(flag) = crate::parse_expression(&text) {
        let options = item.options;
        order_by.insert(
            index,
            OrderByExpr {
                expr: flag,
                options,
                with_fill: None,
            },
        );
    }
}

/// Adds to `scope` the columns that `WHERE` keeps only non-NULL (`v3 IS NOT NULL`, alone or ANDed), so
/// that the windows of the SELECT need no flag for them.
pub(crate) fn not_null_where(scope: &mut SelectScope, selection: Option<&Expr>, depth: usize) {
    // Runs before the WHERE is walked (and its depth checked): a chain of thousands of ANDs is cut short.
    let Some(e) = selection.filter(|_| depth < 64) else {
        return;
    };
    match e {
        Expr::BinaryOp {
            left,
            op: BinaryOperator::And,
            right,
        } => {
            not_null_where(scope, Some(left), depth + 1);
            not_null_where(scope, Some(right), depth + 1);
        }
        Expr::Nested(inner) => not_null_where(scope, Some(inner), depth + 1),
        Expr::IsNotNull(column) => {
            let (qualifier, word) = match column.as_ref() {
                Expr::Identifier(word) => (None, word),
                Expr::CompoundIdentifier(parts) => match parts.as_slice() {
                    [qualifier, word] => (Some(&qualifier.value), word),
                    _ => return,
                },
                _ => return,
            };
            let relation = scope.relations.iter_mut().find(|r| {
                qualifier.is_none_or(|q| r.visible.eq_ignore_ascii_case(q))
                    && r.find_column(&word.value).is_some()
            });
            if let Some(relation) = relation {
                let name = relation
                    .find_column(&word.value)
                    .unwrap_or_default()
                    .to_string();
                relation.not_null.push(name);
            }
        }
        _ => {}
    }
}

/// True for a column known to hold no NULL, also negated (see [`one_direction`]).
pub(crate) fn holds_no_nulls(scopes: &[SelectScope], e: &Expr) -> bool {
    match e {
        Expr::Nested(inner)
        | Expr::UnaryOp {
            op: UnaryOperator::Minus,
            expr: inner,
        } => holds_no_nulls(scopes, inner),
        Expr::BinaryOp {
            left,
            op: BinaryOperator::Multiply,
            right,
        } if crate::syntax::integer_literal(right).is_some() => holds_no_nulls(scopes, left),
        Expr::Cast { expr: inner, .. } => holds_no_nulls(scopes, inner),
        Expr::Value(v) => !matches!(v.value, sqlparser::ast::Value::Null),
        // A rank of a window key (its NULLs are flagged) and a count.
        Expr::Function(f)
            if f.over.is_some()
                && crate::syntax::function_name(&f.name).is_some_and(|name| {
                    matches!(
                        name.as_str(),
                        "row_number" | "rank" | "dense_rank" | "count"
                    )
                }) =>
        {
            true
        }
        // `COALESCE(x, MIN(x) OVER ())` is NULL only where every `x` is, which ties every row anyway.
        Expr::Function(f)
            if crate::syntax::function_name(&f.name).as_deref() == Some("coalesce") =>
        {
            let Some(args) = crate::syntax::plain_args_of(&f.args) else {
                return false;
            };
            let least_of = |x: &Expr, m: &Expr| match m {
                Expr::Function(g)
                    if matches!(&g.over, Some(WindowType::WindowSpec(w)) if w.partition_by.is_empty()
                        && w.order_by.is_empty() && w.window_frame.is_none())
                        && crate::syntax::function_name(&g.name).as_deref() == Some("min") =>
                {
                    crate::syntax::plain_args_of(&g.args)
                        .is_some_and(|a| matches!(a.as_slice(), [y] if *y == x))
                }
                _ => false,
            };
            args.iter().any(|a| holds_no_nulls(scopes, a))
                || matches!(args.as_slice(), [x, m] if least_of(x, m))
        }
        Expr::Case {
            conditions,
            else_result: Some(otherwise),
            ..
        } => {
            conditions.iter().all(|c| holds_no_nulls(scopes, &c.result))
                && holds_no_nulls(scopes, otherwise)
        }
        _ => crate::compat::holds_no_nulls(scopes, e),
    }
}

/// Rewrites a window key Polars would name `literal` (`-v`, `1.0 * v`, `100.0 * v / x`: it names an
/// expression after its first input) to one named after its column (`v * -1`, `v * 1.0`), so that the NULL
/// flag, also named `literal`, can sort beside it: Polars sorts by a struct of the keys, whose fields
/// need distinct names.
pub(crate) fn named_after_a_column(e: &mut Expr) {
    match e {
        Expr::Nested(inner) => named_after_a_column(inner),
        Expr::UnaryOp {
            op: UnaryOperator::Minus,
            expr: inner,
        } if !named_literal(inner) => {
            if let Some(negated) = crate::parse_expression(&format!("({inner}) * -1")) {
                *e = negated;
                named_after_a_column(e);
            }
        }
        Expr::BinaryOp { left, op, right } => {
            named_after_a_column(left);
            if matches!(op, BinaryOperator::Multiply | BinaryOperator::Plus)
                && named_literal(left)
                && !named_literal(right)
            {
                // Bracketed: printed bare, `7 % 3 * a` swapped would read `a * 7 % 3`.
                std::mem::swap(left, right);
                for side in [&mut *left, &mut *right] {
                    if matches!(side.as_ref(), Expr::BinaryOp { .. } | Expr::UnaryOp { .. }) {
                        let inner = std::mem::replace(
                            side.as_mut(),
                            Expr::value(sqlparser::ast::Value::Null),
                        );
                        **side = Expr::Nested(Box::new(inner));
                    }
                }
                named_after_a_column(left);
            }
        }
        _ => {}
    }
}

/// `LAG(x, n, default)` and `LEAD(x, n, default)`: Polars takes no default ("LAG expects 1 or 2
/// arguments"). The default is what the rows without an `n`-th row before (after) them get, which
/// `ROW_NUMBER()` over the same window tells: unlike `COALESCE(LAG(x, n), default)`, a NULL `x` stays NULL.
pub(crate) fn offset_default(e: &mut Expr) {
    let Expr::Function(f) = e else {
        return;
    };
    let Some(name) = crate::syntax::function_name(&f.name) else {
        return;
    };
    let (Some(WindowType::WindowSpec(spec)), Some(args)) =
        (&f.over, crate::syntax::plain_args_of(&f.args))
    else {
        return;
    };
    let [x, n, default] = args.as_slice() else {
        return;
    };
    let Some(n) = crate::syntax::integer_literal(n).filter(|n| *n >= 0) else {
        return;
    };
    if n == 0 {
        // The row itself ("offset must be positive" in Polars).
        *e = Expr::Nested(Box::new((*x).clone()));
        return;
    }
    let partition = crate::sqlite_calls::partition_of(&spec.partition_by);
    let text = match name.as_str() {
        "lag" => format!(
            "CASE WHEN ROW_NUMBER() OVER ({spec}) > {n} THEN LAG({x}, {n}) OVER ({spec}) ELSE {default} END"
        ),
        "lead" => format!(
            "CASE WHEN ROW_NUMBER() OVER ({spec}) <= COUNT(*) OVER ({partition}) - {n} \
             THEN LEAD({x}, {n}) OVER ({spec}) ELSE {default} END"
        ),
        _ => return,
    };
    if let Some(rewritten) = crate::parse_expression(&text) {
        *e = Expr::Nested(Box::new(rewritten));
    }
}

/// True when Polars names `e`'s result `literal`: it names an expression after its first input.
pub(crate) fn named_literal(e: &Expr) -> bool {
    match e {
        Expr::Value(_) => true,
        Expr::Nested(inner)
        | Expr::UnaryOp { expr: inner, .. }
        | Expr::Cast { expr: inner, .. } => named_literal(inner),
        Expr::BinaryOp { left, .. } => named_literal(left),
        Expr::Case { conditions, .. } => {
            conditions.first().is_some_and(|c| named_literal(&c.result))
        }
        _ => false,
    }
}

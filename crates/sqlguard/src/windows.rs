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
    BinaryOperator, Expr, GroupByExpr, OrderByExpr, OrderByOptions, Query, Select, SelectItem,
    UnaryOperator, Visit, Visitor, WindowType,
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
fn holds_no_nulls(scopes: &[SelectScope], e: &Expr) -> bool {
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

/// Polars sorts a window's keys in one direction ("OVER does not (yet) support mixed asc/desc
/// directions"), which refused the usual tie-breaks `ORDER BY score DESC, id` and `ORDER BY salary DESC,
/// name`. The keys sorted against the chosen direction are rewritten to sort its way:
///
/// - a number column is negated: `"id" * -1 DESC` (not `-"id"`, which Polars reads as `0 - "id"` and names
///   `literal`, like the NULL flag: see [`named_after_a_column`]); a date, datetime or boolean column is
///   negated as a number (`CAST("hired" AS BIGINT) * -1`);
/// - any other key (text, an expression, a column of a WITH query) by its rank in its own order, NULLs
///   placed as written (last both ways by default): `CASE WHEN "name" IS NOT NULL THEN DENSE_RANK() OVER
///   (ORDER BY COALESCE("name", MIN("name") OVER ()) DESC) ELSE 0 END`. A rank never is NULL, so it needs
///   no flag of its own, which lets NULLs of a text key sort right even as a second key; a negated column
///   is used only where the flag of [`place_nulls`] serves it (it holds no NULL, or no key before it may).
///
/// The direction is the first key's, unless the keys that would then turn are not all columns that can be
/// negated while the others are (`salary DESC, name` turns `salary`). A key after the first that may be
/// NULL is ranked too, turning or not (`nested` allows ranks: not in the keys of a RANK over several
/// keys, which Polars refuses). Every key then sorts one way and at most one may be NULL, so the rewritten
/// window is left alone when validated again. Returns the positions of ranked keys, new expressions to be
/// walked like the query's own.
pub(crate) fn one_direction(
    scopes: &[SelectScope],
    order_by: &mut [OrderByExpr],
    nested: bool,
) -> Vec<usize> {
    let Some(first) = order_by.first() else {
        return Vec::new();
    };
    let first_descending = first.options.asc == Some(false);
    let turning = |descending: bool| -> Vec<usize> {
        (0..order_by.len())
            .filter(|&i| (order_by[i].options.asc == Some(false)) != descending)
            .collect()
    };
    let negatable = |i: &usize| negated(scopes, &order_by[*i].expr).is_some();
    let descending = if turning(first_descending).iter().all(negatable) {
        first_descending
    } else if turning(!first_descending).iter().all(negatable) {
        !first_descending
    } else if nested {
        first_descending
    } else {
        // Polars refuses a window in the keys of a RANK over several keys ("not allowed in aggregation
        // context"): left as written, for Polars to refuse.
        return Vec::new();
    };
    let mut ranked = Vec::new();
    // Whether a key before this one may be NULL: the one NULL flag of `place_nulls` goes before it, and a
    // NULL in a later key would sort first among rows tied on the earlier ones. No flag can be placed beside
    // a key Polars names `literal` (a CASE of constants, `IIF(active, 0, 1)`), as the flag is: then every
    // key that may be NULL is ranked.
    let mut flagged = !flaggable(order_by);
    for (i, item) in order_by.iter_mut().enumerate() {
        let no_nulls = holds_no_nulls(scopes, &item.expr);
        let turns = (item.options.asc == Some(false)) != descending;
        // The rank is computed in the key's own direction, read before `ASC` is dropped below.
        let written = item.options;
        if !descending {
            // Polars reads `ASC` beside a key without a direction as another direction.
            item.options.asc = None;
        }
        let text = match (turns, negated(scopes, &item.expr)) {
            (false, _) if no_nulls || !flagged || !nested => {
                flagged |= !no_nulls;
                continue;
            }
            (true, Some(negation)) if no_nulls || !flagged || !nested => {
                flagged |= !no_nulls;
                negation
            }
            _ => {
                ranked.push(i);
                rank_text(&item.expr, written, no_nulls, descending)
            }
        };
        if let Some(expr) = crate::parse_expression(&text) {
            item.expr = expr;
            item.options.asc = descending.then_some(false);
            if ranked.last() == Some(&i) {
                item.options.nulls_first = None;
            }
        }
    }
    ranked
}

/// True when [`place_nulls`] can put a flag among `order_by` (no key is named `literal`), or has put one.
fn flaggable(order_by: &[OrderByExpr]) -> bool {
    let literal: Vec<usize> = (0..order_by.len())
        .filter(|&i| named_literal(&order_by[i].expr))
        .collect();
    match literal.as_slice() {
        [] => true,
        [i] => order_by
            .get(i + 1)
            .is_some_and(|next| is_flag_of(&order_by[*i].expr, &next.expr)),
        _ => false,
    }
}

/// True when `flag` is the NULL flag [`place_nulls`] puts before `key`: `CASE WHEN (key) IS NULL THEN 0|1
/// ELSE 1|0 END`.
fn is_flag_of(flag: &Expr, key: &Expr) -> bool {
    let Expr::Case {
        operand: None,
        conditions,
        else_result: Some(_),
        ..
    } = flag
    else {
        return false;
    };
    let [when] = conditions.as_slice() else {
        return false;
    };
    let mut tested = &when.condition;
    let Expr::IsNull(inner) = tested else {
        return false;
    };
    tested = inner;
    while let Expr::Nested(inner) = tested {
        tested = inner;
    }
    tested == key
}

/// The advice for a window whose keys [`one_direction`] left sorted both ways (a RANK over several keys,
/// where Polars refuses a window among the keys, and none that turns can be negated), which Polars refuses
/// ("OVER does not (yet) support mixed asc/desc directions"): rank the keys that turn in a WITH query.
pub(crate) fn still_mixed(order_by: &[OrderByExpr], function: &str) -> Option<String> {
    let descending = |item: &&OrderByExpr| item.options.asc == Some(false);
    let down = order_by.iter().find(descending)?;
    order_by.iter().find(|item| !descending(item))?;
    let key = &down.expr;
    let others: Vec<String> = order_by
        .iter()
        .map(|item| {
            if std::ptr::eq(item, down) {
                "key_rank".to_string()
            } else {
                item.expr.to_string()
            }
        })
        .collect();
    let function = function.to_uppercase();
    Some(format!(
        "rank the key sorted the other way in a WITH query first, then rank by that rank, all keys one \
         way: `WITH t AS (SELECT *, DENSE_RANK() OVER (ORDER BY {key} DESC) AS key_rank FROM data) SELECT \
         ..., {function}() OVER (ORDER BY {}) FROM t`.",
        others.join(", ")
    ))
}

/// The name Polars gives the window key `e` when it is known: an expression is named after its first input
/// (a column, or `literal` for a constant; a CASE after its first result, a rank after its first key).
fn polars_name(e: &Expr) -> Option<String> {
    match e {
        Expr::Identifier(word) => Some(word.value.clone()),
        Expr::CompoundIdentifier(parts) => Some(
            parts
                .iter()
                .map(|p| p.value.as_str())
                .collect::<Vec<_>>()
                .join("."),
        ),
        Expr::Value(_) => Some("literal".to_string()),
        Expr::Nested(inner)
        | Expr::UnaryOp { expr: inner, .. }
        | Expr::Cast { expr: inner, .. } => polars_name(inner),
        Expr::BinaryOp { left, .. } => polars_name(left),
        Expr::Case {
            operand: None,
            conditions,
            ..
        } => conditions.first().and_then(|c| polars_name(&c.result)),
        Expr::Function(f) => {
            let name = crate::syntax::function_name(&f.name)?;
            match (&f.over, name.as_str()) {
                (Some(WindowType::WindowSpec(w)), "dense_rank" | "rank") => {
                    w.order_by.first().and_then(|k| polars_name(&k.expr))
                }
                (None, "coalesce") => crate::syntax::plain_args_of(&f.args)
                    .and_then(|args| args.first().and_then(|a| polars_name(a))),
                _ => None,
            }
        }
        _ => None,
    }
}

/// The advice for a window whose keys Polars would give one name (`ORDER BY v / 10, v DESC`: "two columns
/// ... both called `v`"): Polars sorts by a struct of the keys, whose fields need distinct names.
pub(crate) fn keys_of_one_name(order_by: &[OrderByExpr], written: &[Expr]) -> Option<String> {
    let names: Vec<Option<String>> = order_by.iter().map(|k| polars_name(&k.expr)).collect();
    let name = names.iter().enumerate().find_map(|(i, name)| {
        name.as_ref()
            .filter(|n| names[i + 1..].iter().any(|m| m.as_ref() == Some(*n)))
    })?;
    // The keys as written (before their rewriting) that are named so.
    let keys: Vec<String> = written
        .iter()
        .filter(|e| polars_name(e).as_ref() == Some(name))
        .map(ToString::to_string)
        .collect();
    let shown = if keys.len() >= 2 {
        format!("`{}`", keys.join("`, `"))
    } else {
        "two of its keys".to_string()
    };
    let computed = written
        .iter()
        .find(|e| polars_name(e).as_ref() == Some(name) && !matches!(e, Expr::Identifier(_)))
        .map_or_else(|| name.clone(), ToString::to_string);
    Some(format!(
        "Polars names a window key after its first column or `literal` (here `{name}` for {shown}) and \
         cannot sort by two keys of one name; compute one of them under its own name in a WITH query first: \
         `WITH t AS (SELECT *, {computed} AS key_1 FROM data) SELECT ..., ... OVER (ORDER BY key_1, ...) \
         FROM t`."
    ))
}

/// `e` negated, when it is a column of numbers, dates, datetimes or booleans of a registered table.
fn negated(scopes: &[SelectScope], e: &Expr) -> Option<String> {
    let of = |kind: fn(&crate::scope::Relation) -> &Vec<String>| {
        crate::compat::is_column_of_kind(scopes, e, kind)
    };
    if crate::compat::is_numeric_column(scopes, e) {
        Some(format!("{e} * -1"))
    } else if of(|r| &r.dates) || of(|r| &r.datetimes) {
        Some(format!("CAST({e} AS BIGINT) * -1"))
    } else if of(|r| &r.booleans) {
        Some(format!("CAST({e} AS INT) * -1"))
    } else {
        None
    }
}

/// A number that sorts, in the window's direction (`descending`), as `e` sorts in its own (`written`), with its
/// NULLs where it puts them (last unless `NULLS FIRST`): its dense rank, turned round or not, with 0 or 1
/// for NULL beyond every rank. Named after its column (the CASE after its first result, the rank after its
/// first key), so that it can sort beside the NULL flag.
fn rank_text(e: &Expr, written: OrderByOptions, no_nulls: bool, descending: bool) -> String {
    let own_descending = written.asc == Some(false);
    let nulls_first = written.nulls_first == Some(true);
    let key = if no_nulls {
        format!("{e}")
    } else {
        // Never NULL (the NULL rows' rank is replaced), so the rank's window needs no flag itself.
        format!("COALESCE({e}, MIN({e}) OVER ())")
    };
    let rank = |reversed: bool| {
        let direction = if own_descending != reversed {
            " DESC"
        } else {
            ""
        };
        format!("DENSE_RANK() OVER (ORDER BY {key}{direction})")
    };
    if no_nulls {
        return if descending {
            format!("{} * -1", rank(false))
        } else {
            rank(false)
        };
    }
    let (value, null_value) = match (descending, nulls_first) {
        (false, true) => (rank(false), 0),
        (false, false) => (format!("{} * -1", rank(true)), 1),
        (true, true) => (format!("{} * -1", rank(false)), 0),
        (true, false) => (rank(true), 0),
    };
    format!("CASE WHEN {e} IS NOT NULL THEN {value} ELSE {null_value} END")
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
fn named_literal(e: &Expr) -> bool {
    match e {
        Expr::Value(_) => true,
        Expr::Nested(inner)
        | Expr::UnaryOp { expr: inner, .. }
        | Expr::Cast { expr: inner, .. } => named_literal(inner),
        Expr::BinaryOp { left, .. } => named_literal(left),
        Expr::Case {
            operand: None,
            conditions,
            ..
        } => conditions.first().is_some_and(|c| named_literal(&c.result)),
        _ => false,
    }
}

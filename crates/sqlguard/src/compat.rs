//! Rewrites of SQL that SQLite and PostgreSQL users write (and LLMs learned from them) into forms that
//! Polars SQL runs with the meaning they intended. Each rewrite only rearranges an already validated
//! tree; the result is validated again like any other query (see `recheck`), so none widens what may run.

use sqlparser::ast::{
    BinaryOperator, Expr, GroupByExpr, Ident, OrderByExpr, OrderByKind, OrderByOptions, Query,
    SelectItem, SetExpr, Value,
};

use crate::scope::{Relation, SelectScope, find_relation};

/// Longest generated column name; longer expression texts are cut (with `…`).
const MAX_ALIAS_CHARS: usize = 100;

/// The name for an unnamed expression column: its SQL text, made unique among `taken`.
pub(crate) fn expression_alias(written: &str, taken: &[String]) -> String {
    let mut base: String = written.chars().take(MAX_ALIAS_CHARS).collect();
    if written.chars().count() > MAX_ALIAS_CHARS {
        base.push('…');
    }
    if !taken.contains(&base) {
        return base;
    }
    (2..)
        .map(|n| format!("{base} ({n})"))
        .find(|candidate| !taken.contains(candidate))
        .unwrap_or(base)
}

/// `LIKE` matches case-insensitively, as in SQLite and MySQL (people asking for names "containing al"
/// mean Al and al alike); Polars' `LIKE` is case-sensitive, its `ILIKE` is not.
pub(crate) fn like_ignores_case(e: &mut Expr) {
    if let Expr::Like { .. } = e {
        let Expr::Like {
            negated,
            any,
            expr,
            pattern,
            escape_char,
        } = std::mem::replace(e, Expr::value(Value::Null))
        else {
            return;
        };
        *e = Expr::ILike {
            negated,
            any,
            expr,
            pattern,
            escape_char,
        };
    }
}

/// `x = ANY (SELECT ...)` is `x IN (SELECT ...)`, and `x <> ALL (SELECT ...)` is `x NOT IN (SELECT ...)`,
/// by the SQL standard's definition of IN; Polars runs the IN forms. (It would run the others against the
/// subquery's first value alone, so they are refused where they are walked.)
pub(crate) fn quantified_subquery_as_in(e: &mut Expr) {
    let negated = match e {
        Expr::AnyOp {
            compare_op: BinaryOperator::Eq,
            right,
            ..
        } if matches!(**right, Expr::Subquery(_)) => false,
        Expr::AllOp {
            compare_op: BinaryOperator::NotEq,
            right,
            ..
        } if matches!(**right, Expr::Subquery(_)) => true,
        _ => return,
    };
    let (Expr::AnyOp { left, right, .. } | Expr::AllOp { left, right, .. }) =
        std::mem::replace(e, Expr::value(Value::Null))
    else {
        return;
    };
    let Expr::Subquery(subquery) = *right else {
        return;
    };
    *e = Expr::InSubquery {
        expr: left,
        subquery,
        negated,
    };
}

/// True when `e` is a column of a registered table that `kind` picks out of its relation.
pub(crate) fn is_column_of_kind(
    scopes: &[SelectScope],
    e: &Expr,
    kind: impl Fn(&Relation) -> &Vec<String>,
) -> bool {
    match e {
        Expr::Identifier(ident) => scopes
            .iter()
            .rev()
            .flat_map(|s| s.relations.iter())
            .find(|r| r.columns.contains(&ident.value))
            .is_some_and(|r| kind(r).contains(&ident.value)),
        Expr::CompoundIdentifier(parts) => match parts.as_slice() {
            [qualifier, column] => find_relation(scopes, &qualifier.value)
                .is_some_and(|r| kind(r).contains(&column.value)),
            _ => false,
        },
        _ => false,
    }
}

/// True when `e` is a column of a registered table known to hold no NULL (outer joins aside).
pub(crate) fn holds_no_nulls(scopes: &[SelectScope], e: &Expr) -> bool {
    is_column_of_kind(scopes, e, |r| &r.not_null)
}

pub(crate) fn is_numeric_column(scopes: &[SelectScope], e: &Expr) -> bool {
    is_column_of_kind(scopes, e, |r| &r.numeric)
}

/// SQLite keeps dates as text, so SQL written for it reads them with LIKE and string functions
/// (`hired LIKE '2020%'`, `substr(hired, 1, 4)`); Polars refuses those on a date. Such a column is read
/// as the text SQLite would have held: `2020-02-12`, `2024-01-01 10:30:00` (Polars' own text for a
/// datetime has microseconds, so `length(ts)` would be 26, not 19).
pub(crate) fn date_as_text(scopes: &[SelectScope], e: &mut Expr) {
    let format = if is_column_of_kind(scopes, e, |r| &r.dates) {
        "%Y-%m-%d"
    } else if is_column_of_kind(scopes, e, |r| &r.datetimes) {
        "%Y-%m-%d %H:%M:%S"
    } else {
        return;
    };
    if let Some(text) = crate::parse_expression(&format!("strftime({e}, '{format}')")) {
        *e = text;
    }
}

/// `x IS NOT TRUE` is true for NULL in SQL; Polars answers NULL, so `WHERE active IS NOT TRUE` left out the
/// rows where `active` is NULL. Each test becomes a COALESCE that says what NULL gives.
pub(crate) fn truth_test(e: &mut Expr) {
    let text = match e {
        Expr::IsTrue(x) => format!("COALESCE({x}, FALSE)"),
        Expr::IsNotTrue(x) => format!("NOT COALESCE({x}, FALSE)"),
        Expr::IsFalse(x) => format!("NOT COALESCE({x}, TRUE)"),
        Expr::IsNotFalse(x) => format!("COALESCE({x}, TRUE)"),
        _ => return,
    };
    if let Some(rewritten) = crate::parse_expression(&text) {
        *e = Expr::Nested(Box::new(rewritten));
    }
}

/// `end_date - hire_date` is a whole number of days in PostgreSQL (SQLite has no dates). Polars answers a
/// duration in microseconds, shown as `745d`: `WHERE end_date - hire_date > 365` compared it with 365 µs and
/// let every positive gap through. Between two dates (columns, `MAX(d)`, `LAG(d)`, a CTE's date column) the
/// difference becomes the days.
pub(crate) fn days_between(scopes: &[SelectScope], e: &mut Expr) {
    let Expr::BinaryOp {
        left,
        op: BinaryOperator::Minus,
        right,
    } = e
    else {
        return;
    };
    let is_date = |x: &Expr| crate::temporal::is_date_expr(scopes, x);
    if !(is_date(left) && is_date(right)) {
        return;
    }
    // A date is stored as its days since 1970, so the difference of the two is the days. Nothing in the result
    // is a difference of dates any more, so validating it again (the calculator does) leaves it as it is.
    let text = format!("CAST({left} AS BIGINT) - CAST({right} AS BIGINT)");
    if let Some(days) = crate::parse_expression(&text) {
        *e = Expr::Nested(Box::new(days));
    }
}

/// `x IN ('1', '2')` and `x BETWEEN '1' AND '5'` on a number column, as [`numeric_comparison`] does.
pub(crate) fn numeric_list(scopes: &[SelectScope], e: &Expr, items: &mut [&mut Expr]) {
    if is_numeric_column(scopes, e) || crate::temporal::is_date_part(e) {
        items.iter_mut().for_each(|item| number_literal(item));
    }
}

/// Polars builds an IN list as one Series: `IN (1.5, 2)` failed ("unexpected value while building Series
/// of type Float64"). With a decimal among them, whole numbers are written as decimals too.
pub(crate) fn uniform_numbers(items: &mut [Expr]) {
    fn number(item: &mut Expr) -> Option<&mut String> {
        match item {
            Expr::UnaryOp { expr, .. } => number(expr),
            Expr::Value(v) => match &mut v.value {
                Value::Number(text, _) => Some(text),
                _ => None,
            },
            _ => None,
        }
    }
    let decimal = |text: &String| text.contains(['.', 'e', 'E']);
    if items
        .iter_mut()
        .any(|item| number(item).is_some_and(|t| decimal(t)))
    {
        for item in items.iter_mut() {
            if let Some(text) = number(item).filter(|t| !decimal(t)) {
                text.push_str(".0");
            }
        }
    }
}

/// `population = '80000'`: SQLite compares a number column with a numeric string as numbers, Polars
/// refuses to compare them at all. The string becomes the number it spells (only when it spells one).
pub(crate) fn numeric_comparison(
    scopes: &[SelectScope],
    left: &mut Expr,
    op: &BinaryOperator,
    right: &mut Expr,
) {
    if !crate::syntax::is_comparison(op) {
        return;
    }
    let numeric = |e: &Expr| is_numeric_column(scopes, e) || crate::temporal::is_date_part(e);
    if numeric(left) {
        number_literal(right);
    }
    if numeric(right) {
        number_literal(left);
    }
}

/// A string literal that spells a number, turned into that number.
fn number_literal(e: &mut Expr) {
    let Expr::Value(v) = e else { return };
    let Value::SingleQuotedString(text) = &v.value else {
        return;
    };
    let number = text.trim();
    let spells_number = number.parse::<f64>().is_ok_and(f64::is_finite)
        && number
            .bytes()
            .all(|b| b.is_ascii_digit() || b"+-.eE".contains(&b));
    if spells_number {
        v.value = Value::Number(number.to_owned(), false);
    }
}

fn is_grouped(select: &sqlparser::ast::Select) -> bool {
    let grouped = match &select.group_by {
        GroupByExpr::All(_) => true,
        GroupByExpr::Expressions(exprs, _) => !exprs.is_empty(),
    };
    (grouped || select.having.is_some()) && select.distinct.is_none()
}

/// Sorting a grouped result. Polars cannot sort one by an expression it does not output
/// (`SELECT a FROM t GROUP BY a ORDER BY count(*) DESC LIMIT 1`). Sort by the output column that
/// computes the same expression, or else compute the key as a hidden column and drop it outside:
/// `SELECT * EXCLUDE ("__order_1") FROM (SELECT a, count(*) AS "__order_1" ... ORDER BY "__order_1" DESC
/// LIMIT 1) AS "__ordered"`.
pub(crate) fn order_by_aggregates(q: &mut Query) {
    let SetExpr::Select(select) = q.body.as_mut() else {
        return;
    };
    if !is_grouped(select) {
        return;
    }
    let Some(order_by) = q.order_by.as_mut() else {
        return;
    };
    let OrderByKind::Expressions(items) = &mut order_by.kind else {
        return;
    };
    let mut hidden: Vec<String> = Vec::new();
    for item in items.iter_mut() {
        if matches!(
            item.expr,
            Expr::Identifier(_) | Expr::CompoundIdentifier(_) | Expr::Value(_)
        ) {
            continue;
        }
        crate::aliases::spelled_out(&mut item.expr, &select.projection);
        let same = select.projection.iter().find_map(|p| match p {
            SelectItem::ExprWithAlias { expr, alias } if *expr == item.expr => {
                Some(Expr::Identifier(alias.clone()))
            }
            SelectItem::UnnamedExpr(expr) if *expr == item.expr => Some(expr.clone()),
            _ => None,
        });
        if let Some(output) = same {
            item.expr = output;
            continue;
        }
        let name = format!("__order_{}", hidden.len() + 1);
        let key = std::mem::replace(
            &mut item.expr,
            Expr::Identifier(Ident::with_quote('"', name.clone())),
        );
        select.projection.push(SelectItem::ExprWithAlias {
            expr: key,
            alias: Ident::with_quote('"', name.clone()),
        });
        hidden.push(name);
    }
    // Ties: SQLite emits groups in key order, and its sorter keeps that order for an ascending sort and
    // reverses it for a descending one; polars emits groups in no particular order. Breaking ties by the
    // group keys in the direction of the last sort key gives the same, deterministic, answer.
    let ascending = items.last().is_none_or(|i| i.options.asc != Some(false));
    let keys = match &select.group_by {
        GroupByExpr::Expressions(keys, _) => keys.clone(),
        GroupByExpr::All(_) => Vec::new(),
    };
    for key in keys {
        if matches!(key, Expr::Value(_)) || items.iter().any(|i| i.expr == key) {
            continue;
        }
        let output = select.projection.iter().find_map(|p| match p {
            SelectItem::ExprWithAlias { expr, alias } if *expr == key => {
                Some(Expr::Identifier(alias.clone()))
            }
            SelectItem::UnnamedExpr(expr) if *expr == key => Some(expr.clone()),
            _ => None,
        });
        // Already sorted by its output name (this query's own earlier pass, validated again).
        if output
            .as_ref()
            .is_some_and(|o| items.iter().any(|i| i.expr == *o))
        {
            continue;
        }
        let expr = output.unwrap_or_else(|| {
            let name = format!("__order_{}", hidden.len() + 1);
            select.projection.push(SelectItem::ExprWithAlias {
                expr: key,
                alias: Ident::with_quote('"', name.clone()),
            });
            hidden.push(name.clone());
            Expr::Identifier(Ident::with_quote('"', name))
        });
        items.push(OrderByExpr {
            expr,
            // SQLite's NULL key is its smallest, first in key order, last reversed. Said explicitly, so
            // that validating the result again (the calculator does) leaves it as it is.
            options: OrderByOptions {
                asc: Some(ascending),
                nulls_first: Some(ascending),
            },
            with_fill: None,
        });
    }
    if hidden.is_empty() {
        return;
    }
    if let Some(wrapped) = hide_columns(q.clone(), &hidden, "__ordered", None) {
        *q = wrapped;
    }
    // Otherwise (cannot happen: the text is built from a parsed query) keep the query, which then fails
    // in the engine with its own message rather than running something else.
}

/// `SELECT * EXCLUDE (hidden) FROM (inner) AS "alias" [WHERE filter]`: the rows of `inner` without the
/// helper columns a rewrite added to it. Inner's WITH clause moves outside, so that `inner` is a plain
/// subquery. `None` only if the text fails to parse again, which a parsed query cannot cause.
pub(crate) fn hide_columns(
    mut inner: Query,
    hidden: &[String],
    alias: &str,
    filter: Option<&Expr>,
) -> Option<Query> {
    let with = inner.with.take();
    let excluded = hidden
        .iter()
        .map(|h| format!("\"{h}\""))
        .collect::<Vec<_>>()
        .join(", ");
    let filter = filter.map(|f| format!(" WHERE {f}")).unwrap_or_default();
    let wrapper = format!("SELECT * EXCLUDE ({excluded}) FROM ({inner}) AS \"{alias}\"{filter}");
    match crate::parse_statements(&wrapper).ok()?.pop()? {
        sqlparser::ast::Statement::Query(mut wrapped) => {
            wrapped.with = with;
            Some(*wrapped)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aliases_are_unique_and_bounded() {
        assert_eq!(expression_alias("avg(age)", &[]), "avg(age)");
        assert_eq!(
            expression_alias("count(*)", &["count(*)".into()]),
            "count(*) (2)"
        );
        let long = "x".repeat(300);
        assert_eq!(
            expression_alias(&long, &[]).chars().count(),
            MAX_ALIAS_CHARS + 1
        );
    }
}

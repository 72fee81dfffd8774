//! Dates as SQL written for SQLite and PostgreSQL uses them, where Polars reads them otherwise.
//!
//! - SQLite keeps dates as text, so `DATE(ts)` there takes the date part of a timestamp. Polars' `DATE`
//!   parses text and refused a datetime column ("expected String, got datetime[μs]"), which made the common
//!   `GROUP BY DATE(ts)` fail. On a date or datetime column each becomes the cast it means.
//! - Which expressions hold dates (a date column, `MAX(d)`, `LAG(d)`, a CTE's date column), so that the
//!   difference of two is a number of days (`compat::days_between`) and `d + 7` adds days, as in PostgreSQL.

use sqlparser::ast::{
    BinaryOperator, CastKind, DataType, Expr, FunctionArg, FunctionArgExpr, FunctionArguments,
    Ident, Query, SelectItem, SetExpr, Value,
};

use crate::compat::is_column_of_kind;
use crate::scope::SelectScope;
use crate::walk::Output;

/// Rewrites `DATE(x)`, `TIME(x)` and `DATETIME(x)` of a date or datetime column `x`.
pub(crate) fn date_call(scopes: &[SelectScope], e: &mut Expr) {
    let Expr::Function(f) = e else {
        return;
    };
    if f.over.is_some() {
        return;
    }
    let Some(name) = crate::syntax::function_name(&f.name) else {
        return;
    };
    let FunctionArguments::List(list) = &f.args else {
        return;
    };
    let [FunctionArg::Unnamed(FunctionArgExpr::Expr(x))] = list.args.as_slice() else {
        return;
    };
    let date = is_column_of_kind(scopes, x, |r| &r.dates);
    let datetime = is_column_of_kind(scopes, x, |r| &r.datetimes);
    let text = match name.as_str() {
        "date" if date => x.to_string(),
        "date" if datetime => format!("CAST({x} AS DATE)"),
        "time" if datetime => format!("CAST({x} AS TIME)"),
        "datetime" if date || datetime => format!("CAST({x} AS TIMESTAMP)"),
        _ => return,
    };
    if let Some(rewritten) = crate::parse_expression(&text) {
        *e = rewritten;
    }
}

/// True for the SQL types that hold text: `CAST(ts AS TEXT)` of a datetime is SQLite's text.
pub(crate) fn is_text_type(data_type: &sqlparser::ast::DataType) -> bool {
    use sqlparser::ast::DataType as T;
    matches!(
        data_type,
        T::Text
            | T::String(_)
            | T::Varchar(_)
            | T::Char(_)
            | T::Character(_)
            | T::CharVarying(_)
            | T::CharacterVarying(_)
            | T::Nvarchar(_)
    )
}

/// The other side of a comparison (`=`, `<>`, `<`, ...) whose one side is a text literal `text` accepts.
fn compared_with_text<'e>(
    left: &'e mut Expr,
    op: &BinaryOperator,
    right: &'e mut Expr,
    text: impl Fn(&str) -> bool,
) -> Option<&'e mut Expr> {
    if !crate::syntax::is_comparison(op) {
        return None;
    }
    let literal = |e: &Expr| text_literal(e).is_some_and(&text);
    if literal(right) {
        Some(left)
    } else if literal(left) {
        Some(right)
    } else {
        None
    }
}

/// `hired >= '2020-01-01 00:00:00'`: Polars compares a date column with a date's text, not a datetime's
/// ("cannot compare 'date/datetime/time' to a string value"). The date is read as the datetime at its
/// midnight, as PostgreSQL does.
pub(crate) fn date_against_datetime_text(
    scopes: &[SelectScope],
    left: &mut Expr,
    op: &BinaryOperator,
    right: &mut Expr,
) {
    let datetime_text = chrono_like_datetime;
    if let Some(column) = compared_with_text(left, op, right, datetime_text)
        && is_column_of_kind(scopes, column, |r| &r.dates)
        && let Some(cast) = crate::parse_expression(&format!("CAST({column} AS TIMESTAMP)"))
    {
        *column = cast;
    }
}

/// `DATE_TRUNC('month', d) = '2024-01-01'`, `MAX(d) >= '2024-01-01'`: Polars compares a date column with a
/// date's text but refused a computed date ("cannot compare 'date/datetime/time' to a string value"). The
/// text becomes the date it spells.
pub(crate) fn date_expression_against_date_text(
    scopes: &[SelectScope],
    left: &mut Expr,
    op: &BinaryOperator,
    right: &mut Expr,
) {
    if !crate::syntax::is_comparison(op) {
        return;
    }
    if is_computed_date(scopes, left) {
        date_text_as_date(right);
    } else if is_computed_date(scopes, right) {
        date_text_as_date(left);
    }
}

/// A date that is not a column's (Polars compares those with text itself).
fn is_computed_date(scopes: &[SelectScope], e: &Expr) -> bool {
    !matches!(e, Expr::Identifier(_) | Expr::CompoundIdentifier(_)) && is_date_expr(scopes, e)
}

/// `'2024-01-01'` as `CAST('2024-01-01' AS DATE)`.
fn date_text_as_date(e: &mut Expr) {
    if text_literal(e).is_some_and(chrono_like_date)
        && let Some(cast) = crate::parse_expression(&format!("CAST({e} AS DATE)"))
    {
        *e = cast;
    }
}

/// `x BETWEEN '2020' AND '2023'` on a date or datetime: both bounds a year or a month alone, as text (SQLite's
/// reading, as [`date_against_partial_text`]); `DATE_TRUNC('month', d) BETWEEN '2024-01-01' AND ...`: full
/// dates as dates.
pub(crate) fn date_between(scopes: &[SelectScope], e: &mut Expr, low: &mut Expr, high: &mut Expr) {
    let partial = |x: &Expr| text_literal(x).is_some_and(year_or_month);
    if partial(low) && partial(high) {
        crate::compat::date_as_text(scopes, e);
    } else if is_computed_date(scopes, e) {
        date_text_as_date(low);
        date_text_as_date(high);
    }
}

/// `2024-01-31`.
pub(crate) fn chrono_like_date(text: &str) -> bool {
    shaped(text, "dddd-dd-dd")
}

/// `hired >= '2023'` and `ts < '2024-03'`: a year or a month written alone is no date, and Polars refused the
/// comparison ("cannot compare 'date/datetime/time' to a string value"). SQLite compares the date's text,
/// so `>= '2023'` keeps 2023 and later and `< '2024-03'` keeps what is before March 2024: the column is read
/// as its text (`compat::date_as_text`) for that comparison.
pub(crate) fn date_against_partial_text(
    scopes: &[SelectScope],
    left: &mut Expr,
    op: &BinaryOperator,
    right: &mut Expr,
) {
    if let Some(column) = compared_with_text(left, op, right, year_or_month) {
        crate::compat::date_as_text(scopes, column);
    }
}

/// `2023` or `2023-07`.
pub(crate) fn year_or_month(text: &str) -> bool {
    shaped(text, "dddd") || shaped(text, "dddd-dd")
}

/// `2020-01-01 00:00:00`, `2020-01-01T10:30`, with or without seconds and fractions.
pub(crate) fn chrono_like_datetime(text: &str) -> bool {
    text.get(..16)
        .is_some_and(|head| shaped(head, "dddd-dd-dd dd:dd") || shaped(head, "dddd-dd-ddTdd:dd"))
}

/// The text of a `'single-quoted'` literal.
pub(crate) fn text_literal(e: &Expr) -> Option<&str> {
    match e {
        Expr::Value(v) => match &v.value {
            Value::SingleQuotedString(t) => Some(t),
            _ => None,
        },
        _ => None,
    }
}

/// True when `text` has `shape`'s characters, each `d` standing for any ASCII digit.
fn shaped(text: &str, shape: &str) -> bool {
    text.len() == shape.len()
        && text.bytes().zip(shape.bytes()).all(|(t, s)| {
            if s == b'd' {
                t.is_ascii_digit()
            } else {
                t == s
            }
        })
}

/// Calls whose value is their first argument's, so of its type (LAG and LEAD without a default).
const FIRST_ARGUMENT_CALLS: &[&str] = &[
    "min",
    "max",
    "first",
    "last",
    "any_value",
    "first_value",
    "last_value",
    "nth_value",
    "nullif",
];

/// Calls whose value is one of their arguments': a date only when every argument is (or is NULL), since a
/// date beside a datetime becomes a datetime.
const ANY_ARGUMENT_CALLS: &[&str] = &["coalesce", "ifnull", "greatest", "least"];

/// True when the call `e` passes on the kind `holds` tells (a date, a datetime) from its arguments: LAG and
/// LEAD without a default, the [`FIRST_ARGUMENT_CALLS`], and the [`ANY_ARGUMENT_CALLS`] when one argument holds
/// it and every other holds it too, is NULL, or is `beside` it (a date beside a datetime).
pub(crate) fn passes_through(
    e: &Expr,
    holds: &dyn Fn(&Expr) -> bool,
    beside: &dyn Fn(&Expr) -> bool,
) -> bool {
    let Expr::Function(f) = e else {
        return false;
    };
    let Some(name) = crate::syntax::function_name(&f.name) else {
        return false;
    };
    let Some(args) = crate::syntax::plain_args_of(&f.args) else {
        return false;
    };
    match name.as_str() {
        "lag" | "lead" => args.len() <= 2 && args.first().is_some_and(|x| holds(x)),
        n if FIRST_ARGUMENT_CALLS.contains(&n) => args.first().is_some_and(|x| holds(x)),
        n if ANY_ARGUMENT_CALLS.contains(&n) => {
            args.iter().any(|x| holds(x))
                && args.iter().all(|x| holds(x) || is_null(x) || beside(x))
        }
        _ => false,
    }
}

/// The literal NULL.
pub(crate) fn is_null(e: &Expr) -> bool {
    matches!(e, Expr::Value(v) if matches!(v.value, Value::Null))
}

/// True when `e` holds dates (not datetimes): a date column (also a CTE's or subquery's), a cast to DATE,
/// a call that passes dates through (`MAX(d)`, `LAG(d) OVER (...)`, `COALESCE(d, e)`), or a date plus or
/// minus whole days.
pub(crate) fn is_date_expr(scopes: &[SelectScope], e: &Expr) -> bool {
    is_date_within(scopes, e, 0)
}

fn is_date_within(scopes: &[SelectScope], e: &Expr, depth: usize) -> bool {
    if depth > 16 {
        return false;
    }
    let is_date = |x: &Expr| is_date_within(scopes, x, depth + 1);
    match e {
        Expr::Identifier(_) | Expr::CompoundIdentifier(_) => {
            is_column_of_kind(scopes, e, |r| &r.dates)
        }
        Expr::Nested(inner) => is_date(inner),
        Expr::Cast {
            data_type: DataType::Date,
            ..
        } => true,
        // `DATE '2024-01-01'`.
        Expr::TypedString(typed) => typed.data_type == DataType::Date,
        // `(SELECT MAX(d) FROM data)`: its one output is a date (`date_subquery` says so in its text).
        Expr::Subquery(q) => {
            single_output(q).is_some_and(|item| is_date_within(&[], item, depth + 1))
        }
        // `d + INTERVAL '7 days'`, as `date_plus_days` writes `d + 7`; and `d + 7` itself, before it is
        // walked (`EXTRACT(DAY FROM (d + 10) - d)` reads its operands unwalked).
        Expr::BinaryOp {
            left,
            op: op @ (BinaryOperator::Plus | BinaryOperator::Minus),
            right,
        } => {
            let days = |x: &Expr| crate::syntax::integer_literal(x).is_some();
            (is_date(left) && (matches!(right.as_ref(), Expr::Interval(_)) || days(right)))
                || (matches!(op, BinaryOperator::Plus) && days(left) && is_date(right))
        }
        // A CASE whose every result is a date (or NULL), as COALESCE's arguments.
        Expr::Case {
            conditions,
            else_result,
            ..
        } => {
            let results: Vec<&Expr> = conditions
                .iter()
                .map(|c| &c.result)
                .chain(else_result.as_deref())
                .collect();
            results.iter().any(|x| is_date(x)) && results.iter().all(|x| is_date(x) || is_null(x))
        }
        Expr::Function(_) => passes_through(e, &is_date, &|_| false),
        _ => false,
    }
}

/// The expression of a query's one output column, when it is one SELECT of one item.
pub(crate) fn single_output(q: &Query) -> Option<&Expr> {
    let SetExpr::Select(select) = q.body.as_ref() else {
        return None;
    };
    match select.projection.as_slice() {
        [SelectItem::UnnamedExpr(e) | SelectItem::ExprWithAlias { expr: e, .. }] => Some(e),
        _ => None,
    }
}

/// `(SELECT MAX(hired) FROM data)` holds a date, but only the subquery's own scope knows it, and
/// `is_date_expr` reads the query around it: `(SELECT MAX(hired) FROM data) - hired` was a duration (compared
/// as microseconds) and `(SELECT MAX(hired) FROM data) - 1000` failed. Once the subquery is walked (`out` is
/// what it outputs), its one date output is written `CAST(MAX(hired) AS DATE)`, which says so in its text, so
/// that the difference is days and `- 1000` subtracts days. An output already a date by its text is left as it
/// is, so validating the result again changes nothing.
pub(crate) fn date_subquery(q: &mut Query, out: &Output) {
    let [column] = out.columns.as_slice() else {
        return;
    };
    if out.open || !out.dates.contains(column) {
        return;
    }
    let SetExpr::Select(select) = q.body.as_mut() else {
        return;
    };
    let [item] = select.projection.as_mut_slice() else {
        return;
    };
    let (expr, alias) = match std::mem::replace(item, SelectItem::Wildcard(Default::default())) {
        SelectItem::UnnamedExpr(expr) => (expr, Ident::with_quote('"', column.clone())),
        SelectItem::ExprWithAlias { expr, alias } => (expr, alias),
        other => {
            *item = other;
            return;
        }
    };
    let expr = if is_date_within(&[], &expr, 0) {
        expr
    } else {
        Expr::Cast {
            kind: CastKind::Cast,
            expr: Box::new(expr),
            data_type: DataType::Date,
            array: false,
            format: None,
        }
    };
    *item = SelectItem::ExprWithAlias { expr, alias };
}

/// `d + 7` and `d - 30` on a date add days in PostgreSQL (SQLite has no dates); Polars refused them ("+ not
/// allowed on date and dyn int"). With a whole-number literal they become `d + INTERVAL '7 days'`.
pub(crate) fn date_plus_days(scopes: &[SelectScope], e: &mut Expr) {
    let Expr::BinaryOp { left, op, right } = e else {
        return;
    };
    let sign = match op {
        BinaryOperator::Plus => "+",
        BinaryOperator::Minus => "-",
        _ => return,
    };
    let (date, days) = match (
        crate::syntax::integer_literal(right),
        crate::syntax::integer_literal(left),
    ) {
        (Some(days), _) if is_date_expr(scopes, left) => (left.to_string(), days),
        // `7 + d`; not `7 - d`, which has no meaning.
        (None, Some(days)) if sign == "+" && is_date_expr(scopes, right) => {
            (right.to_string(), days)
        }
        _ => return,
    };
    // Polars' intervals take no minus sign: `d + -3` is `d - INTERVAL '3 days'`.
    let sign = match (sign, days < 0) {
        (s, false) => s,
        ("+", true) => "-",
        _ => "+",
    };
    let days = days.unsigned_abs();
    let text = format!("{date} {sign} INTERVAL '{days} days'");
    if let Some(rewritten) = crate::parse_expression(&text) {
        *e = Expr::Nested(Box::new(rewritten));
    }
}

/// `EXTRACT(YEAR FROM d)` and `DATE_PART('year', d)`: numbers, so `= '2024'` compares as a number (as in
/// PostgreSQL; Polars refused "cannot compare string with numeric type").
pub(crate) fn is_date_part(e: &Expr) -> bool {
    match e {
        Expr::Extract { .. } => true,
        Expr::Nested(inner) => is_date_part(inner),
        Expr::Cast {
            expr, data_type, ..
        } => {
            matches!(expr.as_ref(), Expr::Extract { .. })
                && !crate::temporal::is_text_type(data_type)
        }
        Expr::Function(f) => crate::syntax::function_name(&f.name).as_deref() == Some("date_part"),
        _ => false,
    }
}

/// Most list items one `IN` may be written out into comparisons.
const MAX_DATETIME_ITEMS: usize = 64;

/// `ts IN ('2024-01-15 22:17:00', ...)` on a datetime column failed in Polars (it builds the list as a
/// datetime Series and refused the text), while `ts = '...'` works: the list becomes comparisons joined by
/// OR (`NOT IN`: `<>` joined by AND, which keeps SQL's NULL). A date column compared with a datetime's text
/// is read at its midnight, as `date_against_datetime_text` does.
pub(crate) fn datetime_in_list(scopes: &[SelectScope], e: &mut Expr) {
    let Expr::InList {
        expr,
        list,
        negated,
    } = e
    else {
        return;
    };
    let texts: Option<Vec<&str>> = list.iter().map(text_literal).collect();
    let Some(texts) = texts.filter(|t| !t.is_empty() && t.len() <= MAX_DATETIME_ITEMS) else {
        return;
    };
    let datetime = is_column_of_kind(scopes, expr, |r| &r.datetimes);
    let date = is_column_of_kind(scopes, expr, |r| &r.dates);
    let column = if datetime {
        expr.to_string()
    } else if date && texts.iter().any(|t| chrono_like_datetime(t)) {
        format!("CAST({expr} AS TIMESTAMP)")
    } else {
        return;
    };
    let (op, join) = if *negated {
        ("<>", " AND ")
    } else {
        ("=", " OR ")
    };
    let tests: Vec<String> = list
        .iter()
        .map(|item| format!("{column} {op} {item}"))
        .collect();
    if let Some(rewritten) = crate::parse_expression(&format!("({})", tests.join(join))) {
        *e = rewritten;
    }
}

/// A text column where a date is expected (`strftime('%Y', d)`, `EXTRACT(YEAR FROM d)`, `DATE_PART`,
/// `DATE_TRUNC`): dates kept as text, as SQLite keeps them, and as a column of dates becomes when one value is
/// not a date. Polars refused ("`to_string` operation not supported for dtype `str`"); SQLite reads each value,
/// NULL where it is no date. Read as a datetime: `2024-01-15 10:30:00` (with a space or a T) or `2024-01-15`.
/// A 12-hour time (`2024-01-15 1:30 PM`) is NULL, as in SQLite: Polars' cast read it as 01:30.
pub(crate) fn text_as_datetime(scopes: &[SelectScope], e: &mut Expr) {
    if !is_column_of_kind(scopes, e, |r| &r.texts) {
        return;
    }
    let text = format!(
        "CASE WHEN {e} ILIKE '%M' THEN NULL ELSE COALESCE(TRY_CAST(REPLACE({e}, ' ', 'T') AS TIMESTAMP), \
         CAST(TRY_CAST({e} AS DATE) AS TIMESTAMP)) END"
    );
    if let Some(read) = crate::parse_expression(&text) {
        *e = read;
    }
}

/// The date argument of `strftime` (either order: SQLite's format first, Polars' last) and of `DATE_PART`.
pub(crate) fn date_argument_of<'a>(name: &str, args: &'a mut [&mut Expr]) -> Option<&'a mut Expr> {
    let is_format = |e: &Expr| text_literal(e).is_some_and(|t| t.contains('%'));
    let index = match (name, &*args) {
        ("strftime", [a, _, ..]) if is_format(a) => 1,
        ("strftime", [_, b, ..]) if is_format(b) => 0,
        ("date_part", [_, _]) => 1,
        _ => return None,
    };
    args.get_mut(index).map(|x| &mut **x)
}

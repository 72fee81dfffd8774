//! SQLite's date functions applied to columns that already hold dates, as SQL written for SQLite does.
//!
//! SQLite keeps dates as text, so `DATE(ts)` there takes the date part of a timestamp. Polars' `DATE`
//! parses text and refused a datetime column ("expected String, got datetime[μs]"), which made the common
//! `GROUP BY DATE(ts)` fail. On a date or datetime column each becomes the cast it means.

use sqlparser::ast::{
    BinaryOperator, Expr, FunctionArg, FunctionArgExpr, FunctionArguments, Value,
};

use crate::compat::is_column_of_kind;
use crate::scope::SelectScope;

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

/// `hired >= '2020-01-01 00:00:00'`: Polars compares a date column with a date's text, not a datetime's
/// ("cannot compare 'date/datetime/time' to a string value"). The date is read as the datetime at its
/// midnight, as PostgreSQL does.
pub(crate) fn date_against_datetime_text(
    scopes: &[SelectScope],
    left: &mut Expr,
    op: &BinaryOperator,
    right: &mut Expr,
) {
    use BinaryOperator as B;
    if !matches!(op, B::Eq | B::NotEq | B::Lt | B::LtEq | B::Gt | B::GtEq) {
        return;
    }
    let datetime_text = |e: &Expr| {
        matches!(e, Expr::Value(v) if matches!(&v.value, Value::SingleQuotedString(t)
            if t.len() > 10 && chrono_like_datetime(t)))
    };
    let column = if datetime_text(right) {
        left
    } else if datetime_text(left) {
        right
    } else {
        return;
    };
    if is_column_of_kind(scopes, column, |r| &r.dates)
        && let Some(cast) = crate::parse_expression(&format!("CAST({column} AS TIMESTAMP)"))
    {
        *column = cast;
    }
}

/// `2020-01-01 00:00:00`, `2020-01-01T10:30`, with or without seconds and fractions.
fn chrono_like_datetime(text: &str) -> bool {
    let bytes = text.as_bytes();
    let digits = |range: std::ops::Range<usize>| {
        bytes
            .get(range)
            .is_some_and(|b| b.iter().all(u8::is_ascii_digit))
    };
    digits(0..4)
        && bytes.get(4) == Some(&b'-')
        && digits(5..7)
        && bytes.get(7) == Some(&b'-')
        && digits(8..10)
        && matches!(bytes.get(10), Some(b' ' | b'T'))
        && digits(11..13)
        && bytes.get(13) == Some(&b':')
        && digits(14..16)
}

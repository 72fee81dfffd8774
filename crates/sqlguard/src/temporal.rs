//! SQLite's date functions applied to columns that already hold dates, as SQL written for SQLite does.
//!
//! SQLite keeps dates as text, so `DATE(ts)` there takes the date part of a timestamp. Polars' `DATE`
//! parses text and refused a datetime column ("expected String, got datetime[μs]"), which made the common
//! `GROUP BY DATE(ts)` fail. On a date or datetime column each becomes the cast it means.

use sqlparser::ast::{Expr, FunctionArg, FunctionArgExpr, FunctionArguments};

use crate::compat::{is_column_of_kind, scope_dates, scope_datetimes};
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
    let date = is_column_of_kind(scopes, x, scope_dates);
    let datetime = is_column_of_kind(scopes, x, scope_datetimes);
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

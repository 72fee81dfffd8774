//! A literal NULL where Polars wants a typed value, read as SQLite reads it. Polars failed with its own words
//! (`REPLACE(s, 'a', NULL)`: "value cannot be 'null'"; `LOWER(NULL)`, `SUBSTR(NULL, 1, 2)`, `ROUND(x,
//! NULL)`: "expected String", "invalid value"; `id = 1 AND NULL`, `IF(NULL, a, b)`: "expected Boolean, got
//! null"). In SQLite a scalar function given NULL is NULL, and NULL as a condition is unknown: the call
//! becomes a NULL of its result's type, the condition `CAST(NULL AS BOOLEAN)`. WHERE, HAVING and a CASE's
//! WHEN take the same reading in `literals::number_as_condition`.

use sqlparser::ast::{BinaryOperator as B, Expr, Value};

use crate::syntax::{function_name, plain_args_of};

/// Calls that are NULL when an argument is NULL (in SQLite), with the SQL type of their result.
fn null_result(name: &str) -> Option<&'static str> {
    Some(match name {
        "replace" | "lower" | "upper" | "left" | "right" | "lpad" | "rpad" | "ltrim" | "rtrim"
        | "reverse" | "split_part" | "substr" | "substring" | "strftime" => "TEXT",
        "length" | "char_length" | "character_length" | "octet_length" | "bit_length"
        | "strpos" | "instr" => "BIGINT",
        "starts_with" | "ends_with" | "regexp_like" => "BOOLEAN",
        "abs" | "sign" | "round" | "trunc" | "truncate" | "sqrt" | "cbrt" | "exp" | "ln"
        | "log" | "log10" | "log2" | "log1p" | "power" | "pow" | "mod" | "div" | "sin" | "cos"
        | "tan" | "cot" | "asin" | "acos" | "atan" | "atan2" | "degrees" | "radians" | "ceil"
        | "ceiling" | "floor" => "DOUBLE",
        _ => return None,
    })
}

/// `NULL`, or a NULL cast to a type (what this module writes).
fn is_null(e: &Expr) -> bool {
    match e {
        Expr::Value(v) => matches!(v.value, Value::Null),
        Expr::Cast { expr, .. } | Expr::Nested(expr) => is_null(expr),
        _ => false,
    }
}

fn bare_null(e: &Expr) -> bool {
    matches!(e, Expr::Value(v) if matches!(v.value, Value::Null))
}

fn typed_null(sql_type: &str) -> Option<Expr> {
    crate::parse_expression(&format!("CAST(NULL AS {sql_type})"))
}

/// `e` with its literal NULLs read as SQLite reads them (see the module docs).
pub(crate) fn read_as_sqlite(e: &mut Expr) {
    let replacement = match e {
        Expr::BinaryOp {
            left,
            op: B::And | B::Or | B::Xor,
            right,
        } => {
            for side in [left, right] {
                if bare_null(side)
                    && let Some(unknown) = typed_null("BOOLEAN")
                {
                    **side = unknown;
                }
            }
            None
        }
        Expr::Function(f) if f.over.is_none() && f.filter.is_none() => {
            let name = function_name(&f.name).unwrap_or_default();
            let args = plain_args_of(&f.args).unwrap_or_default();
            if matches!(name.as_str(), "if" | "iif") {
                if let (Some(condition), Some(unknown)) = (args.first(), typed_null("BOOLEAN"))
                    && bare_null(condition)
                    && let sqlparser::ast::FunctionArguments::List(list) = &mut f.args
                    && let Some(sqlparser::ast::FunctionArg::Unnamed(
                        sqlparser::ast::FunctionArgExpr::Expr(first),
                    )) = list.args.first_mut()
                {
                    *first = unknown;
                }
                None
            } else {
                null_result(&name)
                    .filter(|_| args.iter().any(|a| is_null(a)))
                    .and_then(typed_null)
            }
        }
        Expr::Substring {
            expr,
            substring_from,
            substring_for,
            ..
        } => {
            let parts = [
                Some(&**expr),
                substring_from.as_deref(),
                substring_for.as_deref(),
            ];
            parts
                .into_iter()
                .flatten()
                .any(is_null)
                .then(|| typed_null("TEXT"))
                .flatten()
        }
        Expr::Trim {
            expr,
            trim_what,
            trim_characters,
            ..
        } => {
            let any = is_null(expr)
                || trim_what.as_deref().is_some_and(is_null)
                || trim_characters.iter().flatten().any(is_null);
            any.then(|| typed_null("TEXT")).flatten()
        }
        Expr::Position { expr, r#in } if is_null(expr) || is_null(r#in) => typed_null("BIGINT"),
        Expr::Like { expr, pattern, .. } | Expr::ILike { expr, pattern, .. }
            if is_null(expr) || is_null(pattern) =>
        {
            typed_null("BOOLEAN")
        }
        _ => None,
    };
    if let Some(null) = replacement {
        *e = null;
    }
}

//! SQLite's `SUBSTR(s, start[, n])` for a start that is not a positive literal. SQLite counts a negative
//! start from the end (`SUBSTR('abc', -2)` is 'bc', from before the first character it keeps what reaches
//! into the string), and reads start 0 as 1 with one character fewer. Polars read a negative literal start
//! as the whole string, and a computed start that came out 0 or less as an offset from the end
//! (`SUBSTR(s, LENGTH(s) - 3)` of 'abc' was 'c', SQLite's 'abc').
//!
//! The start is written `GREATEST(u, 1)`, where `u` is SQLite's 1-based position (the length plus the start
//! plus 1 for a negative start), and the length, when given, is shortened by the positions `u` falls before
//! the first character. A NULL start or length gives NULL, as in SQLite (GREATEST would read NULL as 1).
//! A start written `GREATEST(_, 1)` is never 0 or less, so Polars reads it as SQLite does: this rewrite
//! leaves it alone, and its output validated again is unchanged. A negative length is the engine's to read
//! (`engine::worker::dialect_calls::sql_substring`), given a start of 1 or more.

use sqlparser::ast::{Expr, Value};

use crate::syntax::{function_name, integer_literal, plain_args_of};

/// `e` with SQLite's meaning when it is a SUBSTR whose start may be 0 or less.
pub(crate) fn sqlite_start(e: &mut Expr) {
    let Expr::Substring {
        expr: s,
        substring_from: Some(from),
        substring_for: length,
        ..
    } = &*e
    else {
        return;
    };
    let literal = integer_literal(from);
    if literal.is_some_and(|n| n >= 0) || is_null(from) || at_least_one(from) {
        return;
    }
    let mut nulls = Vec::new();
    let position = match literal {
        Some(-1) => format!("LENGTH({s})"),
        Some(n) => format!("LENGTH({s}) - {}", -(n + 1)),
        None => {
            nulls.push(format!("{from} IS NULL"));
            format!("CASE WHEN {from} < 0 THEN LENGTH({s}) + ({from}) + 1 ELSE {from} END")
        }
    };
    let Some(start) = crate::parse_expression(&format!("GREATEST({position}, 1)")) else {
        return;
    };
    let mut node = e.clone();
    let Expr::Substring {
        substring_from,
        substring_for,
        ..
    } = &mut node
    else {
        return;
    };
    if let Some(n) = length.as_deref() {
        if integer_literal(n).is_none() && !is_null(n) {
            nulls.push(format!("{n} IS NULL"));
        }
        let shorter = format!(
            "CASE WHEN {position} >= 1 THEN {n} ELSE GREATEST({n} + ({position}) - 1, 0) END"
        );
        let Some(shorter) = crate::parse_expression(&shorter) else {
            return;
        };
        *substring_for = Some(Box::new(shorter));
    }
    *substring_from = Some(Box::new(start));
    let text = if nulls.is_empty() {
        node.to_string()
    } else {
        format!("CASE WHEN {} THEN NULL ELSE {node} END", nulls.join(" OR "))
    };
    if let Some(rewritten) = crate::parse_expression(&text) {
        *e = rewritten;
    }
}

fn is_null(e: &Expr) -> bool {
    matches!(e, Expr::Value(v) if matches!(v.value, Value::Null))
}

/// `GREATEST(..., k)` with a literal `k` of 1 or more: never NULL, never below 1.
fn at_least_one(e: &Expr) -> bool {
    let Expr::Function(f) = e else {
        return false;
    };
    function_name(&f.name).as_deref() == Some("greatest")
        && f.over.is_none()
        && plain_args_of(&f.args)
            .and_then(|args| args.last().and_then(|k| integer_literal(k)))
            .is_some_and(|k| k >= 1)
}

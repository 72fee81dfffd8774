//! Calls whose Polars result differs from SQL's in value, not only in type, rewritten to SQL's value
//! (see `dialect`):
//!
//! - `STRPOS(s, t)` (and `POSITION(t IN s)`, and `INSTR`, which sqlguard spells `STRPOS`) counts bytes in
//!   Polars and answers 0 for a NULL `s`: `STRPOS('héllo', 'l')` was 4, and `WHERE INSTR(s, '%') = 0` kept
//!   NULL rows. SQL counts characters and answers NULL.
//! - `ROUND(x, n)` rounds half to even in Polars (`ROUND(2.5)` was 2), and on the binary float (`ROUND(1.005,
//!   2)` was 1.0, 1.005 being 1.00499999999999989... in binary); SQLite and PostgreSQL round half away from zero
//!   the decimal the float reads as (see `rounding`).
//! - `SUBSTR(s, from, n)` with a negative `n` failed, and with a NULL `n` gave the rest of `s`: SQLite takes
//!   the `-n` characters before `from`, and NULL.
//! - `RIGHT(s, n)` dropped characters when `s` is shorter than `n` (`RIGHT('ab', 3)` was `'b'`).
//! - `POWER(a, b)` of integers is an integer in Polars, which wrapped (`POWER(10, 10)` was 1410065408) and
//!   failed for a negative exponent; in SQL it is a float.

use sqlparser::ast::{Expr, Function, Value};

#[path = "dialect_rounding.rs"]
mod rounding;

/// SQL's value for the call `name(...)`, where Polars' differs.
pub(super) fn sql_value(name: &str, f: &Function) -> Option<Expr> {
    if f.over.is_some() {
        return None;
    }
    let args = sqlguard::syntax::plain_args_of(&f.args)?;
    if matches!(name, "strpos" | "right") && too_long(&args) {
        return None;
    }
    let text = match (name, args.as_slice()) {
        ("strpos", [s, t]) => position(s, t),
        ("round", [x]) => rounding::round(x, 0)?,
        ("round", [x, n]) => rounding::round(
            x,
            u32::try_from(sqlguard::syntax::integer_literal(n)?).ok()?,
        )?,
        // Polars' RIGHT(s, n) lost characters when `s` is shorter than `n` but longer than `n / 2`
        // (`RIGHT('ab', 3)` was 'b'); it is right when `n` is less than the length.
        ("right", [s, n]) => {
            format!("CASE WHEN LENGTH({s}) <= {n} THEN {s} ELSE RIGHT({s}, {n}) END")
        }
        ("power" | "pow", [a, b]) if !is_double(a) => format!("POWER(CAST({a} AS DOUBLE), {b})"),
        _ => return None,
    };
    super::dialect::parse_expression(&text).map(|e| Expr::Nested(Box::new(e)))
}

/// Arguments past this size keep Polars' own call: each rewrite here writes an argument several times, so
/// nested calls would double at every level.
const MAX_REPEATED_ARGUMENT: usize = 16 * 1024;

fn too_long(exprs: &[&Expr]) -> bool {
    exprs.iter().map(|e| e.to_string().len()).sum::<usize>() > MAX_REPEATED_ARGUMENT
}

/// SQLite's `SUBSTR(s, from, n)` for an `n` that may be negative or NULL. Polars evaluates every branch of a
/// CASE, so no branch may pass it a negative length.
pub(super) fn sql_substring(e: &Expr) -> Option<Expr> {
    let Expr::Substring {
        expr: s,
        substring_from: Some(from),
        substring_for: Some(n),
        ..
    } = e
    else {
        return None;
    };
    if too_long(&[s, from, n]) {
        return None;
    }
    let start = format!("GREATEST(({from}) + ({n}), 1)");
    let text = format!(
        "CASE WHEN ({n}) IS NULL THEN NULL WHEN ({n}) >= 0 THEN SUBSTR({s}, {from}, GREATEST({n}, 0)) \
         ELSE SUBSTR({s}, {start}, GREATEST(({from}) - {start}, 0)) END"
    );
    super::dialect::parse_expression(&text).map(|e| Expr::Nested(Box::new(e)))
}

/// `POSITION(t IN s)` as [`sql_value`] gives `STRPOS(s, t)`.
pub(super) fn sql_position(needle: &Expr, haystack: &Expr) -> Option<Expr> {
    if too_long(&[needle, haystack]) {
        return None;
    }
    super::dialect::parse_expression(&position(haystack, needle)).map(|e| Expr::Nested(Box::new(e)))
}

/// The character position of `t` in `s` (1-based, 0 when absent, NULL for NULL). The characters before a
/// literal `t` are the first part of `s` split at it; a `t` computed per row keeps Polars' byte count.
fn position(s: &Expr, t: &Expr) -> String {
    match t {
        Expr::Value(v) if matches!(&v.value, Value::SingleQuotedString(x) if x.is_empty()) => {
            format!("CASE WHEN {s} IS NULL THEN NULL ELSE CAST(1 AS BIGINT) END")
        }
        // Polars' STRPOS reads `t` as a regular expression (`'.'` matched any character, `'('` failed):
        // `t` is absent exactly when the part before it is all of `s`, and SPLIT_PART reads `t` literally.
        Expr::Value(v) if matches!(&v.value, Value::SingleQuotedString(_)) => format!(
            "CASE WHEN {s} IS NULL THEN NULL WHEN LENGTH(SPLIT_PART({s}, {t}, 1)) = LENGTH({s}) \
             THEN CAST(0 AS BIGINT) ELSE CAST(LENGTH(SPLIT_PART({s}, {t}, 1)) AS BIGINT) + 1 END"
        ),
        _ => format!(
            "CASE WHEN {s} IS NULL OR {t} IS NULL THEN NULL ELSE CAST(STRPOS({s}, {t}) AS BIGINT) END"
        ),
    }
}

fn is_double(e: &Expr) -> bool {
    matches!(e, Expr::Cast { data_type, .. } if data_type.to_string().eq_ignore_ascii_case("double"))
}

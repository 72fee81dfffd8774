//! LIKE with a pattern computed per row, which Polars refused ("LIKE/ILIKE pattern must be a string
//! literal"). Its usual shapes run as the calls they mean, ignoring case as LIKE does here: `x LIKE y || '%'`
//! as `STARTS_WITH(LOWER(x), LOWER(y))`, `x LIKE '%' || y` as `ENDS_WITH(...)`, `x LIKE '%' || y || '%'` as
//! `STRPOS(LOWER(x), LOWER(y)) > 0`; NOT LIKE as their negation. A `%` or `_` inside `y`'s value is taken
//! literally (SQLite would read it as a wildcard). Any other computed pattern is refused with these forms.
//! A pattern concatenated from literals alone (`'%' || 'e'`, as a model builds one) is one literal pattern.

use sqlparser::ast::{BinaryOperator as B, Expr, Value};

use crate::scope::SelectScope;

/// The advice for a computed pattern no rewrite reads.
pub(crate) const ADVICE: &str = "LIKE needs a literal pattern here ('abc%'); for a pattern built from a \
     column write `STARTS_WITH(LOWER(x), LOWER(y))` (for `x LIKE y || '%'`), `ENDS_WITH(LOWER(x), LOWER(y))` \
     (for `'%' || y`) or `STRPOS(LOWER(x), LOWER(y)) > 0` (for `'%' || y || '%'`), and `x = y` for equality.";

/// None when `e` is no LIKE with a computed pattern; else the call it means, or Err when it has no such form.
pub(crate) fn rewrite(scopes: &[SelectScope], e: &Expr) -> Option<Result<Expr, String>> {
    let (Expr::Like {
        negated,
        expr,
        pattern,
        escape_char,
        ..
    }
    | Expr::ILike {
        negated,
        expr,
        pattern,
        escape_char,
        ..
    }) = e
    else {
        return None;
    };
    if matches!(pattern.as_ref(), Expr::Value(_)) {
        return None;
    }
    let mut parts = Vec::new();
    concatenated(pattern, &mut parts);
    let is_percent = |p: &Expr| matches!(p, Expr::Value(v) if matches!(&v.value, Value::SingleQuotedString(s) if s == "%"));
    let computed = |p: &Expr| !matches!(p, Expr::Value(_));
    let test = match parts.as_slice() {
        [y, end] if computed(y) && is_percent(end) => ("STARTS_WITH", y),
        [start, y] if is_percent(start) && computed(y) => ("ENDS_WITH", y),
        [start, y, end] if is_percent(start) && computed(y) && is_percent(end) => ("STRPOS", y),
        _ => return Some(Err(ADVICE.to_string())),
    };
    if escape_char.is_some() {
        return Some(Err(ADVICE.to_string()));
    }
    let mut needle = (*test.1).clone();
    crate::literals::number_as_text_argument(scopes, &mut needle);
    let call = match test.0 {
        "STRPOS" => format!("STRPOS(LOWER({expr}), LOWER({needle})) > 0"),
        name => format!("{name}(LOWER({expr}), LOWER({needle}))"),
    };
    let text = if *negated {
        format!("(NOT ({call}))")
    } else {
        format!("({call})")
    };
    crate::parse_expression(&text).map(Ok)
}

/// A pattern written as a chain of `||` over text literals only (`'%' || 'e'`) made the literal it spells,
/// so that it is read as any literal pattern (case, escapes) rather than refused as computed per row.
pub(crate) fn fold_literal_pattern(e: &mut Expr) {
    let (Expr::Like { pattern, .. } | Expr::ILike { pattern, .. }) = e else {
        return;
    };
    if !matches!(pattern.as_ref(), Expr::BinaryOp { .. } | Expr::Nested(_)) {
        return;
    }
    let mut parts = Vec::new();
    concatenated(pattern, &mut parts);
    let mut text = String::new();
    for part in parts {
        match part {
            Expr::Value(v) => match &v.value {
                Value::SingleQuotedString(s) => text.push_str(s),
                _ => return,
            },
            _ => return,
        }
    }
    **pattern = Expr::value(Value::SingleQuotedString(text));
}

/// The operands of a chain of `||`, in order.
fn concatenated<'e>(e: &'e Expr, parts: &mut Vec<&'e Expr>) {
    match e {
        Expr::BinaryOp {
            left,
            op: B::StringConcat,
            right,
        } => {
            concatenated(left, parts);
            concatenated(right, parts);
        }
        Expr::Nested(inner) => concatenated(inner, parts),
        other => parts.push(other),
    }
}

//! `LIKE '50!%%' ESCAPE '!'`: the character after the escape stands for itself, so that a pattern can match a
//! literal `%` or `_`. Polars refused any ESCAPE ("ESCAPE char for LIKE/ILIKE is not currently supported"), and
//! its LIKE has no other way to say it; the test becomes the regular expression Polars' own LIKE builds, with
//! the escaped characters literal (`REGEXP '(?is)^50%.*$'`).

use sqlparser::ast::{Expr, Value};

use crate::temporal::text_literal;

/// Regular-expression metacharacters, as the `regex` crate's `escape` escapes them.
const META: &str = r"\.+*?()|[]{}^$#&-~";

/// The regular expression a LIKE `pattern` with `escape` means (without its flags and anchors), or why none.
fn pattern_regex(pattern: &str, escape: char) -> Result<String, String> {
    let mut out = String::new();
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        let literal = if c == escape {
            chars.next().ok_or_else(|| {
                format!("the LIKE pattern '{pattern}' ends with its escape character '{escape}'")
            })?
        } else if c == '%' {
            out.push_str(".*");
            continue;
        } else if c == '_' {
            out.push('.');
            continue;
        } else {
            c
        };
        if META.contains(literal) {
            out.push('\\');
        }
        out.push(literal);
    }
    Ok(out)
}

/// `Some(Ok(rewritten))` for a `LIKE`/`ILIKE` with an ESCAPE it can write out, `Some(Err(advice))` for one it
/// cannot, `None` for anything else. Called after `compat::like_ignores_case`, so that an ILIKE is what a
/// LIKE became (case is ignored, as in SQLite).
pub(crate) fn like_escape(e: &Expr) -> Option<Result<Expr, String>> {
    let (negated, expr, pattern, escape, ignore_case) = match e {
        Expr::Like {
            negated,
            expr,
            pattern,
            escape_char: Some(escape),
            ..
        } => (negated, expr, pattern, escape, false),
        Expr::ILike {
            negated,
            expr,
            pattern,
            escape_char: Some(escape),
            ..
        } => (negated, expr, pattern, escape, true),
        _ => return None,
    };
    let escape = match &escape.value {
        Value::SingleQuotedString(text) if text.chars().count() == 1 => text.chars().next(),
        _ => None,
    };
    let Some(escape) = escape else {
        return Some(Err(
            "LIKE ... ESCAPE takes one character in single quotes, as `LIKE '50!%' ESCAPE '!'`."
                .to_owned(),
        ));
    };
    let Some(pattern) = text_literal(pattern) else {
        return Some(Err(
            "LIKE ... ESCAPE needs its pattern written as a 'single-quoted' text; to find a % or _ held in \
             a column, use STRPOS(text, column) > 0."
                .to_owned(),
        ));
    };
    let regex = match pattern_regex(pattern, escape) {
        Ok(regex) => regex,
        Err(why) => {
            return Some(Err(format!(
                "{why}: write the escape before the % or _ it makes literal."
            )));
        }
    };
    let flags = if ignore_case { "(?is)" } else { "(?s)" };
    let not = if *negated { "NOT " } else { "" };
    let text = format!(
        "{expr} {not}REGEXP '{flags}^{}$'",
        regex.replace('\'', "''")
    );
    Some(
        crate::parse_expression(&text)
            .map(|parsed| Expr::Nested(Box::new(parsed)))
            .ok_or_else(|| "this LIKE ... ESCAPE could not be written for the engine; use STRPOS(text, '%') > 0 to find a literal %.".to_owned()),
    )
}

#[cfg(test)]
mod tests {
    use super::pattern_regex;

    #[test]
    fn escaped_wildcards_are_literal() {
        assert_eq!(pattern_regex("50!%%", '!').unwrap(), "50%.*");
        assert_eq!(pattern_regex(r"a\_b", '\\').unwrap(), "a_b");
        assert_eq!(pattern_regex("a.b!!_", '!').unwrap(), r"a\.b!.");
        assert_eq!(pattern_regex("$$x", '$').unwrap(), r"\$x");
        assert!(pattern_regex("50!", '!').is_err());
    }
}

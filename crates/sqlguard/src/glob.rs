//! SQLite's `x GLOB 'pattern'` (and `NOT GLOB`) as a regular expression match, `x ~ '^(?s:...)$'`.
//!
//! sqlparser has no GLOB operator, so a query that fails to parse is tried again with each infix `GLOB`
//! spelled `SIMILAR TO` (same precedence, same NOT, a node of its own); its SIMILAR TO nodes are then GLOBs
//! (see `Walker::globs`). A query the user wrote with SIMILAR TO is never respelled.
//!
//! The pattern as SQLite reads it: case-sensitive, `*` any run of characters (line ends too), `?` one,
//! `[abc]`, `[a-z]`, `[^x]` classes (a `]` first in a class is one of its characters; a `-` first or last is
//! itself), the whole value matched. Every other character stands for itself, written `\x{..}` in the
//! regular expression unless it is a letter, digit or space, so nothing in a pattern is read as regex syntax.
//!
//! The value is matched as SQLite's text for it: a number as its digits, a date as `2020-02-12`, a datetime as
//! `2024-01-01 10:30:00`, a boolean as `1` or `0`.

use sqlparser::ast::{BinaryOperator, Expr, Value};
use sqlparser::dialect::GenericDialect;
use sqlparser::tokenizer::{Token, TokenWithSpan, Tokenizer};

use crate::issue::Rule;
use crate::walk::Walker;

/// `sql` with every infix `GLOB` written `SIMILAR TO`, or `None` when it has none (or has SIMILAR already).
pub(crate) fn respelled(sql: &str) -> Option<String> {
    let tokens = Tokenizer::new(&GenericDialect, sql)
        .tokenize_with_location()
        .ok()?;
    let word = |t: &Token, w: &str| matches!(t, Token::Word(x) if x.quote_style.is_none() && x.value.eq_ignore_ascii_case(w));
    if tokens.iter().any(|t| word(&t.token, "similar")) {
        return None;
    }
    let significant: Vec<_> = tokens
        .iter()
        .filter(|t| !matches!(t.token, Token::Whitespace(_)))
        .collect();
    // Byte offsets of the lines, for the tokens' (line, column) positions.
    let line_starts: Vec<usize> = std::iter::once(0)
        .chain(sql.match_indices('\n').map(|(i, _)| i + 1))
        .collect();
    let offset = |line: u64, column: u64| -> Option<usize> {
        let start = *line_starts.get(usize::try_from(line).ok()?.checked_sub(1)?)?;
        let column = usize::try_from(column).ok()?.checked_sub(1)?;
        Some(start + sql[start..].char_indices().nth(column)?.0)
    };
    let mut spans = Vec::new();
    for (i, t) in significant.iter().enumerate() {
        // Infix: after something a value ends with, before something a value starts with (a column named
        // `glob` is left alone: `SELECT glob FROM t`, `WHERE glob = 1`, `x AS glob`).
        let before_value = significant.get(i + 1).is_some_and(|n| match &n.token {
            Token::Word(w) => w.quote_style.is_some() || !starts_no_value(&w.value),
            token => matches!(
                token,
                Token::SingleQuotedString(_) | Token::LParen | Token::Number(..)
            ),
        });
        if word(&t.token, "glob") && ends_value(&significant[..i]) && before_value {
            let start = offset(t.span.start.line, t.span.start.column)?;
            spans.push(start..start + "glob".len());
        }
    }
    if spans.is_empty() {
        return None;
    }
    let mut text = sql.to_string();
    for span in spans.into_iter().rev() {
        text.replace_range(span, "SIMILAR TO");
    }
    Some(text)
}

/// True when the last of `tokens` ends a value (`x`, `3`, `'a'`, `)`, `END`), seen through a `NOT` (`x NOT GLOB`).
fn ends_value(tokens: &[&TokenWithSpan]) -> bool {
    match tokens.split_last() {
        Some((last, rest)) => match &last.token {
            Token::Word(w) if w.quote_style.is_none() && w.value.eq_ignore_ascii_case("not") => {
                ends_value(rest)
            }
            Token::Word(w) => w.quote_style.is_some() || !starts_no_value(&w.value),
            token => matches!(
                token,
                Token::RParen | Token::Number(..) | Token::SingleQuotedString(_)
            ),
        },
        None => false,
    }
}

/// Keywords a value cannot end with (they come before one) nor start with.
fn starts_no_value(word: &str) -> bool {
    const WORDS: &[&str] = &[
        "all",
        "and",
        "any",
        "as",
        "between",
        "by",
        "case",
        "distinct",
        "else",
        "escape",
        "except",
        "exists",
        "from",
        "group",
        "having",
        "in",
        "intersect",
        "interval",
        "is",
        "join",
        "like",
        "limit",
        "offset",
        "on",
        "or",
        "order",
        "over",
        "partition",
        "select",
        "some",
        "then",
        "union",
        "using",
        "when",
        "where",
        "with",
        "xor",
    ];
    WORDS.iter().any(|w| w.eq_ignore_ascii_case(word))
}

impl Walker<'_> {
    /// Rewrites and walks `e` when it is a GLOB (a SIMILAR TO respelled from one); false otherwise.
    pub(crate) fn glob(&mut self, e: &mut Expr) -> bool {
        if !self.globs {
            return false;
        }
        let Expr::SimilarTo {
            negated,
            expr,
            pattern,
            escape_char,
        } = e
        else {
            return false;
        };
        if escape_char.is_some() {
            self.unsupported(
                "ESCAPE after GLOB",
                "GLOB has no escape character: put a special character in brackets, `x GLOB '*[*]'` for a \
                 value ending in `*`.",
            );
            return true;
        }
        let Expr::Value(v) = pattern.as_ref() else {
            self.unsupported(
                "GLOB with a pattern that is not a 'quoted string'",
                "write the pattern as a literal (`name GLOB 'A*'`), or use LIKE (which ignores case) for a \
                 pattern held in a column.",
            );
            return true;
        };
        let Value::SingleQuotedString(text) = &v.value else {
            self.unsupported(
                "GLOB with a pattern that is not a 'quoted string'",
                "write the pattern as a literal, such as `name GLOB 'A*'`.",
            );
            return true;
        };
        let regex = match regex_of(text) {
            Ok(regex) => regex,
            Err(advice) => {
                self.reject(Rule::UnsupportedSyntax, advice, None);
                return true;
            }
        };
        self.expr(expr);
        crate::compat::date_as_text(&self.scopes, expr);
        // A number column matched as its text (`qty GLOB '1*'`), as SQLite does.
        crate::literals::number_as_text_argument(&self.scopes, expr);
        // SQLite holds a boolean as 1 or 0, and matches that text; Polars refused a regex on a Boolean.
        if crate::compat::is_column_of_kind(&self.scopes, expr, |r| &r.booleans)
            && let Some(text) = crate::parse_expression(&format!(
                "CASE WHEN {expr} THEN '1' WHEN NOT {expr} THEN '0' END"
            ))
        {
            **expr = text;
        }
        let op = if *negated {
            BinaryOperator::PGRegexNotMatch
        } else {
            BinaryOperator::PGRegexMatch
        };
        let left = std::mem::replace(expr.as_mut(), Expr::value(Value::Null));
        *e = Expr::Nested(Box::new(Expr::BinaryOp {
            left: Box::new(left),
            op,
            right: Box::new(Expr::value(Value::SingleQuotedString(regex))),
        }));
        true
    }
}

/// The regular expression matching exactly the values `pattern` matches in SQLite; an advice when a class
/// is never closed.
pub(crate) fn regex_of(pattern: &str) -> Result<String, String> {
    let mut out = String::from("^(?s:");
    let mut chars = pattern.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '*' => out.push_str(".*"),
            '?' => out.push('.'),
            '[' => out.push_str(&class(&mut chars).ok_or_else(|| {
                format!(
                    "the GLOB pattern '{pattern}' opens a `[` class it never closes (SQLite matches nothing \
                     with it); close it with `]`, or write `[[]` for the character `[` itself."
                )
            })?),
            c => out.push_str(&literal(c)),
        }
    }
    out.push_str(")$");
    Ok(out)
}

/// One character as itself.
fn literal(c: char) -> String {
    if c.is_alphanumeric() || c == ' ' {
        c.to_string()
    } else {
        format!("\\x{{{:X}}}", u32::from(c))
    }
}

/// A class, read after its `[` as SQLite's `patternCompare` reads it; `None` when it is never closed.
fn class(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) -> Option<String> {
    let mut ranges: Vec<(char, char)> = Vec::new();
    let invert = chars.next_if_eq(&'^').is_some();
    if chars.next_if_eq(&']').is_some() {
        ranges.push((']', ']'));
    }
    // The character before a `-`; none after a range or at the start, where a `-` is itself.
    let mut prior: Option<char> = None;
    loop {
        let c = chars.next()?;
        if c == ']' {
            break;
        }
        match (c, prior, chars.peek()) {
            ('-', Some(low), Some(&high)) if high != ']' => {
                chars.next();
                // SQLite's test is `low <= c <= high`: a reversed range holds nothing (its first character,
                // already read as itself, stays: `[z-a]` matches `z`).
                if low <= high {
                    ranges.push((low, high));
                }
                prior = None;
            }
            _ => {
                ranges.push((c, c));
                prior = Some(c);
            }
        }
    }
    let body: String = ranges
        .iter()
        .map(|&(low, high)| {
            let code = |c: char| format!("\\x{{{:X}}}", u32::from(c));
            if low == high {
                code(low)
            } else {
                format!("{}-{}", code(low), code(high))
            }
        })
        .collect();
    // Never empty: a `]` right after the `[` (or `[^`) is a character of the class.
    Some(if invert {
        format!("[^{body}]")
    } else {
        format!("[{body}]")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes_read_as_sqlite_reads_them() {
        assert_eq!(regex_of("a*").unwrap(), r"^(?s:a.*)$");
        assert_eq!(regex_of("[]a]").unwrap(), r"^(?s:[\x{5D}\x{61}])$");
        assert_eq!(
            regex_of("[^a-c-]").unwrap(),
            r"^(?s:[^\x{61}\x{61}-\x{63}\x{2D}])$"
        );
        assert_eq!(regex_of("[z-a]").unwrap(), r"^(?s:[\x{7A}])$");
        assert!(regex_of("[]").is_err());
        assert_eq!(regex_of("1.5?").unwrap(), r"^(?s:1\x{2E}5.)$");
        assert!(regex_of("a[bc").is_err());
    }

    #[test]
    fn only_infix_glob_is_respelled() {
        assert_eq!(
            respelled("SELECT * FROM t WHERE name NOT glob 'A*'").as_deref(),
            Some("SELECT * FROM t WHERE name NOT SIMILAR TO 'A*'")
        );
        assert_eq!(respelled("SELECT glob FROM t"), None);
        assert_eq!(
            respelled("SELECT 1 FROM t WHERE NOT glob GLOB 'x*'").as_deref(),
            Some("SELECT 1 FROM t WHERE NOT glob SIMILAR TO 'x*'")
        );
        assert_eq!(respelled("SELECT a AS glob, b FROM t"), None);
        assert_eq!(
            respelled("SELECT x FROM t WHERE s SIMILAR TO 'a' OR s GLOB 'b'"),
            None
        );
    }
}

//! Cheap checks on the raw text, run before sqlparser sees it.
//!
//! sqlparser parses brackets recursively; bounding bracket depth here means a hostile
//! `((((...` never reaches it. The scan skips string literals, quoted identifiers and comments
//! so that brackets inside them do not count. If the scan misjudges quoting, sqlparser's own
//! recursion limit (50) is the second line of defence, so an imprecise scan is not a hole.

use crate::catalog::Limits;
use crate::issue::{Issue, Location, Rule};

/// Reject input that is too long or nested too deeply; also detect blank input.
pub(crate) fn prescan(sql: &str, limits: &Limits) -> Result<(), Issue> {
    if sql.len() > limits.max_sql_bytes {
        return Err(Issue::new(
            Rule::TooLong,
            format!(
                "the query is {} bytes long; the limit is {} bytes. Write a shorter query.",
                sql.len(),
                limits.max_sql_bytes
            ),
        ));
    }
    let depth = bracket_depth(sql, limits.max_nesting_depth);
    if let Some(loc) = depth {
        return Err(Issue::new(
            Rule::TooDeep,
            format!(
                "brackets are nested more than {} levels deep; flatten the query \
                 (use a WITH clause instead of nested subqueries).",
                limits.max_nesting_depth
            ),
        )
        .at(Some(loc)));
    }
    Ok(())
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    Code,
    Quoted(char),
    LineComment,
    BlockComment,
}

/// Location of the first bracket that exceeds `max`, or `None` when nesting stays within it.
fn bracket_depth(sql: &str, max: usize) -> Option<Location> {
    let mut state = State::Code;
    let mut depth: usize = 0;
    let (mut line, mut column) = (1u64, 0u64);
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\n' {
            line += 1;
            column = 0;
        } else {
            column += 1;
        }
        match state {
            State::Code => match c {
                '\'' | '"' | '`' => state = State::Quoted(c),
                '-' if chars.peek() == Some(&'-') => state = State::LineComment,
                '/' if chars.peek() == Some(&'*') => {
                    chars.next();
                    column += 1;
                    state = State::BlockComment;
                }
                '(' | '[' => {
                    depth += 1;
                    if depth > max {
                        return Some(Location { line, column });
                    }
                }
                ')' | ']' => depth = depth.saturating_sub(1),
                _ => {}
            },
            // A doubled quote is an escaped quote: leaving and re-entering the state is the same.
            State::Quoted(q) if c == q => state = State::Code,
            State::Quoted(_) => {}
            State::LineComment if c == '\n' => state = State::Code,
            State::LineComment => {}
            State::BlockComment if c == '*' && chars.peek() == Some(&'/') => {
                chars.next();
                column += 1;
                state = State::Code;
            }
            State::BlockComment => {}
        }
    }
    None
}

/// True when the text holds nothing but whitespace, semicolons and comments.
pub(crate) fn is_blank(sql: &str) -> bool {
    let mut rest = sql;
    loop {
        rest = rest.trim_start_matches(|c: char| c.is_whitespace() || c == ';');
        if let Some(after) = rest.strip_prefix("--") {
            rest = after.split_once('\n').map_or("", |(_, tail)| tail);
        } else if let Some(after) = rest.strip_prefix("/*") {
            match after.split_once("*/") {
                Some((_, tail)) => rest = tail,
                None => return true,
            }
        } else {
            return rest.is_empty();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn depth_counts_only_code_brackets() {
        assert!(bracket_depth("SELECT ((1))", 2).is_none());
        assert!(bracket_depth("SELECT (((1)))", 2).is_some());
        assert!(bracket_depth("SELECT '((((((' FROM t", 2).is_none());
        assert!(bracket_depth("SELECT \"((((\" -- ((((\n/* (((( */", 2).is_none());
        let loc = bracket_depth("SELECT\n(((1)))", 2);
        assert_eq!(loc, Some(Location { line: 2, column: 3 }));
    }

    #[test]
    fn blank_detection() {
        assert!(is_blank(""));
        assert!(is_blank(" ;; -- hi\n /* x */ "));
        assert!(!is_blank("-- hi\nSELECT 1"));
    }
}

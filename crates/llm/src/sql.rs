//! Recovery of one SQL statement from free model text (fences, prose, `SQL:` labels, JSON).

use serde_json::Value;

use crate::error::LlmError;
use crate::extract::{Extraction, extract_json, fenced_blocks, json_error, object_with_field};

/// Words that can start a statement. Write statements are kept so the SQL guard can reject
/// them explicitly instead of the user seeing "no SQL found".
const STARTERS: &[&str] = &[
    "SELECT", "WITH", "VALUES", "EXPLAIN", "SHOW", "PRAGMA", "INSERT", "UPDATE", "DELETE",
    "CREATE", "ALTER", "DROP", "MERGE", "TRUNCATE", "REPLACE",
];

/// Words that can start a continuation line of a statement after a blank line.
const CONTINUATIONS: &[&str] = &[
    "FROM",
    "WHERE",
    "JOIN",
    "INNER",
    "LEFT",
    "RIGHT",
    "FULL",
    "CROSS",
    "NATURAL",
    "ON",
    "AND",
    "OR",
    "GROUP",
    "ORDER",
    "HAVING",
    "LIMIT",
    "OFFSET",
    "UNION",
    "INTERSECT",
    "EXCEPT",
    "WINDOW",
    "SELECT",
    "WITH",
    "AS",
    "CASE",
    "WHEN",
    "THEN",
    "ELSE",
    "END",
    "FETCH",
    "QUALIFY",
    "SET",
    "VALUES",
    "RETURNING",
    "USING",
    "NOT",
    "IN",
    "EXISTS",
    "BETWEEN",
    "LIKE",
    "IS",
];

/// Sentence openers that end a statement when a non-indented line starts with them.
const PROSE: &[&str] = &[
    "This",
    "The",
    "Note",
    "Explanation",
    "Here",
    "It",
    "We",
    "I",
    "You",
    "Please",
    "These",
    "That",
    "Assuming",
    "Also",
    "Make",
    "If",
    "To",
    "In",
    "For",
    "Alternatively",
    "Output",
    "Result",
    "Answer",
    "Hope",
    "Let",
];

/// Fence languages that announce SQL.
const SQL_LANGS: &[&str] = &[
    "sql",
    "postgresql",
    "postgres",
    "psql",
    "pgsql",
    "sqlite",
    "mysql",
    "plsql",
    "tsql",
];

/// Extracts the SQL from model output, without a trailing `;` and the comments after it.
///
/// Tries, in order: a JSON object (read leniently) with a string `sql` field (or one wrapped in another
/// object, or a field named like it), ```sql fences, other fences, then the text itself (statement starting on
/// its own line, after a `SQL:`-style label, or mid-sentence in upper case). The statement ends at a fence, where
/// prose resumes, or at a `;` (outside quotes and comments) after which only comments follow, or (in free
/// text) no other statement. A second statement is kept, not cut off: the validator must see it and reject
/// the answer, never run its first half. A JSON object that cannot be read is an error, not text to scan.
pub fn extract_sql(text: &str) -> Result<String, LlmError> {
    let t = text.trim_start_matches('\u{feff}').trim();
    if t.is_empty() {
        return Err(LlmError::BadOutput(
            "empty model output: no SQL statement found".into(),
        ));
    }
    match extract_json(t) {
        Ok(json) => {
            if let Some(stmt) =
                sql_field(&json.value).and_then(|sql| from_code(sql).or_else(|| scan_text(sql)))
            {
                return Ok(stmt);
            }
            if json.extraction == Extraction::Direct {
                // The whole text is this object: scanning it would read its own fields as SQL.
                return Err(LlmError::BadOutput(
                    "the JSON object in the model output has no SQL statement in `sql`".into(),
                ));
            }
        }
        Err(_) => {
            if let Some(reason) = json_error(t) {
                return Err(LlmError::BadOutput(format!(
                    "invalid JSON in model output ({reason}): no SQL read from it"
                )));
            }
        }
    }
    let fences = fenced_blocks(t);
    let is_sql_lang = |lang: &str| SQL_LANGS.iter().any(|l| lang.eq_ignore_ascii_case(l));
    let found = fences
        .iter()
        .filter(|f| is_sql_lang(f.lang))
        .chain(fences.iter().filter(|f| !is_sql_lang(f.lang)))
        .find_map(|f| from_code(f.body))
        .or_else(|| scan_text(t));
    found.ok_or_else(|| {
        LlmError::BadOutput(format!(
            "no SQL statement found in model output ({} chars, starts with {:?})",
            t.len(),
            t.chars().take(80).collect::<String>()
        ))
    })
}

/// The SQL string of an answer object: its `sql` field (in a wrapping object too), else a field of the object
/// named like one (`query`, `SQL`, `sql_query`).
fn sql_field(value: &Value) -> Option<&str> {
    if let Some(object) = object_with_field(value, "sql") {
        return object.get("sql").and_then(Value::as_str);
    }
    value.as_object()?.iter().find_map(|(key, v)| {
        let key = key.to_ascii_lowercase();
        (key.contains("sql") || key.contains("query"))
            .then(|| v.as_str())
            .flatten()
    })
}

/// Code (fence body or JSON field): the statement should start on some line.
fn from_code(code: &str) -> Option<String> {
    let code = code.trim();
    line_start(code, |w| starter(w).is_some() && !is_capitalized(w))
        .or_else(|| line_start(code, |w| starter(w).is_some()))
        .and_then(|start| statement_at(code, start, true))
}

/// Free text: an upper- or lower-case keyword at a line start first ("Select the..." is a
/// sentence, not SQL), then an upper-case keyword anywhere.
fn scan_text(text: &str) -> Option<String> {
    let at_line = |upper: bool| {
        line_start(text, |w| {
            starter(w).is_some()
                && if upper {
                    w.chars().all(|c| c.is_ascii_uppercase())
                } else {
                    w.chars().all(|c| c.is_ascii_lowercase())
                }
        })
    };
    [at_line(true), at_line(false), mid_line(text)]
        .into_iter()
        .flatten()
        .find_map(|start| statement_at(text, start, false))
}

fn starter(word: &str) -> Option<&'static str> {
    STARTERS
        .iter()
        .copied()
        .find(|k| k.eq_ignore_ascii_case(word))
}

fn is_capitalized(w: &str) -> bool {
    let mut cs = w.chars();
    cs.next().is_some_and(|c| c.is_ascii_uppercase()) && cs.all(|c| c.is_ascii_lowercase())
}

/// Byte offset of the first line whose first word (after an optional `SQL:`-style label and
/// Markdown decoration) satisfies `accept`.
fn line_start(text: &str, accept: impl Fn(&str) -> bool) -> Option<usize> {
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let line_offset = offset;
        offset += line.len();
        let mut rest = line.trim_start_matches(|c: char| c.is_whitespace() || "*>#`".contains(c));
        if let Some(colon) = rest.find(':') {
            let label = &rest[..colon];
            if colon <= 40
                && label
                    .chars()
                    .all(|c| c.is_alphanumeric() || " *_-".contains(c))
            {
                rest = rest[colon + 1..]
                    .trim_start_matches(|c: char| c.is_whitespace() || "*`".contains(c));
            }
        }
        let word = first_word(rest);
        if !word.is_empty() && accept(word) {
            return Some(line_offset + (line.len() - rest.len()));
        }
    }
    None
}

fn first_word(s: &str) -> &str {
    let end = s
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(s.len());
    &s[..end]
}

/// Upper-case keyword preceded by a non-word character anywhere in the text.
fn mid_line(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    STARTERS
        .iter()
        .flat_map(|k| text.match_indices(k).map(|(i, _)| (i, k.len())))
        .filter(|&(i, len)| {
            let before_ok =
                i == 0 || !(bytes[i - 1].is_ascii_alphanumeric() || bytes[i - 1] == b'_');
            let after = bytes.get(i + len).copied();
            let after_ok = after.is_none_or(|b| !(b.is_ascii_alphanumeric() || b == b'_'));
            before_ok && after_ok
        })
        .map(|(i, _)| i)
        .min()
}

/// The statement starting at byte `start`, or `None` if it is just a bare keyword. `code`: the text is all code
/// (a fence body, a JSON field), so whatever follows a `;` is SQL too.
fn statement_at(text: &str, start: usize, code: bool) -> Option<String> {
    let inline_code = start > 0 && text.as_bytes()[start - 1] == b'`';
    let end = statement_end(text, start, inline_code, code);
    let stmt = text[start..end].trim().trim_end_matches(';').trim_end();
    let keyword = first_word(stmt);
    let body = stmt[keyword.len()..].trim();
    (starter(keyword).is_some() && body.chars().any(|c| c.is_alphanumeric() || c == '*'))
        .then(|| stmt.to_string())
}

/// Scans like a SQL lexer (quotes, comments) for the end of the statement.
fn statement_end(text: &str, start: usize, inline_code: bool, code: bool) -> usize {
    let s = &text[start..];
    let b = s.as_bytes();
    let mut i = 0;
    let mut quote: Option<u8> = None;
    while i < b.len() {
        let c = b[i];
        if let Some(q) = quote {
            if c == q {
                quote = None;
            }
            i += 1;
            continue;
        }
        match c {
            b';' => {
                let rest = skip_blank(&s[i + 1..]);
                if rest.is_empty() || !(code || starts_statement(rest)) {
                    return start + i;
                }
            }
            b'`' if inline_code || s[i..].starts_with("```") => return start + i,
            b'\'' | b'"' | b'`' => quote = Some(c),
            b'-' if s[i..].starts_with("--") => {
                i = s[i..].find('\n').map_or(b.len(), |n| i + n);
                continue;
            }
            b'/' if s[i..].starts_with("/*") => {
                i = s[i + 2..].find("*/").map_or(b.len(), |n| i + 2 + n + 2);
                continue;
            }
            b'\n' if prose_follows(&s[i + 1..]) => return start + i,
            _ => {}
        }
        i += 1;
    }
    text.len()
}

/// `s` without the `;`, whitespace and comments it starts with.
fn skip_blank(mut s: &str) -> &str {
    loop {
        let t = s.trim_start_matches(|c: char| c.is_whitespace() || c == ';');
        if let Some(rest) = t.strip_prefix("--") {
            s = rest.find('\n').map_or("", |n| &rest[n..]);
        } else if let Some(rest) = t.strip_prefix("/*") {
            s = rest.find("*/").map_or("", |n| &rest[n + 2..]);
        } else {
            return t;
        }
    }
}

/// Free text after a `;`: does another statement follow (`DROP TABLE t`, `select 2`), rather than prose?
fn starts_statement(rest: &str) -> bool {
    let word = first_word(rest);
    starter(word).is_some()
        && (word.chars().all(|c| c.is_ascii_uppercase())
            || word.chars().all(|c| c.is_ascii_lowercase()))
}

/// After a newline: does the statement stop here? Yes at a blank line not followed by a SQL
/// continuation, or at a line that opens like an English sentence or Markdown.
fn prose_follows(rest: &str) -> bool {
    let line = rest.split('\n').next().unwrap_or_default();
    if line.trim().is_empty() {
        let next = rest.lines().find(|l| !l.trim().is_empty());
        return next.is_none_or(|l| !continues(l));
    }
    if line.starts_with(char::is_whitespace) {
        return false;
    }
    let word = first_word(line);
    line.starts_with("**")
        || line.starts_with('#')
        || (PROSE.contains(&word) && line[word.len()..].starts_with(' '))
}

fn continues(line: &str) -> bool {
    if line.starts_with(char::is_whitespace) {
        return true;
    }
    let t = line.trim_start();
    if t.starts_with([')', '(', ',', '-', '/', '\'']) {
        return true;
    }
    let w = first_word(t);
    !is_capitalized(w) && CONTINUATIONS.iter().any(|k| k.eq_ignore_ascii_case(w))
}

//! A careful pre-pass that turns the almost-JSON models write into JSON: comments and trailing commas out,
//! raw control characters inside strings escaped. Nothing else is guessed at.
//!
//! Servers without constrained decoding (and models that ignore it) write `{"sql": "...",}`, `// the query`
//! lines, or a query broken over real newlines inside a string. Strict parsing rejects all three, and the SQL
//! scan that came next then read the JSON's own text as SQL. JSON5 would accept more (single quotes, bare
//! keys, hex numbers), but every extra form is one more way to misread text that was not meant as JSON; these
//! three are what models actually get wrong.

/// The text with comments and trailing commas removed (outside strings) and raw control characters in strings
/// escaped. Valid JSON comes back unchanged.
pub(crate) fn relax(text: &str) -> String {
    drop_trailing_commas(&strip_comments(text))
}

/// Comments out (each becomes one space, so tokens stay apart), control characters in strings escaped.
fn strip_comments(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    let mut in_string = false;
    let mut escaped = false;
    while let Some(c) = chars.next() {
        if in_string {
            match c {
                _ if escaped => {
                    escaped = false;
                    out.push(c);
                }
                '\\' => {
                    escaped = true;
                    out.push(c);
                }
                '"' => {
                    in_string = false;
                    out.push(c);
                }
                '\n' => out.push_str("\\n"),
                '\r' => out.push_str("\\r"),
                '\t' => out.push_str("\\t"),
                c if (c as u32) < 0x20 => {
                    out.push_str(&format!("\\u{:04x}", c as u32));
                }
                c => out.push(c),
            }
            continue;
        }
        match (c, chars.peek()) {
            ('"', _) => {
                in_string = true;
                out.push(c);
            }
            ('/', Some('/')) => {
                // To the end of the line; the newline itself stays.
                while chars.next_if(|&n| n != '\n').is_some() {}
                out.push(' ');
            }
            ('/', Some('*')) => {
                chars.next();
                let mut last = '\0';
                // To the closing `*/`, or the end of an unclosed comment.
                for n in chars.by_ref() {
                    if last == '*' && n == '/' {
                        break;
                    }
                    last = n;
                }
                out.push(' ');
            }
            _ => out.push(c),
        }
    }
    out
}

/// Drops a comma (outside strings) that only whitespace separates from the `}` or `]` after it.
fn drop_trailing_commas(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut in_string = false;
    let mut escaped = false;
    for (i, c) in text.char_indices() {
        if in_string {
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => in_string = false,
                _ => {}
            }
        } else if c == '"' {
            in_string = true;
        } else if c == ',' {
            let next = text[i + 1..].trim_start().chars().next();
            if matches!(next, Some('}' | ']')) {
                continue;
            }
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::relax;

    #[test]
    fn valid_json_is_unchanged() {
        let json = r#"{"sql": "SELECT 'a,}' AS x // not a comment", "n": [1, 2], "s": "\"/*\""}"#;
        assert_eq!(relax(json), json);
    }

    #[test]
    fn trailing_commas_and_comments_go() {
        let text =
            "{\n  // the query\n  \"sql\": \"SELECT 1\", /* note */\n  \"list\": [1, 2,],\n}";
        let value: serde_json::Value = serde_json::from_str(&relax(text)).unwrap();
        assert_eq!(
            value,
            serde_json::json!({"sql": "SELECT 1", "list": [1, 2]})
        );
    }

    #[test]
    fn raw_newlines_in_strings_are_escaped() {
        let text = "{\"sql\": \"SELECT a\n\tFROM data\"}";
        let value: serde_json::Value = serde_json::from_str(&relax(text)).unwrap();
        assert_eq!(value["sql"], "SELECT a\n\tFROM data");
    }

    #[test]
    fn unclosed_comment_and_string_do_not_panic() {
        for text in [
            "{\"a\": 1 /* open",
            "{\"a\": \"open",
            "{\"a\": \"x\\",
            "//",
            "/*",
            ",",
        ] {
            let _ = relax(text);
        }
    }
}

//! A quoted value with text after its closing quote (`"a"b`, `"a" ` with a blank, MySQL's `"say \"hi\""`),
//! refused naming its line and what is wrong. RFC 4180 doubles a quote inside a quoted value (`""`); polars'
//! splitter read any other quote as one that opens or closes, and dropped it: `"a"b"c"` was stored as `abc`
//! and `"say \"hi\" ok"` as `say \hi\ ok`, where Python's `csv` reads `ab"c"`. Reading them some other way
//! would guess what the file meant, so the upload is a 422 saying how to write the value.

use std::io;

/// The first such value of the file: `offset` is the byte after its closing quote.
#[derive(Debug, thiserror::Error)]
#[error("a quoted value has text after its closing quote")]
pub(crate) struct TextAfterQuote {
    pub(crate) offset: u64,
    /// Where the value's opening quote is.
    pub(crate) opened: u64,
    /// The value as written up to the byte after its closing quote, on that byte's line (shortened).
    excerpt: String,
    kind: Kind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// A space or a tab after the closing quote.
    Blank,
    /// The closing quote has a backslash before it: `\"`, an escape of MySQL's and others.
    Backslash,
    Other,
}

/// The longest excerpt quoted, in characters; a longer one keeps its end, where the fault is.
const EXCERPT_CHARS: usize = 40;

impl TextAfterQuote {
    /// The value of `text` whose opening quote is at `opened` and whose closing quote `after` follows; `start`
    /// is where `text` starts in the file.
    pub(crate) fn new(text: &[u8], opened: usize, after: usize, start: u64) -> Self {
        let end = (after + 1).min(text.len());
        // From the opening quote, or from the start of the line the value ends on.
        let from = memchr::memrchr(b'\n', &text[opened..after]).map_or(opened, |i| opened + i + 1);
        let written = String::from_utf8_lossy(&text[from..end]).replace('\r', "");
        let count = written.chars().count();
        let excerpt = match count > EXCERPT_CHARS {
            true => format!(
                "…{}",
                written
                    .chars()
                    .skip(count - EXCERPT_CHARS)
                    .collect::<String>()
            ),
            false => written,
        };
        let kind = match (text[after], after.checked_sub(2).map(|i| text[i])) {
            (b' ' | b'\t', _) => Kind::Blank,
            (_, Some(b'\\')) => Kind::Backslash,
            _ => Kind::Other,
        };
        Self {
            offset: start + after as u64,
            opened: start + opened as u64,
            excerpt,
            kind,
        }
    }

    /// What is wrong and what to write instead, for a 422 that names the line; `opened_on`: the line of the
    /// value's opening quote, when it is an earlier one (that quote may be the one missing its partner).
    pub(crate) fn message(&self, delimiter: u8, opened_on: Option<u64>) -> String {
        let excerpt = &self.excerpt;
        let delimiter = char::from(delimiter).escape_default();
        let opened = opened_on.map_or_else(String::new, |line| {
            format!(
                "; the value opens with a quote on line {line}: if that quote should close there, close it"
            )
        });
        let what = match self.kind {
            Kind::Blank => format!(
                "a blank follows the closing quote of a quoted value (`{excerpt}`): a quoted value ends at its \
                 closing quote, then the delimiter `{delimiter}` or the line's end; remove the blank, or put \
                 it inside the quotes"
            ),
            Kind::Backslash => format!(
                "a quote inside a quoted value is escaped with a backslash (`{excerpt}`), which ends the value \
                 there: inside a quoted value a quote is doubled (`\"\"`), not written `\\\"`; export the \
                 file with doubled quotes (standard CSV)"
            ),
            Kind::Other => format!(
                "text follows the closing quote of a quoted value (`{excerpt}`): a quoted value ends at its \
                 closing quote, then the delimiter `{delimiter}` or the line's end; to keep a quote inside a \
                 value, quote the whole value and double the quote (`\"\"`)"
            ),
        };
        what + &opened
    }
}

impl From<TextAfterQuote> for io::Error {
    fn from(fault: TextAfterQuote) -> Self {
        io::Error::new(io::ErrorKind::InvalidData, fault)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fault(text: &str) -> TextAfterQuote {
        let scanned = super::super::records::scan(text.as_bytes(), b',', false);
        let (opened, after) = scanned.after_quote.expect(text);
        TextAfterQuote::new(text.as_bytes(), opened, after, 100)
    }

    #[test]
    fn the_message_quotes_the_value_and_says_what_to_write() {
        let other = fault("id,v\n1,\"a\"b\"c\"\n");
        assert_eq!((other.offset, other.kind), (110, Kind::Other));
        assert!(
            other.message(b',', None).contains("(`\"a\"b`)"),
            "{}",
            other.message(b',', None)
        );
        let blank = fault("1,\"a\"\t\n");
        assert_eq!(blank.kind, Kind::Blank);
        assert!(blank.message(b',', None).contains("(`\"a\"\t`)"));
        let escaped = fault("1,\"say \\\"hi\\\" ok\"\n");
        assert_eq!(escaped.kind, Kind::Backslash);
        assert!(escaped.message(b',', None).contains("(`\"say \\\"h`)"));
        assert!(
            escaped
                .message(b',', None)
                .contains("doubled (`\"\"`), not written `\\\"`")
        );
        // A value over lines is quoted from the line it ends on, and where it opens is said; a long one is
        // quoted by its end.
        let over_lines = fault("\"one\ntwo\"x\n");
        assert_eq!(
            (over_lines.excerpt.as_str(), over_lines.opened),
            ("two\"x", 100)
        );
        assert!(
            over_lines.message(b',', Some(1)).ends_with(
                "opens with a quote on line 1: if that quote should close there, close it"
            )
        );
        let long = fault(&format!("\"{}\"x\n", "y".repeat(100)));
        assert_eq!(long.excerpt, format!("…{}\"x", "y".repeat(38)));
    }
}

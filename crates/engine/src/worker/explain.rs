//! A failed ingest explained in terms of the file: the line of a ragged row, of a value that broke its column,
//! of a quote never closed. Only ever run after polars has failed, so the happy path never pays for it.

use std::path::Path;

use polars::prelude::PolarsError;

use super::clean;
use super::locate;
use super::pieces::{self, UnclosedQuote};
use super::quote_fault::TextAfterQuote;
use super::sniff::Sniffed;
use crate::EngineError;
use crate::error::says_out_of_memory;

const UNCLOSED_QUOTE: &str = "a quoted value is never closed (a `\"` without its partner); close the quote, \
                              or double quotes inside quoted values (`\"\"`)";

/// Why polars failed, in terms of the file: the line of a ragged row or of the value that broke a column.
pub(super) fn explain(
    error: &PolarsError,
    source: &Path,
    sniffed: &Sniffed,
    names: &[String],
) -> EngineError {
    let text = clean::message(error, &[source]);
    let io = match error {
        PolarsError::IO { error, .. } => error.get_ref(),
        _ => None,
    };
    let fault = io.and_then(|e| e.downcast_ref::<TextAfterQuote>());
    // Polars may fail on such a value before the conversion meets it: the file would be refused for it.
    let found = fault
        .is_none()
        .then(|| pieces::text_after_quote(source, sniffed.delimiter))
        .flatten();
    if let Some(fault) = fault.or(found.as_ref()) {
        let line = locate::line_at(source, fault.offset);
        let opened_on = locate::line_at(source, fault.opened).filter(|&l| Some(l) != line);
        return EngineError::Csv {
            message: fault.message(sniffed.delimiter, opened_on),
            line,
        };
    }
    if let Some(unclosed) = io.and_then(|e| e.downcast_ref::<UnclosedQuote>()) {
        return EngineError::Csv {
            message: UNCLOSED_QUOTE.into(),
            line: locate::line_at(source, unclosed.offset),
        };
    }
    if let Some((line, found)) =
        locate::ragged_row(source, sniffed.delimiter, names.len(), sniffed.sep_line)
    {
        return ragged(line, found, names.len(), sniffed.delimiter);
    }
    match locate::bad_value(&text) {
        // Polars reads from an unmatched quote to the end of the file as one value.
        Some((value, _)) if value.starts_with('"') => EngineError::Csv {
            message: UNCLOSED_QUOTE.into(),
            line: locate::raw_line(source, value.lines().next().unwrap_or_default()),
        },
        Some((value, column)) => {
            let index = column.and_then(|c| names.iter().position(|n| *n == c));
            EngineError::Csv {
                message: format!("the file could not be read as CSV: {text}"),
                line: locate::value_line(source, sniffed.delimiter, &value, index),
            }
        }
        // Polars ran out of memory under the worker's limit: not the file's fault (see `or_too_large`).
        None if says_out_of_memory(&text) => EngineError::Internal(text),
        None => EngineError::Csv {
            message: format!("the file could not be read as CSV: {text}"),
            line: None,
        },
    }
}

pub(super) fn ragged(line: u64, found: usize, expected: usize, delimiter: u8) -> EngineError {
    EngineError::Csv {
        message: format!(
            "this row has {found} fields but the header has {expected}; every row needs one value per \
             column (quote values that contain the delimiter `{}`)",
            char::from(delimiter).escape_default()
        ),
        line: Some(line),
    }
}

/// Whether polars' failure may be two lines read as one across a lone carriage return: more fields than
/// the header (`3,4\r5,6`; in the rows the types are inferred from, a schema that does not match), or a
/// value with a return in it that broke its column (`4\r5`).
pub(super) fn joined_lines(text: &str) -> bool {
    text.contains("more fields than")
        || text.contains("does not match number of columns")
        || locate::bad_value(text).is_some_and(|(value, _)| value.contains('\r'))
}

/// Whether polars' failure is a value its column's type could not parse.
pub(super) fn is_type_error(text: &str) -> bool {
    text.contains("could not parse") || text.contains("as dtype")
}

/// Whether polars' failure says the bytes are not UTF-8.
pub(super) fn is_utf8_error(text: &str) -> bool {
    // Polars quotes the value it could not parse, and a value may say anything (`charset=utf-8`): only its
    // own words count, the original error it appends.
    let own = match text.contains("could not parse `") {
        true => text
            .rsplit_once("Original error:")
            .map_or("", |(_, own)| own),
        false => text,
    };
    let lower = own.to_lowercase();
    lower.contains("utf-8") || lower.contains("utf8")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_polars_own_words_make_an_encoding_error() {
        assert!(is_utf8_error("invalid utf-8 sequence"));
        let bad = |value: &str, original: &str| {
            format!(
                "could not parse `{value}` as dtype `i64` at column 'n' (column number 1)\n\n\
                 You might want to try: ...\n\nOriginal error: ```{original}```"
            )
        };
        assert!(is_utf8_error(&bad("\u{fffd}", "invalid utf-8 sequence")));
        assert!(!is_utf8_error(&bad(
            "charset=utf-8",
            "invalid primitive value found"
        )));
    }
}

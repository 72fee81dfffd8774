//! Notes on whole numbers a column could not keep as they are written, so that no value changes or stays
//! text without the upload saying so.
//!
//! - A whole number past the 64-bit range (`99999999999999999999`) makes its column text (see
//!   [`super::widen`]): as a decimal it would lose digits, as leading zeros would be lost as numbers. The note
//!   names the value, its line and why.
//! - A column of decimals (from its first rows, or widened by a later `2.5`) stores every value as a 64-bit
//!   float, exact only up to 2^53: a whole number past that (`9007199254740993`) changes. The note names the
//!   first such value, its line and what it became. Found by reading the column again and comparing each
//!   whole number's text with its float, only when the stored column's minimum or maximum is 2^53 or past
//!   it (a rare file; never on the usual path). From 2^53 on: 2^53 + 1 is stored as 2^53, which is no
//!   further.

use std::collections::BTreeMap;
use std::path::Path;

use contracts::ColumnStats;

use super::locate;

/// 2^53: the whole numbers up to it are exact as 64-bit floats.
const EXACT_UP_TO: f64 = 9_007_199_254_740_992.0;

/// What the conversion did to columns of whole numbers, for the notes.
#[derive(Debug, Default)]
pub(super) struct NumberNotes {
    /// Columns made text by a whole number too large for a 64-bit integer, and that number.
    too_large: BTreeMap<usize, String>,
    /// Columns made text by a decimal past a 64-bit float's range, and that value (see `float_range`).
    past_float: BTreeMap<usize, String>,
}

impl NumberNotes {
    /// Remembers the widening of column `index` to `text`-or-not (`to_text`) for polars' failure `message`.
    pub(super) fn widened(&mut self, index: usize, to_text: bool, message: &str) {
        if to_text && let Some(value) = too_large_integer(message) {
            self.too_large.entry(index).or_insert(value);
        }
    }

    /// Remembers the columns made text by a decimal past a float's range, with that value.
    pub(super) fn past_float(&mut self, found: &[(usize, String)]) {
        for (index, value) in found {
            self.past_float
                .entry(*index)
                .or_insert_with(|| value.clone());
        }
    }

    /// The notes for the stored `columns`, read from the CSV at `source`.
    pub(super) fn notes(
        &self,
        source: &Path,
        delimiter: u8,
        columns: &[ColumnStats],
    ) -> Vec<String> {
        let mut notes = Vec::new();
        for (&index, value) in &self.too_large {
            let Some(column) = columns.get(index).filter(|c| c.dtype == "str") else {
                continue;
            };
            let line = locate::value_line(source, delimiter, value, Some(index))
                .map_or_else(String::new, |line| format!(" (line {line})"));
            notes.push(format!(
                "column `{}` is text: {value}{line} is a whole number too large for a 64-bit integer, and as a \
                 decimal it would lose digits; CAST({} AS DOUBLE) computes with it approximately.",
                column.name,
                sql_name(&column.name)
            ));
        }
        for (&index, value) in &self.past_float {
            let Some(column) = columns.get(index).filter(|c| c.dtype == "str") else {
                continue;
            };
            let line = locate::value_line(source, delimiter, value, Some(index))
                .map_or_else(String::new, |line| format!(" (line {line})"));
            notes.push(format!(
                "column `{}` is text: {value}{line} is a number past the range of a 64-bit decimal (about \
                 ±1.8e308), which would store it as infinity; CAST({} AS DOUBLE) gives the others as numbers.",
                column.name,
                sql_name(&column.name)
            ));
        }
        // Every decimal column, not only those widened: one decimal among the first rows made the column
        // decimals with no widening, and its large whole numbers changed without a note.
        for (index, column) in columns.iter().enumerate() {
            if column.dtype != "f64" {
                continue;
            }
            let past = |bound: &Option<serde_json::Value>| {
                bound
                    .as_ref()
                    .and_then(serde_json::Value::as_f64)
                    .is_some_and(|v| v.abs() >= EXACT_UP_TO)
            };
            if !past(&column.min) && !past(&column.max) {
                continue;
            }
            if let Some((value, line)) = locate::inexact_integer(source, delimiter, index) {
                let stored = value.parse::<f64>().unwrap_or(f64::NAN);
                notes.push(format!(
                    "column `{}` holds decimals, so its whole numbers are stored as decimals, which are exact \
                     only up to 2^53 (9007199254740992): {value} (line {line}) is stored as {stored:.0}, and \
                     others that large may have changed likewise.",
                    column.name
                ));
            }
        }
        notes
    }
}

/// The whole number of polars' "could not parse `VALUE` as dtype `i64`" when it is one too large for it.
fn too_large_integer(message: &str) -> Option<String> {
    let (value, _) = locate::bad_value(message)?;
    let value = value.trim().trim_matches('"');
    let digits = value.strip_prefix(['+', '-']).unwrap_or(value);
    let whole = !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit());
    (whole && value.parse::<i64>().is_err()).then(|| value.to_owned())
}

/// A column name as SQL reads it: in double quotes unless it is a plain lower-case identifier.
fn sql_name(name: &str) -> String {
    let plain = name.starts_with(|c: char| c.is_ascii_lowercase() || c == '_')
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    match plain {
        true => name.to_owned(),
        false => format!("\"{}\"", name.replace('"', "\"\"")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_whole_numbers_past_i64_are_too_large() {
        let message = |value: &str| {
            format!("could not parse `{value}` as dtype `i64` at column 'n' (column number 2)")
        };
        assert_eq!(
            too_large_integer(&message("99999999999999999999")).as_deref(),
            Some("99999999999999999999")
        );
        assert_eq!(
            too_large_integer(&message("-99999999999999999999")).as_deref(),
            Some("-99999999999999999999")
        );
        for fits in ["9223372036854775807", "abc", "2.5", ""] {
            assert_eq!(too_large_integer(&message(fits)), None, "{fits}");
        }
        assert_eq!(sql_name("amount"), "amount");
        assert_eq!(sql_name("Big Id"), "\"Big Id\"");
    }
}

//! When a value past the rows polars inferred the types from breaks its column's type (a decimal in a column
//! of whole numbers, a word among dates), the type that column needs instead.
//!
//! Why not let polars infer again over the whole file: its inference tries date patterns on every text value
//! of every row, on one thread, at 3–35 MB/s, where a conversion runs at 300 MB/s; and it holds the whole
//! file while it does. Polars' error names the column and the value, so only that column is widened and the
//! conversion starts again.

use std::collections::BTreeMap;

use polars::prelude::DataType;

/// Conversions started again for a widened column, at most, before the whole file is inferred instead.
pub(super) const MAX_WIDENINGS: usize = 8;

/// The column and its wider type, from polars' "could not parse `VALUE` as dtype `T` at column 'NAME'
/// (column number N)"; `None` when the message is not that one, or the column is already text.
pub(super) fn widening(
    message: &str,
    widened: &BTreeMap<usize, DataType>,
) -> Option<(usize, DataType)> {
    let after = message.split("could not parse `").nth(1)?;
    let (value, rest) = after.split_once("` as dtype `")?;
    let (dtype, rest) = rest.split_once('`')?;
    let number = rest.split("(column number ").nth(1)?.split(')').next()?;
    let index = number.trim().parse::<usize>().ok()?.checked_sub(1)?;
    // Polars quotes the field as written: `"2.5"` is the number 2.5.
    let value = value.trim();
    let value = match value.strip_prefix('"').and_then(|v| v.strip_suffix('"')) {
        Some(inner) => inner.replace("\"\"", "\""),
        None => value.to_owned(),
    };
    let integer = dtype.starts_with('i') || dtype.starts_with('u');
    // A whole number too large for the column (a long id) stays exact as text; as a float it would round.
    let whole = value
        .strip_prefix(['+', '-'])
        .unwrap_or(&value)
        .bytes()
        .all(|b| b.is_ascii_digit());
    let wider = if integer && !whole && value.parse::<f64>().is_ok() {
        DataType::Float64
    } else {
        DataType::String
    };
    // Already that wide: widening again would start the same conversion over.
    (widened.get(&index) != Some(&wider) && widened.get(&index) != Some(&DataType::String))
        .then_some((index, wider))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(value: &str, dtype: &str, number: usize) -> String {
        format!(
            "could not parse `{value}` as dtype `{dtype}` at column 'x' (column number {number})\n\n\
             The current offset in the file is 12 bytes."
        )
    }

    #[test]
    fn a_value_widens_its_column_as_little_as_it_needs() {
        let none = BTreeMap::new();
        assert_eq!(
            widening(&message("0.5", "i64", 3), &none),
            Some((2, DataType::Float64))
        );
        assert_eq!(
            widening(&message("1e5", "u32", 1), &none),
            Some((0, DataType::Float64))
        );
        assert_eq!(
            widening(&message("abc", "i64", 1), &none),
            Some((0, DataType::String))
        );
        assert_eq!(
            widening(&message("x", "f64", 2), &none),
            Some((1, DataType::String))
        );
        assert_eq!(
            widening(&message("01/02/2024", "date", 1), &none),
            Some((0, DataType::String))
        );
        // A value with a backtick or a quote in it still names its column.
        assert_eq!(
            widening(&message("a'b`c", "i64", 4), &none),
            Some((3, DataType::String))
        );
        let text = BTreeMap::from([(0, DataType::String)]);
        assert_eq!(widening(&message("x", "str", 1), &text), None);
        // A quoted number is a number; a whole number too large for i64 is text, not a rounded float.
        assert_eq!(
            widening(&message("\"2.5\"", "i64", 1), &none),
            Some((0, DataType::Float64))
        );
        assert_eq!(
            widening(&message("12345678901234567890", "i64", 1), &none),
            Some((0, DataType::String))
        );
        // A decimal column can still become text, but not decimal again.
        let decimal = BTreeMap::from([(0, DataType::Float64)]);
        assert_eq!(
            widening(&message("x", "f64", 1), &decimal),
            Some((0, DataType::String))
        );
        assert_eq!(widening(&message("2.5", "i64", 1), &decimal), None);
        assert_eq!(widening("CSV malformed", &none), None);
    }
}

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
/// (column number N)", or its "conversion from `str` to `T` failed in column 'NAME'" about a type it parses
/// as text and then converts (a time of day, whose format it takes from the first value: `10:30` then
/// `11:45:10` fails); `None` when the message is neither, or the column is already text. `names`: the
/// columns' names, in order.
pub(super) fn widening(
    message: &str,
    widened: &BTreeMap<usize, DataType>,
    names: &[String],
) -> Option<(usize, DataType)> {
    let (index, wider) = match failed_conversion(message, names) {
        Some(index) => (index, DataType::String),
        None => parse_failure(message)?,
    };
    // Already that wide: widening again would start the same conversion over.
    (widened.get(&index) != Some(&wider) && widened.get(&index) != Some(&DataType::String))
        .then_some((index, wider))
}

/// The column of polars' "conversion from `str` to `T` failed in column 'NAME' for N out of M values".
fn failed_conversion(message: &str, names: &[String]) -> Option<usize> {
    let after = message.split("conversion from `str` to `").nth(1)?;
    // The name is quoted as written, and may hold a quote itself: the column is the one named so.
    names
        .iter()
        .position(|name| after.contains(&format!("` failed in column '{name}' for ")))
}

/// The column and its wider type from polars' "could not parse `VALUE` as dtype `T` at column 'NAME'
/// (column number N)".
fn parse_failure(message: &str) -> Option<(usize, DataType)> {
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
    Some((index, wider))
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

    fn widening_of(
        message: &str,
        widened: &BTreeMap<usize, DataType>,
    ) -> Option<(usize, DataType)> {
        let names: Vec<String> = ["a", "b", "c", "d"].map(String::from).into();
        widening(message, widened, &names)
    }

    #[test]
    fn a_value_widens_its_column_as_little_as_it_needs() {
        let none = BTreeMap::new();
        assert_eq!(
            widening_of(&message("0.5", "i64", 3), &none),
            Some((2, DataType::Float64))
        );
        assert_eq!(
            widening_of(&message("1e5", "u32", 1), &none),
            Some((0, DataType::Float64))
        );
        assert_eq!(
            widening_of(&message("abc", "i64", 1), &none),
            Some((0, DataType::String))
        );
        assert_eq!(
            widening_of(&message("x", "f64", 2), &none),
            Some((1, DataType::String))
        );
        assert_eq!(
            widening_of(&message("01/02/2024", "date", 1), &none),
            Some((0, DataType::String))
        );
        // A value with a backtick or a quote in it still names its column.
        assert_eq!(
            widening_of(&message("a'b`c", "i64", 4), &none),
            Some((3, DataType::String))
        );
        let text = BTreeMap::from([(0, DataType::String)]);
        assert_eq!(widening_of(&message("x", "str", 1), &text), None);
        // A quoted number is a number; a whole number too large for i64 is text, not a rounded float.
        assert_eq!(
            widening_of(&message("\"2.5\"", "i64", 1), &none),
            Some((0, DataType::Float64))
        );
        assert_eq!(
            widening_of(&message("12345678901234567890", "i64", 1), &none),
            Some((0, DataType::String))
        );
        // A decimal column can still become text, but not decimal again.
        let decimal = BTreeMap::from([(0, DataType::Float64)]);
        assert_eq!(
            widening_of(&message("x", "f64", 1), &decimal),
            Some((0, DataType::String))
        );
        assert_eq!(widening_of(&message("2.5", "i64", 1), &decimal), None);
        assert_eq!(widening_of("CSV malformed", &none), None);
    }

    /// A time of day in another format than the column's first: polars' conversion after the parse fails,
    /// naming the column and not its number.
    #[test]
    fn a_failed_conversion_makes_its_column_text() {
        let names: Vec<String> = ["t", "it's", "t2"].map(String::from).into();
        let failed = |name: &str| {
            format!(
                "conversion from `str` to `time` failed in column '{name}' for 1 out of 2 values: \
                 [\"11:45:10\"]\n\nYou might want to try: ..."
            )
        };
        let none = BTreeMap::new();
        assert_eq!(
            widening(&failed("t2"), &none, &names),
            Some((2, DataType::String))
        );
        assert_eq!(
            widening(&failed("it's"), &none, &names),
            Some((1, DataType::String))
        );
        let text = BTreeMap::from([(0, DataType::String)]);
        assert_eq!(widening(&failed("t"), &text, &names), None);
        assert_eq!(widening(&failed("other"), &none, &names), None);
    }
}

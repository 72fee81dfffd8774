//! A note on decimals written with more significant digits than a 64-bit float keeps (about 16:
//! `0.1234567890123456789`, `12345678901234567890.5`): they are stored rounded, which is what a decimal
//! column is, but the upload says so, naming the column, a value as written and as stored.
//!
//! Looked for in the sniffer's sample only (its values are at hand; the rest of the file would be read
//! again for every decimal column of every upload): a column whose first rows are written so is named.
//! Whole numbers are not looked at here: past 2^53 they have a note of their own (see `number_notes`).

use super::thousands::comma_number;
use super::written_numbers;

/// The notes for the decimal columns of `columns` (stored) with a value of `rows` (the sample) that a float
/// rounds; `line` finds a value's line in the column of that index. `decimal_comma`: the file's decimals
/// are commas (`1.234,5`).
pub(crate) fn notes(
    rows: &[Vec<String>],
    columns: &[contracts::ColumnStats],
    decimal_comma: bool,
    line: &dyn Fn(usize, &str) -> Option<u64>,
) -> Vec<String> {
    let decimals = (columns.iter().enumerate()).filter(|(_, c)| c.dtype == "f64");
    decimals
        .filter_map(|(index, column)| {
            let (value, stored) = rows
                .iter()
                .filter_map(|row| row.get(index))
                .find_map(|v| Some((v, rounded(v, decimal_comma)?)))?;
            let line = line(index, value).map_or_else(String::new, |n| format!(" (line {n})"));
            Some(format!(
                "column `{}` has decimals with more significant digits than a 64-bit decimal keeps (about 16), \
                 which are stored rounded: `{value}`{line} is stored as {stored}.",
                column.name
            ))
        })
        .collect()
}

/// The float `value` (a decimal, with a point or in the file's convention) is stored as, when that float
/// does not give back its digits.
fn rounded(value: &str, decimal_comma: bool) -> Option<f64> {
    let value = value.trim();
    let text = match decimal_comma {
        true => comma_number(value).then(|| value.replace('.', "").replace(',', "."))?,
        false => written_numbers::read(value).map_or_else(|| value.to_owned(), |w| w.plain),
    };
    let mantissa = |s: &str| -> String {
        let before_exponent = s.split(['e', 'E']).next().unwrap_or_default();
        let digits: String = before_exponent
            .chars()
            .filter(char::is_ascii_digit)
            .collect();
        digits.trim_matches('0').to_owned()
    };
    let written = mantissa(&text);
    // Up to 15 significant digits, every decimal comes back from its float as written.
    if !text.contains('.') || written.len() <= 15 {
        return None;
    }
    let stored = text.parse::<f64>().ok().filter(|f| f.is_finite())?;
    (mantissa(&stored.to_string()) != written).then_some(stored)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_digits_a_float_loses_are_rounded() {
        for (value, stored) in [
            ("0.1234567890123456789", 0.123_456_789_012_345_68),
            ("12345678901234567890.5", 12_345_678_901_234_567_000.0),
            ("-1.00000000000000001", -1.0),
        ] {
            assert_eq!(rounded(value, false), Some(stored), "{value}");
        }
        for kept in [
            "0.1",
            "1.5",
            "0.12345678901234568",
            "123456789012345678",
            "1e400",
            "1.100000000000000000",
            "word",
        ] {
            assert_eq!(rounded(kept, false), None, "{kept}");
        }
        assert!(rounded("1.234,12345678901234567", true).is_some());
    }
}

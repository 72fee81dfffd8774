//! Numbers with dotted thousands in a file of decimal commas (`1.234` and `1.234,5` between semicolons, as
//! German, Dutch or Brazilian spreadsheets export them): there the dot groups thousands, so `12.500` is
//! 12500. Polars reads such a value as text (and without decimal commas as the decimal 12.5), so these columns
//! are parsed as text and converted per piece: the dots dropped, the comma made a point.
//!
//! Which columns: in the sniffer's sample, every value a number written so (dotted thousands or not). Every
//! such column, not only those with a dot in the sample: polars' parser of a decimal-comma file reads a dot
//! as a decimal point too, so a later `1.234` in a column of `2,5` was 1.234 where in the sample it is 1234,
//! and a later `12.50` was 12.5 where in the sample it makes the column text. Read here, a value means the
//! same wherever it is. A later value that does not convert widens the column (whole numbers to decimals,
//! else text), as anywhere.

use std::borrow::Cow;
use std::io;

use polars::prelude::*;

use super::headers;

/// A number with a decimal comma and, optionally, dots grouping its thousands (`-1.234,5`, `12.500`, `7`).
/// Spaces around it make it text, as polars' inference takes ` 5` (and the rows it infers from decide).
fn comma_number(value: &str) -> bool {
    let digits = value.strip_prefix(['-', '+']).unwrap_or(value);
    let (whole, fraction) = digits.split_once(',').unwrap_or((digits, "1"));
    let all_digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    all_digits(fraction) && (all_digits(whole) || grouped(whole))
}

/// Digits grouped by dots in threes (`1.234`, `12.345.678`).
pub(crate) fn grouped(whole: &str) -> bool {
    let mut groups = whole.split('.');
    let first = groups.next().unwrap_or_default();
    let mut rest = groups.peekable();
    // `0.125` is a decimal, not thousands.
    (1..=3).contains(&first.len())
        && !first.starts_with('0')
        && first.bytes().all(|b| b.is_ascii_digit())
        && rest.peek().is_some()
        && rest.all(|g| g.len() == 3 && g.bytes().all(|b| b.is_ascii_digit()))
}

/// A value with dotted thousands (and a decimal comma, or none).
pub(crate) fn thousands(value: &str) -> bool {
    let digits = value.strip_prefix(['-', '+']).unwrap_or(value);
    grouped(digits.split_once(',').map_or(digits, |(whole, _)| whole)) && comma_number(value)
}

/// The columns of `rows` (the sample of a decimal-comma file, `width` columns wide) with a number written
/// with a decimal point (`12.50`, `.5`), not dotted thousands: they are text, as such a value makes its
/// column text further on ([`Thousands::convert`]). Polars' parser reads the point as a decimal one too.
pub(crate) fn pointed(rows: &[Vec<String>], width: usize) -> impl Iterator<Item = usize> + '_ {
    let point = |v: &str| v.contains('.') && !thousands(v) && v.trim().parse::<f64>().is_ok();
    (0..width).filter(move |&i| rows.iter().any(|row| row.get(i).is_some_and(|v| point(v))))
}

/// A whole number that an integer would not give back as written: a leading zero (`02134`), or a `+`.
fn changes_as_integer(value: &str) -> bool {
    value.starts_with('+') || headers::leading_zero(value)
}

/// The columns converted from text, with their types.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Thousands(pub(crate) Vec<(usize, DataType)>);

/// A value of a [`Thousands`] column that does not convert to its type: the column needs `to` instead.
#[derive(Debug, thiserror::Error)]
#[error("`{value}` in column number {} is not a number with dotted thousands", index + 1)]
pub(crate) struct Unconverted {
    pub(crate) index: usize,
    pub(crate) value: String,
    pub(crate) to: DataType,
}

/// The column [`Thousands::convert`] could not convert, when `error` is its report.
pub(crate) fn unconverted(error: &PolarsError) -> Option<&Unconverted> {
    match error {
        PolarsError::IO { error, .. } => error
            .get_ref()
            .and_then(|e| e.downcast_ref::<Unconverted>()),
        _ => None,
    }
}

impl Thousands {
    /// The columns of `rows` (the sample of a decimal-comma file) whose values are all such numbers: whole
    /// numbers unless one has a decimal comma. Not a column of whole numbers one of which would change as an
    /// integer (`02134`, `+5`): it stays text, as in any file (see `headers::keep_as_text`).
    pub(crate) fn in_sample(rows: &[Vec<String>], width: usize) -> Self {
        let columns = (0..width).filter_map(|index| {
            let values = || {
                rows.iter()
                    .filter_map(move |row| row.get(index))
                    .filter(|v| !headers::is_null_text(v))
            };
            let numbers = values().all(|v| comma_number(v));
            let some = values().next().is_some();
            let decimal = values().any(|v| v.contains(','));
            let changes = !decimal && values().any(|v| changes_as_integer(v));
            (numbers && some && !changes).then(|| {
                let dtype = match decimal {
                    true => DataType::Float64,
                    false => DataType::Int64,
                };
                (index, dtype)
            })
        });
        Self(columns.collect())
    }

    /// Column `index` needs `to` (text: no longer converted).
    pub(crate) fn settle(&mut self, index: usize, to: &DataType) {
        match to {
            DataType::String => self.0.retain(|(i, _)| *i != index),
            wider => self
                .0
                .iter_mut()
                .filter(|(i, _)| *i == index)
                .for_each(|(_, dtype)| *dtype = wider.clone()),
        }
    }

    /// `parsed` (these columns text) with these columns' stored types.
    pub(crate) fn stored_schema(&self, parsed: SchemaRef) -> SchemaRef {
        if self.0.is_empty() {
            return parsed;
        }
        let mut schema = parsed.as_ref().clone();
        for (index, dtype) in &self.0 {
            if let Some((_, stored)) = schema.get_at_index_mut(*index) {
                *stored = dtype.clone();
            }
        }
        Arc::new(schema)
    }

    /// `frame` (a parsed piece) with these columns converted; an [`Unconverted`] error for a value that
    /// does not convert.
    pub(crate) fn convert(&self, mut frame: DataFrame) -> PolarsResult<DataFrame> {
        for (index, dtype) in &self.0 {
            let integer = dtype.is_integer();
            let converts = |v: &str| comma_number(v) && !(integer && changes_as_integer(v));
            let text = frame.columns()[*index].str()?.clone();
            // Only a value whose dots group digits in threes loses them: dropping the dots of 1.5 or 12.50
            // made them 15 and 1250. Any other value is no number here (an empty text casts to null), and
            // widens the column below.
            let plain = text.apply_values(|v| match converts(v) {
                true => Cow::Owned(v.trim().replace('.', "").replace(',', ".")),
                false => Cow::Borrowed(""),
            });
            let number = plain.cast(dtype)?;
            if number.null_count() > text.null_count() {
                let is_null = number.is_null();
                let value = (text.iter().zip(is_null.iter()))
                    .find_map(|(v, null)| v.filter(|_| null == Some(true)))
                    .unwrap_or_default()
                    .to_owned();
                // A whole number that does not convert to an integer is too large for one: as a decimal
                // it would lose digits, so it is text, as polars' failures are widened (see `widen`).
                let to = match converts(&value) && value.contains(',') {
                    true => DataType::Float64,
                    false => DataType::String,
                };
                let index = *index;
                return Err(io::Error::other(Unconverted { index, value, to }).into());
            }
            frame.replace_column(*index, number.into_column())?;
        }
        Ok(frame)
    }
}

/// The note of a decimal-comma file: the columns whose numbers were read with their comma (or dotted
/// thousands) and are stored as numbers, each kind shown by a value of the sample (`rows`) and its line
/// (`line` finds it, in the column of that index). None when no such column is (the file's commas stayed
/// text): the note once said they were read as numbers whatever became of them, and showed 12.500 as an
/// example whatever the file held.
pub(crate) fn note(
    rows: &[Vec<String>],
    columns: &[contracts::ColumnStats],
    converted: &Thousands,
    line: &dyn Fn(usize, &str) -> Option<u64>,
) -> Option<String> {
    let numeric = |index: &usize| {
        columns
            .get(*index)
            .is_some_and(|c| matches!(c.dtype.as_str(), "f64" | "i64"))
    };
    let first = |index: usize, wanted: &dyn Fn(&str) -> bool| {
        rows.iter()
            .filter_map(|row| row.get(index))
            .find(|v| wanted(v))
    };
    // The columns (at least one) and a value of the first, as read: "`a`, `b` ... (`1,5` in `a`, line 2,
    // was read as 1.5)".
    let said = |indices: Vec<usize>, wanted: &dyn Fn(&str) -> bool| {
        let (&example, _) = indices.split_first()?;
        let value = first(example, wanted)?;
        let read = value
            .replace('.', "")
            .replace(',', ".")
            .parse::<f64>()
            .ok()?;
        let names: Vec<String> = (indices.iter())
            .map(|&i| format!("`{}`", columns[i].name))
            .collect();
        let among = match names.len() {
            1 => String::new(),
            _ => format!(" in {}", names[0]),
        };
        let line = line(example, value).map_or_else(String::new, |line| format!(", line {line}"));
        Some((
            names.join(", "),
            format!("(`{value}`{among}{line}, was read as {read})"),
        ))
    };
    let with_comma = |v: &str| v.contains(',') && comma_number(v);
    let commas = (0..columns.len())
        .filter(numeric)
        .filter(|&i| first(i, &with_comma).is_some());
    // Every converted column with a dot grouping thousands in the sample (others are converted too).
    let dotted = (converted.0.iter().map(|(i, _)| *i))
        .filter(numeric)
        .filter(|&i| first(i, &thousands).is_some());
    let mut parts = Vec::new();
    if let Some((names, example)) = said(commas.collect(), &with_comma) {
        parts.push(format!(
            "the numbers of {names} are written with a decimal comma {example}"
        ));
    }
    if let Some((names, example)) = said(dotted.collect(), &thousands) {
        parts.push(format!("dots group the thousands of {names} {example}"));
    }
    (!parts.is_empty()).then(|| format!("{}.", parts.join("; ")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dotted_thousands_are_told_from_decimals_and_dates() {
        for yes in ["1.234", "12.500", "-1.234,5", "1.234.567", "+12.345,00"] {
            assert!(thousands(yes), "{yes}");
        }
        for no in [
            "0.125",
            "1.5",
            "1234",
            "1,5",
            "15.03.2024",
            "1.23",
            "1234.567",
            ".123",
            "1.234,",
            "a.bcd",
        ] {
            assert!(!thousands(no), "{no}");
        }
    }

    #[test]
    fn sample_columns_of_such_numbers_are_converted() {
        let rows: Vec<Vec<String>> = [
            ["A", "1,5", "1.234", "1.234,5"],
            ["B", "2,25", "12.500", "7"],
        ]
        .iter()
        .map(|r| r.iter().map(|v| (*v).to_owned()).collect())
        .collect();
        let found = Thousands::in_sample(&rows, 4);
        let expected = [
            (1, DataType::Float64),
            (2, DataType::Int64),
            (3, DataType::Float64),
        ];
        assert_eq!(found.0, expected);
        // A leading zero or a `+` keeps a column of whole numbers text; spaces are no number.
        for text in [["02134", "1.234"], ["+5", "7"], [" 5", "7"]] {
            let rows = text.map(|v| vec![v.to_owned()]);
            assert_eq!(Thousands::in_sample(&rows, 1).0, [], "{text:?}");
        }
        let frame = df!(
            "qty" => [Some("1.234"), Some("12.500"), None, Some("7")],
            "x" => ["1.234,5", "7", "1,5", "-2.000,25"],
        )
        .unwrap();
        let converting = Thousands(vec![(0, DataType::Int64), (1, DataType::Float64)]);
        let converted = converting.convert(frame).unwrap();
        let qty: Vec<Option<i64>> = converted
            .column("qty")
            .unwrap()
            .i64()
            .unwrap()
            .iter()
            .collect();
        assert_eq!(qty, [Some(1234), Some(12500), None, Some(7)]);
        let x: Vec<Option<f64>> = converted
            .column("x")
            .unwrap()
            .f64()
            .unwrap()
            .iter()
            .collect();
        assert_eq!(x, [Some(1234.5), Some(7.0), Some(1.5), Some(-2000.25)]);
        // A later decimal widens a column of whole numbers; a word makes it text.
        for (value, to) in [("2,5", DataType::Float64), ("many", DataType::String)] {
            let frame = df!("qty" => ["1.234", value]).unwrap();
            let error = Thousands(vec![(0, DataType::Int64)])
                .convert(frame)
                .unwrap_err();
            let unconverted = unconverted(&error).unwrap();
            assert_eq!((unconverted.value.as_str(), &unconverted.to), (value, &to));
        }
    }
}

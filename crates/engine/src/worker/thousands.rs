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
use super::written_numbers::{self, Convention};

/// A number with a decimal comma and, optionally, dots grouping its thousands (`-1.234,5`, `12.500`, `7`).
/// Spaces around it make it text, as polars' inference takes ` 5` (and the rows it infers from decide).
pub(super) fn comma_number(value: &str) -> bool {
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
    (0..width).filter(move |&i| {
        rows.iter()
            .any(|row| row.get(i).is_some_and(|v| decimal_point(v)))
    })
}

/// A number written with a decimal point (`12.50`, `.5`), not dotted thousands.
pub(super) fn decimal_point(value: &str) -> bool {
    value.contains('.') && !thousands(value) && value.trim().parse::<f64>().is_ok()
}

/// A value whose only mark is dots grouping digits in threes (`1.125`, `2.250`, not `1.234,5`): thousands in
/// a file whose dots group them, but a decimal as much in one whose other numbers have decimal points.
pub(super) fn dots_alone(value: &str) -> bool {
    thousands(value) && !value.contains(',')
}

/// The columns of `rows` (the sample of a decimal-comma file) with a value of [`dots_alone`], when another
/// column has decimal points ([`pointed`]): the points say a dot marks decimals in this file, so `1.125` is
/// no sure 1125 (as thousands it once was, a rate a thousand times itself, said only in a note). Such a
/// column is text, its values as written, as the pointed columns are; it is not read as the decimal 1.125
/// because then the same dot would be a decimal in one column and make another text.
pub(crate) fn unsure(rows: &[Vec<String>], width: usize) -> Vec<usize> {
    let pointed: Vec<usize> = pointed(rows, width).collect();
    let dotted = |i: usize| {
        rows.iter()
            .any(|row| row.get(i).is_some_and(|v| dots_alone(v)))
    };
    match pointed.is_empty() {
        true => Vec::new(),
        false => (0..width)
            .filter(|i| !pointed.contains(i))
            .filter(|&i| dotted(i))
            .collect(),
    }
}

/// A whole number that an integer would not give back as written: a leading zero (`02134`), or a `+`.
fn changes_as_integer(value: &str) -> bool {
    value.starts_with('+') || headers::leading_zero(value)
}

/// The columns converted from text, with their types, what a value of [`dots_alone`] is there, and the
/// columns of a file of decimal points read in their [`Convention`] instead (see [`super::written_numbers`]).
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Thousands(
    pub(crate) Vec<(usize, DataType)>,
    pub(crate) Dots,
    pub(crate) Vec<(usize, Convention)>,
);

/// What `1.125` is in a column of [`Thousands`].
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(crate) enum Dots {
    /// Thousands: 1125.
    #[default]
    Group,
    /// No number: the sample has decimal points (see [`unsure`]), so the value makes its column text,
    /// wherever it is.
    Unsure,
}

/// A value of a [`Thousands`] column that does not convert to its type: the column needs `to` instead.
#[derive(Debug, thiserror::Error)]
#[error("`{value}` in column number {} is not a number written as the column's others", index + 1)]
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
    /// integer (`02134`, `+5`): it stays text, as in any file (see `headers::keep_as_text`). Nor a column
    /// [`unsure`] makes text.
    pub(crate) fn in_sample(rows: &[Vec<String>], width: usize) -> Self {
        let unsure = unsure(rows, width);
        let dots = match pointed(rows, width).next() {
            Some(_) => Dots::Unsure,
            None => Dots::Group,
        };
        let columns = (0..width)
            .filter(|i| !unsure.contains(i))
            .filter_map(|index| {
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
        Self(columns.collect(), dots, Vec::new())
    }

    /// The columns of `rows` (the sample of a file of decimal points) of numbers written with a currency,
    /// thousands, parentheses or a percent sign (see [`written_numbers::in_sample`]).
    pub(crate) fn written_in_sample(rows: &[Vec<String>], width: usize, delimiter: u8) -> Self {
        let (columns, conventions) = written_numbers::in_sample(rows, width, delimiter)
            .into_iter()
            .map(|(index, dtype, convention)| ((index, dtype), (index, convention)))
            .unzip();
        Self(columns, Dots::Group, conventions)
    }

    /// Column `index` needs `to` (text: no longer converted).
    pub(crate) fn settle(&mut self, index: usize, to: &DataType) {
        match to {
            DataType::String => {
                self.0.retain(|(i, _)| *i != index);
                self.2.retain(|(i, _)| *i != index);
            }
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
            let unsure = |v: &str| self.1 == Dots::Unsure && dots_alone(v);
            let convention = self.2.iter().find(|(i, _)| i == index).map(|(_, c)| c);
            // Only a value whose dots group digits in threes loses them: dropping the dots of 1.5 or 12.50
            // made them 15 and 1250. Any other value is no number here (an empty text casts to null), and
            // widens the column below.
            let read = |v: &str| match convention {
                Some(convention) => convention.plain(v),
                None => (comma_number(v) && !(integer && changes_as_integer(v)) && !unsure(v))
                    .then(|| v.trim().replace('.', "").replace(',', ".")),
            };
            let text = frame.columns()[*index].str()?.clone();
            let plain = text.apply_values(|v| read(v).map_or(Cow::Borrowed(""), Cow::Owned));
            let number = plain.cast(dtype)?;
            if number.null_count() > text.null_count() {
                let is_null = number.is_null();
                let value = (text.iter().zip(is_null.iter()))
                    .find_map(|(v, null)| v.filter(|_| null == Some(true)))
                    .unwrap_or_default()
                    .to_owned();
                // A whole number that does not convert to an integer is too large for one: as a decimal
                // it would lose digits, so it is text, as polars' failures are widened (see `widen`).
                let to = match read(&value).is_some_and(|plain| plain.contains('.')) {
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
        let converting = Thousands(
            vec![(0, DataType::Int64), (1, DataType::Float64)],
            Dots::Group,
            Vec::new(),
        );
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
            let error = Thousands(vec![(0, DataType::Int64)], Dots::Group, Vec::new())
                .convert(frame)
                .unwrap_err();
            let unconverted = unconverted(&error).unwrap();
            assert_eq!((unconverted.value.as_str(), &unconverted.to), (value, &to));
        }
    }
}

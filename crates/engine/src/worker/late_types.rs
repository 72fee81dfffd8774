//! Columns with no value in the rows polars infers the types from (only empty cells or null tokens there):
//! polars calls them text. Their type comes instead from their first values further on, found as the file
//! converts.
//!
//! Why during the conversion rather than a scan for those values first: a column that is empty in the whole
//! file (an unused `notes` column is common) would have the scan read all of it, while the conversion only
//! asks each parsed piece for its null count, which polars keeps. The price is paid only where values do turn
//! up: the conversion starts again with the column's type, having parsed the pieces up to that value (a
//! column empty for its first 500,000 rows has its values in the first piece).

use std::collections::BTreeMap;
use std::io::{self, Cursor};

use polars::prelude::*;

use super::float_words;
use super::headers;
use super::ingest::INFER_ROWS;
use super::numeric_dates::Written;

/// Columns whose first values, found past the inference head, give them another type than text.
#[derive(Debug, thiserror::Error)]
#[error("a column's first values come after the rows its type was inferred from")]
pub(crate) struct LateTypes {
    pub(crate) types: Vec<(usize, DataType)>,
    /// Columns of dates written as three numbers (see [`super::numeric_dates`]).
    pub(crate) dates: Vec<(usize, Written)>,
    /// Columns made text by a decimal past a float's range, and that value (see [`super::float_range`]).
    pub(crate) past_float: Vec<(usize, String)>,
}

impl From<LateTypes> for io::Error {
    fn from(late: LateTypes) -> Self {
        io::Error::other(late)
    }
}

/// The types [`first_values`] found, when `error` is its report.
pub(super) fn found(error: &PolarsError) -> Option<&LateTypes> {
    match error {
        PolarsError::IO { error, .. } => {
            error.get_ref().and_then(|e| e.downcast_ref::<LateTypes>())
        }
        _ => None,
    }
}

/// The text columns of `schema` with no value in the sniffed `rows` (the file's first rows), those in
/// `settled` aside. The sample can hold fewer rows than polars inferred from, so some of these may have had
/// text there: their values are text, and they are let go of when found.
pub(super) fn unseen(
    schema: &Schema,
    rows: &[Vec<String>],
    settled: &BTreeMap<usize, DataType>,
) -> Vec<usize> {
    let mut seen = vec![false; schema.len()];
    for row in rows {
        for (i, value) in row.iter().enumerate().take(seen.len()) {
            seen[i] |= !headers::is_null_text(value);
        }
    }
    schema
        .iter_values()
        .enumerate()
        .filter(|&(i, dtype)| dtype.is_string() && !seen[i] && !settled.contains_key(&i))
        .map(|(i, _)| i)
        .collect()
}

/// Looks in `frame`, a parsed piece, for the first values of the `unseen` columns. A column whose values
/// are text is no longer looked for; any other type found is reported as a [`LateTypes`] error, for the
/// conversion to start again with it.
pub(super) fn first_values(
    frame: &DataFrame,
    unseen: &mut Vec<usize>,
    decimal_comma: bool,
) -> PolarsResult<()> {
    let mut late = Vec::new();
    let mut dates = Vec::new();
    let mut text = Vec::new();
    for &index in unseen.iter() {
        let column = &frame.columns()[index];
        if column.null_count() == column.len() {
            continue;
        }
        let values: Vec<&str> = column.str()?.iter().flatten().take(INFER_ROWS).collect();
        if let Some(written) = Written::of_column(values.iter().copied()) {
            dates.push((index, written));
            continue;
        }
        match type_of(&values, decimal_comma)? {
            DataType::String => text.push(index),
            dtype => late.push((index, dtype)),
        }
    }
    unseen.retain(|index| !text.contains(index));
    if late.is_empty() && dates.is_empty() {
        return Ok(());
    }
    Err(io::Error::from(LateTypes {
        types: late,
        dates,
        past_float: Vec::new(),
    })
    .into())
}

/// The type polars infers for a column of these values, as [`super::ingest`] reads the file (dates tried,
/// whole numbers with a leading zero kept as text).
fn type_of(values: &[&str], decimal_comma: bool) -> PolarsResult<DataType> {
    // Between semicolons, as the file is read (see `sniff::decimal_comma`).
    let separator = if decimal_comma { ';' } else { ',' };
    let mut csv = b"v\n".to_vec();
    for value in values {
        if value.contains(['"', separator, '\n', '\r']) {
            csv.push(b'"');
            csv.extend_from_slice(value.replace('"', "\"\"").as_bytes());
            csv.push(b'"');
        } else {
            csv.extend_from_slice(value.as_bytes());
        }
        csv.push(b'\n');
    }
    let parse_options = CsvParseOptions::default()
        .with_separator(separator as u8)
        .with_decimal_comma(decimal_comma)
        .with_try_parse_dates(true)
        .with_missing_is_null(true);
    // No rows read: only the schema polars infers is wanted.
    let frame = CsvReadOptions::default()
        .with_has_header(true)
        .with_infer_schema_length(Some(INFER_ROWS))
        .with_n_rows(Some(0))
        .with_parse_options(parse_options)
        .into_reader_with_file_handle(Cursor::new(csv))
        .finish()?;
    let dtype = frame
        .columns()
        .first()
        .map_or(DataType::String, |c| c.dtype().clone());
    if dtype.is_integer() && values.iter().any(|v| headers::leading_zero(v)) {
        return Ok(DataType::String);
    }
    // `nan` or `Infinity` among numbers, as in the first rows (see `float_words`).
    if dtype.is_string() && float_words::decimals(values.iter().copied(), decimal_comma) {
        return Ok(DataType::Float64);
    }
    Ok(dtype)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_get_the_type_polars_infers_for_them() {
        let type_of = |values: &[&str]| type_of(values, false).unwrap();
        assert_eq!(type_of(&["1", "2", "30"]), DataType::Int64);
        assert_eq!(type_of(&["1", "2.5"]), DataType::Float64);
        assert_eq!(type_of(&["2024-01-02", "2023-12-31"]), DataType::Date);
        assert_eq!(type_of(&["1", "08123"]), DataType::String);
        assert_eq!(type_of(&["a, b", "say \"hi\""]), DataType::String);
        assert_eq!(type_of(&["true", "false"]), DataType::Boolean);
        assert_eq!(type_of(&["1", "nan", "-Infinity"]), DataType::Float64);
    }

    #[test]
    fn only_text_columns_without_values_in_the_sample_are_looked_for() {
        let schema = super::super::schema_of(&[
            ("id", DataType::Int64),
            ("empty", DataType::String),
            ("name", DataType::String),
            ("nulls", DataType::String),
            ("settled", DataType::String),
        ]);
        let rows: Vec<Vec<String>> = [["1", "", "a", "N/A", ""], ["2", " ", "", "NULL", ""]]
            .iter()
            .map(|r| r.iter().map(|v| (*v).to_owned()).collect())
            .collect();
        let settled = BTreeMap::from([(4, DataType::Float64)]);
        assert_eq!(unseen(&schema, &rows, &settled), [1, 3]);
    }

    #[test]
    fn a_piece_reports_the_first_values_of_unseen_columns() {
        let frame = df!(
            "n" => [None, None, Some("3"), Some("4.5")],
            "t" => [None, Some("x"), None, None],
            "e" => [None::<&str>, None, None, None],
            "d" => [None, Some("03/15/2024"), None, Some("04/01/2024")],
            "c" => [None, Some("1,5"), None, None],
        )
        .unwrap();
        let mut unseen = vec![0, 1, 2, 3];
        let error = first_values(&frame, &mut unseen, false).unwrap_err();
        let late = found(&error).unwrap();
        assert_eq!(late.types, [(0, DataType::Float64)]);
        assert_eq!(late.dates, [(3, Written::of("03/15/2024").unwrap())]);
        assert_eq!(unseen, [0, 2, 3], "text is no longer looked for");
        let mut empty = vec![2];
        first_values(&frame, &mut empty, false).unwrap();
        assert_eq!(empty, [2]);
        // A decimal comma, in a file of semicolons that has them.
        let error = first_values(&frame, &mut vec![4], true).unwrap_err();
        assert_eq!(found(&error).unwrap().types, [(4, DataType::Float64)]);
    }
}

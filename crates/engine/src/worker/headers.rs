//! Header names made usable (no blanks, no duplicates) and sample-based type hints polars cannot make.

use std::collections::HashSet;

/// Cell texts read as null (besides empty cells): what databases, spreadsheets and R write for a missing
/// value: `NA` is R's (pandas reads it as missing too), `\N` MySQL's and PostgreSQL's `COPY`. Without them a
/// column of numbers with one became text. `None` is not among them: it is a real value too often.
pub(crate) const NULL_TOKENS: &[&str] =
    &["NULL", "null", "Null", "N/A", "n/a", "#N/A", "NA", "\\N"];

/// [`NULL_TOKENS`] as polars' CSV option, for every column, and the empty text: polars compares a quoted
/// field's inside with them, so a quoted empty cell (`""`, as pandas' QUOTE_ALL and PostgreSQL's FORCE_QUOTE
/// write a missing value) is a null like an empty one. Without it polars' inference took `""` for text and
/// made a column of numbers, dates or booleans text.
pub(crate) fn null_values() -> polars::prelude::NullValues {
    let tokens = NULL_TOKENS.iter().chain(&[""]);
    polars::prelude::NullValues::AllColumns(tokens.map(|t| (*t).into()).collect())
}

/// Names for every column: blank ones become `column_N`, repeated ones get `_2`, `_3`, ...; with a note each.
pub(crate) fn clean(raw: &[String]) -> (Vec<String>, Vec<String>) {
    let mut notes = Vec::new();
    let mut seen: HashSet<String> = HashSet::new();
    let mut names = Vec::with_capacity(raw.len());
    // Names the file itself uses are never taken by a generated one.
    let written: HashSet<&str> = raw.iter().map(String::as_str).collect();
    for (i, name) in raw.iter().enumerate() {
        let position = i + 1;
        let mut chosen = if name.trim().is_empty() {
            let generated = unused(&format!("column_{position}"), &seen, &written);
            notes.push(format!(
                "column {position} has no name in the header; it is called `{generated}`."
            ));
            generated
        } else {
            name.clone()
        };
        if seen.contains(&chosen) {
            let renamed = unused(&chosen, &seen, &written);
            notes.push(format!(
                "the header repeats `{chosen}`; column {position} is called `{renamed}`."
            ));
            chosen = renamed;
        }
        seen.insert(chosen.clone());
        names.push(chosen);
    }
    (names, notes)
}

/// `base` if free, else `base_2`, `base_3`, ...
fn unused(base: &str, seen: &HashSet<String>, written: &HashSet<&str>) -> String {
    let free = |n: &str| !seen.contains(n) && !written.contains(n);
    if !written.contains(base) && !seen.contains(base) {
        return base.to_owned();
    }
    (2..)
        .map(|k| format!("{base}_{k}"))
        .find(|n| free(n))
        .unwrap_or_else(|| base.to_owned())
}

/// Columns that look numeric but must stay text: a value with a leading zero (`08123`, zip codes, ids)
/// would lose it as a number.
pub(crate) fn keep_as_text(rows: &[Vec<String>], width: usize) -> Vec<bool> {
    let mut keep = vec![false; width];
    for row in rows {
        for (i, value) in row.iter().enumerate().take(width) {
            if leading_zero(value) {
                keep[i] = true;
            }
        }
    }
    keep
}

/// A whole number written with a leading zero (`08123`), which it would lose as a number.
pub(crate) fn leading_zero(value: &str) -> bool {
    let digits = value.trim().trim_start_matches(['+', '-']);
    digits.len() > 1 && digits.starts_with('0') && digits.bytes().all(|b| b.is_ascii_digit())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Empty,
    Number,
    Date,
    Text,
}

/// Whether a cell is empty or a null token (spaces around it aside).
pub(crate) fn is_null_text(value: &str) -> bool {
    let v = value.trim();
    v.is_empty() || NULL_TOKENS.contains(&v)
}

fn kind(value: &str) -> Kind {
    let v = value.trim();
    if is_null_text(v) {
        Kind::Empty
    } else if v.parse::<f64>().is_ok() {
        Kind::Number
    } else if chrono::NaiveDate::parse_from_str(v.get(..10).unwrap_or(v), "%Y-%m-%d").is_ok()
        || super::numeric_dates::Written::of(v).is_some()
    {
        Kind::Date
    } else {
        Kind::Text
    }
}

/// An integer that could be a year used as a column name (`country,2019,2020`): says nothing either way.
fn year_like(value: &str) -> bool {
    value
        .trim()
        .parse::<u32>()
        .is_ok_and(|y| (1000..=2100).contains(&y))
}

/// True when the first record is data rather than a header, by the vote of the columns whose type tells:
/// a number or date above numbers or dates says "data"; text above numbers or dates says "header".
/// Text above text cannot tell, and a tie keeps the first record as the header (the common case).
pub(crate) fn first_row_is_data(first: &[String], rows: &[Vec<String>]) -> bool {
    if rows.is_empty() {
        return false;
    }
    let (mut data, mut header) = (0usize, 0usize);
    for (i, value) in first.iter().enumerate() {
        let mut column = rows
            .iter()
            .filter_map(|r| r.get(i))
            .map(|v| kind(v))
            .filter(|k| *k != Kind::Empty);
        let Some(first_kind) = column.next() else {
            continue;
        };
        let typed = matches!(first_kind, Kind::Number | Kind::Date);
        if !typed || !column.all(|k| k == first_kind) {
            continue;
        }
        match kind(value) {
            Kind::Text => header += 1,
            k if k == first_kind && !year_like(value) => data += 1,
            _ => {}
        }
    }
    data > header
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(raw: &[&str]) -> (Vec<String>, usize) {
        let raw: Vec<String> = raw.iter().map(|s| (*s).to_owned()).collect();
        let (names, notes) = clean(&raw);
        (names, notes.len())
    }

    #[test]
    fn blanks_and_duplicates_are_renamed_with_notes() {
        assert_eq!(names(&["a", "b"]), (vec!["a".into(), "b".into()], 0));
        assert_eq!(
            names(&["a", "a", "a"]),
            (vec!["a".into(), "a_2".into(), "a_3".into()], 2)
        );
        assert_eq!(
            names(&["", "x", " "]),
            (vec!["column_1".into(), "x".into(), "column_3".into()], 2)
        );
        // A generated name never collides with one the file uses later.
        assert_eq!(
            names(&["a", "a", "a_2"]),
            (vec!["a".into(), "a_3".into(), "a_2".into()], 1)
        );
    }

    fn rows(text: &[&str]) -> Vec<Vec<String>> {
        text.iter()
            .map(|r| r.split(',').map(str::to_owned).collect())
            .collect()
    }

    #[test]
    fn header_detection_votes_by_column_type() {
        let first = |r: &str| r.split(',').map(str::to_owned).collect::<Vec<_>>();
        let data = rows(&[
            "Northbridge,MA,United States,14061",
            "Westborough,MA,United States,29313",
        ]);
        assert!(first_row_is_data(
            &first("Southborough,MA,United States,9686"),
            &data
        ));
        assert!(!first_row_is_data(
            &first("city,state,country,population"),
            &data
        ));
        let wide = rows(&["France,1.5,2.5", "Spain,3,4"]);
        assert!(!first_row_is_data(&first("country,2019,2020"), &wide));
        let dates = rows(&["2024-01-02,3", "2024-01-03,4"]);
        assert!(first_row_is_data(&first("2024-01-01,2"), &dates));
        assert!(!first_row_is_data(&first("when,2"), &dates));
        // US dates and dates with times tell as ISO dates do.
        let us = rows(&["03/16/2024,Lyon", "03/17/2024 1:30 PM,Nice"]);
        assert!(first_row_is_data(&first("03/15/2024,Paris"), &us));
        assert!(!first_row_is_data(&first("day,city"), &us));
        assert!(!first_row_is_data(&first("a,b"), &[]));
    }

    #[test]
    fn leading_zeros_keep_a_column_as_text() {
        let rows = vec![
            vec!["1".to_string(), "08123".into(), "0".into(), "0.5".into()],
            vec!["2".to_string(), "12345".into(), "10".into(), "-0".into()],
        ];
        assert_eq!(keep_as_text(&rows, 4), vec![false, true, false, false]);
    }
}

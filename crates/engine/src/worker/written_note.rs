//! The upload notes of the columns of a file of decimal points read as numbers from a currency, thousands,
//! parentheses or a percent sign (see [`super::written_numbers`]): one a column, naming it, the marks its
//! sample shows and a value of it, its line and the number stored.

use super::thousands::Thousands;
use super::written_numbers::{Written, percent_columns, read};

/// One note for each column of percentages (kept as text, see [`super::written_numbers`]) saying so, with
/// its first value and line and the SQL that reads them as numbers.
pub(crate) fn percent_notes(
    rows: &[Vec<String>],
    columns: &[contracts::ColumnStats],
    line: &dyn Fn(usize, &str) -> Option<u64>,
) -> Vec<String> {
    percent_columns(rows, columns.len())
        .into_iter()
        .filter(|&index| columns[index].dtype == "str")
        .filter_map(|index| {
            let value = rows.iter().filter_map(|row| row.get(index)).find(|v| read(v).is_some())?;
            let name = &columns[index].name;
            let line = line(index, value).map_or_else(String::new, |n| format!(", line {n}"));
            Some(format!(
                "`{name}` holds percentages (`{value}`{line}): kept as text, as written (a percentage may \
                 be meant as 12.5 or as 0.125); to compute with them write \
                 `CAST(REPLACE(\"{name}\", '%', '') AS DOUBLE)`."
            ))
        })
        .collect()
}

/// One note for each column of `converted` still stored as numbers: its example is the first value of the
/// sample (`rows`) with the most marks, found on its line by `line` (in the column of that index).
pub(crate) fn notes(
    rows: &[Vec<String>],
    columns: &[contracts::ColumnStats],
    converted: &Thousands,
    line: &dyn Fn(usize, &str) -> Option<u64>,
) -> Vec<String> {
    let numeric = |index: usize| {
        columns
            .get(index)
            .is_some_and(|c| matches!(c.dtype.as_str(), "f64" | "i64"))
    };
    (converted.2.iter())
        .filter(|(index, _)| numeric(*index))
        .filter_map(|(index, _)| {
            let written: Vec<(&String, Written)> = (rows.iter())
                .filter_map(|row| row.get(*index))
                .filter_map(|v| Some((v, read(v)?)))
                .collect();
            let most = written.iter().map(|(_, w)| w.marks()).max()?;
            let (value, example) = written.iter().find(|(_, w)| w.marks() == most)?;
            let stored = example.plain.parse::<f64>().ok()?;
            let line = line(*index, value).map_or_else(String::new, |n| format!(" (line {n})"));
            let how = how(written.iter().map(|(_, w)| w));
            Some(format!(
                "`{}`: read `{value}`{line} as {stored} ({how}).",
                columns[*index].name
            ))
        })
        .collect()
}

/// What was made of the marks of `written` (the values of a column), for a note whose example is `stored`.
fn how<'a>(written: impl Iterator<Item = &'a Written> + Clone) -> String {
    let currency = written.clone().find_map(|w| w.currency.as_deref());
    let grouped = written.clone().any(|w| w.group.is_some());
    let mut dropped = Vec::new();
    if let Some(currency) = currency {
        let kind = match currency.chars().all(|c| c.is_ascii_uppercase()) {
            true => "code",
            false => "sign",
        };
        dropped.push(format!("currency {kind} `{currency}`"));
    }
    if grouped {
        dropped.push("thousands separators".to_owned());
    }
    let mut parts = Vec::new();
    if !dropped.is_empty() {
        parts.push(format!("{} dropped", dropped.join(" and ")));
    }
    if written.clone().any(|w| w.parens) {
        parts.push("parentheses read as a minus sign".to_owned());
    }
    parts.join(", ")
}

//! The upload note of a decimal-comma file (see [`super::thousands`]): which columns were read with their
//! comma or their dotted thousands, and which a dot made text, each shown by a value of the file and its line.

use super::thousands::{
    Thousands, comma_number, decimal_point, dots_alone, pointed, thousands, unsure,
};

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
    parts.extend(unsure_note(rows, columns, line));
    (!parts.is_empty()).then(|| format!("{}.", parts.join("; ")))
}

/// The part of [`note`] on the columns [`unsure`] made text: a value of the first, a decimal point that
/// made it unsure, and what to write for a number.
fn unsure_note(
    rows: &[Vec<String>],
    columns: &[contracts::ColumnStats],
    line: &dyn Fn(usize, &str) -> Option<u64>,
) -> Option<String> {
    let first = |i: usize, wanted: fn(&str) -> bool| {
        let value = rows
            .iter()
            .filter_map(|row| row.get(i))
            .find(|v| wanted(v))?;
        let line = line(i, value).map_or_else(String::new, |n| format!(", line {n}"));
        Some(format!("`{value}`{line}"))
    };
    let text = |i: &usize| columns.get(*i).is_some_and(|c| c.dtype == "str");
    let unsure: Vec<usize> = (unsure(rows, columns.len()).into_iter())
        .filter(text)
        .collect();
    let (&example, _) = unsure.split_first()?;
    let value = first(example, dots_alone)?;
    let (pointed, decimal) = pointed(rows, columns.len())
        .find_map(|i| Some((&columns.get(i)?.name, first(i, decimal_point)?)))?;
    let names: Vec<String> = (unsure.iter())
        .map(|&i| format!("`{}`", columns[i].name))
        .collect();
    let (were, among) = match names.len() {
        1 => ("was", String::new()),
        _ => ("were", format!(" in {}", names[0])),
    };
    Some(format!(
        "{} {were} kept as text: a dot may group thousands or mark decimals ({value}{among}), and `{pointed}` \
         has decimal points ({decimal}); write such a number with a decimal comma (1,125) or without dots \
         (1125)",
        names.join(", "),
    ))
}

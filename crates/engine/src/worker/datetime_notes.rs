//! Notes on datetimes whose stored value reads otherwise than the file writes it: times with an offset from
//! UTC (stored in UTC, so `10:00+02:00` shows as 08:00), fractions of a second past microseconds (cut),
//! leap seconds (`23:59:60`, the next minute), and a column of times with and without an offset (text).
//!
//! Why notes rather than other values: the stored instant is the right one, and one type per column cannot
//! keep each value's offset; but a person comparing the file with the answers must be told why 10:00 is
//! 08:00. The offsets are told from the stored type (every value of such a column has been read so), leap
//! seconds and fractions of the columns `numeric_dates` reads (those without an offset) from all their
//! values; those of columns polars reads itself (with an offset) from the first rows the types were
//! inferred from.

use std::collections::BTreeMap;

use chrono::{DateTime, FixedOffset, NaiveDateTime, Timelike};
use contracts::ColumnStats;

use super::headers;
use super::numeric_dates::Changed;

/// ISO 8601 with an offset (`+02:00`, `+0200`, `+02`, `Z`), as polars' reader takes them.
const WITH_OFFSET: [&str; 2] = ["%Y-%m-%dT%H:%M:%S%.f%#z", "%Y-%m-%d %H:%M:%S%.f%#z"];
const WITHOUT_OFFSET: [&str; 2] = ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f"];

/// The notes for the stored `columns`, named `names`, from the `sample` rows and the `leaps` found converting
/// (see `numeric_dates::Leaps`); `line` finds the line of a value in the column of that index.
pub(crate) fn notes(
    sample: &[Vec<String>],
    names: &[String],
    columns: &[ColumnStats],
    leaps: &BTreeMap<usize, Changed>,
    line: &dyn Fn(usize, &str) -> Option<u64>,
) -> Vec<String> {
    let mut notes = Vec::new();
    for (index, column) in columns.iter().enumerate() {
        let values: Vec<&str> = sample
            .iter()
            .filter_map(|row| row.get(index).map(|v| v.trim()))
            .filter(|v| !headers::is_null_text(v))
            .collect();
        let name = names.get(index).map_or("?", String::as_str);
        let at = |value: &str| {
            line(index, value).map_or_else(String::new, |line| format!(", line {line}"))
        };
        if column.dtype.starts_with("datetime[") && column.dtype.contains(", ") {
            notes.push(in_utc(name, &values, &at));
        }
        if column.dtype.starts_with("datetime[") {
            // Columns numeric_dates read were looked at in full, the others in the sample.
            let (cut, leap) = match leaps.get(&index) {
                Some(changed) => (
                    changed.cut.iter().map(String::as_str).collect(),
                    changed.leap.iter().map(String::as_str).collect(),
                ),
                None => (values.clone(), values.clone()),
            };
            notes.extend(past_micros(name, &cut, &at));
            notes.extend(leap_second(name, &leap, &at));
        }
        if column.dtype == "str" {
            notes.extend(some_without_offset(name, &values, &at));
        }
    }
    notes
}

fn with_offset(value: &str) -> Option<DateTime<FixedOffset>> {
    WITH_OFFSET
        .iter()
        .find_map(|format| DateTime::parse_from_str(value, format).ok())
}

fn without_offset(value: &str) -> Option<NaiveDateTime> {
    WITHOUT_OFFSET
        .iter()
        .find_map(|format| NaiveDateTime::parse_from_str(value, format).ok())
}

/// A column stored in UTC, with one of its values (one whose offset is not zero, when there is one).
fn in_utc(name: &str, values: &[&str], at: &dyn Fn(&str) -> String) -> String {
    let parsed = values
        .iter()
        .filter_map(|v| with_offset(v).map(|at| (*v, at)));
    let example = parsed
        .clone()
        .find(|(_, at)| at.offset().local_minus_utc() != 0)
        .or_else(|| parsed.clone().next())
        .map(|(value, time)| {
            let utc = time.naive_utc().format("%Y-%m-%d %H:%M:%S%.f");
            format!(" (`{value}`{} → `{utc} UTC`)", at(value))
        })
        .unwrap_or_default();
    format!(
        "column `{name}` has times with an offset from UTC: they were stored in UTC{example}, and are \
         shown, compared and grouped so."
    )
}

/// The first value with more than six digits after the second's point.
fn past_micros(name: &str, values: &[&str], at: &dyn Fn(&str) -> String) -> Option<String> {
    let (value, time) = values.iter().find_map(|value| {
        let digits = value
            .split_once('.')?
            .1
            .bytes()
            .take_while(u8::is_ascii_digit)
            .count();
        let time = with_offset(value)
            .map(|t| t.naive_utc())
            .or_else(|| without_offset(value))?;
        (digits > 6).then_some((*value, time))
    })?;
    let cut = time
        .with_nanosecond(time.nanosecond() / 1_000 * 1_000)?
        .format("%Y-%m-%d %H:%M:%S%.6f");
    Some(format!(
        "column `{name}` has fractions of a second past microseconds: they were cut to microseconds \
         (`{value}`{} → `{cut}`).",
        at(value)
    ))
}

/// The first leap second (`23:59:60`), which a timestamp has no room for.
fn leap_second(name: &str, values: &[&str], at: &dyn Fn(&str) -> String) -> Option<String> {
    let (value, time) = values.iter().find_map(|value| {
        let time = with_offset(value)
            .map(|t| t.naive_utc())
            .or_else(|| without_offset(value))?;
        (time.nanosecond() >= 1_000_000_000).then_some((*value, time))
    })?;
    // The leap second's own fraction (`23:59:60.5`) is kept past the next minute's start.
    let fraction = time.nanosecond() - 1_000_000_000;
    let stored = (time.with_nanosecond(fraction)? + chrono::TimeDelta::seconds(1))
        .format("%Y-%m-%d %H:%M:%S%.f");
    Some(format!(
        "column `{name}` has a leap second: it was stored as the next minute's start (`{value}`{} → \
         `{stored}`).",
        at(value)
    ))
}

/// A text column of ISO datetimes, some with an offset from UTC and some without: which is which.
fn some_without_offset(name: &str, values: &[&str], at: &dyn Fn(&str) -> String) -> Option<String> {
    let offset = values.iter().find(|v| with_offset(v).is_some())?;
    let naive = values.iter().find(|v| without_offset(v).is_some())?;
    let every = values
        .iter()
        .all(|v| with_offset(v).is_some() || without_offset(v).is_some());
    every.then(|| {
        format!(
            "column `{name}` was kept as text: some of its times have an offset from UTC (`{offset}`{}) \
             and some none (`{naive}`{}), so they cannot be put on one clock.",
            at(offset),
            at(naive)
        )
    })
}

//! Converting the columns of dates written as three numbers, piece by piece, and what the upload's notes
//! say about them once the whole file is stored.

use std::collections::{BTreeMap, BTreeSet};
use std::fs::File;
use std::path::Path;
use std::sync::Mutex;

use polars::prelude::*;
use polars_core::runtime::RAYON;
use rayon::prelude::*;

use contracts::DateOrder;

use super::{Order, Written};
use crate::worker::headers;

/// Values that the format of their column (read by [`DateColumns`]) did not read: the first one of each
/// such column in a piece, by column position.
#[derive(Debug, thiserror::Error)]
#[error("{}", describe(.0))]
pub(crate) struct Unread(pub(crate) Vec<(usize, String)>);

fn describe(unread: &[(usize, String)]) -> String {
    let each: Vec<String> = unread
        .iter()
        .map(|(index, value)| format!("`{value}` in column number {}", index + 1))
        .collect();
    format!(
        "not written like the column's other dates: {}",
        each.join(", ")
    )
}

impl From<Unread> for std::io::Error {
    fn from(unread: Unread) -> Self {
        std::io::Error::other(unread)
    }
}

/// The [`Unread`] values, when `error` reports them.
pub(crate) fn unread(error: &PolarsError) -> Option<&[(usize, String)]> {
    match error {
        PolarsError::IO { error, .. } => error
            .get_ref()
            .and_then(|e| e.downcast_ref::<Unread>())
            .map(|unread| unread.0.as_slice()),
        _ => None,
    }
}

/// The columns parsed as text and converted to dates here, by position, with how each is written.
#[derive(Debug, Clone, Default)]
pub(crate) struct DateColumns {
    columns: Vec<(usize, Written)>,
    leaps: Leaps,
}

/// The first leap second (`23:59:60`) and the first fraction past microseconds of each column converted,
/// by position: a timestamp has no room for either, so the one is stored as the next minute's start and
/// the other cut, and the notes say so. Shared with the [`super::FoundDates`] the reading came from, which
/// outlives the pieces.
pub(crate) type Leaps = Arc<Mutex<BTreeMap<usize, Changed>>>;

/// A column's first values stored otherwise than written (see [`Leaps`]).
#[derive(Debug, Clone, Default)]
pub(crate) struct Changed {
    pub(crate) leap: Option<String>,
    pub(crate) cut: Option<String>,
}

impl DateColumns {
    pub(crate) fn new(columns: Vec<(usize, Written)>) -> Self {
        Self {
            columns,
            leaps: Leaps::default(),
        }
    }

    /// These columns, their leap seconds told to `leaps`.
    pub(crate) fn telling(self, leaps: &Leaps) -> Self {
        Self {
            leaps: leaps.clone(),
            ..self
        }
    }

    /// `parsed` (the schema pieces are parsed with, these columns text) with these columns' stored types.
    pub(crate) fn stored_schema(&self, parsed: &SchemaRef) -> SchemaRef {
        if self.columns.is_empty() {
            return parsed.clone();
        }
        let mut schema = parsed.as_ref().clone();
        for (index, written) in &self.columns {
            if let Some((_, dtype)) = schema.get_at_index_mut(*index) {
                *dtype = written.dtype();
            }
        }
        Arc::new(schema)
    }

    /// `frame`, a parsed piece, with these columns converted. An [`Unread`] error names, for every column
    /// whose format did not read a value, the first such value: one restart settles them all.
    pub(crate) fn convert(&self, mut frame: DataFrame) -> PolarsResult<DataFrame> {
        if self.columns.is_empty() {
            return Ok(frame);
        }
        // A column at a time on each core: polars converts a column on one thread.
        type Outcome = PolarsResult<Result<(Column, Changed), String>>;
        let converted: Vec<(usize, Outcome)> = RAYON.install(|| {
            self.columns
                .par_iter()
                .map(|(index, written)| (*index, converted(&frame.columns()[*index], written)))
                .collect()
        });
        let mut unread = Vec::new();
        for (index, outcome) in converted {
            match outcome? {
                Ok((dates, changed)) => {
                    frame.replace_column(index, dates)?;
                    if changed.leap.is_some() || changed.cut.is_some() {
                        let mut leaps = self.leaps.lock().unwrap_or_else(|e| e.into_inner());
                        let seen = leaps.entry(index).or_default();
                        seen.leap = seen.leap.take().or(changed.leap);
                        seen.cut = seen.cut.take().or(changed.cut);
                    }
                }
                Err(value) => unread.push((index, value)),
            }
        }
        if !unread.is_empty() {
            return Err(std::io::Error::from(Unread(unread)).into());
        }
        // The Parquet writer takes row groups chunk by chunk, the same in every column.
        frame.align_chunks_par();
        Ok(frame)
    }
}

/// `column`'s text as `written` reads it with its first leap second and fraction past microseconds, or the
/// first value it does not read.
fn converted(
    column: &Column,
    written: &Written,
) -> PolarsResult<Result<(Column, Changed), String>> {
    let raw = column.str()?;
    // As the sample was read (`Written::of_column`): spaces around a value, and null tokens with spaces
    // around them, which the piece parser keeps. Most columns have neither, and are read as they are.
    let untidy = raw
        .iter()
        .flatten()
        .any(|v| v.len() != v.trim().len() || headers::is_null_text(v));
    let text = match untidy {
        true => raw
            .iter()
            .map(|v| v.map(str::trim).filter(|v| !headers::is_null_text(v)))
            .collect::<StringChunked>()
            .with_name(column.name().clone()),
        false => raw.clone(),
    };
    let dates = written.parse(&text)?;
    Ok(match first_unread(&text, &dates, written)? {
        Some(value) => Err(value),
        None => {
            let leap = first_leap(&text, &dates, written)?;
            Ok((
                dates,
                Changed {
                    leap,
                    cut: first_cut(&text, written),
                },
            ))
        }
    })
}

/// The first value with a leap second (`23:59:60`), which chrono reads and the timestamp stores as the next
/// minute's start. Only values stored at a whole minute can be one, so only those are looked at.
fn first_leap(
    text: &StringChunked,
    dates: &Column,
    written: &Written,
) -> PolarsResult<Option<String>> {
    if !written.has_seconds() {
        return Ok(None);
    }
    let whole_minute = dates.as_materialized_series().second()?.equal(0);
    if !whole_minute.any() {
        return Ok(None);
    }
    let candidates = text.filter(&whole_minute)?;
    let leap = candidates
        .iter()
        .flatten()
        .find(|value| value.contains(":60"));
    Ok(leap.map(str::to_owned))
}

/// The first value with more than six digits after the second's point (the time comes last: no offset).
fn first_cut(text: &StringChunked, written: &Written) -> Option<String> {
    if !written.has_fraction() {
        return None;
    }
    let cut = text.iter().flatten().find(|value| {
        value.rsplit_once('.').is_some_and(|(_, fraction)| {
            fraction.len() > 6 && fraction.bytes().all(|b| b.is_ascii_digit())
        })
    });
    cut.map(str::to_owned)
}

/// The first value of `text` that `dates` lost: one the format did not read, or (chrono reads `%Y` as one
/// to four digits) a short year in a column of four-digit years, which would be the year 24. Years before
/// 1000 are rare, so only those rows are looked at again, value by value.
fn first_unread(
    text: &StringChunked,
    dates: &Column,
    written: &Written,
) -> PolarsResult<Option<String>> {
    let lost = text.is_not_null() & dates.is_null();
    if lost.any() {
        return Ok(text.filter(&lost)?.get(0).map(str::to_owned));
    }
    if written.short_year() {
        return Ok(None);
    }
    let early = dates.as_materialized_series().year()?.lt(1000);
    if !early.any() {
        return Ok(None);
    }
    let early = text.filter(&early)?;
    let unlike = early.iter().flatten().find(|value| {
        Written::of(value)
            .and_then(|other| written.agreeing(other))
            .is_none()
    });
    Ok(unlike.map(str::to_owned))
}

/// What the upload's notes say about the columns read as `dates` from the stored `parquet`, and about the
/// columns that looked like such dates but are text because of `undated`'s value (those in `with_names` held
/// dates with month names), one note per kind of column (a file may have hundreds). Whether a column read
/// day first only had days of 12 or less is known once every value is read. `line` finds the line of a
/// value in the column of that index.
pub(crate) fn notes(
    dates: &BTreeMap<usize, Written>,
    undated: &BTreeMap<usize, String>,
    with_names: &BTreeSet<usize>,
    names: &[String],
    parquet: &Path,
    line: &dyn Fn(usize, &str) -> Option<u64>,
) -> PolarsResult<Vec<String>> {
    let name = |index: &usize| names.get(*index).map_or("?", String::as_str);
    let (mut month_first, mut assumed, mut short) = (Vec::new(), Vec::new(), Vec::new());
    let mut example = None;
    let mut by_name: Vec<(&str, String)> = Vec::new();
    for (index, written) in dates {
        if let Some(layout) = written.named_example() {
            by_name.push((name(index), layout));
        }
        match written.order {
            Order::MonthFirst => month_first.push(name(index)),
            Order::Either if largest_day(parquet, name(index))? <= 12 => {
                example.get_or_insert_with(|| written.example());
                assumed.push((name(index), written.either_as()));
            }
            _ => {}
        }
        if written.short_year() {
            let order = match (written.order, written.either_as()) {
                (Order::MonthFirst, _) | (Order::Either, DateOrder::MonthFirst) => "month/day/year",
                _ => "day/month/year",
            };
            short.push((name(index), order));
        }
    }
    let mut notes = Vec::new();
    if !month_first.is_empty() {
        notes.push(format!(
            "{} dates month first (03/15/2024): they were read so.",
            listed(&month_first, "writes", "write")
        ));
    }
    let example = example.unwrap_or_default();
    for (order, said) in [
        (
            DateOrder::DayFirst,
            "they were read day first. If they are month first, upload again choosing \"month first\" under \
             \"Dates like 01/02/2024\" (`?date_order=month_first`).",
        ),
        (
            DateOrder::MonthFirst,
            "they were read month first, as `date_order` asked.",
        ),
    ] {
        let columns = named(&assumed, order);
        if !columns.is_empty() {
            notes.push(format!(
                "{}: every date reads both ways ({example} is 1 February or 2 January); {said}",
                listed(&columns, "", "")
            ));
        }
    }
    for order in ["day/month/year", "month/day/year"] {
        let columns = named(&short, order);
        if !columns.is_empty() {
            notes.push(format!(
                "{} two-digit years: read as {order}, the years as 1970 to 2069 (69 is 2069, 70 is 1970).",
                listed(&columns, "has", "have")
            ));
        }
    }
    let mut layouts: Vec<&String> = by_name.iter().map(|(_, layout)| layout).collect();
    layouts.sort();
    layouts.dedup();
    for layout in layouts {
        let columns = named_as(&by_name, layout);
        notes.push(format!(
            "{} dates with the month's name, as {layout}: they were read as dates.",
            listed(&columns, "writes", "write")
        ));
    }
    for (named, kind) in [(false, "written as numbers"), (true, "with month names")] {
        let undated: Vec<String> = undated
            .iter()
            .filter(|(index, _)| with_names.contains(index) == named)
            .map(|(index, value)| {
                let line =
                    line(*index, value).map_or_else(String::new, |line| format!(", line {line}"));
                format!("`{}` (`{value}`{line})", name(index))
            })
            .collect();
        // "Hold": the value may come first (`Mar 5 2024` on line 2, then ISO dates).
        if !undated.is_empty() {
            notes.push(format!(
                "kept as text, though they hold dates {kind}, for a value unlike the others: {}.",
                undated.join(", ")
            ));
        }
    }
    Ok(notes)
}

/// The names of the columns written as `layout`.
fn named_as<'a>(pairs: &[(&'a str, String)], layout: &str) -> Vec<&'a str> {
    pairs
        .iter()
        .filter(|(_, written)| written == layout)
        .map(|(name, _)| *name)
        .collect()
}

/// The names paired with `wanted`.
fn named<'a, T: PartialEq>(pairs: &[(&'a str, T)], wanted: T) -> Vec<&'a str> {
    pairs
        .iter()
        .filter(|(_, t)| *t == wanted)
        .map(|(name, _)| *name)
        .collect()
}

/// "column `a` writes" or "columns `a`, `b` and `c` write", with the list cut after ten names.
fn listed(names: &[&str], one_verb: &str, many_verb: &str) -> String {
    let quoted: Vec<String> = names.iter().take(10).map(|n| format!("`{n}`")).collect();
    let (noun, verb) = match names.len() {
        1 => ("column", one_verb),
        _ => ("columns", many_verb),
    };
    let list = match names.len() {
        1 => quoted[0].clone(),
        n if n <= 10 => format!("{} and {}", quoted[..n - 1].join(", "), quoted[n - 1]),
        n => format!("{} and {} more", quoted.join(", "), n - 10),
    };
    format!("{noun} {list} {verb}").trim_end().to_owned()
}

/// The largest day of the month in the stored column `name` (0 when it holds no dates).
fn largest_day(parquet: &Path, name: &str) -> PolarsResult<i64> {
    let stored = ParquetReader::new(File::open(parquet)?)
        .with_columns(Some(vec![name.to_owned()]))
        .finish()?;
    let largest = stored
        .lazy()
        .select([col(name).dt().day().max().cast(DataType::Int64)])
        .collect()?;
    Ok(largest.columns()[0].i64()?.get(0).unwrap_or(0))
}

//! Dates written as three numbers (`03/15/2024`, `15.03.24`, `3/15/2024 1:30 PM`): which way round a
//! column writes its day and month, and reading such columns piece by piece with that format.
//!
//! Why not leave them to polars' CSV reader: it knows day-first and year-first patterns only, so a column of
//! US dates (`03/15/2024`) stayed text, one whose days were all 12 or less was read day first without a
//! word, a two-digit year (`01/02/24`) became the year 24, and a time with AM/PM stayed text. These columns
//! are parsed as text and converted here with the format their values show, which also tells apart the
//! columns where every value reads both ways (see [`Order::Either`]).

use std::collections::BTreeMap;
use std::fs::File;
use std::path::Path;

use contracts::DateOrder;
use polars::prelude::*;

use super::headers;

/// Which way round a column writes the day and the month.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Order {
    DayFirst,
    MonthFirst,
    /// No value has a day past 12: read as the upload's `date_order` says (day first unless told), and the
    /// upload's notes say so.
    Either,
}

/// How a column writes its dates: the order, the separator, a two-digit year, and any time of day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Written {
    pub(crate) order: Order,
    /// How [`Order::Either`] is read.
    either_as: DateOrder,
    separator: char,
    short_year: bool,
    time: Time,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Time {
    None,
    Minutes,
    Seconds,
    MinutesMeridiem,
    SecondsMeridiem,
}

impl Written {
    /// The shape of one value, `None` when it is not such a date.
    pub(crate) fn of(value: &str) -> Option<Self> {
        let value = value.trim();
        let (date, time) = match value.split_once(' ') {
            Some((date, time)) => (date, time_of_day(time.trim_start())?),
            None => (value, Time::None),
        };
        let separator = date.chars().find(|c| !c.is_ascii_digit())?;
        if !matches!(separator, '/' | '-' | '.') {
            return None;
        }
        let mut parts = date.split(separator);
        let (first, second, year) = (parts.next()?, parts.next()?, parts.next()?);
        if parts.next().is_some() || !(year.len() == 2 || year.len() == 4) || !digits(year, 2..=4) {
            return None;
        }
        let (first, second) = (number(first)?, number(second)?);
        let (order, day, month) = match (first, second) {
            (1..=12, 1..=12) => (Order::Either, first, second),
            (13..=31, 1..=12) => (Order::DayFirst, first, second),
            (1..=12, 13..=31) => (Order::MonthFirst, second, first),
            _ => return None,
        };
        // A day the month does not have (02/30/2024) is no date either way round. The year only matters
        // for 29 February; any leap year stands in for a two-digit one.
        let leap_or_year = year
            .parse::<i32>()
            .ok()
            .filter(|_| year.len() == 4)
            .unwrap_or(2000);
        chrono::NaiveDate::from_ymd_opt(leap_or_year, month, day)?;
        Some(Self {
            order,
            either_as: DateOrder::DayFirst,
            separator,
            short_year: year.len() == 2,
            time,
        })
    }

    /// The shape every non-null value of a column shares, with the order they agree on; `None` when a
    /// value is not such a date, two differ in shape, or some are day first and others month first.
    pub(crate) fn of_column<'a>(values: impl IntoIterator<Item = &'a str>) -> Option<Self> {
        let mut shared: Option<Self> = None;
        for value in values.into_iter().filter(|v| !headers::is_null_text(v)) {
            let written = Self::of(value)?;
            shared = Some(match shared {
                None => written,
                Some(seen) => seen.agreeing(written)?,
            });
        }
        shared
    }

    /// `self` and `other` as one shape, `None` when they differ.
    fn agreeing(self, other: Self) -> Option<Self> {
        let same_shape = (self.separator, self.short_year, self.time)
            == (other.separator, other.short_year, other.time);
        let order = match (self.order, other.order) {
            (a, b) if a == b => a,
            (Order::Either, known) | (known, Order::Either) => known,
            _ => return None,
        };
        same_shape.then_some(Self { order, ..self })
    }

    /// Read as `order` says while every value reads both ways.
    pub(crate) fn assuming(self, either_as: DateOrder) -> Self {
        Self { either_as, ..self }
    }

    /// How to read the column again when `value` is one its reading failed on: a value of the same shape
    /// that settles which way round a column of [`Order::Either`] is; `None` otherwise (the column is text).
    pub(crate) fn settled_by(self, value: &str) -> Option<Self> {
        (self.order == Order::Either)
            .then(|| Self::of(value))
            .flatten()
            .and_then(|other| self.agreeing(other))
            .filter(|settled| settled.order != Order::Either)
    }

    /// The strptime format (day first when the order is [`Order::Either`]).
    fn format(&self) -> String {
        let s = self.separator;
        let year = if self.short_year { "%y" } else { "%Y" };
        let month_first = match self.order {
            Order::MonthFirst => true,
            Order::DayFirst => false,
            Order::Either => self.either_as == DateOrder::MonthFirst,
        };
        let date = match month_first {
            true => format!("%m{s}%d{s}{year}"),
            false => format!("%d{s}%m{s}{year}"),
        };
        let time = match self.time {
            Time::None => "",
            Time::Minutes => " %H:%M",
            Time::Seconds => " %H:%M:%S",
            Time::MinutesMeridiem => " %I:%M %p",
            Time::SecondsMeridiem => " %I:%M:%S %p",
        };
        date + time
    }

    /// The type the column is stored with.
    pub(crate) fn dtype(&self) -> DataType {
        match self.time {
            Time::None => DataType::Date,
            _ => DataType::Datetime(TimeUnit::Microseconds, None),
        }
    }

    /// What the upload's notes say about a column read this way: `None` for four-digit day-first dates,
    /// which need no word.
    pub(crate) fn note(&self, column: &str, every_day_ambiguous: bool) -> Option<String> {
        let short = self
            .short_year
            .then_some(" Two-digit years were read as 1969 to 2068 (24 is 2024, 70 is 1970).");
        let order = match self.order {
            Order::MonthFirst => Some(format!(
                "column `{column}` writes dates month first (03/15/2024): they were read so."
            )),
            Order::Either if every_day_ambiguous => Some(match self.either_as {
                DateOrder::DayFirst => format!(
                    "column `{column}`: every date reads both ways (01/02/2024 is 1 February or 2 January); \
                     they were read day first. If they are month first, upload again with \
                     `?date_order=month_first`."
                ),
                DateOrder::MonthFirst => format!(
                    "column `{column}`: every date reads both ways (01/02/2024 is 1 February or 2 January); \
                     they were read month first, as `date_order` asked."
                ),
            }),
            Order::DayFirst | Order::Either => None,
        };
        match (order, short) {
            (None, None) => None,
            (order, short) => Some(
                order.unwrap_or_else(|| format!("column `{column}` has two-digit years."))
                    + short.unwrap_or(""),
            ),
        }
    }
}

fn digits(text: &str, lengths: std::ops::RangeInclusive<usize>) -> bool {
    lengths.contains(&text.len()) && text.bytes().all(|b| b.is_ascii_digit())
}

fn number(text: &str) -> Option<u32> {
    digits(text, 1..=2).then(|| text.parse().ok()).flatten()
}

/// `H:MM`, `H:MM:SS`, either with ` AM`/` PM`.
fn time_of_day(text: &str) -> Option<Time> {
    let (clock, meridiem) = match text.rsplit_once(' ') {
        Some((clock, suffix)) if ["am", "pm"].contains(&suffix.to_ascii_lowercase().as_str()) => {
            (clock, true)
        }
        Some(_) => return None,
        None => (text, false),
    };
    let parts: Vec<&str> = clock.split(':').collect();
    let two = |p: &str| digits(p, 2..=2);
    let hour_ok = number(parts[0]).is_some_and(|h| {
        if meridiem {
            (1..=12).contains(&h)
        } else {
            h < 24
        }
    });
    match parts.as_slice() {
        [_, m] if hour_ok && two(m) => Some(if meridiem {
            Time::MinutesMeridiem
        } else {
            Time::Minutes
        }),
        [_, m, s] if hour_ok && two(m) && two(s) => Some(if meridiem {
            Time::SecondsMeridiem
        } else {
            Time::Seconds
        }),
        _ => None,
    }
}

/// A value of a column read by [`DateColumns`] that its format did not read.
#[derive(Debug, thiserror::Error)]
#[error("column number {}: `{value}` is not written like the column's other dates", index + 1)]
pub(crate) struct Unread {
    pub(crate) index: usize,
    pub(crate) value: String,
}

impl From<Unread> for std::io::Error {
    fn from(unread: Unread) -> Self {
        std::io::Error::other(unread)
    }
}

/// The [`Unread`] value, when `error` reports one.
pub(super) fn unread(error: &PolarsError) -> Option<&Unread> {
    match error {
        PolarsError::IO { error, .. } => error.get_ref().and_then(|e| e.downcast_ref::<Unread>()),
        _ => None,
    }
}

/// The columns parsed as text and converted to dates here, by position, with how each is written.
#[derive(Debug, Clone, Default)]
pub(crate) struct DateColumns(pub(crate) Vec<(usize, Written)>);

impl DateColumns {
    /// `parsed` (the schema pieces are parsed with, these columns text) with these columns' stored types.
    pub(crate) fn stored_schema(&self, parsed: &SchemaRef) -> SchemaRef {
        if self.0.is_empty() {
            return parsed.clone();
        }
        let mut schema = parsed.as_ref().clone();
        for (index, written) in &self.0 {
            if let Some((_, dtype)) = schema.get_at_index_mut(*index) {
                *dtype = written.dtype();
            }
        }
        Arc::new(schema)
    }

    /// `frame`, a parsed piece, with these columns converted; an [`Unread`] error names the first value a
    /// column's format did not read.
    pub(crate) fn convert(&self, mut frame: DataFrame) -> PolarsResult<DataFrame> {
        for (index, written) in &self.0 {
            let text = frame.columns()[*index].clone();
            let options = StrptimeOptions {
                format: Some(written.format().into()),
                strict: false,
                exact: true,
                cache: true,
            };
            let name = text.name().clone();
            let converted = match written.dtype() {
                DataType::Date => col(name.clone()).str().to_date(options),
                dtype => col(name.clone())
                    .str()
                    .strptime(dtype, options, lit("raise")),
            };
            let dates = DataFrame::new(text.len(), vec![text.clone()])?
                .lazy()
                .select([converted])
                .collect()?
                .columns()[0]
                .clone();
            if dates.null_count() > text.null_count() {
                let lost = text.is_not_null() & dates.is_null();
                let value = text
                    .str()?
                    .filter(&lost)?
                    .get(0)
                    .unwrap_or_default()
                    .to_owned();
                return Err(std::io::Error::from(Unread {
                    index: *index,
                    value,
                })
                .into());
            }
            frame.replace_column(*index, dates)?;
        }
        Ok(frame)
    }
}

/// What the upload's notes say about the columns read as `dates` from the stored `parquet`: whether a
/// column read day first only had days of 12 or less is known once every value is read.
pub(super) fn notes(
    dates: &BTreeMap<usize, Written>,
    names: &[String],
    parquet: &Path,
) -> PolarsResult<Vec<String>> {
    let mut notes = Vec::new();
    for (index, written) in dates {
        let Some(name) = names.get(*index) else {
            continue;
        };
        let every_day_ambiguous =
            written.order == Order::Either && largest_day(parquet, name)? <= 12;
        notes.extend(written.note(name, every_day_ambiguous));
    }
    Ok(notes)
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

#[cfg(test)]
mod tests;

//! Dates written as three numbers (`03/15/2024`, `15.03.24`, `3/15/2024 1:30 PM`, `2024-03-15 1:30 PM`):
//! which way round a column writes its day and month, and (in [`reading`]) reading such columns piece by
//! piece with that format.
//!
//! Why not leave them to polars' CSV reader: it knows day-first and year-first patterns only, so a column of
//! US dates (`03/15/2024`) stayed text, one whose days were all 12 or less was read day first without a
//! word, a two-digit year (`01/02/24`) became the year 24, and a time with AM/PM stayed text (and was then
//! read as the morning's hour). These columns are parsed as text and converted here with the format their
//! values show, which also tells apart the columns where every value reads both ways (see
//! [`Order::Either`]). ISO datetimes (`2024-03-15 13:30:00`, `2024-03-15T13:30`) are read here too, three
//! times as fast as polars' reader, and with fractions of seconds (so that a fraction past microseconds or
//! a leap second is noted wherever it is in the file); ISO dates alone and time zones stay polars' own.

use contracts::DateOrder;
use polars::prelude::*;

use super::headers;

/// Which way round a column writes the day and the month.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Order {
    DayFirst,
    MonthFirst,
    /// `2024-03-15`, taken here only with a time of day (polars reads ISO dates alone quickly, and a
    /// datetime three times slower than this module: 2.0 s against 0.6 s for 1.5 million rows).
    YearFirst,
    /// No value has a day past 12: read as the upload's `date_order` says (day first unless told), and the
    /// upload's notes say so.
    Either,
    /// The month written as a name (`Mar 5 2024`, see [`named`]): never ambiguous.
    Named(named::Layout),
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
    /// Between the date and the time: a space or ISO 8601's `T`.
    clock: char,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Time {
    None,
    Minutes,
    Seconds,
    /// Seconds with a fraction (`10:00:00.5`, up to nine digits), some values or all: stored to the
    /// microsecond, the first value cut so named in the notes.
    Fraction,
    MinutesMeridiem,
    SecondsMeridiem,
}

impl Written {
    /// The shape of one value, `None` when it is not such a date.
    pub(crate) fn of(value: &str) -> Option<Self> {
        let value = value.trim();
        if let Some((layout, separator)) = named::of(value) {
            return Some(Self {
                order: Order::Named(layout),
                either_as: DateOrder::DayFirst,
                separator,
                short_year: false,
                time: Time::None,
                clock: ' ',
            });
        }
        let split = value
            .split_once(' ')
            .map(|(date, time)| (date, time.trim_start(), ' '))
            .or_else(|| value.split_once('T').map(|(date, time)| (date, time, 'T')));
        let (date, time, clock) = match split {
            Some((date, time, clock)) => (date, time_of_day(time)?, clock),
            None => (value, Time::None, ' '),
        };
        let separator = date.chars().find(|c| !c.is_ascii_digit())?;
        if !matches!(separator, '/' | '-' | '.') {
            return None;
        }
        let mut parts = date.split(separator);
        let (a, b, c) = (parts.next()?, parts.next()?, parts.next()?);
        if parts.next().is_some() {
            return None;
        }
        let (year, order, day, month) = if digits(a, 4..=4) && time != Time::None {
            let (month, day) = (number(b)?, number(c)?);
            (a, Order::YearFirst, day, month)
        } else {
            if !(digits(c, 2..=2) || digits(c, 4..=4)) {
                return None;
            }
            let (first, second) = (number(a)?, number(b)?);
            match (first, second) {
                (1..=12, 1..=12) => (c, Order::Either, first, second),
                (13..=31, 1..=12) => (c, Order::DayFirst, first, second),
                (1..=12, 13..=31) => (c, Order::MonthFirst, second, first),
                _ => return None,
            }
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
            clock,
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

    /// The value of a column of such dates (or ISO dates) that keeps it text: one unlike the others in
    /// shape or order (`16.03.24` among `15.03.2024`, `24-03-16` among `2024-03-15`, `15/03/2024` among
    /// `03/15/2024`). Polars would read such a column day first with a four-digit year, so that `24` became
    /// the year 24. `None` when the values agree, or some are no such date at all (polars decides).
    pub(crate) fn unlike_others<'a>(values: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
        let mut shared: Option<Self> = None;
        let (mut iso, mut first_numeric, mut unlike) = (false, None, None);
        for value in values.into_iter().filter(|v| !headers::is_null_text(v)) {
            match Self::of(value) {
                Some(written) => {
                    first_numeric.get_or_insert(value);
                    match shared.map(|seen| seen.agreeing(written)) {
                        None => shared = Some(written),
                        Some(Some(agreed)) => shared = Some(agreed),
                        Some(None) => {
                            unlike.get_or_insert(value);
                        }
                    }
                }
                None if iso_date(value) => iso = true,
                None => return None,
            }
        }
        match iso {
            true => unlike.or(first_numeric),
            false => unlike,
        }
    }

    /// The first value that is no date at all (`Mar 5 2024`, `soon`) in a column whose values are mostly
    /// such dates or ISO dates (polars reads the column as text, as it does the same value further on);
    /// `None` when there is none, or dates are not most of the values.
    pub(crate) fn no_date_among_dates<'a>(
        values: impl IntoIterator<Item = &'a str>,
    ) -> Option<&'a str> {
        let (mut dates, mut others, mut first) = (0, 0, None);
        for value in values.into_iter().filter(|v| !headers::is_null_text(v)) {
            match iso_date(value) || Self::of(value).is_some() {
                true => dates += 1,
                false => (others, first) = (others + 1, first.or(Some(value))),
            }
        }
        first.filter(|_| dates > others)
    }

    /// `self` and `other` as one shape, `None` when they differ.
    fn agreeing(self, other: Self) -> Option<Self> {
        // Whole seconds and fractions are one shape: `%.f` reads both.
        let seconds = |time| match time {
            Time::Fraction => Time::Seconds,
            time => time,
        };
        let time = match other.time {
            Time::Fraction => other.time,
            _ => self.time,
        };
        let same_shape = (
            self.separator,
            self.short_year,
            seconds(self.time),
            self.clock,
        ) == (
            other.separator,
            other.short_year,
            seconds(other.time),
            other.clock,
        );
        let order = match (self.order, other.order) {
            (a, b) if a == b => a,
            (Order::YearFirst | Order::Named(_), _) | (_, Order::YearFirst | Order::Named(_)) => {
                return None;
            }
            (Order::Either, known) | (known, Order::Either) => known,
            _ => return None,
        };
        same_shape.then_some(Self {
            order,
            time,
            ..self
        })
    }

    /// Read as `order` says while every value reads both ways.
    pub(crate) fn assuming(self, either_as: DateOrder) -> Self {
        Self { either_as, ..self }
    }

    /// How to read the column again when `value` is one its reading failed on: a value of the same shape
    /// that settles which way round a column of [`Order::Either`] is, or the first with a fraction of a
    /// second in a column of whole seconds; `None` otherwise (the column is text).
    pub(crate) fn settled_by(self, value: &str) -> Option<Self> {
        Self::of(value)
            .and_then(|other| self.agreeing(other))
            .filter(|settled| {
                let ordered = self.order == Order::Either && settled.order != Order::Either;
                ordered || (self.time == Time::Seconds && settled.time == Time::Fraction)
            })
    }

    /// `01/02/2024` with this column's separator.
    pub(crate) fn example(&self) -> String {
        let s = self.separator;
        format!("01{s}02{s}2024")
    }

    /// How a column of month names is written (`Mar 5 2024`), `None` for numbers.
    pub(crate) fn named_example(&self) -> Option<String> {
        match self.order {
            Order::Named(layout) => Some(layout.example(self.separator)),
            _ => None,
        }
    }

    /// Whether the time of day has seconds (and so may hold a leap second).
    pub(crate) fn has_seconds(&self) -> bool {
        matches!(
            self.time,
            Time::Seconds | Time::Fraction | Time::SecondsMeridiem
        )
    }

    /// Whether seconds may have a fraction (and so one past microseconds).
    pub(crate) fn has_fraction(&self) -> bool {
        self.time == Time::Fraction
    }

    /// Whether the year has two digits.
    pub(crate) fn short_year(&self) -> bool {
        self.short_year
    }

    /// Whether [`Order::Either`] is read month first.
    pub(crate) fn either_as(&self) -> DateOrder {
        self.either_as
    }

    /// The strptime format ([`Order::Either`] read as `either_as` says).
    pub(crate) fn format(&self) -> String {
        let s = self.separator;
        let year = if self.short_year { "%y" } else { "%Y" };
        let date = match (self.order, self.either_as) {
            (Order::Named(layout), _) => layout.format(s),
            (Order::YearFirst, _) => format!("%Y{s}%m{s}%d"),
            (Order::MonthFirst, _) | (Order::Either, DateOrder::MonthFirst) => {
                format!("%m{s}%d{s}{year}")
            }
            (Order::DayFirst, _) | (Order::Either, DateOrder::DayFirst) => {
                format!("%d{s}%m{s}{year}")
            }
        };
        let time = match self.time {
            Time::None => return date,
            Time::Minutes => "%H:%M",
            Time::Seconds => "%H:%M:%S",
            Time::Fraction => "%H:%M:%S%.f",
            Time::MinutesMeridiem => "%I:%M %p",
            Time::SecondsMeridiem => "%I:%M:%S %p",
        };
        format!("{date}{}{time}", self.clock)
    }

    /// The type the column is stored with.
    pub(crate) fn dtype(&self) -> DataType {
        match self.time {
            Time::None => DataType::Date,
            _ => DataType::Datetime(TimeUnit::Microseconds, None),
        }
    }

    /// `text` read with this format: null where a value is not one.
    pub(crate) fn parse(&self, text: &StringChunked) -> PolarsResult<Column> {
        let format = self.format();
        let column = match self.dtype() {
            DataType::Date => text.as_date(Some(&format), true)?.into_column(),
            _ => text
                .as_datetime(
                    Some(&format),
                    TimeUnit::Microseconds,
                    true,
                    false,
                    None,
                    &StringChunked::from_iter([Some("raise")]),
                )?
                .into_column(),
        };
        Ok(column)
    }
}

/// `2024-03-15` alone (polars' own).
fn iso_date(value: &str) -> bool {
    let value = value.trim();
    value.len() == 10 && chrono::NaiveDate::parse_from_str(value, "%Y-%m-%d").is_ok()
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
        [_, m, s] if hour_ok && two(m) && !meridiem && fraction(s) => Some(Time::Fraction),
        [_, m, s] if hour_ok && two(m) && two(s) => Some(if meridiem {
            Time::SecondsMeridiem
        } else {
            Time::Seconds
        }),
        _ => None,
    }
}

/// `SS.f`, one to nine digits after the point.
fn fraction(seconds: &str) -> bool {
    seconds
        .split_once('.')
        .is_some_and(|(whole, part)| digits(whole, 2..=2) && digits(part, 1..=9))
}

mod found;
mod named;
mod no_year;
mod reading;

pub(crate) use found::FoundDates;
#[cfg(test)]
use no_year::odd_year;
pub(crate) use reading::{Changed, DateColumns, Leaps, notes, unread};

#[cfg(test)]
mod tests;

//! Dates written with an English month name (`Mar 5 2024`, `March 5, 2024`, `5-Mar-2024`, `05 Mar 2024`,
//! `2024-Mar-05`, any case): which layout a value has, so that a column of one layout is read as dates like
//! the columns of numbers (polars' reader keeps them text).
//!
//! Only what chrono's `%B` reads is taken: a month's full name or its three-letter abbreviation (`Sept` is
//! not one), with a four-digit year; a value without a year (`Mar 5`) or a name alone (`May`) is no date.

/// Where the month's name stands, and how the parts are joined.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Layout {
    /// `Mar 5 2024`; `comma`: `March 5, 2024`.
    MonthDayYear { comma: bool },
    /// `5 Mar 2024`, `5-Mar-2024`.
    DayMonthYear,
    /// `2024-Mar-05`.
    YearMonthDay,
}

const MONTHS: [&str; 12] = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
];

/// The layout of `value` and the separator between its parts, `None` when it is no such date.
pub(crate) fn of(value: &str) -> Option<(Layout, char)> {
    let separator = value.chars().find(|c| !c.is_ascii_alphanumeric())?;
    if !matches!(separator, ' ' | '-' | '/' | '.') {
        return None;
    }
    let mut parts = value.split(separator);
    let (a, b, c) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    let (layout, year, month, day) = match (month(a), month(b)) {
        (Some(month), None) => {
            let (day, comma) = match b.strip_suffix(',') {
                Some(day) if separator == ' ' => (day, true),
                _ => (b, false),
            };
            (Layout::MonthDayYear { comma }, c, month, day)
        }
        (None, Some(month)) if four_digits(a) => (Layout::YearMonthDay, a, month, c),
        (None, Some(month)) => (Layout::DayMonthYear, c, month, a),
        _ => return None,
    };
    let day = (day.len() <= 2 && !day.is_empty() && day.bytes().all(|b| b.is_ascii_digit()))
        .then(|| day.parse::<u32>().ok())
        .flatten()?;
    if !four_digits(year) {
        return None;
    }
    chrono::NaiveDate::from_ymd_opt(year.parse().ok()?, month, day)?;
    Some((layout, separator))
}

/// The month (1 to 12) `text` names in full or by its first three letters, in any case.
fn month(text: &str) -> Option<u32> {
    let lower = text.to_ascii_lowercase();
    let found = MONTHS
        .iter()
        .position(|name| lower == *name || (lower.len() == 3 && name.starts_with(&lower)))?;
    Some(found as u32 + 1)
}

fn four_digits(text: &str) -> bool {
    text.len() == 4 && text.bytes().all(|b| b.is_ascii_digit())
}

impl Layout {
    /// The strptime format, with `separator` between the parts (`%B` reads a name in full or abbreviated).
    pub(crate) fn format(self, separator: char) -> String {
        let s = separator;
        match self {
            Self::MonthDayYear { comma: true } => "%B %d, %Y".into(),
            Self::MonthDayYear { comma: false } => format!("%B{s}%d{s}%Y"),
            Self::DayMonthYear => format!("%d{s}%B{s}%Y"),
            Self::YearMonthDay => format!("%Y{s}%B{s}%d"),
        }
    }

    /// 5 March 2024 written in this layout.
    pub(crate) fn example(self, separator: char) -> String {
        let s = separator;
        match self {
            Self::MonthDayYear { comma: true } => "Mar 5, 2024".into(),
            Self::MonthDayYear { comma: false } => format!("Mar{s}5{s}2024"),
            Self::DayMonthYear => format!("5{s}Mar{s}2024"),
            Self::YearMonthDay => format!("2024{s}Mar{s}05"),
        }
    }
}

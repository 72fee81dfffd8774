//! Three numbers that are no dates (`1.2.3`, `24-3-5`, `123-4-5`): why a column of them is text.
//!
//! Why here: polars' reader reads `%d.%m.%Y` and `%Y.%m.%d` with chrono's `%Y`, which takes a year of any
//! number of digits, so a column of version numbers was stored as dates of the years 0 to 999.

use super::{Written, digits, iso_date};
use crate::worker::headers;

impl Written {
    /// The first value that is three numbers but no date, for a year of one, three or five digits (`1.2.3`,
    /// `24-3-5`, `123-4-5`: a version or some other code), and whether dates are at least half the values
    /// (the notes then name it as keeping a column of dates text). Polars' reader takes the year with
    /// chrono's `%Y`, any number of digits, so `1.2.3` was 1 February of the year 3; such a column is text.
    /// `None` when there is no such value.
    pub(crate) fn no_year_among<'a>(
        values: impl IntoIterator<Item = &'a str>,
    ) -> Option<(&'a str, bool)> {
        let (mut dates, mut others, mut first) = (0, 0, None);
        for value in values.into_iter().filter(|v| !headers::is_null_text(v)) {
            if iso_date(value) || Self::of(value).is_some() {
                dates += 1;
                continue;
            }
            others += 1;
            if first.is_none() && odd_year(value) {
                first = Some(value);
            }
        }
        first.map(|value| (value, dates >= others))
    }
}

/// Three numbers (and maybe a time of day) that [`Written::of`] does not read, the first not a four-digit
/// year: polars would read them day first or year first with whatever year is left (`31.02.24` is no
/// 31 February, so it was the year 31). A middle number past two digits is no month (`1.234.567`).
pub(super) fn odd_year(value: &str) -> bool {
    let value = value.trim();
    let date = value.split([' ', 'T']).next().unwrap_or(value);
    let Some(separator) = date.chars().find(|c| !c.is_ascii_digit()) else {
        return false;
    };
    if !matches!(separator, '/' | '-' | '.') {
        return false;
    }
    let parts: Vec<&str> = date.split(separator).collect();
    let &[a, b, c] = parts.as_slice() else {
        return false;
    };
    let any = 1..=usize::MAX;
    digits(a, any.clone())
        && digits(c, any)
        && digits(b, 1..=2)
        && a.len() != 4
        && Written::of(value).is_none()
}

//! A date compared with text that is not written `YYYY-MM-DD` (`d = '03/15/2024'`, `'2024/3/5'`,
//! `'Mar 15, 2024'`): Polars refused it in its own words ("cannot compare 'date/datetime/time' to a string
//! value"); it is refused before it runs, naming the ISO form the text means (or both, for `01/02/2024`), so
//! that the model's repair writes it.

use sqlparser::ast::Expr;

use crate::compat::is_column_of_kind;
use crate::temporal::{
    chrono_like_date, chrono_like_datetime, is_date_expr, text_literal, year_or_month,
};

/// Days in `month` of `year` (proleptic Gregorian), 0 for a month that is none.
fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400)) => {
            29
        }
        2 => 28,
        _ => 0,
    }
}

const MONTH_NAMES: [&str; 12] = [
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
];

/// The dates `text` may mean, as `YYYY-MM-DD` (with its time after a space, when it has one): `03/15/2024`
/// and `15.03.2024` one each, `01/02/2024` two (month first, then day first), `2024/3/5` and `Mar 15, 2024`
/// one. Two-digit years are 1970-2069, as uploads read them (69 is 2069).
fn iso_readings(text: &str) -> Vec<String> {
    let text = text.trim();
    let (date, time) = match text.split_once([' ', 'T']) {
        Some((date, time)) if time.contains(':') && !date.contains(' ') => {
            (date, Some(time.trim()))
        }
        _ => (text, None),
    };
    let time = match time.map(|t| t.split(':').collect::<Vec<_>>()) {
        None => String::new(),
        Some(parts) => {
            let numbers: Option<Vec<u32>> = parts.iter().map(|p| p.parse().ok()).collect();
            match numbers.as_deref() {
                Some([h, m]) if *h < 24 && *m < 60 => format!(" {h:02}:{m:02}"),
                Some([h, m, s]) if *h < 24 && *m < 60 && *s < 60 => {
                    format!(" {h:02}:{m:02}:{s:02}")
                }
                _ => return Vec::new(),
            }
        }
    };
    let words: Vec<&str> = date
        .split([' ', '/', '.', '-', ','])
        .filter(|w| !w.is_empty())
        .collect();
    let [a, b, c] = words.as_slice() else {
        return Vec::new();
    };
    let year = |w: &str| -> Option<u32> {
        let n: u32 = w.parse().ok()?;
        match w.len() {
            4 => Some(n),
            2 if n >= 70 => Some(1900 + n),
            2 => Some(2000 + n),
            _ => None,
        }
    };
    let number = |w: &str| -> Option<u32> { (w.len() <= 2).then(|| w.parse().ok()).flatten() };
    let month_name = |w: &str| -> Option<u32> {
        let lower = w.to_ascii_lowercase();
        let position = MONTH_NAMES.iter().position(|m| lower.starts_with(m))?;
        (w.len() >= 3 && w.bytes().all(|b| b.is_ascii_alphabetic())).then_some(position as u32 + 1)
    };
    // (year, month, day) candidates.
    let mut candidates: Vec<(Option<u32>, Option<u32>, Option<u32>)> = Vec::new();
    if a.len() == 4 {
        candidates.push((year(a), number(b).or(month_name(b)), number(c)));
    } else if let Some(month) = month_name(a) {
        candidates.push((year(c), Some(month), number(b)));
    } else if let Some(month) = month_name(b) {
        candidates.push((year(c), Some(month), number(a)));
    } else {
        candidates.push((year(c), number(a), number(b)));
        candidates.push((year(c), number(b), number(a)));
    }
    let mut readings: Vec<String> = Vec::new();
    for (year, month, day) in candidates {
        let (Some(year), Some(month), Some(day)) = (year, month, day) else {
            continue;
        };
        if day == 0 || day > days_in_month(year, month) {
            continue;
        }
        let reading = format!("{year:04}-{month:02}-{day:02}{time}");
        if !readings.contains(&reading) {
            readings.push(reading);
        }
    }
    readings
}

/// True for text Polars (with the rewrites above) compares with a date or datetime: `2024-03-15`,
/// `2024-03-15 10:30:00`, a year or a month alone.
fn reads_as_date(text: &str) -> bool {
    chrono_like_date(text) || chrono_like_datetime(text) || year_or_month(text)
}

impl crate::walk::Walker<'_> {
    /// `order_date = '03/15/2024'`, `>= '2024-3-1'`, `BETWEEN '01/01/2024' AND ...`: Polars compares a date
    /// only with `YYYY-MM-DD` text and failed in its own words ("cannot compare 'date/datetime/time' to a
    /// string value"). Refused, saying what to write: the ISO form of the literal when it reads one way
    /// only, both readings when it reads two.
    pub(crate) fn date_against_other_text(&mut self, value: &Expr, texts: &[&Expr]) {
        let holds = if is_column_of_kind(&self.scopes, value, |r| &r.datetimes) {
            "dates and times"
        } else if is_column_of_kind(&self.scopes, value, |r| &r.dates)
            || is_date_expr(&self.scopes, value)
        {
            "dates"
        } else {
            return;
        };
        let Some(text) = texts
            .iter()
            .filter_map(|t| text_literal(t))
            .find(|t| !reads_as_date(t))
        else {
            return;
        };
        let quoted = text.replace('\'', "''");
        let readings = iso_readings(text);
        let advice = match readings.as_slice() {
            [one] => format!("write it as '{one}'"),
            [first, second] => format!(
                "it reads as '{first}' (month first) or '{second}' (day first): write the one meant"
            ),
            _ => "write a date as 'YYYY-MM-DD' (e.g. '2024-03-15'), a datetime as '2024-03-15 10:30:00', or \
                  a year ('2024') or month ('2024-03') alone"
                .to_owned(),
        };
        let what = match value {
            Expr::Identifier(_) | Expr::CompoundIdentifier(_) => {
                format!("`{value}` holds {holds}, which")
            }
            _ => "Dates".to_owned(),
        };
        let message = format!(
            "{what} compare only with text written year first, 'YYYY-MM-DD'; '{quoted}' is not: {advice}."
        );
        self.reject(crate::issue::Rule::UnsupportedSyntax, message, None);
    }
}

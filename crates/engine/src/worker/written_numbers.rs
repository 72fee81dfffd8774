//! Numbers written as exports write them in a file of decimal points (Stripe, Shopify, banks, Excel):
//! `"1,234"` and `1,234,567.89` (comma thousands), `$1,234.56`, `12.50 €` and `USD 12.00` (a currency),
//! `(123.45)` (an accounting negative) and thousands grouped by a no-break space (`1 234.5`).
//! Polars reads them as text; a column whose every value in the sample is such a number, in ONE convention
//! (one currency or none, one thousands mark), is parsed as text and
//! converted per piece as [`super::thousands::Thousands`] converts dotted thousands: a later value in
//! another convention widens the column (whole numbers to decimals, else text), as anywhere.
//!
//! Not numbers here: an ordinary space between digits (`1 234` may be two numbers), groups not of three
//! (`1,23`, `2024,5`, `1,2,3`), leading zeros (`02134`), a `+`, several points (`1.2.3`), anything else
//! around the digits (`$HOME`, `$ 5 each`). Parentheses with no currency or thousands mark in the column
//! (`(212)` beside `800`: area codes, footnotes) are not negatives. A comma grouping thousands needs the
//! file to say its decimals are points: commas between its fields, or a decimal point in its sample; in a
//! file of semicolons and no points, `1,234` may be a German 1.234 and stays text.
//!
//! Percentages (`12.5%`) stay text, as SQLite, pandas and DuckDB keep them: `12.5%` may be meant as 12.5 or
//! as 0.125, and what the file shows is kept; the upload's note gives the SQL that computes with them
//! ([`percent_columns`]).

use polars::prelude::DataType;

use super::headers;

/// Currency signs read before or after a number (`$` also after one or two capitals: `US$`, `R$`, `HK$`).
const SIGNS: [char; 13] = [
    '$', '€', '£', '¥', '₹', '₩', '₽', '₺', '₪', '₫', '₱', '₦', '฿',
];
/// Currency codes read before or after a number. A fixed list: `ABC 123` is a product code, not an amount.
const CODES: [&str; 20] = [
    "USD", "EUR", "GBP", "JPY", "CHF", "CAD", "AUD", "NZD", "CNY", "INR", "SEK", "NOK", "DKK",
    "PLN", "BRL", "MXN", "ZAR", "HKD", "SGD", "KRW",
];
/// Between a currency and its number: a space, a no-break space or a narrow one.
const SPACES: [char; 3] = [' ', '\u{a0}', '\u{202f}'];
/// Marks grouping thousands: a comma, a no-break space, a narrow no-break space (never a plain space).
const GROUPS: [char; 3] = [',', '\u{a0}', '\u{202f}'];

/// One value read: the number as polars casts it (`-1234.56`) and the marks it was written with.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Written {
    pub(crate) plain: String,
    pub(crate) currency: Option<String>,
    pub(crate) percent: bool,
    pub(crate) group: Option<char>,
    pub(crate) parens: bool,
}

impl Written {
    /// How many marks the value shows (its note's example is the first with the most).
    pub(crate) fn marks(&self) -> usize {
        [
            self.currency.is_some(),
            self.percent,
            self.group.is_some(),
            self.parens,
        ]
        .into_iter()
        .filter(|m| *m)
        .count()
    }

    pub(crate) fn decimal(&self) -> bool {
        self.plain.contains('.')
    }
}

/// `value` read as such a number, or None.
pub(crate) fn read(value: &str) -> Option<Written> {
    let (parens, inner) = match value.strip_prefix('(').and_then(|v| v.strip_suffix(')')) {
        Some(inner) => (true, inner),
        None => (false, value),
    };
    // `12.5%` is stored as 12.5, not 0.125: the file shows 12.5, and the user asks about 12.5 (the note
    // says the values are percent).
    let (percent, inner) = match inner.strip_suffix('%') {
        Some(inner) => (true, inner),
        None => (false, inner),
    };
    // `-$5.00` and `-5.00 €`: the minus outside the currency; `$-5.00`: inside.
    let (outside, inner) = minus(inner);
    let (currency, inner) = match before(inner) {
        Some((currency, rest)) => (Some(currency), rest),
        None => match after(inner) {
            Some((rest, currency)) => (Some(currency), rest),
            None => (None, inner),
        },
    };
    let (inside, inner) = minus(inner);
    let signs = usize::from(parens) + usize::from(outside) + usize::from(inside);
    if signs > 1 || (percent && currency.is_some()) {
        return None;
    }
    let (digits, group) = body(inner)?;
    Some(Written {
        plain: format!("{}{digits}", if signs == 1 { "-" } else { "" }),
        currency: currency.map(str::to_owned),
        percent,
        group,
        parens,
    })
}

fn minus(value: &str) -> (bool, &str) {
    match value.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, value),
    }
}

/// A currency at the start of `value` and the rest after one space, if any.
fn before(value: &str) -> Option<(&str, &str)> {
    let capitals = value.bytes().take_while(u8::is_ascii_uppercase).count();
    let length = match value[capitals..].chars().next() {
        Some('$') if capitals <= 2 => capitals + 1,
        Some(sign) if capitals == 0 && SIGNS.contains(&sign) => sign.len_utf8(),
        _ if capitals == 3 && CODES.contains(&&value[..3]) => 3,
        _ => return None,
    };
    let (currency, rest) = value.split_at(length);
    Some((currency, rest.strip_prefix(SPACES).unwrap_or(rest)))
}

/// A currency at the end of `value` and what comes before it and one space, if any.
fn after(value: &str) -> Option<(&str, &str)> {
    let length = match value.chars().next_back() {
        Some(sign) if SIGNS.contains(&sign) => sign.len_utf8(),
        _ if value.len() > 3 && CODES.iter().any(|code| value.ends_with(code)) => 3,
        _ => return None,
    };
    let (rest, currency) = value.split_at(value.len() - length);
    Some((rest.strip_suffix(SPACES).unwrap_or(rest), currency))
}

/// Digits, optionally grouped in threes by one of [`GROUPS`], and optionally a point and more digits: the
/// number without its groups, and the mark that grouped them.
fn body(value: &str) -> Option<(String, Option<char>)> {
    let all_digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let (whole, fraction) = match value.split_once('.') {
        Some((whole, fraction)) => (whole, Some(fraction)),
        None => (value, None),
    };
    if fraction.is_some_and(|f| !all_digits(f)) {
        return None;
    }
    let group = whole.chars().find(|c| !c.is_ascii_digit());
    let number = match group {
        None => all_digits(whole) && (whole == "0" || !whole.starts_with('0')),
        Some(mark) => {
            let mut groups = whole.split(mark);
            let first = groups.next().unwrap_or_default();
            GROUPS.contains(&mark)
                && (1..=3).contains(&first.len())
                && !first.starts_with('0')
                && all_digits(first)
                && groups.all(|g| g.len() == 3 && all_digits(g))
        }
    };
    if !number {
        return None;
    }
    let mut plain: String = whole.chars().filter(char::is_ascii_digit).collect();
    if let Some(fraction) = fraction {
        plain.push('.');
        plain.push_str(fraction);
    }
    Some((plain, group))
}

/// How the numbers of a column are written: every value read by [`Convention::plain`] must be written so.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Convention {
    pub(crate) currency: Option<String>,
    /// The mark that may group thousands: the sample's, or a comma when the file's decimals are points.
    pub(crate) group: Option<char>,
}

impl Convention {
    /// The number `value` is in this convention, as polars casts it; None when it is not one.
    pub(crate) fn plain(&self, value: &str) -> Option<String> {
        let written = read(value)?;
        // A percentage never fits: columns of them stay text (see `percent_columns`).
        let fits = written.currency == self.currency
            && !written.percent
            && (written.group.is_none() || written.group == self.group);
        fits.then_some(written.plain)
    }
}

/// The file's decimals are points: its fields are separated by commas, or its sample has a decimal point
/// (`12.5`), so a comma between digits groups thousands.
pub(crate) fn points(rows: &[Vec<String>], delimiter: u8) -> bool {
    let pointed = |v: &str| v.contains('.') && read(v).is_some_and(|w| w.decimal());
    delimiter == b',' || rows.iter().flatten().any(|v| pointed(v))
}

/// The columns of `rows` (the sample of a file of decimal points, `width` columns wide) whose every value is
/// such a number in one convention, with a mark (plain numbers are polars' to read), with their types and
/// conventions. Parentheses alone (`(1)`, `(2)`) are footnote marks as much as negatives: a column of them
/// needs a value outside them.
pub(crate) fn in_sample(
    rows: &[Vec<String>],
    width: usize,
    delimiter: u8,
) -> Vec<(usize, DataType, Convention)> {
    let points = points(rows, delimiter);
    (0..width)
        .filter_map(|index| {
            let values = rows
                .iter()
                .filter_map(|row| row.get(index))
                .filter(|v| !headers::is_null_text(v));
            let written: Option<Vec<Written>> = values.map(|v| read(v)).collect();
            let written = written.filter(|w| !w.is_empty())?;
            let first = &written[0];
            let mut groups = written.iter().filter_map(|w| w.group);
            let group = groups.next();
            let one = written
                .iter()
                .all(|w| w.currency == first.currency && w.percent == first.percent)
                && groups.all(|g| Some(g) == group);
            // Parentheses alone are not a mark: `(212)` beside `800` are area codes, not -212.
            let marked = written
                .iter()
                .any(|w| w.currency.is_some() || w.group.is_some());
            let outside_parens = written.iter().any(|w| !w.parens);
            let ambiguous = group == Some(',') && !points;
            if !(one && marked && outside_parens) || ambiguous || first.percent {
                return None;
            }
            let dtype = match written.iter().any(Written::decimal) {
                true => DataType::Float64,
                false => DataType::Int64,
            };
            let convention = Convention {
                currency: first.currency.clone(),
                group: group.or(points.then_some(',')),
            };
            Some((index, dtype, convention))
        })
        .collect()
}

/// The columns of the sample whose every value is a number written with a percent sign and nothing else
/// (`12.5%`, `-3%`), which stay text: their note says how to compute with them.
pub(crate) fn percent_columns(rows: &[Vec<String>], width: usize) -> Vec<usize> {
    (0..width)
        .filter(|&index| {
            let mut values = (rows.iter())
                .filter_map(|row| row.get(index))
                .filter(|v| !headers::is_null_text(v))
                .peekable();
            values.peek().is_some()
                && values.all(|v| {
                    read(v).is_some_and(|w| w.percent && w.currency.is_none() && !w.parens)
                })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_read_with_their_marks_and_lookalikes_are_not() {
        for (value, plain) in [
            ("1,234", "1234"),
            ("1,234,567.89", "1234567.89"),
            ("-1,234.5", "-1234.5"),
            ("$1,234.56", "1234.56"),
            ("-$5.00", "-5.00"),
            ("$-5.00", "-5.00"),
            ("($5.00)", "-5.00"),
            ("(123.45)", "-123.45"),
            ("12.5%", "12.5"),
            ("12.50 €", "12.50"),
            ("USD 12.00", "12.00"),
            ("12.00 USD", "12.00"),
            ("US$3", "3"),
            ("1\u{a0}234.5", "1234.5"),
            ("0.5", "0.5"),
            ("0", "0"),
        ] {
            assert_eq!(
                read(value).map(|w| w.plain).as_deref(),
                Some(plain),
                "{value}"
            );
        }
        for no in [
            "1,23",
            "2024,5",
            "1,2,3",
            "1.2.3",
            "02134",
            "+5",
            "$HOME",
            "$ 5 each",
            "555-1234",
            "1 234",
            "(555) 123-4567",
            "--5",
            "-(5)",
            "$12%",
            ".5",
            "5.",
            "ABC 12",
            "1,234,5",
            "$$5",
            " 5",
            "0,123",
        ] {
            assert_eq!(read(no), None, "{no}");
        }
    }

    #[test]
    fn a_column_needs_one_convention_and_a_mark() {
        let rows = |values: &[&str]| -> Vec<Vec<String>> {
            values.iter().map(|v| vec![(*v).to_owned()]).collect()
        };
        let found = |values: &[&str], delimiter| in_sample(&rows(values), 1, delimiter);
        assert_eq!(found(&["$1,234", "$5", ""], b',')[0].1, DataType::Int64);
        assert_eq!(found(&["(1,500.5)", "2"], b',')[0].1, DataType::Float64);
        // Parentheses need a currency or thousands mark beside them; percentages stay text.
        for text in [
            &["$5", "€5"][..],
            &["(1.5)", "2"],
            &["(212)", "800"],
            &["12%", "13.5%"],
            &["12%", "5"],
            &["1", "2"],
            &["(1)", "(2)"],
            &["1,234", "1\u{a0}234"],
            &["$5", "5"],
        ] {
            assert_eq!(found(text, b','), [], "{text:?}");
        }
        // Semicolons and no decimal point: `1,234` may be 1.234.
        assert_eq!(found(&["1,234"], b';'), []);
        assert_eq!(found(&["1,234", "2.5"], b';')[0].1, DataType::Float64);
    }
}

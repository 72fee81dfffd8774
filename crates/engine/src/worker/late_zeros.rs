//! Whole numbers written so that they would change as numbers (`02134`, `-07`, `+5`, ` 5` with a space or a
//! tab before it), past the rows the types were inferred from. In those rows such a value keeps its column text (a leading zero: `headers::leading_zero`;
//! a `+`: polars infers it as text); further on polars' parser reads them as the integers 2134, -7 and 5. Here
//! a piece of whole records is searched for them in its integer columns, and a column that has one is
//! reported as a [`LateTypes`] error with the type text, for the conversion to start again with it so.
//!
//! Why a byte search and not a look at the values: polars parses integers straight from the bytes and keeps
//! nothing of how they were written. The search compares each byte with its neighbours in blocks that the
//! compiler vectorises (about 8 GB/s: 60 ms of one core for the 509 MB groupby table, which has no hit); only
//! a block with a candidate (a field starting `0` and a digit, `+` and a digit, or `-0`) is looked at again,
//! and only for a candidate that is such a number is the piece walked on (once, see [`Fields`]) to tell its
//! column.

use std::io;

use polars::prelude::*;
use polars_core::runtime::RAYON;
use rayon::prelude::*;

use super::headers;
use super::late_types::LateTypes;

const BLOCK: usize = 64;

/// Reports the integer columns (indices in `integers`) of `records` that hold a value written with a leading
/// zero or a `+`, as a [`LateTypes`] error making them text.
pub(super) fn check(records: &[u8], delimiter: u8, integers: &[usize]) -> PolarsResult<()> {
    if integers.is_empty() {
        return Ok(());
    }
    // Looked up once per candidate: a vector, not a search of `integers` (a file of candidates has millions).
    let width = integers.iter().max().map_or(0, |&i| i + 1);
    let mut integer = vec![false; width];
    for &i in integers {
        integer[i] = true;
    }
    let mut left = integers.len();
    let mut text = vec![false; width];
    let mut fields = Fields::new(records, delimiter);
    for start in candidates(records, delimiter) {
        // Most candidates (`-0.5`, `09:30`, `01/02/2024`) are no such number, told from their first bytes:
        // their column is not needed.
        let Some(end) = whole_number_end(records, start, delimiter) else {
            continue;
        };
        if !changes_as_integer(&String::from_utf8_lossy(&records[start..end])) {
            continue;
        }
        let Some(column) = fields.column_at(start) else {
            continue;
        };
        if integer.get(column).copied().unwrap_or(false) && !text[column] {
            text[column] = true;
            left -= 1;
            if left == 0 {
                break;
            }
        }
    }
    if left == integers.len() {
        return Ok(());
    }
    let types = (text.iter().enumerate())
        .filter(|(_, t)| **t)
        .map(|(i, _)| (i, DataType::String))
        .collect();
    Err(io::Error::from(LateTypes {
        types,
        dates: Vec::new(),
        past_float: Vec::new(),
    })
    .into())
}

/// The end of the field starting at `start` when it may be a whole number (blanks, signs, digits, blanks,
/// then the field's end), else `None`, seen as soon as a byte is none of these. Every value
/// [`changes_as_integer`] takes passes.
fn whole_number_end(bytes: &[u8], start: usize, delimiter: u8) -> Option<usize> {
    // A tab is a blank only when it is not the delimiter (a TSV).
    let blank = |b: u8| (b == b' ' || b == b'\t') && b != delimiter;
    let over = |mut i: usize, wanted: &dyn Fn(u8) -> bool| {
        while bytes.get(i).is_some_and(|&b| wanted(b)) {
            i += 1;
        }
        i
    };
    let digits = over(over(start, &blank), &|b| b == b'+' || b == b'-');
    let end = over(digits, &|b| b.is_ascii_digit());
    if end == digits {
        return None;
    }
    let end = over(end, &blank);
    match bytes.get(end) {
        None => Some(end),
        Some(&b) => (b == delimiter || matches!(b, b'\n' | b'\r' | b'"')).then_some(end),
    }
}

/// A whole number that an integer would not give back as written: a leading zero, a `+`, or spaces before
/// it (polars' parser skips them; its inference, in the first rows, keeps ` 5` text).
fn changes_as_integer(value: &str) -> bool {
    let trimmed = value.trim_start_matches([' ', '\t']);
    if trimmed.len() < value.len() {
        let digits = trimmed
            .trim_end()
            .strip_prefix(['+', '-'])
            .unwrap_or(trimmed.trim_end());
        return !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit());
    }
    let plus = value
        .strip_prefix('+')
        .is_some_and(|rest| !rest.is_empty() && rest.bytes().all(|b| b.is_ascii_digit()));
    plus || headers::leading_zero(value)
}

/// Whether the field that may start at `c` (after `prev`, followed by `next`) is a candidate.
#[inline(always)]
fn hit(prev: u8, c: u8, next: u8, delimiter: u8) -> bool {
    let starts = (prev == delimiter) | (prev == b'\n') | (prev == b'"');
    let digit = next.wrapping_sub(b'0') < 10;
    // A space or a tab before a number, a sign or more of them (` 5`, ` -07`, `\t 5`).
    let blank = (c == b' ') | (c == b'\t');
    let before_number = digit | (next == b'+') | (next == b'-') | (next == b' ') | (next == b'\t');
    starts
        & ((((c == b'0') | (c == b'+')) & digit)
            | ((c == b'-') & (next == b'0'))
            | (blank & before_number))
}

/// Where fields that may be such numbers start (a few more: `-0.5`, a `0` after a quote inside text), in
/// order. Stretches of the piece are searched on polars' threads: the search is bound by memory, and two
/// cores halve it.
fn candidates(bytes: &[u8], delimiter: u8) -> Vec<usize> {
    const STRETCH: usize = 4 << 20;
    let stretches: Vec<usize> = (0..bytes.len()).step_by(STRETCH).collect();
    RAYON.install(|| {
        stretches
            .into_par_iter()
            .flat_map_iter(|from| {
                candidates_in(bytes, from, (from + STRETCH).min(bytes.len()), delimiter)
            })
            .collect()
    })
}

/// [`candidates`] from `from` to `to` in `bytes`.
fn candidates_in(bytes: &[u8], from: usize, to: usize, delimiter: u8) -> Vec<usize> {
    let at = |i: usize| {
        let prev = i.checked_sub(1).map_or(b'\n', |p| bytes[p]);
        let next = bytes.get(i + 1).copied().unwrap_or(0);
        hit(prev, bytes[i], next, delimiter)
    };
    let mut found = Vec::new();
    let mut k = from;
    if k == 0 && k < to {
        if at(0) {
            found.push(0);
        }
        k = 1;
    }
    while k + BLOCK <= to && k + BLOCK < bytes.len() {
        let prev: &[u8; BLOCK] = bytes[k - 1..k - 1 + BLOCK].try_into().expect("a block");
        let cur: &[u8; BLOCK] = bytes[k..k + BLOCK].try_into().expect("a block");
        let next: &[u8; BLOCK] = bytes[k + 1..k + 1 + BLOCK].try_into().expect("a block");
        // No early exit: the loop stays branch-free and vectorises.
        let mut any = false;
        for j in 0..BLOCK {
            any |= hit(prev[j], cur[j], next[j], delimiter);
        }
        if any {
            found.extend((k..k + BLOCK).filter(|&i| at(i)));
        }
        k += BLOCK;
    }
    found.extend((k..to).filter(|&i| at(i)));
    found
}

/// The fields of a piece of whole records, walked forward once from its start: the quote state and the field
/// index are carried from one candidate to the next, so a candidate inside a quoted value that spans lines
/// (`"12 Main St\n02134"`) is told from a field's start, and no line is read twice. Quotes are told as polars'
/// parser and Python's csv module tell them: one opens a value only at a field's start (`27" wide` is a
/// character), and inside a quoted value a doubled one is a quote.
struct Fields<'a> {
    bytes: &'a [u8],
    delimiter: u8,
    /// Walked up to here.
    at: usize,
    column: usize,
    /// Where the current field starts.
    field: usize,
    quoted: bool,
}

impl<'a> Fields<'a> {
    fn new(bytes: &'a [u8], delimiter: u8) -> Self {
        Self {
            bytes,
            delimiter,
            at: 0,
            column: 0,
            field: 0,
            quoted: false,
        }
    }

    /// The column of the field starting at `start` (at or after the last one asked about), or `None` when
    /// no field starts there (the candidate is inside a value).
    fn column_at(&mut self, start: usize) -> Option<usize> {
        let bytes = &self.bytes[..start];
        while self.at < start {
            if self.quoted {
                // Only a quote ends a quoted value: delimiters and line ends are its characters.
                match memchr::memchr(b'"', &bytes[self.at..]) {
                    Some(n) => (self.at, self.quoted) = (self.at + n + 1, false),
                    None => self.at = start,
                }
                continue;
            }
            let Some(n) = memchr::memchr3(self.delimiter, b'\n', b'"', &bytes[self.at..]) else {
                self.at = start;
                break;
            };
            let i = self.at + n;
            self.at = i + 1;
            match bytes[i] {
                // At a field's start, or after its closing quote (a doubled quote), a quote opens.
                b'"' => self.quoted = i == self.field || self.bytes[self.field] == b'"',
                b'\n' => (self.column, self.field) = (0, i + 1),
                _ => (self.column, self.field) = (self.column + 1, i + 1),
            }
        }
        // A field starting with a quote: the candidate is the quote's first character.
        let starts = match self.quoted {
            false => start == self.field,
            true => start == self.field + 1 && self.bytes[self.field] == b'"',
        };
        starts.then_some(self.column)
    }
}

#[cfg(test)]
mod tests {
    use super::super::late_types;
    use super::*;

    fn made_text(records: &str, integers: &[usize]) -> Vec<usize> {
        match check(records.as_bytes(), b',', integers) {
            Ok(()) => Vec::new(),
            Err(error) => late_types::found(&error)
                .unwrap()
                .types
                .iter()
                .map(|(i, dtype)| {
                    assert_eq!(*dtype, DataType::String);
                    *i
                })
                .collect(),
        }
    }

    #[test]
    fn only_integers_written_otherwise_make_their_column_text() {
        assert_eq!(made_text("1,02134\n", &[0, 1]), [1]);
        assert_eq!(made_text("01,2\n", &[0, 1]), [0]);
        assert_eq!(made_text("1,+5\n", &[0, 1]), [1]);
        assert_eq!(made_text("1,-07\n", &[0, 1]), [1]);
        assert_eq!(made_text("1,\"007\"\n", &[0, 1]), [1]);
        for blank in [
            "1, 5\n",
            "1, 02134\n",
            "1, +5\n",
            "1, -07\n",
            "1,\t5\n",
            "1,\" 02134\"\n",
            "1,  5\n",
        ] {
            assert_eq!(made_text(blank, &[0, 1]), [1], "{blank:?}");
        }
        // Long pieces: candidates inside the vectorised blocks, and every candidate of a piece of several
        // stretches, in order, at the stretches' edges too.
        let long = format!("{}9,0123\n", "1,2\n".repeat(100));
        assert_eq!(made_text(&long, &[0, 1]), [1]);
        let many = "0,01\n".repeat(3 << 20);
        let found = candidates(many.as_bytes(), b',');
        assert_eq!(found.len(), 3 << 20);
        assert!(found.iter().enumerate().all(|(i, &at)| at == 5 * i + 2));
        for fine in [
            "1,0\n",
            "0,-0.5\n",
            "1,-5\n",
            "1,0.25\n",
            "x,\"a,01\"\n",
            "1,10\n",
            "1, x\n",
            "1, -\n",
            "1, 2.5\n",
            "",
        ] {
            assert_eq!(made_text(fine, &[0, 1]), Vec::<usize>::new(), "{fine:?}");
        }
        // Not an integer column: text, a date, a time.
        assert_eq!(made_text("09:30,01/02/2024\n", &[]), Vec::<usize>::new());
        assert_eq!(made_text("a,09:30\n", &[0]), Vec::<usize>::new());
    }

    /// Before: each candidate's column was counted from its own line's start, so the line of a quoted value
    /// that spans lines was read as a record: `02134`, the second line of an address, made the integer
    /// column `id` text, and a real `02` after such a value was missed.
    #[test]
    fn a_quoted_value_over_lines_is_one_field() {
        assert_eq!(
            made_text("1,\"12 Main St\n02134\"\n2,\"x\"\n", &[0]),
            Vec::<usize>::new()
        );
        assert_eq!(made_text("\"x\n,y\",02\n", &[1]), [1]);
        assert_eq!(
            made_text("\"a\"\"\n007\",1\n", &[0, 1]),
            Vec::<usize>::new()
        );
        // A quote inside an unquoted value is a character: it opens nothing.
        assert_eq!(made_text("27\" wide,1\n2,007\n", &[0, 1]), [1]);
        assert_eq!(made_text("1,x\n\"2\n007\",3\n", &[0]), Vec::<usize>::new());
        // In a TSV a tab ends the value.
        assert!(check(b"1\t007\t5\n", b'\t', &[1]).is_err());
        assert!(check(b"1\t 5\t5\n", b'\t', &[1]).is_err());
    }
}

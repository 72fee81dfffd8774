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
//! and only a candidate's own line is read to tell its column.

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
    let mut text: Vec<usize> = Vec::new();
    for start in candidates(records, delimiter) {
        let Some(column) = column_at(records, start, delimiter) else {
            continue;
        };
        if !integers.contains(&column) || text.contains(&column) {
            continue;
        }
        let end = records[start..]
            .iter()
            .position(|&b| b == delimiter || matches!(b, b'\n' | b'\r' | b'"'))
            .map_or(records.len(), |n| start + n);
        if changes_as_integer(&String::from_utf8_lossy(&records[start..end])) {
            text.push(column);
        }
    }
    if text.is_empty() {
        return Ok(());
    }
    let types = text.into_iter().map(|i| (i, DataType::String)).collect();
    Err(io::Error::from(LateTypes {
        types,
        dates: Vec::new(),
    })
    .into())
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

/// The column of the field starting at `start`: the delimiters outside quotes before it on its line. A
/// candidate inside a quoted value that spans lines may be put in the wrong column; it is then read as text
/// and checked, which only misses such a value (it never makes a column text on its own).
fn column_at(bytes: &[u8], start: usize, delimiter: u8) -> Option<usize> {
    let line = memchr::memrchr(b'\n', &bytes[..start]).map_or(0, |n| n + 1);
    let (mut column, mut quoted) = (0usize, false);
    for &b in &bytes[line..start] {
        match b {
            b'"' => quoted = !quoted,
            _ if b == delimiter && !quoted => column += 1,
            _ => {}
        }
    }
    // A field starting with a quote: the candidate is the quote's first character.
    let opens_quote = start > line && bytes[start - 1] == b'"';
    (quoted == opens_quote).then_some(column)
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
}

//! Finding where a CSV went wrong, after polars has failed (so the happy path never pays for it).

use std::path::Path;

fn reader(path: &Path, delimiter: u8) -> Option<csv::Reader<std::fs::File>> {
    csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .flexible(true)
        .from_path(path)
        .ok()
}

/// The 1-based line of the first record whose field count differs from `expected`, and that count.
/// A blank line is not a record; a record that the CSV grammar cannot parse (a stray quote) counts too.
/// `sep_line`: the first record is Excel's `sep=;` line, not one of the file's rows.
pub(crate) fn ragged_row(
    path: &Path,
    delimiter: u8,
    expected: usize,
    sep_line: bool,
) -> Option<(u64, usize)> {
    let mut reader = reader(path, delimiter)?;
    let mut record = csv::ByteRecord::new();
    if sep_line {
        reader.read_byte_record(&mut record).ok()?;
    }
    loop {
        match reader.read_byte_record(&mut record) {
            Ok(false) => return None,
            Ok(true) if record.len() != expected => {
                let line = record.position().and_then(|p| line_of(path, p))?;
                return Some((line, record.len()));
            }
            Ok(true) => {}
            Err(e) => {
                let line = e.position().and_then(|p| line_of(path, p))?;
                return Some((line, 0));
            }
        }
    }
}

/// The line a record starts on, counted from its byte offset: the `csv` crate's own line count skips blank
/// lines and miscounts lines ended by `\r\n`, so a 422 named a line before the one at fault. Its offset can
/// point at the line ends before the record (the `\n` of a `\r\n`, blank lines): they are stepped over.
fn line_of(path: &Path, position: &csv::Position) -> Option<u64> {
    use std::io::{Read, Seek, SeekFrom};
    let mut file = std::fs::File::open(path).ok()?;
    file.seek(SeekFrom::Start(position.byte())).ok()?;
    let mut skipped = 0;
    let mut byte = [0u8; 1];
    let mut reader = std::io::BufReader::new(file);
    while reader.read(&mut byte).ok()? == 1 && matches!(byte[0], b'\r' | b'\n') {
        skipped += 1;
    }
    line_at(path, position.byte() + skipped)
}

/// From polars' "could not parse `VALUE` as dtype `T` at column 'NAME'", the value and the column name.
pub(crate) fn bad_value(message: &str) -> Option<(String, Option<String>)> {
    let after = message.split("could not parse `").nth(1)?;
    let (value, rest) = after.split_once('`')?;
    let column = rest
        .split("at column '")
        .nth(1)
        .and_then(|r| r.split_once('\''))
        .map(|(c, _)| c.to_owned());
    Some((value.to_owned(), column))
}

/// The 1-based line of the first record holding `value` (in column `index` when known), header skipped.
pub(crate) fn value_line(
    path: &Path,
    delimiter: u8,
    value: &str,
    index: Option<usize>,
) -> Option<u64> {
    let (_, line) = first_record(path, delimiter, |record| {
        let hit = match index {
            Some(i) => record.get(i) == Some(value.as_bytes()),
            None => record.iter().any(|f| f == value.as_bytes()),
        };
        hit.then_some(())
    })?;
    Some(line)
}

/// The first whole number in column `index` (header skipped) that a 64-bit float does not hold exactly
/// (past 2^53), and its line.
pub(crate) fn inexact_integer(path: &Path, delimiter: u8, index: usize) -> Option<(String, u64)> {
    first_record(path, delimiter, |record| {
        let field = std::str::from_utf8(record.get(index)?).ok()?.trim();
        let whole = field.strip_prefix(['+', '-']).unwrap_or(field);
        if whole.is_empty() || !whole.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        // Whole numbers past i128 are not exact either.
        let exact = field
            .parse::<i128>()
            .is_ok_and(|v| (v as f64) as i128 == v && (v as f64).abs() < 1.7e38);
        (!exact).then(|| field.to_owned())
    })
}

/// What `pick` finds in the first record (header skipped) where it finds anything, and that record's line.
fn first_record<T>(
    path: &Path,
    delimiter: u8,
    mut pick: impl FnMut(&csv::ByteRecord) -> Option<T>,
) -> Option<(T, u64)> {
    let mut reader = reader(path, delimiter)?;
    let mut record = csv::ByteRecord::new();
    let mut first = true;
    while reader.read_byte_record(&mut record).ok()? {
        if std::mem::take(&mut first) {
            continue;
        }
        if let Some(found) = pick(&record) {
            let line = record.position().and_then(|p| line_of(path, p))?;
            return Some((found, line));
        }
    }
    None
}

/// The 1-based line of the first line of the file that contains `needle` (a raw text search).
pub(crate) fn raw_line(path: &Path, needle: &str) -> Option<u64> {
    use std::io::BufRead;
    if needle.is_empty() {
        return None;
    }
    let file = std::io::BufReader::new(std::fs::File::open(path).ok()?);
    let mut line_number = 0u64;
    for line in file.split(b'\n') {
        line_number += 1;
        let line = line.ok()?;
        if line.windows(needle.len()).any(|w| w == needle.as_bytes()) {
            return Some(line_number);
        }
    }
    None
}

/// The 1-based line of the byte at `offset`.
pub(crate) fn line_at(path: &Path, offset: u64) -> Option<u64> {
    use std::io::Read;
    let mut file = std::fs::File::open(path).ok()?.take(offset);
    let mut buffer = vec![0; 1 << 20];
    let mut newlines = 0u64;
    loop {
        let read = file.read(&mut buffer).ok()?;
        if read == 0 {
            return Some(newlines + 1);
        }
        newlines += memchr::memchr_iter(b'\n', &buffer[..read]).count() as u64;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(text: &str) -> (tempfile_path::Guard, std::path::PathBuf) {
        tempfile_path::write(text)
    }

    mod tempfile_path {
        pub struct Guard(pub std::path::PathBuf);
        impl Drop for Guard {
            fn drop(&mut self) {
                let _ = std::fs::remove_file(&self.0);
            }
        }
        pub fn write(text: &str) -> (Guard, std::path::PathBuf) {
            use std::sync::atomic::{AtomicUsize, Ordering};
            static N: AtomicUsize = AtomicUsize::new(0);
            let path = std::env::temp_dir().join(format!(
                "engine-locate-{}-{}.csv",
                std::process::id(),
                N.fetch_add(1, Ordering::Relaxed)
            ));
            std::fs::write(&path, text).unwrap();
            (Guard(path.clone()), path)
        }
    }

    #[test]
    fn ragged_rows_are_found_by_line() {
        let (_g, path) = file("a,b\n1,2\n\"multi\nline\",3\n4,5,6\n");
        assert_eq!(ragged_row(&path, b',', 2, false), Some((5, 3)));
        let (_g2, fine) = file("a,b\n1,2\n");
        assert_eq!(ragged_row(&fine, b',', 2, false), None);
    }

    /// Before: the `csv` crate's line numbers, one too low for each `\r\n` before the record (C1) and for
    /// each blank line (C2).
    #[test]
    fn lines_count_crlf_and_blank_lines() {
        let (_g, crlf) = file("a,b\r\n1,2\r\n3,4,5\r\n");
        assert_eq!(ragged_row(&crlf, b',', 2, false), Some((3, 3)));
        let (_g2, blank) = file("a,b\n1,2\n\n3,4,5\n");
        assert_eq!(ragged_row(&blank, b',', 2, false), Some((4, 3)));
        let (_g3, value) = file("s,n\r\n\r\nx,1\r\ny,abc\r\n");
        assert_eq!(value_line(&value, b',', "abc", Some(1)), Some(4));
    }

    #[test]
    fn offsets_are_found_by_line() {
        let (_g, path) = file("a,b\n1,\"x\ny\"\n");
        assert_eq!(line_at(&path, 0), Some(1));
        assert_eq!(line_at(&path, 3), Some(1));
        assert_eq!(line_at(&path, 4), Some(2));
        assert_eq!(line_at(&path, 10), Some(3));
    }

    #[test]
    fn bad_values_are_found_by_column() {
        let msg = "could not parse `abc` as dtype `i64` at column 'n' (column number 2)";
        assert_eq!(bad_value(msg), Some(("abc".into(), Some("n".into()))));
        let (_g, path) = file("s,n\nabc,1\nx,abc\n");
        assert_eq!(value_line(&path, b',', "abc", Some(1)), Some(3));
        assert_eq!(value_line(&path, b',', "abc", None), Some(2));
    }
}

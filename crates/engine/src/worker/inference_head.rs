//! The start of a CSV that polars infers the column types from, cut at record ends as [`super::records`]
//! reads them.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::PathBuf;

use polars::prelude::*;

use super::ingest::INFER_ROWS;
use super::pieces::UnclosedQuote;
use super::records::{long_records, record_ends_of_file, stray_quotes};
use super::source::CsvSource;
use super::text_for_polars;
use crate::protocol::with_suffix;

/// A copy for polars to infer the schema from: the file's first records, more than twice the [`INFER_ROWS`]
/// polars looks at (so that it sees the rows it would see in the whole file), cut where [`super::records`]
/// finds them end; behind a byte-order mark when the file starts like compressed data (see
/// [`text_for_polars`]). `whole`: all of the file. `None` when polars can read the complete file itself: the
/// copy would not differ from its start.
///
/// Why a copy when it would differ: polars' inference pairs every quote, so a quote inside a value
/// (`27" wide`) made it take the rest of the file for one line. It then inferred the types from the rows
/// before that value alone (a column of decimals whose first rows were whole numbers was refused), and it
/// read that line again with each further slice it read: a 100 MB file with one such value took 3.4 s
/// instead of 0.4 s, growing with the square of the size. In the copy such quotes are apostrophes. An
/// upload still arriving has only its start to read, too.
pub(super) fn head_for_inference(
    csv: &mut CsvSource,
    delimiter: u8,
    whole: bool,
) -> PolarsResult<Option<TempFile>> {
    let records = 2 * INFER_ROWS + 2;
    let mut want: u64 = if whole { u64::MAX } else { 1 << 20 };
    loop {
        let available = csv.wait_for(want)?;
        // All of the file is in `start`: it is complete, and no longer than what was asked for.
        let complete = csv.total() == Some(available);
        let start = csv.map(
            0,
            usize::try_from(available).map_err(std::io::Error::other)?,
        )?;
        let end = if whole {
            complete.then_some(start.len())
        } else {
            let mut ends = record_ends_of_file(&start, delimiter);
            match ends.nth(records - 1) {
                Some(end) => Some(end),
                None if !complete => None,
                // Fewer records than polars reads. One quoted value left open runs to the end: refused here,
                // as polars would read the rest of the file over and over to find the end of that line.
                None => match ends.open_quote() {
                    Some(at) => {
                        let unclosed = std::io::Error::from(UnclosedQuote { offset: at as u64 });
                        return Err(unclosed.into());
                    }
                    None => Some(start.len()),
                },
            }
        };
        let Some(end) = end else {
            want = want.saturating_mul(4);
            continue;
        };
        let text = &start[..end];
        let shielded = text_for_polars::looks_compressed(text);
        let strays = stray_quotes(text, delimiter);
        // Left out: polars' inference would take time growing with the square of their length. Such values
        // are text; where their column is numbers elsewhere, the conversion widens it ([`super::widen`]).
        let long = long_records(text, delimiter);
        // Polars reads the start of the file as this copy would have it: no need for one.
        if csv.total().is_some() && !shielded && strays.is_empty() && long.is_empty() {
            return Ok(None);
        }
        let head = TempFile(with_suffix(csv.path(), ".head"));
        let mut copy = BufWriter::new(File::create(&head.0)?);
        // Behind a mark only when it looks compressed: a mark of the file's own is one polars should strip.
        if shielded {
            copy.write_all(text_for_polars::BOM)?;
        }
        // A quote inside a value becomes an apostrophe: to polars' line count an opening quote, it would
        // join the lines up to the next quote into one record. The value stays text either way.
        let mut strays = strays.into_iter().peekable();
        let mut from = 0;
        for left_out in long
            .into_iter()
            .chain(std::iter::once(text.len()..text.len()))
        {
            while let Some(stray) = strays.next_if(|&stray| stray < left_out.start) {
                copy.write_all(&text[from..stray])?;
                copy.write_all(b"'")?;
                from = stray + 1;
            }
            copy.write_all(&text[from..left_out.start])?;
            while strays.next_if(|&stray| stray < left_out.end).is_some() {}
            from = left_out.end;
        }
        copy.into_inner().map_err(|e| e.into_error())?;
        return Ok(Some(head));
    }
}

/// A file removed when dropped.
pub(super) struct TempFile(pub(super) PathBuf);

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn head_of(text: &[u8], whole: bool) -> PolarsResult<Option<Vec<u8>>> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.csv");
        std::fs::write(&path, text).unwrap();
        let mut source = CsvSource::complete(&path).unwrap();
        let head = head_for_inference(&mut source, b',', whole)?;
        Ok(head.map(|head| std::fs::read(&head.0).unwrap()))
    }

    /// More records than polars infers from: their start is copied, cut after a record, and a quote inside a
    /// value (which polars would pair with the next one, to the end of the file) moves no cut.
    #[test]
    fn a_long_file_gives_its_first_records() {
        let records = 2 * INFER_ROWS + 2;
        let mut text = String::from("size,n\n");
        text.push_str("27\" wide,1\n\"quoted\nline\",2\n");
        for i in 0..3 * records {
            text.push_str(&format!("x{i},{i}\n"));
        }
        let head = head_of(text.as_bytes(), false).unwrap().expect("a head");
        let head = String::from_utf8(head).unwrap();
        assert!(
            head.starts_with("size,n\n27' wide,1\n\"quoted\nline\",2\n"),
            "{head}"
        );
        assert!(text.starts_with(&head.replacen("27' wide", "27\" wide", 1)));
        assert_eq!(
            head.matches('\n').count(),
            records + 1,
            "one newline is quoted"
        );
        // All of it, its quotes inside values made apostrophes.
        let all = head_of(text.as_bytes(), true).unwrap().expect("a copy");
        assert_eq!(all, text.replacen("27\" wide", "27' wide", 1).into_bytes());
        // Without such quotes, polars reads the file itself.
        let plain = text.replacen("27\" wide", "27 wide", 1);
        assert_eq!(head_of(plain.as_bytes(), true).unwrap(), None);
        assert_eq!(head_of(plain.as_bytes(), false).unwrap(), None);
    }

    /// Records of 8 MiB or more are left out (the header aside), quotes inside values and all.
    #[test]
    fn long_records_are_left_out() {
        let value = "y".repeat(super::super::records::LONG_RECORD);
        let text = format!("a,b\n1,\"{value}\"\n2,6'5\" tall\n3,{value}\"\n4,x\"y\n");
        let head = head_of(text.as_bytes(), false).unwrap().expect("a head");
        assert_eq!(
            String::from_utf8(head).unwrap(),
            "a,b\n2,6'5' tall\n4,x'y\n"
        );
    }

    /// Fewer records: polars reads the file itself; unless it starts like compressed data, or a quoted value
    /// runs to its end.
    #[test]
    fn a_short_file_is_read_whole_or_refused() {
        assert_eq!(head_of(b"a,b\n1,2\n", false).unwrap(), None);
        assert_eq!(
            head_of(b"x^2,b\n1,2\n", false).unwrap().as_deref(),
            Some(&b"\xEF\xBB\xBFx^2,b\n1,2\n"[..])
        );
        // A quote left open past the first mebibyte read: the whole file is looked at before it is refused.
        let mut open = b"a,b\n1,\"open\n".to_vec();
        open.extend(b"3,4\n".repeat(1 << 19));
        let error = head_of(&open, false).unwrap_err();
        let PolarsError::IO { error, .. } = error else {
            panic!("{error}")
        };
        let unclosed = error
            .get_ref()
            .and_then(|e| e.downcast_ref::<UnclosedQuote>());
        assert_eq!(unclosed.map(|u| u.offset), Some(6));
    }
}

//! Reading a CSV in pieces that end on record boundaries, so that each piece parses on its own and the memory
//! an ingest needs is bounded by the piece size, not by the file's.
//!
//! A newline ends a record only outside a quoted value, as [`super::records`] reads them.

use std::io;
use std::path::Path;

use super::quote_fault::TextAfterQuote;
use super::records::scan;
use super::source::{CsvSource, Window};

/// The file ends inside a quoted value, which opens at `offset`.
#[derive(Debug, thiserror::Error)]
#[error("a quoted value is never closed")]
pub(crate) struct UnclosedQuote {
    pub(crate) offset: u64,
}

impl From<UnclosedQuote> for io::Error {
    fn from(unclosed: UnclosedQuote) -> Self {
        io::Error::new(io::ErrorKind::InvalidData, unclosed)
    }
}

/// Splits a CSV into pieces of about `target` bytes, each made of whole records and mapped on its own.
pub(crate) struct Pieces<'a> {
    source: &'a mut CsvSource,
    target: usize,
    delimiter: u8,
    /// Where the next piece starts.
    offset: u64,
    finished: bool,
}

impl<'a> Pieces<'a> {
    pub(crate) fn new(source: &'a mut CsvSource, target: usize, delimiter: u8) -> Self {
        Self {
            source,
            target: target.max(1),
            delimiter,
            offset: 0,
            finished: false,
        }
    }

    /// The next piece: whole records (the file's last one may lack its newline), or `None` at the end.
    /// Waits for the bytes of an upload still arriving.
    pub(crate) fn next_piece(&mut self) -> io::Result<Option<Window>> {
        if self.finished {
            return Ok(None);
        }
        let mut want = self.target as u64;
        loop {
            let end = self.offset.saturating_add(want);
            let available = self.source.wait_for(end)?;
            let len = usize::try_from(available - self.offset).map_err(io::Error::other)?;
            let window = self.source.map(self.offset, len)?;
            let scanned = scan(&window, self.delimiter, self.offset == 0);
            // Refused before it is parsed: polars' splitter drops the quotes (see `quote_fault`).
            let fault = |(opened, after)| TextAfterQuote::new(&window, opened, after, self.offset);
            if available < end {
                // The end of the file: the rest is the last piece.
                self.finished = true;
                if let Some(found) = scanned.after_quote {
                    return Err(fault(found).into());
                }
                let start = std::mem::replace(&mut self.offset, available);
                // Refused before it is parsed: polars would read the rest of the file as one value, or a lone
                // quote ending it as an empty one (a null, in a column of numbers).
                if let Some(at) = scanned.open_quote {
                    let offset = start + at as u64;
                    return Err(UnclosedQuote { offset }.into());
                }
                return Ok((len > 0).then_some(window));
            }
            if let Some(boundary) = scanned.last_end {
                // Past the boundary, the next piece looks again from its record's start.
                if let Some(found) = scanned.after_quote.filter(|(_, after)| *after < boundary) {
                    return Err(fault(found).into());
                }
                self.offset += boundary as u64;
                return Ok(Some(window.truncated(boundary)));
            }
            // One record longer than the piece (a huge quoted value): look further until it ends.
            want = want.saturating_mul(2);
        }
    }
}

/// The first quoted value of the file at `path` with text after its closing quote, found as the conversion
/// finds it: for a failure polars met first (its type inference reads `"a"b"c` to the file's end).
pub(crate) fn text_after_quote(path: &Path, delimiter: u8) -> Option<TextAfterQuote> {
    let mut source = CsvSource::complete(path).ok()?;
    let mut pieces = Pieces::new(&mut source, 8 << 20, delimiter);
    loop {
        match pieces.next_piece() {
            Ok(Some(_)) => {}
            Ok(None) => return None,
            Err(error) => return error.into_inner()?.downcast().ok().map(|fault| *fault),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(text: &str, target: usize) -> Vec<String> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.csv");
        std::fs::write(&path, text).unwrap();
        let mut source = CsvSource::complete(&path).unwrap();
        let mut pieces = Pieces::new(&mut source, target, b',');
        let mut out = Vec::new();
        while let Some(p) = pieces.next_piece().unwrap() {
            out.push(String::from_utf8(p.to_vec()).unwrap());
        }
        out
    }

    #[test]
    fn pieces_end_on_records_and_rejoin_to_the_input() {
        let text = "a,b\n1,\"x\ny\"\n2,\"he said \"\"hi\"\"\"\n3,z\r\n4,w";
        for target in 1..text.len() + 2 {
            let pieces = split(text, target);
            assert_eq!(pieces.concat(), text, "target {target}");
            for piece in &pieces[..pieces.len() - 1] {
                assert!(piece.ends_with('\n'), "target {target}: {piece:?}");
                let quotes = piece.matches('"').count();
                assert_eq!(
                    quotes % 2,
                    0,
                    "target {target}: a piece ends inside quotes: {piece:?}"
                );
            }
        }
    }

    /// A file still being written: pieces wait for their bytes, and still end on records and rejoin to it.
    #[test]
    fn pieces_of_a_growing_file_wait_for_their_bytes() {
        use std::io::Write;
        let text: String = (0..2_000)
            .map(|i| format!("{i},\"x\ny{i}\",{}\n", i % 7))
            .collect();
        let dir = tempfile::tempdir().unwrap();
        let (path, marker) = (dir.path().join("t.csv"), dir.path().join("t.csv.complete"));
        let writer = std::thread::spawn({
            let (path, text) = (path.clone(), text.clone());
            move || {
                let mut file = std::fs::File::create(&path).unwrap();
                for part in text.as_bytes().chunks(997) {
                    file.write_all(part).unwrap();
                    std::thread::sleep(std::time::Duration::from_millis(1));
                }
                crate::protocol::announce_completion(&marker, text.len() as u64).unwrap();
            }
        });
        let mut source = CsvSource::growing(&path, dir.path().join("t.csv.complete")).unwrap();
        let mut pieces = Pieces::new(&mut source, 1_500, b',');
        let mut out = Vec::new();
        while let Some(p) = pieces.next_piece().unwrap() {
            out.push(String::from_utf8(p.to_vec()).unwrap());
        }
        writer.join().unwrap();
        assert!(out.len() > 10, "{}", out.len());
        for piece in &out {
            assert!(
                piece.ends_with('\n') && piece.matches('"').count() % 2 == 0,
                "{piece:?}"
            );
        }
        assert_eq!(out.concat(), text);
    }

    /// However the file is cut, a quoted value it never closes is refused, pointing at its opening quote.
    #[test]
    fn a_quote_never_closed_is_refused_where_it_opens() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.csv");
        for (text, opens) in [
            ("a,b\n1,2\n5,\"", 10),
            ("a,b\n1,2\n5,\"\n", 10),
            ("a,\"b\n1,2\n3,4\n", 2),
            ("a,b\n\"x\ny\",2\n3,\"z\n4,5\n", 14),
        ] {
            std::fs::write(&path, text).unwrap();
            for target in 1..text.len() + 2 {
                let error = first_error(&path, target);
                let unclosed = error
                    .get_ref()
                    .and_then(|e| e.downcast_ref::<UnclosedQuote>());
                assert_eq!(
                    unclosed.map(|u| u.offset),
                    Some(opens),
                    "{text:?}, target {target}"
                );
            }
        }
    }

    /// The error of reading `path` in pieces of about `target` bytes, which must come before its end.
    fn first_error(path: &std::path::Path, target: usize) -> std::io::Error {
        let mut source = CsvSource::complete(path).unwrap();
        let mut pieces = Pieces::new(&mut source, target, b',');
        loop {
            match pieces.next_piece() {
                Ok(Some(_)) => {}
                Ok(None) => panic!("{}, target {target}: read to the end", path.display()),
                Err(error) => return error,
            }
        }
    }

    /// However the file is cut, the first quoted value with text after its closing quote is refused, pointing
    /// at that text; one in a record the piece cuts off is found in the next.
    #[test]
    fn text_after_a_closing_quote_is_refused_wherever_the_pieces_end() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.csv");
        let text = "a,b\n1,\"x\ny\"\n2,\"p\"q\n3,\"r\" \n";
        std::fs::write(&path, text).unwrap();
        for target in 1..text.len() + 2 {
            let error = first_error(&path, target);
            let fault = error
                .get_ref()
                .and_then(|e| e.downcast_ref::<TextAfterQuote>());
            assert_eq!(fault.map(|f| f.offset), Some(17), "target {target}");
        }
        assert_eq!(text_after_quote(&path, b',').map(|f| f.offset), Some(17));
    }

    #[test]
    fn a_record_longer_than_the_target_stays_whole() {
        let long = format!("1,\"{}\n{}\"\n2,b\n", "x".repeat(100), "y".repeat(100));
        let pieces = split(&long, 8);
        assert!(pieces[0].len() > 200, "{pieces:?}");
        assert_eq!(pieces.concat(), long);
    }

    /// A quote in the middle of a value is a character, so it never makes a real newline look quoted, nor a
    /// quoted one look real.
    #[test]
    fn quotes_inside_unquoted_values_do_not_move_the_cuts() {
        let text = "name,size\nMonitor,27\" wide\nnote,\"two\nlines\"\nTV,55\" wide\n";
        for target in 1..text.len() + 2 {
            let pieces = split(text, target);
            assert_eq!(pieces.concat(), text, "target {target}");
            for piece in &pieces {
                assert!(
                    !piece.starts_with("lines") && !piece.ends_with("two\n"),
                    "target {target}: cut inside a quoted value: {pieces:?}"
                );
            }
        }
    }

    /// The file's byte-order mark is not part of its first field, so the quote after it opens that field.
    #[test]
    fn a_quote_after_the_byte_order_mark_opens_the_first_field() {
        let text = "\u{feff}\"h\n\"\"\",v\n1,\"p\nq\"\n2,x\n";
        for target in 1..text.len() + 2 {
            let pieces = split(text, target);
            assert_eq!(pieces.concat(), text, "target {target}");
            assert!(
                pieces
                    .iter()
                    .all(|p| !p.starts_with("q") && !p.starts_with("\"\"\"")),
                "target {target}: cut inside a quoted value: {pieces:?}"
            );
        }
    }

    #[test]
    fn empty_input_has_no_pieces() {
        assert!(split("", 4).is_empty());
    }
}

//! Reading a CSV in pieces that end on record boundaries, so that each piece parses on its own and the memory
//! an ingest needs is bounded by the piece size, not by the file's.
//!
//! A newline ends a record only outside quotes. Quotes inside a quoted value are doubled (`""`), so a newline
//! is outside quotes exactly when an even number of `"` precede it in the piece, which starts on a record.

use std::io;

use super::source::{CsvSource, Window};

/// Splits a CSV into pieces of about `target` bytes, each made of whole records and mapped on its own.
pub(crate) struct Pieces<'a> {
    source: &'a mut CsvSource,
    target: usize,
    /// Where the next piece starts.
    offset: u64,
    finished: bool,
}

impl<'a> Pieces<'a> {
    pub(crate) fn new(source: &'a mut CsvSource, target: usize) -> Self {
        Self {
            source,
            target: target.max(1),
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
            if available < end {
                // The end of the file: the rest is the last piece.
                self.finished = true;
                self.offset = available;
                return Ok((len > 0).then_some(window));
            }
            if let Some(boundary) = last_boundary(&window) {
                self.offset += boundary as u64;
                return Ok(Some(window.truncated(boundary)));
            }
            // One record longer than the piece (a huge quoted value): look further until it ends.
            want = want.saturating_mul(2);
        }
    }
}

/// The index just past the last newline outside quotes, if there is one.
pub(crate) fn last_boundary(piece: &[u8]) -> Option<usize> {
    let quotes = memchr::memchr_iter(b'"', piece).count();
    // Walk back from the end, counting the quotes after each newline: the ones before it are the rest.
    let mut after = 0usize;
    for i in memchr::memrchr2_iter(b'"', b'\n', piece) {
        if piece[i] == b'"' {
            after += 1;
        } else if (quotes - after).is_multiple_of(2) {
            return Some(i + 1);
        }
    }
    None
}

/// The index just past the `n`th newline outside quotes, if the piece has that many.
pub(crate) fn nth_record_end(piece: &[u8], n: usize) -> Option<usize> {
    let mut inside = false;
    let mut seen = 0;
    for i in memchr::memchr2_iter(b'"', b'\n', piece) {
        if piece[i] == b'"' {
            inside = !inside;
        } else if !inside {
            seen += 1;
            if seen == n {
                return Some(i + 1);
            }
        }
    }
    None
}

/// The index just past the first record (the header line), quotes respected; the whole piece if it has one
/// record only.
pub(crate) fn first_record_end(piece: &[u8]) -> usize {
    nth_record_end(piece, 1).unwrap_or(piece.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(text: &str, target: usize) -> Vec<String> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.csv");
        std::fs::write(&path, text).unwrap();
        let mut source = CsvSource::complete(&path).unwrap();
        let mut pieces = Pieces::new(&mut source, target);
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
        let mut pieces = Pieces::new(&mut source, 1_500);
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

    #[test]
    fn a_record_longer_than_the_target_stays_whole() {
        let long = format!("1,\"{}\n{}\"\n2,b\n", "x".repeat(100), "y".repeat(100));
        let pieces = split(&long, 8);
        assert!(pieces[0].len() > 200, "{pieces:?}");
        assert_eq!(pieces.concat(), long);
    }

    #[test]
    fn the_boundary_ignores_newlines_inside_quotes() {
        assert_eq!(last_boundary(b"a,\"b\nc"), None);
        assert_eq!(last_boundary(b"a,b\nc,\"d\ne"), Some(4));
        assert_eq!(last_boundary(b"no newline"), None);
        assert_eq!(first_record_end(b"\"h\n1\",h2\n1,2\n"), 9);
        assert_eq!(first_record_end(b"only"), 4);
        assert_eq!(nth_record_end(b"a\n\"b\nc\"\nd\ne", 2), Some(8));
        assert_eq!(nth_record_end(b"a\n\"b\nc\"\nd\ne", 3), Some(10));
        assert_eq!(nth_record_end(b"a\n\"b\nc\"\nd\ne", 4), None);
    }

    #[test]
    fn empty_input_has_no_pieces() {
        assert!(split("", 4).is_empty());
    }
}

//! Reading a CSV in pieces that end on record boundaries, so that each piece parses on its own and the memory
//! an ingest needs is bounded by the piece size, not by the file's.
//!
//! A newline ends a record only outside quotes. Quotes inside a quoted value are doubled (`""`), so a newline
//! is outside quotes exactly when an even number of `"` precede it in the piece, which starts on a record.

use std::io::{self, Read};

/// Splits a reader into pieces of about `target` bytes, each made of whole records, in one reused buffer.
pub(crate) struct Pieces<R> {
    input: R,
    target: usize,
    /// The piece handed out last, then the start of the next one (bytes read after the last boundary).
    buffer: Vec<u8>,
    /// Length of the piece handed out last.
    served: usize,
    finished: bool,
}

impl<R: Read> Pieces<R> {
    pub(crate) fn new(input: R, target: usize) -> Self {
        Self {
            input,
            target: target.max(1),
            buffer: Vec::new(),
            served: 0,
            finished: false,
        }
    }

    /// The next piece: whole records (the file's last one may lack its newline), or `None` at the end.
    pub(crate) fn next_piece(&mut self) -> io::Result<Option<&[u8]>> {
        if self.finished {
            return Ok(None);
        }
        // Only the short tail after the last boundary moves; the allocation is kept.
        self.buffer.drain(..self.served);
        self.served = 0;
        let mut want = self.target;
        loop {
            if fill(&mut self.input, &mut self.buffer, want)? {
                self.finished = true;
                self.served = self.buffer.len();
                return Ok((!self.buffer.is_empty()).then_some(&self.buffer[..]));
            }
            if let Some(end) = last_boundary(&self.buffer) {
                self.served = end;
                return Ok(Some(&self.buffer[..end]));
            }
            // One record longer than the piece (a huge quoted value): read on until it ends.
            want = self.buffer.len() * 2;
        }
    }
}

/// Reads until `buf` holds `want` bytes or the input ends; true at the end of the input.
fn fill(input: &mut impl Read, buf: &mut Vec<u8>, want: usize) -> io::Result<bool> {
    if buf.len() >= want {
        return Ok(false);
    }
    let missing = want - buf.len();
    // Room for all of it up front: growing while reading would copy the piece again and again.
    buf.reserve(missing);
    let read = input.by_ref().take(missing as u64).read_to_end(buf)?;
    Ok(read < missing)
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

/// The index just past the first record (the header line), quotes respected; the whole piece if it has one
/// record only.
pub(crate) fn first_record_end(piece: &[u8]) -> usize {
    let mut inside = false;
    for i in memchr::memchr2_iter(b'"', b'\n', piece) {
        if piece[i] == b'"' {
            inside = !inside;
        } else if !inside {
            return i + 1;
        }
    }
    piece.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(text: &str, target: usize) -> Vec<String> {
        let mut pieces = Pieces::new(text.as_bytes(), target);
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
    }

    #[test]
    fn empty_input_has_no_pieces() {
        assert!(split("", 4).is_empty());
    }
}

//! Lines ended by a carriage return alone among lines ended otherwise (a file pasted together from a classic
//! Mac export and another). Polars reads such a return as part of a value, so `3,4\r5,6` was one record of
//! three fields, refused without a line; Python's `csv` module, and the README's "a carriage return alone
//! too", read it as a line end. Looked for only after polars has failed, and then copied with newlines (see
//! [`super::normalise::Returns::Lone`]).

use std::path::Path;

use super::normalise::each_chunk;

/// Where [`Returns::Lone`] is in the file, from one chunk of text to the next.
#[derive(Default)]
pub(super) struct LoneReturns {
    quoted: bool,
    /// The last chunk ended with a return outside quotes: whether it is lone depends on the next byte.
    pending: bool,
}

impl LoneReturns {
    /// `text` with its lone returns outside quotes made newlines (counted in `made`).
    pub(super) fn replace(&mut self, text: &[u8], last: bool, made: &mut u64) -> Vec<u8> {
        let mut out = Vec::with_capacity(text.len() + 1);
        for &byte in text {
            if std::mem::take(&mut self.pending) {
                out.push(if byte == b'\n' { b'\r' } else { b'\n' });
                *made += u64::from(byte != b'\n');
            }
            match byte {
                b'"' => self.quoted = !self.quoted,
                b'\r' if !self.quoted => {
                    self.pending = true;
                    continue;
                }
                _ => {}
            }
            out.push(byte);
        }
        if last && std::mem::take(&mut self.pending) {
            out.push(b'\n');
            *made += 1;
        }
        out
    }
}

/// Whether a line of the file at `path` ends with a carriage return alone (outside quotes, not followed by a
/// newline) while others end otherwise. Read only after polars has failed on the file.
pub(super) fn has_lone_returns(path: &Path) -> bool {
    let (mut quoted, mut after_return, mut found) = (false, false, false);
    let scanned = each_chunk(path, |bytes, _| {
        // A return last in the last chunk is followed by the first byte of the next.
        if std::mem::take(&mut after_return) && bytes.first().is_some_and(|&b| b != b'\n') {
            found = true;
        }
        for at in memchr::memchr2_iter(b'"', b'\r', bytes) {
            match bytes[at] {
                b'"' => quoted = !quoted,
                _ if quoted => {}
                _ => match bytes.get(at + 1) {
                    Some(b'\n') => {}
                    Some(_) => found = true,
                    None => after_return = true,
                },
            }
        }
        Ok(bytes.len())
    });
    // A return last in the file ends its last line like a newline would: nothing to read differently.
    scanned.is_ok() && found
}

#[cfg(test)]
mod tests {
    use super::super::normalise::{Returns, normalised_copy};
    use super::*;

    fn copy_with(bytes: &[u8], returns: Returns) -> (String, super::super::normalise::Repairs) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.csv");
        std::fs::write(&path, bytes).unwrap();
        let (copy, repairs) = normalised_copy(&path, returns).unwrap();
        (std::fs::read_to_string(&copy.0).unwrap(), repairs)
    }

    /// A file of newlines or `\r\n` with a lone return among them: that one is a line end too.
    #[test]
    fn lone_returns_among_other_line_ends_become_newlines() {
        let (text, repairs) = copy_with(b"a,b\n1,2\n3,4\r5,6\r\n\"x\ry\",7\r", Returns::Lone);
        assert_eq!(text, "a,b\n1,2\n3,4\n5,6\r\n\"x\ry\",7\n");
        assert_eq!(repairs.line_ends, 2);
        assert!(repairs.notes()[0].starts_with("2 lines end with a carriage return alone"));
        // A return at the end of a chunk of the copy waits for the next byte.
        let mut lone = LoneReturns::default();
        let mut made = 0;
        let mut joined = lone.replace(b"1,2\r", false, &mut made);
        joined.extend(lone.replace(b"\n3\r", false, &mut made));
        joined.extend(lone.replace(b"4", true, &mut made));
        assert_eq!((joined.as_slice(), made), (&b"1,2\r\n3\n4"[..], 1));
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.csv");
        for (bytes, lone) in [
            (&b"a\n1\r2\n"[..], true),
            (b"a\r\n1\r\n", false),
            (b"a\n\"x\ry\"\n", false),
            (b"a\n1\r", false),
        ] {
            std::fs::write(&path, bytes).unwrap();
            assert_eq!(has_lone_returns(&path), lone, "{bytes:?}");
        }
    }
}

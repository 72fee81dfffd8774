//! Lines ended by a carriage return alone among lines ended otherwise (a file pasted together from a classic
//! Mac export and another). Polars reads such a return as part of a value, so `3,4\r5,6` was one record of
//! three fields, refused without a line; Python's `csv` module, and the README's "a carriage return alone
//! too", read it as a line end. Looked for only after polars has failed, and then copied with newlines (see
//! [`super::normalise::Returns::Lone`]).

use std::path::Path;

use super::normalise::each_chunk;

/// Where [`Returns::Lone`] (or, with `every`, [`Returns::All`]) is in the file, from one chunk of text to
/// the next.
pub(super) struct LoneReturns {
    delimiter: u8,
    /// Every return outside quotes is a line end (a classic Mac file), not only one without a newline after.
    every: bool,
    quoted: bool,
    /// The last byte began a field (a delimiter or a line end): a quote here opens a quoted value. Elsewhere
    /// it is a character (27" wide), as Python's csv module reads it.
    field_start: bool,
    /// The last byte closed a quoted value: a quote here is a doubled one, and the value goes on.
    closed: bool,
    /// The last chunk ended with a return outside quotes: whether it is lone depends on the next byte.
    pending: bool,
}

impl LoneReturns {
    pub(super) fn new(delimiter: u8, every: bool) -> Self {
        Self {
            delimiter,
            every,
            quoted: false,
            field_start: true,
            closed: false,
            pending: false,
        }
    }

    /// `text` with its lone returns outside quotes made newlines (counted in `made`). Returns inside quotes
    /// stay: they are the value's own bytes (a classic Mac file's copy once made `"x\ry"` read `x\ny`).
    pub(super) fn replace(&mut self, text: &[u8], last: bool, made: &mut u64) -> Vec<u8> {
        let mut out = Vec::with_capacity(text.len() + 1);
        for &byte in text {
            if std::mem::take(&mut self.pending) {
                let ends = self.every || byte != b'\n';
                out.push(if ends { b'\n' } else { b'\r' });
                *made += u64::from(ends);
            }
            let closed = std::mem::take(&mut self.closed);
            if self.quoted {
                if byte == b'"' {
                    (self.quoted, self.closed) = (false, true);
                }
            } else if byte == b'"' && (self.field_start || closed) {
                self.quoted = true;
            } else if byte == b'\r' {
                self.pending = true;
                self.field_start = true;
                continue;
            }
            self.field_start =
                !self.quoted && (byte == self.delimiter || byte == b'\n' || byte == b'\r');
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
    use super::super::normalise::Returns;
    use super::super::normalise::tests::copy_with;
    use super::*;

    /// A file of newlines or `\r\n` with a lone return among them: that one is a line end too.
    #[test]
    fn lone_returns_among_other_line_ends_become_newlines() {
        let (text, repairs) = copy_with(b"a,b\n1,2\n3,4\r5,6\r\n\"x\ry\",7\r", Returns::Lone);
        assert_eq!(text, "a,b\n1,2\n3,4\n5,6\r\n\"x\ry\",7\n");
        assert_eq!(repairs.line_ends, 2);
        assert!(repairs.notes()[0].starts_with("2 lines end with a carriage return alone"));
        // A return at the end of a chunk of the copy waits for the next byte.
        let mut lone = LoneReturns::new(b',', false);
        let mut made = 0;
        let mut joined = lone.replace(b"1,2\r", false, &mut made);
        joined.extend(lone.replace(b"\n3\r", false, &mut made));
        joined.extend(lone.replace(b"4", true, &mut made));
        assert_eq!((joined.as_slice(), made), (&b"1,2\r\n3\n4"[..], 1));
        // Every return of a classic Mac file outside quotes, and none inside them, doubled quotes and a quote
        // inside an unquoted value (27" wide) aside: the quoted values stay as Python's csv module reads them.
        let (text, repairs) = copy_with(
            b"a,b\r\"x\ry\",1\r\"p\r\nq\",2\r27\" wide,3\r\"say \"\"hi\r\"\"\",4\r",
            Returns::All,
        );
        let expected = "a,b\n\"x\ry\",1\n\"p\r\nq\",2\n27\" wide,3\n\"say \"\"hi\r\"\"\",4\n";
        assert_eq!((text.as_str(), repairs.line_ends), (expected, 5));
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

//! A copy of a CSV that polars can read, made when the file is not: bytes that are not UTF-8 read as Latin-1
//! (Windows-1252), and lines ended by a carriage return alone (classic Mac, Excel's "CSV (Macintosh)") ended
//! by a newline. Only in this fallback does an ingest pay for a second copy of the file.

use std::io::{BufWriter, Read, Write};
use std::path::Path;

use super::inference_head::TempFile;
use crate::EngineError;
use crate::protocol::with_suffix;

/// What the copy changed.
#[derive(Debug, Default, PartialEq, Eq)]
pub(super) struct Repairs {
    /// Bytes that are not UTF-8, read as Windows-1252.
    pub latin1_bytes: u64,
    /// Whether other bytes were UTF-8 beyond ASCII (a file of mixed encodings).
    pub utf8_beyond_ascii: bool,
    /// Carriage returns made newlines.
    pub line_ends: u64,
}

impl Repairs {
    /// Notes for the person who uploaded the file.
    pub(super) fn notes(&self) -> Vec<String> {
        let mut notes = Vec::new();
        if self.latin1_bytes > 0 && self.utf8_beyond_ascii {
            let bytes = match self.latin1_bytes {
                1 => "1 byte that is not UTF-8 was".to_string(),
                n => format!("{n} bytes that are not UTF-8 were"),
            };
            notes.push(format!(
                "the file mixes encodings: {bytes} read as Latin-1 (Windows-1252), the rest as UTF-8."
            ));
        } else if self.latin1_bytes > 0 {
            notes
                .push("the file is not valid UTF-8; it was read as Latin-1 (Windows-1252).".into());
        }
        if self.line_ends > 0 {
            notes.push(
                "the lines end with a carriage return alone (classic Mac); they were read as line ends."
                    .into(),
            );
        }
        notes
    }
}

/// The copy of `csv`, as UTF-8 with newlines (every carriage return one when `cr_line_ends`).
pub(super) fn normalised_copy(
    csv: &Path,
    cr_line_ends: bool,
) -> Result<(TempFile, Repairs), EngineError> {
    let out = TempFile(with_suffix(csv, ".utf8"));
    let failed = |e: std::io::Error| EngineError::Internal(format!("transcoding failed: {e}"));
    let mut input = std::fs::File::open(csv).map_err(failed)?;
    let mut output = BufWriter::new(std::fs::File::create(&out.0).map_err(failed)?);
    let mut repairs = Repairs::default();
    let mut chunk = vec![0u8; 1 << 20];
    // The bytes of a character cut off at the end of the last chunk read.
    let mut carried = 0;
    let mut text = Vec::with_capacity(chunk.len() * 3);
    loop {
        let read = input.read(&mut chunk[carried..]).map_err(failed)?;
        let filled = carried + read;
        text.clear();
        let used = decode(&chunk[..filled], read == 0, &mut text, &mut repairs);
        if cr_line_ends {
            for byte in text.iter_mut().filter(|b| **b == b'\r') {
                *byte = b'\n';
                repairs.line_ends += 1;
            }
        }
        output.write_all(&text).map_err(failed)?;
        if read == 0 {
            break;
        }
        chunk.copy_within(used..filled, 0);
        carried = filled - used;
    }
    output.flush().map_err(failed)?;
    Ok((out, repairs))
}

/// `bytes` as text: valid UTF-8 as it is, every other byte read as Windows-1252.
pub(super) fn mixed(bytes: &[u8]) -> String {
    let mut text = Vec::with_capacity(bytes.len());
    decode(bytes, true, &mut text, &mut Repairs::default());
    String::from_utf8(text).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// Appends `bytes` to `text` as UTF-8: valid UTF-8 as it is, every other byte read as Windows-1252. Returns how
/// many bytes it used: all, unless the last character may be cut off and more are to come (`!last`).
fn decode(bytes: &[u8], last: bool, text: &mut Vec<u8>, repairs: &mut Repairs) -> usize {
    let mut at = 0;
    loop {
        let rest = &bytes[at..];
        let (valid, invalid) = match std::str::from_utf8(rest) {
            Ok(_) => (rest.len(), None),
            Err(e) => (e.valid_up_to(), Some(e.error_len())),
        };
        let good = &rest[..valid];
        repairs.utf8_beyond_ascii |= !good.is_ascii();
        text.extend_from_slice(good);
        at += valid;
        match invalid {
            None => return at,
            // A character cut off by the end of the chunk: kept for the next one.
            Some(None) if !last => return at,
            // A byte that begins no valid character: one Windows-1252 character.
            Some(_) => {
                let (decoded, _) = encoding_rs::WINDOWS_1252
                    .decode_without_bom_handling(std::slice::from_ref(&bytes[at]));
                text.extend_from_slice(decoded.as_bytes());
                repairs.latin1_bytes += 1;
                at += 1;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn copy_of(bytes: &[u8], cr_line_ends: bool) -> (String, Repairs) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.csv");
        std::fs::write(&path, bytes).unwrap();
        let (copy, repairs) = normalised_copy(&path, cr_line_ends).unwrap();
        (std::fs::read_to_string(&copy.0).unwrap(), repairs)
    }

    #[test]
    fn latin1_bytes_are_read_as_windows_1252_and_utf8_stays() {
        let (text, repairs) = copy_of(b"city\nZ\xfcrich\n\x80 5\n", false);
        assert_eq!(text, "city\nZürich\n€ 5\n");
        assert_eq!(
            (repairs.latin1_bytes, repairs.utf8_beyond_ascii),
            (2, false)
        );
        // A UTF-8 file with one Latin-1 byte: only that byte changes.
        let (text, repairs) = copy_of(
            "Zürich,Jos\u{e9}\nJos"
                .bytes()
                .chain(*b"\xe9\n")
                .collect::<Vec<_>>()
                .as_slice(),
            false,
        );
        assert_eq!(text, "Zürich,José\nJosé\n");
        assert_eq!((repairs.latin1_bytes, repairs.utf8_beyond_ascii), (1, true));
        assert_eq!(repairs.notes().len(), 1);
        // A Latin-1 byte last in the file, where a character could have been cut off.
        assert_eq!(copy_of(b"a\n\xe9", false).0, "a\né");
    }

    /// Characters cut by the edges of the chunks read are whole in the copy.
    #[test]
    fn characters_across_chunk_edges_stay_whole() {
        let line = "é€😀,a\n";
        let mut bytes = Vec::new();
        while bytes.len() < 3 << 20 {
            bytes.extend_from_slice(line.as_bytes());
        }
        bytes.push(0xe9);
        let (text, repairs) = copy_of(&bytes, false);
        let expected = format!("{}é", line.repeat((bytes.len() - 1) / line.len()));
        assert!(text == expected, "the copy differs");
        assert_eq!((repairs.latin1_bytes, repairs.utf8_beyond_ascii), (1, true));
    }

    #[test]
    fn lone_carriage_returns_become_newlines() {
        let (text, repairs) = copy_of(b"a,b\r1,\"x\ry\"\r2,3\r", true);
        assert_eq!(text, "a,b\n1,\"x\ny\"\n2,3\n");
        assert_eq!(repairs.line_ends, 4);
        assert_eq!(repairs.notes().len(), 1);
        assert_eq!(copy_of(b"a\rb\n", false).0, "a\rb\n");
    }
}

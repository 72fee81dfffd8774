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
    /// Those were lone ones among lines ended otherwise (see [`Returns::Lone`]).
    pub mixed_line_ends: bool,
}

/// Which carriage returns the copy makes newlines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Returns {
    /// None.
    Kept,
    /// Every one: the file's lines end with a carriage return alone (classic Mac).
    All,
    /// Those outside quotes not followed by a newline, in a file whose other lines end otherwise: a line end,
    /// as Python's `csv` module and the README read it. Polars reads such a return as part of a value, so
    /// `3,4\r5,6` was one record of three fields, refused without a line.
    Lone,
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
        if self.line_ends > 0 && self.mixed_line_ends {
            let lines = match self.line_ends {
                1 => "a line ends".to_string(),
                n => format!("{n} lines end"),
            };
            notes.push(format!(
                "{lines} with a carriage return alone, among lines ended otherwise; it was read as a line end."
            ));
        } else if self.line_ends > 0 {
            notes.push(
                "the lines end with a carriage return alone (classic Mac); they were read as line ends."
                    .into(),
            );
        }
        notes
    }
}

/// The copy of `csv`, as UTF-8 with newlines for the carriage returns `returns` says.
pub(super) fn normalised_copy(
    csv: &Path,
    returns: Returns,
    delimiter: u8,
) -> Result<(TempFile, Repairs), EngineError> {
    let out = TempFile(with_suffix(csv, ".utf8"));
    let failed = |e: std::io::Error| EngineError::Internal(format!("transcoding failed: {e}"));
    let mut tally = Tally::default();
    each_chunk(csv, |bytes, last| tally.count(bytes, last)).map_err(failed)?;
    let decoder = Decoder::new(tally.mostly_utf8());
    let mut output = BufWriter::new(std::fs::File::create(&out.0).map_err(failed)?);
    let mut repairs = Repairs {
        utf8_beyond_ascii: decoder.mixed && tally.utf8_chars > 0,
        mixed_line_ends: returns == Returns::Lone,
        ..Repairs::default()
    };
    let mut text = Vec::new();
    // Which returns are outside quotes (see `LoneReturns`).
    let mut lone = super::lone_returns::LoneReturns::new(delimiter, returns == Returns::All);
    each_chunk(csv, |bytes, last| {
        text.clear();
        let used = decoder.decode(bytes, last, &mut text, &mut repairs);
        match returns {
            Returns::Kept => {}
            Returns::All | Returns::Lone => {
                text = lone.replace(&text, last, &mut repairs.line_ends)
            }
        }
        output.write_all(&text)?;
        Ok(used)
    })
    .map_err(failed)?;
    output.flush().map_err(failed)?;
    Ok((out, repairs))
}

/// Calls `step` with the file's bytes a mebibyte at a time (and whether they are the last), carrying over the
/// bytes it leaves unused (a character cut off by the chunk's end) to the next call.
pub(super) fn each_chunk(
    path: &Path,
    mut step: impl FnMut(&[u8], bool) -> std::io::Result<usize>,
) -> std::io::Result<()> {
    let mut input = std::fs::File::open(path)?;
    let mut chunk = vec![0u8; 1 << 20];
    let mut carried = 0;
    loop {
        let read = input.read(&mut chunk[carried..])?;
        let filled = carried + read;
        let used = step(&chunk[..filled], read == 0)?;
        if read == 0 {
            return Ok(());
        }
        chunk.copy_within(used..filled, 0);
        carried = filled - used;
    }
}

/// Characters beyond ASCII that are valid UTF-8, against bytes that are not.
#[derive(Default)]
struct Tally {
    utf8_chars: u64,
    invalid_bytes: u64,
}

impl Tally {
    fn count(&mut self, bytes: &[u8], last: bool) -> std::io::Result<usize> {
        Ok(walk(bytes, last, |run| match run {
            // Each character beyond ASCII has one lead byte.
            Run::Utf8(good) => {
                self.utf8_chars += good.iter().filter(|&&b| b >= 0xC0).count() as u64
            }
            Run::Other(_) => self.invalid_bytes += 1,
        }))
    }

    /// Why not keep every valid UTF-8 sequence: in real Windows-1252 text an accented letter followed by a
    /// non-breaking space, a curly quote or a dash is often one (`é` + NBSP reads `頻`). So UTF-8 is kept
    /// only where it outnumbers the bytes that are not: a UTF-8 file with a stray Latin-1 byte.
    fn mostly_utf8(&self) -> bool {
        self.utf8_chars > self.invalid_bytes
    }
}

/// Bytes to UTF-8 text: valid UTF-8 as it is when `mixed`, every other byte (every byte beyond ASCII when
/// not) read as Windows-1252.
struct Decoder {
    mixed: bool,
    /// The Windows-1252 characters of the bytes 0x80 to 0xFF.
    high: [char; 128],
}

impl Decoder {
    fn new(mixed: bool) -> Self {
        let mut high = ['\u{FFFD}'; 128];
        for (i, slot) in high.iter_mut().enumerate() {
            let byte = [0x80 + i as u8];
            let (text, _) = encoding_rs::WINDOWS_1252.decode_without_bom_handling(&byte);
            *slot = text.chars().next().unwrap_or('\u{FFFD}');
        }
        Self { mixed, high }
    }

    /// Appends `bytes` to `text`; returns how many it used: all, unless a character may be cut off by the end
    /// and more are to come (`!last`).
    fn decode(&self, bytes: &[u8], last: bool, text: &mut Vec<u8>, repairs: &mut Repairs) -> usize {
        let mut latin1 = |byte: u8, text: &mut Vec<u8>| {
            let mut buffer = [0; 4];
            let c = self.high[usize::from(byte - 0x80)];
            text.extend_from_slice(c.encode_utf8(&mut buffer).as_bytes());
            repairs.latin1_bytes += 1;
        };
        if !self.mixed {
            for &byte in bytes {
                match byte {
                    0..0x80 => text.push(byte),
                    _ => latin1(byte, text),
                }
            }
            return bytes.len();
        }
        walk(bytes, last, |run| match run {
            Run::Utf8(good) => text.extend_from_slice(good),
            Run::Other(byte) => latin1(byte, text),
        })
    }
}

/// A stretch of bytes read as UTF-8: a run of valid UTF-8, or one byte that begins no valid character.
enum Run<'a> {
    Utf8(&'a [u8]),
    Other(u8),
}

/// Walks `bytes` as UTF-8, calling `each` with every [`Run`] in order. Returns how many bytes it walked: all,
/// unless a character may be cut off by the end and more are to come (`!last`).
fn walk(bytes: &[u8], last: bool, mut each: impl FnMut(Run<'_>)) -> usize {
    let mut at = 0;
    loop {
        let rest = &bytes[at..];
        let (good, error) = match std::str::from_utf8(rest) {
            Ok(_) => (rest.len(), None),
            Err(e) => (e.valid_up_to(), Some(e.error_len())),
        };
        each(Run::Utf8(&rest[..good]));
        at += good;
        match error {
            None => return at,
            Some(None) if !last => return at,
            Some(_) => {
                each(Run::Other(bytes[at]));
                at += 1;
            }
        }
    }
}

/// `bytes` (the sniffer's sample) as text, decoded as the copy of a file like it would be.
pub(super) fn sample_text(bytes: &[u8]) -> String {
    let mut tally = Tally::default();
    let _ = tally.count(bytes, true);
    let mut text = Vec::with_capacity(bytes.len());
    Decoder::new(tally.mostly_utf8()).decode(bytes, true, &mut text, &mut Repairs::default());
    String::from_utf8(text).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    fn copy_of(bytes: &[u8], cr_line_ends: bool) -> (String, Repairs) {
        let returns = if cr_line_ends {
            Returns::All
        } else {
            Returns::Kept
        };
        copy_with(bytes, returns)
    }

    /// The normalised copy of `bytes` written to a file, as text, with its repairs (lone_returns' tests
    /// use it too).
    pub(in crate::worker) fn copy_with(bytes: &[u8], returns: Returns) -> (String, Repairs) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.csv");
        std::fs::write(&path, bytes).unwrap();
        let (copy, repairs) = normalised_copy(&path, returns, b',').unwrap();
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

    /// Real Windows-1252 text, where an accented letter and a non-breaking space happen to make valid UTF-8,
    /// is read as Windows-1252 throughout.
    #[test]
    fn windows_1252_text_stays_windows_1252() {
        let (text, repairs) = copy_of(b"note\n\xab\xa0caf\xe9\xa0\xbb\n\x93CAF\xc9\x94\n", false);
        assert_eq!(text, "note\n«\u{a0}café\u{a0}»\n“CAFÉ”\n");
        assert!(!repairs.utf8_beyond_ascii);
        assert_eq!(sample_text(b"caf\xe9\xa0!"), "café\u{a0}!");
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
        assert_eq!(text, "a,b\n1,\"x\ry\"\n2,3\n");
        assert_eq!(repairs.line_ends, 3);
        assert_eq!(repairs.notes().len(), 1);
        assert_eq!(copy_of(b"a\rb\n", false).0, "a\rb\n");
    }
}

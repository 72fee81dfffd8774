//! UTF-16 text with a byte-order mark (what Excel saves as "Unicode text", tab-separated) read through a
//! UTF-8 copy. Read as it is, every other byte was a NUL and the file a ragged mess.

use std::io::{BufWriter, Write};
use std::path::Path;

use encoding_rs::{CoderResult, Encoding, UTF_16BE, UTF_16LE};

use super::inference_head::TempFile;
use super::ingest::unreadable;
use super::normalise::each_chunk;
use super::source::CsvSource;
use crate::EngineError;
use crate::protocol::with_suffix;

/// A UTF-8 copy of the upload when it is UTF-16 with a byte-order mark (waiting for all of it first);
/// `None` otherwise.
pub(super) fn copy_if_utf16(upload: &mut CsvSource) -> Result<Option<TempFile>, EngineError> {
    let available = upload.wait_for(4).map_err(unreadable)?;
    if available < 2 {
        return Ok(None);
    }
    let start = upload.map(0, available as usize).map_err(unreadable)?;
    let Some(encoding) = declared(&start) else {
        return Ok(None);
    };
    drop(start);
    upload.wait_complete().map_err(unreadable)?;
    utf8_copy(upload.path(), encoding).map(Some)
}

/// The UTF-16 encoding `start` (the file's first bytes) declares with its byte-order mark, if any.
pub(super) fn declared(start: &[u8]) -> Option<&'static Encoding> {
    // `FF FE 00 00` is UTF-32's mark, refused by [`super::file_kind`].
    if start.starts_with(b"\xFF\xFE") && !start.starts_with(b"\xFF\xFE\x00\x00") {
        Some(UTF_16LE)
    } else if start.starts_with(b"\xFE\xFF") {
        Some(UTF_16BE)
    } else {
        None
    }
}

/// A UTF-8 copy of `csv`, read as `encoding` (its mark left out); characters that are not valid UTF-16
/// (a lone surrogate) become U+FFFD.
pub(super) fn utf8_copy(csv: &Path, encoding: &'static Encoding) -> Result<TempFile, EngineError> {
    let out = TempFile(with_suffix(csv, ".utf8"));
    let failed =
        |e: std::io::Error| EngineError::Internal(format!("transcoding UTF-16 failed: {e}"));
    let mut output = BufWriter::new(std::fs::File::create(&out.0).map_err(failed)?);
    let mut decoder = encoding.new_decoder_with_bom_removal();
    let mut text = Vec::new();
    each_chunk(csv, |bytes, last| {
        text.clear();
        let room = decoder
            .max_utf8_buffer_length(bytes.len())
            .ok_or_else(|| std::io::Error::other("a chunk too large to decode"))?;
        text.resize(room, 0);
        // With room for all of it, the decoder takes every byte, keeping half a character for the next call.
        let (result, read, written, _) = decoder.decode_to_utf8(bytes, &mut text, last);
        debug_assert!(matches!(result, CoderResult::InputEmpty) && read == bytes.len());
        output.write_all(&text[..written])?;
        Ok(read)
    })
    .map_err(failed)?;
    output.flush().map_err(failed)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utf16(text: &str, little: bool) -> Vec<u8> {
        let mut bytes = if little {
            vec![0xFF, 0xFE]
        } else {
            vec![0xFE, 0xFF]
        };
        for unit in text.encode_utf16() {
            bytes.extend(if little {
                unit.to_le_bytes()
            } else {
                unit.to_be_bytes()
            });
        }
        bytes
    }

    #[test]
    fn utf16_files_are_copied_as_utf8() {
        let dir = tempfile::tempdir().unwrap();
        // Long enough to cross the copy's chunks, with characters of two units at odd places.
        let text = "name\tn\n".to_owned() + &"Zürich 😀\t1\n".repeat(100_000);
        for little in [true, false] {
            let bytes = utf16(&text, little);
            let encoding = declared(&bytes).expect("a mark");
            let path = dir.path().join("t.csv");
            std::fs::write(&path, &bytes).unwrap();
            let copy = utf8_copy(&path, encoding).unwrap();
            assert!(
                std::fs::read_to_string(&copy.0).unwrap() == text,
                "{little}"
            );
        }
        assert_eq!(declared(b"a,b\n"), None);
        assert_eq!(declared(b"\xFF\xFE\x00\x00a\x00\x00\x00"), None);
    }
}

//! Handing polars CSV text that it would otherwise misread.
//!
//! - Polars looks at the first four bytes of what it reads for the magic numbers of gzip, zlib and zstd.
//!   Text can start that way: `x^` is a zlib header, so a CSV whose first column is named `x^2` is
//!   "compressed". Built without decompression, polars' lazy scan then panics ("activate 'decompress'
//!   feature") and its reader refuses the bytes.
//! - It drops a byte-order mark at the start of what it reads, which in a piece from the middle of a file is
//!   the start of a value.
//! - A quote that opens the last field and ends the input is read out of bounds when values are compared
//!   with null tokens (polars-io 0.55.2, `csv/read/parser.rs:1154`; a debug build aborts there).
//!
//! A byte-order mark put in front answers the first two: polars strips it before anything else and then
//! reads every byte as text. A newline put after a final quote (or quote and `\r`) answers the third, and
//! changes nothing else: a final newline adds no row.

use std::borrow::Cow;

use polars::io::utils::compression::SupportedCompression;

/// The UTF-8 byte-order mark.
pub(crate) const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Whether polars would take `bytes` for compressed data.
pub(crate) fn looks_compressed(bytes: &[u8]) -> bool {
    SupportedCompression::check(bytes).is_some()
}

/// `piece` (whole records) as polars' reader must be given it to read every byte as text, as written:
/// behind a byte-order mark when it starts like compressed data or with a mark of its own, and followed by a
/// newline when it ends with a quote (or a quote and `\r`). Otherwise as it is, with no copy (every piece but a file's last ends
/// with a newline).
pub(crate) fn as_text(piece: &[u8]) -> Cow<'_, [u8]> {
    let shield = looks_compressed(piece) || piece.starts_with(BOM);
    // Polars takes a final `\r` off a field first, so `"\r` at the end is a lone quote too.
    let close = piece.ends_with(b"\"") || piece.ends_with(b"\"\r");
    if !shield && !close {
        return Cow::Borrowed(piece);
    }
    let before: &[u8] = if shield { BOM } else { b"" };
    let after: &[u8] = if close { b"\n" } else { b"" };
    Cow::Owned([before, piece, after].concat())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_text_polars_would_misread_is_copied() {
        for start in [
            &b"x^2,4\n"[..],
            b"x\x01a\n",
            b"\x1f\x8b\x08\x00\n",
            b"\xEF\xBB\xBFabc\n",
        ] {
            assert_eq!(as_text(start), [BOM, start].concat(), "{start:?}");
        }
        assert_eq!(as_text(b"a,\""), &b"a,\"\n"[..]);
        assert_eq!(as_text(b"a,\"\r"), &b"a,\"\r\n"[..]);
        assert_eq!(as_text(b"x^2,\"q\""), [BOM, b"x^2,\"q\"\n"].concat());
        for piece in [&b"x,y\n"[..], b"x^", b"", b"id,\"x^2\"\n", b"a,\"b\"\n"] {
            assert!(matches!(as_text(piece), Cow::Borrowed(_)), "{piece:?}");
        }
    }
}

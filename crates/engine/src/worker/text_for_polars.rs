//! Handing polars CSV text that it would otherwise take for something else.
//!
//! Polars looks at the first four bytes of what it reads for the magic numbers of gzip, zlib and zstd. Text
//! can start that way: `x^` is a zlib header, so a CSV whose first column is named `x^2` is "compressed".
//! Built without decompression, polars' lazy scan then panics ("activate 'decompress' feature") and its
//! reader refuses the bytes. It also drops a byte-order mark at the start of what it reads, which in a
//! piece from the middle of a file is the start of a value. One byte-order mark put in front answers both:
//! polars strips it before anything else and then reads the text, every byte of it, as text.

use std::borrow::Cow;

use polars::io::utils::compression::SupportedCompression;

/// The UTF-8 byte-order mark.
pub(crate) const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Whether polars would take `bytes` for compressed data.
pub(crate) fn looks_compressed(bytes: &[u8]) -> bool {
    SupportedCompression::check(bytes).is_some()
}

/// `bytes` as polars must be given them to read every byte as text: behind a byte-order mark when they
/// start like compressed data or with a mark of their own; otherwise as they are (no copy).
pub(crate) fn as_text(bytes: &[u8]) -> Cow<'_, [u8]> {
    if looks_compressed(bytes) || bytes.starts_with(BOM) {
        Cow::Owned([BOM, bytes].concat())
    } else {
        Cow::Borrowed(bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_text_polars_would_misread_is_copied() {
        for start in [
            &b"x^2,4\n"[..],
            b"x\x01a\n",
            b"\x1f\x8b\x08\x00",
            b"\xEF\xBB\xBFabc\n",
        ] {
            assert_eq!(as_text(start), [BOM, start].concat(), "{start:?}");
        }
        for start in [&b"x,y\n"[..], b"x^", b"", b"id,\"x^2\"\n"] {
            assert!(matches!(as_text(start), Cow::Borrowed(_)), "{start:?}");
        }
    }
}

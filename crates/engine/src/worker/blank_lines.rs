//! Blank lines are not records. Polars reads an empty line as a row of nulls, so a CSV that ends with an
//! extra newline (`a,b\n1,2\n\n`) was stored with a second, empty row. They are skipped, as pandas
//! (`skip_blank_lines`) and Python's `csv` module do; a line of only `\r` counts as blank (CRLF files).
//! A blank line inside a quoted value is part of the value and stays.

use std::borrow::Cow;

use memchr::memmem;

use super::records::record_ends;

/// `piece` (whole records, fields split by `delimiter`) without its blank lines; as it is, with no copy,
/// when it has none (the usual case, found by a quick search).
pub(crate) fn without_blank_lines(piece: &[u8], delimiter: u8) -> Cow<'_, [u8]> {
    let may_have_one = piece.starts_with(b"\n")
        || piece.starts_with(b"\r\n")
        || piece == b"\r"
        || piece.ends_with(b"\n\r")
        || memmem::find(piece, b"\n\n").is_some()
        || memmem::find(piece, b"\n\r\n").is_some();
    if !may_have_one {
        return Cow::Borrowed(piece);
    }
    let mut kept = Vec::with_capacity(piece.len());
    let mut start = 0;
    for end in record_ends(piece, delimiter) {
        keep_unless_blank(&piece[start..end], &mut kept);
        start = end;
    }
    keep_unless_blank(&piece[start..], &mut kept);
    Cow::Owned(kept)
}

fn keep_unless_blank(line: &[u8], kept: &mut Vec<u8>) {
    if !matches!(line, b"" | b"\n" | b"\r\n" | b"\r") {
        kept.extend_from_slice(line);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blank_lines_go_and_everything_else_stays() {
        let cases: &[(&[u8], &[u8])] = &[
            (b"1,2\n\n", b"1,2\n"),
            (b"\n1,2\n\n\n3,4\n", b"1,2\n3,4\n"),
            (b"1,2\r\n\r\n3,4\r\n\r\n", b"1,2\r\n3,4\r\n"),
            (b"1,2\n\r", b"1,2\n"),
            (b"1,\"a\n\nb\"\n\n2,\"\"\n", b"1,\"a\n\nb\"\n2,\"\"\n"),
            (b"\n", b""),
        ];
        for (piece, expected) in cases {
            assert_eq!(
                without_blank_lines(piece, b',').as_ref(),
                *expected,
                "{piece:?}"
            );
        }
        for piece in [&b"1,2\n3,4"[..], b"1,2\r\n", b" \n", b",\n", b""] {
            assert!(
                matches!(without_blank_lines(piece, b','), Cow::Borrowed(_)),
                "{piece:?}"
            );
        }
    }
}

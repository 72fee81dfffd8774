//! Where the records of a CSV end, read the way polars' field splitter reads them.
//!
//! A quote opens a quoted value only as the first byte of a field. Inside one, a delimiter or newline is part
//! of the value, and every further quote toggles it (`""` is an escaped quote). A quote in the middle of an
//! unquoted value is a plain character: `27" wide`, `Dwayne "The Rock" Johnson`. A newline outside a quoted
//! value ends the record.
//!
//! Why not count quotes, as polars' own line counter does: it takes the quote in `27" wide` for an opening
//! one, so with two such rows its count and its parser disagree and polars refuses the file ("CSV malformed:
//! expected 1 rows, actual 2 rows"); and a piece cut by that count could end inside a real quoted value.

use super::text_for_polars::BOM;

/// The index just past each newline that ends a record of `text`, which starts at a record's start.
pub(crate) fn record_ends(text: &[u8], delimiter: u8) -> RecordEnds<'_> {
    RecordEnds {
        text,
        first_field: 0,
        delimiter,
        events: memchr::memchr2_iter(b'"', b'\n', text),
        quoted: false,
        inside: false,
        last_quote: 0,
        opened: 0,
        strays: None,
        after_quote: None,
    }
}

/// The iterator of [`record_ends`]. It stops only at quotes and newlines (a quoted CSV has a few per record):
/// whether a quote starts its field is seen from the byte before it, and a delimiter is looked for only
/// between a closed quoted value and a later quote in the same record.
pub(crate) struct RecordEnds<'a> {
    text: &'a [u8],
    /// Where the first field starts: after the byte-order mark at a file's start, which polars strips.
    first_field: usize,
    delimiter: u8,
    events: memchr::Memchr2<'a>,
    /// Whether the field of the last quote opened with a quote, and whether a quote of it is open now.
    quoted: bool,
    inside: bool,
    last_quote: usize,
    /// Where the last value that opened with a quote starts.
    opened: usize,
    /// Where the quotes are that are characters, when asked for ([`stray_quotes`]).
    strays: Option<Vec<usize>>,
    /// The first quoted value with text after its closing quote (see [`Scanned::after_quote`]).
    after_quote: Option<(usize, usize)>,
}

impl RecordEnds<'_> {
    /// Whether the text read so far ends inside a quoted value: a quote never closed, once all is read.
    pub(crate) fn inside_quotes(&self) -> bool {
        self.inside
    }

    /// Where the value starts whose quote the text read so far leaves open.
    pub(crate) fn open_quote(&self) -> Option<usize> {
        self.inside.then_some(self.opened)
    }
}

impl Iterator for RecordEnds<'_> {
    type Item = usize;

    fn next(&mut self) -> Option<usize> {
        let text = self.text;
        for i in self.events.by_ref() {
            if text[i] == b'\n' {
                if !self.inside {
                    self.quoted = false;
                    return Some(i + 1);
                }
            } else if self.inside {
                self.inside = false;
                self.last_quote = i;
                // A quote inside the value is doubled (`""`); anything else after a closing quote but the
                // delimiter or the line's end is text polars' splitter joins to the value, dropping the
                // quotes (`"a"b"c"` read `abc`). The end of `text` may cut the record: nothing to tell yet.
                let next = text.get(i + 1).copied();
                let ends = |b: u8| b == b'"' || b == self.delimiter || b == b'\n' || b == b'\r';
                if self.after_quote.is_none() && next.is_some_and(|b| !ends(b)) {
                    self.after_quote = Some((self.opened, i + 1));
                }
            } else if i == self.first_field
                || (i > 0 && (text[i - 1] == self.delimiter || text[i - 1] == b'\n'))
            {
                // Outside any quote, the byte before is a real delimiter or record end: a field starts here.
                (self.quoted, self.inside, self.last_quote, self.opened) = (true, true, i, i);
            } else if self.quoted
                && memchr::memchr(self.delimiter, &text[self.last_quote + 1..i]).is_none()
            {
                // Still the field that opened with a quote (`"a"b"c`): polars' splitter toggles on.
                (self.inside, self.last_quote) = (true, i);
            } else {
                // A quote in the middle of an unquoted value: a character.
                self.quoted = false;
                if let Some(strays) = &mut self.strays {
                    strays.push(i);
                }
            }
        }
        None
    }
}

/// [`record_ends`] of a file's start, which may begin with a byte-order mark: polars strips it, so a quote
/// just after it opens the first field.
pub(crate) fn record_ends_of_file(text: &[u8], delimiter: u8) -> RecordEnds<'_> {
    let mut ends = record_ends(text, delimiter);
    if text.starts_with(BOM) {
        ends.first_field = BOM.len();
    }
    ends
}

/// A record this long or longer is read apart from polars' line splitting, which reads a line again with each
/// slice it reads until the line ends: its time grows with the square of the line's length (one 50 MB quoted
/// value took 2.6 s, 100 MB 7.9 s; under about 5 MB it does not show).
pub(crate) const LONG_RECORD: usize = 8 << 20;

/// Where the records of `text` (a file's start) are that are [`LONG_RECORD`] bytes or longer, the first record
/// (the header) aside; the last may be unfinished.
pub(crate) fn long_records(text: &[u8], delimiter: u8) -> Vec<std::ops::Range<usize>> {
    let mut long = Vec::new();
    if text.len() <= LONG_RECORD {
        return long;
    }
    let mut ends = record_ends_of_file(text, delimiter);
    let Some(mut start) = ends.next() else {
        return long;
    };
    for end in ends.chain(std::iter::once(text.len())) {
        if end - start >= LONG_RECORD {
            long.push(start..end);
        }
        start = end;
    }
    long
}

/// Whether `piece` starts with a record of [`LONG_RECORD`] bytes or more.
pub(crate) fn starts_with_long_record(piece: &[u8], delimiter: u8) -> bool {
    piece.len() >= LONG_RECORD
        && nth_record_end(piece, delimiter, 1).is_none_or(|end| end >= LONG_RECORD)
}

/// What one walk over `text` (records from its start) finds.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Scanned {
    /// The index just past the last record that ends in `text`, if one does.
    pub last_end: Option<usize>,
    /// Where the quote is that opens a value `text` never closes.
    pub open_quote: Option<usize>,
    /// The first quoted value with text after its closing quote (`"a"b`, `"a" `): where the value's opening
    /// quote is, and the byte after its closing one.
    pub after_quote: Option<(usize, usize)>,
}

/// Walks the records of `text`. `at_file_start`: `text` is the start of the file (see
/// [`record_ends_of_file`]).
pub(crate) fn scan(text: &[u8], delimiter: u8, at_file_start: bool) -> Scanned {
    if memchr::memchr(b'"', text).is_none() {
        let last_end = memchr::memrchr(b'\n', text).map(|i| i + 1);
        return Scanned {
            last_end,
            ..Scanned::default()
        };
    }
    let mut ends = match at_file_start {
        true => record_ends_of_file(text, delimiter),
        false => record_ends(text, delimiter),
    };
    let last_end = ends.by_ref().last();
    Scanned {
        last_end,
        open_quote: ends.open_quote(),
        after_quote: ends.after_quote,
    }
}

/// The index just past the last record that ends in `text`, if one does (see [`scan`]).
#[cfg(test)]
pub(crate) fn last_record_end(text: &[u8], delimiter: u8, at_file_start: bool) -> Option<usize> {
    scan(text, delimiter, at_file_start).last_end
}

/// Where, in `text`, the quote is that opens a value the text never closes; `None` when every quoted value
/// closes (see [`scan`]).
#[cfg(test)]
pub(crate) fn unclosed_quote(text: &[u8], delimiter: u8, at_file_start: bool) -> Option<usize> {
    scan(text, delimiter, at_file_start).open_quote
}

/// Where the quotes in `text` (a file's start) are that are characters in the middle of an unquoted value
/// (`27" wide`), in order.
pub(crate) fn stray_quotes(text: &[u8], delimiter: u8) -> Vec<usize> {
    if memchr::memchr(b'"', text).is_none() {
        return Vec::new();
    }
    let mut ends = record_ends_of_file(text, delimiter);
    ends.strays = Some(Vec::new());
    ends.by_ref().for_each(drop);
    ends.strays.unwrap_or_default()
}

/// The index just past the `n`th record of `text`, if it has that many.
pub(crate) fn nth_record_end(text: &[u8], delimiter: u8, n: usize) -> Option<usize> {
    record_ends(text, delimiter).nth(n.checked_sub(1)?)
}

/// How many records `text` holds: those that end, and an unfinished last one. `quoted`: whether `text` may
/// hold a quote character (the caller has looked; without one, every newline ends a record).
pub(crate) fn count_records(text: &[u8], delimiter: u8, quoted: bool) -> usize {
    let (ends, last) = if !quoted {
        let ends = memchr::memchr_iter(b'\n', text).count();
        (ends, memchr::memrchr(b'\n', text).map_or(0, |i| i + 1))
    } else {
        record_ends(text, delimiter).fold((0, 0), |(n, _), end| (n + 1, end))
    };
    ends + usize::from(last < text.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ends(text: &str) -> Vec<usize> {
        record_ends(text.as_bytes(), b',').collect()
    }

    #[test]
    fn quotes_open_values_only_at_a_field_start() {
        assert_eq!(ends("a,b\n1,2\n"), [4, 8]);
        // Quoted values with the delimiter, a newline and escaped quotes inside.
        assert_eq!(ends("\"x,\ny\",1\n\"say \"\"hi\"\"\",2\n"), [9, 24]);
        // Quotes in the middle of a value are characters.
        assert_eq!(ends("Monitor,27\" wide\nTV,55\" wide\n"), [17, 29]);
        assert_eq!(
            ends("Dwayne \"The Rock\" Johnson,1\nx,\"a\nb\"\n"),
            [28, 36]
        );
        // After a closing quote the field runs on to the delimiter, and a further quote toggles again.
        assert_eq!(ends("\"ab\"cd,1\n\"a\"b\"\nc\",2\n"), [9, 20]);
        // An unclosed quote runs to the end.
        assert_eq!(ends("a,\"open\n1,2\n"), Vec::<usize>::new());
        let mut open = record_ends(b"1,2\na,\"open\n1,2\n", b',');
        assert_eq!(open.by_ref().count(), 1);
        assert!(open.inside_quotes());
        let mut closed = record_ends(b"a,\"x\"\n", b',');
        assert_eq!(closed.by_ref().count(), 1);
        assert!(!closed.inside_quotes());
        assert_eq!(ends("\n\"\"\n"), [1, 4]);
    }

    #[test]
    fn quotes_that_are_characters_are_found() {
        let strays = |text: &str| stray_quotes(text.as_bytes(), b',');
        assert_eq!(strays("a,b\n1,2\n"), Vec::<usize>::new());
        assert_eq!(strays("size,n\n27\" wide,1\n\"x\"\"y\",2\n"), [9]);
        assert_eq!(strays("\"a\nb\",6'5\"\n7\",\"q\"\n"), [9, 12]);
        // After a closed quoted value, a quote in the same field toggles (polars' splitter); past a
        // delimiter it is a character.
        assert_eq!(strays("\"a\"b\"c\",1\n\"a\"b,c\"d\n"), [16]);
    }

    #[test]
    fn text_after_a_closing_quote_is_found() {
        let after = |text: &str| scan(text.as_bytes(), b',', false).after_quote;
        for fine in [
            "a,b\n\"x\",\"y\"\n",
            "\"say \"\"hi\"\"\",1\r\n",
            "\"\",\"\"\n",
            "27\" wide,\"q\"",
            "\"a\"\r2,3\n",
        ] {
            assert_eq!(after(fine), None, "{fine:?}");
        }
        assert_eq!(after("id,v\n1,\"a\"b\"c\"\n"), Some((7, 10)));
        assert_eq!(after("1,\"a\" \n"), Some((2, 5)));
        assert_eq!(after("1,\"say \\\"hi\\\" ok\"\n"), Some((2, 9)));
        // Between tabs, a tab after the closing quote ends the value.
        assert_eq!(scan(b"\"a\"\tb\n", b'\t', false).after_quote, None);
        // A record the text cuts off after its closing quote: nothing to tell yet.
        assert_eq!(after("1,\"a\""), None);
    }

    #[test]
    fn long_records_are_found() {
        let value = "x".repeat(LONG_RECORD);
        let text = format!("h\n1\n\"{value}\n\"\n2\n{value}");
        let long = long_records(text.as_bytes(), b',');
        let first = 4..4 + LONG_RECORD + 4;
        assert_eq!(long, [first.clone(), first.end + 2..text.len()]);
        // The header, however long, is kept.
        assert!(long_records(format!("{value}\n1\n").as_bytes(), b',').is_empty());
        assert!(starts_with_long_record(&text.as_bytes()[4..], b','));
        assert!(!starts_with_long_record(text.as_bytes(), b','));
    }

    #[test]
    fn the_quote_left_open_is_found() {
        let open = |text: &str| unclosed_quote(text.as_bytes(), b',', false);
        assert_eq!(open("a,b\n1,\"x\"\n"), None);
        assert_eq!(open("a,b\n5,\""), Some(6));
        assert_eq!(open("a,b\n5,\"\n"), Some(6));
        assert_eq!(open("a,\"b\n1,2\n3,4\n"), Some(2));
        // Quotes inside unquoted values are characters, and open nothing.
        assert_eq!(open("27\" wide,1\nx,\"y\"\n"), None);
        assert_eq!(open("x,\"a\"\"b\n"), Some(2));
        assert_eq!(open(""), None);
        // At a file's start, the quote just after a byte-order mark opens the first field.
        assert_eq!(unclosed_quote(b"\xEF\xBB\xBF\"h,v\n", b',', true), Some(3));
        assert_eq!(unclosed_quote(b"\xEF\xBB\xBF\"h\",v\n", b',', true), None);
    }

    #[test]
    fn counts_and_positions_agree() {
        for text in [
            "a,b\n1,2",
            "a,b\n1,2\n",
            "",
            "\"x\ny\"",
            "27\" wide,1\n\"q\",2\n3",
        ] {
            let bytes = text.as_bytes();
            let all: Vec<usize> = record_ends(bytes, b',').collect();
            assert_eq!(
                last_record_end(bytes, b',', false),
                all.last().copied(),
                "{text:?}"
            );
            assert_eq!(
                nth_record_end(bytes, b',', 1),
                all.first().copied(),
                "{text:?}"
            );
            let unfinished = all.last().copied().unwrap_or(0) < bytes.len();
            assert_eq!(
                count_records(bytes, b',', bytes.contains(&b'"')),
                all.len() + usize::from(unfinished),
                "{text:?}"
            );
        }
        assert_eq!(nth_record_end(b"a\nb\n", b',', 0), None);
        // The header line, quotes respected.
        assert_eq!(nth_record_end(b"\"h\n1\",h2\n1,2\n", b',', 1), Some(9));
        assert_eq!(nth_record_end(b"size (\"),n\n1,2\n", b',', 1), Some(11));
        assert_eq!(count_records(b"a;\"b\nc\";d\ne", b';', true), 2);
        // A file's byte-order mark is not part of its first field: the quote after it opens that field.
        let marked = b"\xEF\xBB\xBF\"h\n\"\"\",v\n1,\"p\nq\"\n";
        assert_eq!(
            record_ends_of_file(marked, b',').collect::<Vec<_>>(),
            [12, 20]
        );
    }
}

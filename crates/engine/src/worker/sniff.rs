//! Looking at the first kilobytes of a CSV: byte-order mark, encoding, delimiter, header and a sample of rows.

use std::io::Read;
use std::path::Path;

use crate::EngineError;

/// How much of the file the sniffer reads.
pub(crate) const SAMPLE_BYTES: usize = 256 * 1024;
/// Records compared when choosing the delimiter.
const DELIMITER_RECORDS: usize = 50;
/// Candidates, in order of preference when they score the same. `:` is last: times contain colons.
const DELIMITERS: [u8; 5] = [b',', b';', b'\t', b'|', b':'];

/// What the start of the file says about it.
#[derive(Debug, Clone)]
pub(crate) struct Sniffed {
    pub delimiter: u8,
    /// The sample is valid UTF-8 (an incomplete character cut off at the end of the sample is fine).
    pub utf8: bool,
    /// Lines end with a carriage return alone (no newline in the sample, and a carriage return).
    pub cr_line_ends: bool,
    /// Header fields as written (decoded as UTF-8 or Latin-1 to match `utf8`).
    pub header: Vec<String>,
    /// The sample ends inside the header: the file has more columns than `header` holds.
    pub header_cut: bool,
    /// Up to a few hundred records after the header, decoded the same way (for type hints).
    pub rows: Vec<Vec<String>>,
    /// The file starts with Excel's `sep=;` line, naming the delimiter: it is not a record.
    pub sep_line: bool,
    /// Lines before the header that are no records: the `sep=;` line and the blank lines after it.
    pub skip_lines: usize,
    /// Where the header starts in the file: after a byte-order mark and a `sep=;` line.
    pub header_start: u64,
    /// Numbers are written with a decimal comma (`1,50`), as European spreadsheets export them with `;`
    /// between fields: see [`decimal_comma`].
    pub decimal_comma: bool,
}

/// True when, with fields separated by something other than a comma, the values of `rows` that are numbers
/// with a decimal comma (`-1,5`) outnumber those with a decimal point (`1.5`): a file of as many of each, or
/// more points, is read as written, its comma numbers as text. In a file of decimal commas a point that does
/// not group thousands makes its column text (see [`super::thousands::pointed`]): one `12.50` among them
/// once made the whole file one of decimal points, where past the rows sniffed it made its column text. A
/// comma followed by exactly three digits may be a thousands separator (`12,500`): it counts for neither.
pub(crate) fn decimal_comma(delimiter: u8, rows: &[Vec<String>]) -> bool {
    // The digits after `mark`, when `value` is a number written with it.
    let fraction = |value: &str, mark: char| -> Option<usize> {
        let digits = value.trim().trim_start_matches(['-', '+']);
        let (whole, fraction) = digits.split_once(mark)?;
        let all_digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        (all_digits(whole) && all_digits(fraction)).then_some(fraction.len())
    };
    let values = || rows.iter().flatten().map(String::as_str);
    let commas = values()
        .filter(|v| fraction(v, ',').is_some_and(|places| places != 3))
        .count();
    // Dotted thousands (`1.234`, `12.500,5`) go with decimal commas (see `thousands`).
    let points = values()
        .filter(|v| fraction(v, '.').is_some() && !super::thousands::thousands(v))
        .count();
    delimiter != b',' && commas > points
}

pub(crate) fn sniff(path: &Path) -> Result<Sniffed, EngineError> {
    let mut file = std::fs::File::open(path)
        .map_err(|e| EngineError::Internal(format!("cannot open the upload: {e}")))?;
    let mut sample = Vec::with_capacity(SAMPLE_BYTES);
    (&mut file)
        .take(SAMPLE_BYTES as u64 + 1)
        .read_to_end(&mut sample)
        .map_err(|e| EngineError::Internal(format!("cannot read the upload: {e}")))?;
    let complete = sample.len() <= SAMPLE_BYTES;
    sample.truncate(SAMPLE_BYTES);
    sniff_bytes(&sample, complete)
}

pub(crate) fn sniff_bytes(sample: &[u8], complete: bool) -> Result<Sniffed, EngineError> {
    if let Some(message) = super::file_kind::not_csv(sample) {
        return Err(EngineError::Csv {
            message,
            line: None,
        });
    }
    let body = sample.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(sample);
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(EngineError::EmptyFile);
    }
    // Lines ended by a carriage return alone: sniffed as the copy polars will read, with newlines.
    let cr_line_ends = ends_lines_with_cr_alone(body);
    let with_newlines: Vec<u8>;
    let body = if cr_line_ends {
        with_newlines = body
            .iter()
            .map(|&b| if b == b'\r' { b'\n' } else { b })
            .collect();
        &with_newlines[..]
    } else {
        body
    };
    let utf8 = match std::str::from_utf8(body) {
        Ok(_) => true,
        // `error_len() == None`: the sample ends inside a character, which says nothing about the file.
        Err(e) => e.error_len().is_none() && !complete,
    };
    // Excel's first line `sep=;` names the delimiter (Excel writes it for a CSV to open split in any locale).
    let (named, body) = match excel_separator(body, complete) {
        Some((delimiter, rest)) => (Some(delimiter), rest),
        None => (None, body),
    };
    // Nothing after it: no header for the dataset's columns (polars made a dataset of none, or of one).
    if let Some(delimiter) = named
        && body.iter().all(u8::is_ascii_whitespace)
    {
        return Err(only_a_sep_line(delimiter));
    }
    // Blank lines after it are no header: polars took the first for a header of one column.
    let (body, skip_lines) = match named {
        Some(_) => blank_lines_skipped(body),
        None => (body, 0),
    };
    // A copy with newlines has the length of the text it copies: the offset holds in the file.
    let header_start = (sample.len() - body.len()) as u64;
    let delimiter = named.unwrap_or_else(|| detect_delimiter(body, complete));
    let mut records = parse_records(body, delimiter, complete, utf8);
    // No line end in all the sample: the first record runs past it.
    let header_cut = !complete && memchr::memchr(b'\n', body).is_none();
    let header = if records.is_empty() {
        Vec::new()
    } else {
        records.remove(0)
    };
    Ok(Sniffed {
        decimal_comma: decimal_comma(delimiter, &records),
        sep_line: named.is_some(),
        skip_lines: skip_lines + usize::from(named.is_some()),
        header_start,
        delimiter,
        utf8,
        cr_line_ends,
        header,
        header_cut,
        rows: records,
    })
}

/// The delimiter named by an Excel `sep=X` first line (`X` one of the candidates, or `\t` written out), and
/// the text after that line. `complete`: the sample is the whole file, whose last line needs no line end
/// (a file of `sep=;` alone).
fn excel_separator(body: &[u8], complete: bool) -> Option<(u8, &[u8])> {
    let end = match memchr::memchr(b'\n', body) {
        Some(end) => end,
        None if complete => body.len(),
        None => return None,
    };
    let line = body[..end].strip_suffix(b"\r").unwrap_or(&body[..end]);
    let named = line.strip_prefix(b"sep=")?;
    let delimiter = match named {
        b"\\t" => b'\t',
        [one] if DELIMITERS.contains(one) => *one,
        _ => return None,
    };
    Some((delimiter, body.get(end + 1..).unwrap_or_default()))
}

/// `body` after its blank lines (`\r\n` ones too), and how many there were.
fn blank_lines_skipped(mut body: &[u8]) -> (&[u8], usize) {
    let mut lines = 0;
    while let Some(rest) = body
        .strip_prefix(b"\n")
        .or_else(|| body.strip_prefix(b"\r\n"))
    {
        (body, lines) = (rest, lines + 1);
    }
    (body, lines)
}

/// The refusal of a file that holds Excel's `sep=X` line and nothing else.
fn only_a_sep_line(delimiter: u8) -> EngineError {
    let named = match delimiter {
        b'\t' => "\\t".to_owned(),
        other => char::from(other).to_string(),
    };
    EngineError::Csv {
        message: format!(
            "the file holds only Excel's `sep={named}` line, which names the delimiter, and no header row or \
             rows after it; upload a CSV with a header row and at least one column"
        ),
        line: None,
    }
}

/// Whether the lines of `sample` end with a carriage return alone: outside quotes, such a return and no
/// newline. Inside quoted values a newline may still stand (Excel for Mac writes a cell's line breaks so).
fn ends_lines_with_cr_alone(sample: &[u8]) -> bool {
    let (mut quoted, mut lone_returns) = (false, 0);
    for (i, &byte) in sample.iter().enumerate() {
        match byte {
            b'"' => quoted = !quoted,
            b'\n' if !quoted => return false,
            b'\r' if !quoted && sample.get(i + 1) != Some(&b'\n') => lone_returns += 1,
            _ => {}
        }
    }
    lone_returns > 0
}

/// Field count of each of the first records under `delimiter`, honouring double quotes.
fn field_counts(body: &[u8], delimiter: u8, complete: bool) -> Vec<usize> {
    let mut counts = Vec::new();
    let (mut fields, mut quoted, mut any) = (1usize, false, false);
    for &b in body {
        match b {
            b'"' => quoted = !quoted,
            b'\n' if !quoted => {
                if any {
                    counts.push(fields);
                    if counts.len() == DELIMITER_RECORDS {
                        return counts;
                    }
                }
                (fields, any) = (1, false);
            }
            b'\r' if !quoted => {}
            _ if b == delimiter && !quoted => {
                fields += 1;
                any = true;
            }
            _ => any = true,
        }
    }
    // The last record counts only if the sample holds the whole file (otherwise it may be cut short).
    if any && (complete || counts.is_empty()) {
        counts.push(fields);
    }
    counts
}

/// The candidate that splits the header into the most fields while splitting the other records the same
/// way; `,` when none splits the header at all (a one-column file). A colon only when no other candidate
/// splits every record alike: times of day hold colons, and a headerless `2024-03-15 13:30:00,1` split
/// into three fields at them (`2024-03-15 13`, `30`, `00,1`).
fn detect_delimiter(body: &[u8], complete: bool) -> u8 {
    let (colon, others) = DELIMITERS.split_last().expect("candidates");
    match best_of(others, body, complete) {
        Some((candidate, 1000)) => candidate,
        found => best_of(std::slice::from_ref(colon), body, complete)
            .filter(|&(_, agree)| found.is_none_or(|(_, before)| agree > before))
            .or(found)
            .map_or(b',', |(candidate, _)| candidate),
    }
}

/// Of `candidates`, the one whose records agree most with the header's field count (then the most fields),
/// with that agreement in per-mille; `None` when none splits the header.
fn best_of(candidates: &[u8], body: &[u8], complete: bool) -> Option<(u8, usize)> {
    let mut best: Option<(u8, usize, usize)> = None;
    for &candidate in candidates {
        let counts = field_counts(body, candidate, complete);
        let Some(&header) = counts.first() else {
            continue;
        };
        if header < 2 {
            continue;
        }
        // Share of records agreeing with the header, in per-mille, so small disagreements still lose.
        let agree = counts.iter().filter(|&&c| c == header).count() * 1000 / counts.len();
        if best.is_none_or(|(_, a, h)| (agree, header) > (a, h)) {
            best = Some((candidate, agree, header));
        }
    }
    best.map(|(candidate, agree, _)| (candidate, agree))
}

/// Records of the sample with the `csv` crate (the last one dropped unless the sample is the whole file).
fn parse_records(body: &[u8], delimiter: u8, complete: bool, utf8: bool) -> Vec<Vec<String>> {
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .flexible(true)
        .from_reader(body);
    let mut records = Vec::new();
    for record in reader.byte_records().take(1000) {
        let Ok(record) = record else { break };
        records.push(record.iter().map(|f| decode(f, utf8)).collect::<Vec<_>>());
    }
    if !complete && records.len() > 1 {
        records.pop();
    }
    records
}

/// The fields of a header longer than the sample, which starts at `from` (after a `sep=;` line, whose own
/// delimiter ended the count at 2 and let any width past): counted to its end (the first line end outside
/// quotes), or until there are more than `limit`, so that a header of millions of fields is not read to its
/// end to be refused.
pub(crate) fn header_width(
    source: &mut super::source::CsvSource,
    delimiter: u8,
    from: u64,
    limit: usize,
) -> std::io::Result<usize> {
    let (mut fields, mut quoted) = (1, false);
    let mut scanned = usize::try_from(from).map_err(std::io::Error::other)?;
    let mut want = 4 * SAMPLE_BYTES as u64;
    loop {
        let available = source.wait_for(want)?;
        let start = u64::try_from(scanned).map_err(std::io::Error::other)?;
        let len = usize::try_from(available - start).map_err(std::io::Error::other)?;
        let bytes = source.map(start, len)?;
        for &byte in bytes.iter() {
            match byte {
                b'"' => quoted = !quoted,
                b'\n' | b'\r' if !quoted => return Ok(fields),
                _ if byte == delimiter && !quoted => fields += 1,
                _ => {}
            }
        }
        scanned += len;
        if fields > limit || source.total() == Some(available) {
            return Ok(fields);
        }
        want = want.saturating_mul(4);
    }
}

/// Bytes as text: UTF-8 (lossy); when the file is not UTF-8, as its copy will read them (the bytes that are not
/// UTF-8 as Windows-1252, what "Latin-1" means on the web).
pub(crate) fn decode(bytes: &[u8], utf8: bool) -> String {
    if utf8 {
        String::from_utf8_lossy(bytes).into_owned()
    } else {
        super::normalise::sample_text(bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn delimiter(text: &str) -> char {
        sniff_bytes(text.as_bytes(), true).unwrap().delimiter as char
    }

    #[test]
    fn delimiters_are_detected_respecting_quotes() {
        assert_eq!(delimiter("a,b,c\n1,2,3\n"), ',');
        assert_eq!(delimiter("a;b\n1,5;2,5\n3,0;4\n"), ';');
        assert_eq!(delimiter("a\tb\tc\n1\t2\t3\n"), '\t');
        assert_eq!(delimiter("a|b\n\"x|y|z\"|2\n"), '|');
        assert_eq!(delimiter("city:region\nA:B\n"), ':');
        // Times of day are not fields: a headerless file of datetimes keeps its commas.
        assert_eq!(
            delimiter("2024-03-15 13:30:00,1\n2024-03-16 09:05:00,2\n"),
            ','
        );
        assert_eq!(
            delimiter("2024-03-15T13:30:00;1;x\n2024-03-16T09:05:00;2;y\n"),
            ';'
        );
        assert_eq!(
            delimiter("03/15/2024 1:30:00 PM\t1\n03/16/2024 9:05:00 AM\t2\n"),
            '\t'
        );
        assert_eq!(delimiter("\"a;b;c\",d\n\"1;2;3\",4\n"), ',');
        assert_eq!(delimiter("single\n1\n2\n"), ',');
        assert_eq!(delimiter("t,when\n1,10:30:00\n"), ',');
    }

    /// Before (probe A5): the header was `sep=`, a column of its own.
    #[test]
    fn an_excel_sep_line_names_the_delimiter() {
        for (text, delimiter) in [
            (&b"sep=;\na;b\n1,5;2\n"[..], b';'),
            (b"\xEF\xBB\xBFsep=,\r\na,b\r\n1,2\r\n", b','),
            (b"sep=\t\na\tb\n1\t2\n", b'\t'),
            (b"sep=\\t\na\tb\n1\t2\n", b'\t'),
            (b"sep=|\na|b\n1|2\n", b'|'),
        ] {
            let sniffed = sniff_bytes(text, true).unwrap();
            assert!(sniffed.sep_line, "{text:?}");
            assert_eq!(sniffed.delimiter, delimiter, "{text:?}");
            assert_eq!(sniffed.header, ["a", "b"], "{text:?}");
            assert_eq!(sniffed.rows.len(), 1, "{text:?}");
            let at = usize::try_from(sniffed.header_start).unwrap();
            assert_eq!(text[at], b'a', "{text:?}");
        }
        for text in [&b"sep=x\na,b\n"[..], b"sep,b\n1,2\n", b"a,b\nsep=;\n"] {
            assert!(!sniff_bytes(text, true).unwrap().sep_line, "{text:?}");
        }
    }

    #[test]
    fn lines_ended_by_a_carriage_return_alone_are_seen() {
        assert!(ends_lines_with_cr_alone(b"a,b\r1,2\r"));
        // Excel for Mac: line breaks inside cells are newlines, rows end with a return.
        assert!(ends_lines_with_cr_alone(b"a,b\r1,\"x\ny\"\r"));
        assert!(!ends_lines_with_cr_alone(b"a,b\r\n1,2\r\n"));
        assert!(!ends_lines_with_cr_alone(b"a,b\n1,2\n"));
        assert!(!ends_lines_with_cr_alone(b"a,b"));
        let sniffed = sniff_bytes(b"a,b\r1,\"x\ny\"\r2,3\r", true).unwrap();
        assert!(sniffed.cr_line_ends);
        assert_eq!(sniffed.header, ["a", "b"]);
        assert_eq!(sniffed.rows.len(), 2);
    }

    #[test]
    fn bom_encoding_and_emptiness() {
        let s = sniff_bytes(b"\xEF\xBB\xBFa;b\n1;2\n", true).unwrap();
        assert_eq!(
            (s.delimiter, s.header.clone(), s.utf8),
            (b';', vec!["a".into(), "b".into()], true)
        );
        let latin = sniff_bytes(b"name,city\nJos\xE9,Z\xFCrich\n", true).unwrap();
        assert!(!latin.utf8);
        assert_eq!(latin.rows[0], vec!["José".to_string(), "Zürich".into()]);
        // A sample cut inside a two-byte character is still UTF-8.
        assert!(
            sniff_bytes("a\nJosé".as_bytes().split_last().unwrap().1, false)
                .unwrap()
                .utf8
        );
        assert!(matches!(
            sniff_bytes(b"", true),
            Err(EngineError::EmptyFile)
        ));
        assert!(matches!(
            sniff_bytes(b"\xEF\xBB\xBF \r\n", true),
            Err(EngineError::EmptyFile)
        ));
    }
}

//! Parsing one piece of a CSV (whole records, no header) with polars into a frame of the file's schema, with
//! the null tokens read as nulls.

use std::io::Cursor;

use polars::prelude::*;
use polars_core::runtime::RAYON;

use super::chunked;
use super::convert::Reading;
use super::headers;
use super::records::{count_records, starts_with_long_record};
use super::text_for_polars;

/// Parses pieces of whole records (no header) into frames of the file's schema, with the null tokens
/// (`NULL`, `N/A`, ...; [`headers::NULL_TOKENS`]) read as nulls.
///
/// Why not simply hand polars the tokens: it then compares every field of every column with each of them,
/// which was 16 % of the conversion's CPU on the groupby table (perf). So a piece is first parsed without
/// them and its text columns have their tokens nulled afterwards, a vectorised comparison per column. A
/// token in a column of numbers or dates makes that parse fail; then the piece, and every piece after it, is
/// parsed with the tokens as before. Either way the frame is the same.
pub(crate) struct PieceParser<'a> {
    reading: &'a Reading,
    with_tokens: bool,
}

impl<'a> PieceParser<'a> {
    pub(crate) fn new(reading: &'a Reading) -> Self {
        Self {
            reading,
            with_tokens: false,
        }
    }

    pub(crate) fn parse(&mut self, piece: &[u8]) -> PolarsResult<DataFrame> {
        if !self.with_tokens {
            // A failure here is a token where polars expected a number or a date, or a real fault of the
            // file; parsing again with the tokens tells them apart (and reports the fault as before).
            if let Ok(frame) = read_piece(piece, self.reading, false) {
                return null_text_tokens(frame);
            }
            self.with_tokens = true;
        }
        read_piece(piece, self.reading, true)
    }
}

/// `frame` with the text values that are exactly a null token made null, as polars' parser does with them.
fn null_text_tokens(mut frame: DataFrame) -> PolarsResult<DataFrame> {
    let text: Vec<usize> = frame
        .dtypes()
        .iter()
        .enumerate()
        .filter_map(|(index, dtype)| (*dtype == DataType::String).then_some(index))
        .collect();
    for index in text {
        let column = frame.columns()[index].str()?;
        if !may_hold_tokens(column) {
            continue;
        }
        // The empty text too: a quoted empty cell (`""`), which is missing like an empty one.
        let mut is_token = column.equal("");
        for token in headers::NULL_TOKENS {
            is_token = is_token | column.equal(*token);
        }
        if is_token.any() {
            let nulled = column.set(&is_token, None)?;
            frame.replace_column(index, nulled.into_column())?;
        }
    }
    // `set` rebuilds the column as one chunk while polars' parser leaves one per thread; the Parquet writer
    // cuts row groups by chunk and needs every column cut alike (a debug assertion in polars checks it).
    frame.align_chunks_par();
    Ok(frame)
}

/// Whether some value of `column` is as long as a null token, or empty (a quoted `""`). Most text columns
/// (ids, codes, sentences) have none, and their comparisons are skipped: each value's length is in its view,
/// so this is one quick pass.
fn may_hold_tokens(column: &StringChunked) -> bool {
    let lengths = headers::NULL_TOKENS.iter().map(|token| token.len());
    let (shortest, longest) = (lengths.clone().min(), lengths.max());
    let (Some(shortest), Some(longest)) = (shortest, longest) else {
        return false;
    };
    let mut empty = 0;
    let token_long = column.downcast_iter().any(|values| {
        values.views().iter().any(|view| {
            empty += usize::from(view.length == 0);
            (shortest..=longest).contains(&(view.length as usize))
        })
    });
    // A null's view is empty too: more empty views than nulls means an empty value among them.
    token_long || empty > column.null_count()
}

/// `piece` parsed as [`PieceParser`] parses it, but with column `index` text: its values as written.
pub(crate) fn with_text_column(
    piece: &[u8],
    reading: &Reading,
    index: usize,
) -> PolarsResult<DataFrame> {
    let mut schema = (*reading.schema).clone();
    if let Some((_, dtype)) = schema.get_at_index_mut(index) {
        *dtype = DataType::String;
    }
    let text = Reading {
        schema: Arc::new(schema),
        unseen: Vec::new(),
        dates: Default::default(),
        thousands: Default::default(),
        ..*reading
    };
    read_piece(piece, &text, true)
}

/// One piece of whole records (no header) into a frame of the file's schema; `with_tokens` has polars read
/// the null tokens as nulls in every column.
fn read_piece(piece: &[u8], reading: &Reading, with_tokens: bool) -> PolarsResult<DataFrame> {
    // The options `ingest::scan` inferred the schema with: a piece must read the way the file's start did.
    let parse_options = CsvParseOptions::default()
        .with_separator(reading.delimiter)
        .with_decimal_comma(reading.decimal_comma)
        .with_try_parse_dates(true)
        .with_missing_is_null(true);
    // Without quotes, the chunks are the faster way; with them, the reader's SIMD line count is.
    let quoted = memchr::memchr(b'"', piece).is_some();
    let null_values = match with_tokens {
        true => Some(headers::null_values().compile(&reading.schema)?),
        false => None,
    };
    let in_chunks = |reporting: bool| -> PolarsResult<Option<DataFrame>> {
        let schema = &reading.schema;
        match chunked::parse(piece, quoted, &parse_options, schema, null_values.as_ref()) {
            Ok(frame) => Ok(Some(frame)),
            // Polars' own words name the column and the value, which the ingest widens the column from.
            Err(Some(polars_says)) if reporting => Err(polars_says),
            Err(_) => Ok(None),
        }
    };
    if !quoted && let Some(frame) = in_chunks(false)? {
        return Ok(frame);
    }
    // Polars' reader reads its first line again with each slice it reads until the line ends (in
    // `CoreReader::new`, schema given or not), so a piece that starts with a long record is parsed in chunks;
    // a value there that breaks its column's type is reported from them, without the reader.
    if quoted
        && starts_with_long_record(piece, reading.delimiter)
        && let Some(frame) = in_chunks(true)?
    {
        return Ok(frame);
    }
    let reader_options = match with_tokens {
        true => parse_options
            .clone()
            .with_null_values(Some(headers::null_values())),
        false => parse_options.clone(),
    };
    let text = text_for_polars::as_text(piece);
    let read = || {
        CsvReadOptions::default()
            .with_has_header(false)
            .with_schema(Some(reading.schema.clone()))
            .with_raise_if_empty(false)
            .with_parse_options(reader_options)
            .into_reader_with_file_handle(Cursor::new(text.as_ref()))
            .finish()
    };
    if !quoted {
        return read();
    }
    // The reader's line count takes a quote inside a value (`27" wide`) for an opening one, while its parser,
    // like every CSV reader, reads it as a character. Mostly the reader then refuses the piece ("CSV
    // malformed"); but its count also decides where it cuts the piece for its threads, and a cut at a newline
    // inside a later quoted value would make rows that are not in the file. A review found that path in
    // polars' code; no input built here took it, so its rows are counted against the records (beside it, on
    // the other core: 3M quoted rows, 0.63 s against 0.60 s without) rather than trusted. A piece it refuses
    // or misreads is parsed in chunks cut where [`super::records`] finds the records end.
    let (read, records) =
        RAYON.install(|| rayon::join(read, || count_records(piece, reading.delimiter, true)));
    match read {
        Ok(frame) if frame.height() == records => Ok(frame),
        Ok(frame) => in_chunks(false)?.ok_or_else(|| {
            polars_err!(ComputeError: "CSV malformed: {} rows read where the piece holds {records} records", frame.height())
        }),
        Err(fault) => Ok(in_chunks(false)?.ok_or(fault)?),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Comma-separated records, no header, with these columns.
    fn reading(columns: &[(&str, DataType)]) -> Reading {
        Reading {
            decimal_comma: false,
            delimiter: b',',
            has_header: false,
            sep_line: false,
            schema: super::super::schema_of(columns),
            unseen: Vec::new(),
            dates: Default::default(),
            thousands: Default::default(),
        }
    }

    /// A lone quote ending the input, compared with the null tokens, was read out of bounds by polars (a debug
    /// build aborts the whole test binary there). Each of these is now read or refused, without a crash.
    #[test]
    fn a_lone_quote_at_the_end_is_read_within_bounds() {
        let reading = reading(&[("n", DataType::Int64), ("s", DataType::String)]);
        for piece in [&b"1,\""[..], b"1,\"\r", b"1,a\n2,\"", b"N/A,\"\r", b"\""] {
            let mut parser = PieceParser::new(&reading);
            let _ = parser.parse(piece);
            // And once the tokens are in use, from the first try.
            let _ = parser.parse(piece);
        }
    }

    /// A piece that starts with a record of megabytes (parsed in chunks, not by polars' reader) reads the same.
    #[test]
    fn a_piece_that_starts_with_a_long_record_reads_whole() {
        let reading = reading(&[("text", DataType::String), ("n", DataType::Int64)]);
        let long = format!(
            "{}\n{}",
            "x".repeat(super::super::records::LONG_RECORD),
            "y, \"\"z\"\""
        );
        let piece = format!("\"{long}\",1\nshort,2\n\"q\nr\",3\n");
        assert!(starts_with_long_record(piece.as_bytes(), b','));
        let frame = PieceParser::new(&reading).parse(piece.as_bytes()).unwrap();
        let text: Vec<_> = frame
            .column("text")
            .unwrap()
            .str()
            .unwrap()
            .iter()
            .collect();
        let expected_long = long.replace("\"\"", "\"");
        assert_eq!(
            text,
            [Some(expected_long.as_str()), Some("short"), Some("q\nr")]
        );
        let n: Vec<_> = frame.column("n").unwrap().i64().unwrap().iter().collect();
        assert_eq!(n, [Some(1), Some(2), Some(3)]);
    }

    /// Such a piece with a value that breaks its column's type: polars' own error, naming the column and the
    /// value (what the ingest widens the column from).
    #[test]
    fn a_long_record_that_breaks_a_type_says_where() {
        let reading = reading(&[("text", DataType::String), ("n", DataType::Int64)]);
        let long = "x".repeat(super::super::records::LONG_RECORD);
        let piece = format!("\"{long}\",abc\nshort,2\n");
        let error = PieceParser::new(&reading)
            .parse(piece.as_bytes())
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("could not parse `abc` as dtype `i64`")
                && error.contains("(column number 2)"),
            "{}",
            &error[..error.len().min(300)]
        );
    }

    /// Quotes inside values and quoted newlines, in a piece large enough that polars' reader cuts it into chunks
    /// where its count misplaces the record ends: every record is read whole.
    #[test]
    fn a_quote_inside_a_value_never_splits_a_later_quoted_value() {
        let reading = reading(&[("size", DataType::String), ("note", DataType::String)]);
        // Large enough that the reader cuts it into chunks for its threads, at newlines its count misplaces.
        let piece = "27\" wide,c\n\"a\nb\",d\n".repeat(5_000);
        let frame = PieceParser::new(&reading).parse(piece.as_bytes()).unwrap();
        assert_eq!(frame.height(), 10_000);
        let sizes = frame.column("size").unwrap().str().unwrap();
        let notes = frame.column("note").unwrap().str().unwrap();
        for (row, (size, note)) in sizes.iter().zip(notes.iter()).enumerate() {
            let expected = match row % 2 {
                0 => (Some("27\" wide"), Some("c")),
                _ => (Some("a\nb"), Some("d")),
            };
            assert_eq!((size, note), expected, "row {row}");
        }
    }
}

//! Parsing a piece that holds no quote character with polars' own chunk parser, in chunks cut at newlines.
//!
//! Why: polars' `CsvReader` first walks the whole piece on one thread with a quote-aware line counter to cut
//! it into chunks for its threads (`CountLines::find_next`, 9 % of an ingest's CPU on the groupby table, and
//! 12 % of polars' own eager read). Without a quote in the piece every newline ends a record, so a byte
//! search finds the cuts and SIMD counts the rows. Each chunk is then parsed by the same function the
//! reader calls (`read_chunk`), with the same options, on the same thread pool. Anything unexpected (a row
//! count that does not match, text that is not UTF-8, a value that does not parse) returns `None`, and the
//! caller parses the piece with the `CsvReader` as before, which reports the fault in its own words.

use polars::io::csv::read::_csv_read_internal::{
    NullValuesCompiled, cast_columns, prepare_csv_schema, read_chunk, validate_utf8,
};
use polars::prelude::*;
use polars_core::runtime::RAYON;
use polars_core::utils::accumulate_dataframes_vertical;
use rayon::prelude::*;

/// Chunks per thread, as polars' reader cuts them: enough that a slow chunk does not leave a core idle.
const CHUNKS_PER_THREAD: usize = 16;
/// Polars' own bounds on a chunk's size (release build): below 4 KiB the per-chunk overhead dominates.
const SMALLEST_CHUNK: usize = 4 << 10;
const LARGEST_CHUNK: usize = 16 << 20;
/// Polars' cap on chunks × columns, which keeps the per-chunk column buffers of a wide table bounded.
const ALLOCATION_BUDGET: usize = 500_000;

/// Whether [`parse`] may be tried on `piece`: it holds no quote character, so no value spans a newline.
pub(crate) fn applies_to(piece: &[u8]) -> bool {
    memchr::memchr(b'"', piece).is_none()
}

/// `piece` (whole records, no header, no quote character) parsed as polars' `CsvReader` parses it with
/// `parse_options` and `schema`; `None` if any chunk did not parse exactly as the reader would have.
pub(crate) fn parse(
    piece: &[u8],
    parse_options: &CsvParseOptions,
    schema: &SchemaRef,
    null_values: Option<&NullValuesCompiled>,
) -> Option<DataFrame> {
    let threads = RAYON.current_num_threads();
    let chunks =
        (threads * CHUNKS_PER_THREAD).min((ALLOCATION_BUDGET / schema.len().max(1)).max(threads));
    let chunk_bytes = (piece.len() / chunks.max(1)).clamp(SMALLEST_CHUNK, LARGEST_CHUNK);
    parse_in_chunks(piece, parse_options, schema, null_values, chunk_bytes)
}

fn parse_in_chunks(
    piece: &[u8],
    parse_options: &CsvParseOptions,
    schema: &SchemaRef,
    null_values: Option<&NullValuesCompiled>,
    chunk_bytes: usize,
) -> Option<DataFrame> {
    // Types the parser cannot produce (a time of day) are parsed as text and cast, as the reader does.
    let (mut parsed_as, mut to_cast) = (schema.clone(), Vec::new());
    prepare_csv_schema(&mut parsed_as, &mut to_cast).ok()?;
    let check_utf8 = parsed_as.iter_values().any(DataType::is_string);
    let projection: Vec<usize> = (0..parsed_as.len()).collect();
    let parse_chunk = |chunk: &[u8]| -> Option<DataFrame> {
        if check_utf8 && !validate_utf8(chunk) {
            return None;
        }
        let rows = memchr::memchr_iter(b'\n', chunk).count() + usize::from(!chunk.ends_with(b"\n"));
        let frame = read_chunk(
            chunk,
            parse_options,
            &parsed_as,
            false,
            &projection,
            0,
            rows,
            null_values,
            usize::MAX,
            chunk.len(),
            Some(0),
        )
        .ok()?;
        // The reader's own check: fewer rows than lines is a blank line or a malformed record.
        (frame.height() == rows).then_some(frame)
    };
    let frames: Vec<DataFrame> = RAYON.install(|| {
        chunks(piece, chunk_bytes)
            .collect::<Vec<_>>()
            .into_par_iter()
            .map(parse_chunk)
            .collect::<Option<_>>()
    })?;
    // One chunk per part, in order, as the reader joins its parts.
    let mut frame = accumulate_dataframes_vertical(frames).ok()?;
    cast_columns(&mut frame, &to_cast, false, false).ok()?;
    Some(frame)
}

/// `piece` cut into chunks of at least `chunk_bytes` that end just after a newline (the last one may not).
fn chunks(piece: &[u8], chunk_bytes: usize) -> impl Iterator<Item = &[u8]> {
    let mut rest = piece;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let end = rest
            .get(chunk_bytes.max(1) - 1..)
            .and_then(|after| memchr::memchr(b'\n', after))
            .map_or(rest.len(), |i| chunk_bytes.max(1) + i);
        let (chunk, after) = rest.split_at(end);
        rest = after;
        Some(chunk)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_end_on_newlines_and_rejoin_to_the_piece() {
        let piece = b"a,1\nbb,22\nccc,333\nd,4";
        for size in 1..piece.len() + 2 {
            let cut: Vec<&[u8]> = chunks(piece, size).collect();
            assert_eq!(cut.concat(), piece, "size {size}");
            for chunk in &cut[..cut.len() - 1] {
                assert!(chunk.ends_with(b"\n") && chunk.len() >= size, "size {size}");
            }
        }
        assert_eq!(chunks(b"", 4).count(), 0);
    }

    fn schema() -> SchemaRef {
        Arc::new(Schema::from_iter([
            Field::new("n".into(), DataType::Int64),
            Field::new("x".into(), DataType::Float64),
            Field::new("s".into(), DataType::String),
            Field::new("d".into(), DataType::Date),
            Field::new("b".into(), DataType::Boolean),
            Field::new("t".into(), DataType::Datetime(TimeUnit::Microseconds, None)),
            // Parsed as text and cast, as the reader does.
            Field::new("clock".into(), DataType::Time),
        ]))
    }

    /// What is wrong with a piece, in one or a few of its rows.
    #[derive(Clone, Copy, Debug, PartialEq)]
    enum Flaw {
        None,
        /// Values polars reads otherwise or not at all: padded, signed, tokens, words in number columns.
        OddValues,
        ExtraField,
        MissingFields,
        BlankLine,
        /// A byte that is not UTF-8 in the text column.
        NotUtf8,
    }

    const FLAWS: [Flaw; 6] = [
        Flaw::None,
        Flaw::OddValues,
        Flaw::ExtraField,
        Flaw::MissingFields,
        Flaw::BlankLine,
        Flaw::NotUtf8,
    ];

    /// A value for column `column`; with `odd`, one polars may read otherwise or not at all.
    fn value(rng: &mut fastrand::Rng, column: usize, odd: bool) -> String {
        let odd_ones = [
            "",
            " 7",
            "+3",
            "NULL",
            "N/A",
            "null",
            "x",
            "1.5e3",
            "nan",
            "-0",
            "99999999999999999999",
            "é",
            "2024-13-45",
            "TRUE",
        ];
        if odd {
            return odd_ones[rng.usize(..odd_ones.len())].to_string();
        }
        match column {
            0 => rng.i64(-1000..1000).to_string(),
            1 => format!("{:.3}", rng.f64() * 100.0 - 50.0),
            2 => ["id001", "a longer piece of text", "ünïcödé", "N/A-ish"][rng.usize(..4)].into(),
            3 => format!("2024-0{}-1{}", rng.u8(1..10), rng.u8(0..10)),
            4 => ["true", "false"][rng.usize(..2)].into(),
            5 => format!("2024-05-0{} 1{}:30:00", rng.u8(1..10), rng.u8(0..10)),
            _ => format!("1{}:30:0{}", rng.u8(0..10), rng.u8(0..10)),
        }
    }

    /// A piece of `rows` records with `flaw` in a few of them; CRLF line ends if `crlf`.
    fn piece(rng: &mut fastrand::Rng, flaw: Flaw, rows: usize, crlf: bool) -> Vec<u8> {
        let mut piece = Vec::new();
        for row in 0..rows {
            let flawed = flaw != Flaw::None && (rng.u8(..) < 8 || row == rows / 2);
            let mut fields: Vec<Vec<u8>> = (0..7)
                .map(|c| {
                    let odd = flawed && flaw == Flaw::OddValues && rng.bool();
                    value(rng, c, odd).into_bytes()
                })
                .collect();
            match (flawed, flaw) {
                (true, Flaw::ExtraField) => fields.push(b"extra".to_vec()),
                (true, Flaw::MissingFields) => fields.truncate(rng.usize(1..7)),
                (true, Flaw::BlankLine) => fields.clear(),
                (true, Flaw::NotUtf8) => fields[2].push(0xff),
                _ => {}
            }
            piece.extend(fields.join(&b','));
            if row + 1 < rows || rng.bool() {
                piece.extend_from_slice(if crlf { b"\r\n" } else { b"\n" });
            }
        }
        piece
    }

    /// Random pieces, well formed or with one kind of flaw: whenever the chunked parse answers, it is the
    /// frame polars' reader makes of the whole piece; and it answers for every well-formed piece.
    #[test]
    fn parses_every_piece_as_polars_reader_does_or_declines() {
        let mut rng = fastrand::Rng::with_seed(7);
        let schema = schema();
        let mut answered = std::collections::BTreeMap::new();
        for trial in 0..600 {
            let flaw = FLAWS[trial % FLAWS.len()];
            let with_tokens = trial / FLAWS.len() % 2 == 1;
            let (rows, crlf) = (rng.usize(1..300), rng.u8(..) < 80);
            let piece = piece(&mut rng, flaw, rows, crlf);
            let options = CsvParseOptions::default()
                .with_try_parse_dates(true)
                .with_missing_is_null(true);
            let nulls = with_tokens.then(|| {
                super::super::headers::null_values()
                    .compile(&schema)
                    .unwrap()
            });
            let chunked =
                parse_in_chunks(&piece, &options, &schema, nulls.as_ref(), rng.usize(1..400));
            let reader_options = match with_tokens {
                true => options.with_null_values(Some(super::super::headers::null_values())),
                false => options,
            };
            let whole = CsvReadOptions::default()
                .with_has_header(false)
                .with_schema(Some(schema.clone()))
                .with_parse_options(reader_options)
                .into_reader_with_file_handle(std::io::Cursor::new(&piece))
                .finish();
            let entry = answered.entry(format!("{flaw:?}")).or_insert((0, 0));
            entry.1 += 1;
            if let Some(chunked) = chunked {
                entry.0 += 1;
                let whole = whole.unwrap_or_else(|e| {
                    panic!("trial {trial}: the reader failed ({e}) where the chunks parsed")
                });
                assert_eq!(chunked.schema(), whole.schema(), "trial {trial}");
                assert!(
                    chunked.equals_missing(&whole),
                    "trial {trial}:\n{chunked}\n{whole}"
                );
            }
        }
        println!("answered, tried per flaw: {answered:?}");
        let (well_formed_answered, well_formed) = answered["None"];
        assert_eq!(well_formed_answered, well_formed, "every well-formed piece");
    }
}

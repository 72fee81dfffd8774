//! Parsing a piece with polars' own chunk parser, in chunks cut at record ends.
//!
//! Why not always polars' `CsvReader`:
//! - It first walks the whole piece on one thread with a quote-counting line counter, to cut it into chunks for
//!   its threads (`CountLines::find_next`: 9 % of an ingest's CPU on the groupby table, and 12 % of polars' own
//!   eager read). A piece without quotes is cut here by a byte search and its rows counted with SIMD, so it is
//!   parsed this way first. With quotes, that SIMD counter is faster than [`super::records`]' scan (3M quoted
//!   rows: 0.58 s against 0.66 s), so the reader goes first.
//! - That counter takes a quote in the middle of a value (`27" wide`) for an opening one, while polars' parser
//!   reads it as a character, as every CSV reader does; with two such rows the reader refuses the piece ("CSV
//!   malformed: expected 1 rows, actual 2 rows"). A piece the reader refuses is parsed here, cut where
//!   [`super::records`] finds the records end, reading quotes as the parser does.
//!
//! Each chunk is parsed by the function the reader calls (`read_chunk`), with the same options, on the same
//! thread pool. Anything unexpected returns `None`, and the caller keeps the reader's answer, which reports
//! the fault in its own words: a row count that does not match, text that is not UTF-8, a value that does not
//! parse, a quote never closed. The reader is given the piece as [`super::text_for_polars::as_text`] makes
//! it, and this reads it the same way: every byte as text, a byte-order mark at its start included.

use polars::io::csv::read::_csv_read_internal::{
    NullValuesCompiled, cast_columns, prepare_csv_schema, read_chunk, validate_utf8,
};
use polars::prelude::*;
use polars_core::runtime::RAYON;
use polars_core::utils::accumulate_dataframes_vertical;
use rayon::prelude::*;

use super::records::{count_records, record_ends};

/// Chunks per thread, as polars' reader cuts them: enough that a slow chunk does not leave a core idle.
const CHUNKS_PER_THREAD: usize = 16;
/// Polars' own bounds on a chunk's size (release build): below 4 KiB the per-chunk overhead dominates.
const SMALLEST_CHUNK: usize = 4 << 10;
const LARGEST_CHUNK: usize = 16 << 20;
/// Polars' cap on chunks × columns, which keeps the per-chunk column buffers of a wide table bounded.
const ALLOCATION_BUDGET: usize = 500_000;

/// `piece` (whole records, no header) parsed as polars' `CsvReader` parses it with `parse_options` and
/// `schema`, quotes read as its parser reads them. `Err` if any chunk did not parse exactly so: with polars'
/// own error when a chunk failed to parse (a value that breaks its column's type), `Err(None)` for another
/// reason. `quoted`: whether the piece holds a quote character (the caller has looked; it decides how the
/// piece is cut).
pub(crate) fn parse(
    piece: &[u8],
    quoted: bool,
    parse_options: &CsvParseOptions,
    schema: &SchemaRef,
    null_values: Option<&NullValuesCompiled>,
) -> Result<DataFrame, Option<PolarsError>> {
    let threads = RAYON.current_num_threads();
    let chunks =
        (threads * CHUNKS_PER_THREAD).min((ALLOCATION_BUDGET / schema.len().max(1)).max(threads));
    let chunk_bytes = (piece.len() / chunks.max(1)).clamp(SMALLEST_CHUNK, LARGEST_CHUNK);
    parse_in_chunks(
        piece,
        quoted,
        parse_options,
        schema,
        null_values,
        chunk_bytes,
    )
}

fn parse_in_chunks(
    piece: &[u8],
    quoted: bool,
    parse_options: &CsvParseOptions,
    schema: &SchemaRef,
    null_values: Option<&NullValuesCompiled>,
    chunk_bytes: usize,
) -> Result<DataFrame, Option<PolarsError>> {
    // Types the parser cannot produce (a time of day) are parsed as text and cast, as the reader does.
    let (mut parsed_as, mut to_cast) = (schema.clone(), Vec::new());
    prepare_csv_schema(&mut parsed_as, &mut to_cast).map_err(Some)?;
    let check_utf8 = parsed_as.iter_values().any(DataType::is_string);
    let projection: Vec<usize> = (0..parsed_as.len()).collect();
    let delimiter = parse_options.separator;
    let parse_chunk = |chunk: &[u8]| -> Result<DataFrame, Option<PolarsError>> {
        if check_utf8 && !validate_utf8(chunk) {
            return Err(None);
        }
        let rows = count_records(chunk, delimiter, quoted);
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
        .map_err(Some)?;
        // The reader's own consistency check: one row per record.
        match frame.height() == rows {
            true => Ok(frame),
            false => Err(None),
        }
    };
    let chunks = chunks(piece, quoted, chunk_bytes, delimiter).ok_or(None)?;
    let frames: Vec<DataFrame> = RAYON.install(|| {
        chunks
            .into_par_iter()
            .map(parse_chunk)
            .collect::<Result<_, _>>()
    })?;
    if frames.is_empty() {
        return Err(None);
    }
    // One chunk per part, in order, as the reader joins its parts.
    let mut frame = accumulate_dataframes_vertical(frames).map_err(Some)?;
    cast_columns(&mut frame, &to_cast, false, false).map_err(Some)?;
    Ok(frame)
}

/// `piece` cut into chunks of at least `chunk_bytes` that end at a record's end (the last one may not);
/// `None` if a quote in it is never closed.
fn chunks(piece: &[u8], quoted: bool, chunk_bytes: usize, delimiter: u8) -> Option<Vec<&[u8]>> {
    let chunk_bytes = chunk_bytes.max(1);
    let mut cuts = Vec::new();
    if !quoted {
        // Every newline ends a record: look for the first one past each chunk's size.
        let mut start = 0;
        while let Some(i) = piece
            .get(start + chunk_bytes - 1..)
            .and_then(|after| memchr::memchr(b'\n', after))
        {
            start += chunk_bytes + i;
            cuts.push(start);
        }
    } else {
        let mut ends = record_ends(piece, delimiter);
        let mut start = 0;
        for end in ends.by_ref() {
            if end - start >= chunk_bytes {
                cuts.push(end);
                start = end;
            }
        }
        if ends.inside_quotes() {
            return None;
        }
    }
    let mut chunks = Vec::with_capacity(cuts.len() + 1);
    let mut start = 0;
    for cut in cuts {
        chunks.push(&piece[start..cut]);
        start = cut;
    }
    if start < piece.len() {
        chunks.push(&piece[start..]);
    }
    Some(chunks)
}

#[cfg(test)]
mod tests;

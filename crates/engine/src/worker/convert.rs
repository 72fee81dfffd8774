//! CSV → Parquet in bounded memory: the file is read in pieces that end on record boundaries, polars parses
//! each piece with the schema inferred from the start of the file, each piece becomes row groups of one
//! Parquet file, and the per-column statistics are gathered from the pieces as they pass.
//!
//! Why not polars' streaming `sink_parquet`: its CSV source maps the whole file into memory, so the worker's
//! resident size grew past the CSV's own size, and the statistics then needed a second pass over the Parquet
//! file. Here the peak is one piece, its parsed frame and its encoded row groups, whatever the file's size
//! (160–173 MB for the 509 MB table).

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use contracts::ColumnStats;
use polars::prelude::*;
use polars_core::runtime::RAYON;

use super::blank_lines::without_blank_lines;
use super::float_range;
use super::late_types;
use super::late_zeros;
use super::numeric_dates::DateColumns;
use super::parquet_writer::{ParallelParquetWriter, Settings};
use super::piece_parser::PieceParser;
use super::pieces::Pieces;
use super::records::nth_record_end;
use super::source::CsvSource;
use super::stats;
use super::syncing::BackgroundSync;
use super::text_for_polars::BOM;
use super::thousands::Thousands;

/// Bytes of CSV parsed at a time: large enough that polars' parallel parser has work for every core. On the
/// 509 MB groupby table (`bench/groupby.sh`), 8 MiB pieces were slower, and 64 MiB ones as fast as 32 MiB but
/// with half as much again resident.
const PIECE_BYTES: usize = 32 << 20;

/// How every piece is parsed.
pub(crate) struct Reading {
    pub delimiter: u8,
    /// Numbers have a decimal comma (see `sniff::decimal_comma`).
    pub decimal_comma: bool,
    pub has_header: bool,
    /// The file starts with Excel's `sep=;` line (see `sniff::excel_separator`), which is not a record.
    pub sep_line: bool,
    /// Column names and types for the whole file.
    pub schema: SchemaRef,
    /// Text columns with no value in the rows the types were inferred from, whose first values are looked
    /// for (see [`late_types`]).
    pub unseen: Vec<usize>,
    /// Columns parsed as text whose dates are converted after (see [`DateColumns`]).
    pub dates: DateColumns,
    /// Columns of numbers with dotted thousands, parsed as text and converted after (see [`Thousands`]).
    pub thousands: Thousands,
}

/// Writes `csv` to `parquet`; returns the row count and the column statistics.
///
/// One piece at a time: parsing and writing each use every core (the writing through
/// [`ParallelParquetWriter`], which encodes the columns of each row group in parallel). What runs on one
/// thread (finding the next piece's end, writing the encoded row groups out) overlaps the statistics and the
/// next piece: 1.43-1.52 s against 1.54-1.70 s on the groupby table, same CPU time. Parsing the next piece
/// on a thread of its own while the last one was written was no faster on two cores (median 1.65 s against
/// 1.64 s over six runs each) and held 50 MB more.
pub(crate) fn convert(
    csv: &mut CsvSource,
    parquet: &Path,
    reading: &Reading,
) -> PolarsResult<(u64, Vec<ColumnStats>)> {
    convert_in_pieces(csv, parquet, reading, PIECE_BYTES)
}

pub(super) fn convert_in_pieces(
    csv: &mut CsvSource,
    parquet: &Path,
    reading: &Reading,
    piece_bytes: usize,
) -> PolarsResult<(u64, Vec<ColumnStats>)> {
    let stored = (reading.thousands).stored_schema(reading.dates.stored_schema(&reading.schema));
    let schema = stored.as_ref();
    let mut pieces = Pieces::new(csv, piece_bytes, reading.delimiter);
    // Buffered: the Parquet writer issues a small write per page header. Flushed below, where an error (a full
    // disk) is reported rather than lost in a drop.
    let file = File::create(parquet)?;
    let sync = BackgroundSync::start(file.try_clone()?)?;
    let mut output = BufWriter::with_capacity(1 << 20, file);
    let settings = Settings {
        // LZ4 costs little CPU on write and read, and still shrinks repetitive columns well.
        compression: ParquetCompression::Lz4Raw,
        // Min, max and null count per row group (for pruning); distinct counts would cost a hash per value.
        statistics: StatisticsOptions::default(),
        judge_columns: true,
    };
    let mut writer = ParallelParquetWriter::new(&mut output, schema, settings)?;
    let summary = stats::expressions(schema);
    // The statistics of an empty frame: the row count and the null counts start at zero.
    let mut summaries = vec![summarise(DataFrame::empty_with_schema(schema), &summary)?];
    let mut parser = PieceParser::new(reading);
    let mut unseen = reading.unseen.clone();
    let integers: Vec<usize> = (reading.schema.iter_values().enumerate())
        .filter_map(|(index, dtype)| dtype.is_integer().then_some(index))
        .collect();
    std::thread::scope(|scope| -> PolarsResult<()> {
        let mut next = pieces.next_piece()?;
        let mut first = true;
        while let Some(piece) = next.take() {
            let records = without_blank_lines(
                if std::mem::take(&mut first) {
                    after_preamble(&piece, reading)
                } else {
                    &piece
                },
                reading.delimiter,
            );
            // A line of spaces or tabs is a record (a row of two empty fields, in a TSV); blank lines are gone.
            let frame = if records.is_empty() {
                None
            } else {
                let frame = reading.dates.convert(parser.parse(&records)?)?;
                Some(reading.thousands.convert(frame)?)
            };
            // Whole numbers written with a leading zero or a `+` keep their column text, as they do in the
            // rows the types were inferred from (see `late_zeros`).
            late_zeros::check(&records, reading.delimiter, &integers)?;
            // Decimals past a float's range, which polars read as infinities, make their column text.
            if let Some(frame) = &frame {
                float_range::check(frame, &records, reading)?;
            }
            drop(records);
            // Before anything of the piece is written: a column's first values may change its type.
            if let Some(frame) = frame.as_ref().filter(|_| !unseen.is_empty()) {
                late_types::first_values(frame, &mut unseen, reading.decimal_comma)?;
            }
            // The frame owns its values: the piece's map can go before the next one is made.
            drop(piece);
            // Three things at once, to keep both cores busy through the parts of each that run on one
            // thread: the next piece is found (its records' end, a scan of its quotes) on a thread of its
            // own, while the statistics are computed beside the encoding and writing of the row groups.
            let prefetch = scope.spawn(move || {
                let next = pieces.next_piece();
                (pieces, next)
            });
            let stored = frame.map(|frame| {
                RAYON.install(|| {
                    rayon::join(
                        || writer.write(&frame),
                        || summarise(frame.clone(), &summary),
                    )
                })
            });
            // Joined before any error is raised, so that the scope never meets a thread still running.
            let (returned, fetched) = prefetch
                .join()
                .map_err(|_| polars_err!(ComputeError: "reading the CSV's next piece panicked"))?;
            if let Some((written, summarised)) = stored {
                written?;
                summaries.push(summarised?);
                sync.nudge();
            }
            pieces = returned;
            next = fetched?;
        }
        Ok(())
    })?;
    writer.finish()?;
    output.flush()?;
    sync.finish()?;
    let merged = concat(
        summaries
            .into_iter()
            .map(IntoLazy::lazy)
            .collect::<Vec<_>>(),
        UnionArgs::default(),
    )?
    .select(stats::merge_expressions(schema))
    .collect()?;
    stats::read(schema, &merged, Some(parquet))
}

/// The first piece without its byte-order mark, Excel's `sep=` line and, when the file has one, its header
/// record: the first line that is not blank (after the `sep=` line too), as the sniffer and polars'
/// inference take it.
fn after_preamble<'a>(piece: &'a [u8], reading: &Reading) -> &'a [u8] {
    let blank_lines_skipped = |mut body: &'a [u8]| {
        while let Some(rest) = body
            .strip_prefix(b"\n")
            .or_else(|| body.strip_prefix(b"\r\n"))
        {
            body = rest;
        }
        body
    };
    let record_skipped =
        |body: &'a [u8]| &body[nth_record_end(body, reading.delimiter, 1).unwrap_or(body.len())..];
    let mut body = blank_lines_skipped(piece.strip_prefix(BOM).unwrap_or(piece));
    if reading.sep_line {
        body = blank_lines_skipped(record_skipped(body));
    }
    match reading.has_header {
        true => record_skipped(body),
        false => body,
    }
}

/// One row of [`stats::expressions`] for `frame`.
fn summarise(frame: DataFrame, summary: &[Expr]) -> PolarsResult<DataFrame> {
    frame.lazy().select(summary).collect()
}

#[cfg(test)]
mod tests {
    use super::super::headers;
    use super::*;

    /// A byte-order mark, a header, CRLF endings, quoted delimiters and newlines, nulls and dates.
    const CSV: &str = "\u{feff}name,n,x,day\r\n\"Smith, J\",1,0.5,2024-01-02\r\n\"two\nlines\",,1.5,2024-02-03\r\n\
        \"say \"\"hi\"\"\",3,NULL,\r\nplain,4,-2.25,2023-12-31\r\n";

    fn schema() -> SchemaRef {
        super::super::schema_of(&[
            ("name", DataType::String),
            ("n", DataType::Int64),
            ("x", DataType::Float64),
            ("day", DataType::Date),
        ])
    }

    /// `text` written to a CSV in a fresh directory, with how the tests read it (comma, header, [`schema`]).
    fn staged(text: &str) -> (tempfile::TempDir, std::path::PathBuf, Reading) {
        let dir = tempfile::tempdir().unwrap();
        let csv = dir.path().join("t.csv");
        std::fs::write(&csv, text).unwrap();
        let reading = Reading {
            delimiter: b',',
            decimal_comma: false,
            has_header: true,
            sep_line: false,
            schema: schema(),
            unseen: Vec::new(),
            dates: Default::default(),
            thousands: Default::default(),
        };
        (dir, csv, reading)
    }

    fn read_parquet(path: &Path) -> DataFrame {
        ParquetReader::new(File::open(path).unwrap())
            .finish()
            .unwrap()
    }

    #[test]
    fn every_piece_size_stores_the_same_table_and_statistics() {
        let (dir, csv, reading) = staged(CSV);
        let parquet = dir.path().join("whole.parquet");
        let whole = convert_in_pieces(
            &mut CsvSource::complete(&csv).unwrap(),
            &parquet,
            &reading,
            1 << 20,
        )
        .unwrap();
        let expected = read_parquet(&parquet);
        assert_eq!(expected.height(), 4);
        assert_eq!(
            expected.column("name").unwrap().str().unwrap().get(1),
            Some("two\nlines")
        );
        assert_eq!(whole.0, 4);
        assert_eq!(whole.1[1].null_count, 1);
        assert_eq!(whole.1[2].mean, Some((0.5 + 1.5 - 2.25) / 3.0));
        for piece_bytes in 1..CSV.len() {
            let parquet = dir.path().join(format!("{piece_bytes}.parquet"));
            let pieces = convert_in_pieces(
                &mut CsvSource::complete(&csv).unwrap(),
                &parquet,
                &reading,
                piece_bytes,
            )
            .unwrap();
            assert_eq!(pieces, whole, "piece size {piece_bytes}");
            assert!(
                read_parquet(&parquet).equals_missing(&expected),
                "piece size {piece_bytes}"
            );
        }
    }

    /// Null tokens in text, number and date columns, quoted and not, and text that only contains one: the
    /// same table as polars reading the whole file with the tokens, for every piece size (so pieces with and
    /// without tokens, and pieces parsed before and after a number column's token).
    #[test]
    fn null_tokens_read_as_polars_reads_them_whatever_the_pieces() {
        const TOKENS: &str = "name,n,x,day\nplain,1,0.5,2024-01-02\nN/A,2,1.5,2024-01-03\n\"NULL\",3,2.5,\
            2024-01-04\nNULLS,4,3.5,2024-01-05\nn/a/b,5,4.5,2024-01-06\nlast,null,#N/A,Null\nafter,7,6.5,\
            2024-01-08\n";
        let (dir, csv, reading) = staged(TOKENS);
        let parse_options = CsvParseOptions::default()
            .with_try_parse_dates(true)
            .with_missing_is_null(true)
            .with_null_values(Some(headers::null_values()));
        let expected = CsvReadOptions::default()
            .with_schema(Some(schema()))
            .with_parse_options(parse_options)
            .try_into_reader_with_file_path(Some(csv.clone()))
            .unwrap()
            .finish()
            .unwrap();
        let names = expected.column("name").unwrap().str().unwrap();
        assert_eq!(names.null_count(), 2, "N/A and the quoted NULL");
        assert_eq!(names.get(3), Some("NULLS"));
        for piece_bytes in 1..TOKENS.len() {
            let parquet = dir.path().join(format!("{piece_bytes}.parquet"));
            let (rows, columns) = convert_in_pieces(
                &mut CsvSource::complete(&csv).unwrap(),
                &parquet,
                &reading,
                piece_bytes,
            )
            .unwrap();
            let stored = read_parquet(&parquet);
            assert!(
                stored.equals_missing(&expected),
                "piece size {piece_bytes}: {stored}"
            );
            assert_eq!(rows, 7);
            let nulls: Vec<u64> = columns.iter().map(|c| c.null_count).collect();
            assert_eq!(nulls, [2, 1, 1, 1], "piece size {piece_bytes}");
        }
    }

    /// A piece large enough that polars parses it in several chunks, with tokens in its text column: the nulled
    /// column must be cut into row groups like the others (each row keeps its values).
    #[test]
    fn nulled_tokens_in_a_large_piece_stay_in_their_rows() {
        use std::fmt::Write as _;
        let mut text = String::from("name,n,x,day\n");
        for i in 0..200_000u32 {
            let name = match i % 7 {
                0 => "N/A",
                3 => "Null",
                _ => "row",
            };
            writeln!(text, "{name},{i},{}.5,2024-01-0{}", i % 100, 1 + i % 9).unwrap();
        }
        let (dir, csv, reading) = staged(&text);
        let parquet = dir.path().join("t.parquet");
        let (rows, columns) =
            convert(&mut CsvSource::complete(&csv).unwrap(), &parquet, &reading).unwrap();
        assert_eq!(rows, 200_000);
        assert_eq!(columns[0].null_count, 2 * 200_000 / 7 + 1);
        let stored = read_parquet(&parquet);
        let names = stored.column("name").unwrap().str().unwrap();
        let numbers = stored.column("n").unwrap().i64().unwrap();
        for (name, n) in names.iter().zip(numbers.iter()) {
            let n = n.unwrap();
            let expected = (!matches!(n % 7, 0 | 3)).then_some("row");
            assert_eq!(name, expected, "row {n}");
        }
    }

    #[test]
    fn a_header_only_file_stores_an_empty_table() {
        let (dir, csv, reading) = staged("name,n,x,day\n");
        let (rows, columns) = convert(
            &mut CsvSource::complete(&csv).unwrap(),
            &dir.path().join("t.parquet"),
            &reading,
        )
        .unwrap();
        assert_eq!((rows, columns.len()), (0, 4));
        assert_eq!(columns[1].mean, None);
    }
}

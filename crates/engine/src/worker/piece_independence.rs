//! Test: how a CSV is cut into pieces never changes what is stored. Random CSVs, some mangled (quotes,
//! delimiters, CRLF, blank lines, lines of whitespace, null tokens, values that break their column),
//! converted whole and in pieces of random sizes: the same table and statistics, or the same failure; and
//! numbers written with a currency and thousands, converted after parsing, likewise.

use std::path::Path;

use polars::prelude::*;

use super::convert::{Reading, convert_in_pieces};
use super::source::CsvSource;

fn schema() -> SchemaRef {
    super::schema_of(&[
        ("s", DataType::String),
        ("n", DataType::Int64),
        ("x", DataType::Float64),
        ("d", DataType::Date),
    ])
}

fn pick<'a>(rng: &mut fastrand::Rng, from: &[&'a str]) -> &'a str {
    from[rng.usize(..from.len())]
}

/// A header and `rows` records, some with quoted text (delimiters, newlines, doubled quotes inside) and,
/// when `mangle`, now and then something a column cannot read or a record of the wrong length.
fn csv(rng: &mut fastrand::Rng, rows: usize, mangle: bool) -> String {
    let end = if rng.bool() { "\r\n" } else { "\n" };
    let mut text = format!("s,n,x,d{end}");
    for _ in 0..rows {
        let s = pick(
            rng,
            &[
                "plain",
                "27\" wide",
                "\"a, b\"",
                "\"two\nlines\"",
                "\"say \"\"hi\"\"\"",
                "",
                "NULL",
                "x^2",
                "é",
            ],
        );
        let n = pick(rng, &["1", "-20", "", "N/A", "300"]);
        let x = pick(rng, &["0.5", "-1e3", "", "null", "2"]);
        let d = pick(rng, &["2024-01-02", "", "1999-12-31"]);
        let mut record = format!("{s},{n},{x},{d}");
        if mangle && rng.u8(..) < 6 {
            record = match rng.u8(..5) {
                0 => format!("{s},words,{x},{d}"),
                1 => format!("{s},{n}"),
                2 => format!("{record},extra"),
                3 => pick(rng, &[" ", "\t", ",,,"]).into(),
                _ => String::new(),
            };
        }
        text.push_str(&record);
        text.push_str(end);
    }
    if rng.bool() {
        text.truncate(text.len() - end.len());
    }
    text
}

/// The statistics with the means left out (compared apart).
fn same_but_means(stats: &[contracts::ColumnStats]) -> Vec<contracts::ColumnStats> {
    stats
        .iter()
        .map(|s| contracts::ColumnStats {
            mean: None,
            ..s.clone()
        })
        .collect()
}

type Outcome = Result<(DataFrame, u64, Vec<contracts::ColumnStats>), String>;

fn convert(dir: &Path, csv: &Path, piece_bytes: usize) -> Outcome {
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
    let parquet = dir.join(format!("{piece_bytes}.parquet"));
    let mut source = CsvSource::complete(csv).map_err(|e| e.to_string())?;
    let (rows, stats) = convert_in_pieces(&mut source, &parquet, &reading, piece_bytes)
        .map_err(|e| e.to_string())?;
    let stored = ParquetReader::new(std::fs::File::open(&parquet).unwrap())
        .finish()
        .unwrap();
    Ok((stored, rows, stats))
}

#[test]
fn the_pieces_never_change_what_is_stored() {
    let mut rng = fastrand::Rng::with_seed(11);
    let (mut stored, mut failed) = (0, 0);
    for trial in 0..80 {
        let rows = rng.usize(1..250);
        let text = csv(&mut rng, rows, trial % 2 == 1);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.csv");
        std::fs::write(&path, &text).unwrap();
        let whole = convert(dir.path(), &path, 1 << 30);
        // One byte: every record a piece of its own.
        let sizes = [
            1,
            rng.usize(1..text.len().max(2)),
            rng.usize(1..text.len().max(2)),
        ];
        for piece_bytes in sizes {
            let pieces = convert(dir.path(), &path, piece_bytes);
            match (&whole, &pieces) {
                (Ok((a, rows_a, stats_a)), Ok((b, rows_b, stats_b))) => {
                    assert!(
                        a.equals_missing(b),
                        "trial {trial}, pieces of {piece_bytes}\n{a}\n{b}\n{text:?}"
                    );
                    assert_eq!(rows_a, rows_b, "trial {trial}");
                    assert_eq!(
                        same_but_means(stats_a),
                        same_but_means(stats_b),
                        "trial {trial}"
                    );
                    // A mean merged from pieces may differ in its last digit, as any float sum by parts.
                    for (a, b) in stats_a.iter().zip(stats_b) {
                        let close = match (a.mean, b.mean) {
                            (Some(a), Some(b)) => (a - b).abs() <= 1e-12 * a.abs().max(1.0),
                            (a, b) => a == b,
                        };
                        assert!(close, "trial {trial}: means {:?} and {:?}", a.mean, b.mean);
                    }
                }
                (Err(_), Err(_)) => {}
                _ => panic!(
                    "trial {trial}, pieces of {piece_bytes}: whole {:?}, in pieces {:?}\n{text:?}",
                    whole.as_ref().map(|w| w.1),
                    pieces.as_ref().map(|p| p.1)
                ),
            }
        }
        match whole {
            Ok(_) => stored += 1,
            Err(_) => failed += 1,
        }
    }
    assert!(
        stored > 40 && failed > 10,
        "stored {stored}, failed {failed}"
    );
}

/// Numbers written with a currency, thousands and parentheses (see `written_numbers`), converted after
/// parsing, are stored the same whole and in pieces; a value in another convention (`€5`) fails both ways.
#[test]
fn written_numbers_do_not_depend_on_the_pieces() {
    let sample = [vec!["$1,234.50".to_owned()]];
    let reading = Reading {
        delimiter: b',',
        decimal_comma: false,
        has_header: true,
        sep_line: false,
        schema: super::schema_of(&[("a", DataType::String)]),
        unseen: Vec::new(),
        dates: Default::default(),
        thousands: super::thousands::Thousands::written_in_sample(&sample, 1, b','),
    };
    let mut rng = fastrand::Rng::with_seed(5);
    for trial in 0..30 {
        let mut text = String::from("a\n");
        for _ in 0..rng.usize(1..200) {
            let value = ["\"$1,234.50\"", "$5", "($7.25)", "", "\"-$12,000\"", "N/A"];
            text.push_str(pick(&mut rng, &value));
            text.push('\n');
        }
        if trial % 3 == 0 {
            text.push_str("€5\n");
        }
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.csv");
        std::fs::write(&path, &text).unwrap();
        let stored = |piece_bytes: usize| -> Result<DataFrame, String> {
            let parquet = dir.path().join(format!("{piece_bytes}.parquet"));
            let mut source = CsvSource::complete(&path).map_err(|e| e.to_string())?;
            convert_in_pieces(&mut source, &parquet, &reading, piece_bytes)
                .map_err(|e| e.to_string())?;
            Ok(ParquetReader::new(std::fs::File::open(&parquet).unwrap())
                .finish()
                .unwrap())
        };
        let whole = stored(1 << 30);
        assert_eq!(whole.is_err(), trial % 3 == 0, "trial {trial}: {whole:?}");
        for piece_bytes in [1, rng.usize(1..text.len())] {
            match (&whole, stored(piece_bytes)) {
                (Ok(a), Ok(b)) => assert!(a.equals_missing(&b), "trial {trial}\n{a}\n{b}"),
                (Err(_), Err(_)) => {}
                (a, b) => panic!("trial {trial}, pieces of {piece_bytes}: {a:?} against {b:?}"),
            }
        }
    }
}

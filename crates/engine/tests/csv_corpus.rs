//! Every CSV of the shared corpus ingests with the right shape (or a clear error), through real workers.

mod common;

use std::path::{Path, PathBuf};

use common::*;
use engine::{EngineError, IngestReport};
use serde_json::Value;

fn corpus_dir(sub: &str) -> Option<PathBuf> {
    let dir = corpora().join("csv").join(sub);
    if dir.is_dir() {
        Some(dir)
    } else {
        println!("skipped: corpus absent ({})", dir.display());
        None
    }
}

/// Copy a corpus file into a fresh temporary directory (the corpus is read-only) and ingest it.
async fn ingest_copy(
    engine: &engine::Engine,
    file: &Path,
) -> (
    tempfile::TempDir,
    Result<IngestReport, EngineError>,
    PathBuf,
) {
    let name = file.file_name().unwrap().to_str().unwrap();
    let (dir, path) = csv_file(name, &std::fs::read(file).unwrap());
    let (report, parquet) = ingest(engine, &path).await;
    (dir, report, parquet)
}

/// Records and fields as the `csv` crate sees the file (header included).
fn shape(file: &Path, delimiter: u8) -> (usize, usize) {
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .from_path(file)
        .unwrap();
    let records: Vec<csv::ByteRecord> = reader.byte_records().map(Result::unwrap).collect();
    (records.len(), records[0].len())
}

/// A cell compared with the expected string: numbers by value, null equal to "".
fn same(cell: &Value, expected: &str) -> bool {
    match cell {
        Value::Null => expected.is_empty(),
        Value::String(s) => s == expected,
        Value::Number(n) => expected.parse::<f64>().ok() == n.as_f64(),
        Value::Bool(b) => expected.eq_ignore_ascii_case(&b.to_string()),
        _ => false,
    }
}

#[tokio::test]
async fn csv_spectrum_cases_match_their_expected_json() {
    let Some(dir) = corpus_dir("csv-spectrum") else {
        return;
    };
    let engine = engine();
    let mut checked = 0;
    for entry in std::fs::read_dir(dir.join("csvs")).unwrap() {
        let file = entry.unwrap().path();
        let stem = file.file_stem().unwrap().to_str().unwrap().to_owned();
        let (_dir, report, parquet) = ingest_copy(&engine, &file).await;
        let report = report.unwrap_or_else(|e| panic!("{stem}: {e}"));
        let expected: Value = serde_json::from_str(
            &std::fs::read_to_string(dir.join("json").join(format!("{stem}.json"))).unwrap(),
        )
        .unwrap();
        let preview = engine.preview(parquet, 100).await.unwrap().table;
        // The expected JSON of `location_coordinates` is itself wrong (see the corpus README): shape only.
        let Value::Array(expected_rows) = expected else {
            assert_eq!(stem, "location_coordinates");
            assert_eq!((report.row_count, report.columns.len()), (1, 4));
            continue;
        };
        assert_eq!(report.row_count as usize, expected_rows.len(), "{stem}");
        for (row, want) in preview.rows.iter().zip(&expected_rows) {
            for (column, cell) in preview.columns.iter().zip(row) {
                let want = want[&column.name]
                    .as_str()
                    .unwrap_or_else(|| panic!("{stem}: {}", column.name));
                assert!(
                    same(cell, want),
                    "{stem}.{}: got {cell}, expected {want:?}",
                    column.name
                );
            }
        }
        checked += 1;
    }
    assert!(checked >= 11, "only {checked} spectrum cases checked");
}

#[tokio::test]
async fn rust_csv_examples_have_the_right_shape_or_a_clear_error() {
    let Some(dir) = corpus_dir("rust-csv") else {
        return;
    };
    let engine = engine();
    for (name, rows, columns) in [
        ("uspop.csv", 100, 5),
        ("uspop-null.csv", 100, 5),
        ("uspop-latin1.csv", 100, 5),
        ("smallpop.csv", 10, 4),
        ("smallpop-colon.csv", 10, 4),
        ("smallpop-no-headers.csv", 10, 4),
    ] {
        let (_dir, report, _) = ingest_copy(&engine, &dir.join(name)).await;
        let report = report.unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(
            (report.row_count, report.columns.len()),
            (rows, columns),
            "{name}: {report:?}"
        );
    }
    let (_dir, latin, parquet) = ingest_copy(&engine, &dir.join("uspop-latin1.csv")).await;
    let latin = latin.unwrap();
    assert_eq!(latin.encoding, "latin-1");
    assert!(
        latin.notes.iter().any(|n| n.contains("Latin-1")),
        "{:?}",
        latin.notes
    );
    let cities = engine.preview(parquet, 100).await.unwrap().table;
    assert!(
        cities
            .rows
            .iter()
            .any(|r| r[0].as_str().is_some_and(|c| !c.is_ascii())),
        "accented city names decoded"
    );
    let (_dir, headerless, _) = ingest_copy(&engine, &dir.join("smallpop-no-headers.csv")).await;
    let headerless = headerless.unwrap();
    assert_eq!(headerless.columns[0].name, "column_1");
    assert_eq!(headerless.columns[3].dtype, "i64");
    // `strange.csv` has no header, a comment line and a row without its second field.
    let (_dir, strange, _) = ingest_copy(&engine, &dir.join("strange.csv")).await;
    match strange {
        Err(EngineError::Csv { line: Some(_), .. }) => {}
        other => panic!("strange.csv: expected a CSV error with a line, got {other:?}"),
    }
}

#[tokio::test]
async fn seaborn_datasets_have_the_right_shape_and_types() {
    let Some(dir) = corpus_dir("seaborn-data") else {
        return;
    };
    let engine = engine();
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "csv"))
        .collect();
    files.sort();
    assert!(files.len() >= 10);
    for file in files {
        let name = file.file_name().unwrap().to_str().unwrap().to_owned();
        let (_dir, report, _) = ingest_copy(&engine, &file).await;
        let report = report.unwrap_or_else(|e| panic!("{name}: {e}"));
        let (records, fields) = shape(&file, b',');
        assert_eq!(
            (report.row_count as usize, report.columns.len()),
            (records - 1, fields),
            "{name}"
        );
        let dtype = |column: &str| {
            report
                .columns
                .iter()
                .find(|c| c.name == column)
                .map(|c| c.dtype.clone())
                .unwrap_or_default()
        };
        match name.as_str() {
            "taxis.csv" => assert!(dtype("pickup").starts_with("datetime"), "{report:?}"),
            "dowjones.csv" => assert_eq!(dtype("Date"), "date"),
            "titanic.csv" => {
                let age = report.columns.iter().find(|c| c.name == "age").unwrap();
                assert_eq!((age.dtype.as_str(), age.null_count), ("f64", 177));
                assert!(
                    age.mean.is_some_and(|m| (m - 29.699).abs() < 0.01),
                    "{age:?}"
                );
            }
            "tips.csv" => assert_eq!(dtype("total_bill"), "f64"),
            _ => {}
        }
    }
}

//! Tests: what a whole upload stores, for the shapes a read-only probe found stored wrongly (quoted empty
//! cells, late values that break their column's rules, ...), checked against Python's `csv` module's reading.

use std::path::PathBuf;

use contracts::DateOrder;
use polars::prelude::*;

use super::ingest::ingest;
use crate::{EngineError, IngestReport};

/// `text` ingested as a whole upload: the report (or the error) and the stored table.
fn stored_table(text: &str) -> (Result<IngestReport, EngineError>, Option<DataFrame>) {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("t.csv");
    std::fs::write(&csv, text).unwrap();
    let parquet: PathBuf = dir.path().join("t.parquet");
    let report = ingest(&csv, &parquet, false, DateOrder::DayFirst);
    let frame = report.is_ok().then(|| {
        ParquetReader::new(std::fs::File::open(&parquet).unwrap())
            .finish()
            .unwrap()
    });
    (report, frame)
}

fn types(report: &IngestReport) -> Vec<&str> {
    report.columns.iter().map(|c| c.dtype.as_str()).collect()
}

fn nulls(report: &IngestReport) -> Vec<u64> {
    report.columns.iter().map(|c| c.null_count).collect()
}

/// Before: `""` (pandas QUOTE_ALL, PostgreSQL FORCE_QUOTE) made number, date and boolean columns text, with
/// the empty cells stored as empty strings. Python's csv module reads `""` as `''`, like an empty cell.
#[test]
fn a_quoted_empty_cell_is_a_missing_value() {
    let text = "\"id\",\"amt\",\"day\",\"ok\",\"name\"\n\"1\",\"2.5\",\"2024-01-02\",\"true\",\"a\"\n\
                \"2\",\"\",\"\",\"\",\"\"\n\"3\",\"4\",\"2024-01-03\",\"false\",\"c\"\n";
    let (report, frame) = stored_table(text);
    let report = report.unwrap();
    assert_eq!(types(&report), ["i64", "f64", "date", "bool", "str"]);
    assert_eq!(nulls(&report), [0, 1, 1, 1, 1]);
    let frame = frame.unwrap();
    assert_eq!(frame.column("name").unwrap().str().unwrap().get(1), None);
    assert_eq!(frame.column("amt").unwrap().f64().unwrap().sum(), Some(6.5));
}

/// The same past the rows the types are inferred from, and in a text column whose pieces have quotes.
#[test]
fn a_quoted_empty_cell_is_missing_further_on_too() {
    let mut text = String::from("\"id\",\"amt\",\"name\"\n");
    for i in 0..3_000 {
        let (amt, name) = match i % 500 {
            499 => ("\"\"".to_owned(), "\"\"".to_owned()),
            _ => (format!("\"{i}\""), format!("\"n{i}\"")),
        };
        text.push_str(&format!("\"{i}\",{amt},{name}\n"));
    }
    let (report, _) = stored_table(&text);
    let report = report.unwrap();
    assert_eq!(types(&report), ["i64", "i64", "str"]);
    assert_eq!(nulls(&report), [0, 6, 6]);
}

//! Uploads through real workers: a value is read the same way among the first 1,000 rows (those polars infers
//! the types from) as past them, and every note of the upload is true of the file (a value it quotes is one
//! of the file's, on the line it names).

mod common;

use common::*;
use engine::{EngineError, IngestReport};
use serde_json::Value;

/// `text` uploaded: the report (or the error) and every stored row.
async fn upload(text: &str) -> (Result<IngestReport, EngineError>, Vec<Vec<Value>>) {
    let engine = engine();
    let (_dir, path) = csv_file("t.csv", text.as_bytes());
    let (report, parquet) = ingest(&engine, &path).await;
    let rows = match &report {
        Ok(_) => engine.preview(parquet, 5_000).await.unwrap().table.rows,
        Err(_) => Vec::new(),
    };
    (report, rows)
}

/// Before: a file of Excel's `sep=;` line alone was a dataset of no columns, or of columns `sep=` and
/// `column_2` (with no line end), or of one column (blank lines after it), "with a header but no rows".
/// It is refused now, saying what the file holds; `sep=;` and a header is a header with no rows, as the
/// header alone is.
#[tokio::test]
async fn a_file_of_only_a_sep_line_is_refused_saying_so() {
    for text in [
        "sep=;\n",
        "sep=;",
        "sep=;\n\n\n",
        "\u{feff}sep=;\r\n",
        "sep=,\r\n \r\n",
    ] {
        let (report, _) = upload(text).await;
        match report {
            Err(EngineError::Csv { message, .. }) => {
                assert!(
                    message.contains("only Excel's `sep="),
                    "{text:?}: {message}"
                );
                assert!(message.contains("header row"), "{text:?}: {message}");
            }
            other => panic!("{text:?}: {other:?}"),
        }
    }
    let (alone, _) = upload("a;b\n").await;
    let alone = alone.unwrap();
    for text in ["sep=;\na;b\n", "sep=;\r\na;b", "sep=;\n\na;b\n\n"] {
        let (report, rows) = upload(text).await;
        let report = report.unwrap_or_else(|e| panic!("{text:?}: {e}"));
        let names: Vec<&str> = report.columns.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["a", "b"], "{text:?}");
        assert_eq!((report.row_count, rows.len()), (0, 0), "{text:?}");
        assert_eq!(report.notes, alone.notes, "{text:?}");
    }
    // Blank lines between the `sep=;` line and the header: the header is the first line that is not blank.
    let (report, rows) = upload("sep=;\r\n\r\na;b\r\n1;2\r\n").await;
    assert_eq!(report.unwrap().columns.len(), 2);
    assert_eq!(rows, [[Value::from(1), Value::from(2)]]);
}

/// Before: the note of dotted thousands said "12.500 was read as 12500" whatever the file held, and the
/// decimal comma's "(1,5) ... (1.5)" likewise. They quote a value of the file now, with its line.
#[tokio::test]
async fn the_decimal_comma_notes_quote_values_of_the_file_and_their_lines() {
    let (report, _) = upload("item;price;qty\nA;2,75;7\nB;3,5;2.345\nC;4,25;1.000.000\n").await;
    let notes = report.unwrap().notes;
    assert_eq!(
        notes,
        [
            "the numbers of `price` are written with a decimal comma (`2,75`, line 2, was read as 2.75); \
             dots group the thousands of `qty` (`2.345`, line 3, was read as 2345)."
        ]
    );
    // A decimal with dotted thousands is read as one number.
    let (report, _) = upload("x;y\n1.234,5;a\n2,5;b\n").await;
    let notes = report.unwrap().notes;
    assert_eq!(
        notes,
        [
            "the numbers of `x` are written with a decimal comma (`1.234,5`, line 2, was read as 1234.5); \
             dots group the thousands of `x` (`1.234,5`, line 2, was read as 1234.5)."
        ]
    );
}

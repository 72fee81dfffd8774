//! Tests: what a whole upload stores, for the shapes a read-only probe found stored wrongly (quoted empty
//! cells, late values that break their column's rules, ...), checked against Python's `csv` module's reading.

use std::path::PathBuf;

use contracts::{DateOrder, MonthNames};
use polars::prelude::*;

use super::ingest::ingest;
use crate::{EngineError, IngestReport};

/// `text` ingested as a whole upload: the report (or the error) and the stored table.
pub(super) fn stored_table(text: &str) -> (Result<IngestReport, EngineError>, Option<DataFrame>) {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("t.csv");
    std::fs::write(&csv, text).unwrap();
    let parquet: PathBuf = dir.path().join("t.parquet");
    let report = ingest(&csv, &parquet, false, DateOrder::DayFirst, MonthNames::Text);
    let frame = report.is_ok().then(|| {
        ParquetReader::new(std::fs::File::open(&parquet).unwrap())
            .finish()
            .unwrap()
    });
    (report, frame)
}

pub(super) fn types(report: &IngestReport) -> Vec<&str> {
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

/// Before: `02134` at line 1202 of a column of whole numbers was stored as 2134 (and `+5` as 5), while the
/// same value in the first 1,000 rows keeps the column text. Python's csv module reads the text as written.
#[test]
fn a_late_leading_zero_or_plus_makes_its_column_text() {
    for (late, stored) in [("02134", "02134"), ("+5", "+5"), ("-07", "-07")] {
        let mut text = String::from("id,zip,n\n");
        for i in 0..1_500 {
            let zip = if i == 1_200 {
                late.to_owned()
            } else {
                format!("{}", 10_000 + i)
            };
            text.push_str(&format!("{i},{zip},{i}\n"));
        }
        let (report, frame) = stored_table(&text);
        let report = report.unwrap();
        assert_eq!(types(&report), ["i64", "str", "i64"], "{late}");
        let zips = frame.unwrap();
        let zips = zips.column("zip").unwrap().str().unwrap().clone();
        assert_eq!(zips.get(1_200), Some(stored), "{late}");
        assert_eq!(zips.get(0), Some("10000"), "{late}");
    }
}

/// The line and the message of a refused upload.
fn refused(text: &str) -> (Option<u64>, String) {
    match stored_table(text).0 {
        Err(EngineError::Csv { message, line }) => (line, message),
        other => panic!("{text:?}: {other:?}"),
    }
}

/// Before: one line too low for each `\r\n` before the row (C1) and for each blank line (C2). The lines are
/// those of the file as an editor shows them (Python's csv module: `reader.line_num`).
#[test]
fn a_ragged_row_is_named_by_its_line_in_the_file() {
    assert_eq!(refused("a,b\r\n1,2\r\n3,4,5\r\n").0, Some(3));
    assert_eq!(refused("a,b\n1,2\n\n3,4,5\n").0, Some(4));
    assert_eq!(refused("a,b\r\n\r\n1,2\r\n\r\n3,4,5\r\n").0, Some(5));
}

/// Before (C3): "found more fields than defined in 'Schema'", with no line. Python's csv module, like the
/// README's "a carriage return alone too", reads the lone return as a line end: four rows.
#[test]
fn a_lone_carriage_return_among_newlines_ends_its_line() {
    let (report, frame) = stored_table("a,b\n1,2\n3,4\r5,6\n7,8\n");
    let report = report.unwrap();
    assert_eq!(report.row_count, 4);
    assert_eq!(types(&report), ["i64", "i64"]);
    assert!(
        report
            .notes
            .iter()
            .any(|n| n.contains("carriage return alone")),
        "{:?}",
        report.notes
    );
    let a = frame.unwrap();
    let a: Vec<Option<i64>> = a.column("a").unwrap().i64().unwrap().iter().collect();
    assert_eq!(a, [Some(1), Some(3), Some(5), Some(7)]);
    // A ragged row after it is named by its line.
    assert_eq!(refused("a,b\n1,2\r3,4\n5,6,7\n").0, Some(4));
}

/// Before (A7): a whole number past the 64-bit range made its column text with no word why, so ORDER BY and
/// MAX compared text. It stays text (as a decimal it would lose digits, as a leading zero would be lost),
/// with a note naming the value, its line and the reason; early in the file or late.
#[test]
fn a_whole_number_too_large_for_i64_keeps_its_column_text_and_says_why() {
    let mut late = String::from("id,n\n");
    for i in 0..1_500 {
        let n = match i {
            1_200 => "99999999999999999999".to_owned(),
            _ => i.to_string(),
        };
        late.push_str(&format!("{i},{n}\n"));
    }
    for (text, line) in [
        ("id,n\n1,5\n2,99999999999999999999\n3,7\n", 3),
        (late.as_str(), 1_202),
    ] {
        let (report, frame) = stored_table(text);
        let report = report.unwrap();
        assert_eq!(types(&report), ["i64", "str"]);
        let said = format!(
            "column `n` is text: 99999999999999999999 (line {line}) is a whole number too large for a 64-bit \
             integer"
        );
        assert!(
            report.notes.iter().any(|n| n.starts_with(&said)),
            "{:?}",
            report.notes
        );
        let n = frame.unwrap();
        let n = n.column("n").unwrap().str().unwrap().clone();
        assert!(n.iter().any(|v| v == Some("99999999999999999999")));
    }
}

/// Before (A3): a late decimal widened a column of whole numbers to decimals, and 9007199254740993 became
/// 9007199254740992 without a word. The column is still decimals (the README's rule), and a note names the
/// first value that changed, its line and what it became.
#[test]
fn whole_numbers_past_2_53_widened_to_decimals_are_named() {
    let mut text = String::from("id,n\n");
    for i in 0..1_500u64 {
        let n = match i {
            1_200 => "2.5".to_owned(),
            _ => (9_007_199_254_740_993 + 2 * i).to_string(),
        };
        text.push_str(&format!("{i},{n}\n"));
    }
    let (report, _) = stored_table(&text);
    let report = report.unwrap();
    assert_eq!(types(&report), ["i64", "f64"]);
    let said = "column `n` holds decimals, so its whole numbers are stored as decimals, which are exact only up \
                to 2^53 (9007199254740992): 9007199254740993 (line 2) is stored as 9007199254740992";
    assert!(
        report.notes.iter().any(|n| n.starts_with(said)),
        "{:?}",
        report.notes
    );
    // Whole numbers that stay exact say nothing.
    let (report, _) = stored_table("id,n\n1,5\n2,7\n");
    assert!(report.unwrap().notes.is_empty());
}

/// Before (A5): Excel's `sep=;` first line was read as the header (one column `sep=`) and the real header as
/// a row. It names the delimiter and is skipped, for a ragged row's line too.
#[test]
fn an_excel_sep_line_names_the_delimiter_and_is_no_row() {
    for text in [
        "sep=;\nname;n\nA;1\nB;2\n",
        "\u{feff}sep=;\r\nname;n\r\nA;1\r\nB;2\r\n",
        "sep=,\nname,n\nA,1\nB,2\n",
        "sep=\t\nname\tn\nA\t1\nB\t2\n",
        "sep=|\nname|n\nA|1\nB|2\n",
    ] {
        let (report, frame) = stored_table(text);
        let report = report.unwrap();
        let names: Vec<&str> = report.columns.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["name", "n"], "{text:?}");
        assert_eq!(types(&report), ["str", "i64"], "{text:?}");
        assert_eq!(report.row_count, 2, "{text:?}");
        let frame = frame.unwrap();
        assert_eq!(
            frame.column("name").unwrap().str().unwrap().get(0),
            Some("A")
        );
    }
    assert_eq!(refused("sep=;\nname;n\nA;1\nB;2;3\n").0, Some(4));
}

/// Before (A4): in a file of semicolons and decimal commas, dotted thousands (1.234, 12.500) were read as the
/// decimals 1.234 and 12.5 and the decimal commas stayed text, under a note saying they were read as
/// numbers. Python's csv module gives the texts; as a German spreadsheet means them, 12.500 is 12500.
#[test]
fn dotted_thousands_in_a_decimal_comma_file_are_thousands() {
    let (report, frame) = stored_table("item;price;qty\nA;1,5;1.234\nB;2,25;12.500\n");
    let report = report.unwrap();
    assert_eq!(types(&report), ["str", "f64", "i64"]);
    let frame = frame.unwrap();
    let price: Vec<Option<f64>> = frame
        .column("price")
        .unwrap()
        .f64()
        .unwrap()
        .iter()
        .collect();
    assert_eq!(price, [Some(1.5), Some(2.25)]);
    let qty: Vec<Option<i64>> = frame.column("qty").unwrap().i64().unwrap().iter().collect();
    assert_eq!(qty, [Some(1234), Some(12500)]);
    assert_eq!(
        report.notes,
        [
            "the numbers of `price` are written with a decimal comma (`1,5`, line 2, was read as 1.5); \
             dots group the thousands of `qty` (`1.234`, line 2, was read as 1234)."
        ]
    );
    // Past the sample, a decimal widens a column of whole numbers and a word makes it text.
    let mut text = String::from("item;price;qty;n\n");
    for i in 0..3_000 {
        let (qty, n) = match i {
            2_500 => ("2.000,5".to_owned(), "many".to_owned()),
            _ => (format!("{}.{:03}", 1 + i % 9, i % 1000), "1.000".to_owned()),
        };
        text.push_str(&format!("x;{},5;{qty};{n}\n", i % 7));
    }
    let (report, frame) = stored_table(&text);
    let report = report.unwrap();
    assert_eq!(types(&report), ["str", "f64", "f64", "str"]);
    let frame = frame.unwrap();
    assert_eq!(
        frame.column("qty").unwrap().f64().unwrap().get(2_500),
        Some(2000.5)
    );
    assert_eq!(
        frame.column("qty").unwrap().f64().unwrap().get(1),
        Some(2001.0)
    );
    // A decimal-comma file whose commas stay text claims no numbers.
    let (report, _) = stored_table("a;b\nx;1,5\ny;abc\n");
    let report = report.unwrap();
    assert_eq!(types(&report), ["str", "str"]);
    assert!(report.notes.is_empty(), "{:?}", report.notes);
}

/// Before: a classic Mac file's copy made every carriage return a newline, those inside quoted values too:
/// `"x\ry"` was stored as `x\ny` and `"p\r\nq"` as `p\n\nq`. Python's csv module keeps `x\ry` and `p\r\nq`.
#[test]
fn returns_inside_quotes_of_a_classic_mac_file_stay() {
    let (report, frame) = stored_table("a,b\r\"x\ry\",1\r\"p\r\nq\",2\r");
    assert_eq!(types(&report.unwrap()), ["str", "i64"]);
    let frame = frame.unwrap();
    let a: Vec<Option<&str>> = frame.column("a").unwrap().str().unwrap().iter().collect();
    assert_eq!(a, [Some("x\ry"), Some("p\r\nq")]);
}

/// Before: 2^53 + 1 (9007199254740993) is stored as 2^53, which is no further than 2^53, so no note named
/// it; nor any value of a column decimal within its first rows. Every whole number stored as another is named.
#[test]
fn every_whole_number_stored_as_another_float_is_named() {
    let note = |text: &str| {
        let report = stored_table(text).0.unwrap();
        assert_eq!(types(&report)[1], "f64", "{:?}", report.notes);
        let said = report
            .notes
            .iter()
            .find(|n| n.contains("exact only up to 2^53"));
        said.cloned().unwrap_or_default()
    };
    for (big, stored) in [
        ("9007199254740993", "9007199254740992"),
        ("-9007199254740993", "-9007199254740992"),
    ] {
        let mut text = String::from("id,n\n");
        for i in 0..2_600 {
            let n = match i {
                9 => big.to_owned(),
                2_500 => "1.5".to_owned(),
                _ => "7".to_owned(),
            };
            text.push_str(&format!("{i},{n}\n"));
        }
        let said = note(&text);
        assert!(
            said.contains(&format!("{big} (line 11) is stored as {stored}")),
            "{said}"
        );
    }
    let said = note("id,n\n1,1.5\n2,12345678901234567\n");
    assert!(
        said.contains("12345678901234567 (line 3) is stored as 12345678901234568"),
        "{said}"
    );
    // 2^53 itself is exact: no note.
    assert_eq!(note("id,n\n1,1.5\n2,9007199254740992\n"), "");
}

/// Before: any failure, a routine late widening too, read the file again for lone carriage returns and then
/// read them as line ends: a return inside an unquoted value (`foo\rbar`, a row of three fields as polars and
/// the file's other rows read it) split its row, and one late 2.5 made the upload a 422 ragged row.
#[test]
fn a_late_widening_leaves_a_return_inside_a_value_alone() {
    let text = format!("a,b,c\n1,foo\rbar,5\n{}2,y,2.5\n", "1,x,5\n".repeat(1_000));
    let (report, frame) = stored_table(&text);
    let report = report.unwrap();
    assert_eq!(report.row_count, 1_002);
    assert_eq!(types(&report), ["i64", "str", "f64"]);
    let b = frame
        .unwrap()
        .column("b")
        .unwrap()
        .get(0)
        .unwrap()
        .to_string();
    assert!(b.contains("foo\rbar"), "{b:?}");
}

//! Uploads through real workers: a value is read the same way among the first 1,000 rows (those polars infers
//! the types from) as past them, and every note of the upload is true of the file (a value it quotes is one
//! of the file's, on the line it names).

mod common;

use common::*;
use engine::EngineError;
use serde_json::Value;

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

/// A header, `odd` on line 2, then `filler` 1,000 times.
fn early(header: &str, filler: &str, odd: &str) -> String {
    format!("{header}\n{odd}\n{}", format!("{filler}\n").repeat(1_000))
}

/// A header, `filler` 1,000 times (the rows the types are inferred from), then `odd` on line 1002.
fn late(header: &str, filler: &str, odd: &str) -> String {
    format!("{header}\n{}{odd}\n", format!("{filler}\n").repeat(1_000))
}

/// For `odd` early (line 2, row 0) and late (line 1002, row 1000): the first column's type, that row's
/// first cell and the notes.
async fn both_ways(
    header: &str,
    filler: &str,
    odd: &str,
) -> [(String, Value, Vec<String>, u64); 2] {
    let mut read = Vec::new();
    for (text, row, line) in [
        (early(header, filler, odd), 0, 2),
        (late(header, filler, odd), 1_000, 1_002),
    ] {
        let (report, rows) = upload(&text).await;
        let report = report.unwrap_or_else(|e| panic!("{odd:?} on line {line}: {e}"));
        let dtype = report.columns[0].dtype.clone();
        read.push((dtype, rows[row][0].clone(), report.notes, line));
    }
    read.try_into().unwrap()
}

/// Before: among ISO dates (`2024-03-15`), a `15/03/2024` or a `Mar 5 2024` past row 1,000 made the column
/// text with no note, where on line 2 `15/03/2024` made it text with a note (naming no line) and
/// `Mar 5 2024` with none. Either way the column is text now, and a note names the value and its line.
#[tokio::test]
async fn a_value_unlike_a_columns_dates_makes_it_text_with_a_note_early_or_late() {
    for (filler, odd) in [
        ("2024-03-15,1", "15/03/2024"),
        ("2024-03-15,1", "Mar 5 2024"),
        ("2024-03-15,1", "20240315"),
        ("2024-03-15,1", "soon"),
        ("03/15/2024,1", "soon"),
    ] {
        for (dtype, value, notes, line) in both_ways("d,n", filler, &format!("{odd},1")).await {
            assert_eq!(
                (dtype.as_str(), &value),
                ("str", &Value::from(odd)),
                "{odd} on line {line}"
            );
            let named = notes
                .iter()
                .filter(|n| n.contains(&format!("`{odd}`, line {line})")))
                .count();
            assert_eq!(named, 1, "{odd} on line {line} after {filler}: {notes:?}");
        }
    }
    // Another spelling polars reads as a date leaves the column dates, with no such note.
    for (dtype, _, notes, line) in both_ways("d,n", "2024-03-15,1", "2024/03/15,1").await {
        assert_eq!(dtype, "date", "line {line}");
        assert!(notes.is_empty(), "line {line}: {notes:?}");
    }
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

/// Before: in a file of decimal commas, `12.50` on line 2 of a column of whole numbers made the whole file
/// one of decimal points (the column 12.5, the decimal commas text), while on line 1002 it made its column
/// text. A dot that does not group thousands makes its column text, early or late, and the commas of the
/// other columns are numbers.
#[tokio::test]
async fn a_decimal_point_in_a_decimal_comma_file_makes_its_column_text_early_or_late() {
    for odd in ["12.50", "1.5", "0.125"] {
        for (dtype, value, _, line) in both_ways("a;b", "7;0,5", &format!("{odd};0,5")).await {
            assert_eq!(
                (dtype.as_str(), &value),
                ("str", &Value::from(odd)),
                "{odd} on line {line}"
            );
        }
        for text in [
            early("a;b", "7;0,5", &format!("{odd};0,5")),
            late("a;b", "7;0,5", &format!("{odd};0,5")),
        ] {
            let (report, rows) = upload(&text).await;
            assert_eq!(report.unwrap().columns[1].dtype, "f64", "{odd}");
            assert_eq!(rows[500][1], Value::from(0.5), "{odd}");
        }
    }
    // Dotted thousands are numbers wherever they are.
    for (dtype, value, _, line) in both_ways("a;b", "7;0,5", "12.500;0,5").await {
        assert_eq!(
            (dtype.as_str(), &value),
            ("i64", &Value::from(12_500)),
            "line {line}"
        );
    }
}

/// Before: after 1,000 whole numbers, `5 ` (a space or a tab after it) was stored as 5, where on line 2 it
/// makes the column text (polars' inference keeps `5 ` text, as it keeps ` 5`). Text, early or late.
#[tokio::test]
async fn a_whole_number_with_blanks_after_it_makes_its_column_text_early_or_late() {
    for odd in ["5 ", "5\t", "-5 ", "12  ", " 5 "] {
        for (dtype, value, _, line) in both_ways("a,b", "7,1", &format!("{odd},1")).await {
            assert_eq!(
                (dtype.as_str(), &value),
                ("str", &Value::from(odd)),
                "{odd:?} on line {line}"
            );
        }
    }
    // Quoted, as written.
    for (dtype, value, _, line) in both_ways("a,b", "7,1", "\"5 \",1").await {
        assert_eq!(
            (dtype.as_str(), &value),
            ("str", &Value::from("5 ")),
            "line {line}"
        );
    }
    // Between tabs, a space after the number.
    for (dtype, value, _, line) in both_ways("a\tb", "7\t1", "5 \t1").await {
        assert_eq!(
            (dtype.as_str(), &value),
            ("str", &Value::from("5 ")),
            "line {line}"
        );
    }
    // A blank inside text or after a decimal is no whole number: text or decimals as before.
    for (dtype, _, _, line) in both_ways("a,b", "7,1", "7,1 ").await {
        assert_eq!(dtype, "i64", "line {line}");
    }
}

/// Before (review of fa4e5a5): a `;` file whose comma numbers (`amount`, 12,50) outnumber its point numbers
/// (`ratio`, 0.5) is one of decimal commas, and `rate`'s `1.125`, `2.250` passed for dotted thousands: they
/// were stored as 1125 and 2250, said only in a note. The decimal points of `ratio` say a dot marks decimals
/// in this file: `rate` is text as written, and a note says why and what to write. A dot alone grouping
/// threes past the rows sniffed makes its column text too (it was 1125); `1.234,5` is still thousands.
#[tokio::test]
async fn dotted_threes_beside_decimal_points_are_not_read_as_thousands() {
    let mut text = String::from("amount;ratio;rate\n");
    for i in 0..150 {
        let (ratio, rate) = match i < 100 {
            true => ("0.5", ["1.125", "2.250"][i % 2]),
            false => ("", "2.250"),
        };
        text.push_str(&format!("12,50;{ratio};{rate}\n"));
    }
    let (report, rows) = upload(&text).await;
    let report = report.unwrap();
    let types: Vec<&str> = report.columns.iter().map(|c| c.dtype.as_str()).collect();
    assert_eq!(types, ["f64", "str", "str"]);
    assert_eq!(rows[0], [Value::from(12.5), "0.5".into(), "1.125".into()]);
    assert_eq!(rows[1][2], Value::from("2.250"));
    assert_eq!(
        report.notes,
        [
            "the numbers of `amount` are written with a decimal comma (`12,50`, line 2, was read as 12.5); \
             `rate` was kept as text: a dot may group thousands or mark decimals (`1.125`, line 2), and \
             `ratio` has decimal points (`0.5`, line 2); write such a number with a decimal comma (1,125) or \
             without dots (1125)."
        ]
    );
    // Past the rows sniffed, in a column of decimal commas (`fee` keeps the commas the more).
    const HEAD: &str = "amount;ratio;fee";
    const FILLER: &str = "12,50;0.5;7,25";
    for (dtype, value, _, line) in both_ways(HEAD, FILLER, "1.125;0.5;7,25").await {
        assert_eq!(
            (dtype.as_str(), &value),
            ("str", &Value::from("1.125")),
            "line {line}"
        );
    }
    // A dot with a decimal comma groups thousands whatever the file's points.
    for (dtype, value, _, line) in both_ways(HEAD, FILLER, "1.234,5;0.5;7,25").await {
        assert_eq!(
            (dtype.as_str(), &value),
            ("f64", &Value::from(1234.5)),
            "line {line}"
        );
    }
}

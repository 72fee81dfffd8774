//! Uploads through real workers: no value is changed without a word. Every stored value is what a person
//! reading the file sees, or the upload is a 422 naming the line, or a note names the value and its line;
//! among the first 1,000 rows (those polars infers the types from) as past them.

mod common;

use common::*;
use engine::EngineError;
use serde_json::Value;

/// `odd` as line 2 (row 0) of `header`, `filler` 1,000 times, and as line 1002 (row 1000) after them: each
/// text, with the row and line `odd` is on.
fn both_ways(header: &str, filler: &str, odd: &str) -> [(String, usize, u64); 2] {
    let fill = format!("{filler}\n").repeat(1_000);
    [
        (format!("{header}\n{odd}\n{fill}"), 0, 2),
        (format!("{header}\n{fill}{odd}\n"), 1_000, 1_002),
    ]
}

/// The 422 of an upload `text` must be, with its line and message.
async fn refused(text: &str) -> (Option<u64>, String) {
    match upload(text).await.0 {
        Err(EngineError::Csv { message, line }) => (line, message),
        other => panic!("{:?}: {other:?}", &text[..text.len().min(80)]),
    }
}

/// Before: polars dropped a quote inside a quoted value that was not doubled: `"a"b"c"` was stored as `abc`
/// (Python's csv reads `ab"c"`), MySQL's `"say \"hi\" ok"` as `say \hi\ ok`. RFC 4180 doubles such a quote;
/// any other is a 422 naming the line and saying how to write it, early or late.
#[tokio::test]
async fn a_quote_inside_a_quoted_value_that_is_not_doubled_is_refused_naming_the_line() {
    for (odd, says) in [
        (
            "2,\"a\"b\"c\"",
            "text follows the closing quote of a quoted value (`\"a\"b`)",
        ),
        (
            "2,\"say \\\"hi\\\" ok\"",
            "doubled (`\"\"`), not written `\\\"`",
        ),
        ("\"a\"b\"c\",2", "text follows the closing quote"),
    ] {
        for (text, _, line) in both_ways("id,v", "1,x", odd) {
            let (at, message) = refused(&text).await;
            assert_eq!(at, Some(line), "{odd}: {message}");
            assert!(message.contains(says), "{odd} on line {line}: {message}");
        }
    }
    // Doubled quotes, and quoted values ending at a delimiter or a line's end (`\r\n` too), read as written.
    let (report, rows) = upload("id,v\r\n1,\"a\"\"b\"\r\n\"2\",\"\"\r\n3,\"x,\ny\"\r\n").await;
    assert_eq!(report.unwrap().row_count, 3);
    assert_eq!(rows[0][1], Value::from("a\"b"));
    assert_eq!(rows[2][1], Value::from("x,\ny"));
}

/// Before: a closing quote followed by a blank or other text (`"a" `, `"a"\t`, `"a"b`) was "a quoted value
/// is never closed". The message names what is wrong; a quote never closed still says so.
#[tokio::test]
async fn text_after_a_closing_quote_is_named_as_such() {
    for (odd, says) in [
        (
            "1,\"a\" ",
            "a blank follows the closing quote of a quoted value (`\"a\" `)",
        ),
        ("1,\"a\"\t", "a blank follows the closing quote"),
        ("1,\"a\" ,2", "a blank follows the closing quote"),
        (
            "1,\"a\"b",
            "text follows the closing quote of a quoted value (`\"a\"b`)",
        ),
    ] {
        for (text, _, line) in both_ways("id,v", "1,x", odd) {
            let (at, message) = refused(&text).await;
            assert_eq!(at, Some(line), "{odd:?}: {message}");
            assert!(message.contains(says), "{odd:?}: {message}");
            assert!(!message.contains("never closed"), "{odd:?}: {message}");
        }
    }
    let (at, message) = refused("id,v\n1,x\n2,\"open\n3,y\n").await;
    assert_eq!(at, Some(3));
    assert!(message.contains("never closed"), "{message}");
    // A quote left open, then closed by a quote text follows: the line of each.
    let (at, message) = refused("id,v\n1,\"open\n2,\"x\"y\n").await;
    assert_eq!(at, Some(3));
    assert!(
        message.contains("(`2,\"x`)") && message.contains("opens with a quote on line 2"),
        "{message}"
    );
}

/// Before: a decimal past a 64-bit float's range was stored as an infinity (shown as null, a SUM null) with
/// no note. Its column is text now, as for a whole number past 64 bits, and a note names it and its line;
/// an infinity written out stays one.
#[tokio::test]
async fn a_decimal_past_the_float_range_makes_its_column_text_with_a_note() {
    let long = format!("1{}.5", "0".repeat(400));
    for (filler, odd) in [
        ("1.5", "1e400"),
        ("1.5", "-2e308"),
        ("1.5", long.as_str()),
        ("7", "1e400"),
    ] {
        for (text, row, line) in both_ways("x", filler, odd) {
            let (report, rows) = upload(&text).await;
            let report = report.unwrap();
            assert_eq!(report.columns[0].dtype, "str", "{odd} on line {line}");
            assert_eq!(rows[row][0], Value::from(odd), "line {line}");
            let named =
                format!("{odd} (line {line}) is a number past the range of a 64-bit decimal");
            let notes = report.notes.iter().filter(|n| n.contains(&named)).count();
            assert_eq!(notes, 1, "{odd} on line {line}: {:?}", report.notes);
        }
    }
    for (text, _, line) in both_ways("x", "1.5", "-inf") {
        let report = upload(&text).await.0.unwrap();
        let column = &report.columns[0];
        assert_eq!(column.dtype, "f64", "line {line}");
        assert_eq!(column.min, Some(Value::from("-inf")), "line {line}");
        assert!(report.notes.is_empty(), "line {line}: {:?}", report.notes);
    }
}

/// Before: R's `NA` and MySQL's `\N` were text, so a column of numbers or dates with one became text. They
/// are nulls now, as the other null tokens are, in every type of column, early or late.
#[tokio::test]
async fn na_and_backslash_n_are_nulls_in_every_column() {
    for token in ["NA", "\\N"] {
        for (filler, dtype) in [
            ("7", "i64"),
            ("1.5", "f64"),
            ("2024-03-15", "date"),
            ("true", "bool"),
            ("word", "str"),
        ] {
            for (text, row, line) in both_ways("v,n", &format!("{filler},1"), &format!("{token},1"))
            {
                let (report, rows) = upload(&text).await;
                let column = &report.unwrap().columns[0];
                assert_eq!(
                    (column.dtype.as_str(), column.null_count),
                    (dtype, 1),
                    "{token} on line {line} among {filler}"
                );
                assert_eq!(rows[row][0], Value::Null, "{token} on line {line}");
            }
        }
    }
    // Quoted, as the other tokens.
    let (report, _) = upload("v\n1\n\"NA\"\n").await;
    assert_eq!(report.unwrap().columns[0].dtype, "i64");
}

/// Before: `NaN` and `inf` made a column of decimals, but `nan`, `Infinity`, `INF` or `-Infinity` among the
/// first rows made it text (past them polars' parser read them as floats). Every spelling is the float now,
/// early or late.
#[tokio::test]
async fn nan_and_infinity_in_any_case_are_decimals_early_or_late() {
    for (odd, bound) in [
        ("nan", None),
        ("NAN", None),
        ("Infinity", Some(("max", "inf"))),
        ("INF", Some(("max", "inf"))),
        ("-Infinity", Some(("min", "-inf"))),
        ("+inf", Some(("max", "inf"))),
    ] {
        for filler in ["1.5", "7"] {
            for (text, _, line) in both_ways("x", filler, odd) {
                let report = upload(&text).await.0.unwrap();
                let column = &report.columns[0];
                assert_eq!(
                    (column.dtype.as_str(), column.null_count),
                    ("f64", 0),
                    "{odd} on line {line} among {filler}"
                );
                match bound {
                    Some(("max", v)) => assert_eq!(column.max, Some(Value::from(v)), "{odd}"),
                    Some((_, v)) => assert_eq!(column.min, Some(Value::from(v)), "{odd}"),
                    // NaN is left out of the mean.
                    None => assert_eq!(column.mean, filler.parse().ok(), "{odd}"),
                }
            }
        }
    }
    // A word among text is text, as before.
    let report = upload("x\nnan\nabc\n").await.0.unwrap();
    assert_eq!(report.columns[0].dtype, "str");
}

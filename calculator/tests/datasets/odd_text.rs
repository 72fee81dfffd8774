//! Text that polars would misread on its own: a CSV that starts like compressed data (`x^` is a zlib
//! header: a column named `x^2`), a value that starts with a byte-order mark, and blank lines. Each is
//! stored as written, received first or converted while it arrives.

use crate::common::{TestApp, column_names, column_types};
use axum::http::StatusCode;
use serde_json::{Value, json};

/// The rows of a stored dataset, in order.
async fn rows(app: &TestApp, dataset: &Value) -> Vec<Value> {
    let id = dataset["id"].as_str().unwrap();
    let preview = app.get(&format!("/datasets/{id}/preview?limit=1000")).await;
    assert_eq!(preview.status, StatusCode::OK, "{}", preview.text());
    preview.json()["rows"].as_array().unwrap().clone()
}

#[tokio::test]
async fn csvs_that_start_like_compressed_data_are_read_as_text() {
    for app in TestApp::both_ways() {
        // Before: a 500 (polars' scan panicked: "activate 'decompress' feature").
        let header = app.dataset("powers", "x^2,y\n1,2\n4,5\n").await;
        assert_eq!(column_names(&header), ["x^2", "y"]);
        assert_eq!(rows(&app, &header).await, [json!([1, 2]), json!([4, 5])]);

        // Types inferred again over the whole file (a decimal after polars' first 1000 rows).
        let mut late = String::from("x^2,y\n");
        for i in 0..1500 {
            late.push_str(&format!("{i},{}\n", if i == 1200 { "2.5" } else { "1" }));
        }
        let late = app.dataset("late", &late).await;
        assert_eq!(late["columns"][1]["dtype"], "f64", "{late}");
        assert_eq!(late["row_count"], 1500);

        // A first record that starts so, in a piece with quotes and in one without. Before: a 422 with
        // polars' "cannot read compressed CSV file".
        for (what, csv) in [
            ("quoted", "formula,note\nx^2 + 1,\"a, b\"\ny,\"c\"\n"),
            ("plain", "formula,note\nx^2 + 1,a\ny,c\n"),
        ] {
            let dataset = app.dataset(what, csv).await;
            let first = &rows(&app, &dataset).await[0];
            assert_eq!(first[0], "x^2 + 1", "{what}");
        }
    }
}

#[tokio::test]
async fn a_value_that_starts_with_a_byte_order_mark_keeps_it() {
    let app = TestApp::new();
    for (what, csv) in [
        ("quoted", "\u{feff}name,n\n\u{feff}abc,1\n\"d\",2\n"),
        ("plain", "\u{feff}name,n\n\u{feff}abc,1\nd,2\n"),
    ] {
        let dataset = app.dataset(what, csv).await;
        assert_eq!(
            column_names(&dataset),
            ["name", "n"],
            "{what}: the file's own mark goes"
        );
        let rows = rows(&app, &dataset).await;
        assert_eq!(rows[0][0], "\u{feff}abc", "{what}: a value's mark stays");
        assert_eq!(rows[1][0], "d", "{what}");
    }
}

#[tokio::test]
async fn blank_lines_are_not_rows() {
    for app in TestApp::both_ways() {
        // Before: each blank line was a row of nulls (`a,b\n1,2\n\n` had two rows).
        for (what, csv, expected) in [
            ("trailing", "a,b\n1,2\n\n", vec![json!([1, 2])]),
            (
                "CRLF",
                "a,b\r\n1,2\r\n\r\n\r\n3,4\r\n",
                vec![json!([1, 2]), json!([3, 4])],
            ),
            ("leading", "a,b\n\n\n1,2\n", vec![json!([1, 2])]),
            ("before the header", "\n\r\na,b\n1,2\n", vec![json!([1, 2])]),
            // A line of tabs in a TSV is a record of empty fields, wherever it falls.
            (
                "tabs",
                "a\tb\n1\t2\n\t\n",
                vec![json!([1, 2]), json!([null, null])],
            ),
            ("only tabs", "a\tb\n\t\n", vec![json!([null, null])]),
            ("one column", "a\n1\n\n2\n", vec![json!([1]), json!([2])]),
            // Inside quotes a blank line is part of the value; an empty record (`,`) is a row.
            (
                "quoted",
                "a,b\n1,\"x\n\ny\"\n,\n",
                vec![json!([1, "x\n\ny"]), json!([null, null])],
            ),
        ] {
            let dataset = app.dataset(what, csv).await;
            assert_eq!(column_names(&dataset)[0], "a", "{what}: {dataset}");
            assert_eq!(dataset["row_count"], expected.len(), "{what}: {dataset}");
            assert_eq!(rows(&app, &dataset).await, expected, "{what}");
        }
    }
}

/// A quote in the middle of an unquoted value is a character, as in every CSV reader. Before: a 422, "CSV
/// malformed: expected 1 rows, actual 2 rows" (polars' line count took it for an opening quote).
#[tokio::test]
async fn quotes_inside_unquoted_values_are_characters() {
    for app in TestApp::both_ways() {
        let csv = "item,size,n\nMonitor,27\" wide,1\n\"TV, big\",\"55\"\" \nwide\",2\nDwayne \"The Rock\" Johnson,6'5\",3\n";
        let dataset = app.dataset("inches", csv).await;
        assert_eq!(column_names(&dataset), ["item", "size", "n"]);
        assert_eq!(dataset["columns"][2]["dtype"], "i64", "{dataset}");
        assert_eq!(
            rows(&app, &dataset).await,
            [
                json!(["Monitor", "27\" wide", 1]),
                json!(["TV, big", "55\" \nwide", 2]),
                json!(["Dwayne \"The Rock\" Johnson", "6'5\"", 3]),
            ]
        );
    }
}

/// Column types are inferred from the rows as they are read, past a quote inside a value too. Before: polars'
/// inference paired that quote with the next one, so it saw only the rows before it; a column of decimals
/// whose first rows were whole numbers was then refused ("could not parse `0.5` as dtype `i64`").
#[tokio::test]
async fn types_are_inferred_past_a_quote_inside_a_value() {
    for app in TestApp::both_ways() {
        let start = "n,size,x\n1,2,3\n1,2,3\n4,5\" wide,6\n";
        for (what, decimal_at) in [("among the first rows", 10), ("past them", 2_500)] {
            let body: String = (0..3_000)
                .map(|i| match i == decimal_at {
                    true => format!("{i},{i},0.5\n"),
                    false => format!("{i},{i},{i}\n"),
                })
                .collect();
            let dataset = app.dataset(what, &format!("{start}{body}")).await;
            let types = column_types(&dataset);
            assert_eq!(types, ["i64", "str", "f64"], "{what}: {dataset}");
            assert_eq!(dataset["row_count"], 3_003, "{what}");
            assert_eq!(rows(&app, &dataset).await[2], json!([4, "5\" wide", 6.0]));
        }
    }
}

/// A file that ends inside a quoted value is refused, naming the line where the quote opens, wherever the
/// quote falls: past the rows types are inferred from too. Before: a lone quote ending a long file, in a
/// column of numbers, was stored as a null.
#[tokio::test]
async fn a_quote_never_closed_is_refused_with_its_line() {
    for app in TestApp::both_ways() {
        let rows: String = (0..5_000).map(|i| format!("{i},{}\n", i * 2)).collect();
        for (what, tail, line) in [
            ("lone quote", "5,\"", 5_002),
            ("lone quote and newline", "5,\"\n", 5_002),
            ("open text", "5,\"abc\n6,7\n", 5_002),
        ] {
            let csv = format!("a,b\n{rows}{tail}");
            let reply = app.upload_raw(what, csv).await;
            let (code, message) = reply.error(StatusCode::UNPROCESSABLE_ENTITY);
            assert_eq!(code, "invalid_csv", "{what}");
            assert!(
                message.starts_with(&format!("line {line}: a quoted value is never closed")),
                "{what}: {message}"
            );
        }
        // The first record's quote, in a file of one row.
        let reply = app.upload_raw("header", "a,\"b\n1,2\n".to_owned()).await;
        let (_, message) = reply.error(StatusCode::UNPROCESSABLE_ENTITY);
        assert!(message.starts_with("line 1: a quoted value"), "{message}");
        assert!(app.listed_ids().await.is_empty());
    }
}

/// A value past the rows polars infers the types from widens its own column only, as little as it needs.
/// Before: polars inferred every column again over the whole file, trying date patterns on every text value
/// (3–35 MB/s), and still refused a date column with one date written another way.
#[tokio::test]
async fn a_late_value_widens_only_its_column() {
    let app = TestApp::new();
    let mut csv = String::from("n,x,day,label\n");
    for i in 0..5_000 {
        let (x, day) = match i {
            3_000 => ("2.5".to_string(), "01/02/2024".to_string()),
            4_000 => ("abc".to_string(), format!("2024-01-{:02}", i % 28 + 1)),
            _ => (i.to_string(), format!("2024-01-{:02}", i % 28 + 1)),
        };
        csv.push_str(&format!("{i},{x},{day},l{i}\n"));
    }
    let dataset = app.dataset("late", &csv).await;
    let types = column_types(&dataset);
    assert_eq!(types, ["i64", "str", "str", "str"], "{dataset}");
    assert_eq!(dataset["row_count"], 5_000);
    let rows = rows(&app, &dataset).await;
    assert_eq!(rows[1], json!([1, "1", "2024-01-02", "l1"]));

    // Whole numbers, then a decimal: numbers still.
    let mut csv = String::from("n,x\n");
    for i in 0..5_000 {
        csv.push_str(&format!(
            "{i},{}\n",
            if i == 4_999 {
                "0.5".into()
            } else {
                i.to_string()
            }
        ));
    }
    let dataset = app.dataset("decimal", &csv).await;
    assert_eq!(dataset["columns"][1]["dtype"], "f64", "{dataset}");
    assert_eq!(dataset["columns"][0]["dtype"], "i64", "{dataset}");
}

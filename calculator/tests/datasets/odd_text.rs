//! Text that polars would misread on its own: a CSV that starts like compressed data (`x^` is a zlib
//! header: a column named `x^2`), a value that starts with a byte-order mark, and blank lines. Each is
//! stored as written, received first or converted while it arrives.

use std::time::Duration;

use crate::common::TestApp;
use axum::http::StatusCode;
use serde_json::{Value, json};

/// The rows of a stored dataset, in order.
async fn rows(app: &TestApp, dataset: &Value) -> Vec<Value> {
    let id = dataset["id"].as_str().unwrap();
    let preview = app.get(&format!("/datasets/{id}/preview?limit=1000")).await;
    assert_eq!(preview.status, StatusCode::OK, "{}", preview.text());
    preview.json()["rows"].as_array().unwrap().clone()
}

fn names(dataset: &Value) -> Vec<&str> {
    dataset["columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect()
}

#[tokio::test]
async fn csvs_that_start_like_compressed_data_are_read_as_text() {
    for app in [
        TestApp::new(),
        TestApp::configured(|config| config.upload_overlap_after = Duration::ZERO),
    ] {
        // Before: a 500 (polars' scan panicked: "activate 'decompress' feature").
        let header = app.dataset("powers", "x^2,y\n1,2\n4,5\n").await;
        assert_eq!(names(&header), ["x^2", "y"]);
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
            names(&dataset),
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
    for app in [
        TestApp::new(),
        TestApp::configured(|config| config.upload_overlap_after = Duration::ZERO),
    ] {
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
            assert_eq!(names(&dataset)[0], "a", "{what}: {dataset}");
            assert_eq!(dataset["row_count"], expected.len(), "{what}: {dataset}");
            assert_eq!(rows(&app, &dataset).await, expected, "{what}");
        }
    }
}

/// A quote in the middle of an unquoted value is a character, as in every CSV reader. Before: a 422, "CSV
/// malformed: expected 1 rows, actual 2 rows" (polars' line count took it for an opening quote).
#[tokio::test]
async fn quotes_inside_unquoted_values_are_characters() {
    for app in [
        TestApp::new(),
        TestApp::configured(|config| config.upload_overlap_after = Duration::ZERO),
    ] {
        let csv = "item,size,n\nMonitor,27\" wide,1\n\"TV, big\",\"55\"\" \nwide\",2\nDwayne \"The Rock\" Johnson,6'5\",3\n";
        let dataset = app.dataset("inches", csv).await;
        assert_eq!(names(&dataset), ["item", "size", "n"]);
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

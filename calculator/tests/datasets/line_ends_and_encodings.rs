//! Files that polars cannot read as they are, read through a copy: lines ended by a carriage return alone
//! (classic Mac, Excel's "CSV (Macintosh)"), and bytes that are not UTF-8 among UTF-8 text.

use crate::common::{TestApp, column_names};
use axum::http::StatusCode;
use serde_json::{Value, json};

async fn stored(app: &TestApp, name: &str, bytes: Vec<u8>) -> (Value, Vec<Value>) {
    let reply = app.upload_raw(name, bytes).await;
    assert_eq!(
        reply.status,
        StatusCode::CREATED,
        "{name}: {}",
        reply.text()
    );
    let dataset = reply.json();
    let id = dataset["id"].as_str().unwrap();
    let preview = app.get(&format!("/datasets/{id}/preview?limit=1000")).await;
    let rows = preview.json()["rows"].as_array().unwrap().clone();
    (dataset, rows)
}

fn notes(dataset: &Value) -> String {
    dataset["notes"].to_string()
}

/// Before: one row of thousands of columns, or none (polars ends lines at newlines only).
#[tokio::test]
async fn lines_ended_by_a_carriage_return_alone_are_rows() {
    for app in TestApp::both_ways() {
        let mut csv = String::from("id,x,note\r");
        for i in 0..3_000 {
            csv.push_str(&format!("{i},{i}.5,n{i}\r"));
        }
        // Line breaks inside cells: Excel for Mac writes them as newlines.
        csv.push_str("3000,1.5,\"two\rlines\"\r3001,2.5,\"and\nmore\"\r");
        let (dataset, rows) = stored(&app, "mac", csv.into_bytes()).await;
        assert_eq!(dataset["row_count"], 3_002, "{dataset}");
        let id = dataset["id"].as_str().unwrap();
        let last = app.query(id, "SELECT note FROM data WHERE id = 3001").await;
        assert_eq!(
            last.json()["rows"],
            json!([["and\nmore"]]),
            "{}",
            last.text()
        );
        let names = column_names(&dataset);
        assert_eq!(names, ["id", "x", "note"]);
        assert_eq!(dataset["columns"][1]["dtype"], "f64");
        assert_eq!(rows[1], json!([1, 1.5, "n1"]));
        assert!(notes(&dataset).contains("carriage return"), "{dataset}");
        assert_eq!(dataset["encoding"], "utf-8");
    }
}

/// Before: the whole file was read as Windows-1252, so its UTF-8 text came out as `ZÃ¼rich`.
#[tokio::test]
async fn utf8_text_with_a_latin1_byte_keeps_its_utf8() {
    let app = TestApp::new();
    let mut csv = "city,n\n".as_bytes().to_vec();
    for i in 0..3_000 {
        csv.extend(format!("Zürich {i},{i}\n").as_bytes());
    }
    csv.extend(b"Jos\xe9,1\n");
    let (dataset, rows) = stored(&app, "mixed", csv).await;
    assert_eq!(dataset["row_count"], 3_001);
    assert_eq!(rows[0], json!(["Zürich 0", 0]));
    assert_eq!(dataset["encoding"], "latin-1");
    assert!(
        notes(&dataset).contains("1 byte that is not UTF-8"),
        "{dataset}"
    );
    let id = dataset["id"].as_str().unwrap();
    let last = app
        .query(id, "SELECT city FROM data WHERE city LIKE 'jos%'")
        .await;
    assert_eq!(last.json()["rows"], json!([["José"]]), "{}", last.text());
    // A header in UTF-8 with a Latin-1 byte in the same sample: both read.
    let (dataset, rows) = stored(
        &app,
        "header",
        b"St\xc3\xa4dte,Gr\xf6\xdfe\nK\xf6ln,1\n".to_vec(),
    )
    .await;
    assert_eq!(dataset["columns"][0]["name"], "Städte");
    assert_eq!(dataset["columns"][1]["name"], "Größe");
    assert_eq!(rows[0], json!(["Köln", 1]));
}

/// Before: "1,50" in a `;` file (a European spreadsheet's export) was text, so `SUM(price)` failed.
#[tokio::test]
async fn decimal_commas_between_semicolons_are_numbers() {
    let app = TestApp::new();
    let mut csv = String::from("item;price;qty\n");
    for i in 0..3_000 {
        csv.push_str(&format!("item {i};{i},50;{i}\n"));
    }
    csv.push_str("last;\"-0,75\";3\n");
    let (dataset, rows) = stored(&app, "euro", csv.into_bytes()).await;
    assert_eq!(dataset["row_count"], 3_001, "{dataset}");
    assert_eq!(dataset["columns"][1]["dtype"], "f64", "{dataset}");
    assert_eq!(dataset["columns"][2]["dtype"], "i64", "{dataset}");
    assert!(notes(&dataset).contains("decimal comma"), "{dataset}");
    assert_eq!(rows[1], json!(["item 1", 1.5, 1]));
    let id = dataset["id"].as_str().unwrap();
    let sum = app
        .query(
            id,
            "SELECT SUM(price) FROM data WHERE item = 'last' OR qty < 2",
        )
        .await;
    assert_eq!(
        sum.json()["rows"],
        json!([[0.5 + 1.5 - 0.75]]),
        "{}",
        sum.text()
    );
    // Three digits after every comma may be thousands (12,500): read as written.
    let (dataset, _) = stored(&app, "thousands", b"a;b\n12,500;x\n1,250;y\n".to_vec()).await;
    assert_eq!(dataset["columns"][0]["dtype"], "str", "{dataset}");
    // Decimal points and commas mixed: read as written (text), with no such note.
    let (dataset, _) = stored(&app, "mixed", b"a;b\n1,5;x\n2.5;y\n".to_vec()).await;
    assert_eq!(dataset["columns"][0]["dtype"], "str", "{dataset}");
    assert!(!notes(&dataset).contains("decimal comma"), "{dataset}");
}

//! Uploads that are not plain CSV text: spreadsheets, compressed files, images and binaries (refused, saying
//! what they are), UTF-16 text (read), files too wide to store (refused from their header), and the media
//! types CSVs come labelled with.

use crate::common::{TestApp, column_names, column_types};
use axum::{
    body::Body,
    http::{Request, StatusCode},
};
use serde_json::json;

/// Before: each was stored (201) as one column of Latin-1 noise, or refused as a ragged row on line 2.
#[tokio::test]
async fn files_that_are_not_csv_say_what_they_are() {
    let app = TestApp::new();
    let mut xlsx = b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00[Content_Types].xml".to_vec();
    xlsx.extend((0..600u32).map(|i| (i * 31 % 256) as u8));
    xlsx.extend(b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00xl/workbook.xml");
    let gzip = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03\x4b\xd4\x49\xd2\x49\xe6\x32\xd4\x31\xd2\x31\xe6\x02\x00";
    let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
    png.extend((0..2048u32).map(|i| (i * 7 % 256) as u8));
    let noise: Vec<u8> = (0..4096u32).map(|i| (i * 13 % 256) as u8).collect();
    for (file_name, bytes, says) in [
        ("book.csv", &xlsx[..], "an Excel workbook (.xlsx)"),
        ("sales.csv", &gzip[..], "gzip-compressed"),
        ("chart.csv", &png[..], "a PNG image"),
        (
            "report.csv",
            &b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n"[..],
            "a PDF document",
        ),
        ("data.csv", &noise[..], "binary data"),
    ] {
        let reply = app.upload_file(file_name, bytes).await;
        let (code, message) = reply.error(StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(code, "invalid_csv", "{file_name}");
        assert!(message.contains(says), "{file_name}: {message}");
        assert!(!message.contains("line "), "{file_name}: {message}");
    }
    assert!(app.listed_ids().await.is_empty());

    // A compressed body is refused from its header, before it is read.
    let request = Request::post("/datasets?name=z")
        .header("content-type", "text/csv")
        .header("content-encoding", "gzip")
        .body(Body::from(gzip.to_vec()))
        .unwrap();
    let (code, message) = app
        .send(request)
        .await
        .error(StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(code, "unsupported_media_type");
    assert!(message.contains("Content-Encoding: gzip"), "{message}");
}

/// Before: "line 4: 1 fields...": every other byte of UTF-16 is a NUL to a UTF-8 reader.
#[tokio::test]
async fn utf16_text_is_read_with_a_note() {
    let text = "name\tcity\tn\nJosé\tZürich\t1\nAnn\tLyon\t2\n";
    for app in TestApp::both_ways() {
        for little in [true, false] {
            let mut bytes = if little {
                vec![0xFF, 0xFE]
            } else {
                vec![0xFE, 0xFF]
            };
            for unit in text.encode_utf16() {
                bytes.extend(if little {
                    unit.to_le_bytes()
                } else {
                    unit.to_be_bytes()
                });
            }
            let reply = app.upload_file("unicode.txt", &bytes).await;
            assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text());
            let dataset = reply.json();
            assert_eq!(column_names(&dataset), ["name", "city", "n"]);
            assert_eq!(column_types(&dataset), ["str", "str", "i64"]);
            assert_eq!(dataset["encoding"], "utf-16");
            assert!(dataset["notes"].to_string().contains("UTF-16"), "{dataset}");
            let id = dataset["id"].as_str().unwrap();
            let rows = app.get(&format!("/datasets/{id}/preview")).await.json()["rows"].clone();
            assert_eq!(rows, json!([["José", "Zürich", 1], ["Ann", "Lyon", 2]]));
        }
    }
}

/// Before: 100,000 columns took 10 s and 2.9 GB of worker memory, and every `GET /datasets` carried all of
/// their statistics.
#[tokio::test]
async fn files_too_wide_are_refused_from_their_header() {
    let app = TestApp::new();
    let header = |columns: usize| {
        let names: Vec<String> = (0..columns).map(|i| format!("c{i}")).collect();
        names.join(",")
    };
    let wide = format!("{}\n{}\n", header(10_001), vec!["1"; 10_001].join(","));
    let (code, message) = app
        .upload_raw("wide", wide)
        .await
        .error(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(code, "ingest_limit_exceeded");
    assert!(
        message.contains("10001 columns") && message.contains("10000"),
        "{message}"
    );
    // A header longer than the sniffer's sample: at least as many columns as it holds.
    let wider = format!("{}\n", header(100_000));
    let (code, message) = app
        .upload_raw("wider", wider)
        .await
        .error(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(code, "ingest_limit_exceeded");
    assert!(message.contains("at least"), "{message}");
    // Long names: the sample holds fewer than the limit, so the header is counted past it.
    let long: Vec<String> = (0..12_000)
        .map(|i| format!("a_rather_long_column_name_{i:06}"))
        .collect();
    let (code, message) = app
        .upload_raw("long", format!("{}\n", long.join(",")))
        .await
        .error(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(code, "ingest_limit_exceeded");
    assert!(message.contains("10000"), "{message}");

    // At the limit it is stored; the list names its columns without their statistics.
    let csv = format!("{}\n{}\n", header(10_000), vec!["2"; 10_000].join(","));
    let dataset = app.dataset("widest", &csv).await;
    assert_eq!(dataset["columns"][0]["max"], 2);
    let list = app.get("/datasets").await.json();
    let listed = &list["datasets"][0]["columns"];
    assert_eq!(listed.as_array().unwrap().len(), 10_000);
    assert_eq!(
        listed[0],
        json!({"name": "c0", "dtype": "i64", "null_count": 0})
    );
}

/// Before: 415 for the names some browsers and spreadsheets give CSV files.
#[tokio::test]
async fn csv_media_types_of_every_spelling_are_accepted() {
    let app = TestApp::new();
    for content_type in [
        "text/x-csv",
        "application/x-csv",
        "text/comma-separated-values",
        "text/x-comma-separated-values",
    ] {
        let request = Request::post("/datasets?name=m")
            .header("content-type", content_type)
            .body(Body::from("a,b\n1,2\n"))
            .unwrap();
        let reply = app.send(request).await;
        assert_eq!(
            reply.status,
            StatusCode::CREATED,
            "{content_type}: {}",
            reply.text()
        );
    }
}

/// Before: after Excel's `sep=,` line the header was counted from the file's start, and the count ended with
/// that line (2 fields): a header of 200,000 names went past the limit to polars.
#[tokio::test]
async fn a_sep_line_does_not_let_a_wide_header_past_the_limit() {
    let app = TestApp::new();
    let names: Vec<String> = (0..200_000).map(|i| format!("c{i}")).collect();
    let header = names.join(",");
    for (name, text) in [
        ("plain", format!("{header}\n")),
        ("sep", format!("sep=,\n{header}\n")),
        ("sep_crlf", format!("\u{feff}sep=,\r\n{header}\r\n")),
    ] {
        let (code, message) = app
            .upload_raw(name, text)
            .await
            .error(StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(code, "ingest_limit_exceeded", "{name}: {message}");
        assert!(message.contains("at least"), "{name}: {message}");
    }
}

//! Uploads read into Parquet while they arrive (`UPLOAD_OVERLAP_AFTER`): the same dataset as an upload
//! received first, and failures (a cut body, a 413, a bad file) that still leave nothing behind.

use std::time::Duration;

use crate::common::TestApp;
use axum::{
    body::{Body, Bytes},
    http::StatusCode,
};
use serde_json::Value;
use testkit::capture_logs;

/// An app that overlaps every upload (`UPLOAD_OVERLAP_AFTER=0`).
fn overlapping() -> TestApp {
    TestApp::configured(|config| config.upload_overlap_after = Duration::ZERO)
}

/// `csv` arriving in `chunks` parts, `pause` apart, then (when `fail`) a connection reset.
fn slowly(csv: Vec<u8>, chunks: usize, pause: Duration, fail: bool) -> Body {
    let size = csv.len().div_ceil(chunks);
    let mut parts: Vec<Result<Bytes, std::io::Error>> = csv
        .chunks(size)
        .map(|c| Ok(Bytes::copy_from_slice(c)))
        .collect();
    if fail {
        parts.push(Err(std::io::Error::new(
            std::io::ErrorKind::ConnectionReset,
            "client went away",
        )));
    }
    let stream = futures::stream::unfold(parts.into_iter(), move |mut parts| async move {
        let part = parts.next()?;
        tokio::time::sleep(pause).await;
        Some((part, parts))
    });
    Body::from_stream(stream)
}

fn sample_csv(rows: usize) -> Vec<u8> {
    let mut csv = String::from("city;amount;day;note\n");
    for i in 0..rows {
        csv.push_str(&format!(
            "c{};{};2024-03-{:02};\"n; {}\"\n",
            i % 11,
            i * 3,
            1 + i % 28,
            i % 5
        ));
    }
    csv.into_bytes()
}

/// What describes a dataset's contents (not its id, name or creation time).
fn contents(dataset: &Value) -> Vec<Value> {
    [
        "row_count",
        "columns",
        "source_bytes",
        "stored_bytes",
        "content_hash",
        "delimiter",
        "encoding",
    ]
    .iter()
    .map(|key| dataset[*key].clone())
    .collect()
}

async fn assert_nothing_left(app: &TestApp) {
    assert!(app.listed_ids().await.is_empty());
    assert!(app.entries("tmp").is_empty(), "{:?}", app.entries("tmp"));
}

#[tokio::test]
async fn an_upload_converted_as_it_arrives_is_the_dataset_received_first() {
    // One capture for the whole test: tracing's per-thread subscribers are only dependable while they live.
    let (logs, _guard) = capture_logs("calculator::datasets=debug");
    let csv = sample_csv(20_000);
    let reference = TestApp::new().upload_raw("t", csv.clone()).await;
    assert_eq!(
        reference.status,
        StatusCode::CREATED,
        "{}",
        reference.text()
    );

    // Overlapped from the start, and from 100 ms into an upload that takes about 400 ms.
    for app in [
        overlapping(),
        TestApp::configured(|c| c.upload_overlap_after = Duration::from_millis(100)),
    ] {
        let body = slowly(csv.clone(), 20, Duration::from_millis(20), false);
        let reply = app.upload_raw("t", body).await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text());
        assert_eq!(contents(&reply.json()), contents(&reference.json()));
        assert_eq!(reply.json()["row_count"], 20_000);
        assert!(app.entries("tmp").is_empty(), "{:?}", app.entries("tmp"));
        // The stored dataset answers queries.
        let id = reply.json()["id"].as_str().unwrap().to_owned();
        let answer = app.query(&id, "SELECT SUM(amount) AS s FROM data").await;
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.text());
        assert_eq!(answer.json()["rows"][0][0], 3 * 19_999 * 20_000 / 2);
    }
    // The reference, received at once (well within the default second), was converted after it arrived;
    // the two slow ones while they arrived.
    let overlapped: Vec<Value> = logs
        .lines()
        .iter()
        .filter(|line| line["fields"]["message"] == "upload stored")
        .map(|line| line["fields"]["overlapped"].clone())
        .collect();
    assert_eq!(overlapped, [false, true, true], "{}", logs.text());
}

#[tokio::test]
async fn failed_uploads_converted_as_they_arrive_leave_nothing_behind() {
    let app = overlapping();
    let cut = app
        .upload_raw(
            "cut",
            slowly(sample_csv(2_000), 5, Duration::from_millis(10), true),
        )
        .await;
    let (code, message) = cut.error(StatusCode::BAD_REQUEST);
    assert_eq!(code, "bad_request");
    assert!(message.contains("stopped before its end"), "{message}");
    assert_nothing_left(&app).await;

    let ragged = app
        .upload_raw("ragged", "a,b\n1,2\n3,4,5\n".to_owned())
        .await;
    let (code, message) = ragged.error(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(code, "invalid_csv");
    assert!(message.contains("line 3"), "{message}");
    assert_nothing_left(&app).await;

    let empty = app.upload_raw("empty", Vec::new()).await;
    assert_eq!(
        empty.error(StatusCode::UNPROCESSABLE_ENTITY).0,
        "invalid_csv"
    );
    assert_nothing_left(&app).await;

    let latin1 = app.upload_raw("latin", b"city\nZ\xfcrich\n".to_vec()).await;
    assert_eq!(latin1.status, StatusCode::CREATED, "{}", latin1.text());
    assert_eq!(latin1.json()["encoding"], "latin-1");

    // The workers that were stopped are replaced: the service goes on.
    let fine = app.upload_raw("fine", sample_csv(10)).await;
    assert_eq!(fine.status, StatusCode::CREATED, "{}", fine.text());
}

#[tokio::test]
async fn an_upload_past_the_limit_while_converting_is_413_and_leaves_nothing() {
    let app = TestApp::configured(|config| {
        config.upload_overlap_after = Duration::ZERO;
        config.max_upload_bytes = 50_000;
    });
    let reply = app
        .upload_raw(
            "big",
            slowly(sample_csv(5_000), 10, Duration::from_millis(10), false),
        )
        .await;
    assert_eq!(
        reply.error(StatusCode::PAYLOAD_TOO_LARGE).0,
        "payload_too_large"
    );
    assert_nothing_left(&app).await;
}

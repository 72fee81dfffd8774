//! Uploads read into Parquet while they arrive (`UPLOAD_OVERLAP_AFTER`): the same dataset as an upload
//! received first, and failures (a cut body, a 413, a bad file) that still leave nothing behind.

use std::time::Duration;

use crate::common::TestApp;
use axum::{
    body::{Body, Bytes},
    http::StatusCode,
};
use serde_json::Value;
use testkit::{Reply, opened_by_another_process};

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

/// Uploads `csv` in two halves with a pause between them; returns the reply and whether, during the pause,
/// an engine worker had the upload's file open (that is, was converting it as it arrived).
async fn upload_with_a_pause(app: &TestApp, csv: &[u8], pause: Duration) -> (Reply, bool) {
    let (sender, body) = futures::channel::mpsc::unbounded::<Result<Bytes, std::io::Error>>();
    let (first, second) = csv.split_at(csv.len() / 2);
    let (first, second) = (
        Bytes::copy_from_slice(first),
        Bytes::copy_from_slice(second),
    );
    let sending = async move {
        sender.unbounded_send(Ok(first)).unwrap();
        let started = tokio::time::Instant::now();
        let mut opened = false;
        while started.elapsed() < pause && !opened {
            tokio::time::sleep(Duration::from_millis(10)).await;
            let staged = app.entries("tmp");
            opened = staged.first().is_some_and(|dir| {
                let source = app.config.data_dir.join("tmp").join(dir).join("source.csv");
                // As /proc names it: with any symbolic link in TMPDIR resolved.
                source
                    .canonicalize()
                    .is_ok_and(|source| opened_by_another_process(&source))
            });
        }
        // Refused when the upload already ended (the reply says why).
        let _ = sender.unbounded_send(Ok(second));
        opened
    };
    tokio::join!(app.upload_raw("t", Body::from_stream(body)), sending)
}

#[tokio::test]
async fn an_upload_converted_as_it_arrives_is_the_dataset_received_first() {
    let csv = sample_csv(20_000);
    let default = TestApp::new();
    // Paused for less than the default second: received first, no worker on it meanwhile.
    let (reference, opened) = upload_with_a_pause(&default, &csv, Duration::from_millis(300)).await;
    assert_eq!(
        reference.status,
        StatusCode::CREATED,
        "{}",
        reference.text()
    );
    assert!(
        !opened,
        "a worker read the upload before UPLOAD_OVERLAP_AFTER"
    );

    // Overlapped from the start, and from 100 ms into the upload.
    for app in [
        overlapping(),
        TestApp::configured(|c| c.upload_overlap_after = Duration::from_millis(100)),
    ] {
        let (reply, opened) = upload_with_a_pause(&app, &csv, Duration::from_secs(10)).await;
        assert!(opened, "no worker read the upload as it arrived");
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

    // Arriving in twenty parts over about 400 ms: the same dataset again.
    let app = overlapping();
    let reply = app
        .upload_raw("t", slowly(csv, 20, Duration::from_millis(20), false))
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text());
    assert_eq!(contents(&reply.json()), contents(&reference.json()));
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

#[tokio::test]
async fn a_stalled_upload_is_408_and_frees_what_it_held() {
    for overlap_after in [Duration::ZERO, Duration::from_secs(1)] {
        let app = TestApp::configured(|config| {
            config.upload_overlap_after = overlap_after;
            config.upload_idle_timeout = Duration::from_secs(2);
        });
        let first =
            futures::stream::iter([Ok::<_, std::io::Error>(Bytes::from_static(b"a,b\n1,2\n"))]);
        let stalling = futures::StreamExt::chain(first, futures::stream::pending());
        let reply = app.upload_raw("stalled", Body::from_stream(stalling)).await;
        let (code, message) = reply.error(StatusCode::REQUEST_TIMEOUT);
        assert_eq!(code, "upload_stalled");
        assert!(message.contains("2 s (UPLOAD_IDLE_TIMEOUT)"), "{message}");
        assert_nothing_left(&app).await;
        if overlap_after.is_zero() {
            // The worker it held is free again: the next upload is read as it arrives.
            let (reply, opened) =
                upload_with_a_pause(&app, &sample_csv(100), Duration::from_millis(1_500)).await;
            assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text());
            assert!(opened, "no worker read the next upload as it arrived");
        } else {
            let reply = app.upload_raw("next", sample_csv(100)).await;
            assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text());
        }
    }
}

#[tokio::test]
async fn a_multipart_upload_stalled_in_its_name_field_is_408() {
    let app = TestApp::configured(|config| config.upload_idle_timeout = Duration::from_millis(300));
    let start = futures::stream::iter([Ok::<_, std::io::Error>(Bytes::from_static(
        b"--B\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\nsal",
    ))]);
    let body = Body::from_stream(futures::StreamExt::chain(start, futures::stream::pending()));
    let request = axum::http::Request::post("/datasets")
        .header("content-type", "multipart/form-data; boundary=B")
        .body(body)
        .unwrap();
    let reply = tokio::time::timeout(Duration::from_secs(10), app.send(request))
        .await
        .expect("the stalled upload was answered");
    assert_eq!(reply.error(StatusCode::REQUEST_TIMEOUT).0, "upload_stalled");
    assert_nothing_left(&app).await;
}

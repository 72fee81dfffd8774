//! Uploads that fail: every one answers a clear 4xx, lists nothing and leaves nothing in `DATA_DIR/tmp/`.

use std::convert::Infallible;

use crate::common::{Part, TestApp, multipart};
use axum::{
    body::{Body, Bytes},
    http::{Request, StatusCode},
};
use serde_json::json;

/// Asserts that nothing is listed or left on disk after a failed upload.
async fn nothing_left(app: &TestApp) {
    assert!(app.listed_ids().await.is_empty());
    assert!(
        app.entries("datasets").is_empty(),
        "{:?}",
        app.entries("datasets")
    );
    assert!(app.entries("tmp").is_empty(), "{:?}", app.entries("tmp"));
}

/// A body that arrives in `chunks` pieces of `size` bytes with no Content-Length.
fn streamed(chunks: usize, size: usize) -> Body {
    let header = futures::stream::iter([Ok::<_, Infallible>(Bytes::from_static(b"n\n"))]);
    let rows = futures::stream::iter(
        (0..chunks).map(move |_| Ok::<_, Infallible>(Bytes::from("1\n".repeat(size / 2)))),
    );
    Body::from_stream(futures::StreamExt::chain(header, rows))
}

#[tokio::test]
async fn unreadable_csvs_are_422_with_the_reason() {
    let app = TestApp::new();
    let ragged = app
        .upload_raw("ragged", "a,b\n1,2\n3,4,5,6\n7,8\n".to_owned())
        .await;
    let (code, message) = ragged.error(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(code, "invalid_csv");
    assert!(message.contains("line 3"), "the line is named: {message}");
    nothing_left(&app).await;

    for (what, body) in [
        ("empty", &b""[..]),
        ("only a BOM", &b"\xEF\xBB\xBF"[..]),
        ("blank lines", &b"\n\n\n"[..]),
    ] {
        let reply = app.upload_raw(what, body.to_vec()).await;
        let (code, message) = reply.error(StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(code, "invalid_csv", "{what}");
        assert!(message.contains("empty"), "{what}: {message}");
        nothing_left(&app).await;
    }

    let unbalanced = app
        .upload_raw("quotes", "a,b\n1,\"open\n2,3\n".to_owned())
        .await;
    assert_eq!(
        unbalanced.error(StatusCode::UNPROCESSABLE_ENTITY).0,
        "invalid_csv"
    );
    nothing_left(&app).await;

    // Not a CSV at all: a PNG header and binary noise.
    let mut binary = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
    binary.extend((0..2048u32).map(|i| (i * 7 % 256) as u8));
    let reply = app.upload_file("chart.png", &binary).await;
    assert!(
        reply.status.is_client_error(),
        "{} {}",
        reply.status,
        reply.text()
    );
    let (code, _) = reply.error(reply.status);
    assert!(
        ["invalid_csv", "invalid_encoding"].contains(&code.as_str()),
        "{code}"
    );
    nothing_left(&app).await;
}

#[tokio::test]
async fn latin1_bytes_are_read_and_reported() {
    let app = TestApp::new();
    let latin1: Vec<u8> = b"name,city\nJos\xe9,Z\xfcrich\n".to_vec();
    let reply = app.upload_file("people.csv", &latin1).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text());
    let dataset = reply.json();
    assert_eq!(dataset["encoding"], "latin-1");
    let notes = dataset["notes"].to_string().to_lowercase();
    assert!(
        notes.contains("utf-8") || notes.contains("latin"),
        "{dataset}"
    );
    let id = dataset["id"].as_str().unwrap();
    let preview = app.get(&format!("/datasets/{id}/preview")).await.json();
    assert_eq!(preview["rows"], json!([["José", "Zürich"]]));
}

#[tokio::test]
async fn uploads_over_max_upload_bytes_are_413_and_leave_no_partial_file() {
    let app = TestApp::configured(|config| config.max_upload_bytes = 10_000);

    // Streamed without a Content-Length: stopped once past the limit.
    let reply = app.upload_raw("big", streamed(50, 1000)).await;
    let (code, message) = reply.error(StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(code, "payload_too_large");
    assert!(
        message.contains("MAX_UPLOAD_BYTES (10000 bytes"),
        "{message}"
    );
    nothing_left(&app).await;

    // Declared too large up front: refused before a byte is read.
    let big = "n\n".to_owned() + &"1\n".repeat(6000);
    let request = Request::post("/datasets")
        .header("content-type", "text/csv")
        .header("content-length", big.len())
        .body(Body::from(big.clone()));
    let reply = app.send(request.unwrap()).await;
    assert_eq!(
        reply.error(StatusCode::PAYLOAD_TOO_LARGE).0,
        "payload_too_large"
    );
    nothing_left(&app).await;

    // As a multipart file.
    let reply = app.upload_file("big.csv", big.as_bytes()).await;
    assert_eq!(
        reply.error(StatusCode::PAYLOAD_TOO_LARGE).0,
        "payload_too_large"
    );
    nothing_left(&app).await;

    // Exactly at the limit is accepted.
    let exact = "n\n".to_owned() + &"1\n".repeat(4999);
    assert_eq!(exact.len(), 10_000);
    let reply = app.upload_raw("exact", exact).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text());
    assert_eq!(reply.json()["row_count"], 4999);
}

#[tokio::test]
async fn an_upload_cut_off_mid_body_leaves_nothing_behind() {
    let app = TestApp::new();
    let chunks: Vec<Result<Bytes, std::io::Error>> = vec![
        Ok(Bytes::from_static(b"n\n1\n2\n")),
        Ok(Bytes::from("3\n".repeat(1000))),
        Err(std::io::Error::new(
            std::io::ErrorKind::ConnectionReset,
            "client went away",
        )),
    ];
    let reply = app
        .upload_raw("cut", Body::from_stream(futures::stream::iter(chunks)))
        .await;
    let (code, message) = reply.error(StatusCode::BAD_REQUEST);
    assert_eq!(code, "bad_request");
    assert!(message.contains("stopped before its end"), "{message}");
    nothing_left(&app).await;
}

#[tokio::test]
async fn the_json_body_limit_does_not_apply_to_uploads() {
    let app = TestApp::configured(|config| config.max_body_bytes = 1024);
    let reply = app.upload_raw("wide", streamed(40, 1000)).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text());
    assert_eq!(reply.json()["row_count"], 20_000);
    let csv = "n\n".to_owned() + &"2\n".repeat(5000);
    let reply = app.upload_file("wide.csv", csv.as_bytes()).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text());
}

#[tokio::test]
async fn bad_requests_name_what_to_send() {
    let app = TestApp::new();
    for content_type in [
        None,
        Some("application/json"),
        Some("application/x-www-form-urlencoded"),
    ] {
        let mut request = Request::post("/datasets");
        if let Some(content_type) = content_type {
            request = request.header("content-type", content_type);
        }
        let reply = app
            .send(request.body(Body::from("a,b\n1,2\n")).unwrap())
            .await;
        let (code, message) = reply.error(StatusCode::UNSUPPORTED_MEDIA_TYPE);
        assert_eq!(code, "unsupported_media_type");
        assert!(
            message.contains("text/csv") && message.contains("multipart/form-data"),
            "{message}"
        );
    }

    // Forms without exactly one `file`: 422 naming what to send.
    for (form, expected) in [
        (vec![Part::text("name", "x")], &["`file`"][..]),
        (
            vec![Part::file("upload", "a.csv", b"x\n1\n")],
            &["`upload`", "`file`"][..],
        ),
        (
            vec![
                Part::file("file", "a.csv", b"x\n1\n"),
                Part::file("file", "b.csv", b"x\n2\n"),
            ],
            &["twice"][..],
        ),
    ] {
        let reply = app.upload_form("/datasets", &form).await;
        let (code, message) = reply.error(StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(code, "invalid_input");
        assert!(expected.iter().all(|e| message.contains(e)), "{message}");
    }

    // A multipart body without its boundary, or cut short.
    let request = Request::post("/datasets")
        .header("content-type", "multipart/form-data")
        .body(Body::from("junk"));
    assert_eq!(
        app.send(request.unwrap())
            .await
            .error(StatusCode::BAD_REQUEST)
            .0,
        "bad_request"
    );
    let (content_type, body) = multipart(&[Part::file("file", "a.csv", b"x\n1\n")]);
    let request = Request::post("/datasets")
        .header("content-type", content_type)
        .body(Body::from(body[..body.len() - 20].to_vec()));
    assert_eq!(
        app.send(request.unwrap())
            .await
            .error(StatusCode::BAD_REQUEST)
            .0,
        "bad_request"
    );

    let request = Request::post("/datasets?colour=blue")
        .header("content-type", "text/csv")
        .body(Body::from("x\n1\n"));
    let (_, message) = app
        .send(request.unwrap())
        .await
        .error(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(message.contains("colour"), "{message}");
    nothing_left(&app).await;
}

#[tokio::test]
async fn leftovers_of_a_crash_are_cleared_at_startup_and_broken_entries_skipped() {
    let app = TestApp::new();
    let good = app.dataset("good", "x\n1\n").await;
    let tmp = app.config.data_dir.join("tmp");
    std::fs::create_dir_all(tmp.join("upload-0123")).unwrap();
    std::fs::write(tmp.join("upload-0123/source.csv"), b"half an upl").unwrap();
    let broken = app
        .config
        .data_dir
        .join("datasets/00000000000000000000000000000000");
    std::fs::create_dir_all(&broken).unwrap();
    std::fs::write(broken.join("meta.json"), b"{\"truncated").unwrap();

    let restarted = app.restart();
    assert_eq!(restarted.listed_ids().await, [good["id"].as_str().unwrap()]);
    assert!(restarted.entries("tmp").is_empty());
    assert!(
        broken.join("meta.json").is_file(),
        "a broken entry is never deleted"
    );
    let reply = restarted
        .get("/datasets/00000000000000000000000000000000")
        .await;
    assert_eq!(reply.error(StatusCode::NOT_FOUND).0, "dataset_not_found");
}

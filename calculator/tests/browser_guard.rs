//! The browser guard through the calculator's whole app: a web page of another site cannot store a dataset
//! with a cross-site form (CSRF), and a page that rebound its own name to the calculator's address
//! (`Host: evil.example:8000`) can neither read, query nor delete datasets. The UI's own same-origin requests
//! and curl (no `Origin`) still work.

mod common;

use axum::{
    body::Body,
    http::{Request, StatusCode},
};
use common::TestApp;
use testkit::send;

const BOUNDARY: &str = "csv-ask-boundary";

/// `POST /datasets` as a browser's form would send it: multipart, with `headers`.
fn form_upload(headers: &[(&str, &str)]) -> Request<Body> {
    let body = format!(
        "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.csv\"\r\n\
         Content-Type: text/csv\r\n\r\ncity,sales\nParis,1\n\r\n--{BOUNDARY}--\r\n"
    );
    let mut request = Request::post("/datasets").header(
        "content-type",
        format!("multipart/form-data; boundary={BOUNDARY}"),
    );
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    request.body(Body::from(body)).unwrap()
}

fn with_host(method: &str, uri: &str, host: &str) -> Request<Body> {
    Request::builder()
        .method(method)
        .uri(uri)
        .header("host", host)
        .body(Body::empty())
        .unwrap()
}

async fn dataset_count(app: &TestApp) -> usize {
    let reply = send(
        app.router.clone(),
        with_host("GET", "/datasets", "localhost:8000"),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    reply.json()["datasets"].as_array().map_or(0, Vec::len)
}

#[tokio::test]
async fn cross_site_forms_and_rebound_hosts_are_refused_and_the_ui_still_works() {
    let app = TestApp::new();

    // A form on another site, multipart or text/plain: refused, nothing stored.
    let refused = [
        form_upload(&[
            ("host", "localhost:8000"),
            ("origin", "http://evil.example"),
        ]),
        form_upload(&[("host", "127.0.0.1:8000"), ("origin", "null")]),
        Request::post("/datasets?name=x")
            .header("host", "localhost:8000")
            .header("sec-fetch-site", "cross-site")
            .header("content-type", "text/plain")
            .body(Body::from("city,sales\nParis,1\n"))
            .unwrap(),
    ];
    for request in refused {
        let reply = send(app.router.clone(), request).await;
        let (code, _) = reply.error(StatusCode::FORBIDDEN);
        assert_eq!(code, "cross_origin_refused");
    }
    assert_eq!(
        dataset_count(&app).await,
        0,
        "a refused upload stored nothing"
    );

    // The UI's own upload (Origin = Host), and curl's (no Origin), are stored.
    let ui = form_upload(&[
        ("host", "127.0.0.1:8000"),
        ("origin", "http://127.0.0.1:8000"),
        ("sec-fetch-site", "same-origin"),
    ]);
    let reply = send(app.router.clone(), ui).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text());
    let id = reply.json()["id"].as_str().unwrap().to_owned();
    let reply = send(
        app.router.clone(),
        form_upload(&[("host", "localhost:8000")]),
    )
    .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text());
    assert_eq!(dataset_count(&app).await, 2);

    // A page at evil.example whose name now resolves to 127.0.0.1 reads, queries and deletes nothing.
    let rebound = "evil.example:8000";
    let query = Request::post(format!("/datasets/{id}/query"))
        .header("host", rebound)
        .header("content-type", "application/json")
        .body(Body::from(r#"{"sql": "SELECT * FROM data"}"#))
        .unwrap();
    let requests = [
        with_host("GET", "/datasets", rebound),
        with_host("GET", &format!("/datasets/{id}/preview"), rebound),
        query,
        with_host("DELETE", &format!("/datasets/{id}"), rebound),
        with_host("GET", "/", rebound),
    ];
    for request in requests {
        let reply = send(app.router.clone(), request).await;
        let (code, message) = reply.error(StatusCode::MISDIRECTED_REQUEST);
        assert_eq!(code, "host_not_allowed");
        assert!(
            message.contains("evil.example:8000") && message.contains("ALLOWED_HOSTS"),
            "{message}"
        );
    }
    assert_eq!(dataset_count(&app).await, 2, "nothing was deleted");

    // Named hosts are answered once ALLOWED_HOSTS lists them.
    let named = TestApp::configured(|config| {
        config.allowed_hosts = "csv-ask.lan".parse().unwrap();
    });
    let reply = send(
        named.router.clone(),
        with_host("GET", "/datasets", "csv-ask.lan:8000"),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
}

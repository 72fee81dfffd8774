//! The served OpenAPI document against the server's behaviour, so that the two cannot drift apart. Every reply
//! below, successes and errors, must have a status its operation lists, a documented content type and headers,
//! and a JSON body valid against the documented schema (a binary body documented as a binary string); the
//! analyze stream's events must match the schemas its description names. Bad requests are derived from the
//! document (`probes`), and at the end every documented operation must have been exercised and every status it
//! lists seen.
//!
//! The analyses run against a wiremock sidecar (`sidecar`).

#[path = "../common/mod.rs"]
mod common;
mod contract;
mod engine;
mod preview_cap;
mod probes;
mod sidecar;

use std::time::Duration;

use axum::{
    body::Body,
    http::{Request, StatusCode},
};
use common::TestApp;
use contract::{Contract, excerpt, media_type, post};
use serde_json::json;

/// The JSON body and upload limit of the app under test: small, so that a body over it is cheap to send.
pub const BODY_LIMIT: usize = 64 * 1024;

/// Every kind of cell and statistic: text, dates, decimals, whole numbers, booleans, datetimes, and nulls.
const CSV: &str = "city,month,sales,units,open,seen_at\n\
                   Paris,2024-01-01,120.5,3,true,2024-01-01T10:30:00\n\
                   Lyon,2024-02-01,80,,false,\n\
                   ,2024-03-01,,7,,2024-03-01T08:00:00\n";

#[tokio::test]
async fn the_openapi_document_matches_what_the_server_answers() {
    let sidecar = sidecar::start().await;
    let app = TestApp::configured(|config| {
        config.max_body_bytes = BODY_LIMIT;
        config.max_upload_bytes = BODY_LIMIT as u64;
        config.sidecar_url = Some(sidecar.uri());
        config.sidecar_timeout = Duration::from_secs(1);
    });
    let mut c = Contract::fetch(app).await;
    arithmetic_and_charts(&mut c).await;
    let (id, other) = datasets(&mut c).await;
    let trace_id = analyses(&mut c, &id).await;
    probes::all(&mut c, &id, &trace_id).await;
    engine::all(&mut c, &id).await;
    // Its data file cut short (409 dataset_damaged), then deleted last: not the dataset the other checks use.
    let parquet = c
        .app
        .config
        .data_dir
        .join(format!("datasets/{other}/data.parquet"));
    std::fs::write(&parquet, b"PAR1").unwrap();
    c.get(
        "/datasets/{id}/preview",
        &format!("/datasets/{other}/preview"),
    )
    .await;
    let query = format!("/datasets/{other}/query");
    c.post(
        "/datasets/{id}/query",
        &query,
        json!({ "sql": "SELECT * FROM data" }),
    )
    .await;
    for _ in 0..2 {
        let delete = Request::delete(format!("/datasets/{other}")).body(Body::empty());
        c.call("/datasets/{id}", delete.unwrap()).await;
    }
    c.finish();
}

async fn arithmetic_and_charts(c: &mut Contract) {
    c.get("/healthz", "/healthz").await;
    c.get("/readyz", "/readyz").await;
    c.get("/metrics", "/metrics").await;
    for path in ["/add", "/subtract"] {
        c.post(path, path, json!({"a": 1.5, "b": 2})).await;
        c.post(path, path, json!({"a": 1, "b": "two"})).await;
        c.get(path, &format!("{path}?a=1&b=2")).await;
        c.get(path, &format!("{path}?a=x&b=2")).await;
    }
    for b in [4, 0] {
        let body = json!({"op": "divide", "a": 1, "b": b});
        c.post("/calculate", "/calculate", body).await;
    }
    let chart = json!({"values": [3, 7, 2, 9], "kind": "bar", "title": "Orders"});
    for accept in ["application/json", "image/png", "image/svg+xml"] {
        let mut request = post("/chart", chart.clone());
        request
            .headers_mut()
            .insert("accept", accept.parse().unwrap());
        let reply = c.call("/chart", request).await;
        assert_eq!(media_type(&reply), accept, "{}", excerpt(&reply));
    }
    // An Accept no format satisfies: 406 with the error body.
    let mut request = post("/chart", chart.clone());
    request
        .headers_mut()
        .insert("accept", "image/jpeg".parse().unwrap());
    c.call("/chart", request).await;
    c.post("/chart", "/chart", json!({"values": []})).await;
}

/// Uploads (two stored: the ids), refused uploads, and every dataset route on a stored, an unknown and a
/// malformed id.
async fn datasets(c: &mut Contract) -> (String, String) {
    let upload = |uri: &str, content_type: &str, body: &str| {
        let request = Request::post(uri).header("content-type", content_type);
        request.body(Body::from(body.to_owned())).unwrap()
    };
    let reply = c
        .call("/datasets", upload("/datasets?name=sales", "text/csv", CSV))
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text());
    let id = reply.json()["id"].as_str().unwrap().to_owned();
    let (content_type, form) =
        common::multipart(&[common::Part::file("file", "other.csv", b"a,b\n1,x\n")]);
    let request = Request::post("/datasets").header("content-type", content_type);
    let reply = c
        .call("/datasets", request.body(Body::from(form)).unwrap())
        .await;
    let other = reply.json()["id"].as_str().unwrap().to_owned();
    let too_large = format!("a\n{}", "1\n".repeat(BODY_LIMIT));
    for (uri, content_type, body) in [
        ("/datasets?name=x", "application/xml", "<a/>"),
        (
            "/datasets",
            "multipart/form-data; boundary=nothing-follows",
            "garbage",
        ),
        ("/datasets?name=x", "text/csv", ""),
        ("/datasets?bogus=1", "text/csv", CSV),
        ("/datasets?name=big", "text/csv", &too_large),
    ] {
        c.call("/datasets", upload(uri, content_type, body)).await;
    }
    c.get("/datasets", "/datasets").await;
    for dataset in [id.as_str(), &"0".repeat(32), "not-an-id"] {
        c.get("/datasets/{id}", &format!("/datasets/{dataset}"))
            .await;
        c.get(
            "/datasets/{id}/preview",
            &format!("/datasets/{dataset}/preview"),
        )
        .await;
        let query = format!("/datasets/{dataset}/query");
        c.post(
            "/datasets/{id}/query",
            &query,
            json!({"sql": "SELECT * FROM data"}),
        )
        .await;
        c.get(
            "/datasets/{id}/analyses",
            &format!("/datasets/{dataset}/analyses"),
        )
        .await;
        let question = json!({"question": "how many rows?"});
        c.post(
            "/datasets/{id}/analyze",
            &format!("/datasets/{dataset}/analyze"),
            question,
        )
        .await;
    }
    let query = format!("/datasets/{id}/query");
    for sql in [
        "SELECT * FROM data WHERE 1 = 0",
        "DROP TABLE data",
        "SELECT nope FROM data",
    ] {
        c.post("/datasets/{id}/query", &query, json!({ "sql": sql }))
            .await;
    }
    (id, other)
}

/// An analysis answered (its trace id), one per way the sidecar fails, a blank question; the same streamed; the
/// audit trail.
async fn analyses(c: &mut Contract, id: &str) -> String {
    let analyze = format!("/datasets/{id}/analyze");
    let reply = c
        .post(
            "/datasets/{id}/analyze",
            &analyze,
            json!({"question": "sales?"}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    let trace_id = reply.json()["trace_id"].as_str().unwrap().to_owned();
    for question in sidecar::FAILING_QUESTIONS.into_iter().chain([" "]) {
        c.post(
            "/datasets/{id}/analyze",
            &analyze,
            json!({ "question": question }),
        )
        .await;
    }
    let stream = format!("/datasets/{id}/analyze/stream");
    let missing = format!("/datasets/{}/analyze/stream", "0".repeat(32));
    for (uri, question) in [
        (&stream, "sales?"),
        (&stream, "unconfigured"),
        (&stream, " "),
        (&missing, "q"),
    ] {
        let body = json!({ "question": question });
        let reply = c.post("/datasets/{id}/analyze/stream", uri, body).await;
        if reply.status == StatusCode::OK {
            sidecar::check_stream(c, &reply);
        }
    }
    c.get("/analyses/{trace_id}", &format!("/analyses/{trace_id}"))
        .await;
    c.get("/analyses/{trace_id}", "/analyses/no-such-trace")
        .await;
    c.get(
        "/datasets/{id}/analyses",
        &format!("/datasets/{id}/analyses"),
    )
    .await;
    trace_id
}

/// Every `$ref` in the document names something in its components: before, the upload's `date_order`
/// parameter referred to a `DateOrder` schema that utoipa had not collected (it collects none from
/// parameters).
#[tokio::test]
async fn every_reference_in_the_document_resolves() {
    fn refs<'a>(value: &'a serde_json::Value, found: &mut Vec<&'a str>) {
        match value {
            serde_json::Value::Object(map) => {
                if let Some(target) = map.get("$ref").and_then(|t| t.as_str()) {
                    found.push(target);
                }
                map.values().for_each(|v| refs(v, found));
            }
            serde_json::Value::Array(items) => items.iter().for_each(|v| refs(v, found)),
            _ => {}
        }
    }
    let document = TestApp::new().get("/openapi.json").await.json();
    let mut found = Vec::new();
    refs(&document, &mut found);
    assert!(
        found.contains(&"#/components/schemas/DateOrder"),
        "{found:?}"
    );
    let dangling: Vec<&&str> = found
        .iter()
        .filter(|target| {
            let path = target.strip_prefix("#/").unwrap_or(target);
            document.pointer(&format!("/{path}")).is_none()
        })
        .collect();
    assert!(dangling.is_empty(), "references to nothing: {dangling:?}");
}

//! The sidecar's OpenAPI document against what it answers: every operation lists the refusals of the guards in
//! front of every route (414, 421, 431 and 500; 403 but for a GET) and each is what a probe of that
//! operation gets; `/metrics` is documented, as text behind the token.

use axum::{
    Router,
    body::Body,
    http::{Method, Request, StatusCode},
};
use serde_json::Value;
use sidecar::{AppState, Config};
use testkit::send;

const TOKEN: &str = "s3cret-token";

fn router() -> Router {
    sidecar::app(AppState::new(Config::for_tests().with_token(TOKEN)))
}

fn request(method: &Method, uri: &str) -> Request<Body> {
    Request::builder()
        .method(method.clone())
        .uri(uri)
        .header("authorization", format!("Bearer {TOKEN}"))
        .header("content-type", "application/json")
        .body(Body::from("{}"))
        .unwrap()
}

async fn document() -> Value {
    let reply = send(router(), request(&Method::GET, "/openapi.json")).await;
    assert_eq!(reply.status, StatusCode::OK);
    reply.json()
}

#[tokio::test]
async fn every_operation_documents_the_guards_refusals_it_gets() {
    let doc = document().await;
    let mut failures = Vec::new();
    let mut probed = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (verb, operation) in item.as_object().unwrap() {
            let Ok(method) = verb.to_uppercase().parse::<Method>() else {
                continue;
            };
            let long = format!("{path}?pad={}", "a".repeat(2 << 10));
            let mut large = request(&method, path);
            let pad = "b".repeat((4 << 10) + 1).parse().unwrap();
            large.headers_mut().insert("x-pad", pad);
            let mut elsewhere = request(&method, path);
            let host = "rebound.example".parse().unwrap();
            elsewhere.headers_mut().insert("host", host);
            let mut probes = vec![
                (request(&method, &long), StatusCode::URI_TOO_LONG),
                (large, StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE),
                (elsewhere, StatusCode::MISDIRECTED_REQUEST),
            ];
            if method != Method::GET {
                let mut foreign = request(&method, path);
                let site = "cross-site".parse().unwrap();
                foreign.headers_mut().insert("sec-fetch-site", site);
                probes.push((foreign, StatusCode::FORBIDDEN));
            }
            let responses = &operation["responses"];
            for (probe, expected) in probes {
                let reply = send(router(), probe).await;
                probed += 1;
                let status = reply.status.as_str().to_owned();
                if reply.status != expected || responses.get(&status).is_none() {
                    failures.push(format!("{verb} {path}: {status} (expected {expected})"));
                }
                if reply.json()["error"]["code"].as_str().is_none() {
                    failures.push(format!("{verb} {path} -> {status}: no error body"));
                }
            }
            if responses.get("500").is_none() {
                failures.push(format!("{verb} {path}: 500 internal_error not listed"));
            }
        }
    }
    assert!(probed >= 6 * 3, "{probed} probes");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[tokio::test]
async fn metrics_is_documented_as_text_behind_the_token() {
    let doc = document().await;
    let operation = &doc["paths"]["/metrics"]["get"];
    assert!(
        operation["responses"]["200"]["content"]["text/plain"].is_object(),
        "{operation}"
    );
    let security = operation["security"].to_string();
    assert!(security.contains("bearer"), "{operation}");
    assert!(operation["responses"]["401"].is_object(), "{operation}");

    let scraped = send(router(), request(&Method::GET, "/metrics")).await;
    assert_eq!(scraped.status, StatusCode::OK);
    let content_type = scraped.headers["content-type"].to_str().unwrap();
    assert!(
        content_type.starts_with("text/plain; version=0.0.4"),
        "{content_type}"
    );
    let anonymous = Request::get("/metrics").body(Body::empty()).unwrap();
    let refused = send(router(), anonymous).await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
    assert_eq!(refused.json()["error"]["code"], "unauthorized");
}

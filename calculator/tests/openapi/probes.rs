//! Bad requests derived from the document itself, so that a new operation is probed without a new test: each
//! JSON body operation gets malformed JSON, a wrong content type, a body over the limit and JSON of the wrong
//! shape; each integer query parameter its documented bounds and the values just past them (or a large value
//! when it has no maximum); each path the methods it does not document; each operation the refusals of the
//! guards in front of every route (a head over the limits, another host, a cross-origin page).

use axum::{
    body::Body,
    http::{Method, Request, StatusCode},
};
use serde_json::{Value, json};

use crate::{
    BODY_LIMIT,
    contract::{ANY_ROUTE, Contract, json_request},
};

/// Every probe, on every operation; `{id}` and `{trace_id}` are filled in with a stored dataset and analysis.
pub async fn all(c: &mut Contract, id: &str, trace_id: &str) {
    let concrete = |template: &str| template.replace("{id}", id).replace("{trace_id}", trace_id);
    for (method, template) in c.operations() {
        let operation = c.operation(&method, &template).clone();
        let uri = concrete(&template);
        if operation["requestBody"]["content"]
            .get("application/json")
            .is_some()
        {
            json_body(c, &method, &template, &uri).await;
        }
        if method == "get" {
            query_bounds(c, &template, &uri, &operation).await;
        }
        guards(c, &method, &template, &uri).await;
    }
    methods(c, &concrete).await;
    let reply = c.app.get("/no/such/endpoint").await;
    c.check_any_route("GET /no/such/endpoint", &reply);
}

/// Malformed JSON, a wrong content type, a body over the limit and JSON of the wrong shape.
async fn json_body(c: &mut Contract, method: &str, template: &str, uri: &str) {
    let method: Method = method.to_uppercase().parse().unwrap();
    let json = "application/json";
    let oversized = format!("{{\"pad\": \"{}\"}}", "x".repeat(BODY_LIMIT));
    let probes = [
        (
            "malformed JSON",
            json,
            "{not json".to_owned(),
            StatusCode::BAD_REQUEST,
        ),
        (
            "a text body",
            "text/plain",
            "{}".to_owned(),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
        ),
        (
            "a body over MAX_BODY_BYTES",
            json,
            oversized,
            StatusCode::PAYLOAD_TOO_LARGE,
        ),
        (
            "JSON of the wrong shape",
            json,
            "[]".to_owned(),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
    ];
    for (what, content_type, body, expected) in probes {
        let request = Request::builder()
            .method(method.clone())
            .uri(uri)
            .header("content-type", content_type)
            .body(Body::from(body))
            .unwrap();
        let status = c.call(template, request).await.status;
        if status != expected {
            c.fail(format!(
                "{method} {uri} with {what}: {status} (expected {expected})"
            ));
        }
    }
}

/// Each integer query parameter at its documented bounds (accepted) and just past them (refused); with no
/// maximum, a large value (accepted).
async fn query_bounds(c: &mut Contract, template: &str, uri: &str, operation: &Value) {
    let params = operation["parameters"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    for param in params.iter().filter(|p| p["in"] == "query") {
        let schema = &param["schema"];
        let types = &schema["type"];
        let integer = json!("integer");
        if *types != integer && !types.as_array().is_some_and(|t| t.contains(&integer)) {
            continue;
        }
        let name = param["name"].as_str().unwrap();
        let mut values = Vec::new();
        if let Some(min) = schema["minimum"].as_i64() {
            values.extend([(min, true), (min - 1, false)]);
        }
        match schema["maximum"].as_i64() {
            Some(max) => values.extend([(max, true), (max + 1, false)]),
            // No maximum documented: a large value must then be accepted.
            None => values.push((i64::from(i32::MAX), true)),
        }
        for (value, allowed) in values {
            let status = c
                .get(template, &format!("{uri}?{name}={value}"))
                .await
                .status;
            if allowed != status.is_success() {
                let verdict = match allowed {
                    true => "refused a value the schema allows",
                    false => "accepted a value the schema refuses",
                };
                c.fail(format!(
                    "GET {uri}?{name}={value}: {verdict} ({status}; schema {schema})"
                ));
            }
        }
    }
}

/// Every path with each method it does not document: a status every route documents (405), with `Allow`.
async fn methods(c: &mut Contract, concrete: &impl Fn(&str) -> String) {
    let description = c.doc["info"]["description"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    for status in ANY_ROUTE {
        if !description.contains(&format!("**{status}**")) {
            c.fail(format!(
                "the info description does not document {status} for every route"
            ));
        }
    }
    let paths = c.doc["paths"].as_object().unwrap().clone();
    for (template, item) in paths {
        let uri = concrete(&template);
        for method in [
            Method::GET,
            Method::POST,
            Method::PUT,
            Method::PATCH,
            Method::DELETE,
        ] {
            if item.get(method.as_str().to_lowercase()).is_some() {
                continue;
            }
            let reply = c.app.send(json_request(method.clone(), &uri, "{}")).await;
            c.check_any_route(&format!("{method} {uri}"), &reply);
            if reply.status == StatusCode::METHOD_NOT_ALLOWED
                && !reply.headers.contains_key("allow")
            {
                c.fail(format!("{method} {uri} -> 405 without `Allow`"));
            }
        }
    } // Any path: a URI over `MAX_URI_BYTES`, headers over `MAX_HEADER_BYTES` (414 and 431).
    let limits = c.app.config.head_limits;
    let long = format!("/healthz?pad={}", "a".repeat(limits.max_uri_bytes));
    let reply = c
        .app
        .send(Request::get(long).body(Body::empty()).unwrap())
        .await;
    c.check_any_route("GET with a URI over MAX_URI_BYTES", &reply);
    let cookie = "a".repeat(limits.max_header_bytes);
    let request = Request::get("/healthz").header("cookie", cookie);
    let reply = c.app.send(request.body(Body::empty()).unwrap()).await;
    c.check_any_route("GET with headers over MAX_HEADER_BYTES", &reply);
}

/// The operation's request with a URI over `MAX_URI_BYTES` (414), headers over `MAX_HEADER_BYTES` (431), a
/// `Host` not in `ALLOWED_HOSTS` (421) and, but for a GET, sent by a page of another site (403): refused before
/// any handler runs, so a POST or DELETE here changes nothing.
async fn guards(c: &mut Contract, method: &str, template: &str, uri: &str) {
    let verb: Method = method.to_uppercase().parse().unwrap();
    let limits = c.app.config.head_limits;
    let request = |uri: &str| json_request(verb.clone(), uri, "{}");
    let separator = if uri.contains('?') { '&' } else { '?' };
    let long = format!("{uri}{separator}pad={}", "a".repeat(limits.max_uri_bytes));
    let mut probes = vec![(
        "a URI over MAX_URI_BYTES",
        request(&long),
        StatusCode::URI_TOO_LONG,
    )];
    let mut large = request(uri);
    let cookie = "a".repeat(limits.max_header_bytes).parse().unwrap();
    large.headers_mut().insert("cookie", cookie);
    probes.push((
        "headers over MAX_HEADER_BYTES",
        large,
        StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
    ));
    let mut elsewhere = request(uri);
    let host = "rebound.example".parse().unwrap();
    elsewhere.headers_mut().insert("host", host);
    probes.push((
        "a Host not in ALLOWED_HOSTS",
        elsewhere,
        StatusCode::MISDIRECTED_REQUEST,
    ));
    if verb != Method::GET {
        let mut foreign = request(uri);
        let site = "cross-site".parse().unwrap();
        foreign.headers_mut().insert("sec-fetch-site", site);
        probes.push(("a cross-site page", foreign, StatusCode::FORBIDDEN));
    }
    for (what, request, expected) in probes {
        let status = c.call(template, request).await.status;
        if status != expected {
            c.fail(format!(
                "{verb} {uri} with {what}: {status} (expected {expected})"
            ));
        }
    }
}

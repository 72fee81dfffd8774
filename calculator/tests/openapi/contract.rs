//! The served OpenAPI document and the checks of replies against it: status listed for the operation, documented
//! content type and headers, JSON body valid against the schema (its `$ref`s resolved in the components).

use std::collections::BTreeSet;

use axum::{
    body::Body,
    http::{Method, Request, StatusCode},
};
use serde_json::{Value, json};
use testkit::Reply;

use crate::common::TestApp;

/// Statuses any request may get, documented once in the info description rather than on every operation.
pub const ANY_ROUTE: [u16; 5] = [404, 405, 414, 431, 500];
/// Documented statuses no request here provokes, and what it would take (`*`: every method or path).
const NOT_PROBED: &[(&str, &str, u16, &str)] = &[
    (
        "*",
        "*",
        500,
        "a bug: a handler that fails or panics (telemetry's handler_panic.rs answers one through the request \
         layer both services use)",
    ),
    (
        "post",
        "/datasets",
        408,
        "an upload that stalls for UPLOAD_IDLE_TIMEOUT",
    ),
    ("post", "/datasets", 507, "a full disk"),
];

/// The app under test, its document, and what the checks found.
pub struct Contract {
    pub app: TestApp,
    pub doc: Value,
    failures: Vec<String>,
    /// `(method, path template, status)` of every reply checked against an operation.
    seen: BTreeSet<(String, String, u16)>,
}

impl Contract {
    pub async fn fetch(app: TestApp) -> Self {
        let reply = app.get("/openapi.json").await;
        assert_eq!(reply.status, StatusCode::OK);
        Self {
            doc: reply.json(),
            app,
            failures: Vec::new(),
            seen: BTreeSet::new(),
        }
    }

    /// Records a problem; all are reported together at the end.
    pub fn fail(&mut self, mut failure: String) {
        if let Some((cut, _)) = failure.char_indices().nth(600) {
            failure.truncate(cut);
            failure.push('…');
        }
        if !self.failures.contains(&failure) {
            self.failures.push(failure);
        }
    }

    /// `(method, path template)` of every operation in the document.
    pub fn operations(&self) -> Vec<(String, String)> {
        let paths = self.doc["paths"].as_object().expect("paths");
        let methods = ["get", "put", "post", "delete", "patch"];
        paths
            .iter()
            .flat_map(|(template, item)| {
                let item = item.as_object().into_iter().flatten();
                item.filter(|(method, _)| methods.contains(&method.as_str()))
                    .map(|(method, _)| (method.clone(), template.clone()))
            })
            .collect()
    }

    pub fn operation(&self, method: &str, template: &str) -> &Value {
        &self.doc["paths"][template][method]
    }

    /// Follows a `#/components/...` reference (a response object may be one).
    fn resolve<'a>(&'a self, value: &'a Value) -> &'a Value {
        match value["$ref"].as_str() {
            Some(pointer) => {
                let pointer = pointer.trim_start_matches('#');
                self.doc.pointer(pointer).unwrap_or(&Value::Null)
            }
            None => value,
        }
    }

    /// Why `instance` does not match `schema` (a schema from the document); empty when it does.
    pub fn violations(&self, schema: &Value, instance: &Value) -> Vec<String> {
        // The components travel with the schema, so that its `#/components/...` references resolve.
        let root = json!({
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "components": self.doc["components"],
            "allOf": [schema],
        });
        match jsonschema::draft202012::new(&root) {
            Ok(validator) => validator
                .iter_errors(instance)
                .map(|e| format!("{e} at `{}`", e.instance_path()))
                .collect(),
            Err(e) => vec![format!("the schema does not compile: {e}")],
        }
    }

    /// A reference to a schema of the components.
    pub fn component(name: &str) -> Value {
        json!({ "$ref": format!("#/components/schemas/{name}") })
    }

    /// Sends `request` and checks the reply against the operation at `template`.
    pub async fn call(&mut self, template: &str, request: Request<Body>) -> Reply {
        let method = request.method().as_str().to_lowercase();
        let uri = request.uri().to_string();
        let reply = self.app.send(request).await;
        self.check(&method, template, &uri, &reply);
        reply
    }

    pub async fn get(&mut self, template: &str, uri: &str) -> Reply {
        self.call(template, get(uri)).await
    }

    pub async fn post(&mut self, template: &str, uri: &str, body: Value) -> Reply {
        self.call(template, post(uri, body)).await
    }

    fn check(&mut self, method: &str, template: &str, uri: &str, reply: &Reply) {
        let status = reply.status.as_u16();
        let what = format!("{} {uri} -> {status}", method.to_uppercase());
        let operation = self.operation(method, template).clone();
        if !operation.is_object() {
            let missing = format!("{what}: `{method} {template}` is not in the document");
            return self.fail(missing);
        }
        let key = (method.to_owned(), template.to_owned(), status);
        self.seen.insert(key);
        let Some(response) = operation["responses"].get(status.to_string()) else {
            let listed: Vec<&String> = operation["responses"].as_object().unwrap().keys().collect();
            let body = excerpt(reply);
            return self.fail(format!(
                "{what}: status not documented (documented: {listed:?}); body {body}"
            ));
        };
        let response = self.resolve(response).clone();
        let headers = response["headers"].as_object().cloned().unwrap_or_default();
        for header in headers.keys() {
            if !reply.headers.contains_key(header.as_str()) {
                self.fail(format!("{what}: documented header `{header}` missing"));
            }
        }
        let content = response["content"].as_object().cloned().unwrap_or_default();
        if content.is_empty() {
            if !reply.body.is_empty() {
                let body = excerpt(reply);
                self.fail(format!(
                    "{what}: a body where the document has none: {body}"
                ));
            }
            return;
        }
        let media = media_type(reply);
        let Some(documented) = content.get(&media) else {
            let listed: Vec<&String> = content.keys().collect();
            return self.fail(format!(
                "{what}: content type `{media}` not documented ({listed:?})"
            ));
        };
        let schema = &documented["schema"];
        if media == "application/json" {
            let body: Value = match serde_json::from_slice(&reply.body) {
                Ok(body) => body,
                Err(e) => return self.fail(format!("{what}: not JSON ({e})")),
            };
            for violation in self.violations(schema, &body) {
                self.fail(format!("{what}: {violation}; body {}", excerpt(reply)));
            }
        } else if is_text(&media) {
            if !(schema.is_null() || schema["type"] == "string") {
                self.fail(format!("{what}: `{media}` is text, documented as {schema}"));
            }
        } else if schema["type"] != "string" || schema["format"] != "binary" {
            self.fail(format!(
                "{what}: `{media}` is bytes, documented as {schema}, not a binary string"
            ));
        }
    }

    /// A reply to a request no operation covers (an undocumented method, an unknown path): one of the statuses
    /// the info description documents for every route, with the error body.
    pub fn check_any_route(&mut self, what: &str, reply: &Reply) {
        let status = reply.status.as_u16();
        if !ANY_ROUTE.contains(&status) {
            return self.fail(format!(
                "{what} -> {status}: not a status every route documents"
            ));
        }
        if media_type(reply) != "application/json" {
            return self.fail(format!("{what} -> {status}: no JSON error body"));
        }
        for violation in self.violations(&Self::component("ApiError"), &reply.json()) {
            self.fail(format!("{what} -> {status}: {violation}"));
        }
    }

    /// Every operation exercised, and every status it documents seen (but for `NOT_PROBED`); then every problem
    /// found, at once.
    pub fn finish(mut self) {
        for (method, template) in self.operations() {
            let responses = self.operation(&method, &template)["responses"].clone();
            for status in responses.as_object().unwrap().keys() {
                let status: u16 = status.parse().unwrap();
                let seen = self
                    .seen
                    .contains(&(method.clone(), template.clone(), status));
                let excused = NOT_PROBED.iter().any(|(m, t, s, _)| {
                    (*m == "*" || *m == method) && (*t == "*" || *t == template) && *s == status
                });
                if !seen && !excused {
                    self.fail(format!(
                        "{} {template}: documents {status}, which no request here produced (probe it, or add \
                         it to NOT_PROBED with what it would take)",
                        method.to_uppercase()
                    ));
                }
            }
        }
        assert!(
            self.failures.is_empty(),
            "the OpenAPI document does not match the server ({} problems):\n{}",
            self.failures.len(),
            self.failures.join("\n")
        );
    }
}

/// The reply's media type, without parameters.
pub fn media_type(reply: &Reply) -> String {
    let content_type = reply.headers.get("content-type");
    let content_type = content_type
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let media = content_type.split(';').next().unwrap_or_default();
    media.trim().to_ascii_lowercase()
}

fn is_text(media: &str) -> bool {
    media.starts_with("text/") || media.ends_with("+xml")
}

pub fn excerpt(reply: &Reply) -> String {
    reply.text().chars().take(300).collect()
}

/// A request with a body declared as JSON.
pub fn json_request(method: Method, uri: &str, body: impl Into<Body>) -> Request<Body> {
    Request::builder()
        .method(method)
        .uri(uri)
        .header("content-type", "application/json")
        .body(body.into())
        .unwrap()
}

pub fn post(uri: &str, body: Value) -> Request<Body> {
    json_request(Method::POST, uri, body.to_string())
}

pub fn get(uri: &str) -> Request<Body> {
    Request::get(uri).body(Body::empty()).unwrap()
}

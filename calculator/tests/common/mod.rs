//! Helpers for driving the calculator's router in-process with `oneshot`.

#![allow(dead_code)]

use axum::{
    Router,
    body::{Body, Bytes},
    http::{HeaderMap, Request, StatusCode},
};
use calculator::{AppState, Config, app};
use http_body_util::BodyExt;
use serde_json::Value;
use tower::ServiceExt;

pub fn router() -> Router {
    app(AppState::new(Config::for_tests()))
}

pub fn router_with(config: Config) -> Router {
    app(AppState::new(config))
}

pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }

    pub fn trace_id(&self) -> String {
        self.headers
            .get("x-trace-id")
            .expect("every response carries x-trace-id")
            .to_str()
            .unwrap()
            .to_owned()
    }

    /// Asserts the one error body shape, that its trace id is the header's, and returns `(code, message)`.
    pub fn error(&self, status: StatusCode) -> (String, String) {
        assert_eq!(
            self.status,
            status,
            "body: {}",
            String::from_utf8_lossy(&self.body)
        );
        let json = self.json();
        let error = json["error"].as_object().expect("an `error` object");
        assert_eq!(error.len(), 3, "exactly code, message, trace_id: {json}");
        assert_eq!(
            json.as_object().unwrap().len(),
            1,
            "nothing beside `error`: {json}"
        );
        assert_eq!(error["trace_id"], self.trace_id());
        (
            error["code"].as_str().unwrap().to_owned(),
            error["message"].as_str().unwrap().to_owned(),
        )
    }
}

pub async fn send(router: Router, request: Request<Body>) -> Reply {
    let response = router.oneshot(request).await.expect("infallible");
    let status = response.status();
    let headers = response.headers().clone();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    Reply {
        status,
        headers,
        body,
    }
}

pub fn post_json(uri: &str, body: &str) -> Request<Body> {
    Request::post(uri)
        .header("content-type", "application/json")
        .body(Body::from(body.to_owned()))
        .unwrap()
}

pub fn get(uri: &str) -> Request<Body> {
    Request::get(uri).body(Body::empty()).unwrap()
}

//! HTTP handlers of the sidecar.

use axum::{Json, http::StatusCode, response::Response};
use contracts::Health;

/// Liveness of the sidecar process.
#[utoipa::path(get, path = "/healthz", tag = "health", responses((status = 200, body = Health)))]
pub async fn healthz() -> Json<Health> {
    Json(Health {
        details: Some(serde_json::json!({ "llm": { "provider": "none", "model": null } })),
        ..Health::ok("sidecar", env!("CARGO_PKG_VERSION"))
    })
}

/// Answers any path that is not an endpoint.
pub async fn not_found() -> Response {
    telemetry::error_response(
        StatusCode::NOT_FOUND,
        "not_found",
        "no such endpoint; see /openapi.json",
    )
}

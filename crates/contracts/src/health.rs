//! The `/healthz` answer of both services.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Liveness of a service process.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Health {
    /// Always `ok` when the process answers.
    #[schema(example = "ok")]
    pub status: String,
    /// `calculator` or `sidecar`.
    #[schema(example = "calculator")]
    pub service: String,
    /// The service's crate version.
    #[schema(example = "0.1.0")]
    pub version: String,
    /// Service-specific details (the sidecar reports its LLM provider and model here).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub details: Option<serde_json::Value>,
}

impl Health {
    pub fn ok(service: &str, version: &str) -> Self {
        Self {
            status: "ok".into(),
            service: service.into(),
            version: version.into(),
            details: None,
        }
    }
}

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

/// `GET /readyz` of the calculator: whether a question can be answered right now.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Readiness {
    /// `ready` when the sidecar answers and has an LLM configured; `degraded` otherwise (arithmetic, charts,
    /// datasets and SQL queries keep working either way).
    #[schema(example = "ready")]
    pub status: String,
    pub sidecar: SidecarStatus,
    pub llm: LlmStatus,
    /// What to do about a degraded state.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
}

/// Whether the sidecar answers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SidecarStatus {
    pub reachable: bool,
    pub url: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latency_ms: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// The LLM the sidecar is configured with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct LlmStatus {
    pub configured: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
}

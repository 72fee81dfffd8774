//! The AI sidecar as a library: `app(state)` builds the router, `Application` binds and serves it.
//!
//! It asks an LLM for one read-only SQL query per question (`/ai/codegen`, `/ai/codegen/stream`), validates it
//! with `sqlguard` and feeds rejections back to the model; validates queries on request with an optional LLM
//! review (`/ai/validate`); and lists the provider's models (`/ai/models`).

pub mod answer;
mod auth;
pub mod codegen;
pub mod config;
pub mod dataset;
pub mod error;
pub mod prompts;
pub mod review;
mod routes;
mod serve;
pub mod slots;
pub mod startup;
mod stream;

pub use config::Config;
pub use routes::REVIEW_ERROR_HEADER;
pub use startup::{AppState, Application, app};

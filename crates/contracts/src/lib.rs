//! Wire types shared by both services: the one error body, health, arithmetic and chart contracts.
//!
//! Everything here is plain serde data with `utoipa::ToSchema`, so both services produce the same JSON and the
//! OpenAPI documents describe it from one definition.

mod arithmetic;
mod chart;
mod error;
mod health;

pub use arithmetic::{BinaryOperands, CalculateRequest, NumberResult, Operation};
pub use chart::{ChartJson, ChartKind, ChartRequest};
pub use error::{ApiError, ErrorBody};
pub use health::Health;

/// The header that carries the trace id through both services and on to the LLM.
pub const TRACE_ID_HEADER: &str = "x-trace-id";

//! Wire types shared by both services: the one error body, health, arithmetic, charts, datasets and queries,
//! the sidecar's AI API and the calculator's analyses.
//!
//! Everything here is plain serde data with `utoipa::ToSchema`, so both services produce the same JSON and the
//! OpenAPI documents describe it from one definition.

mod ai;
mod analyze;
mod arithmetic;
mod chart;
mod datasets;
mod error;
mod health;
pub mod openapi;
mod sql;

pub use ai::{
    ChartSpec, ChartSpecKind, CodegenRequest, CodegenResponse, DatasetDescription, ModelEntry,
    ModelList, PreviousAttempt, RepairNotice, Review, TokenDelta, TokenUsage, ValidateRequest,
    ValidateResponse, Verdict,
};
pub use analyze::{
    AnalysisList, AnalysisRecord, AnalyzeChart, AnalyzeRequest, AnalyzeResponse, CodegenStage,
    ExecutionStage, Outcome, Timings, Validation,
};
pub use arithmetic::{BinaryOperands, CalculateRequest, NumberResult, Operation};
pub use chart::{ChartJson, ChartKind, ChartRequest, PngImage};
pub use datasets::{
    ColumnBound, ColumnStats, Dataset, DatasetList, DateOrder, MonthNames, Preview, QueryRequest,
    QueryResult, ResultTable,
};
pub use error::{ApiError, ErrorBody};
pub use health::{Health, LlmStatus, Readiness, SidecarStatus};
pub use sql::{ColumnSchema, SqlIssue, SqlLocation};

/// The header that carries the trace id through both services and on to the LLM.
pub const TRACE_ID_HEADER: &str = "x-trace-id";

//! `POST /datasets/{id}/analyze`: a question answered by generated, validated and executed SQL, and the audit
//! trail of every such analysis.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::{ApiError, ChartSpec, ResultTable, Review, SqlIssue, TokenDelta};

/// `POST /datasets/{id}/analyze` and its streaming variant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AnalyzeRequest {
    #[schema(example = "What is the average fare per passenger class?")]
    pub question: String,
}

/// The verdict on the SQL that ran: the static validator's (authoritative) and the LLM review's (advisory).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Validation {
    pub is_valid: bool,
    /// Rejections when invalid; notes about rewrites when valid.
    pub issues: Vec<SqlIssue>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub review: Option<Review>,
    /// Why the LLM review (`AI_REVIEW=on`) could not be obtained, when it failed; the static verdict stands.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub review_error: Option<String>,
}

/// A chart drawn from the result, following the model's spec.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AnalyzeChart {
    pub spec: ChartSpec,
    /// `data:image/png;base64,...`
    pub image: String,
}

/// Where the time went, in milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, ToSchema)]
pub struct Timings {
    /// Code generation in the sidecar (all LLM calls, repairs included).
    pub codegen_ms: u64,
    /// Validation: the sidecar's (with the LLM review when on) and the calculator's own.
    pub validate_ms: u64,
    /// Query execution.
    pub execute_ms: u64,
    pub total_ms: u64,
}

/// `POST /datasets/{id}/analyze` answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct AnalyzeResponse {
    pub question: String,
    /// The SQL that ran (validated, normalised).
    pub code: String,
    pub summary: String,
    pub validation: Validation,
    pub result: ResultTable,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chart: Option<AnalyzeChart>,
    /// Things worth knowing, e.g. a chart spec dropped because its columns are not in the result.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    pub model: String,
    /// Model answers it took, repairs after an execution error included.
    pub attempts: u32,
    pub timings: Timings,
    pub trace_id: String,
}

/// How an analysis ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// The query ran and the result was returned.
    Answered,
    /// No SQL passed validation (the model's, after repairs, or the calculator's own re-check).
    Rejected,
    /// The SQL was valid but failed to execute, even after a repair.
    Failed,
    /// The sidecar or the LLM was unavailable, slow or misbehaving.
    Unavailable,
    /// The client went away before the analysis ended, and the analysis was stopped with it.
    Cancelled,
}

/// One entry of the audit trail: every analysis, whatever its outcome.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct AnalysisRecord {
    pub trace_id: String,
    pub dataset_id: String,
    pub question: String,
    /// When it was asked (RFC 3339, UTC).
    pub created_at: String,
    pub outcome: Outcome,
    /// The model that wrote the SQL; null when no answer of it came back (the sidecar unavailable, an
    /// analysis cancelled before the model answered, `codegen_failed`, whose error body does not name it).
    #[serde(default)]
    pub model: Option<String>,
    /// The SQL that ran: the calculator's own validation's normalised text, as in the response's `code`. When
    /// nothing ran, the last SQL considered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// The SQL as the sidecar returned it, when it differs from `code` (the calculator normalises it again).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub generated_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub validation: Option<Validation>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chart: Option<ChartSpec>,
    /// Rows the query produced (answered only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub row_count: Option<u64>,
    /// The error code and message (when not answered).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<ApiError>,
    pub attempts: u32,
    pub timings: Timings,
}

/// `GET /datasets/{id}/analyses`: newest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct AnalysisList {
    pub analyses: Vec<AnalysisRecord>,
}

/// Data of the `codegen` event of `POST /datasets/{id}/analyze/stream`: either a token delta, or a stage change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum CodegenStage {
    /// Code generation started (`attempt` 1) or restarted to repair an execution error.
    Started { attempt: u32 },
    /// The next piece of the model's answer.
    Delta(TokenDelta),
    /// The model's answer was rejected and is being repaired.
    Repair { attempt: u32, issues: Vec<SqlIssue> },
    /// The sidecar returned SQL that passed its validator.
    Done {
        /// The SQL that will run: the calculator's normalisation of the sidecar's (the sidecar's own when the
        /// calculator rejects it).
        code: String,
        /// The SQL as the sidecar returned it, when it differs from `code`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        generated_code: Option<String>,
        summary: String,
        attempts: u32,
    },
}

/// Data of the `execution` event of `POST /datasets/{id}/analyze/stream`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ExecutionStage {
    Started {
        sql: String,
    },
    /// The query ran.
    Done {
        row_count: u64,
        elapsed_ms: u64,
    },
    /// It failed; `repairing` says whether the model is asked to fix it.
    Failed {
        message: String,
        repairing: bool,
    },
}

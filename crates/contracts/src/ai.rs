//! The sidecar's API: code generation, validation (static and LLM review) and model listing.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use crate::{ColumnSchema, SqlIssue};

/// What the model is told about the dataset. Headers and cells are untrusted text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct DatasetDescription {
    /// The dataset's table name (it is also always available as `data`).
    #[schema(example = "titanic")]
    pub name: String,
    pub columns: Vec<ColumnSchema>,
    pub row_count: u64,
    /// A few rows in column order; the sidecar truncates long values and sends at most `AI_SAMPLE_ROWS`.
    /// Cells are any JSON value, as in a query result's `rows`.
    // Documented from `Value` itself, as any value: `Object` here said every cell was a JSON object.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sample_rows: Option<Vec<Vec<Value>>>,
}

/// A previous answer that failed, to be repaired: the validator's issues, or the engine's error.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PreviousAttempt {
    pub code: String,
    /// The model's answer as it wrote it (`CodegenResponse.reply`): fed back as its turn of the conversation.
    /// Without it the turn is `{"sql": code}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issues: Option<Vec<SqlIssue>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// `POST /ai/codegen`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CodegenRequest {
    #[schema(example = "Which class had the highest survival rate?")]
    pub question: String,
    pub dataset: DatasetDescription,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous_attempt: Option<PreviousAttempt>,
    /// Model answers already given under this trace id by earlier calls (a caller's repair round). This call's
    /// answers are numbered after them in the LLM's `X-Request-Id`s, so that none repeats within the trace.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attempts_before: Option<u32>,
}

/// The kind of chart the model suggests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ChartSpecKind {
    Bar,
    Line,
    Scatter,
    Histogram,
}

/// A declarative chart over the result's columns (never chart code).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ChartSpec {
    pub kind: ChartSpecKind,
    /// The result column on the x axis (for `histogram`, the column whose values are binned).
    pub x: String,
    /// The result column on the y axis (absent for `histogram`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub y: Option<String>,
}

/// Tokens the LLM reported using, summed over attempts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, ToSchema)]
pub struct TokenUsage {
    pub prompt_tokens: u32,
    pub completion_tokens: u32,
    pub total_tokens: u32,
}

/// `POST /ai/codegen` answer: SQL that passed the static validator.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct CodegenResponse {
    /// The validator's normalised SQL.
    pub code: String,
    /// Always `sql`.
    #[schema(example = "sql")]
    pub language: String,
    /// One or two sentences on what the query computes.
    pub summary: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chart: Option<ChartSpec>,
    pub model: String,
    /// Model answers it took (1 = the first one passed).
    pub attempts: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub usage: Option<TokenUsage>,
    /// What was left out of the model's answer and why, e.g. a chart of a kind that is not drawn.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// The model's answer as it wrote it (before its SQL was normalised): a caller's repair round sends it back
    /// as `previous_attempt.reply`, so the model sees its own answer, not the validator's rewrite of it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply: Option<String>,
}

/// `POST /ai/validate`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ValidateRequest {
    pub code: String,
    pub dataset: DatasetDescription,
    /// When given (and `AI_REVIEW=on`), the LLM also reviews whether the query answers it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub question: Option<String>,
    /// Which model answer of this trace `code` is (1 = the first). The review's LLM request is named after it,
    /// so that reviewing a repaired query does not repeat the first review's `X-Request-Id`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attempt: Option<u32>,
}

/// The LLM reviewer's opinion.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    Answers,
    Doubtful,
    Wrong,
}

/// An advisory review: it can flag a query, never approve one the static validator rejects.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Review {
    pub verdict: Verdict,
    pub comments: String,
}

/// `POST /ai/validate` answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ValidateResponse {
    pub is_valid: bool,
    /// Rejections when invalid; notes about rewrites when valid.
    pub issues: Vec<SqlIssue>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub normalized_sql: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub review: Option<Review>,
}

/// One model the provider offers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ModelEntry {
    pub id: String,
}

/// `GET /ai/models` answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ModelList {
    /// `openai` (any OpenAI-compatible server), `azure` or `gemini`.
    pub provider: String,
    /// The configured model.
    pub configured: String,
    pub models: Vec<ModelEntry>,
}

/// Data of a `delta` event of `POST /ai/codegen/stream` (and of the calculator's `codegen` stage event): the
/// next piece of the model's answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct TokenDelta {
    /// Which answer this belongs to (1 = the first).
    pub attempt: u32,
    pub text: String,
}

/// Data of a `repair` event of `POST /ai/codegen/stream`: an answer was rejected and is fed back to the model.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct RepairNotice {
    /// The answer that was rejected (1 = the first).
    pub attempt: u32,
    /// The rejected SQL, when the answer contained any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// Why it was rejected: the validator's issues, or one `bad_output` issue when no SQL could be read.
    pub issues: Vec<SqlIssue>,
}

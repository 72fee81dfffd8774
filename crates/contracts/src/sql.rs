//! SQL vocabulary shared by every service: column schemas and the validator's issues as they travel on the wire.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A column's name and type, as polars names types (`i64`, `f64`, `str`, `bool`, `date`, `datetime[μs]`, ...).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ColumnSchema {
    #[schema(example = "fare")]
    pub name: String,
    #[schema(example = "f64")]
    pub dtype: String,
}

impl ColumnSchema {
    pub fn new(name: impl Into<String>, dtype: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            dtype: dtype.into(),
        }
    }
}

/// A 1-based position in the submitted SQL.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SqlLocation {
    pub line: u64,
    pub column: u64,
}

/// One finding of the SQL validator (`sqlguard`): a stable rule id, a sentence a person or a model can act on,
/// and where in the SQL, when known. Notes (such as `column_case_corrected`) describe rewrites, not rejections.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SqlIssue {
    /// Stable rule id, e.g. `table_function`, `unknown_column`, `not_a_query`.
    #[schema(example = "table_function")]
    pub rule: String,
    #[schema(example = "`read_csv` reads files on the server; query the table `data` instead.")]
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<SqlLocation>,
}

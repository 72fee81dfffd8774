//! Datasets (an uploaded CSV stored as Parquet) and SQL queries over them.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use crate::{ColumnSchema, SqlIssue};

/// A column's `min` or `max`: a number, or a date or datetime as an ISO 8601 string (an infinite float is the
/// string `"inf"` or `"-inf"`).
// For the OpenAPI document: `ColumnStats` keeps `serde_json::Value`, which the engine builds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(untagged)]
pub enum ColumnBound {
    Number(f64),
    Text(String),
}

/// A column of a stored dataset with its statistics, computed once at upload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ColumnStats {
    #[schema(example = "fare")]
    pub name: String,
    /// The polars type inferred from the CSV: `i64`, `f64`, `str`, `bool`, `date`, `datetime[μs]`, ...
    #[schema(example = "f64")]
    pub dtype: String,
    /// How many cells are empty (null).
    pub null_count: u64,
    /// Smallest value (numeric, date and datetime columns; dates as ISO 8601 strings).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<ColumnBound>)]
    pub min: Option<Value>,
    /// Largest value (numeric, date and datetime columns).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<ColumnBound>)]
    pub max: Option<Value>,
    /// Arithmetic mean (numeric columns only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mean: Option<f64>,
}

/// A stored dataset: what was uploaded, how it was read, and its schema with statistics.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Dataset {
    /// Stable id, used in every `/datasets/{id}` path.
    #[schema(example = "3f0e2b9a6c1d4e5f8a7b6c5d4e3f2a1b")]
    pub id: String,
    /// Display name: `?name=`, else the uploaded file's name without its extension.
    #[schema(example = "titanic")]
    pub name: String,
    /// The uploaded file's name, when one was given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(example = "titanic.csv")]
    pub file_name: Option<String>,
    /// The SQL name of the table besides `data`: the name, sanitised to `[a-z0-9_]`.
    #[schema(example = "titanic")]
    pub table_name: String,
    pub row_count: u64,
    pub columns: Vec<ColumnStats>,
    /// Bytes of the uploaded CSV.
    pub source_bytes: u64,
    /// Bytes of the stored Parquet file.
    pub stored_bytes: u64,
    /// When it was uploaded (RFC 3339, UTC).
    #[schema(example = "2026-11-25T21:48:18Z")]
    pub created_at: String,
    /// BLAKE3 hash of the uploaded bytes, hex.
    pub content_hash: String,
    /// How the bytes were decoded: `utf-8`; `utf-16` when the file starts with a UTF-16 byte-order mark;
    /// `latin-1` when they were not valid UTF-8 (or only partly: see `notes`).
    #[schema(example = "utf-8")]
    pub encoding: String,
    /// The field delimiter that was detected: `,`, `;`, `\t` or `|`.
    #[schema(example = ",")]
    pub delimiter: String,
    /// Things worth knowing about how the file was read (encoding fallback, renamed duplicate headers, ...).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

/// How an upload's dates written as three numbers are read when every one of them reads both ways
/// (`01/02/2024`). A column with a day past 12 shows its order and is read so whatever this says.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DateOrder {
    /// 01/02/2024 is 1 February (the upload's notes say so).
    #[default]
    DayFirst,
    /// 01/02/2024 is 2 January, as in the US.
    MonthFirst,
}

/// How an upload's dates written with a month's name (`Mar 5 2024`, `September 24, 2007`) are stored. Text by
/// default, as written, as SQLite, pandas and DuckDB keep them (the upload's notes say how to read them as
/// dates in SQL); `dates` stores a column of one such layout as dates.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MonthNames {
    /// Kept as written (the notes give the `STRPTIME` that reads them).
    #[default]
    Text,
    /// A column of one layout is stored as dates (the notes name the layout).
    Dates,
}

/// `GET /datasets`: every stored dataset, newest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct DatasetList {
    pub datasets: Vec<Dataset>,
}

/// `GET /datasets/{id}/preview`: the first rows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Preview {
    pub columns: Vec<ColumnSchema>,
    /// Rows as arrays in column order. A cell is any JSON value: numbers as numbers; text, dates and
    /// datetimes (ISO 8601) as strings; booleans; `null` for nulls; an array for a list value.
    // Documented from `Value` itself, as any value: `Object` here said every cell was a JSON object.
    pub rows: Vec<Vec<Value>>,
    /// Rows in the whole dataset.
    pub row_count: u64,
    /// True when the server's `MAX_RESULT_ROWS` cut `rows`: fewer than both the `limit` asked for and
    /// `row_count`.
    #[serde(default)]
    pub truncated: bool,
}

/// `POST /datasets/{id}/query`: one read-only SQL query over the dataset, registered as `data` and under its
/// `table_name`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QueryRequest {
    /// One SELECT statement (Polars SQL, close to PostgreSQL).
    #[schema(example = "SELECT sex, AVG(age) AS mean_age FROM data GROUP BY sex")]
    pub sql: String,
    /// Most rows to return (default and ceiling: the server's `MAX_RESULT_ROWS`).
    #[serde(default)]
    pub limit: Option<usize>,
}

/// A query's result table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ResultTable {
    pub columns: Vec<ColumnSchema>,
    /// Rows as arrays in column order. A cell is any JSON value: numbers as numbers; text, dates and
    /// datetimes (ISO 8601) as strings; booleans; `null` for nulls; an array for a list value.
    // Documented from `Value` itself, as any value: `Object` here said every cell was a JSON object.
    pub rows: Vec<Vec<Value>>,
    /// Rows the query produced, before truncation.
    pub row_count: u64,
    /// True when `rows` holds fewer rows than `row_count` (capped by `limit` or `MAX_RESULT_ROWS`).
    pub truncated: bool,
}

/// `POST /datasets/{id}/query` answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct QueryResult {
    #[serde(flatten)]
    pub table: ResultTable,
    /// Time spent executing, in milliseconds.
    pub elapsed_ms: u64,
    /// The SQL that ran: the validator's normalised form of what was sent.
    pub sql: String,
    /// The validator's notes about rewrites (e.g. a column name corrected to its real case).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<SqlIssue>,
}

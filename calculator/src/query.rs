//! `POST /datasets/{id}/query`: one read-only SQL query over a stored dataset — validated by `sqlguard`
//! against the dataset's schema, then run by the engine in a worker process with time and memory limits.
//!
//! [`run`] is the one path from SQL text to a result; the analyze feature calls it with LLM-written SQL.

use axum::extract::{Path, State, rejection::PathRejection};
use contracts::{Dataset, QueryRequest, QueryResult, SqlIssue};
use engine::{EngineError, QueryJob};
use sqlguard::{Catalog, Column, Limits, Table, ValidatedQuery};
use telemetry::{ApiJson, Rejection};

use crate::{AppError, AppState, datasets};

/// The name every dataset is registered under; its `table_name` is an alias of it.
pub const TABLE: &str = "data";

/// The limits the calculator re-validates the sidecar's SQL with. That SQL is sqlguard's normalised output
/// (identifiers quoted, calls respelled), which sqlguard itself allows up to 4 × `max_sql_bytes`: checked with
/// the limit a person's SQL gets, a 19,751-byte answer normalised to 21,653 bytes was refused as too long, and
/// the user was told to shorten a query they never wrote. Every other limit is the same; the normalised form
/// of normalised SQL is itself (sqlguard's tests check), so it does not grow again.
pub fn normalised_limits() -> Limits {
    Limits::default().for_normalised()
}

/// What the validator may let a query read: the dataset as `data`, also known by its `table_name`.
pub fn catalog_for(dataset: &Dataset) -> Catalog {
    let aliases = if dataset.table_name.eq_ignore_ascii_case(TABLE) {
        Vec::new()
    } else {
        vec![dataset.table_name.clone()]
    };
    let columns = dataset
        .columns
        .iter()
        .map(|c| {
            let column = Column::new(&c.name, &c.dtype);
            // Stored datasets never change, so their null counts hold for every query.
            if c.null_count == 0 {
                column.without_nulls()
            } else {
                column
            }
        })
        .collect();
    Catalog::new(vec![Table::new(TABLE, aliases, columns)])
}

/// Validates `sql` against `dataset` and runs it, returning at most `limit` rows (default and ceiling:
/// `MAX_RESULT_ROWS`).
///
/// Errors: [`AppError::ValidationFailed`] with every issue, [`AppError::QueryFailed`],
/// [`AppError::QueryTimeout`], [`AppError::QueryTooLarge`], [`AppError::DatasetNotFound`] (deleted while
/// the query ran), [`AppError::Internal`].
pub async fn run(
    state: &AppState,
    dataset: &Dataset,
    sql: &str,
    limit: Option<usize>,
) -> Result<QueryResult, AppError> {
    let query = ValidatedQuery::parse(sql, &catalog_for(dataset))
        .map_err(|issues| AppError::ValidationFailed(sqlguard::to_wire(&issues)))?;
    run_validated(state, dataset, query, limit).await
}

/// Runs a query validated against `dataset` already: its `sql()` is exactly what runs (analyze validates the
/// sidecar's SQL with [`normalised_limits`], and shows and records the SQL it validated).
pub async fn run_validated(
    state: &AppState,
    dataset: &Dataset,
    query: ValidatedQuery,
    limit: Option<usize>,
) -> Result<QueryResult, AppError> {
    let id: datasets::DatasetId = dataset
        .id
        .parse()
        .map_err(|_| AppError::DatasetNotFound(dataset.id.clone()))?;
    let max_rows = state.engine.config().max_result_rows;
    let normalised = query.sql().to_owned();
    let notes = sqlguard::to_wire(query.notes());
    let job = QueryJob {
        parquet_path: state.datasets.parquet_path(&id),
        query,
        limit: limit.unwrap_or(max_rows).min(max_rows),
    };
    let outcome = state.engine.query(job).await;
    // Deleted while the query ran (404), or its data file damaged (409), rather than a broken query.
    let output = state.datasets.engine_outcome(&id, outcome).await?;
    Ok(QueryResult {
        table: output.table,
        elapsed_ms: output.elapsed_ms,
        sql: normalised,
        notes,
    })
}

/// Maps an engine failure on a query or preview to the calculator's error.
pub fn engine_error(error: EngineError) -> AppError {
    match error {
        EngineError::Timeout { limit } => AppError::QueryTimeout(limit),
        EngineError::Busy { .. } => AppError::Busy(error.to_string()),
        EngineError::TooLarge { limit_bytes } => AppError::QueryTooLarge(limit_bytes),
        EngineError::Query(message) => AppError::QueryFailed(clean_message(&message)),
        EngineError::WorkerDied { cause } => AppError::WorkerFailed(format!(
            "the query's worker process stopped ({cause}) before the query finished; try again"
        )),
        // Stored Parquet that cannot be read, a worker that cannot start: ours, not the client's.
        other => AppError::Internal(anyhow::Error::new(other).context("engine")),
    }
}

/// Polars messages can run to a plan dump; keep the part a person (or a model) can act on.
fn clean_message(message: &str) -> String {
    const MAX_CHARS: usize = 600;
    let head = message
        .split("\n\nResolved plan until failure")
        .next()
        .unwrap_or(message)
        .split("\n\nThis error occurred with the following context stack")
        .next()
        .unwrap_or(message);
    let text = head.split_whitespace().collect::<Vec<_>>().join(" ");
    if text.chars().count() > MAX_CHARS {
        let cut: String = text.chars().take(MAX_CHARS).collect();
        format!("{cut}…")
    } else {
        text
    }
}

/// One sentence for a rejected query's `message`; the full list travels in `error.issues`.
pub fn describe_issues(issues: &[SqlIssue]) -> String {
    match issues {
        [] => "the query was rejected by the SQL validator".to_owned(),
        [only] => format!("the query was rejected: {}", only.message),
        [first, rest @ ..] => format!(
            "the query was rejected ({} issues; all are in `issues`): {}",
            rest.len() + 1,
            first.message
        ),
    }
}

/// Runs one read-only SQL query over the dataset.
///
/// The dataset is the table `data`, also known by its `table_name`. The SQL is checked by the validator
/// first (one SELECT, only this table, allowlisted functions, no file or network access); what runs is its
/// normalised form, returned as `sql`. At most `limit` rows come back (default and ceiling:
/// `MAX_RESULT_ROWS`, 10,000 by default; a larger `limit` is lowered to it); `row_count` counts them all and
/// `truncated` says when rows were left out. Every failure of the query is a 422 with its own code, and the
/// service keeps serving: `validation_failed` (every issue in `error.issues`), `query_failed` (the engine's
/// cleaned message), `query_timeout` (over `QUERY_TIMEOUT`), `query_too_large` (over `QUERY_MEMORY_LIMIT`).
/// A dataset whose stored data file is missing or damaged answers 409 `dataset_damaged`: delete it and
/// upload its CSV again.
#[utoipa::path(post, path = "/datasets/{id}/query", tag = "datasets",
    params(("id" = String, Path, description = "Dataset id")),
    request_body = QueryRequest,
    responses(
        (status = 200, body = QueryResult),
        (status = 404, body = contracts::ApiError, description = "`dataset_not_found`"),
        (status = 409, body = contracts::ApiError, description = "`dataset_damaged`: its stored data file is \
            missing or damaged; delete the dataset and upload its CSV again"),
        (status = 422, body = contracts::ApiError, description = "`validation_failed` (with `issues`), \
            `query_failed`, `query_timeout`, `query_too_large`, `invalid_input`")))]
pub async fn query(
    State(state): State<AppState>,
    id: Result<Path<String>, PathRejection>,
    body: Result<ApiJson<QueryRequest>, Rejection>,
) -> Result<ApiJson<QueryResult>, AppError> {
    let (_, dataset) = datasets::find(&state, id)?;
    let request = body?.0;
    run(&state, &dataset, &request.sql, request.limit)
        .await
        .map(ApiJson)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plan_dumps_and_whitespace_are_trimmed() {
        let raw = "column not found: x\n\nResolved plan until failure:\n\n\t---> FAILED HERE";
        assert_eq!(clean_message(raw), "column not found: x");
        assert_eq!(clean_message("a\n  b"), "a b");
        assert_eq!(clean_message(&"x".repeat(700)).chars().count(), 601);
    }

    #[test]
    fn issues_are_summarised() {
        let issue = |m: &str| SqlIssue {
            rule: "r".into(),
            message: m.into(),
            location: None,
        };
        assert_eq!(
            describe_issues(&[issue("bad")]),
            "the query was rejected: bad"
        );
        assert!(describe_issues(&[issue("a"), issue("b")]).contains("2 issues"));
    }

    #[test]
    fn the_catalog_registers_data_with_the_table_name_as_alias() {
        let mut dataset: Dataset = serde_json::from_value(serde_json::json!({
            "id": "3f0e2b9a6c1d4e5f8a7b6c5d4e3f2a1b", "name": "Sales", "table_name": "sales",
            "row_count": 1, "columns": [{"name": "Amount", "dtype": "f64", "null_count": 0}],
            "source_bytes": 1, "stored_bytes": 1, "created_at": "2026-01-01T00:00:00Z",
            "content_hash": "00", "encoding": "utf-8", "delimiter": ","
        }))
        .unwrap();
        let catalog = catalog_for(&dataset);
        let q = ValidatedQuery::parse("SELECT amount FROM sales", &catalog).unwrap();
        assert_eq!(q.sql(), "SELECT \"Amount\" FROM data AS sales");
        assert!(ValidatedQuery::parse("SELECT amount FROM other", &catalog).is_err());

        dataset.table_name = "data".into();
        assert_eq!(
            catalog_for(&dataset).tables()[0].aliases,
            Vec::<String>::new()
        );
    }
}

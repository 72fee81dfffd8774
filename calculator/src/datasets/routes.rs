//! HTTP handlers of `/datasets`: upload, list, describe, preview, delete.

use std::sync::Arc;

use axum::{
    extract::{Path, Request, State, rejection::PathRejection},
    http::{StatusCode, header},
    response::{IntoResponse, Response},
};
use contracts::{ColumnSchema, Dataset, DatasetList, Preview};
use serde::Deserialize;
use telemetry::{ApiJson, ApiQuery, Rejection};
use utoipa::{IntoParams, ToSchema};

use super::{DatasetId, ingest, naming::parse_name};
use crate::{AppError, AppState};

/// Rows a preview shows unless `limit` says otherwise.
const PREVIEW_DEFAULT: usize = 20;
/// Most rows a preview shows.
const PREVIEW_MAX: usize = 1000;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct UploadParams {
    /// Display name (default: the file name without its extension); the SQL table name is derived from it.
    name: Option<String>,
    /// How dates written as three numbers are read when every value of their column reads both ways
    /// (01/02/2024): `day_first` (the default; the upload's notes say so) or `month_first`. A column with a
    /// day past 12 (03/15/2024) is read in the order it shows, whatever this says.
    #[param(value_type = Option<contracts::DateOrder>)]
    date_order: Option<contracts::DateOrder>,
    /// Dates written with a month's name (`Mar 5 2024`, `September 24, 2007`): `text` (the default: kept as
    /// written, as SQLite and pandas keep them; the notes give the `STRPTIME` that reads them) or `dates` (a
    /// column of one such layout is stored as dates).
    #[param(value_type = Option<contracts::MonthNames>)]
    month_names: Option<contracts::MonthNames>,
}

/// The multipart form of an upload.
#[derive(ToSchema)]
#[allow(dead_code)] // documentation only: the body is streamed, never deserialised into this
pub struct UploadForm {
    /// The CSV file.
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
    /// Display name (instead of `?name=`).
    name: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct PreviewParams {
    /// Rows to show: 0 to 1000, default 20. The server's `MAX_RESULT_ROWS` (10,000 by default) caps them too:
    /// a preview cut by it says `truncated: true`.
    #[param(maximum = 1000)]
    limit: Option<usize>,
}

/// The stored dataset named by a request path, or a 404 naming the id (malformed ids included).
pub fn find(
    state: &AppState,
    id: Result<Path<String>, PathRejection>,
) -> Result<(DatasetId, Arc<Dataset>), AppError> {
    let raw = id
        .map(|Path(raw)| raw)
        .map_err(|rejection| AppError::DatasetIdUnreadable(unreadable_id(&rejection)))?;
    raw.parse::<DatasetId>()
        .ok()
        .and_then(|id| state.datasets.get(&id).map(|dataset| (id, dataset)))
        .ok_or_else(|| AppError::DatasetNotFound(raw.chars().take(64).collect()))
}

/// Why the id in a path could not be read. axum keeps no text of an id whose percent-escapes are not UTF-8
/// (`/datasets/%FF`), so what was sent is described rather than shown (it read as an empty id).
fn unreadable_id(rejection: &PathRejection) -> String {
    use axum::extract::path::ErrorKind;
    match rejection {
        PathRejection::FailedToDeserializePathParams(error)
            if matches!(error.kind(), ErrorKind::InvalidUtf8InPathParam { .. }) =>
        {
            "its percent-escapes decode to bytes that are not UTF-8 text (such as `%FF`)".to_owned()
        }
        other => other.body_text(),
    }
}

/// Uploads a CSV and stores it as a dataset.
///
/// Send `multipart/form-data` with the file in the `file` field (`curl -F file=@sales.csv`), or the raw CSV
/// with `Content-Type: text/csv` (also `application/csv`, `text/x-csv`, `application/x-csv`,
/// `text/comma-separated-values`, `text/plain`, `text/tab-separated-values`, `application/vnd.ms-excel`,
/// `application/octet-stream`), uncompressed (no `Content-Encoding`). A blank `name` field is no name. The body is streamed to disk, up to `MAX_UPLOAD_BYTES` (default 1 GiB);
/// `MAX_BODY_BYTES` does not apply. Delimiter (`,` `;` tab `|`), header row, quoting, a UTF-8 BOM and column
/// types are detected; bytes that are not UTF-8 are read as Latin-1 and the answer says so in `encoding` and
/// `notes`. Empty fields and `NULL`, `null`, `Null`, `N/A`, `n/a`, `#N/A`, `NA`, `\N` are read as nulls. Answers 201 with the
/// dataset and its `Location`.
#[utoipa::path(post, path = "/datasets", tag = "datasets", params(UploadParams),
    request_body(content(
        (UploadForm = "multipart/form-data"),
        (String = "text/csv"))),
    responses(
        (status = 201, body = Dataset, headers(("location" = String, description = "/datasets/{id}"))),
        (status = 400, body = contracts::ApiError, description = "`bad_request`: a malformed multipart body"),
        (status = 408, body = contracts::ApiError, description = "`upload_stalled`: the body sent nothing for UPLOAD_IDLE_TIMEOUT"),
        (status = 413, body = contracts::ApiError, description = "`payload_too_large`: over MAX_UPLOAD_BYTES"),
        (status = 415, body = contracts::ApiError, description = "`unsupported_media_type`"),
        (status = 422, body = contracts::ApiError, description = "`invalid_csv` (with the line), `invalid_encoding`, \
            `ingest_limit_exceeded`, `invalid_input` (e.g. no `file` field)"),
        (status = 507, body = contracts::ApiError, description = "`insufficient_storage`: the server's disk is full")))]
pub async fn upload(
    State(state): State<AppState>,
    params: Result<ApiQuery<UploadParams>, Rejection>,
    request: Request,
) -> Result<Response, AppError> {
    let params = params?.0;
    let name = params
        .name
        .map(|raw| {
            parse_name(&raw)
                .map_err(|why| AppError::InvalidInput(format!("query string: `name` {why}")))
        })
        .transpose()?;
    let dataset = ingest::create(
        &state,
        name,
        params.date_order.unwrap_or_default(),
        params.month_names.unwrap_or_default(),
        request,
    )
    .await?;
    tracing::info!(dataset = %dataset.id, rows = dataset.row_count, bytes = dataset.source_bytes, "dataset stored");
    let location = format!("/datasets/{}", dataset.id);
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        ApiJson(dataset.as_ref().clone()),
    )
        .into_response())
}

/// Lists every stored dataset, newest first. Each column has its name, type and null count; its `min`,
/// `max` and `mean` are left out here (`GET /datasets/{id}` has them).
#[utoipa::path(get, path = "/datasets", tag = "datasets",
    responses((status = 200, body = DatasetList)))]
pub async fn list(State(state): State<AppState>) -> ApiJson<DatasetList> {
    // Every dataset's statistics made a list of a few wide datasets megabytes long.
    let datasets = state
        .datasets
        .list()
        .iter()
        .map(|d| {
            let mut listed = d.as_ref().clone();
            for column in &mut listed.columns {
                (column.min, column.max, column.mean) = (None, None, None);
            }
            listed
        })
        .collect();
    ApiJson(DatasetList { datasets })
}

/// Describes a dataset: schema, row count, and per-column null count and min/max/mean.
#[utoipa::path(get, path = "/datasets/{id}", tag = "datasets",
    params(("id" = String, Path, description = "Dataset id")),
    responses(
        (status = 200, body = Dataset),
        (status = 404, body = contracts::ApiError, description = "`dataset_not_found`")))]
pub async fn describe(
    State(state): State<AppState>,
    id: Result<Path<String>, PathRejection>,
) -> Result<ApiJson<Dataset>, AppError> {
    Ok(ApiJson(find(&state, id)?.1.as_ref().clone()))
}

/// The first rows of a dataset (`limit`: 0 to 1000, default 20): `min(limit, row_count)` rows, or fewer when
/// the server's `MAX_RESULT_ROWS` is lower, which `truncated` then says.
#[utoipa::path(get, path = "/datasets/{id}/preview", tag = "datasets",
    params(("id" = String, Path, description = "Dataset id"), PreviewParams),
    responses(
        (status = 200, body = Preview),
        (status = 404, body = contracts::ApiError, description = "`dataset_not_found`"),
        (status = 409, body = contracts::ApiError, description = "`dataset_damaged`: its stored data file is \
            missing or damaged; delete the dataset and upload its CSV again"),
        (status = 422, body = contracts::ApiError,
            description = "`invalid_input`: `limit` out of range")))]
pub async fn preview(
    State(state): State<AppState>,
    id: Result<Path<String>, PathRejection>,
    params: Result<ApiQuery<PreviewParams>, Rejection>,
) -> Result<ApiJson<Preview>, AppError> {
    let (id, dataset) = find(&state, id)?;
    let limit = params?.0.limit.unwrap_or(PREVIEW_DEFAULT);
    if limit > PREVIEW_MAX {
        return Err(AppError::InvalidInput(format!(
            "query string: `limit` must be at most {PREVIEW_MAX} (got {limit}); use POST /datasets/{{id}}/query for more rows"
        )));
    }
    let preview = state
        .engine
        .preview(state.datasets.parquet_path(&id), limit)
        .await;
    // Deleted meanwhile (404), or its data file damaged (409), rather than an engine failure.
    let output = state.datasets.engine_outcome(&id, preview).await?;
    // The stored schema is authoritative for the column list, even when there are no rows to show.
    let columns = if output.table.columns.is_empty() {
        dataset
            .columns
            .iter()
            .map(|c| ColumnSchema::new(&c.name, &c.dtype))
            .collect()
    } else {
        output.table.columns
    };
    // The engine cuts a preview to `MAX_RESULT_ROWS` without a word: fewer rows than both the `limit` and the
    // dataset have means it did (the UI asks for 100 rows, so a lower cap is a flag, not a refusal).
    let wanted = (limit as u64).min(dataset.row_count);
    let truncated = (output.table.rows.len() as u64) < wanted;
    Ok(ApiJson(Preview {
        columns,
        rows: output.table.rows,
        row_count: dataset.row_count,
        truncated,
    }))
}

/// Deletes a dataset and its files.
#[utoipa::path(delete, path = "/datasets/{id}", tag = "datasets",
    params(("id" = String, Path, description = "Dataset id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 404, body = contracts::ApiError, description = "`dataset_not_found`")))]
pub async fn delete(
    State(state): State<AppState>,
    id: Result<Path<String>, PathRejection>,
) -> Result<StatusCode, AppError> {
    let (id, _) = find(&state, id)?;
    let removed = state
        .datasets
        .delete(&id)
        .await
        .map_err(|e| AppError::Internal(anyhow::Error::new(e).context("deleting a dataset")))?;
    if !removed {
        // Another request deleted it between the lookup and now.
        return Err(AppError::DatasetNotFound(id.to_string()));
    }
    tracing::info!(dataset = %id, "dataset deleted");
    Ok(StatusCode::NO_CONTENT)
}

//! Creating a dataset: stage, receive the upload, have the engine read it into Parquet, describe it, publish.

use std::sync::Arc;

use axum::extract::Request;
use contracts::Dataset;
use engine::{EngineError, IngestJob, IngestReport};

use super::{
    Received, Staging,
    naming::{default_name, table_name_for},
    upload,
};
use crate::{AppError, AppState};

/// Runs a whole upload. Whatever fails, the staging directory goes with it and nothing is listed.
pub async fn create(
    state: &AppState,
    name: Option<String>,
    request: Request,
) -> Result<Arc<Dataset>, AppError> {
    let staging = state
        .datasets
        .stage()
        .map_err(|e| AppError::Internal(anyhow::Error::new(e).context("staging an upload")))?;
    let limit = state.config.max_upload_bytes;
    let received = upload::receive(request, &staging.source_path(), limit).await?;
    if received.bytes == 0 {
        return Err(AppError::InvalidCsv(EngineError::EmptyFile.to_string()));
    }
    let job = IngestJob {
        csv_path: staging.source_path(),
        parquet_path: staging.parquet_path(),
    };
    let report = state.engine.ingest(job).await.map_err(ingest_error)?;
    let dataset = describe(&staging, name, received, report);
    state
        .datasets
        .publish(staging, dataset)
        .await
        .map_err(|e| AppError::Internal(anyhow::Error::new(e).context("publishing a dataset")))
}

fn describe(
    staging: &Staging,
    name: Option<String>,
    received: Received,
    report: IngestReport,
) -> Dataset {
    let name = name
        .or(received.name)
        .unwrap_or_else(|| default_name(received.file_name.as_deref()));
    let delimiter = match report.delimiter {
        b'\t' => "\t".to_owned(),
        other => char::from(other).to_string(),
    };
    Dataset {
        id: staging.id().to_string(),
        table_name: table_name_for(&name),
        name,
        file_name: received.file_name,
        row_count: report.row_count,
        columns: report.columns,
        source_bytes: received.bytes,
        stored_bytes: report.stored_bytes,
        created_at: humantime::format_rfc3339_millis(std::time::SystemTime::now()).to_string(),
        content_hash: received.content_hash,
        encoding: report.encoding,
        delimiter,
        notes: report.notes,
    }
}

/// Maps an engine failure during ingest: the file's fault is a 422 naming the problem (and line).
fn ingest_error(error: EngineError) -> AppError {
    match error {
        EngineError::Csv { .. } | EngineError::EmptyFile => AppError::InvalidCsv(error.to_string()),
        // A value that breaks its column's type surfaces as a polars error: still the file's fault.
        EngineError::Query(message) => AppError::InvalidCsv(message),
        EngineError::Encoding(message) => AppError::CsvEncoding(message),
        EngineError::Timeout { limit } => AppError::IngestLimit(format!(
            "reading the CSV took longer than INGEST_TIMEOUT ({} s) and was stopped",
            limit.as_secs_f64()
        )),
        EngineError::TooLarge { limit_bytes } => AppError::IngestLimit(format!(
            "reading the CSV needed more memory than QUERY_MEMORY_LIMIT ({} MiB) and was stopped",
            limit_bytes / (1024 * 1024)
        )),
        EngineError::Internal(_) => AppError::Internal(anyhow::Error::new(error).context("ingest")),
    }
}

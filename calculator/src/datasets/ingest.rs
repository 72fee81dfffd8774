//! Creating a dataset: stage, receive the upload, have the engine read it into Parquet, describe it, publish.

use std::sync::Arc;
use std::time::Instant;

use axum::extract::Request;
use contracts::{Dataset, DateOrder, MonthNames};
use engine::{EngineError, IngestJob, IngestReport};

use super::{
    Received, Staging,
    naming::{default_name, table_name_for},
    upload::{Incoming, Limits},
};
use crate::{AppError, AppState};

/// Runs a whole upload. Whatever fails, the staging directory goes with it and nothing is listed.
pub async fn create(
    state: &AppState,
    name: Option<String>,
    date_order: DateOrder,
    month_names: MonthNames,
    request: Request,
) -> Result<Arc<Dataset>, AppError> {
    let limits = Limits {
        bytes: state.config.max_upload_bytes,
        idle: state.config.upload_idle_timeout,
    };
    let incoming = Incoming::check(request, limits.bytes)?;
    let staging = state
        .datasets
        .stage()
        .map_err(|e| io_failure(e, "staging an upload"))?;
    let started = Instant::now();
    let job = IngestJob {
        csv_path: staging.source_path(),
        parquet_path: staging.parquet_path(),
        date_order,
        month_names,
    };
    // An upload that is still arriving after `upload_overlap_after` is read by the engine as it arrives (when
    // a worker can be spared), so that its conversion overlaps its transfer instead of following it.
    let source = staging.source_path();
    let receiving = incoming.receive(&source, limits);
    tokio::pin!(receiving);
    let (received, arriving) = tokio::select! {
        biased;
        received = &mut receiving => (received, None),
        () = tokio::time::sleep(state.config.upload_overlap_after) => {
            let arriving = state.engine.ingest_arriving(job.clone()).await;
            (receiving.await, arriving)
        }
    };
    let received = match received.and_then(|received| one_name(name.as_deref(), received)) {
        Ok(received) if received.bytes > 0 => received,
        failed => {
            if let Some(arriving) = arriving {
                arriving.abandon().await;
            }
            let empty = || AppError::InvalidCsv(EngineError::EmptyFile.to_string());
            return Err(failed.err().unwrap_or_else(empty));
        }
    };
    let received_after = started.elapsed();
    let overlapped = arriving.is_some();
    let report = match arriving {
        Some(arriving) => arriving.complete(received.bytes).await,
        None => state.engine.ingest(job).await,
    }
    .map_err(ingest_error)?;
    let converted_after = started.elapsed();
    let dataset = describe(&staging, name, received, report);
    let published = state
        .datasets
        .publish(staging, dataset)
        .await
        .map_err(|e| io_failure(e, "publishing a dataset"))?;
    // Where an upload's time went: the transfer, the rest of the conversion after it (polars reading the CSV
    // into Parquet), and storing the result durably.
    tracing::debug!(
        bytes = published.source_bytes,
        overlapped,
        receive_ms = received_after.as_millis() as u64,
        convert_ms = (converted_after - received_after).as_millis() as u64,
        publish_ms = (started.elapsed() - converted_after).as_millis() as u64,
        "upload stored"
    );
    Ok(published)
}

/// Refuses a name given twice, differently: in the query string and in the form. Which one the client meant
/// cannot be told, and keeping one without a word would label the dataset wrongly.
fn one_name(query: Option<&str>, received: Received) -> Result<Received, AppError> {
    match (query, received.name.as_deref()) {
        (Some(query), Some(form)) if query != form => Err(AppError::InvalidInput(format!(
            "the dataset's name is given twice, `?name={query}` and the form field `name` ({form:?}); send one"
        ))),
        _ => Ok(received),
    }
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
        // Writing the Parquet file is where a full disk shows while converting; Polars wraps it in a
        // Parquet error, which would otherwise be blamed on the file.
        EngineError::Query(ref message) | EngineError::Csv { ref message, .. }
            if is_disk_full(message) =>
        {
            disk_full()
        }
        EngineError::Csv { .. } | EngineError::EmptyFile => AppError::InvalidCsv(error.to_string()),
        // A value that breaks its column's type surfaces as a polars error: still the file's fault.
        EngineError::Query(message) => AppError::InvalidCsv(message),
        EngineError::Encoding(message) => AppError::CsvEncoding(message),
        EngineError::TooManyColumns { .. } => AppError::IngestLimit(error.to_string()),
        EngineError::Busy { .. } => AppError::Busy(error.to_string()),
        EngineError::WorkerDied { cause } => AppError::WorkerFailed(format!(
            "the worker process reading the CSV stopped ({cause}) before it finished; nothing was stored, \
             upload the file again"
        )),
        EngineError::Timeout { limit } => AppError::IngestLimit(format!(
            "reading the CSV took longer than INGEST_TIMEOUT ({} s) and was stopped",
            limit.as_secs_f64()
        )),
        EngineError::TooLarge { limit_bytes } => AppError::IngestLimit(format!(
            "reading the CSV needed more memory than QUERY_MEMORY_LIMIT ({} MiB) and was stopped",
            limit_bytes / (1024 * 1024)
        )),
        // The engine reports I/O failures as text; a full disk is worth telling the client about.
        EngineError::Internal(ref message) if is_disk_full(message) => disk_full(),
        EngineError::Internal(_) | EngineError::Unreadable(_) => {
            AppError::Internal(anyhow::Error::new(error).context("ingest"))
        }
    }
}

/// A file-system failure while storing an upload: a full disk is the server's 507 with a clear message,
/// anything else a 500 (details logged, never sent).
pub(super) fn io_failure(error: std::io::Error, doing: &'static str) -> AppError {
    if error.kind() == std::io::ErrorKind::StorageFull || is_disk_full(&error.to_string()) {
        return disk_full();
    }
    AppError::Internal(anyhow::Error::new(error).context(doing))
}

fn is_disk_full(message: &str) -> bool {
    message.contains("No space left on device") || message.contains("os error 28")
}

fn disk_full() -> AppError {
    AppError::InsufficientStorage(
        "the server's disk is full, so the upload was not stored (nothing was kept); free space under \
         DATA_DIR or delete datasets, then upload again"
            .into(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_disk_is_507_and_other_io_failures_500() {
        let full = std::io::Error::from(std::io::ErrorKind::StorageFull);
        assert_eq!(
            io_failure(full, "x").status_and_code().1,
            "insufficient_storage"
        );
        let raw = std::io::Error::from_raw_os_error(28);
        assert_eq!(
            io_failure(raw, "x").status_and_code().1,
            "insufficient_storage"
        );
        let denied = std::io::Error::from(std::io::ErrorKind::PermissionDenied);
        assert_eq!(
            io_failure(denied, "x").status_and_code().1,
            "internal_error"
        );
        let engine =
            EngineError::Internal("writing Parquet: No space left on device (os error 28)".into());
        assert_eq!(
            ingest_error(engine).status_and_code().1,
            "insufficient_storage"
        );
        let engine = EngineError::Internal("worker crashed".into());
        assert_eq!(ingest_error(engine).status_and_code().1, "internal_error");
        // Polars' Parquet writer reports it as its own error, which reaches us as a failed conversion.
        let engine = EngineError::Query(
            "parquet: File out of specification: underlying IO error: No space left on device (os error 28)"
                .into(),
        );
        assert_eq!(
            ingest_error(engine).status_and_code().1,
            "insufficient_storage"
        );
        let engine = EngineError::Query("could not parse `x` as dtype `i64`".into());
        assert_eq!(ingest_error(engine).status_and_code().1, "invalid_csv");
    }
}

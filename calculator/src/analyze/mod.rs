//! Analyze: a question about a dataset answered by SQL the sidecar's LLM wrote, that both validators approved
//! and the engine ran — with the audit trail of every analysis and the readiness of the AI path.

mod audit;
mod cancel;
mod chart;
mod failure;
mod pipeline;
mod progress;
mod routes;
mod sidecar_client;
mod trail;

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::Duration,
};

use contracts::Dataset;
use serde_json::Value;
use utoipa_axum::{router::OpenApiRouter, routes};

pub use audit::AuditLog;
pub use failure::Failure;
pub use pipeline::Analysis;
pub use progress::{Listener, StageEvent};
pub use sidecar_client::{CodegenEvent, SidecarClient, SidecarError};

use crate::{AppError, AppState, Config, query};

/// Where the sidecar is when `SIDECAR_URL` is unset and no embedded one filled it in.
const DEFAULT_SIDECAR_URL: &str = "http://127.0.0.1:8001";
/// Most datasets whose sample rows are kept in memory; the cache is emptied when it is full.
const SAMPLE_CACHE_ENTRIES: usize = 256;

type SampleRows = Arc<Vec<Vec<Value>>>;

/// What the analyze routes need beside the datasets and the engine; cheap to clone.
#[derive(Debug, Clone)]
pub struct Analyses {
    pub sidecar: SidecarClient,
    pub audit: AuditLog,
    /// Sample rows per dataset id: datasets never change, and reading them costs a worker round trip.
    samples: Arc<Mutex<HashMap<String, SampleRows>>>,
}

impl Analyses {
    /// Opens the audit log under `DATA_DIR` and builds the sidecar client.
    pub fn open(config: &Config) -> std::io::Result<Self> {
        let sidecar = SidecarClient::new(
            config
                .sidecar_url
                .clone()
                .unwrap_or_else(|| DEFAULT_SIDECAR_URL.to_owned()),
            config.sidecar_token.clone(),
            Duration::from_secs(2),
            config.sidecar_timeout,
        )
        .map_err(std::io::Error::other)?;
        Ok(Self {
            sidecar,
            audit: AuditLog::open(&config.data_dir)?,
            samples: Arc::default(),
        })
    }

    /// The first `limit` rows of the dataset, from the cache or the engine.
    async fn samples(
        &self,
        state: &AppState,
        dataset: &Dataset,
        limit: usize,
    ) -> Result<SampleRows, AppError> {
        if let Some(rows) = self.cached(&dataset.id) {
            return Ok(rows);
        }
        let id: crate::datasets::DatasetId = dataset
            .id
            .parse()
            .map_err(|_| AppError::DatasetNotFound(dataset.id.clone()))?;
        let preview = state
            .engine
            .preview(state.datasets.parquet_path(&id), limit)
            .await
            .map_err(query::engine_error)?;
        let rows = Arc::new(preview.table.rows);
        let mut cache = self.samples.lock().unwrap_or_else(|e| e.into_inner());
        if cache.len() >= SAMPLE_CACHE_ENTRIES {
            cache.clear();
        }
        cache.insert(dataset.id.clone(), rows.clone());
        Ok(rows)
    }

    fn cached(&self, id: &str) -> Option<SampleRows> {
        let cache = self.samples.lock().unwrap_or_else(|e| e.into_inner());
        cache.get(id).cloned()
    }
}

/// Refuses, before the sidecar is called, a dataset it cannot describe to the model. Its limits (the embedded
/// sidecar's own constants) keep the prompt readable, where an upload takes 10,000 columns and names of any
/// length; the sidecar's refusal named fields of its request (`dataset.columns`), which the client never sent.
fn check_askable(dataset: &Dataset) -> Result<(), AppError> {
    use sidecar::dataset::{MAX_COLUMNS, MAX_NAME_CHARS};
    let columns = dataset.columns.len();
    if columns > MAX_COLUMNS {
        return Err(AppError::InvalidInput(format!(
            "this dataset has {columns} columns, more than the {MAX_COLUMNS} a question can be asked about \
             (each column is described to the model); query it with SQL (POST /datasets/{{id}}/query), or \
             upload only the columns to ask about"
        )));
    }
    let long = dataset
        .columns
        .iter()
        .enumerate()
        .find_map(|(index, column)| {
            let chars = column.name.chars().count();
            (chars > MAX_NAME_CHARS).then_some((index + 1, chars))
        });
    if let Some((position, chars)) = long {
        return Err(AppError::InvalidInput(format!(
            "column {position} of this dataset has a name of {chars} characters, longer than the \
             {MAX_NAME_CHARS} a question can be asked about (each name is described to the model); shorten \
             it in the CSV and upload it again, or query the dataset with SQL"
        )));
    }
    Ok(())
}

/// The analyze, audit-trail and readiness routes, with their OpenAPI descriptions.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(routes::analyze))
        .routes(routes!(routes::analyze_stream))
        .routes(routes!(routes::dataset_analyses))
        .routes(routes!(routes::analysis))
        .routes(routes!(routes::readyz))
}

//! CSV datasets: uploads streamed to disk, read by the engine into Parquet, published atomically under
//! `DATA_DIR/datasets/<id>/`; listing, description, preview and deletion.

mod damage;
mod id;
mod ingest;
mod naming;
mod routes;
mod staging;
mod store;
#[cfg(test)]
mod store_tests;
mod upload;

use axum::extract::DefaultBodyLimit;
use utoipa_axum::{router::OpenApiRouter, routes};

pub use id::{DatasetId, MalformedId};
pub use naming::table_name_for;
pub use routes::find;
pub use staging::Staging;
pub use store::Store;
pub use upload::{RAW_MEDIA_TYPES, Received};

use crate::AppState;

/// The `/datasets` routes, the query route included, with their OpenAPI descriptions.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(routes::upload, routes::list))
        // Uploads are streamed to disk under MAX_UPLOAD_BYTES; the JSON body limit must not cut them short.
        .layer(DefaultBodyLimit::disable())
        .routes(routes!(routes::describe, routes::delete))
        .routes(routes!(routes::preview))
        .routes(routes!(crate::query::query))
}

//! A dataset being built: a private directory under `DATA_DIR/tmp/` that is removed unless it is published.
//!
//! Dropping a [`Staging`] deletes its directory, so every failure path — an error, a 413, a client that hangs
//! up mid-upload (axum drops the handler's future) — cleans up without having to remember to.

use std::path::{Path, PathBuf};

use super::DatasetId;

/// The uploaded bytes, as received.
pub const SOURCE_FILE: &str = "source.csv";
/// The stored table.
pub const PARQUET_FILE: &str = "data.parquet";
/// The dataset's description (`contracts::Dataset` as JSON).
pub const META_FILE: &str = "meta.json";

/// A temporary directory for one upload; published by [`super::Store::publish`] or removed on drop.
#[derive(Debug)]
pub struct Staging {
    id: DatasetId,
    dir: PathBuf,
    published: bool,
}

impl Staging {
    /// Creates `tmp_root/upload-<id>/` for a fresh id.
    pub(super) fn create(tmp_root: &Path) -> std::io::Result<Self> {
        let id = DatasetId::generate();
        let dir = tmp_root.join(format!("upload-{id}"));
        std::fs::create_dir(&dir)?;
        Ok(Self {
            id,
            dir,
            published: false,
        })
    }

    /// The id the dataset will have once published.
    pub fn id(&self) -> &DatasetId {
        &self.id
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Where the upload is streamed to.
    pub fn source_path(&self) -> PathBuf {
        self.dir.join(SOURCE_FILE)
    }

    /// Where the engine writes the Parquet file.
    pub fn parquet_path(&self) -> PathBuf {
        self.dir.join(PARQUET_FILE)
    }

    /// Called once the directory has been renamed into place: it is no longer ours to delete.
    pub(super) fn mark_published(&mut self) {
        self.published = true;
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if self.published {
            return;
        }
        // Synchronous on purpose: a test (or a client retrying) that sees the error must also see the
        // directory gone. Removing a few files is quick even for a large upload.
        if let Err(error) = std::fs::remove_dir_all(&self.dir)
            && error.kind() != std::io::ErrorKind::NotFound
        {
            tracing::warn!(dir = %self.dir.display(), %error, "could not remove an unfinished upload");
        }
    }
}

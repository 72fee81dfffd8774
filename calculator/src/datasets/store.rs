//! The dataset store: `DATA_DIR/datasets/<id>/{data.parquet,meta.json}`, an in-memory index of it, and the
//! atomic moves that add and remove entries.
//!
//! Layout and invariants:
//! - A dataset is published by renaming its finished staging directory (`DATA_DIR/tmp/upload-<id>/`, holding
//!   the Parquet file and `meta.json`) to `DATA_DIR/datasets/<id>/`. A rename within one file system is atomic,
//!   so a crash leaves either no entry or a complete one.
//! - Deleting renames the entry back into `DATA_DIR/tmp/` first (atomic: it stops being listed), then removes
//!   it. Whatever a crash leaves in `tmp/` is removed at the next start.
//! - One calculator process owns a `DATA_DIR` (startup clears `tmp/`); `crate::data_dir_lock` holds it for a
//!   server.
//! - An entry whose `meta.json` cannot be read is skipped with a warning and left on disk, never deleted.
//! - An entry whose Parquet file is damaged (cut short, overwritten: `super::damage` checks its ends only)
//!   is listed with a warning, so that it can still be described and deleted; its previews and queries
//!   answer 409 `dataset_damaged`, as they do when its Parquet file disappears while the server runs.
//! - A dataset whose directory disappears while the server runs is gone: deleting it answers as a deletion.

use std::{
    collections::HashMap,
    io,
    path::{Path, PathBuf},
    sync::{Arc, RwLock},
};

use contracts::Dataset;

use super::{
    DatasetId,
    staging::{META_FILE, PARQUET_FILE, SOURCE_FILE, Staging},
};

/// The stored datasets. Cheap to clone; all clones share one index.
#[derive(Clone, Debug)]
pub struct Store {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    datasets_dir: PathBuf,
    tmp_dir: PathBuf,
    index: RwLock<HashMap<DatasetId, Arc<Dataset>>>,
}

impl Store {
    /// Opens (creating if needed) the store under `data_dir`, clears leftovers of interrupted uploads and
    /// deletions, and loads every readable entry.
    pub fn open(data_dir: &Path) -> io::Result<Self> {
        let datasets_dir = data_dir.join("datasets");
        let tmp_dir = data_dir.join("tmp");
        let context = |what: &str, path: &Path| {
            let path = path.display().to_string();
            let what = what.to_owned();
            move |e: io::Error| io::Error::new(e.kind(), format!("{what} `{path}`: {e}"))
        };
        std::fs::create_dir_all(&datasets_dir)
            .map_err(context("cannot create DATA_DIR directory", &datasets_dir))?;
        std::fs::create_dir_all(&tmp_dir)
            .map_err(context("cannot create DATA_DIR directory", &tmp_dir))?;
        clear_dir(&tmp_dir).map_err(context("cannot clear", &tmp_dir))?;
        let index = load_index(&datasets_dir).map_err(context("cannot read", &datasets_dir))?;
        // Debug: this runs before any request, and every info line is expected to carry a trace id.
        tracing::debug!(datasets = index.len(), dir = %data_dir.display(), "dataset store opened");
        Ok(Self {
            inner: Arc::new(Inner {
                datasets_dir,
                tmp_dir,
                index: RwLock::new(index),
            }),
        })
    }

    /// Every dataset, newest first.
    pub fn list(&self) -> Vec<Arc<Dataset>> {
        let mut all: Vec<Arc<Dataset>> = self.read_index().values().cloned().collect();
        // RFC 3339 UTC timestamps in one format sort chronologically as text; the id breaks ties.
        all.sort_by(|a, b| {
            (b.created_at.as_str(), b.id.as_str()).cmp(&(a.created_at.as_str(), a.id.as_str()))
        });
        all
    }

    /// The dataset with this id, if it is stored.
    pub fn get(&self, id: &DatasetId) -> Option<Arc<Dataset>> {
        self.read_index().get(id).cloned()
    }

    /// The Parquet file of a stored dataset.
    pub fn parquet_path(&self, id: &DatasetId) -> PathBuf {
        self.inner.datasets_dir.join(id.as_str()).join(PARQUET_FILE)
    }

    /// A fresh staging directory for an upload.
    pub fn stage(&self) -> io::Result<Staging> {
        Staging::create(&self.inner.tmp_dir)
    }

    /// Writes `meta.json` into the staging directory and moves it into place. `dataset.id` must be the
    /// staging id. On error the staging directory is removed (by its drop).
    pub async fn publish(
        &self,
        mut staging: Staging,
        dataset: Dataset,
    ) -> io::Result<Arc<Dataset>> {
        if dataset.id != staging.id().as_str() {
            return Err(io::Error::other(
                "dataset id does not match its staging directory",
            ));
        }
        let json = serde_json::to_vec_pretty(&dataset).map_err(io::Error::other)?;
        let from = staging.dir().to_path_buf();
        let to = self.inner.datasets_dir.join(staging.id().as_str());
        let parent = self.inner.datasets_dir.clone();
        tokio::task::spawn_blocking(move || -> io::Result<()> {
            // The source CSV has served its purpose; only the Parquet file is kept.
            match std::fs::remove_file(from.join(SOURCE_FILE)) {
                Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(e),
                _ => {}
            }
            // The engine's Parquet file must be on disk before the rename makes it visible.
            std::fs::File::open(from.join(PARQUET_FILE))?.sync_all()?;
            write_synced(&from.join(META_FILE), &json)?;
            sync_dir(&from)?;
            std::fs::rename(&from, &to)?;
            sync_dir(&parent)
        })
        .await
        .map_err(io::Error::other)??;
        staging.mark_published();
        let dataset = Arc::new(dataset);
        let id = staging.id().clone();
        self.write_index().insert(id, dataset.clone());
        Ok(dataset)
    }

    /// Removes a dataset. `Ok(false)` when there was no such dataset (or another request removed it first).
    pub async fn delete(&self, id: &DatasetId) -> io::Result<bool> {
        // Unlisted first, so no new query starts on it while its files go.
        let Some(removed) = self.write_index().remove(id) else {
            return Ok(false);
        };
        let from = self.inner.datasets_dir.join(id.as_str());
        let trash = self
            .inner
            .tmp_dir
            .join(format!("deleted-{id}-{}", DatasetId::generate()));
        let parent = self.inner.datasets_dir.clone();
        let moved = tokio::task::spawn_blocking(move || -> io::Result<Option<PathBuf>> {
            match std::fs::rename(&from, &trash) {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::NotFound => {
                    // Removed by hand (its directory), or tmp/ was: only the first leaves nothing to delete.
                    match std::fs::symlink_metadata(&from) {
                        Err(gone) if gone.kind() == io::ErrorKind::NotFound => return Ok(None),
                        _ => return Err(e),
                    }
                }
                Err(e) => return Err(e),
            }
            sync_dir(&parent)?;
            Ok(Some(trash))
        })
        .await
        .map_err(io::Error::other)?;
        let trash = match moved {
            Ok(Some(trash)) => trash,
            Ok(None) => {
                tracing::warn!(dataset = %id, "a deleted dataset's directory was already gone from DATA_DIR");
                return Ok(true);
            }
            Err(error) => {
                // Still on disk under its name: keep listing it.
                self.write_index().insert(id.clone(), removed);
                return Err(error);
            }
        };
        // Failing to free the space does not make the deletion fail: the entry is gone, and the next start
        // clears `tmp/`.
        let cleanup = tokio::task::spawn_blocking(move || std::fs::remove_dir_all(&trash)).await;
        if let Ok(Err(error)) | Err(error) = cleanup.map_err(io::Error::other) {
            tracing::warn!(%error, dataset = %id, "deleted dataset's files not removed yet");
        }
        Ok(true)
    }

    fn read_index(&self) -> std::sync::RwLockReadGuard<'_, HashMap<DatasetId, Arc<Dataset>>> {
        // A panic while holding the lock cannot leave the map half-updated (single inserts and removes).
        self.inner.index.read().unwrap_or_else(|e| e.into_inner())
    }

    fn write_index(&self) -> std::sync::RwLockWriteGuard<'_, HashMap<DatasetId, Arc<Dataset>>> {
        self.inner.index.write().unwrap_or_else(|e| e.into_inner())
    }
}

/// Removes everything inside `dir` (leftovers of interrupted uploads and deletions).
fn clear_dir(dir: &Path) -> io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        let removed = if path.is_dir() {
            std::fs::remove_dir_all(&path)
        } else {
            std::fs::remove_file(&path)
        };
        match removed {
            Ok(()) => {
                tracing::info!(path = %path.display(), "removed an unfinished upload or deletion")
            }
            Err(error) => {
                tracing::warn!(path = %path.display(), %error, "cannot remove a leftover")
            }
        }
    }
    Ok(())
}

/// Reads every `datasets/<id>/meta.json`; unreadable entries are skipped with a warning.
fn load_index(datasets_dir: &Path) -> io::Result<HashMap<DatasetId, Arc<Dataset>>> {
    let mut index = HashMap::new();
    for entry in std::fs::read_dir(datasets_dir)? {
        let path = entry?.path();
        match load_entry(&path) {
            Ok((id, dataset)) => {
                if let Some(why) = super::damage::damage(&path.join(PARQUET_FILE)) {
                    tracing::warn!(
                        path = %path.display(),
                        %why,
                        "a stored dataset is damaged: listed so it can be deleted; its previews and queries \
                         answer 409 dataset_damaged"
                    );
                }
                index.insert(id, Arc::new(dataset));
            }
            Err(problem) => tracing::warn!(
                path = %path.display(),
                problem,
                "skipping a stored dataset that cannot be read (left on disk untouched)"
            ),
        }
    }
    Ok(index)
}

fn load_entry(dir: &Path) -> Result<(DatasetId, Dataset), String> {
    let name = dir.file_name().and_then(|n| n.to_str()).unwrap_or_default();
    let id: DatasetId = name
        .parse()
        .map_err(|_| "the directory name is not a dataset id".to_owned())?;
    let meta = dir.join(META_FILE);
    let bytes = std::fs::read(&meta).map_err(|e| format!("cannot read {META_FILE}: {e}"))?;
    let dataset: Dataset =
        serde_json::from_slice(&bytes).map_err(|e| format!("{META_FILE} is not a dataset: {e}"))?;
    if dataset.id != id.as_str() {
        return Err(format!("{META_FILE} names another id (`{}`)", dataset.id));
    }
    if !dir.join(PARQUET_FILE).is_file() {
        return Err(format!("{PARQUET_FILE} is missing"));
    }
    Ok((id, dataset))
}

fn write_synced(path: &Path, bytes: &[u8]) -> io::Result<()> {
    use std::io::Write;
    let mut file = std::fs::File::create(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

/// Makes a rename or a new file in `dir` durable (directories can be fsync'd on Unix).
fn sync_dir(dir: &Path) -> io::Result<()> {
    #[cfg(unix)]
    std::fs::File::open(dir)?.sync_all()?;
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

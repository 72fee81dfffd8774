//! A cheap check that a stored dataset's Parquet file can still be what the engine wrote (its size and its
//! first and last bytes, never the whole file): at startup, to warn about damaged entries, and after a
//! preview or query fails, to tell a damaged dataset (409 `dataset_damaged`) from a failing query.

use std::{
    fs::File,
    io::{self, Read, Seek, SeekFrom},
    path::Path,
};

use super::{DatasetId, Store};
use crate::AppError;

/// Parquet's magic bytes, at both ends of every Parquet file.
const MAGIC: &[u8; 4] = b"PAR1";
/// The smallest Parquet file: the leading magic, the footer's length (4 bytes) and the trailing magic.
const MIN_LEN: u64 = 12;

/// Why the Parquet file at `path` cannot be read, or `None` when its ends look whole. Reads 12 bytes.
pub fn damage(path: &Path) -> Option<String> {
    match check(path) {
        Ok(verdict) => verdict,
        Err(e) if e.kind() == io::ErrorKind::NotFound => Some("its data file is missing".into()),
        Err(e) => Some(format!("its data file cannot be read ({e})")),
    }
}

fn check(path: &Path) -> io::Result<Option<String>> {
    let mut file = File::open(path)?;
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Ok(Some("its data file is not a regular file".into()));
    }
    let len = meta.len();
    if len < MIN_LEN {
        return Ok(Some(format!(
            "its data file is cut short ({len} bytes, too few for any Parquet file)"
        )));
    }
    let mut head = [0u8; 4];
    file.read_exact(&mut head)?;
    let mut tail = [0u8; 8];
    file.seek(SeekFrom::End(-8))?;
    file.read_exact(&mut tail)?;
    if &head != MAGIC || &tail[4..] != MAGIC {
        return Ok(Some(
            "its data file is not a whole Parquet file (cut short or overwritten)".into(),
        ));
    }
    let footer = u64::from(u32::from_le_bytes([tail[0], tail[1], tail[2], tail[3]]));
    if footer + MIN_LEN > len {
        return Ok(Some(format!(
            "its data file is cut short (its footer says {footer} bytes, more than the file holds)"
        )));
    }
    Ok(None)
}

impl Store {
    /// Why the stored data file of `id` cannot be read, or `None` when it looks whole (see [`damage`]).
    pub async fn damage(&self, id: &DatasetId) -> Option<String> {
        let path = self.parquet_path(id);
        tokio::task::spawn_blocking(move || damage(&path))
            .await
            .unwrap_or_else(|e| Some(format!("its data file could not be checked ({e})")))
    }

    /// The outcome of an engine job over dataset `id` (a preview, a query) as the client's answer: a failure
    /// is explained by [`Store::explain_failure`] (deleted meanwhile, or its data file damaged).
    pub async fn engine_outcome<T>(
        &self,
        id: &DatasetId,
        outcome: Result<T, engine::EngineError>,
    ) -> Result<T, AppError> {
        match outcome {
            Ok(value) => Ok(value),
            Err(error) => Err(self
                .explain_failure(id, crate::query::engine_error(error))
                .await),
        }
    }

    /// The answer to a preview or query of `id` that failed with `error`: 404 when the dataset was deleted
    /// meanwhile, 409 `dataset_damaged` when its data file is missing or damaged, else `error` itself.
    /// Checked only after a failure, so a working dataset pays nothing for it.
    pub async fn explain_failure(&self, id: &DatasetId, error: AppError) -> AppError {
        if self.get(id).is_none() {
            return AppError::DatasetNotFound(id.to_string());
        }
        match self.damage(id).await {
            Some(why) => {
                tracing::warn!(dataset = %id, %why, original = %error, "a stored dataset is damaged");
                AppError::DatasetDamaged {
                    id: id.to_string(),
                    why,
                }
            }
            None => error,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn written(bytes: &[u8]) -> (tempfile::TempDir, std::path::PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("data.parquet");
        std::fs::write(&path, bytes).unwrap();
        (dir, path)
    }

    /// A file shaped like Parquet: magic, a `footer`-byte footer announced by its length, magic.
    fn shaped(body: usize, footer: u32) -> Vec<u8> {
        let mut bytes = MAGIC.to_vec();
        bytes.resize(4 + body, 0);
        bytes.extend_from_slice(&footer.to_le_bytes());
        bytes.extend_from_slice(MAGIC);
        bytes
    }

    #[test]
    fn whole_ends_pass_and_every_kind_of_cut_is_named() {
        let (_dir, path) = written(&shaped(100, 60));
        assert_eq!(damage(&path), None);

        let (_dir, path) = written(b"");
        assert!(damage(&path).unwrap().contains("cut short (0 bytes"));
        let mut cut = shaped(100, 60);
        cut.truncate(50);
        let (_dir, path) = written(&cut);
        assert!(damage(&path).unwrap().contains("not a whole Parquet file"));
        let (_dir, path) = written(&shaped(10, 60));
        assert!(damage(&path).unwrap().contains("footer says 60 bytes"));
        let (dir, _) = written(b"");
        assert_eq!(
            damage(&dir.path().join("gone.parquet")).as_deref(),
            Some("its data file is missing")
        );
        assert!(damage(dir.path()).unwrap().contains("not a regular file"));
    }
}

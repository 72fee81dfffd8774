//! The audit trail: every analysis (question, model, code, verdict, outcome, timings, trace id, time) appended
//! as one JSON line to `DATA_DIR/audit/analyses.jsonl`, and read back by dataset or by trace id.
//!
//! Only an index (dataset, trace id, byte range) is kept in memory; records are read from the file on demand, so
//! a long history costs little memory. Each record is written with one `write` call as soon as the analysis ends,
//! so it survives the process stopping or crashing; `sync_data` runs in the background at most once a second,
//! because an fsync per request would cost more than the whole rest of the calculator's work.

use std::{
    fs::{File, OpenOptions},
    io::{BufRead, BufReader, Write},
    os::unix::fs::FileExt,
    path::{Path, PathBuf},
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, Ordering},
    },
    time::Duration,
};

use contracts::AnalysisRecord;

/// Where one record lives in the file.
#[derive(Debug, Clone)]
struct Entry {
    dataset_id: String,
    trace_id: String,
    offset: u64,
    len: usize,
}

#[derive(Debug)]
struct Inner {
    file: File,
    /// End of the last complete line: where the next record goes.
    end: u64,
    /// The file ends in part of a line that a failed write left and could not cut off.
    torn: bool,
    entries: Vec<Entry>,
}

/// An append-only, crash-tolerant log of analyses; cheap to clone.
#[derive(Debug, Clone)]
pub struct AuditLog {
    path: PathBuf,
    inner: Arc<Mutex<Inner>>,
    dirty: Arc<AtomicBool>,
}

impl AuditLog {
    /// Opens (or creates) the log under `data_dir`, indexing what it holds. A torn last line (a crash in the
    /// middle of a write) is cut off; a line that is not a record is skipped with a warning, never deleted.
    pub fn open(data_dir: &Path) -> std::io::Result<Self> {
        let dir = data_dir.join("audit");
        // Named, for the operator: a bare "Permission denied" at startup said nothing of where.
        fn named<'a>(
            what: &'a str,
            path: &'a Path,
        ) -> impl FnOnce(std::io::Error) -> std::io::Error + 'a {
            move |e| {
                std::io::Error::new(
                    e.kind(),
                    format!("cannot {what} {} (under DATA_DIR): {e}", path.display()),
                )
            }
        }
        std::fs::create_dir_all(&dir).map_err(named("create the directory", &dir))?;
        let path = dir.join("analyses.jsonl");
        let file = OpenOptions::new()
            .read(true)
            .append(true)
            .create(true)
            .open(&path)
            .map_err(named("open the analyses history", &path))?;
        let (entries, end) = index(&file)?;
        if end < file.metadata()?.len() {
            tracing::warn!(path = %path.display(), "audit log ended in a torn line; it is cut off");
            file.set_len(end)?;
        }
        Ok(Self {
            path,
            inner: Arc::new(Mutex::new(Inner {
                file,
                end,
                torn: false,
                entries,
            })),
            dirty: Arc::new(AtomicBool::new(false)),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends one record; the analysis is in the file when this returns.
    pub fn append(&self, record: &AnalysisRecord) -> std::io::Result<()> {
        let mut line = serde_json::to_vec(record)?;
        line.push(b'\n');
        let mut inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        if inner.torn {
            // A failed write could not be cut off: end its line, so this record starts one of its own.
            inner.file.write_all(b"\n")?;
            inner.end += 1;
            inner.torn = false;
        }
        if let Err(error) = inner.file.write_all(&line) {
            // Part of the line may be written (a full disk): cut it off, or every later record would be
            // indexed where it is not, and the next one glued to it. Failing that, index from the real end.
            let end = inner.end;
            if inner.file.set_len(end).is_err() {
                let real = inner.file.metadata().map_or(end, |m| m.len());
                inner.torn = real > end;
                inner.end = real;
            }
            return Err(error);
        }
        let offset = inner.end;
        inner.end += line.len() as u64;
        inner.entries.push(Entry {
            dataset_id: record.dataset_id.clone(),
            trace_id: record.trace_id.clone(),
            offset,
            len: line.len() - 1,
        });
        self.dirty.store(true, Ordering::Release);
        Ok(())
    }

    /// The dataset's analyses, newest first, at most `limit`.
    pub fn for_dataset(
        &self,
        dataset_id: &str,
        limit: usize,
    ) -> std::io::Result<Vec<AnalysisRecord>> {
        let inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        inner
            .entries
            .iter()
            .rev()
            .filter(|e| e.dataset_id == dataset_id)
            .take(limit)
            .map(|e| read(&inner.file, e))
            .collect()
    }

    /// The analysis with this trace id (the latest, should a client have reused an id).
    pub fn by_trace_id(&self, trace_id: &str) -> std::io::Result<Option<AnalysisRecord>> {
        let inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        inner
            .entries
            .iter()
            .rev()
            .find(|e| e.trace_id == trace_id)
            .map(|e| read(&inner.file, e))
            .transpose()
    }

    /// Flushes appended records to stable storage, once a second while there are any; runs until the process
    /// ends.
    pub fn spawn_syncer(&self) -> tokio::task::JoinHandle<()> {
        let log = self.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(1));
            loop {
                tick.tick().await;
                if log.dirty.swap(false, Ordering::AcqRel) {
                    let log = log.clone();
                    let synced = tokio::task::spawn_blocking(move || log.sync()).await;
                    if let Ok(Err(error)) = synced {
                        tracing::warn!(%error, "could not sync the audit log");
                    }
                }
            }
        })
    }

    /// Forces appended records to stable storage.
    pub fn sync(&self) -> std::io::Result<()> {
        let file = {
            let inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
            inner.file.try_clone()?
        };
        file.sync_data()
    }
}

fn read(file: &File, entry: &Entry) -> std::io::Result<AnalysisRecord> {
    let mut buffer = vec![0; entry.len];
    file.read_exact_at(&mut buffer, entry.offset)?;
    serde_json::from_slice(&buffer).map_err(std::io::Error::other)
}

/// Indexes every complete line; returns the entries and the end of the last complete line.
fn index(file: &File) -> std::io::Result<(Vec<Entry>, u64)> {
    #[derive(serde::Deserialize)]
    struct Keys {
        dataset_id: String,
        trace_id: String,
    }
    let mut reader = BufReader::new(file.try_clone()?);
    let (mut entries, mut offset, mut line) = (Vec::new(), 0u64, Vec::new());
    loop {
        line.clear();
        let read = reader.read_until(b'\n', &mut line)?;
        if read == 0 || line.last() != Some(&b'\n') {
            break;
        }
        match serde_json::from_slice::<Keys>(&line[..read - 1]) {
            Ok(keys) => entries.push(Entry {
                dataset_id: keys.dataset_id,
                trace_id: keys.trace_id,
                offset,
                len: read - 1,
            }),
            Err(error) => tracing::warn!(offset, %error, "skipping an unreadable audit line"),
        }
        offset += read as u64;
    }
    Ok((entries, offset))
}

#[cfg(test)]
mod tests {
    use super::*;
    use contracts::{Outcome, Timings};

    fn record(dataset: &str, trace: &str) -> AnalysisRecord {
        AnalysisRecord {
            trace_id: trace.into(),
            dataset_id: dataset.into(),
            question: format!("question of {trace}"),
            created_at: "2026-11-25T00:00:00Z".into(),
            outcome: Outcome::Answered,
            model: Some("m".into()),
            code: Some("SELECT 1".into()),
            generated_code: None,
            summary: None,
            validation: None,
            chart: None,
            row_count: Some(1),
            error: None,
            attempts: 1,
            timings: Timings::default(),
        }
    }

    #[test]
    fn records_come_back_newest_first_and_survive_reopening() {
        let dir = tempfile::tempdir().unwrap();
        let log = AuditLog::open(dir.path()).unwrap();
        for (d, t) in [("a", "t1"), ("b", "t2"), ("a", "t3")] {
            log.append(&record(d, t)).unwrap();
        }
        let traces = |records: Vec<AnalysisRecord>| -> Vec<String> {
            records.into_iter().map(|r| r.trace_id).collect()
        };
        assert_eq!(traces(log.for_dataset("a", 10).unwrap()), ["t3", "t1"]);
        assert_eq!(traces(log.for_dataset("a", 1).unwrap()), ["t3"]);
        drop(log);
        let log = AuditLog::open(dir.path()).unwrap();
        assert_eq!(traces(log.for_dataset("a", 10).unwrap()), ["t3", "t1"]);
        assert_eq!(log.by_trace_id("t2").unwrap(), Some(record("b", "t2")));
        assert_eq!(log.by_trace_id("nope").unwrap(), None);
    }

    #[test]
    fn a_torn_last_line_is_cut_and_bad_lines_are_skipped() {
        let dir = tempfile::tempdir().unwrap();
        let log = AuditLog::open(dir.path()).unwrap();
        log.append(&record("a", "t1")).unwrap();
        let path = log.path().to_owned();
        drop(log);
        let mut file = OpenOptions::new().append(true).open(&path).unwrap();
        file.write_all(b"not json\n{\"trace_id\":\"t9\",\"data")
            .unwrap();
        drop(file);
        let log = AuditLog::open(dir.path()).unwrap();
        log.append(&record("a", "t2")).unwrap();
        let records = log.for_dataset("a", 10).unwrap();
        assert_eq!(records.len(), 2);
        assert_eq!(records[0].trace_id, "t2");
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains("not json"), "unreadable lines are kept");
        assert!(!text.contains("t9"), "the torn line is gone");
    }
}

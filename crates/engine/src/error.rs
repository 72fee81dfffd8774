//! What can go wrong in the engine, in words a person can act on (never paths, backtraces or internals).

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::config::ByteSize;

/// Every failure of an ingest, query or preview. All but `Internal` are the caller's input being unusable
/// (a 4xx); `Internal` is our fault (a 500 whose message is for the logs only).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
pub enum EngineError {
    /// The job ran past its wall-clock limit and its worker was stopped.
    #[error(
        "the query was stopped after {} s, its time limit; filter or aggregate more so it finishes sooner",
        limit.as_secs_f64()
    )]
    Timeout { limit: Duration },
    /// Every worker stayed busy for the job's whole time limit, so it never started.
    #[error(
        "every engine worker was busy for {} s, the time limit, so the job did not start; try again \
         shortly (QUERY_WORKERS sets how many jobs run at once)",
        limit.as_secs_f64()
    )]
    Busy { limit: Duration },
    /// A stored dataset's file could not be read (damaged or truncated on disk): ours, not the client's.
    #[error("the stored dataset could not be read: {0}")]
    Unreadable(String),
    /// The job needed more memory than a worker may use, and its worker was stopped.
    #[error(
        "the query needed more memory than the {} it may use and was stopped; filter earlier, \
         aggregate, or avoid joins that multiply rows",
        ByteSize(*limit_bytes)
    )]
    TooLarge { limit_bytes: u64 },
    /// The query is valid SQL but failed while running (unknown function for these types, bad cast, ...).
    #[error("{0}")]
    Query(String),
    /// The CSV could not be read: ragged rows, unbalanced quotes, a value that breaks its column's type.
    #[error("{}", csv_message(message, *line))]
    Csv { message: String, line: Option<u64> },
    /// The bytes are not text in an encoding we read.
    #[error("{0}")]
    Encoding(String),
    /// The file has more columns than an ingest takes (told from its header, before anything costly).
    #[error(
        "the file has {}{columns} columns, more than the {limit} a dataset may have; keep the columns you \
         need (or split the file by columns) and upload again",
        if *at_least { "at least " } else { "" }
    )]
    TooManyColumns {
        columns: usize,
        limit: usize,
        /// The header runs past what was read of it: it has more columns still.
        at_least: bool,
    },
    /// Nothing to read: the file is empty (or holds only a byte-order mark or blank lines).
    #[error("the file is empty; upload a CSV with a header row and at least one column")]
    EmptyFile,
    /// The job's worker process was stopped from outside (another process's signal) or crashed, not for its
    /// memory: the job may well succeed on the fresh worker the pool starts for the next one.
    #[error("the worker process running the job stopped ({cause}) before it finished; try again")]
    WorkerDied { cause: String },
    /// A fault in the engine itself; the message is for the logs, not for clients.
    #[error("engine failure: {0}")]
    Internal(String),
}

fn csv_message(message: &str, line: Option<u64>) -> String {
    match line {
        Some(line) => format!("line {line}: {message}"),
        None => message.to_owned(),
    }
}

/// Whether a message (a panic's, a polars error's, a dying worker's last words) says memory ran out: under the
/// worker's address-space limit an allocation fails, and says so in one of these ways.
pub(crate) fn says_out_of_memory(text: &str) -> bool {
    [
        "memory allocation of",
        "capacity overflow",
        "out of memory",
        "Cannot allocate memory",
        // A thread's stack cannot be mapped either.
        "failed to spawn thread",
    ]
    .iter()
    .any(|sign| text.contains(sign))
}

impl EngineError {
    /// The same failure, as [`EngineError::TooLarge`] when its words say memory ran out under `limit`.
    pub(crate) fn or_too_large(self, limit: Option<u64>) -> Self {
        match (limit, &self) {
            (Some(limit_bytes), Self::Csv { .. } | Self::Query(_) | Self::Internal(_))
                if says_out_of_memory(&self.to_string()) =>
            {
                Self::TooLarge { limit_bytes }
            }
            _ => self,
        }
    }

    /// True for failures caused by the request (a 4xx); false for our own faults.
    pub fn is_client_error(&self) -> bool {
        !matches!(
            self,
            EngineError::Internal(_)
                | EngineError::Busy { .. }
                | EngineError::Unreadable(_)
                | EngineError::WorkerDied { .. }
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_the_limit_and_the_line() {
        let timeout = EngineError::Timeout {
            limit: Duration::from_secs(30),
        };
        assert!(timeout.to_string().contains("30 s"), "{timeout}");
        let large = EngineError::TooLarge {
            limit_bytes: 512 << 20,
        };
        assert!(large.to_string().contains("512 MiB"), "{large}");
        let csv = EngineError::Csv {
            message: "expected 3 fields, found 4".into(),
            line: Some(7),
        };
        assert_eq!(csv.to_string(), "line 7: expected 3 fields, found 4");
        assert!(!EngineError::Internal("x".into()).is_client_error());
        assert!(EngineError::EmptyFile.is_client_error());
        let failed = EngineError::Csv {
            message:
                "the file could not be read as CSV: reading the dataset failed (out of memory)"
                    .into(),
            line: None,
        };
        assert_eq!(
            failed.clone().or_too_large(Some(7)),
            EngineError::TooLarge { limit_bytes: 7 }
        );
        assert_eq!(failed.clone().or_too_large(None), failed);
        let query = EngineError::Query("unknown function".into());
        assert_eq!(query.clone().or_too_large(Some(7)), query);
    }
}

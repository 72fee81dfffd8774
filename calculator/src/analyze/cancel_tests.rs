//! The guard's records where no server can place them on cue: a task that panics, and one aborted before its
//! first poll.

use std::{sync::Arc, time::Duration};

use contracts::{AnalysisRecord, Dataset, Outcome};
use serde_json::json;

use super::{Unfinished, cancellable};
use crate::{AppState, Config, analyze::Analysis, analyze::Listener};

const DATASET: &str = "0123456789abcdef0123456789abcdef";

/// An analysis of a dataset that is never read: nothing here gets as far as the engine or the sidecar.
fn analysis(state: &AppState, trace_id: &str) -> Analysis {
    let dataset: Dataset = serde_json::from_value(json!({
        "id": DATASET, "name": "sales", "table_name": "sales", "row_count": 2, "columns": [],
        "source_bytes": 1, "stored_bytes": 1, "created_at": "2026-11-28T00:00:00Z", "content_hash": "00",
        "encoding": "utf-8", "delimiter": ",",
    }))
    .unwrap();
    Analysis {
        state: state.clone(),
        dataset: Arc::new(dataset),
        question: "total?".to_owned(),
        trace_id: trace_id.to_owned(),
        listener: Listener::default(),
    }
}

fn records(state: &AppState, trace_id: &str) -> Vec<AnalysisRecord> {
    let all = state.analyses.audit.for_dataset(DATASET, 500).unwrap();
    all.into_iter().filter(|r| r.trace_id == trace_id).collect()
}

#[tokio::test]
async fn a_panicking_analysis_is_recorded_once_as_failed_without_its_internals() {
    let state = AppState::new(Config::for_tests());
    let unfinished = Unfinished::new(analysis(&state, "panics"));
    // As a panic inside `answer()` does: it unwinds through the task's future, the guard in it.
    let task = tokio::spawn(async move {
        let _unfinished = unfinished;
        tokio::task::yield_now().await;
        panic!("secret internals");
    });
    assert!(task.await.unwrap_err().is_panic());
    let records = records(&state, "panics");
    assert_eq!(records.len(), 1, "{records:?}");
    let record = &records[0];
    assert_eq!(record.outcome, Outcome::Failed, "{record:?}");
    let error = &record.error.as_ref().expect("an error body").error;
    assert_eq!(error.code, "internal_error", "{record:?}");
    assert!(!error.message.contains("secret"), "{record:?}");
    assert!(!error.message.contains("panic"), "{record:?}");
}

#[tokio::test]
async fn an_analysis_aborted_before_its_first_poll_is_recorded_as_cancelled() {
    let state = AppState::new(Config::for_tests());
    // The client went away before the task ever ran: on this one-thread runtime, nothing polls it in between.
    drop(cancellable(analysis(&state, "never-polled")));
    let mut waited = Duration::ZERO;
    while records(&state, "never-polled").is_empty() {
        assert!(waited < Duration::from_secs(5), "no audit record");
        tokio::time::sleep(Duration::from_millis(10)).await;
        waited += Duration::from_millis(10);
    }
    let records = records(&state, "never-polled");
    assert_eq!(records.len(), 1, "{records:?}");
    assert_eq!(records[0].outcome, Outcome::Cancelled, "{records:?}");
    assert!(records[0].error.is_none(), "{records:?}");
}

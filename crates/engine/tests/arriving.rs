//! Reading an upload as it arrives (`Engine::ingest_arriving`): the same table, statistics and errors as
//! reading the complete file; no `INGEST_TIMEOUT` for a slow client; a worker always left for queries; an
//! abandoned upload stops its worker.

mod common;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use common::*;
use engine::{Engine, EngineError, IngestJob, IngestReport};
use testkit::opened_by_another_process;

fn job(dir: &Path) -> IngestJob {
    IngestJob {
        csv_path: dir.join("source.csv"),
        parquet_path: dir.join("data.parquet"),
        date_order: Default::default(),
        month_names: Default::default(),
    }
}

/// Writes `bytes` to `path` in chunks of `chunk` bytes, `pause` apart, as an upload arrives.
fn arrive(
    path: PathBuf,
    bytes: Vec<u8>,
    chunk: usize,
    pause: Duration,
) -> std::thread::JoinHandle<u64> {
    std::thread::spawn(move || {
        let mut file = std::fs::File::create(&path).unwrap();
        for part in bytes.chunks(chunk) {
            std::thread::sleep(pause);
            file.write_all(part).unwrap();
        }
        bytes.len() as u64
    })
}

/// The outcome of reading `bytes` as it arrives, and the stored file.
async fn ingest_arriving(
    engine: &Engine,
    bytes: &[u8],
    chunk: usize,
    pause: Duration,
) -> (
    tempfile::TempDir,
    Result<IngestReport, EngineError>,
    Option<Vec<u8>>,
) {
    let dir = tempfile::tempdir().unwrap();
    let job = job(dir.path());
    // Started before the file exists, as the calculator may.
    let arriving = engine
        .ingest_arriving(job.clone())
        .await
        .expect("a spare worker");
    let writer = arrive(job.csv_path.clone(), bytes.to_vec(), chunk, pause);
    let written = tokio::task::spawn_blocking(move || writer.join().unwrap())
        .await
        .unwrap();
    let report = arriving.complete(written).await;
    let stored = std::fs::read(&job.parquet_path).ok();
    (dir, report, stored)
}

/// The outcome of reading the complete file, and the stored file.
async fn ingest_complete(
    engine: &Engine,
    bytes: &[u8],
) -> (Result<IngestReport, EngineError>, Option<Vec<u8>>) {
    let dir = tempfile::tempdir().unwrap();
    let job = job(dir.path());
    std::fs::write(&job.csv_path, bytes).unwrap();
    let report = engine.ingest(job.clone()).await;
    (report, std::fs::read(&job.parquet_path).ok())
}

/// A few megabytes of mixed columns: quoted text with delimiters and newlines, null tokens, numbers, dates.
fn mixed_csv(rows: usize) -> Vec<u8> {
    let mut out = String::from("city,amount,ratio,day,note\n");
    for i in 0..rows {
        let note = match i % 5 {
            0 => "\"a, quoted\nnote\"".to_owned(),
            1 => "NULL".to_owned(),
            _ => format!("note {}", i % 97),
        };
        out.push_str(&format!(
            "c{},{},{}.{},2024-{:02}-{:02},{}\n",
            i % 13,
            i * 7,
            i % 1000,
            i % 10,
            1 + i % 12,
            1 + i % 28,
            note
        ));
    }
    out.into_bytes()
}

#[tokio::test]
async fn an_upload_read_as_it_arrives_stores_what_the_complete_file_stores() {
    let engine = engine();
    // Over 1 MiB, so the schema is inferred from a copy of the start while the rest is still arriving.
    let bytes = mixed_csv(60_000);
    assert!(bytes.len() > 2 << 20);
    // Over about half a second: the conversion catches up with the upload and waits for its bytes.
    let (_dir, arriving, stored) =
        ingest_arriving(&engine, &bytes, 50_003, Duration::from_millis(8)).await;
    let (complete, expected) = ingest_complete(&engine, &bytes).await;
    let arriving = arriving.expect("read as it arrived");
    assert_eq!(arriving, complete.unwrap());
    assert_eq!(arriving.row_count, 60_000);
    assert_eq!(arriving.columns[4].null_count, 12_000);
    assert!(
        stored.is_some() && stored == expected,
        "the same Parquet bytes"
    );
}

#[tokio::test]
async fn every_corpus_csv_reads_the_same_arriving_or_complete() {
    let dir = corpora().join("csv");
    if !dir.is_dir() {
        println!("skipped: corpus absent ({})", dir.display());
        return;
    }
    let engine = engine();
    let mut files: Vec<PathBuf> = Vec::new();
    for sub in std::fs::read_dir(&dir).unwrap() {
        let sub = sub.unwrap().path();
        let inner = if sub.join("csvs").is_dir() {
            sub.join("csvs")
        } else {
            sub
        };
        for file in std::fs::read_dir(inner).unwrap() {
            let file = file.unwrap().path();
            if file.extension().is_some_and(|e| e == "csv") {
                files.push(file);
            }
        }
    }
    files.sort();
    assert!(files.len() > 20, "{files:?}");
    for file in &files {
        let bytes = std::fs::read(file).unwrap();
        let chunk = (bytes.len() / 3).max(1);
        let (_dir, arriving, stored) =
            ingest_arriving(&engine, &bytes, chunk, Duration::from_millis(2)).await;
        let (complete, expected) = ingest_complete(&engine, &bytes).await;
        let name = file.display();
        match (arriving, complete) {
            (Ok(a), Ok(c)) => {
                assert_eq!(a, c, "{name}");
                assert_eq!(stored, expected, "{name}: the stored bytes");
            }
            (Err(a), Err(c)) => assert_eq!(a.to_string(), c.to_string(), "{name}"),
            (a, c) => panic!("{name}: arriving {a:?}, complete {c:?}"),
        }
    }
}

#[tokio::test]
async fn a_slow_upload_is_timed_from_its_last_byte() {
    let mut config = config();
    config.ingest_timeout = Duration::from_secs(2);
    let engine = Engine::new(config);
    let bytes = mixed_csv(2_000);
    // Arrives over about four seconds, twice the ingest limit.
    let chunk = bytes.len() / 10 + 1;
    let (_dir, report, _) =
        ingest_arriving(&engine, &bytes, chunk, Duration::from_millis(400)).await;
    assert_eq!(report.expect("not timed out").row_count, 2_000);
}

#[tokio::test]
async fn an_upload_never_takes_the_last_free_worker() {
    let dir = tempfile::tempdir().unwrap();
    let mut one = config();
    one.workers = 1;
    assert!(
        Engine::new(one)
            .ingest_arriving(job(dir.path()))
            .await
            .is_none()
    );

    let engine = engine();
    let first = engine.ingest_arriving(job(dir.path())).await;
    assert!(first.is_some());
    let other = tempfile::tempdir().unwrap();
    assert!(
        engine.ingest_arriving(job(other.path())).await.is_none(),
        "the second worker stays free for queries"
    );
    first.unwrap().abandon().await;
    assert!(
        engine.ingest_arriving(job(other.path())).await.is_some(),
        "freed by abandoning"
    );
}

#[tokio::test]
async fn an_abandoned_upload_stops_its_worker_and_the_engine_goes_on() {
    let engine = engine();
    let dir = tempfile::tempdir().unwrap();
    let job = job(dir.path());
    let arriving = engine.ingest_arriving(job.clone()).await.unwrap();
    std::fs::write(&job.csv_path, &mixed_csv(1_000)[..5_000]).unwrap();
    // The worker has the upload open, waiting for the rest of it ...
    let csv = job.csv_path.canonicalize().unwrap();
    let started = tokio::time::Instant::now();
    while !opened_by_another_process(&csv) {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "no worker opened the upload"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    // ... and once abandoned it has exited: nothing holds the file any more.
    arriving.abandon().await;
    assert!(!opened_by_another_process(&csv), "the worker still runs");
    let (report, _) = ingest_complete(&engine, &mixed_csv(10)).await;
    assert_eq!(report.unwrap().row_count, 10);
}

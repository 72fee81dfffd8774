//! Runaway queries: memory blow-ups and long runs stop with TooLarge / Timeout, and the pool recovers.

mod common;

use std::time::{Duration, Instant};

use common::*;
use engine::{Engine, EngineError};

/// A 1,000,000-row dataset (`id`, `x`) in a temporary directory.
async fn million_rows(
    engine: &Engine,
) -> (tempfile::TempDir, std::path::PathBuf, sqlguard::Catalog) {
    let mut text = String::from("id,x\n");
    for i in 0..1_000_000u32 {
        text.push_str(&format!("{i},{}\n", i % 7));
    }
    let (dir, path) = csv_file("big.csv", text.as_bytes());
    let (report, parquet) = ingest(engine, &path).await;
    let report = report.expect("ingest 1M rows");
    assert_eq!(report.row_count, 1_000_000);
    let catalog = catalog(&report, &["big"]);
    (dir, parquet, catalog)
}

/// A self join that sqlguard accepts (its ON condition names a column) but that pairs each of the
/// 1,000,000 rows with 4,000 others: 4·10^9 rows (just under polars' 2^32-row cap on joins).
const CROSS: &str = "SELECT a.id, b.x FROM data a JOIN data b ON b.id < 4000";

/// Heavy on CPU, light on memory: forty passes building and counting a million strings.
fn slow_query() -> String {
    (0..40)
        .map(|i| format!("SELECT count(DISTINCT concat(id, '-', x, '-{i}')) AS n FROM data"))
        .collect::<Vec<_>>()
        .join(" UNION ALL ")
}

#[tokio::test]
async fn a_self_cross_join_is_stopped_and_the_pool_keeps_answering() {
    let mut config = config();
    config.memory_limit_bytes = 512 << 20;
    config.query_timeout = Duration::from_secs(20);
    config.workers = 1;
    let engine = Engine::new(config);
    let (_dir, parquet, catalog) = million_rows(&engine).await;
    let started = Instant::now();
    match query(&engine, &parquet, &catalog, CROSS).await {
        Err(EngineError::TooLarge { limit_bytes }) => assert_eq!(limit_bytes, 512 << 20),
        Err(EngineError::Timeout { .. }) => {}
        other => panic!("expected TooLarge or Timeout, got {other:?}"),
    }
    println!("cross join stopped after {:?}", started.elapsed());
    // The same (only) worker slot answers the next query.
    let ok = query(
        &engine,
        &parquet,
        &catalog,
        "SELECT count(*) AS n FROM data WHERE x = 3",
    )
    .await
    .expect("the engine answers after a runaway query");
    assert_eq!(ok.table.rows, vec![vec![serde_json::json!(142_857)]]);
}

#[tokio::test]
async fn a_long_query_times_out_and_the_pool_recovers() {
    let mut config = config();
    config.query_timeout = Duration::from_millis(1000);
    config.workers = 1;
    let engine = Engine::new(config);
    let (_dir, parquet, catalog) = million_rows(&engine).await;
    let started = Instant::now();
    let result = query(&engine, &parquet, &catalog, &slow_query()).await;
    let took = started.elapsed();
    assert!(
        matches!(result, Err(EngineError::Timeout { limit }) if limit == Duration::from_millis(1000)),
        "{result:?}"
    );
    assert!(
        took < Duration::from_secs(5),
        "the timeout fired after {took:?}"
    );
    let ok = query(&engine, &parquet, &catalog, "SELECT max(id) AS m FROM data")
        .await
        .expect("the engine answers after a timeout");
    assert_eq!(ok.table.rows, vec![vec![serde_json::json!(999_999)]]);
}

/// A worker whose parent dies mid-job (a calculator killed with `kill -9`) exits, rather than running its
/// job on under init with no time limit left.
#[test]
fn a_worker_exits_when_its_parent_dies() {
    use std::process::{Command, Stdio};
    // A shell starts the worker on the shell's stdin, a pipe this test holds open (so only the parent's death
    // can end it), prints its pid, and waits; the shell is then killed.
    let worker = env!("CARGO_BIN_EXE_engine-worker");
    let mut shell = Command::new("sh")
        .arg("-c")
        .arg(format!(
            "export CSV_ASK_ENGINE_PARENT=$$; exec 3<&0; '{worker}' <&3 3<&- & echo $!; wait"
        ))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("sh runs");
    let _open_stdin = shell.stdin.take();
    let mut line = String::new();
    std::io::BufRead::read_line(
        &mut std::io::BufReader::new(shell.stdout.take().unwrap()),
        &mut line,
    )
    .unwrap();
    let pid: u32 = line.trim().parse().expect("the worker's pid");
    let alive = || {
        std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|stat| {
            !stat
                .rsplit(')')
                .next()
                .unwrap_or("")
                .trim_start()
                .starts_with('Z')
        })
    };
    assert!(alive(), "the worker started");
    shell.kill().unwrap();
    shell.wait().unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    while alive() && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    assert!(!alive(), "the worker outlived its parent");
}

/// A query that never got a worker (every one busy for its whole time limit) is `Busy`, not `Timeout`: it
/// did not run, so "filter or aggregate more" would be the wrong advice.
#[tokio::test]
async fn a_query_waiting_for_a_worker_past_its_limit_is_busy() {
    let mut config = config();
    config.workers = 1;
    config.query_timeout = Duration::from_millis(300);
    let engine = Engine::new(config);
    let (_small_dir, small) = csv_file("small.csv", b"id\n1\n");
    let (report, parquet) = ingest(&engine, &small).await;
    let catalog = catalog(&report.expect("ingest"), &[]);
    // The only worker converts a 2,000,000-row file (ingests have their own, longer limit).
    let mut text = String::from("id,x,s\n");
    for i in 0..2_000_000u32 {
        text.push_str(&format!("{i},{},row-{i}\n", i % 7));
    }
    let (_big_dir, big) = csv_file("big.csv", text.as_bytes());
    let converting = {
        let engine = engine.clone();
        tokio::spawn(async move { ingest(&engine, &big).await.0 })
    };
    tokio::time::sleep(Duration::from_millis(100)).await;
    let waited = query(&engine, &parquet, &catalog, "SELECT id FROM data").await;
    assert!(
        converting.is_finished() || matches!(waited, Err(EngineError::Busy { .. })),
        "{waited:?}"
    );
    converting.await.unwrap().expect("the ingest finished");
}

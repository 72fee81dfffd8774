//! Shared helpers: an engine whose workers are the `engine-worker` binary, and temporary CSV files.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::time::Duration;

use engine::{Engine, EngineConfig, IngestJob, IngestReport, QueryJob, QueryOutput};
use sqlguard::{Catalog, Column, Table, ValidatedQuery};

pub fn config() -> EngineConfig {
    let mut config = EngineConfig::new(env!("CARGO_BIN_EXE_engine-worker"), Vec::new());
    config.memory_limit_bytes = 2 << 30;
    config.query_timeout = Duration::from_secs(20);
    config.ingest_timeout = Duration::from_secs(60);
    config
}

pub fn engine() -> Engine {
    Engine::new(config())
}

/// The shared corpora directory (`../shared/corpora` beside the repository).
pub fn corpora() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpora")
}

/// A temporary directory holding `name` with `bytes`; returns the directory guard and the file path.
pub fn csv_file(name: &str, bytes: &[u8]) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join(name);
    std::fs::write(&path, bytes).expect("write csv");
    (dir, path)
}

/// Ingest `csv` into `<its dir>/data.parquet`.
pub async fn ingest(
    engine: &Engine,
    csv: &Path,
) -> (Result<IngestReport, engine::EngineError>, PathBuf) {
    ingest_with(engine, csv, Default::default()).await
}

/// Ingest `csv` as [`ingest`] does, with dates written with month names read as `month_names` says.
pub async fn ingest_with(
    engine: &Engine,
    csv: &Path,
    month_names: contracts::MonthNames,
) -> (Result<IngestReport, engine::EngineError>, PathBuf) {
    let parquet = csv.with_file_name("data.parquet");
    let job = IngestJob {
        csv_path: csv.to_path_buf(),
        parquet_path: parquet.clone(),
        date_order: Default::default(),
        month_names,
    };
    (engine.ingest(job).await, parquet)
}

/// `text` uploaded through a fresh engine: the report (or the error) and every stored row (up to 5,000).
pub async fn upload(
    text: &str,
) -> (
    Result<IngestReport, engine::EngineError>,
    Vec<Vec<serde_json::Value>>,
) {
    upload_with(text, Default::default()).await
}

/// [`upload`] with dates written with month names read as `month_names` says.
pub async fn upload_with(
    text: &str,
    month_names: contracts::MonthNames,
) -> (
    Result<IngestReport, engine::EngineError>,
    Vec<Vec<serde_json::Value>>,
) {
    let engine = engine();
    let (_dir, path) = csv_file("t.csv", text.as_bytes());
    let (report, parquet) = ingest_with(&engine, &path, month_names).await;
    let rows = match &report {
        Ok(_) => engine.preview(parquet, 5_000).await.unwrap().table.rows,
        Err(_) => Vec::new(),
    };
    (report, rows)
}

/// The catalog sqlguard needs for a dataset ingested as `report`, registered as `data` (and `aliases`).
/// The stored table as the calculator describes it to the validator: its columns, and which hold no NULL.
pub fn catalog(report: &IngestReport, aliases: &[&str]) -> Catalog {
    let columns = report
        .columns
        .iter()
        .map(|c| {
            let column = Column::new(&c.name, &c.dtype);
            if c.null_count == 0 {
                column.without_nulls()
            } else {
                column
            }
        })
        .collect();
    let aliases = aliases.iter().map(|a| (*a).to_string()).collect();
    Catalog::new(vec![Table::new("data", aliases, columns)])
}

pub async fn query(
    engine: &Engine,
    parquet: &Path,
    catalog: &Catalog,
    sql: &str,
) -> Result<QueryOutput, engine::EngineError> {
    let query = ValidatedQuery::parse(sql, catalog)
        .unwrap_or_else(|issues| panic!("sqlguard rejected `{sql}`: {issues:#?}"));
    engine
        .query(QueryJob {
            parquet_path: parquet.to_path_buf(),
            query,
            limit: 10_000,
        })
        .await
}

/// The staff table several SQL tests ask: NULL bonuses, dates and datetimes.
pub const STAFF: &[u8] = b"id,name,dept,salary,bonus,hired,ts
1,Ada,HR,50000,100,2020-02-12,2024-01-01 10:30:00
2,Bob,HR,60000,,2021-03-01,2024-01-01 23:59:00
3,Cy,IT,90000,300,2019-12-31,2024-01-02 00:00:00
4,Di,IT,70000,,2022-07-04,2024-01-02 08:15:00
5,Ed,IT,80000,500,2018-05-20,2024-01-03 12:00:00
6,Flo,Ops,40000,,2023-11-11,2024-01-04 06:45:00
";

/// Runs each query through a real worker and panics listing every one whose rows differ from its expected
/// rows (or that failed), and every one whose normalised SQL changes when validated again (the calculator
/// validates the sidecar's normalised SQL a second time).
pub async fn expect_rows(
    engine: &Engine,
    parquet: &Path,
    catalog: &Catalog,
    cases: &[(&str, serde_json::Value)],
) {
    let mut wrong = Vec::new();
    for (sql, expected) in cases {
        match query(engine, parquet, catalog, sql).await {
            Ok(out) => {
                let rows = serde_json::json!(out.table.rows);
                if rows != *expected {
                    wrong.push(format!("{sql}\n  got {rows}, expected {expected}"));
                }
            }
            Err(e) => wrong.push(format!("{sql}\n  failed: {e}")),
        }
        let once = ValidatedQuery::parse(sql, catalog).unwrap();
        match ValidatedQuery::parse(once.sql(), catalog) {
            Ok(twice) if twice.sql() == once.sql() => {}
            Ok(twice) => wrong.push(format!(
                "{sql}\n  normalises to {}, then {}",
                once.sql(),
                twice.sql()
            )),
            Err(issues) => wrong.push(format!("{sql}\n  normalised SQL rejected: {issues:?}")),
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

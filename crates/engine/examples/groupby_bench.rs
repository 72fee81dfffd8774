//! The issue-3 benchmark at the engine level: ingest and the ten db-benchmark groupby questions through
//! `Engine` (worker processes, isolation overhead included) against polars run in-process, in one run.
//!
//! ```sh
//! cargo run --release -p engine --example groupby_gen -- /tmp/G1_1e7_1e2.csv
//! cargo run --release -p engine --example groupby_bench -- /tmp/G1_1e7_1e2.csv
//! ```
//! Every measurement runs in its own process (this binary re-executed), so peak RSS figures are not mixed:
//! the reference modes are plain polars; the engine modes are this process as the "calculator" plus its
//! worker (this binary in worker mode, exactly as the calculator re-executes itself).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use engine::{Engine, EngineConfig, IngestJob, QueryJob};
use polars::prelude::*;
use polars::sql::SQLContext;
use serde_json::{Value, json};

fn main() {
    engine::run_worker_if_requested();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("reference-read") => reference_read(Path::new(&args[1])),
        Some("reference-read-eager") => reference_read_eager(Path::new(&args[1])),
        Some("reference-queries") => reference_queries(
            Path::new(&args[1]),
            Path::new(&args[2]),
            args.get(3).is_some_and(|m| m == "scan"),
        ),
        Some("engine-ingest") => block_on(engine_ingest(Path::new(&args[1]), Path::new(&args[2]))),
        Some("engine-queries") => block_on(engine_queries(
            Path::new(&args[1]),
            Path::new(&args[2]),
            &args[3],
        )),
        Some(csv) => orchestrate(Path::new(csv), args.get(1).map(PathBuf::from)),
        None => Err("usage: groupby_bench <groupby.csv> [questions.sql]".into()),
    };
    match result {
        Ok(out) => println!("{out}"),
        Err(e) => {
            eprintln!("groupby_bench: {e}");
            std::process::exit(1);
        }
    }
}

type Outcome = Result<Value, String>;

fn block_on(f: impl std::future::Future<Output = Outcome>) -> Outcome {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?
        .block_on(f)
}

fn secs(d: Duration) -> f64 {
    (d.as_secs_f64() * 1000.0).round() / 1000.0
}

/// Peak resident set size of a process, in MB (`VmHWM`).
fn peak_rss_mb(pid: &str) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let kb: f64 = status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        .unwrap_or(0.0);
    (kb / 1024.0).round()
}

fn questions(path: &Path) -> Result<Vec<String>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let body: String = text
        .lines()
        .filter(|l| !l.trim_start().starts_with("--"))
        .collect::<Vec<_>>()
        .join("\n");
    Ok(body
        .split(';')
        .map(str::trim)
        .filter(|q| !q.is_empty())
        .map(str::to_owned)
        .collect())
}

/// Reference ingest: polars' own lazy CSV read of the whole file into a DataFrame, in this process.
fn reference_read(csv: &Path) -> Outcome {
    let started = Instant::now();
    let df = LazyCsvReader::new(PlRefPath::new(csv.to_str().unwrap_or_default()))
        .with_try_parse_dates(true)
        .finish()
        .and_then(LazyFrame::collect)
        .map_err(|e| e.to_string())?;
    let took = started.elapsed();
    Ok(json!({"seconds": secs(took), "rows": df.height(), "peak_rss_mb": peak_rss_mb("self")}))
}

/// polars' eager `CsvReader` on the same file, for comparison with the lazy reader [`reference_read`] uses.
fn reference_read_eager(csv: &Path) -> Outcome {
    let started = Instant::now();
    let df = CsvReadOptions::default()
        .with_parse_options(CsvParseOptions::default().with_try_parse_dates(true))
        .try_into_reader_with_file_path(Some(csv.to_path_buf()))
        .and_then(|reader| reader.finish())
        .map_err(|e| e.to_string())?;
    let took = started.elapsed();
    Ok(json!({"seconds": secs(took), "rows": df.height(), "peak_rss_mb": peak_rss_mb("self")}))
}

/// Reference queries: the Parquet file read into memory once (or, with `scan`, scanned by each query),
/// then each question run twice.
fn reference_queries(parquet: &Path, sql: &Path, scan: bool) -> Outcome {
    let started = Instant::now();
    let args = ScanArgsParquet::default();
    let lazy = LazyFrame::scan_parquet(PlRefPath::new(parquet.to_str().unwrap_or_default()), args)
        .map_err(|e| e.to_string())?;
    let frame = if scan {
        lazy
    } else {
        lazy.collect().map_err(|e| e.to_string())?.lazy()
    };
    let load = started.elapsed();
    let mut runs = Vec::new();
    for _ in 0..2 {
        let mut times = Vec::new();
        for q in questions(sql)? {
            let started = Instant::now();
            let mut context = SQLContext::new();
            context.register("x", frame.clone());
            // The SQL the calculator actually ran reads `data AS x` (see bench/groupby.sh).
            context.register("data", frame.clone());
            let out = context
                .execute(&q)
                .and_then(LazyFrame::collect)
                .map_err(|e| format!("{q}: {e}"))?;
            times.push((secs(started.elapsed()), out.height()));
        }
        runs.push(times);
    }
    let totals: Vec<f64> = runs
        .iter()
        .map(|r| secs(Duration::from_secs_f64(r.iter().map(|q| q.0).sum())))
        .collect();
    Ok(
        json!({"load_seconds": secs(load), "runs": runs, "totals": totals, "peak_rss_mb": peak_rss_mb("self")}),
    )
}

/// The engine as the calculator configures it; `BENCH_NO_CACHE=1` turns the workers' dataset cache off
/// (each query then reads the Parquet file).
fn engine() -> Result<Engine, String> {
    let mut config = EngineConfig::for_current_exe()
        .map_err(|e| e.to_string())?
        .with_env()
        .map_err(|e| e.to_string())?;
    config.cache_datasets = std::env::var("BENCH_NO_CACHE").as_deref() != Ok("1");
    Ok(Engine::new(config))
}

/// Engine ingest: CSV → Parquet through a worker; this process's and the worker's peak RSS.
async fn engine_ingest(csv: &Path, parquet: &Path) -> Outcome {
    let engine = engine()?;
    let started = Instant::now();
    let job = IngestJob {
        csv_path: csv.to_path_buf(),
        parquet_path: parquet.to_path_buf(),
        date_order: Default::default(),
        month_names: Default::default(),
    };
    let report = engine.ingest(job).await.map_err(|e| e.to_string())?;
    let took = started.elapsed();
    let workers: Vec<f64> = engine
        .idle_worker_pids()
        .iter()
        .map(|pid| peak_rss_mb(&pid.to_string()))
        .collect();
    Ok(json!({
        "seconds": secs(took), "rows": report.row_count, "stored_mb": report.stored_bytes / 1_000_000,
        "parent_peak_rss_mb": peak_rss_mb("self"), "worker_peak_rss_mb": workers,
        "columns": report.columns,
    }))
}

/// Engine queries: each question validated by sqlguard and run twice through `Engine::query`.
async fn engine_queries(parquet: &Path, sql: &Path, columns: &str) -> Outcome {
    let engine = engine()?;
    let columns: Vec<(String, String)> =
        serde_json::from_str(columns).map_err(|e| e.to_string())?;
    let cols: Vec<(&str, &str)> = columns
        .iter()
        .map(|(n, t)| (n.as_str(), t.as_str()))
        .collect();
    let catalog = sqlguard::Catalog::single("data", &["x"], &cols);
    let mut runs = Vec::new();
    for _ in 0..2 {
        let mut times = Vec::new();
        for q in questions(sql)? {
            let query = sqlguard::ValidatedQuery::parse(&q, &catalog)
                .map_err(|issues| format!("{q}: {issues:?}"))?;
            let started = Instant::now();
            let job = QueryJob {
                parquet_path: parquet.to_path_buf(),
                query,
                limit: 10_000,
            };
            let out = engine.query(job).await.map_err(|e| format!("{q}: {e}"))?;
            times.push((secs(started.elapsed()), out.table.row_count));
        }
        runs.push(times);
    }
    let workers: Vec<f64> = engine
        .idle_worker_pids()
        .iter()
        .map(|pid| peak_rss_mb(&pid.to_string()))
        .collect();
    Ok(
        json!({"runs": runs, "parent_peak_rss_mb": peak_rss_mb("self"), "worker_peak_rss_mb": workers}),
    )
}

/// Run `self <args>` and parse the JSON it prints.
fn child(args: &[&str]) -> Outcome {
    child_with(args, &[])
}

/// Run `self <args>` with `env` added, and parse the JSON it prints.
fn child_with(args: &[&str], env: &[(&str, &str)]) -> Outcome {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let out = Command::new(exe)
        .args(args)
        .envs(env.iter().copied())
        .output()
        .map_err(|e| e.to_string())?;
    if !out.status.success() {
        return Err(format!(
            "{args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    serde_json::from_slice(&out.stdout).map_err(|e| format!("{args:?}: {e}"))
}

fn total(runs: &Value, run: usize) -> f64 {
    runs["runs"][run]
        .as_array()
        .map(|qs| qs.iter().filter_map(|q| q[0].as_f64()).sum())
        .unwrap_or(f64::NAN)
}

fn orchestrate(csv: &Path, sql: Option<PathBuf>) -> Outcome {
    let sql = sql.unwrap_or_else(|| {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../../shared/corpora/db-benchmark/groupby-questions.sql")
    });
    let csv_mb = std::fs::metadata(csv).map_err(|e| e.to_string())?.len() as f64 / 1e6;
    // Warm the page cache so that neither side pays for the disk.
    std::fs::read(csv).map_err(|e| e.to_string())?;
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let (csv_s, sql_s) = (
        csv.to_str().unwrap_or_default(),
        sql.to_str().unwrap_or_default(),
    );
    let mut reads = Vec::new();
    let mut eager_reads = Vec::new();
    let mut ingests = Vec::new();
    let parquet = dir.path().join("data.parquet");
    let parquet_s = parquet.to_str().unwrap_or_default();
    // Alternate the two, twice, and keep the best of each: the machine is shared and noisy.
    for _ in 0..2 {
        reads.push(child(&["reference-read", csv_s])?);
        eager_reads.push(child(&["reference-read-eager", csv_s])?);
        let _ = std::fs::remove_file(&parquet);
        ingests.push(child(&["engine-ingest", csv_s, parquet_s])?);
    }
    let best = |v: &[Value], key: &str| {
        v.iter()
            .filter_map(|r| r[key].as_f64())
            .fold(f64::INFINITY, f64::min)
    };
    let (read_s, ingest_s) = (best(&reads, "seconds"), best(&ingests, "seconds"));
    let eager_read_s = best(&eager_reads, "seconds");
    let columns: Vec<(String, String)> = ingests[0]["columns"]
        .as_array()
        .map(|cs| {
            cs.iter()
                .map(|c| {
                    (
                        c["name"].as_str().unwrap_or_default().into(),
                        c["dtype"].as_str().unwrap_or_default().into(),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    let columns = serde_json::to_string(&columns).map_err(|e| e.to_string())?;
    let reference = child(&["reference-queries", parquet_s, sql_s])?;
    let engine = child(&["engine-queries", parquet_s, sql_s, &columns])?;
    let reference_scan = child(&["reference-queries", parquet_s, sql_s, "scan"])?;
    let engine_scan = child_with(
        &["engine-queries", parquet_s, sql_s, &columns],
        &[("BENCH_NO_CACHE", "1")],
    )?;
    let reference_first = reference["load_seconds"].as_f64().unwrap_or(0.0) + total(&reference, 0);
    let summary = json!({
        "csv_mb": csv_mb.round(),
        "ingest": {
            "polars_csv_read_seconds": read_s, "polars_eager_csv_read_seconds": eager_read_s,
            "engine_ingest_seconds": ingest_s,
            "ratio": (ingest_s / read_s * 100.0).round() / 100.0,
            "ratio_eager": (ingest_s / eager_read_s * 100.0).round() / 100.0,
            "polars_read_peak_rss_mb": best(&reads, "peak_rss_mb"),
            "engine_parent_peak_rss_mb": best(&ingests, "parent_peak_rss_mb"),
            "engine_worker_peak_rss_mb": ingests.iter().map(|i| i["worker_peak_rss_mb"].clone()).collect::<Vec<_>>(),
            "stored_mb": ingests[0]["stored_mb"], "rounds": {"reference": reads, "engine": ingests.iter().map(|i| i["seconds"].clone()).collect::<Vec<_>>()},
        },
        "queries": {
            "reference_load_seconds": reference["load_seconds"],
            "reference_first_run_seconds_incl_load": reference_first,
            "reference_second_run_seconds": total(&reference, 1),
            "engine_first_run_seconds": total(&engine, 0),
            "engine_second_run_seconds": total(&engine, 1),
            "ratio_first_run": (total(&engine, 0) / reference_first * 100.0).round() / 100.0,
            "ratio_second_run": (total(&engine, 1) / total(&reference, 1) * 100.0).round() / 100.0,
            "reference": reference, "engine": engine,
        },
        "queries_from_parquet_each_time": {
            "reference_first_run_seconds": total(&reference_scan, 0),
            "reference_second_run_seconds": total(&reference_scan, 1),
            "engine_first_run_seconds": total(&engine_scan, 0),
            "engine_second_run_seconds": total(&engine_scan, 1),
            "ratio_second_run": (total(&engine_scan, 1) / total(&reference_scan, 1) * 100.0).round() / 100.0,
            "engine": engine_scan, "reference": reference_scan,
        },
    });
    Ok(summary)
}

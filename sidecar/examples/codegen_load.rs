//! Load driver of the sidecar benchmark (`bench/sidecar.sh` runs it): sidecar overhead per codegen call against a
//! mock LLM with a fixed latency, measured in the same run as direct calls to that mock; then a burst of
//! concurrent codegen calls; the sidecar's resident memory idle and under load.
//!
//! Environment: `SIDECAR_URL`, `MOCK_URL` (the mock's base, e.g. `http://127.0.0.1:9000`), `SIDECAR_PID`;
//! optional `BENCH_CALLS` (400 per side), `BENCH_CONCURRENCY` (1), `BENCH_BURST` (2000).

use std::{
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use contracts::{ColumnSchema, DatasetDescription};
use serde_json::{Value, json};
use sidecar::{dataset, prompts};

fn env(name: &str, default: Option<&str>) -> String {
    std::env::var(name)
        .ok()
        .or(default.map(str::to_owned))
        .unwrap_or_else(|| panic!("{name} must be set"))
}

fn dataset() -> DatasetDescription {
    DatasetDescription {
        name: "titanic".into(),
        columns: [
            "pclass:i64",
            "name:str",
            "sex:str",
            "age:f64",
            "survived:i64",
            "fare:f64",
            "embarked:str",
        ]
        .iter()
        .map(|c| {
            let (n, t) = c.split_once(':').unwrap();
            ColumnSchema::new(n, t)
        })
        .collect(),
        row_count: 891,
        sample_rows: Some(vec![
            vec![
                json!(3),
                json!("Braund, Mr. Owen Harris"),
                json!("male"),
                json!(22.0),
                json!(0),
                json!(7.25),
                json!("S"),
            ],
            vec![
                json!(1),
                json!("Cumings, Mrs. John Bradley (Florence Briggs Thayer)"),
                json!("female"),
                json!(38.0),
                json!(1),
                json!(71.2833),
                json!("C"),
            ],
            vec![
                json!(3),
                json!("Heikkinen, Miss. Laina"),
                json!("female"),
                json!(26.0),
                json!(1),
                json!(7.925),
                json!("S"),
            ],
        ]),
    }
}

const QUESTION: &str = "Which class had the highest survival rate?";

/// CPU time the process has used, in seconds: the sum of its threads' run time from `/proc/<pid>/task/*/schedstat`
/// (nanoseconds), or user + system ticks from `/proc/<pid>/stat` (10 ms steps) where schedstat is missing.
fn cpu_seconds(pid: &str) -> f64 {
    let threads = std::fs::read_dir(format!("/proc/{pid}/task"))
        .into_iter()
        .flatten();
    let nanos: Option<u64> = threads
        .flatten()
        .map(|task| {
            let stat = std::fs::read_to_string(task.path().join("schedstat")).ok()?;
            stat.split_whitespace().next()?.parse::<u64>().ok()
        })
        .sum();
    if let Some(nanos) = nanos.filter(|&n| n > 0) {
        return nanos as f64 / 1e9;
    }
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // Fields after the parenthesised command name; utime and stime are the 14th and 15th fields.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<f64>().ok())
            .unwrap_or(f64::NAN)
    };
    // USER_HZ is 100 on Linux.
    (ticks(11) + ticks(12)) / 100.0
}

/// Resident set size and its peak, in MiB, from /proc.
fn rss_mib(pid: &str) -> (f64, f64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|kb| kb.parse::<f64>().ok())
            .map_or(f64::NAN, |kb| kb / 1024.0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

/// The latency phase's lines: both sides' percentiles, the overhead and the sidecar's CPU per call.
fn print_latency(
    via: &[f64],
    concurrency: usize,
    direct: (f64, f64),
    sidecar: (f64, f64),
    cpu: f64,
) {
    let ((d50, d99), (s50, s99)) = (direct, sidecar);
    println!(
        "latency phase: {} calls per side, {concurrency} at a time, alternating blocks",
        via.len()
    );
    println!("  direct to mock LLM (reference): p50 {d50:.2} ms, p99 {d99:.2} ms");
    println!("  via sidecar /ai/codegen:        p50 {s50:.2} ms, p99 {s99:.2} ms");
    println!(
        "  sidecar overhead:               p50 {:.2} ms, p99 {:.2} ms  (ratio sidecar/direct p50 {:.4})",
        s50 - d50,
        s99 - d99,
        s50 / d50
    );
    println!(
        "  sidecar CPU time per codegen call: {:.0} µs (user + system, both HTTP hops, validation)",
        cpu / via.len() as f64 * 1e6
    );
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((p * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

async fn timed(client: &reqwest::Client, url: &str, body: &str) -> Result<f64, String> {
    let started = Instant::now();
    let response = client
        .post(url)
        .header("content-type", "application/json")
        .body(body.to_owned())
        .send()
        .await
        .map_err(|e| e.to_string())?;
    let status = response.status();
    let text = response.text().await.map_err(|e| e.to_string())?;
    if !status.is_success() {
        return Err(format!(
            "{status}: {}",
            text.chars().take(200).collect::<String>()
        ));
    }
    Ok(started.elapsed().as_secs_f64() * 1000.0)
}

/// `n` calls, `concurrency` at a time; latencies in ms, sorted.
async fn block(client: &reqwest::Client, url: &str, body: &str, n: usize) -> Vec<f64> {
    let calls = (0..n).map(|_| timed(client, url, body));
    futures::future::join_all(calls)
        .await
        .into_iter()
        .map(|r| r.expect("no errors in the latency phase"))
        .collect()
}

#[tokio::main]
async fn main() {
    let sidecar = env("SIDECAR_URL", None);
    let mock = env("MOCK_URL", None);
    let pid = env("SIDECAR_PID", None);
    let calls: usize = env("BENCH_CALLS", Some("400")).parse().unwrap();
    let concurrency: usize = env("BENCH_CONCURRENCY", Some("1")).parse().unwrap();
    let burst: usize = env("BENCH_BURST", Some("2000")).parse().unwrap();

    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(120))
        .build()
        .unwrap();
    let codegen_url = format!("{sidecar}/ai/codegen");
    let codegen_body = json!({"question": QUESTION, "dataset": dataset()}).to_string();
    // The reference: the very request the sidecar sends the LLM, sent straight to the mock.
    let prompts = prompts::Prompts::new().unwrap();
    let direct_url = format!("{mock}/v1/chat/completions");
    let direct_body = json!({
        "model": "mock", "temperature": 0.1, "max_tokens": 1024,
        "messages": [
            {"role": "system", "content": prompts.codegen_system()},
            {"role": "user", "content": prompts.question(&dataset::dataset_block(&dataset(), 3), QUESTION).unwrap()}
        ],
        "response_format": {"type": "json_schema", "json_schema": {"name": "sql_answer", "strict": true, "schema": prompts::answer_schema()}}
    })
    .to_string();

    // Warm up both paths (connection pools, allocator).
    block(&client, &codegen_url, &codegen_body, 32).await;
    block(&client, &direct_url, &direct_body, 32).await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let (idle_rss, _) = rss_mib(&pid);

    // Latency: alternate blocks of direct and sidecar calls so both see the same machine state.
    let (mut direct, mut via) = (Vec::new(), Vec::new());
    let mut sidecar_cpu = 0.0;
    for _ in 0..calls.div_ceil(concurrency) {
        direct.extend(block(&client, &direct_url, &direct_body, concurrency).await);
        let before = cpu_seconds(&pid);
        via.extend(block(&client, &codegen_url, &codegen_body, concurrency).await);
        sidecar_cpu += cpu_seconds(&pid) - before;
    }
    direct.sort_by(f64::total_cmp);
    via.sort_by(f64::total_cmp);
    let (d50, d99) = (percentile(&direct, 0.5), percentile(&direct, 0.99));
    let (s50, s99) = (percentile(&via, 0.5), percentile(&via, 0.99));

    // Burst: every call in flight at once; sample the sidecar's memory meanwhile.
    let _ = client.get(format!("{mock}/stats")).send().await;
    let peak = Arc::new(AtomicU64::new(0));
    let sampling = Arc::new(std::sync::atomic::AtomicBool::new(true));
    let sampler = {
        let (peak, sampling, pid) = (peak.clone(), sampling.clone(), pid.clone());
        tokio::spawn(async move {
            while sampling.load(Ordering::Relaxed) {
                let (rss, _) = rss_mib(&pid);
                peak.fetch_max((rss * 1024.0) as u64, Ordering::Relaxed);
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        })
    };
    let started = Instant::now();
    let outstanding = Arc::new(AtomicU64::new(0));
    let max_outstanding = Arc::new(AtomicU64::new(0));
    let tasks: Vec<_> = (0..burst)
        .map(|_| {
            let (client, url, body) = (client.clone(), codegen_url.clone(), codegen_body.clone());
            let (outstanding, max_outstanding) = (outstanding.clone(), max_outstanding.clone());
            tokio::spawn(async move {
                let now = outstanding.fetch_add(1, Ordering::Relaxed) + 1;
                max_outstanding.fetch_max(now, Ordering::Relaxed);
                let result = timed(&client, &url, &body).await;
                outstanding.fetch_sub(1, Ordering::Relaxed);
                result
            })
        })
        .collect();
    let mut latencies = Vec::with_capacity(burst);
    let mut errors = Vec::new();
    for task in tasks {
        match task.await.unwrap() {
            Ok(ms) => latencies.push(ms),
            Err(e) => errors.push(e),
        }
    }
    let wall = started.elapsed();
    sampling.store(false, Ordering::Relaxed);
    sampler.await.unwrap();
    let stats: Value = client
        .get(format!("{mock}/stats"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    latencies.sort_by(f64::total_cmp);
    let (_, hwm) = rss_mib(&pid);
    tokio::time::sleep(Duration::from_secs(2)).await;
    let (after_rss, _) = rss_mib(&pid);

    println!("## sidecar codegen benchmark (mock LLM latency fixed; release build)");
    println!();
    if via.is_empty() {
        println!("latency phase: skipped (BENCH_CALLS=0)");
    } else {
        print_latency(&via, concurrency, (d50, d99), (s50, s99), sidecar_cpu);
    }
    println!();
    println!("burst phase: {burst} concurrent /ai/codegen calls");
    println!(
        "  errors {}, max in flight: {} sent and unanswered at the client, {} at the mock LLM; wall {:.2} s",
        errors.len(),
        max_outstanding.load(Ordering::Relaxed),
        stats["max_in_flight"],
        wall.as_secs_f64()
    );
    println!(
        "  latency p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        percentile(&latencies, 0.5),
        percentile(&latencies, 0.99),
        latencies.last().copied().unwrap_or(f64::NAN)
    );
    println!();
    println!(
        "sidecar RSS: idle {idle_rss:.1} MiB; under load peak {:.1} MiB (VmHWM {hwm:.1} MiB); 2 s after {after_rss:.1} MiB",
        peak.load(Ordering::Relaxed) as f64 / 1024.0
    );
    for e in errors.iter().take(5) {
        println!("  error: {e}");
    }
    if !errors.is_empty() {
        std::process::exit(1);
    }
}

//! Generates the db-benchmark "groupby" table (H2O.ai / DuckDB Labs) as CSV, as its R script does.
//!
//! `cargo run --release -p engine --example groupby_gen -- <out.csv> [N] [K] [seed]` (defaults 1e7, 100, 108).
//! Columns: id1, id2 over `id001..id{K}`; id3 over `id0000000001..id{N/K}`; id4, id5 uniform 1..K; id6 uniform
//! 1..N/K; v1 uniform 1..5; v2 uniform 1..15; v3 uniform(0, 100) rounded to 6 decimals. N=1e7, K=100 is
//! the standard 509 MB table. Deterministic for a given seed.

use std::io::{BufWriter, Write};

fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(out) = args.first() else {
        eprintln!("usage: groupby_gen <out.csv> [N=1e7] [K=100] [seed=108]");
        std::process::exit(2);
    };
    let number = |i: usize, default: f64| -> u64 {
        args.get(i)
            .and_then(|s| s.parse::<f64>().ok())
            .unwrap_or(default) as u64
    };
    let (n, k, seed) = (number(1, 1e7), number(2, 100.0), number(3, 108.0));
    let groups = (n / k).max(1);
    let mut rng = fastrand::Rng::with_seed(seed);
    let file = std::fs::File::create(out)?;
    let mut w = BufWriter::with_capacity(1 << 20, file);
    w.write_all(b"id1,id2,id3,id4,id5,id6,v1,v2,v3\n")?;
    let mut line = String::with_capacity(96);
    let started = std::time::Instant::now();
    for _ in 0..n {
        use std::fmt::Write as _;
        line.clear();
        let v3 = (rng.f64() * 100.0 * 1e6).round() / 1e6;
        let _ = write!(
            line,
            "id{:03},id{:03},id{:010},{},{},{},{},{},",
            rng.u64(1..=k),
            rng.u64(1..=k),
            rng.u64(1..=groups),
            rng.u64(1..=k),
            rng.u64(1..=k),
            rng.u64(1..=groups),
            rng.u8(1..=5),
            rng.u8(1..=15),
        );
        // As R's fwrite prints it: up to 6 decimals, trailing zeros dropped.
        let formatted = format!("{v3:.6}");
        let trimmed = formatted.trim_end_matches('0').trim_end_matches('.');
        line.push_str(trimmed);
        line.push('\n');
        w.write_all(line.as_bytes())?;
    }
    w.flush()?;
    let bytes = std::fs::metadata(out)?.len();
    eprintln!(
        "wrote {out}: {n} rows, K={k}, {:.1} MB in {:.1?}",
        bytes as f64 / 1e6,
        started.elapsed()
    );
    Ok(())
}

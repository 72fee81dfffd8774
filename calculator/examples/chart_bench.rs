//! Benchmark: time to render a 1,000,000-point line chart to PNG (800×480), median and worst of 15 runs,
//! plus the JSON request parse that precedes it in the handler. Run with `--release`.

use std::time::{Duration, Instant};

use calculator::chart::{ChartSpec, render_png};
use contracts::{ChartKind, ChartRequest};

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

fn main() {
    let values: Vec<f64> = (0..1_000_000)
        .map(|i| ((i as f64) / 5000.0).sin() * 100.0 + (i % 97) as f64)
        .collect();
    let body =
        serde_json::json!({ "values": values, "kind": "line", "title": "1M points" }).to_string();
    let (mut render, mut parse) = (Vec::new(), Vec::new());
    for _ in 0..15 {
        let start = Instant::now();
        let request: ChartRequest = serde_json::from_str(&body).expect("valid JSON");
        let (spec, values) = ChartSpec::parse(request).expect("a valid chart");
        parse.push(start.elapsed());
        assert_eq!(spec.kind, ChartKind::Line);
        let start = Instant::now();
        let (png, drawn) = render_png(&spec, &values).expect("renders");
        render.push(start.elapsed());
        assert!(png.len() > 1000 && drawn <= 2 * 800);
    }
    render.sort();
    parse.sort();
    println!(
        "chart_1m_png_render_ms p50={:.1} max={:.1} | json_parse_ms p50={:.1} | body_bytes={}",
        percentile(&render, 0.5).as_secs_f64() * 1e3,
        percentile(&render, 1.0).as_secs_f64() * 1e3,
        percentile(&parse, 0.5).as_secs_f64() * 1e3,
        body.len()
    );
}

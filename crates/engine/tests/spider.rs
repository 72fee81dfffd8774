//! Spider dev single-table queries through sqlguard and the engine, compared with SQLite's results.
//! (The HTTP-level run of the same corpus is `calculator/tests/conformance_spider.rs`.)

mod common;
#[path = "support/spider.rs"]
mod spider;

use std::collections::HashMap;
use std::path::PathBuf;

use common::*;
use engine::{IngestReport, QueryJob};
use futures::StreamExt;
use sqlguard::ValidatedQuery;

#[tokio::test]
async fn spider_results_match_sqlite() {
    let Some((dir, cases)) = spider::load(&corpora()) else {
        return;
    };
    let engine = engine();
    let work = tempfile::tempdir().unwrap();
    // Each table is ingested once and reused by all its queries.
    let mut tables: HashMap<String, (PathBuf, IngestReport)> = HashMap::new();
    for case in &cases {
        if tables.contains_key(&case.csv) {
            continue;
        }
        let sub = work.path().join(tables.len().to_string());
        std::fs::create_dir(&sub).unwrap();
        let csv = sub.join("upload.csv");
        std::fs::copy(dir.join(&case.csv), &csv).unwrap();
        let (report, parquet) = ingest(&engine, &csv).await;
        let report = report.unwrap_or_else(|e| panic!("{}: {e}", case.csv));
        tables.insert(case.csv.clone(), (parquet, report));
    }
    let runs = futures::stream::iter(cases.iter().map(|case| {
        let (parquet, report) = &tables[&case.csv];
        let catalog = catalog(report, &[case.table.as_str()]);
        let engine = engine.clone();
        async move {
            let verdict = ValidatedQuery::parse(&case.sql, &catalog);
            let outcome = match verdict {
                Err(issues) => Err(format!("rejected [{}]", issues[0].rule)),
                Ok(query) => engine
                    .query(QueryJob {
                        parquet_path: parquet.clone(),
                        query,
                        limit: 100_000,
                    })
                    .await
                    .map_err(|e| format!("{e}"))
                    .map(|out| out.table.rows),
            };
            (case, outcome)
        }
    }))
    .buffered(2)
    .collect::<Vec<_>>()
    .await;
    let mut tally = spider::Tally::default();
    for (case, outcome) in runs {
        match outcome {
            Ok(rows) if spider::matches(&rows, &case.expected, case.ordered) => tally.pass(),
            Ok(rows) => tally.fail(
                "wrong result",
                format!(
                    "{} {}\n      got {:?}\n      want {:?}",
                    case.id,
                    case.sql,
                    head(&rows),
                    head(&case.expected)
                ),
            ),
            Err(message) => tally.fail(
                spider::cause_of("error", &message),
                format!("{} {}\n      {message}", case.id, case.sql),
            ),
        }
    }
    tally.print("spider (engine)");
    assert!(tally.total >= 500, "only {} cases", tally.total);
    assert!(
        tally.percent() >= 97.0,
        "only {:.1}% match",
        tally.percent()
    );
}

fn head(rows: &[Vec<serde_json::Value>]) -> &[Vec<serde_json::Value>] {
    &rows[..rows.len().min(4)]
}

//! Spider dev single-table conformance through the HTTP API: every table uploaded once with
//! `POST /datasets`, every query run with `POST /datasets/{id}/query` (sqlguard, then the engine's workers),
//! and each answer compared with SQLite's. Prints the failures grouped by cause; asserts ≥ 97 %.

mod common;
#[path = "../../crates/engine/tests/support/spider.rs"]
mod spider;

use std::collections::HashMap;
use std::path::Path;

use axum::http::StatusCode;
use common::TestApp;
use futures::StreamExt;
use serde_json::Value;

#[tokio::test]
async fn spider_queries_over_http_match_sqlite() {
    let corpora = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpora");
    let Some((dir, cases)) = spider::load(&corpora) else {
        return;
    };
    let app = TestApp::new();
    // One upload per table, named after it: `FROM <table>` then reads the dataset through its alias.
    let mut ids: HashMap<&str, String> = HashMap::new();
    for case in &cases {
        if ids.contains_key(case.csv.as_str()) {
            continue;
        }
        let bytes = std::fs::read(dir.join(&case.csv)).expect("table CSV");
        let reply = app.upload_raw(&case.table, bytes).await;
        assert_eq!(
            reply.status,
            StatusCode::CREATED,
            "{}: {}",
            case.csv,
            reply.text()
        );
        let id = reply.json()["id"].as_str().expect("dataset id").to_owned();
        ids.insert(case.csv.as_str(), id);
    }
    // Two queries in flight: the engine's default pool has two workers.
    let answers = futures::stream::iter(cases.iter().map(|case| {
        let (app, id) = (&app, &ids[case.csv.as_str()]);
        async move { (case, app.query(id, &case.sql).await) }
    }))
    .buffered(2)
    .collect::<Vec<_>>()
    .await;
    let mut tally = spider::Tally::default();
    for (case, reply) in answers {
        let body: Value = reply.json();
        if reply.status == StatusCode::OK {
            let rows: Vec<Vec<Value>> =
                serde_json::from_value(body["rows"].clone()).unwrap_or_default();
            if spider::matches(&rows, &case.expected, case.ordered) {
                tally.pass();
            } else {
                let head = |r: &[Vec<Value>]| format!("{:?}", &r[..r.len().min(4)]);
                tally.fail(
                    "wrong result",
                    format!(
                        "{} {}\n      got {}\n      want {}",
                        case.id,
                        case.sql,
                        head(&rows),
                        head(&case.expected)
                    ),
                );
            }
        } else {
            let code = body["error"]["code"].as_str().unwrap_or("?").to_owned();
            let message = body["error"]["message"]
                .as_str()
                .unwrap_or_default()
                .to_owned();
            let rule = body["error"]["issues"][0]["rule"]
                .as_str()
                .unwrap_or_default()
                .to_owned();
            let cause = if rule.is_empty() {
                spider::cause_of(&format!("{} {code}", reply.status.as_u16()), &message)
            } else {
                format!("{} {code}: {rule}", reply.status.as_u16())
            };
            tally.fail(cause, format!("{} {}\n      {message}", case.id, case.sql));
        }
    }
    tally.print("spider (HTTP)");
    assert!(tally.total >= 500, "only {} cases", tally.total);
    assert!(
        tally.percent() >= 97.0,
        "only {:.1}% of Spider queries match SQLite",
        tally.percent()
    );
}

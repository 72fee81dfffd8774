//! Replays real model outputs (BIRD mini-dev predictions of nine models, `../shared/corpora/llm-outputs/`) as
//! the LLM's answers: through the answer reader and the validator, and a sample through `/ai/codegen` itself.
//! None may panic; each yields SQL (accepted or rejected with issues) or a clear `bad_output` issue.

mod common;

use std::path::{Path, PathBuf};

use axum::http::StatusCode;
use common::*;
use sidecar::answer::{BAD_OUTPUT, read_answer};
use testkit::send;
use wiremock::matchers::method;
use wiremock::{Mock, MockServer};

/// Every `SAMPLE_EVERY`-th output of each file (the whole corpus is 4,500 outputs).
const SAMPLE_EVERY: usize = 5;
/// Outputs sent through the whole HTTP path, per file.
const END_TO_END_PER_FILE: usize = 3;

fn corpus() -> Option<Vec<(PathBuf, Vec<String>)>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpora/llm-outputs");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .ok()?
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    let loaded: Vec<_> = files
        .into_iter()
        .map(|file| {
            let text = std::fs::read_to_string(&file).expect("readable corpus file");
            let map: serde_json::Map<String, serde_json::Value> =
                serde_json::from_str(&text).expect("a JSON object");
            let mut entries: Vec<(usize, String)> = map
                .iter()
                .map(|(k, v)| {
                    // Format: "<model output>\t----- bird -----\t<db_id>".
                    let raw = v.as_str().unwrap_or_default();
                    let output = raw.split("\t----- bird -----\t").next().unwrap_or_default();
                    (k.parse().unwrap_or(usize::MAX), output.to_owned())
                })
                .collect();
            entries.sort();
            (file, entries.into_iter().map(|(_, o)| o).collect())
        })
        .collect();
    (!loaded.is_empty()).then_some(loaded)
}

#[test]
fn outputs_yield_sql_or_a_clear_issue() {
    let Some(corpus) = corpus() else {
        println!("skipped: corpus absent (../shared/corpora/llm-outputs)");
        return;
    };
    // The BIRD questions are about other schemas: most SQL is rejected (unknown tables), which is the point —
    // the validator must answer every one of them with issues, never panic.
    let catalog = sidecar::dataset::catalog(&serde_json::from_value(dataset()).unwrap());
    let (mut sql, mut accepted, mut unreadable) = (0, 0, 0);
    for (file, outputs) in &corpus {
        for output in outputs.iter().step_by(SAMPLE_EVERY) {
            match read_answer(output) {
                Ok(answer) => {
                    sql += 1;
                    assert!(
                        !answer.sql.trim().is_empty(),
                        "{}: {output:?}",
                        file.display()
                    );
                    match sqlguard::ValidatedQuery::parse(&answer.sql, &catalog) {
                        Ok(_) => accepted += 1,
                        Err(issues) => assert!(
                            !issues.is_empty() && issues.iter().all(|i| !i.message.is_empty())
                        ),
                    }
                }
                Err(issue) => {
                    unreadable += 1;
                    assert_eq!(issue.rule, BAD_OUTPUT);
                    assert!(
                        issue.message.contains("SQL")
                            || issue.message.contains("sql")
                            || issue.message.contains("empty"),
                        "{}",
                        issue.message
                    );
                }
            }
        }
    }
    println!(
        "llm-outputs replay: {} files, {sql} with SQL ({accepted} accepted by the validator against the test table), {unreadable} without SQL",
        corpus.len()
    );
    assert!(sql > 0);
}

#[tokio::test]
async fn outputs_through_codegen_are_200_or_422() {
    let Some(corpus) = corpus() else {
        println!("skipped: corpus absent (../shared/corpora/llm-outputs)");
        return;
    };
    let mut statuses = std::collections::BTreeMap::new();
    for (_, outputs) in &corpus {
        for output in outputs.iter().step_by(97).take(END_TO_END_PER_FILE) {
            let server = MockServer::start().await;
            Mock::given(method("POST"))
                .respond_with(openai_reply(output))
                .mount(&server)
                .await;
            let mut config = config(openai(&server));
            config.max_repairs = 0;
            let reply = send(router(config), post("/ai/codegen", &codegen_body())).await;
            match reply.status {
                StatusCode::OK => assert_eq!(reply.json()["attempts"], 1),
                StatusCode::UNPROCESSABLE_ENTITY => {
                    assert_eq!(
                        reply.error(StatusCode::UNPROCESSABLE_ENTITY).0,
                        "codegen_failed"
                    );
                    assert!(
                        !reply.json()["error"]["issues"]
                            .as_array()
                            .unwrap()
                            .is_empty()
                    );
                }
                other => panic!("{other} for {output:?}: {}", reply.text()),
            }
            *statuses.entry(reply.status.as_u16()).or_insert(0) += 1;
        }
    }
    println!("end-to-end replay: {statuses:?}");
}

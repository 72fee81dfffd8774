//! Hostile SQL through `POST /datasets/{id}/query`: the P2SQL corpus of LLM-written attacks, the
//! PayloadsAllTheThings injection fragments, file/URL/DDL/multi-statement classics, and runaway queries.
//! Rejected or harmless — never a 5xx, never a panic, never a lost dataset, and the service keeps serving.

use std::{
    collections::BTreeSet,
    ops::ControlFlow,
    time::{Duration, Instant},
};

use crate::common::{TestApp, assert_rejected_by, corpus, rules};
use axum::http::StatusCode;
use serde_json::{Value, json};
use sqlparser::{
    ast::{ObjectName, Query, Statement, Visit, Visitor},
    dialect::GenericDialect,
    parser::{Parser, ParserOptions},
};

/// Tables and WITH names a statement reads, as sqlparser (the engine's parser) sees it.
#[derive(Default)]
struct Reads {
    relations: BTreeSet<String>,
    ctes: BTreeSet<String>,
}

impl Visitor for Reads {
    type Break = ();

    fn pre_visit_query(&mut self, query: &Query) -> ControlFlow<()> {
        if let Some(with) = &query.with {
            for cte in &with.cte_tables {
                self.ctes.insert(cte.alias.name.value.to_lowercase());
            }
        }
        ControlFlow::Continue(())
    }

    fn pre_visit_relation(&mut self, relation: &ObjectName) -> ControlFlow<()> {
        self.relations
            .insert(relation.to_string().to_lowercase().replace('"', ""));
        ControlFlow::Continue(())
    }
}

/// The independent oracle: `Some(tables)` when `sql` is one query statement, with the tables it reads
/// (WITH names excluded); `None` for anything else (unparseable, several statements, DDL, DML, ...).
fn single_query_reads(sql: &str) -> Option<BTreeSet<String>> {
    let statements = Parser::new(&GenericDialect)
        .with_options(ParserOptions::new().with_trailing_commas(true))
        .try_with_sql(sql)
        .ok()?
        .parse_statements()
        .ok()?;
    let [statement @ Statement::Query(_)] = statements.as_slice() else {
        return None;
    };
    let mut reads = Reads::default();
    let _ = statement.visit(&mut reads);
    Some(reads.relations.difference(&reads.ctes).cloned().collect())
}

/// Asserts the reply is a rejection or a result computed from `data` alone (checked on the SQL that ran).
fn assert_rejected_or_harmless(sql: &str, reply: &testkit::Reply) -> bool {
    assert!(
        !reply.status.is_server_error(),
        "{sql:?} → {}: {}",
        reply.status,
        reply.text()
    );
    if reply.status == StatusCode::OK {
        let ran = reply.json()["sql"].as_str().unwrap().to_owned();
        let reads = single_query_reads(&ran).unwrap_or_else(|| panic!("{sql:?} ran {ran:?}"));
        assert!(
            reads.iter().all(|t| t == "data"),
            "{sql:?} ran {ran:?}, which reads {reads:?}"
        );
        true
    } else {
        let (code, _) = reply.error(reply.status);
        assert!(
            [
                "validation_failed",
                "query_failed",
                "query_timeout",
                "query_too_large"
            ]
            .contains(&code.as_str()),
            "{sql:?}: {code}"
        );
        false
    }
}

const JOBS: &str = "job_id,title,description,company,location,salary,posted_by\n\
    1,Engineer,Builds things,Acme,Paris,100000,1\n\
    2,Analyst,Reads things,Globex,Lyon,80000,2\n\
    3,Manager,Plans things,Initech,Nice,120000,1\n";

#[tokio::test]
async fn every_p2sql_statement_that_is_not_one_read_only_query_of_the_table_is_rejected() {
    let Some(dir) = corpus("adversarial") else {
        return;
    };
    let app = TestApp::new();
    // Registered under the name the attacked application used, so that the legitimate queries can run.
    let dataset = app.dataset("job_postings", JOBS).await;
    let id = dataset["id"].as_str().unwrap();
    let text = std::fs::read_to_string(dir.join("p2sql-llm-sql.jsonl")).unwrap();
    let (mut must_reject, mut rejected, mut ran) = (0, 0, 0);
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let record: Value = serde_json::from_str(line).unwrap();
        let sql = record["sql"].as_str().unwrap();
        let reply = app.query(id, sql).await;
        let allowed = single_query_reads(sql)
            .is_some_and(|reads| reads.iter().all(|t| t == "job_postings" || t == "data"));
        if !allowed {
            must_reject += 1;
            let (code, _) = reply.error(StatusCode::UNPROCESSABLE_ENTITY);
            assert_eq!(code, "validation_failed", "{}: {sql:?}", record["id"]);
            rejected += 1;
        } else if assert_rejected_or_harmless(sql, &reply) {
            ran += 1;
        }
    }
    println!(
        "p2sql: {must_reject} statements must be rejected, {rejected} were (100%); {ran} read-only queries of \
         job_postings ran"
    );
    assert!(must_reject > 200, "the corpus was read ({must_reject})");
    assert!(ran > 100, "legitimate queries still run ({ran})");

    // Nothing was dropped, created or changed.
    assert_eq!(app.listed_ids().await, [id]);
    let count = app
        .query(id, "SELECT COUNT(*) AS n FROM job_postings")
        .await;
    assert_eq!(count.json()["rows"], json!([[3]]));
    assert_eq!(app.entries("datasets"), [id]);
}

#[tokio::test]
async fn injection_fragments_spliced_or_alone_are_rejected_or_harmless() {
    let Some(dir) = corpus("adversarial/payloadsallthethings-intruder") else {
        return;
    };
    let app = TestApp::new();
    let dataset = app.dataset("data", "a,b\n1,x\n2,y\n").await;
    let id = dataset["id"].as_str().unwrap();
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    let (mut sent, mut ran) = (0, 0);
    for file in files {
        let bytes = std::fs::read(&file).unwrap();
        for fragment in String::from_utf8_lossy(&bytes).lines() {
            let fragment = fragment.trim_end_matches('\r');
            if fragment.trim().is_empty() {
                continue;
            }
            for sql in [
                format!("SELECT * FROM data WHERE a = 1 {fragment}"),
                fragment.to_owned(),
            ] {
                let reply = app.query(id, &sql).await;
                sent += 1;
                if assert_rejected_or_harmless(&sql, &reply) {
                    ran += 1;
                }
            }
        }
    }
    println!("payloads: {sent} queries, {ran} ran (reading only `data`), the rest rejected");
    assert!(sent > 2000, "the corpus was read ({sent})");
    assert_eq!(app.listed_ids().await, [id]);
    let count = app.query(id, "SELECT COUNT(*) AS n FROM data").await;
    assert_eq!(count.json()["rows"], json!([[2]]));
}

#[tokio::test]
async fn files_urls_ddl_several_statements_and_shadowing_are_rejected_by_rule() {
    let app = TestApp::new();
    let id = app.dataset("sales", "x,b\n1,a\n").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    for (sql, rule) in [
        ("SELECT * FROM read_csv('/etc/passwd')", "table_function"),
        (
            "SELECT * FROM read_parquet('/tmp/*.parquet')",
            "table_function",
        ),
        (
            "SELECT * FROM read_csv('../data/**/*.csv')",
            "table_function",
        ),
        (
            "SELECT * FROM read_csv('http://169.254.169.254/latest/meta-data')",
            "table_function",
        ),
        (
            "SELECT * FROM read_json('https://example.com/x.json')",
            "table_function",
        ),
        (
            "SELECT x FROM data JOIN read_ipc('/etc/shadow') AS f ON TRUE",
            "table_function",
        ),
        ("DROP TABLE data", "not_a_query"),
        ("CREATE TABLE t AS SELECT * FROM data", "not_a_query"),
        ("TRUNCATE data", "not_a_query"),
        ("DELETE FROM data", "not_a_query"),
        ("EXPLAIN SELECT * FROM data", "not_a_query"),
        ("SHOW TABLES", "not_a_query"),
        ("SELECT 1; SELECT 2", "multiple_statements"),
        ("SELECT * FROM data; DROP TABLE data", "multiple_statements"),
        ("SELECT * FROM (SELECT 1 AS x) AS data", "shadowed_table"),
        (
            "SELECT * FROM (SELECT * FROM data) AS sales",
            "shadowed_table",
        ),
        (
            "WITH data AS (SELECT 1 AS x) SELECT * FROM data",
            "shadowed_table",
        ),
        ("SELECT * FROM data a, data b", "unfiltered_cross_join"),
        ("SELECT * FROM users", "unknown_table"),
        (
            "SELECT LPAD(b, 100000000, 'x') FROM data",
            "oversized_repeat",
        ),
    ] {
        assert_rejected_by(&app.query(&id, sql).await, rule, sql);
    }
    // The dataset is untouched and still answers under both names.
    for table in ["data", "sales"] {
        let reply = app.query(&id, &format!("SELECT x FROM {table}")).await;
        assert_eq!(reply.json()["rows"], json!([[1]]), "{table}");
    }
}

/// Polls `/healthz` until `task` finishes; every answer must be a quick 200.
async fn healthy_while<T>(app: &TestApp, task: &tokio::task::JoinHandle<T>) -> usize {
    let mut polls = 0;
    while !task.is_finished() {
        let started = Instant::now();
        let reply = app.get("/healthz").await;
        assert_eq!(reply.status, StatusCode::OK);
        assert!(
            started.elapsed() < Duration::from_secs(1),
            "{:?}",
            started.elapsed()
        );
        polls += 1;
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    polls
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn runaway_queries_are_stopped_and_the_service_keeps_serving() {
    let app = TestApp::configured(|config| {
        config.engine.memory_limit_bytes = 1 << 30;
        config.engine.query_timeout = Duration::from_secs(8);
    });
    let csv: String = std::iter::once("x\n".to_owned())
        .chain((0..1_000_000).map(|i| format!("{i}\n")))
        .collect();
    let dataset = app.dataset("million", &csv).await;
    assert_eq!(dataset["row_count"], 1_000_000);
    let id = dataset["id"].as_str().unwrap().to_owned();

    for sql in [
        // Accepted by the validator (the join has a condition on columns), but 10^12 pairs.
        "SELECT COUNT(*) AS n FROM data a JOIN data b ON a.x <> b.x",
        "SELECT a.x AS ax, b.x AS bx FROM data a CROSS JOIN data b WHERE a.x + b.x > -1",
    ] {
        let router = app.router.clone();
        let body = json!({ "sql": sql }).to_string();
        let uri = format!("/datasets/{id}/query");
        let started = Instant::now();
        let task =
            tokio::spawn(
                async move { testkit::send(router, testkit::post_json(&uri, &body)).await },
            );
        let polls = healthy_while(&app, &task).await;
        let reply = task.await.unwrap();
        let (code, message) = reply.error(StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            code == "query_too_large" || code == "query_timeout",
            "{sql}: {code}: {message}"
        );
        println!(
            "{sql}: {code} after {:?} ({polls} health checks answered)",
            started.elapsed()
        );
    }

    let sql = "SELECT LPAD(CAST(x AS VARCHAR), 100000000, 'x') FROM data";
    let reply = app.query(&id, sql).await;
    assert_rejected_by(&reply, "oversized_repeat", sql);
    assert_eq!(
        rules(&reply),
        ["oversized_repeat"],
        "nothing else is wrong with it"
    );

    // Afterwards: healthy, and the same dataset still answers.
    assert_eq!(app.get("/healthz").await.status, StatusCode::OK);
    let reply = app.query(&id, "SELECT MAX(x) AS m FROM data").await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    assert_eq!(reply.json()["rows"], json!([[999_999]]));
}

//! Queries and previews through real workers: results, caps, errors, concurrency and worker reuse.

mod common;

use common::*;
use engine::{EngineError, QueryJob};
use serde_json::json;

const PEOPLE: &[u8] =
    b"name,age,born,score\nAda,36,1815-12-10,9.5\nAlan,41,1912-06-23,\nGrace,85,1906-12-09,8.25\n";

#[tokio::test]
async fn results_are_typed_json_with_iso_dates() {
    let engine = engine();
    let (_dir, path) = csv_file("people.csv", PEOPLE);
    let (report, parquet) = ingest(&engine, &path).await;
    let catalog = catalog(&report.unwrap(), &["people"]);
    let out = query(
        &engine,
        &parquet,
        &catalog,
        "SELECT name, age, born, score FROM people ORDER BY age",
    )
    .await
    .unwrap();
    let dtypes: Vec<&str> = out.table.columns.iter().map(|c| c.dtype.as_str()).collect();
    assert_eq!(dtypes, ["str", "i64", "date", "f64"]);
    assert_eq!(
        out.table.rows[0],
        vec![json!("Ada"), json!(36), json!("1815-12-10"), json!(9.5)]
    );
    assert_eq!(out.table.rows[1][3], json!(null));
    assert_eq!((out.table.row_count, out.table.truncated), (3, false));
    let agg = query(
        &engine,
        &parquet,
        &catalog,
        "SELECT avg(age) AS a, count(*) AS n FROM data",
    )
    .await
    .unwrap();
    assert_eq!(agg.table.rows, vec![vec![json!(54.0), json!(3)]]);
}

#[tokio::test]
async fn rows_are_capped_by_limit_and_max_result_rows() {
    let mut config = config();
    config.max_result_rows = 2;
    let engine = engine::Engine::new(config);
    let (_dir, path) = csv_file("people.csv", PEOPLE);
    let (report, parquet) = ingest(&engine, &path).await;
    let catalog = catalog(&report.unwrap(), &[]);
    let query = sqlguard::ValidatedQuery::parse("SELECT name FROM data", &catalog).unwrap();
    let job = |limit| QueryJob {
        parquet_path: parquet.clone(),
        query: query.clone(),
        limit,
    };
    let capped = engine.query(job(100)).await.unwrap().table;
    assert_eq!(
        (capped.rows.len(), capped.row_count, capped.truncated),
        (2, 3, true)
    );
    let one = engine.query(job(1)).await.unwrap().table;
    assert_eq!((one.rows.len(), one.row_count, one.truncated), (1, 3, true));
    let preview = engine.preview(parquet.clone(), 50).await.unwrap().table;
    assert_eq!((preview.rows.len(), preview.row_count), (2, 3));
}

#[tokio::test]
async fn engine_errors_are_clean_and_name_no_paths() {
    let engine = engine();
    let (dir, path) = csv_file("people.csv", PEOPLE);
    let (report, parquet) = ingest(&engine, &path).await;
    let catalog = catalog(&report.unwrap(), &[]);
    // Valid for sqlguard, but polars cannot add a date to a string.
    let err = query(&engine, &parquet, &catalog, "SELECT name + born FROM data")
        .await
        .unwrap_err();
    let EngineError::Query(message) = &err else {
        panic!("expected a query error, got {err:?}")
    };
    let dir_text = dir.path().display().to_string();
    assert!(!message.contains(&dir_text), "{message}");
    assert!(!message.contains("Resolved plan"), "{message}");
    assert!(!message.is_empty());
    // A missing data file is the caller's problem, reported without its path.
    let missing = engine
        .preview(dir.path().join("gone.parquet"), 5)
        .await
        .unwrap_err();
    assert!(
        matches!(&missing, EngineError::Query(m) if !m.contains(&dir_text)),
        "{missing:?}"
    );
}

#[tokio::test]
async fn jobs_run_concurrently_on_a_reused_pool() {
    let engine = engine();
    let (_dir, path) = csv_file("people.csv", PEOPLE);
    let (report, parquet) = ingest(&engine, &path).await;
    let catalog = catalog(&report.unwrap(), &[]);
    let mut tasks = Vec::new();
    for i in 0..8 {
        let (engine, parquet, catalog) = (engine.clone(), parquet.clone(), catalog.clone());
        tasks.push(tokio::spawn(async move {
            let sql = format!("SELECT count(*) + {i} AS n FROM data");
            query(&engine, &parquet, &catalog, &sql)
                .await
                .unwrap()
                .table
                .rows[0][0]
                .clone()
        }));
    }
    for (i, task) in tasks.into_iter().enumerate() {
        assert_eq!(task.await.unwrap(), json!(3 + i as i64));
    }
}

#[tokio::test]
async fn bad_csvs_are_clear_errors() {
    let engine = engine();
    for (bytes, line) in [
        (b"a,b\n1,2\n3,4,5\n".as_slice(), Some(3)),
        (b"a,b,c\n1,2,3\n4,5\n", Some(3)),
        (b"a,b\n1,\"open\n2,3\n", Some(2)),
    ] {
        let (_dir, path) = csv_file("bad.csv", bytes);
        match ingest(&engine, &path).await.0 {
            Err(EngineError::Csv { line: got, message }) => {
                assert_eq!(got, line, "{message}");
                assert!(!message.contains("/tmp"), "{message}");
            }
            other => panic!(
                "expected a CSV error for {:?}, got {other:?}",
                String::from_utf8_lossy(bytes)
            ),
        }
    }
    for empty in [b"".as_slice(), b"\xEF\xBB\xBF\n\n"] {
        let (_dir, path) = csv_file("empty.csv", empty);
        assert!(matches!(
            ingest(&engine, &path).await.0,
            Err(EngineError::EmptyFile)
        ));
    }
}

#[tokio::test]
async fn qualify_sees_source_columns_the_projection_renamed() {
    // db-benchmark groupby question 8, the largest two v3 per id6: polars evaluates QUALIFY after the
    // projection, where `v3` is gone; sqlguard's rewrite gives it DuckDB's meaning.
    let csv = b"id6,v1,v3\n1,1,5.0\n1,2,9.0\n1,3,7.0\n2,4,1.0\n2,5,\n3,6,4.0\n3,7,8.0\n3,8,6.0\n";
    let engine = engine();
    let (_dir, path) = csv_file("x.csv", csv);
    let (report, parquet) = ingest(&engine, &path).await;
    let catalog = catalog(&report.unwrap(), &["x"]);
    let q8 = "SELECT id6, v3 AS largest2_v3 FROM x WHERE v3 IS NOT NULL \
              QUALIFY row_number() OVER (PARTITION BY id6 ORDER BY v3 DESC) <= 2 ORDER BY id6, largest2_v3 DESC";
    let out = query(&engine, &parquet, &catalog, q8).await.unwrap().table;
    let names: Vec<&str> = out.columns.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["id6", "largest2_v3"]);
    let expected = [(1, 9.0), (1, 7.0), (2, 1.0), (3, 8.0), (3, 6.0)];
    let expected: Vec<_> = expected
        .iter()
        .map(|(i, v)| vec![json!(i), json!(v)])
        .collect();
    assert_eq!(out.rows, expected);
    // Sorting by a source column that is not an output, and LIMIT, apply to the filtered rows.
    let sql = "SELECT v3 AS best FROM x QUALIFY rank() OVER (PARTITION BY id6 ORDER BY v1) = 1 \
               ORDER BY v1 DESC LIMIT 2";
    let out = query(&engine, &parquet, &catalog, sql).await.unwrap().table;
    assert_eq!(out.rows, vec![vec![json!(4.0)], vec![json!(1.0)]]);
}

/// A stored file damaged on disk is the server's fault (`Unreadable`, a 500), not the query's: no change to
/// the SQL mends it, and the analyze path must not ask the model to try.
#[tokio::test]
async fn a_damaged_stored_file_is_unreadable_not_a_query_error() {
    let engine = engine();
    let (_dir, csv) = csv_file("t.csv", b"id,x\n1,2\n3,4\n");
    let (report, parquet) = ingest(&engine, &csv).await;
    let catalog = catalog(&report.expect("ingest"), &[]);
    let bytes = std::fs::read(&parquet).unwrap();
    std::fs::write(&parquet, &bytes[..bytes.len() / 2]).unwrap();
    let result = query(&engine, &parquet, &catalog, "SELECT SUM(x) FROM data").await;
    assert!(
        matches!(result, Err(engine::EngineError::Unreadable(_))),
        "{result:?}"
    );
    assert!(!result.unwrap_err().is_client_error());
}

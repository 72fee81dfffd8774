//! A `DATA_DIR` changed behind the calculator's back: a dataset's directory removed or its Parquet file cut
//! short, the lock file removed or unusable. Each is answered clearly, never with a 500.

mod common;

use axum::http::StatusCode;
use calculator::{Application, Config};
use common::TestApp;

const CSV: &str = "region,amount\nnorth,10\nsouth,20\n";

/// A dataset whose directory is removed while the server runs is gone: DELETE answers 204 and drops it, and
/// a second DELETE is an ordinary 404.
#[tokio::test]
async fn deleting_a_dataset_whose_directory_was_removed_is_a_deletion() {
    let app = TestApp::new();
    let id = app.dataset("sales", CSV).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    std::fs::remove_dir_all(app.config.data_dir.join("datasets").join(&id)).unwrap();

    let reply = app.delete(&format!("/datasets/{id}")).await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT, "{}", reply.text());
    assert!(app.listed_ids().await.is_empty());
    let again = app.delete(&format!("/datasets/{id}")).await;
    assert_eq!(again.status, StatusCode::NOT_FOUND, "{}", again.text());
}

/// A dataset whose Parquet file was cut short stays listed and describable after a restart, so it can be
/// deleted through the API (which empties its directory).
#[tokio::test]
async fn a_cut_short_data_file_stays_listed_and_can_be_deleted() {
    let app = TestApp::new();
    let id = app.dataset("sales", CSV).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let parquet = app
        .config
        .data_dir
        .join("datasets")
        .join(&id)
        .join("data.parquet");
    let file = std::fs::OpenOptions::new()
        .write(true)
        .open(&parquet)
        .unwrap();
    file.set_len(0).unwrap();
    drop(file);

    let app = app.restart();
    assert_eq!(app.listed_ids().await, [id.as_str()]);
    let described = app.get(&format!("/datasets/{id}")).await;
    assert_eq!(described.status, StatusCode::OK, "{}", described.text());
    let deleted = app.delete(&format!("/datasets/{id}")).await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT, "{}", deleted.text());
    assert!(app.entries("datasets").is_empty());
}

/// A dataset whose data file is cut short (as after a restart) or removed (while the server runs) answers
/// previews and queries alike: 409 `dataset_damaged`, saying to delete it and upload it again (was 500
/// `internal_error` and 422 `query_failed`).
#[tokio::test]
async fn previews_and_queries_of_a_damaged_or_missing_data_file_are_409_dataset_damaged() {
    let app = TestApp::new();
    let cut = app.dataset("cut", CSV).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let gone = app.dataset("gone", CSV).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let parquet = |id: &str| {
        app.config
            .data_dir
            .join(format!("datasets/{id}/data.parquet"))
    };
    let file = std::fs::OpenOptions::new()
        .write(true)
        .open(parquet(&cut))
        .unwrap();
    file.set_len(100).unwrap();
    drop(file);
    let app = app.restart();
    std::fs::remove_file(parquet(&gone)).unwrap();

    for (id, why) in [
        (&cut, "not a whole Parquet file"),
        (&gone, "data file is missing"),
    ] {
        for reply in [
            app.get(&format!("/datasets/{id}/preview")).await,
            app.query(id, "SELECT * FROM data").await,
        ] {
            assert_eq!(reply.status, StatusCode::CONFLICT, "{}", reply.text());
            let error = &reply.json()["error"];
            assert_eq!(error["code"], "dataset_damaged", "{error}");
            let message = error["message"].as_str().unwrap();
            assert!(message.contains(why), "{message}");
            assert!(
                message.contains(&format!("delete it (DELETE /datasets/{id})")),
                "{message}"
            );
        }
    }
    // A healthy dataset's failing query is still the query's fault.
    let fine = app.dataset("fine", CSV).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let reply = app
        .query(&fine, "SELECT CAST(region AS INTEGER) AS n FROM data")
        .await;
    assert_eq!(
        reply.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        reply.text()
    );
}

/// `DATA_DIR/.lock` that cannot be opened stops startup with a message naming it and what to do (not a bare
/// `Permission denied`). A directory stands in for an unwritable file: tests may run as root.
#[tokio::test]
async fn an_unusable_lock_file_is_named_at_startup() {
    let config = Config::for_tests();
    let lock = config.data_dir.join(".lock");
    std::fs::create_dir(&lock).unwrap();
    let message = match Application::build(config).await {
        Ok(_) => panic!("started without its lock"),
        Err(e) => e.to_string(),
    };
    assert!(
        message.contains(&format!("`{}`", lock.display())),
        "{message}"
    );
    assert!(
        message.contains("set DATA_DIR to a directory it can write"),
        "{message}"
    );
}

/// Removing `DATA_DIR/.lock` while a calculator runs does not let a second one start on the same directory
/// (it would clear the first's unfinished uploads).
#[tokio::test]
async fn removing_the_lock_file_does_not_let_a_second_calculator_in() {
    let config = Config::for_tests();
    let _first = Application::build(config.clone())
        .await
        .expect("the first starts");
    std::fs::remove_file(config.data_dir.join(".lock")).unwrap();
    let refused = match Application::build(config).await {
        Ok(_) => panic!("a second calculator started on the same DATA_DIR"),
        Err(e) => e.to_string(),
    };
    assert!(
        refused.contains("another calculator serves from it"),
        "{refused}"
    );
}

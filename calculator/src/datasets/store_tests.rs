//! The store on a real directory: publishing, listing, reloading, deleting, and what a crash leaves behind.

use std::{fs, path::Path};

use contracts::{ColumnStats, Dataset};

use super::{DatasetId, Staging, Store};

fn dataset(id: &DatasetId, created_at: &str) -> Dataset {
    Dataset {
        id: id.to_string(),
        name: "sales".into(),
        file_name: Some("sales.csv".into()),
        table_name: "sales".into(),
        row_count: 2,
        columns: vec![ColumnStats {
            name: "x".into(),
            dtype: "i64".into(),
            null_count: 0,
            min: Some(1.into()),
            max: Some(2.into()),
            mean: Some(1.5),
        }],
        source_bytes: 8,
        stored_bytes: 4,
        created_at: created_at.into(),
        content_hash: "00".into(),
        encoding: "utf-8".into(),
        delimiter: ",".into(),
        notes: vec![],
    }
}

/// Stages an upload with a (fake) Parquet file, as the engine would leave it.
fn staged(store: &Store) -> Staging {
    let staging = store.stage().unwrap();
    fs::write(staging.source_path(), b"x\n1\n2\n").unwrap();
    fs::write(staging.parquet_path(), b"PAR1").unwrap();
    staging
}

/// Stages and publishes a dataset created at `created_at`; returns its id.
async fn published(store: &Store, created_at: &str) -> DatasetId {
    let staging = staged(store);
    let id = staging.id().clone();
    store
        .publish(staging, dataset(&id, created_at))
        .await
        .unwrap();
    id
}

fn entries(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[tokio::test]
async fn publish_lists_and_survives_a_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    assert!(store.list().is_empty());

    let first_id = published(&store, "2026-01-01T00:00:00.000Z").await;
    let second_id = published(&store, "2026-01-02T00:00:00.000Z").await;

    let ids: Vec<String> = store.list().iter().map(|d| d.id.clone()).collect();
    assert_eq!(
        ids,
        [second_id.to_string(), first_id.to_string()],
        "newest first"
    );
    assert!(entries(&dir.path().join("tmp")).is_empty());
    assert_eq!(
        entries(&dir.path().join("datasets").join(first_id.as_str())),
        ["data.parquet", "meta.json"],
        "the source CSV is not kept"
    );
    assert!(store.parquet_path(&first_id).is_file());

    let reopened = Store::open(dir.path()).unwrap();
    assert_eq!(reopened.list(), store.list());
    assert_eq!(reopened.get(&first_id).unwrap().name, "sales");
}

#[tokio::test]
async fn an_unpublished_staging_directory_is_removed_on_drop() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let staging = staged(&store);
    let path = staging.dir().to_path_buf();
    assert!(path.is_dir());
    drop(staging);
    assert!(!path.exists());
    assert!(store.list().is_empty());
}

#[tokio::test]
async fn publish_refuses_a_mismatched_id_and_cleans_up() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let staging = staged(&store);
    let other = DatasetId::generate();
    assert!(
        store
            .publish(staging, dataset(&other, "2026-01-01T00:00:00Z"))
            .await
            .is_err()
    );
    assert!(entries(&dir.path().join("tmp")).is_empty());
    assert!(entries(&dir.path().join("datasets")).is_empty());
}

#[tokio::test]
async fn publish_without_a_parquet_file_fails_and_lists_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let staging = store.stage().unwrap();
    let id = staging.id().clone();
    assert!(
        store
            .publish(staging, dataset(&id, "2026-01-01T00:00:00Z"))
            .await
            .is_err()
    );
    assert!(store.list().is_empty());
    assert!(entries(&dir.path().join("tmp")).is_empty());
    assert!(entries(&dir.path().join("datasets")).is_empty());
}

#[tokio::test]
async fn delete_removes_the_directory_once() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let id = published(&store, "2026-01-01T00:00:00Z").await;

    assert!(store.delete(&id).await.unwrap());
    assert!(store.get(&id).is_none());
    assert!(entries(&dir.path().join("datasets")).is_empty());
    assert!(entries(&dir.path().join("tmp")).is_empty());
    assert!(!store.delete(&id).await.unwrap(), "already gone");
    assert!(!store.delete(&DatasetId::generate()).await.unwrap());
}

#[tokio::test]
async fn open_clears_leftovers_and_skips_unreadable_entries_without_deleting_them() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let good = published(&store, "2026-01-01T00:00:00Z").await;

    // What a crash mid-upload or mid-delete leaves in tmp/.
    let tmp = dir.path().join("tmp");
    fs::create_dir(tmp.join("upload-crashed")).unwrap();
    fs::write(tmp.join("upload-crashed").join("source.csv"), b"a\n").unwrap();
    fs::write(tmp.join("stray-file"), b"").unwrap();
    // Broken entries in datasets/.
    let datasets = dir.path().join("datasets");
    let corrupt = DatasetId::generate();
    fs::create_dir(datasets.join(corrupt.as_str())).unwrap();
    fs::write(
        datasets.join(corrupt.as_str()).join("meta.json"),
        b"{not json",
    )
    .unwrap();
    let no_parquet = DatasetId::generate();
    fs::create_dir(datasets.join(no_parquet.as_str())).unwrap();
    fs::write(
        datasets.join(no_parquet.as_str()).join("meta.json"),
        serde_json::to_vec(&dataset(&no_parquet, "2026-01-01T00:00:00Z")).unwrap(),
    )
    .unwrap();
    let wrong_id = DatasetId::generate();
    fs::create_dir(datasets.join(wrong_id.as_str())).unwrap();
    fs::write(
        datasets.join(wrong_id.as_str()).join("meta.json"),
        serde_json::to_vec(&dataset(&good, "2026-01-01T00:00:00Z")).unwrap(),
    )
    .unwrap();
    fs::write(
        datasets.join(wrong_id.as_str()).join("data.parquet"),
        b"PAR1",
    )
    .unwrap();
    fs::create_dir(datasets.join("not-an-id")).unwrap();

    let reopened = Store::open(dir.path()).unwrap();
    let ids: Vec<String> = reopened.list().iter().map(|d| d.id.clone()).collect();
    assert_eq!(ids, [good.to_string()]);
    assert!(entries(&tmp).is_empty(), "leftovers cleared");
    assert_eq!(entries(&datasets).len(), 5, "broken entries left in place");
    assert!(datasets.join(corrupt.as_str()).join("meta.json").is_file());
}

#[tokio::test]
async fn concurrent_publishes_and_deletes_keep_the_index_and_disk_in_step() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..16 {
        let store = store.clone();
        tasks.spawn(async move {
            let id = published(&store, "2026-01-01T00:00:00Z").await;
            if i % 2 == 0 {
                // Two deletes race; exactly one wins.
                let (a, b) = tokio::join!(store.delete(&id), store.delete(&id));
                assert!(a.unwrap() ^ b.unwrap());
            }
        });
    }
    while let Some(done) = tasks.join_next().await {
        done.unwrap();
    }
    assert_eq!(store.list().len(), 8);
    assert_eq!(entries(&dir.path().join("datasets")).len(), 8);
    assert!(entries(&dir.path().join("tmp")).is_empty());
}

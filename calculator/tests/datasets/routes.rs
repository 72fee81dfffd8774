//! `/datasets` end to end through the router: uploads (multipart and raw), list, describe, preview, delete,
//! restarts — real Parquet on disk, real engine worker processes.

use crate::common::{Part, TestApp, column_names};
use axum::{body::Body, http::Request, http::StatusCode};
use serde_json::{Value, json};

const SALES: &str = "region,amount,qty,day\n\
                     north,10.5,3,2024-01-05\n\
                     south,20.0,,2024-02-10\n\
                     north,4.5,7,2024-03-15\n";

fn column<'a>(dataset: &'a Value, name: &str) -> &'a Value {
    dataset["columns"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("no column {name} in {dataset}"))
}

#[tokio::test]
async fn a_multipart_upload_is_stored_with_its_schema_and_statistics() {
    let app = TestApp::new();
    let reply = app.upload_file("sales.csv", SALES.as_bytes()).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text());
    let dataset = reply.json();
    let id = dataset["id"].as_str().unwrap();
    assert_eq!(
        reply.headers["location"],
        format!("/datasets/{id}").as_str()
    );

    assert_eq!(dataset["name"], "sales");
    assert_eq!(dataset["file_name"], "sales.csv");
    assert_eq!(dataset["table_name"], "sales");
    assert_eq!(dataset["row_count"], 3);
    assert_eq!(dataset["source_bytes"], SALES.len());
    assert!(dataset["stored_bytes"].as_u64().unwrap() > 0);
    assert_eq!(
        dataset["content_hash"],
        blake3::hash(SALES.as_bytes()).to_hex().as_str()
    );
    assert_eq!(dataset["encoding"], "utf-8");
    assert_eq!(dataset["delimiter"], ",");
    let created = dataset["created_at"].as_str().unwrap();
    humantime::parse_rfc3339(created).unwrap_or_else(|e| panic!("{created}: {e}"));

    let names = column_names(&dataset);
    assert_eq!(names, ["region", "amount", "qty", "day"]);
    let amount = column(&dataset, "amount");
    assert_eq!(amount["dtype"], "f64");
    assert_eq!(amount["null_count"], 0);
    assert_eq!(amount["min"], 4.5);
    assert_eq!(amount["max"], 20.0);
    assert!((amount["mean"].as_f64().unwrap() - 35.0 / 3.0).abs() < 1e-9);
    let qty = column(&dataset, "qty");
    assert_eq!(qty["dtype"], "i64");
    assert_eq!(qty["null_count"], 1);
    assert_eq!(
        (qty["min"].clone(), qty["max"].clone()),
        (json!(3), json!(7))
    );
    assert_eq!(qty["mean"], 5.0);
    let day = column(&dataset, "day");
    assert_eq!(day["dtype"], "date");
    assert_eq!(day["min"], "2024-01-05");
    assert_eq!(day["max"], "2024-03-15");
    assert_eq!(column(&dataset, "region")["dtype"], "str");

    // Described the same way afterwards, stored as Parquet plus metadata, nothing left in tmp/.
    let described = app.get(&format!("/datasets/{id}")).await;
    assert_eq!(described.status, StatusCode::OK);
    assert_eq!(described.json(), dataset);
    assert_eq!(
        app.entries(&format!("datasets/{id}")),
        ["data.parquet", "meta.json"]
    );
    assert!(app.entries("tmp").is_empty());
    let on_disk: Value = serde_json::from_slice(
        &std::fs::read(app.config.data_dir.join(format!("datasets/{id}/meta.json"))).unwrap(),
    )
    .unwrap();
    assert_eq!(on_disk, dataset);
}

#[tokio::test]
async fn a_raw_upload_takes_its_name_from_the_query_string() {
    let app = TestApp::new();
    let reply = app
        .upload_raw("My Sales (2024)", "a;b\n1;x\n2;y\n".to_owned())
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text());
    let dataset = reply.json();
    assert_eq!(dataset["name"], "My Sales (2024)");
    assert_eq!(dataset["table_name"], "my_sales_2024");
    assert!(dataset.get("file_name").is_none(), "{dataset}");
    assert_eq!(dataset["delimiter"], ";");
    assert_eq!(dataset["row_count"], 2);

    // The table answers to `data` and to its own name.
    let id = dataset["id"].as_str().unwrap();
    for sql in [
        "SELECT SUM(a) AS s FROM data",
        "SELECT SUM(a) AS s FROM my_sales_2024",
    ] {
        let reply = app.query(id, sql).await;
        assert_eq!(reply.status, StatusCode::OK, "{sql}: {}", reply.text());
        assert_eq!(reply.json()["rows"], json!([[3]]), "{sql}");
    }
}

#[tokio::test]
async fn names_come_from_the_form_field_the_query_string_or_the_file_name() {
    let app = TestApp::new();
    let form = [
        Part::text("name", "Quarterly report"),
        Part::file("file", "C:\\Users\\me\\q3.csv", b"x\n1\n"),
    ];
    let dataset = app.upload_form("/datasets", &form).await.json();
    assert_eq!(dataset["name"], "Quarterly report");
    assert_eq!(dataset["table_name"], "quarterly_report");
    assert_eq!(dataset["file_name"], "q3.csv", "no directory part is kept");

    let form = [Part::file("file", "2024 select.csv", b"x\n1\n")];
    let dataset = app.upload_form("/datasets?name=select", &form).await.json();
    assert_eq!(
        (dataset["name"].as_str(), dataset["table_name"].as_str()),
        (Some("select"), Some("select_table")),
        "?name= wins, and a reserved word is escaped"
    );
    let dataset = app.upload_form("/datasets", &form).await.json();
    assert_eq!(dataset["name"], "2024 select");
    assert_eq!(dataset["table_name"], "t_2024_select");

    let raw = app.upload_raw("", "x\n1\n".to_owned()).await;
    let (code, message) = raw.error(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(code, "invalid_input");
    assert!(message.contains("`name`"), "{message}");

    // What an HTML form sends when its optional name box is left empty: the file's name is used.
    for blank in ["", "  "] {
        let form = [
            Part::text("name", blank),
            Part::file("file", "sales 2024.csv", b"x\n1\n"),
        ];
        let reply = app.upload_form("/datasets", &form).await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text());
        assert_eq!(reply.json()["name"], "sales 2024");
    }
}

#[tokio::test]
async fn a_name_given_twice_differently_is_refused_and_nothing_is_kept() {
    let app = TestApp::new();
    let form = [
        Part::text("name", "from the form"),
        Part::file("file", "q3.csv", b"x\n1\n"),
    ];
    let reply = app
        .upload_form("/datasets?name=from%20the%20query", &form)
        .await;
    let (code, message) = reply.error(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(code, "invalid_input");
    assert!(
        message.contains("from the query") && message.contains("from the form"),
        "{message}"
    );
    assert!(app.listed_ids().await.is_empty());

    let reply = app
        .upload_form("/datasets?name=from%20the%20form", &form)
        .await;
    assert_eq!(
        reply.status,
        StatusCode::CREATED,
        "the same name twice is one name"
    );
    assert_eq!(reply.json()["name"], "from the form");
}

#[tokio::test]
async fn an_rfc_5987_file_name_is_read_and_names_the_table() {
    let app = TestApp::new();
    // What Python's `requests` sends for a non-ASCII file name: only `filename*`.
    let body = "--B\r\nContent-Disposition: form-data; name=\"file\"; filename*=UTF-8''caf%C3%A9.csv\r\n\
                Content-Type: text/csv\r\n\r\nx\n1\n\r\n--B--\r\n";
    let request = Request::post("/datasets")
        .header("content-type", "multipart/form-data; boundary=B")
        .body(Body::from(body))
        .unwrap();
    let reply = app.send(request).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text());
    let dataset = reply.json();
    assert_eq!(dataset["file_name"], "café.csv");
    assert_eq!(dataset["name"], "café");
    assert_eq!(dataset["table_name"], "cafe");
    let id = dataset["id"].as_str().unwrap();
    let reply = app.query(id, "SELECT SUM(x) AS s FROM cafe").await;
    assert_eq!(reply.json()["rows"], json!([[1]]), "{}", reply.text());
}

#[tokio::test]
async fn metrics_count_routes_and_what_is_stored() {
    let app = TestApp::new();
    let dataset = app.dataset("sales", SALES).await;
    let id = dataset["id"].as_str().unwrap();
    app.query(id, "SELECT SUM(qty) AS q FROM data").await;
    app.query(id, "SELECT nope FROM data").await;
    app.get("/datasets/not-an-id").await;
    let reply = app.get("/metrics").await;
    assert_eq!(reply.status, StatusCode::OK);
    let text = reply.text();
    for line in [
        r#"http_request_duration_seconds_count{method="POST",route="/datasets",status="201"} 1"#,
        r#"http_request_duration_seconds_count{method="POST",route="/datasets/{id}/query",status="200"} 1"#,
        r#"http_request_duration_seconds_count{method="POST",route="/datasets/{id}/query",status="422"} 1"#,
        r#"http_request_duration_seconds_count{method="GET",route="/datasets/{id}",status="404"} 1"#,
        "datasets 1",
        "datasets_rows 3",
        &format!("datasets_source_bytes {}", SALES.len()),
    ] {
        assert!(text.lines().any(|l| l == line), "no `{line}` in:\n{text}");
    }
    assert!(!text.contains(id), "ids are not labels");
    app.delete(&format!("/datasets/{id}")).await;
    let text = app.get("/metrics").await.text();
    assert!(text.lines().any(|l| l == "datasets 0"), "{text}");
}

#[tokio::test]
async fn the_list_is_newest_first_and_survives_a_restart() {
    let app = TestApp::new();
    let mut ids = Vec::new();
    for i in 0..3 {
        let dataset = app.dataset(&format!("d{i}"), &format!("n\n{i}\n")).await;
        ids.push(dataset["id"].as_str().unwrap().to_owned());
        // Timestamps have millisecond precision.
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    ids.reverse();
    assert_eq!(app.listed_ids().await, ids);

    let restarted = app.restart();
    assert_eq!(restarted.listed_ids().await, ids);
    for (i, id) in ids.iter().rev().enumerate() {
        let reply = restarted.query(id, "SELECT n FROM data").await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
        assert_eq!(reply.json()["rows"], json!([[i]]));
    }
    let before = app.get(&format!("/datasets/{}", ids[0])).await.json();
    let after = restarted.get(&format!("/datasets/{}", ids[0])).await.json();
    assert_eq!(before, after);
}

#[tokio::test]
async fn previews_show_the_first_rows() {
    let app = TestApp::new();
    let csv: String = std::iter::once("i,label\n".to_owned())
        .chain((0..30).map(|i| format!("{i},row {i}\n")))
        .collect();
    let dataset = app.dataset("rows", &csv).await;
    let id = dataset["id"].as_str().unwrap();

    let preview = app.get(&format!("/datasets/{id}/preview")).await;
    assert_eq!(preview.status, StatusCode::OK, "{}", preview.text());
    let preview = preview.json();
    assert_eq!(
        preview["columns"],
        json!([{"name": "i", "dtype": "i64"}, {"name": "label", "dtype": "str"}])
    );
    assert_eq!(preview["row_count"], 30);
    let rows = preview["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 20, "20 rows by default");
    assert_eq!(rows[0], json!([0, "row 0"]));
    assert_eq!(rows[19], json!([19, "row 19"]));

    let five = app
        .get(&format!("/datasets/{id}/preview?limit=5"))
        .await
        .json();
    assert_eq!(five["rows"].as_array().unwrap().len(), 5);
    let none = app
        .get(&format!("/datasets/{id}/preview?limit=0"))
        .await
        .json();
    assert_eq!(none["rows"], json!([]));
    assert_eq!(none["columns"].as_array().unwrap().len(), 2);
    let all = app
        .get(&format!("/datasets/{id}/preview?limit=1000"))
        .await
        .json();
    assert_eq!(all["rows"].as_array().unwrap().len(), 30);

    for bad in ["limit=1001", "limit=-1", "limit=many", "rows=3"] {
        let reply = app.get(&format!("/datasets/{id}/preview?{bad}")).await;
        let (code, message) = reply.error(StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(code, "invalid_input", "{bad}");
        assert!(
            message.contains("limit") || message.contains("rows"),
            "{bad}: {message}"
        );
    }
}

#[tokio::test]
async fn delete_removes_the_dataset_and_its_files() {
    let app = TestApp::new();
    let keep = app.dataset("keep", "x\n1\n").await;
    let gone = app.dataset("gone", "x\n2\n").await;
    let id = gone["id"].as_str().unwrap();

    let reply = app.delete(&format!("/datasets/{id}")).await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT, "{}", reply.text());
    assert!(reply.body.is_empty());
    assert_eq!(app.listed_ids().await, [keep["id"].as_str().unwrap()]);
    assert_eq!(app.entries("datasets"), [keep["id"].as_str().unwrap()]);
    assert!(app.entries("tmp").is_empty());

    for reply in [
        app.get(&format!("/datasets/{id}")).await,
        app.get(&format!("/datasets/{id}/preview")).await,
        app.query(id, "SELECT * FROM data").await,
        app.delete(&format!("/datasets/{id}")).await,
    ] {
        let (code, message) = reply.error(StatusCode::NOT_FOUND);
        assert_eq!(code, "dataset_not_found");
        assert!(message.contains(id), "{message}");
    }
    assert_eq!(app.restart().listed_ids().await.len(), 1);
}

#[tokio::test]
async fn unknown_and_malformed_ids_are_404_naming_the_id() {
    let app = TestApp::new();
    for id in [
        "3f0e2b9a6c1d4e5f8a7b6c5d4e3f2a1b",
        "nope",
        "..%2F..%2Fetc",
        "3F0E2B9A6C1D4E5F8A7B6C5D4E3F2A1B",
    ] {
        for reply in [
            app.get(&format!("/datasets/{id}")).await,
            app.get(&format!("/datasets/{id}/preview")).await,
            app.delete(&format!("/datasets/{id}")).await,
            app.query(id, "SELECT 1").await,
        ] {
            let (code, message) = reply.error(StatusCode::NOT_FOUND);
            assert_eq!(code, "dataset_not_found", "{id}");
            let shown = id.replace("%2F", "/");
            assert!(message.contains(&shown), "{id}: {message}");
        }
    }
}

/// An id whose percent-escapes are not UTF-8 is described (axum keeps no text of it), not shown as an empty id.
#[tokio::test]
async fn an_id_that_is_not_utf8_is_described() {
    let app = TestApp::new();
    for reply in [
        app.get("/datasets/%FF").await,
        app.get("/datasets/a%FFb/preview").await,
        app.delete("/datasets/%C3%28").await,
        app.query("%FF", "SELECT 1").await,
    ] {
        let (code, message) = reply.error(StatusCode::NOT_FOUND);
        assert_eq!(code, "dataset_not_found");
        assert!(
            message.contains("not UTF-8") && message.contains("32 lowercase hex digits"),
            "{message}"
        );
        assert!(!message.contains("``"), "{message}");
    }
}

#[tokio::test]
async fn concurrent_uploads_deletes_and_reads_are_safe() {
    let app = TestApp::new();
    let mut uploads = tokio::task::JoinSet::new();
    for i in 0..8 {
        let router = app.router.clone();
        uploads.spawn(async move {
            let request = Request::post(format!("/datasets?name=c{i}"))
                .header("content-type", "text/csv")
                .body(Body::from(format!("k,v\n{i},{}\n", i * 10)))
                .unwrap();
            let reply = testkit::send(router, request).await;
            assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text());
            (i, reply.json()["id"].as_str().unwrap().to_owned())
        });
    }
    let mut ids: Vec<(usize, String)> = uploads.join_all().await;
    ids.sort();
    let ids: Vec<String> = ids.into_iter().map(|(_, id)| id).collect();

    let mut work = tokio::task::JoinSet::new();
    for (i, id) in ids.iter().enumerate() {
        let router = app.router.clone();
        let id = id.clone();
        work.spawn(async move {
            if i % 2 == 0 {
                let delete = || {
                    Request::delete(format!("/datasets/{id}"))
                        .body(Body::empty())
                        .unwrap()
                };
                // Two deletes of one dataset race: one 204, one 404.
                let (a, b) = tokio::join!(
                    testkit::send(router.clone(), delete()),
                    testkit::send(router.clone(), delete())
                );
                let mut statuses = [a.status.as_u16(), b.status.as_u16()];
                statuses.sort();
                assert_eq!(statuses, [204, 404]);
            } else {
                let body = json!({"sql": "SELECT v FROM data"}).to_string();
                let reply = testkit::send(
                    router.clone(),
                    testkit::post_json(&format!("/datasets/{id}/query"), &body),
                )
                .await;
                assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
                assert_eq!(reply.json()["rows"], json!([[i * 10]]));
            }
            let list = testkit::send(router, testkit::get("/datasets")).await;
            assert_eq!(list.status, StatusCode::OK);
        });
    }
    work.join_all().await;
    let mut left = app.listed_ids().await;
    left.sort();
    let mut expected: Vec<String> = ids.iter().skip(1).step_by(2).cloned().collect();
    expected.sort();
    assert_eq!(left, expected);
    assert_eq!(app.entries("datasets"), expected);
    assert!(app.entries("tmp").is_empty());
}

#[tokio::test]
async fn the_openapi_document_describes_every_dataset_route() {
    let app = TestApp::new();
    let doc = app.get("/openapi.json").await.json();
    let paths = &doc["paths"];
    for (path, method) in [
        ("/datasets", "post"),
        ("/datasets", "get"),
        ("/datasets/{id}", "get"),
        ("/datasets/{id}", "delete"),
        ("/datasets/{id}/preview", "get"),
        ("/datasets/{id}/query", "post"),
    ] {
        let operation = &paths[path][method];
        assert_eq!(
            operation["tags"],
            json!(["datasets"]),
            "{method} {path}: {operation}"
        );
    }
    let upload = &paths["/datasets"]["post"]["requestBody"]["content"];
    assert!(upload.get("multipart/form-data").is_some(), "{upload}");
    assert!(upload.get("text/csv").is_some(), "{upload}");
    for schema in [
        "Dataset",
        "DatasetList",
        "Preview",
        "QueryRequest",
        "QueryResult",
    ] {
        assert!(
            doc["components"]["schemas"].get(schema).is_some(),
            "{schema} missing"
        );
    }
}

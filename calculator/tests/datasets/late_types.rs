//! Column types that the first rows do not tell (a column empty, or null tokens, in the rows polars infers
//! from; times of day written in more than one format), and the statistics of floats that are not finite.

use crate::common::{TestApp, column_types};
use axum::http::StatusCode;
use serde_json::json;

/// Before: `n` was stored as text (polars calls a column of nulls text), so `max(n)` compared strings and
/// answered "9", and `avg(n)` failed.
#[tokio::test]
async fn a_column_empty_in_its_first_rows_takes_the_type_of_its_values() {
    for app in TestApp::both_ways() {
        let mut csv = String::from("id,n,x,day,note,late\n");
        for i in 0..1_500 {
            csv.push_str(&format!("{i},,N/A,,,\n"));
        }
        for i in 0..20 {
            // `late`: whole numbers first, then decimals.
            let late = if i < 10 {
                "7".to_owned()
            } else {
                format!("{i}.5")
            };
            csv.push_str(&format!("{i},{i},{i}.5,2024-01-{:02},,{late}\n", i + 1));
        }
        let dataset = app.dataset("late", &csv).await;
        assert_eq!(
            column_types(&dataset),
            ["i64", "i64", "f64", "date", "str", "f64"],
            "{dataset}"
        );
        assert_eq!(dataset["columns"][1]["max"], 19, "{dataset}");
        assert_eq!(dataset["columns"][3]["min"], "2024-01-01", "{dataset}");
        let id = dataset["id"].as_str().unwrap();
        let reply = app
            .query(id, "SELECT max(n) AS m, avg(n) AS a, sum(x) AS s FROM data")
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
        assert_eq!(reply.json()["rows"], json!([[19, 9.5, 200.0]]));
    }
}

/// A column empty in the whole file has no type to take: it stays text.
#[tokio::test]
async fn a_column_empty_throughout_stays_text() {
    let app = TestApp::new();
    let mut csv = String::from("id,empty\n");
    for i in 0..3_000 {
        csv.push_str(&format!("{i},\n"));
    }
    let dataset = app.dataset("empty", &csv).await;
    assert_eq!(column_types(&dataset), ["i64", "str"]);
    assert_eq!(dataset["columns"][1]["null_count"], 3_000);
}

/// Before: 422 "conversion from `str` to `time` failed in column 't'", without a line: polars reads a time
/// of day in the format of the column's first value.
#[tokio::test]
async fn times_of_day_in_mixed_formats_are_kept() {
    let many = format!("{}23:59\n", "t\n".to_owned() + &"10:30:00\n".repeat(3_000));
    for app in TestApp::both_ways() {
        for (csv, odd) in [
            ("t\n10:30\n11:45:10\n", "11:45:10"),
            ("t\n10:30:00\n11:45\n", "11:45"),
            ("t\n10:30:00.250\n11:45\n", "11:45"),
            (many.as_str(), "23:59"),
        ] {
            let reply = app.upload_raw("times", csv.to_owned()).await;
            assert_eq!(
                reply.status,
                StatusCode::CREATED,
                "{csv:.40}: {}",
                reply.text()
            );
            let dataset = reply.json();
            assert_eq!(column_types(&dataset), ["str"], "{csv:.40}");
            let id = dataset["id"].as_str().unwrap();
            let found = app
                .query(
                    id,
                    &format!("SELECT count(*) AS n FROM data WHERE t = '{odd}'"),
                )
                .await;
            assert_eq!(found.json()["rows"], json!([[1]]), "{csv:.40}");
        }
    }
}

/// Before: one NaN made the mean null, and an infinity the minimum and maximum too.
#[tokio::test]
async fn nan_and_infinities_leave_the_statistics_readable() {
    let app = TestApp::new();
    let dataset = app
        .dataset("floats", "x,y\n1.5,inf\nNaN,-1\n3.5,-inf\n")
        .await;
    assert_eq!(column_types(&dataset), ["f64", "f64"], "{dataset}");
    let x = &dataset["columns"][0];
    assert_eq!(
        (&x["null_count"], &x["min"], &x["max"], &x["mean"]),
        (&json!(0), &json!(1.5), &json!(3.5), &json!(2.5)),
        "{dataset}"
    );
    let y = &dataset["columns"][1];
    assert_eq!((&y["min"], &y["max"]), (&json!("-inf"), &json!("inf")));
    assert!(y.get("mean").is_none(), "{dataset}");
}

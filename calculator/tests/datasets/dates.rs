//! Dates written as three numbers (03/15/2024, 15.03.24, 3/15/2024 1:30 PM): each column is read in the
//! order its values show, a column whose every date reads both ways is read as `date_order` says (day first
//! unless told) and the upload says so, and two-digit years are years of this century or the last.

use crate::common::{Part, TestApp, column_types};
use axum::http::StatusCode;
use serde_json::{Value, json};

/// The rows of `sql` over the dataset `id`.
async fn rows(app: &TestApp, id: &str, sql: &str) -> Value {
    let reply = app.query(id, sql).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    reply.json()["rows"].clone()
}

fn notes(dataset: &Value) -> String {
    dataset["notes"].to_string()
}

/// Before: a column of US dates stayed text, so `ORDER BY d` sorted 12/31/2023 after 01/02/2024 and no date
/// function applied.
#[tokio::test]
async fn us_dates_are_read_month_first() {
    for app in TestApp::both_ways() {
        let csv = "d,n\n01/02/2024,1\n03/15/2024,2\n12/31/2023,3\n,4\n";
        let dataset = app.dataset("us", csv).await;
        assert_eq!(column_types(&dataset), ["date", "i64"], "{dataset}");
        assert_eq!(dataset["columns"][0]["min"], "2023-12-31", "{dataset}");
        assert_eq!(dataset["columns"][0]["null_count"], 1, "{dataset}");
        assert!(notes(&dataset).contains("month first"), "{dataset}");
        let id = dataset["id"].as_str().unwrap();
        assert_eq!(
            rows(
                &app,
                id,
                "SELECT d, EXTRACT(MONTH FROM d) AS m FROM data WHERE d IS NOT NULL ORDER BY d"
            )
            .await,
            json!([["2023-12-31", 12], ["2024-01-02", 1], ["2024-03-15", 3]])
        );
    }
}

/// Before: 01/02/2024 was read as 1 February without a word.
#[tokio::test]
async fn dates_that_read_both_ways_are_read_as_asked_and_the_upload_says_so() {
    let app = TestApp::new();
    let csv = "d\n01/02/2024\n05/06/2024\n";
    let dataset = app.dataset("either", csv).await;
    assert_eq!(dataset["columns"][0]["min"], "2024-02-01", "{dataset}");
    assert!(
        notes(&dataset).contains("date_order=month_first"),
        "{dataset}"
    );
    let reply = app
        .upload_form(
            "/datasets?date_order=month_first",
            &[Part::file("file", "either.csv", csv.as_bytes())],
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text());
    let dataset = reply.json();
    assert_eq!(dataset["columns"][0]["min"], "2024-01-02", "{dataset}");
    assert_eq!(dataset["columns"][0]["max"], "2024-05-06", "{dataset}");
    assert!(
        notes(&dataset).contains("as `date_order` asked"),
        "{dataset}"
    );

    // A column that shows its order is read so, whatever `date_order` says; no note is needed.
    let reply = app
        .upload_form(
            "/datasets?date_order=month_first",
            &[Part::file("file", "eu.csv", b"d\n01/02/2024\n25/12/2024\n")],
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text());
    let dataset = reply.json();
    assert_eq!(dataset["columns"][0]["min"], "2024-02-01", "{dataset}");
    assert_eq!(dataset["notes"], Value::Null, "{dataset}");

    let reply = app
        .upload_form(
            "/datasets?date_order=sideways",
            &[Part::file("file", "x.csv", csv.as_bytes())],
        )
        .await;
    assert_eq!(
        reply.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        reply.text()
    );
    assert!(
        reply
            .text()
            .contains("`date_order`: unknown variant `sideways`"),
        "{}",
        reply.text()
    );
}

/// Dates that read both ways for longer than the rows the types are inferred from, then one that does not:
/// the whole column is read that one's way (the conversion starts again), not kept as text.
#[tokio::test]
async fn a_late_date_settles_the_order_of_the_whole_column() {
    for app in TestApp::both_ways() {
        let mut csv = String::from("d,n\n");
        for i in 0..40_000 {
            csv.push_str(&format!("01/0{}/2024,{i}\n", i % 9 + 1));
        }
        csv.push_str("03/15/2024,40000\n");
        let dataset = app.dataset("late", &csv).await;
        assert_eq!(column_types(&dataset), ["date", "i64"], "{dataset}");
        assert_eq!(dataset["columns"][0]["min"], "2024-01-01", "{dataset}");
        assert_eq!(dataset["columns"][0]["max"], "2024-03-15", "{dataset}");
        assert!(notes(&dataset).contains("month first"), "{dataset}");
    }
}

/// Day-first and month-first dates in one column, or a word among them: the column stays text.
#[tokio::test]
async fn a_column_of_both_orders_stays_text() {
    let app = TestApp::new();
    for csv in [
        "d\n03/15/2024\n15/03/2024\n".to_owned(),
        format!(
            "d\n{}15/03/2024\n",
            "01/02/2024\n03/15/2024\n".repeat(20_000)
        ),
        format!("d\n{}soon\n", "03/15/2024\n".repeat(20_000)),
    ] {
        let dataset = app.dataset("mixed", &csv).await;
        assert_eq!(column_types(&dataset), ["str"], "{dataset}");
        let rows = dataset["row_count"].as_u64().unwrap();
        assert_eq!(rows as usize, csv.lines().count() - 1);
    }
}

/// Before: 01/02/24 was the year 24, and a time with AM/PM stayed text (and an ISO date with one was then
/// read as the morning's hour by EXTRACT).
#[tokio::test]
async fn two_digit_years_and_twelve_hour_times_are_read() {
    let app = TestApp::new();
    let dataset = app
        .dataset(
            "short",
            "d,t,iso\n15/03/24,3/15/2024 1:30 PM,2024-03-15 1:30 PM\n\
             01/02/70,3/16/2024 12:05 am,2024-03-15 12:10 AM\n",
        )
        .await;
    assert_eq!(column_types(&dataset)[0], "date", "{dataset}");
    assert!(
        column_types(&dataset)[1].starts_with("datetime"),
        "{dataset}"
    );
    assert!(notes(&dataset).contains("two-digit years"), "{dataset}");
    let id = dataset["id"].as_str().unwrap();
    assert_eq!(
        rows(
            &app,
            id,
            "SELECT d, t, EXTRACT(HOUR FROM iso) FROM data ORDER BY d"
        )
        .await,
        json!([
            ["1970-02-01", "2024-03-16T00:05:00", 0],
            ["2024-03-15", "2024-03-15T13:30:00", 13]
        ])
    );
    // 69 is 2069 and 70 is 1970, as polars (chrono) reads two-digit years.
    let dataset = app.dataset("pivot", "d\n15.03.69\n15.03.70\n").await;
    assert_eq!(dataset["columns"][0]["max"], "2069-03-15", "{dataset}");
    assert!(notes(&dataset).contains("1970 to 2069"), "{dataset}");
}

/// Two-digit years among four-digit ones: before, 16.03.24 was stored as the year 24 beside 2024 (polars
/// read the column when both were among the first rows, this module when the short one came later).
#[tokio::test]
async fn a_column_of_two_and_four_digit_years_is_text_and_says_why() {
    let app = TestApp::new();
    for csv in ["d\n15.03.2024\n16.03.24\n", "d\n2024-03-15\n24-03-16\n"] {
        let dataset = app.dataset("mixed", csv).await;
        assert_eq!(column_types(&dataset), ["str"], "{dataset}");
        assert!(notes(&dataset).contains("`d` (`"), "{dataset}");
    }
    let mut csv = String::from("d\n");
    csv.push_str(&"15.03.2024\n".repeat(3_000));
    csv.push_str("16.03.24\n");
    let dataset = app.dataset("years", &csv).await;
    assert_eq!(column_types(&dataset), ["str"], "{dataset}");
    assert!(
        notes(&dataset).contains("`d` (`16.03.24`, line 3002)"),
        "{dataset}"
    );
}

/// A column empty in its first rows and then filled with US dates was text (polars' inference calls them
/// text), and `date_order` did not reach it; a headerless file whose first row holds the only date of its
/// column failed ("expected `String`, got `date`").
#[tokio::test]
async fn dates_found_after_the_first_rows_are_read_as_they_show() {
    for app in TestApp::both_ways() {
        let mut csv = String::from("i,us,either\n");
        for i in 0..1_500 {
            csv.push_str(&format!("{i},,\n"));
        }
        csv.push_str("1500,03/15/2024,01/02/2024\n1501,12/31/2023,03/04/2024\n");
        let reply = app
            .upload_form(
                "/datasets?date_order=month_first",
                &[Part::file("file", "late.csv", csv.as_bytes())],
            )
            .await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text());
        let dataset = reply.json();
        assert_eq!(column_types(&dataset), ["i64", "date", "date"], "{dataset}");
        assert_eq!(dataset["columns"][1]["min"], "2023-12-31", "{dataset}");
        assert_eq!(dataset["columns"][2]["min"], "2024-01-02", "{dataset}");
        assert!(
            notes(&dataset).contains("as `date_order` asked"),
            "{dataset}"
        );
    }
    let app = TestApp::new();
    let dataset = app.dataset("headless", "1,01/02/2024\n2,\n3,\n").await;
    assert_eq!(column_types(&dataset), ["i64", "date"], "{dataset}");
}

/// Nine columns whose dates read both ways for the first rows, each settled by a later value: one restart
/// settles them all (before, the ninth exhausted the widening budget and the upload failed).
#[tokio::test]
async fn many_date_columns_settle_together() {
    let app = TestApp::new();
    let header: Vec<String> = (0..9).map(|i| format!("d{i}")).collect();
    let mut csv = header.join(",") + "\n";
    for _ in 0..1_200 {
        csv.push_str(&["01/02/2024"; 9].join(","));
        csv.push('\n');
    }
    csv.push_str(&["01/13/2024"; 9].join(","));
    csv.push('\n');
    let dataset = app.dataset("nine", &csv).await;
    assert_eq!(column_types(&dataset), vec!["date"; 9], "{dataset}");
    assert_eq!(dataset["columns"][8]["max"], "2024-01-13", "{dataset}");
    assert!(notes(&dataset).contains("columns `d0`, `d1`"), "{dataset}");
}

/// A headerless file of datetimes was split at the colons of its times (`2024-03-15 13`, `30`, `00,1` read
/// with a decimal comma as 0.1).
#[tokio::test]
async fn a_headerless_file_of_datetimes_keeps_its_commas() {
    let app = TestApp::new();
    let dataset = app
        .dataset("log", "2024-03-15 13:30:00,1\n2024-03-16 09:05:00,2\n")
        .await;
    assert_eq!(dataset["delimiter"], ",", "{dataset}");
    assert_eq!(column_types(&dataset), ["datetime[μs]", "i64"], "{dataset}");
    assert_eq!(dataset["row_count"], 2, "{dataset}");
}

//! Uploads of dates and times whose stored value would differ from what the file shows, or which polars left
//! text: month names (`Mar 5 2024`), offsets from UTC, fractions past microseconds, leap seconds. Each is
//! stored as the file means it, or the notes say how it was read, with an example.

mod common;

use common::*;
use contracts::MonthNames;
use serde_json::{Value, json};

/// The notes of an upload `text`, its column types and its stored rows.
async fn uploaded(text: &str) -> (Vec<String>, Vec<String>, Vec<Vec<Value>>) {
    uploaded_with(text, MonthNames::Text).await
}

/// [`uploaded`], with dates written with month names read as `month_names` says.
async fn uploaded_with(
    text: &str,
    month_names: MonthNames,
) -> (Vec<String>, Vec<String>, Vec<Vec<Value>>) {
    let (report, rows) = upload_with(text, month_names).await;
    let report = report.unwrap_or_else(|e| panic!("{text:?}: {e}"));
    let types = report.columns.iter().map(|c| c.dtype.clone()).collect();
    (report.notes, types, rows)
}

/// The six layouts of month names, any case, with full names and abbreviations mixed (`May` is both):
/// asked for as dates (`?month_names=dates`), stored as dates, the layout named in a note; queried and
/// described as dates.
#[tokio::test]
async fn dates_with_month_names_are_dates_with_a_note_naming_the_layout() {
    for (first, second, layout) in [
        ("Mar 5 2024", "april 16 2024", "Mar 5 2024"),
        ("\"March 5, 2024\"", "\"Apr 16, 2024\"", "Mar 5, 2024"),
        ("5-Mar-2024", "16-APR-2024", "5-Mar-2024"),
        ("05 Mar 2024", "16 April 2024", "5 Mar 2024"),
        ("5 March 2024", "16 apr 2024", "5 Mar 2024"),
        ("2024-Mar-05", "2024-Apr-16", "2024-Mar-05"),
    ] {
        let text = format!("id,d\n1,{first}\n2,{second}\n3,\n");
        let (notes, types, rows) = uploaded_with(&text, MonthNames::Dates).await;
        assert_eq!(types, ["i64", "date"], "{text:?}");
        assert_eq!(
            rows,
            [
                [json!(1), json!("2024-03-05")],
                [json!(2), json!("2024-04-16")],
                [json!(3), Value::Null]
            ],
            "{text:?}"
        );
        assert_eq!(
            notes,
            [format!(
                "column `d` writes dates with the month's name, as {layout}: they were read as dates."
            )],
            "{text:?}"
        );
    }
}

/// What is no such date in one layout stays text: a name alone, no year, two layouts, a two-digit year, a
/// day the month lacks. A column of two layouts names the value that keeps it text.
#[tokio::test]
async fn month_names_without_a_year_or_in_two_layouts_stay_text() {
    for (values, note) in [
        (["May", "June"], None),
        (["Mar 5", "Apr 6"], None),
        (["Mar 5 24", "Apr 6 24"], None),
        (["Feb 30 2024", "Mar 1 2024"], None),
        (["Sept 5 2024", "Oct 1 2024"], None),
        (
            ["Mar 5 2024", "6 Apr 2024"],
            Some(
                "kept as text, though they hold dates with month names, for a value unlike the others: \
                 `d` (`6 Apr 2024`, line 3).",
            ),
        ),
    ] {
        let text = format!("id,d\n1,{}\n2,{}\n", values[0], values[1]);
        let (notes, types, rows) = uploaded(&text).await;
        assert_eq!(types, ["i64", "str"], "{text:?}");
        assert_eq!(rows[1][1], json!(values[1]), "{text:?}");
        assert_eq!(notes, note.into_iter().collect::<Vec<_>>(), "{text:?}");
    }
}

/// Past the rows the types are inferred from: a value of another layout makes the column text, named with
/// its line; a column empty until then takes the type of its first values, month names too.
#[tokio::test]
async fn a_later_month_name_date_of_another_layout_makes_its_column_text() {
    let fill = "1,Mar 5 2024,\n".repeat(1_500);
    let text = format!("id,d,late\n{fill}2,5 Mar 2024,Jan 2 2025\n3,Mar 6 2024,Dec 31 2025\n");
    let (notes, types, rows) = uploaded_with(&text, MonthNames::Dates).await;
    assert_eq!(types, ["i64", "str", "date"]);
    assert_eq!(rows[1_500][1], json!("5 Mar 2024"));
    assert_eq!(rows[1_501][2], json!("2025-12-31"));
    assert!(
        notes.contains(
            &"kept as text, though they hold dates with month names, for a value unlike the others: \
              `d` (`5 Mar 2024`, line 1502)."
                .to_owned()
        ),
        "{notes:?}"
    );
}

/// Queried as dates (rows as SQLite gives them for the same dates written `YYYY-MM-DD`), and described with
/// their smallest and largest values.
#[tokio::test]
async fn month_name_dates_are_queried_and_described_as_dates() {
    let engine = engine();
    let (_dir, path) = csv_file(
        "t.csv",
        b"id,d\n1,Mar 5 2024\n2,Jan 31 2024\n3,Dec 1 2023\n4,Feb 29 2024\n",
    );
    let (report, parquet) = ingest_with(&engine, &path, MonthNames::Dates).await;
    let report = report.unwrap();
    let stats = &report.columns[1];
    assert_eq!(
        (stats.min.clone(), stats.max.clone()),
        (Some(json!("2023-12-01")), Some(json!("2024-03-05")))
    );
    let catalog = catalog(&report, &[]);
    let cases: &[(&str, Value)] = &[
        (
            "SELECT id FROM data WHERE d >= '2024-01-31' ORDER BY d",
            json!([[2], [4], [1]]),
        ),
        (
            "SELECT strftime('%m', d), COUNT(*) FROM data GROUP BY 1 ORDER BY 1",
            json!([["01", 1], ["02", 1], ["03", 1], ["12", 1]]),
        ),
    ];
    expect_rows(&engine, &parquet, &catalog, cases).await;
}

/// By default (as SQLite, pandas and DuckDB do) dates written with month names stay text as written, so that
/// a query shows them as the file does; the note names the upload option and the SQL that reads them as
/// dates, and that SQL runs. A column empty in the first rows whose later values are such dates stays text too.
#[tokio::test]
async fn month_name_dates_stay_text_by_default_with_the_sql_that_reads_them() {
    let engine = engine();
    let fill = "9,\"September 24, 2007\",\n".repeat(1_200);
    let text =
        format!("id,aired,late\n1,\"March 5, 2024\",\n{fill}2,\"January 31, 2024\",Jan 2 2025\n");
    let (_dir, path) = csv_file("t.csv", text.as_bytes());
    let (report, parquet) = ingest(&engine, &path).await;
    let report = report.unwrap();
    let types: Vec<&str> = report.columns.iter().map(|c| c.dtype.as_str()).collect();
    assert_eq!(types, ["i64", "str", "str"]);
    let note = (report.notes.iter())
        .find(|n| n.starts_with("column `aired`"))
        .unwrap_or_else(|| panic!("{:?}", report.notes));
    assert_eq!(
        note,
        "column `aired` writes dates with month names (`March 5, 2024`, line 2): kept as text, as written; \
         upload with `?month_names=dates` (the page's \"Dates like Mar 5 2024\") to store them as dates, or \
         read them in SQL with `STRPTIME(\"aired\", '%B %d, %Y')`."
    );
    assert!(
        report
            .notes
            .iter()
            .any(|n| n.starts_with("column `late` writes dates with month names")),
        "{:?}",
        report.notes
    );
    let strptime = note.split('`').find(|p| p.starts_with("STRPTIME")).unwrap();
    let catalog = catalog(&report, &[]);
    let cases: &[(&str, Value)] = &[(
        &format!(
            "SELECT aired, CAST({strptime} AS DATE) FROM data WHERE id <> 9 ORDER BY {strptime}"
        ),
        json!([
            ["January 31, 2024", "2024-01-31"],
            ["March 5, 2024", "2024-03-05"]
        ]),
    )];
    expect_rows(&engine, &parquet, &catalog, cases).await;
}

/// Times with an offset from UTC are stored in UTC (the instant is right, the clock time shown changes):
/// a note names the column with one of its values before and after, whether the offsets are alike or not.
#[tokio::test]
async fn times_with_an_offset_are_stored_in_utc_with_a_note() {
    for (first, second, stored, example) in [
        (
            "2024-03-15T10:00:00+02:00",
            "2024-03-16T11:30:00+02:00",
            ["2024-03-15T08:00:00", "2024-03-16T09:30:00"],
            "`2024-03-15T10:00:00+02:00`, line 2 → `2024-03-15 08:00:00 UTC`",
        ),
        (
            "2024-03-15T10:00:00Z",
            "2024-03-16T11:30:00+0530",
            ["2024-03-15T10:00:00", "2024-03-16T06:00:00"],
            "`2024-03-16T11:30:00+0530`, line 3 → `2024-03-16 06:00:00 UTC`",
        ),
        (
            "2024-03-15 10:00:00-05:00",
            "2024-03-16 11:30:00+01:00",
            ["2024-03-15T15:00:00", "2024-03-16T10:30:00"],
            "`2024-03-15 10:00:00-05:00`, line 2 → `2024-03-15 15:00:00 UTC`",
        ),
    ] {
        let text = format!("id,ts\n1,{first}\n2,{second}\n");
        let (notes, types, rows) = uploaded(&text).await;
        assert_eq!(types, ["i64", "datetime[μs, UTC]"], "{text:?}");
        assert_eq!(
            rows,
            [[json!(1), json!(stored[0])], [json!(2), json!(stored[1])]]
        );
        assert_eq!(
            notes,
            [format!(
                "column `ts` has times with an offset from UTC: they were stored in UTC ({example}), and are \
                 shown, compared and grouped so."
            )],
            "{text:?}"
        );
    }
}

/// A column of times with and without an offset stays text, every value as written, and the note says why.
#[tokio::test]
async fn times_with_and_without_an_offset_stay_text_with_a_note() {
    let text = "id,ts\n1,2024-03-15T10:00:00+02:00\n2,2024-03-16T11:30:00\n";
    let (notes, types, rows) = uploaded(text).await;
    assert_eq!(types, ["i64", "str"]);
    assert_eq!(rows[0][1], json!("2024-03-15T10:00:00+02:00"));
    assert_eq!(rows[1][1], json!("2024-03-16T11:30:00"));
    assert_eq!(
        notes,
        [
            "column `ts` was kept as text: some of its times have an offset from UTC \
          (`2024-03-15T10:00:00+02:00`, line 2) and some none (`2024-03-16T11:30:00`, line 3), so they \
          cannot be put on one clock."
        ]
    );
}

/// Nanoseconds are cut to microseconds, and a leap second is the next minute's start: each said in a note
/// with the value and what was stored.
#[tokio::test]
async fn cut_fractions_and_leap_seconds_are_named() {
    let text = "id,ts\n1,2024-03-15 10:00:00.123456789\n2,2024-03-16 11:30:00.5\n";
    let (notes, _, rows) = uploaded(text).await;
    assert_eq!(rows[0][1], json!("2024-03-15T10:00:00.123456"));
    assert_eq!(
        notes,
        [
            "column `ts` has fractions of a second past microseconds: they were cut to microseconds \
          (`2024-03-15 10:00:00.123456789`, line 2 → `2024-03-15 10:00:00.123456`)."
        ]
    );
    for (leap, stored) in [
        ("2016-12-31 23:59:60", "2017-01-01 00:00:00"),
        ("2016-12-31T23:59:60", "2017-01-01 00:00:00"),
    ] {
        let other = format!("2024-03-16{}11:30:00", &leap[10..11]);
        let text = format!("id,ts\n1,{leap}\n2,{other}\n");
        let (notes, _, rows) = uploaded(&text).await;
        assert_eq!(rows[0][1], json!(stored.replace(' ', "T")), "{leap}");
        assert_eq!(
            notes,
            [format!(
                "column `ts` has a leap second: it was stored as the next minute's start (`{leap}`, line 2 \
                 → `{stored}`)."
            )]
        );
    }
}

/// A leap second past the rows the types are inferred from is named too, with its line.
#[tokio::test]
async fn a_late_leap_second_is_named_with_its_line() {
    let fill = "1,2016-12-31 10:00:00\n".repeat(1_500);
    let text = format!("id,ts\n{fill}2,2016-12-31 23:59:60\n");
    let (notes, types, rows) = uploaded(&text).await;
    assert_eq!(types, ["i64", "datetime[μs]"]);
    assert_eq!(rows[1_500][1], json!("2017-01-01T00:00:00"));
    assert_eq!(
        notes,
        [
            "column `ts` has a leap second: it was stored as the next minute's start (`2016-12-31 23:59:60`, \
          line 1502 → `2017-01-01 00:00:00`)."
        ]
    );
}

/// A month name among ISO dates keeps the column text as before, and the note does not call the column one
/// of month names.
#[tokio::test]
async fn a_month_name_among_iso_dates_is_a_value_unlike_dates_written_as_numbers() {
    let (notes, types, _) = uploaded("id,d\n1,Mar 5 2024\n2,2024-03-06\n3,2024-03-07\n").await;
    assert_eq!(types, ["i64", "str"]);
    assert_eq!(
        notes,
        [
            "kept as text, though they hold dates written as numbers, for a value unlike the others: `d` \
          (`Mar 5 2024`, line 2)."
        ]
    );
}

/// Three numbers with a year of one or three digits are no date (version numbers, `1.2.3`): polars read
/// `1.2.3` as 1 February of the year 3. They stay text as written; a column of dates with one of them
/// among its values is text with the usual note. Two- and four-digit years are still dates.
#[tokio::test]
async fn numbers_with_a_one_or_three_digit_year_are_no_dates() {
    for values in [
        ["1.2.3", "1.10.0"],
        ["1/2/3", "4/5/6"],
        ["1-2-3", "4-5-6"],
        ["24-3-5", "25-3-5"],
        ["123-4-5", "124-4-5"],
        ["1.2.345", "2.3.456"],
        ["1.2.3 10:00", "1.2.4 11:00"],
    ] {
        let text = format!("id,version\n1,{}\n2,{}\n", values[0], values[1]);
        let (notes, types, rows) = uploaded(&text).await;
        assert_eq!(types, ["i64", "str"], "{text:?}");
        assert_eq!(
            rows,
            [[json!(1), json!(values[0])], [json!(2), json!(values[1])]],
            "{text:?}"
        );
        assert_eq!(notes, Vec::<String>::new(), "{text:?}");
    }
    for (values, stored) in [
        (["2024-3-5", "2024-3-6"], "2024-03-05"),
        (["3/5/24", "3/6/24"], "2024-05-03"),
        (["15.03.24", "16.03.24"], "2024-03-15"),
        (["15.03.2024", "16.03.2024"], "2024-03-15"),
    ] {
        let text = format!("id,d\n1,{}\n2,{}\n", values[0], values[1]);
        let (_, types, rows) = uploaded(&text).await;
        assert_eq!(types, ["i64", "date"], "{text:?}");
        assert_eq!(rows[0][1], json!(stored), "{text:?}");
    }
    for values in [
        ["15.03.2024", "1.2.3", "16.03.2024"],
        ["2024-03-15", "1-2-3", "2024-03-16"],
    ] {
        let text = format!("id,d\n1,{}\n2,{}\n3,{}\n", values[0], values[1], values[2]);
        let (notes, types, rows) = uploaded(&text).await;
        assert_eq!(types, ["i64", "str"], "{text:?}");
        assert_eq!(rows[1][1], json!(values[1]), "{text:?}");
        assert_eq!(
            notes,
            [format!(
                "kept as text, though they hold dates written as numbers, for a value unlike the others: \
                 `d` (`{}`, line 3).",
                values[1]
            )],
            "{text:?}"
        );
    }
}

/// Past the rows the types are inferred from, such a value makes a column of dates text, named with its line.
#[tokio::test]
async fn a_late_number_with_a_one_digit_year_makes_a_date_column_text() {
    for late in ["1.2.3", "1.2.345", "1.2.20245"] {
        let fill = "1,15.03.2024\n".repeat(1_500);
        let text = format!("id,d\n{fill}2,{late}\n");
        let (notes, types, rows) = uploaded(&text).await;
        assert_eq!(types, ["i64", "str"], "{late}");
        assert_eq!(rows[1_500][1], json!(late));
        assert_eq!(
            notes,
            [format!(
                "kept as text, though they hold dates written as numbers, for a value unlike the others: \
                 `d` (`{late}`, line 1502)."
            )]
        );
    }
}

/// Past the rows the types are inferred from: a fraction past microseconds, or a leap second with a
/// fraction, is named with its line, in a column of fractions or of whole seconds (which takes fractions
/// from then on: it was text).
#[tokio::test]
async fn late_cut_fractions_and_leap_seconds_with_a_fraction_are_named() {
    for first in ["2024-03-15 10:00:00.5", "2024-03-15 10:00:00"] {
        let fill = format!("1,{first}\n").repeat(1_500);
        let text =
            format!("id,ts\n{fill}2,2024-03-15 10:00:00.123456789\n3,2016-12-31 23:59:60.5\n");
        let (notes, types, rows) = uploaded(&text).await;
        assert_eq!(types, ["i64", "datetime[μs]"], "{first}");
        assert_eq!(rows[1_500][1], json!("2024-03-15T10:00:00.123456"));
        assert_eq!(rows[1_501][1], json!("2017-01-01T00:00:00.500"));
        assert_eq!(
            notes,
            [
                "column `ts` has fractions of a second past microseconds: they were cut to microseconds \
                 (`2024-03-15 10:00:00.123456789`, line 1502 → `2024-03-15 10:00:00.123456`).",
                "column `ts` has a leap second: it was stored as the next minute's start \
                 (`2016-12-31 23:59:60.5`, line 1503 → `2017-01-01 00:00:00.500`)."
            ],
            "{first}"
        );
    }
}

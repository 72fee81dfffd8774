//! Uploads of numbers written as exports write them (Stripe, Shopify, banks, Excel): comma thousands, a
//! currency sign or code, accounting parentheses, percentages. A column whose every value is a number in one
//! such convention is stored as numbers under a note naming it; anything else stays text as written.

mod common;

use common::*;
use serde_json::Value;

/// The stored types of `report`'s columns, in order.
fn types(report: &engine::IngestReport) -> Vec<&str> {
    report.columns.iter().map(|c| c.dtype.as_str()).collect()
}

/// Column `index` of `rows`, as JSON values.
fn column(rows: &[Vec<Value>], index: usize) -> Vec<Value> {
    rows.iter().map(|row| row[index].clone()).collect()
}

fn floats(values: &[f64]) -> Vec<Value> {
    values.iter().map(|v| Value::from(*v)).collect()
}

fn ints(values: &[i64]) -> Vec<Value> {
    values.iter().map(|v| Value::from(*v)).collect()
}

/// Before: every one of these columns was stored as text, so a SUM of `amount` was refused or wrong.
#[tokio::test]
async fn currency_thousands_and_parentheses_are_numbers_and_percentages_text_with_a_note() {
    let text = "item,amount,qty,rate,balance,fee,code\n\
        A,\"$1,234.56\",\"1,234\",12.5%,(123.45),€5.00,USD 12.00\n\
        B,-$5.00,999,3%,\"1,000.50\",12.50 €,USD 7.50\n\
        C,$-5.00,\"1,234,567\",0.25%,7.25,\"€1,000.00\",\"USD 1,000.00\"\n\
        D,($5.00),\"-1,234\",100%,(0.50),€0.99,USD -3.00\n\
        E,$0.99,,,,,\n";
    let (report, rows) = upload(text).await;
    let report = report.unwrap();
    assert_eq!(
        types(&report),
        ["str", "f64", "i64", "str", "f64", "f64", "f64"]
    );
    assert_eq!(column(&rows, 1), floats(&[1234.56, -5.0, -5.0, -5.0, 0.99]));
    let mut qty = ints(&[1234, 999, 1234567, -1234]);
    qty.push(Value::Null);
    assert_eq!(column(&rows, 2), qty);
    // Percentages as written (12.5% may be meant as 12.5 or as 0.125), as SQLite keeps them.
    let mut rate: Vec<Value> = ["12.5%", "3%", "0.25%", "100%"].map(Value::from).to_vec();
    rate.push(Value::Null);
    assert_eq!(column(&rows, 3), rate);
    let mut balance = floats(&[-123.45, 1000.5, 7.25, -0.5]);
    balance.push(Value::Null);
    assert_eq!(column(&rows, 4), balance);
    let mut fee = floats(&[5.0, 12.5, 1000.0, 0.99]);
    fee.push(Value::Null);
    assert_eq!(column(&rows, 5), fee);
    let mut code = floats(&[12.0, 7.5, 1000.0, -3.0]);
    code.push(Value::Null);
    assert_eq!(column(&rows, 6), code);
    let notes = report.notes.join("\n");
    for said in [
        "`amount`: read `$1,234.56` (line 2) as 1234.56 (currency sign `$` and thousands separators \
         dropped, parentheses read as a minus sign)",
        "`qty`: read `1,234` (line 2) as 1234 (thousands separators dropped)",
        "`rate` holds percentages (`12.5%`, line 2): kept as text, as written (a percentage may be meant as \
         12.5 or as 0.125); to compute with them write `CAST(REPLACE(\"rate\", '%', '') AS DOUBLE)`.",
        "`balance`: read `(123.45)` (line 2) as -123.45 (thousands separators dropped, parentheses read as \
         a minus sign)",
        "`fee`: read `€1,000.00` (line 4) as 1000 (currency sign `€` and thousands separators dropped)",
        "`code`: read `USD 1,000.00` (line 4) as 1000 (currency code `USD` and thousands separators dropped)",
    ] {
        assert!(notes.contains(said), "{said}\nnot in:\n{notes}");
    }
}

/// Values that only look a little like such numbers stay text, as written, with no note about them.
#[tokio::test]
async fn lookalikes_and_mixed_conventions_stay_text() {
    let text = "ids,phone,odd,version,zip,shell,mixed,pct,short,notes,paren\n\
        \"1,2,3\",555-1234,\"2024,5\",1.2.3.4,02134,$HOME,$5.00,12%,\"1,23\",(see below),(1)\n\
        \"4,5,6\",(555) 123-4567,\"2024,6\",2.10.1.0,10001,$5,€5.00,5,\"1,234\",$ 5 each,(2)\n";
    let (report, rows) = upload(text).await;
    let report = report.unwrap();
    assert_eq!(types(&report), ["str"; 11]);
    assert_eq!(rows[0][0], Value::from("1,2,3"));
    assert_eq!(rows[1][6], Value::from("€5.00"));
    assert_eq!(rows[1][8], Value::from("1,234"));
    assert!(report.notes.is_empty(), "{:?}", report.notes);
}

/// In a file of semicolons with no decimal point anywhere, `1,234` may be a German 1.234: it stays text. A
/// decimal point elsewhere in the file says the comma groups thousands.
#[tokio::test]
async fn comma_thousands_need_a_point_decimal_file_when_commas_do_not_separate_fields() {
    let (report, rows) = upload("item;qty\nA;1,234\nB;2,500\n").await;
    assert_eq!(types(&report.unwrap()), ["str", "str"]);
    assert_eq!(rows[0][1], Value::from("1,234"));
    let (report, rows) = upload("item;qty;price\nA;1,234;2.50\nB;2,500;3.75\n").await;
    assert_eq!(types(&report.unwrap()), ["str", "i64", "f64"]);
    assert_eq!(column(&rows, 1), ints(&[1234, 2500]));
}

/// Past the rows the types are inferred from, a value in the column's convention is read the same; a decimal
/// widens a column of whole amounts; a value in another convention (another currency) makes the column text.
#[tokio::test]
async fn later_values_convert_or_widen_the_column() {
    let mut text = String::from("id,amount,price,other\n");
    for i in 0..3_000 {
        let (amount, other) = match i {
            2_500 => ("\"$2,000.50\"".to_owned(), "€7".to_owned()),
            _ => (
                format!("\"${},{:03}\"", 1 + i % 9, i % 1000),
                "$7".to_owned(),
            ),
        };
        text.push_str(&format!("{i},{amount},\"${i}.25\",{other}\n"));
    }
    let (report, _) = upload(&text).await;
    let report = report.unwrap();
    assert_eq!(types(&report), ["i64", "f64", "f64", "str"]);
    let engine = engine();
    let (_dir, path) = csv_file("t.csv", text.as_bytes());
    let (report, parquet) = ingest(&engine, &path).await;
    let catalog = catalog(&report.unwrap(), &[]);
    let sql = "SELECT amount, price, other FROM data WHERE id IN (0, 2500, 2999) ORDER BY id";
    let rows = query(&engine, &parquet, &catalog, sql)
        .await
        .unwrap()
        .table
        .rows;
    assert_eq!(
        rows,
        [
            vec![Value::from(1000.0), Value::from(0.25), Value::from("$7")],
            vec![Value::from(2000.5), Value::from(2500.25), Value::from("€7")],
            vec![Value::from(3999.0), Value::from(2999.25), Value::from("$7")],
        ]
    );
}

/// Thousands grouped by a no-break space (U+00A0) or a narrow one (U+202F), as French and other locales
/// format them, are thousands; an ordinary space may separate two numbers, so `1 234` stays text.
#[tokio::test]
async fn thousands_grouped_by_no_break_spaces_are_numbers() {
    let text = "item,a,b,c\nA,1\u{a0}234.5,\"12\u{202f}345\",1 234\nB,7.25,6,2 500\n";
    let (report, rows) = upload(text).await;
    let report = report.unwrap();
    assert_eq!(types(&report), ["str", "f64", "i64", "str"]);
    assert_eq!(column(&rows, 1), floats(&[1234.5, 7.25]));
    assert_eq!(column(&rows, 2), ints(&[12345, 6]));
}

/// Before: decimals with more significant digits than a float keeps were stored rounded with no word. The
/// type is unchanged (decimals); a note names the column and a value as written and as stored.
#[tokio::test]
async fn decimals_a_float_rounds_are_named_in_a_note() {
    let text = "id,x,y\n1,1.5,0.1234567890123456789\n2,2.25,12345678901234567890.5\n";
    let (report, rows) = upload(text).await;
    let report = report.unwrap();
    assert_eq!(types(&report), ["i64", "f64", "f64"]);
    assert_eq!(rows[0][2], Value::from(0.123_456_789_012_345_68));
    assert_eq!(
        report.notes,
        [
            "column `y` has decimals with more significant digits than a 64-bit decimal keeps (about 16), \
          which are stored rounded: `0.1234567890123456789` (line 2) is stored as 0.12345678901234568."
        ]
    );
}

/// Percentages stay text, and the SQL their note gives computes with them; parentheses beside plain numbers
/// (area codes, footnotes) are not negatives. Before, `share` was stored as numbers and `area` `(212)` as -212.
#[tokio::test]
async fn percentages_compute_through_their_notes_sql_and_bare_parentheses_stay_text() {
    let engine = engine();
    let (_dir, path) = csv_file(
        "t.csv",
        b"show,share,area\nA,44.7%,(212)\nB,22.7%,800\nC,-3%,(415)\n",
    );
    let (report, parquet) = ingest(&engine, &path).await;
    let report = report.unwrap();
    assert_eq!(types(&report), ["str", "str", "str"]);
    let note = report
        .notes
        .iter()
        .find(|n| n.starts_with("`share`"))
        .expect("a note on share");
    let sql = note
        .split('`')
        .find(|part| part.starts_with("CAST("))
        .expect("the SQL");
    let out = query(
        &engine,
        &parquet,
        &catalog(&report, &[]),
        &format!("SELECT SUM({sql}) AS total, MAX(area) AS a FROM data"),
    )
    .await
    .unwrap();
    let total = out.table.rows[0][0].as_f64().unwrap();
    assert!((total - 64.4).abs() < 1e-9, "{total}");
    assert_eq!(out.table.rows[0][1], Value::from("800"));
    assert!(
        !report.notes.iter().any(|n| n.contains("`area`")),
        "{:?}",
        report.notes
    );
}

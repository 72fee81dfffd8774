//! Tests: a value past the rows the types are inferred from is read by the same rules as the same value
//! within them (dotted thousands, decimal commas, leading zeros and spaces), as a second read-only probe found
//! they were not. What is right is what Python's `csv` module reads.

use polars::prelude::*;

use super::ingest_tests::{stored_table, types};

/// A file of `header`, `filler` 1,000 times (the rows the types are inferred from) and then `late`.
fn late_file(header: &str, filler: &str, late: &str) -> String {
    format!("{header}\n{}{late}\n", format!("{filler}\n").repeat(1_000))
}

/// The type of column `a` and its last value, as text.
fn last_of_a(text: &str) -> (String, String) {
    let (report, frame) = stored_table(text);
    let report = report.unwrap();
    let frame = frame.unwrap();
    let a = frame.column("a").unwrap();
    let last = a.get(a.len() - 1).unwrap();
    let last = match last {
        AnyValue::String(s) => s.to_owned(),
        other => other.to_string(),
    };
    (types(&report)[0].to_owned(), last)
}

/// Before: after 1,000 rows of `1.000` (dotted thousands), every later value lost its dots: 1.5 was stored
/// as 15, 12.50 as 1250, .5 as 5. Only dots grouping digits in threes are thousands; any other value makes
/// the column text, and a decimal comma makes it decimals.
#[test]
fn a_late_value_in_a_thousands_column_keeps_its_dots_unless_they_group_thousands() {
    for late in [
        "1.5", "1.23", "12.50", "1.2345", ".5", "1.2.3", "1.234.5", "1.",
    ] {
        let text = late_file("a;b", "1.000;0,5", &format!("{late};0,5"));
        assert_eq!(last_of_a(&text), ("str".into(), late.into()), "{late}");
    }
    for (late, dtype, stored) in [
        ("1.234", "i64", "1234"),
        ("12.500", "i64", "12500"),
        ("1.234.567", "i64", "1234567"),
        ("-1.234", "i64", "-1234"),
        ("2,5", "f64", "2.5"),
    ] {
        let text = late_file("a;b", "1.000;0,5", &format!("{late};0,5"));
        assert_eq!(last_of_a(&text), (dtype.into(), stored.into()), "{late}");
    }
}

/// The same file with `late` among the first rows: the type of column `a` and `late`'s value there.
fn early_of_a(header: &str, filler: &str, late: &str) -> (String, String) {
    let (report, frame) = stored_table(&format!("{header}\n{late}\n{filler}\n{filler}\n"));
    let report = report.unwrap();
    let first = frame
        .unwrap()
        .column("a")
        .unwrap()
        .get(0)
        .unwrap()
        .into_static();
    let first = match first {
        AnyValue::StringOwned(s) => s.to_string(),
        other => other.to_string(),
    };
    (types(&report)[0].to_owned(), first)
}

/// Before: in a decimal-comma file, a late `1.234` in a column of decimals (`2,5`) or of whole numbers (`7`)
/// was read as the decimal 1.234, where among the first rows it is 1234; a late `12.50` or `1.2345` was 12.5
/// and 1.2345, where among the first rows they make the column text. Late and early agree now.
#[test]
fn a_late_dotted_value_in_a_decimal_comma_file_reads_as_it_does_early() {
    for (filler, late, dtype, stored) in [
        ("2,5;1", "1.234;2", "f64", "1234.0"),
        ("7;0,5", "1.234;0,5", "i64", "1234"),
        ("2,5;1", "12.50;1", "str", "12.50"),
        ("2,5;1", "1.2345;1", "str", "1.2345"),
        ("7;0,5", "2,5;0,5", "f64", "2.5"),
    ] {
        let late_read = last_of_a(&late_file("a;b", filler, late));
        assert_eq!(
            late_read,
            (dtype.into(), stored.into()),
            "{filler} then {late}"
        );
        assert_eq!(early_of_a("a;b", filler, late), late_read, "{late} early");
    }
}

/// Before: after 1,000 whole numbers, ` 02134` (a space first) was stored as 2134, and ` +5`, ` -07`, a
/// tab and `5`, a quoted `" 02134"` likewise, where among the first rows ` 5` makes the column text. Python's
/// csv module reads them as written.
#[test]
fn a_late_whole_number_with_spaces_before_it_makes_its_column_text() {
    for late in [" 02134", " +5", " -07", "\t5", " 5"] {
        let text = late_file("a,b", "7,1", &format!("{late},1"));
        assert_eq!(last_of_a(&text), ("str".into(), late.into()), "{late:?}");
        assert_eq!(
            early_of_a("a,b", "7,1", &format!("{late},1")).0,
            "str",
            "{late:?}"
        );
    }
    let text = late_file("a,b", "7,1", "\" 02134\",1");
    assert_eq!(last_of_a(&text), ("str".into(), " 02134".into()));
}

/// Before: a quoted value over two lines whose second line starts with a zero-padded number
/// (`"12 Main St\n02134"`) made the integer column `id` text: its line was read as a record.
#[test]
fn a_zero_padded_line_inside_a_quoted_value_leaves_an_integer_column_alone() {
    let text = "id,address\n1,\"12 Main St\n02134\"\n2,\"x\"\n";
    let (report, frame) = stored_table(text);
    assert_eq!(types(&report.unwrap()), ["i64", "str"]);
    let address = frame
        .unwrap()
        .column("address")
        .unwrap()
        .get(0)
        .unwrap()
        .to_string();
    assert!(address.contains("12 Main St\n02134"), "{address}");
    // Late, too: past the rows the types are inferred from.
    let text = late_file("a,b", "1,x", "2,\"line\n007\"");
    assert_eq!(last_of_a(&text), ("i64".into(), "2".into()));
}

/// Timing, run by hand (`cargo test -p engine --lib -- --ignored --nocapture candidates_timing`): a wide file
/// full of candidates (times, dates, decimals below one, zero-padded codes) beside an integer column. Each
/// candidate's column was counted from its line's start, and `integers` searched for each.
#[test]
#[ignore]
fn candidates_timing() {
    let row = "09:30,01/02/2024,-0.5,007,".repeat(5);
    let text: String = std::iter::once(format!(
        "id,{}\n",
        (1..=20)
            .map(|i| format!("c{i}"))
            .collect::<Vec<_>>()
            .join(",")
    ))
    .chain((0..200_000).map(|i| format!("{i},{}\n", row.trim_end_matches(','))))
    .collect();
    let records = text.split_once('\n').unwrap().1.as_bytes();
    let started = std::time::Instant::now();
    super::late_zeros::check(records, b',', &[0]).unwrap();
    let searched = started.elapsed();
    let started = std::time::Instant::now();
    let (report, _) = stored_table(&text);
    assert_eq!(types(&report.unwrap())[0], "i64");
    println!(
        "{} MB: late_zeros::check {searched:?}, whole ingest {:?}",
        text.len() >> 20,
        started.elapsed()
    );
}

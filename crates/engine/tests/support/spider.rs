//! The Spider single-table conformance harness: cases, result comparison and failures grouped by cause.
//!
//! Shared by the engine-level run (`crates/engine/tests/spider.rs`) and the HTTP run
//! (`calculator/tests/conformance_spider.rs`, which includes this file by path) so that both judge results
//! by the same rules: a multiset of rows unless the query orders them, numbers equal within 1e-4 relative
//! (integer and float forms of a number are equal), everything else exactly — except for two losses of the
//! CSV export that no engine can undo: SQLite's TEXT columns holding numbers (`"2016"`) are numbers in a
//! CSV, and its `2018-03-09 19:03:39` timestamps come back from a typed column in ISO form
//! (`2018-03-09T19:03:39`). A string that spells the same number or the same timestamp is equal.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::Value;

/// One query of the corpus with SQLite's answer.
#[derive(Debug, Clone)]
pub struct Case {
    pub id: String,
    /// The table name the query uses (registered as an alias of `data`).
    pub table: String,
    /// The table's CSV, relative to the corpus directory.
    pub csv: String,
    pub sql: String,
    pub ordered: bool,
    pub expected: Vec<Vec<Value>>,
}

/// The corpus directory and its cases, or `None` (with the reason printed) when it is absent.
pub fn load(corpora: &Path) -> Option<(PathBuf, Vec<Case>)> {
    let dir = corpora.join("spider-dev-single-table");
    let Ok(text) = std::fs::read_to_string(dir.join("cases.jsonl")) else {
        println!("skipped: corpus absent ({})", dir.display());
        return None;
    };
    let cases = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|line| {
            let v: Value = serde_json::from_str(line).expect("a JSON case per line");
            let text = |k: &str| v[k].as_str().unwrap_or_default().to_owned();
            let expected = v["expected"]
                .as_array()
                .map(|rows| {
                    rows.iter()
                        .map(|r| r.as_array().cloned().unwrap_or_default())
                        .collect()
                })
                .unwrap_or_default();
            Case {
                id: text("id"),
                table: text("table"),
                csv: text("csv"),
                sql: text("sql"),
                ordered: v["ordered"].as_bool().unwrap_or(false),
                expected,
            }
        })
        .collect();
    Some((dir, cases))
}

fn close(a: f64, b: f64) -> bool {
    a == b || (a - b).abs() <= 1e-4 * a.abs().max(b.abs())
}

/// `YYYY-MM-DD HH:MM:SS...` with either separator, as one form.
fn timestamp(text: &str) -> Option<String> {
    let b = text.as_bytes();
    let looks = b.len() >= 19
        && b[4] == b'-'
        && b[7] == b'-'
        && (b[10] == b' ' || b[10] == b'T')
        && b[13] == b':'
        && b[16] == b':';
    looks.then(|| format!("{} {}", &text[..10], &text[11..]))
}

fn same_value(got: &Value, want: &Value) -> bool {
    match (got, want) {
        (Value::Number(a), Value::Number(b)) => close(
            a.as_f64().unwrap_or(f64::NAN),
            b.as_f64().unwrap_or(f64::NAN),
        ),
        (Value::Number(a), Value::String(b)) => b
            .trim()
            .parse::<f64>()
            .is_ok_and(|b| close(a.as_f64().unwrap_or(f64::NAN), b)),
        (Value::String(a), Value::String(b)) if a != b => {
            timestamp(a).is_some_and(|a| Some(a) == timestamp(b))
        }
        (Value::Bool(a), Value::Number(b)) | (Value::Number(b), Value::Bool(a)) => {
            b.as_f64() == Some(f64::from(u8::from(*a)))
        }
        _ => got == want,
    }
}

fn same_row(got: &[Value], want: &[Value]) -> bool {
    got.len() == want.len() && got.iter().zip(want).all(|(g, w)| same_value(g, w))
}

/// True when `got` is SQLite's answer: in order when `ordered`, else as a multiset.
pub fn matches(got: &[Vec<Value>], want: &[Vec<Value>], ordered: bool) -> bool {
    if got.len() != want.len() {
        return false;
    }
    if ordered {
        return got.iter().zip(want).all(|(g, w)| same_row(g, w));
    }
    // Greedy matching is exact here: tolerance-equal numbers are never far enough apart to be ambiguous.
    let mut unused: Vec<&Vec<Value>> = want.iter().collect();
    got.iter()
        .all(|g| match unused.iter().position(|w| same_row(g, w)) {
            Some(i) => {
                unused.swap_remove(i);
                true
            }
            None => false,
        })
}

/// Failures grouped by cause, for the printed report.
#[derive(Debug, Default)]
pub struct Tally {
    pub total: usize,
    pub passed: usize,
    pub failures: BTreeMap<String, Vec<String>>,
}

impl Tally {
    pub fn pass(&mut self) {
        self.total += 1;
        self.passed += 1;
    }

    pub fn fail(&mut self, cause: impl Into<String>, detail: String) {
        self.total += 1;
        self.failures.entry(cause.into()).or_default().push(detail);
    }

    pub fn percent(&self) -> f64 {
        100.0 * self.passed as f64 / self.total.max(1) as f64
    }

    /// Print the score and every failure under its cause.
    pub fn print(&self, label: &str) {
        println!(
            "{label}: {} of {} match SQLite ({:.1}%)",
            self.passed,
            self.total,
            self.percent()
        );
        for (cause, cases) in &self.failures {
            println!("  {cause}: {}", cases.len());
            for case in cases {
                println!("    {case}");
            }
        }
    }
}

/// A short cause for an error message: its first words, without quoted details.
pub fn cause_of(prefix: &str, message: &str) -> String {
    let head: String = message
        .split(['`', '"', '\'', ':', ';', '('])
        .next()
        .unwrap_or_default()
        .chars()
        .take(60)
        .collect();
    format!("{prefix}: {}", head.trim())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn comparison_rules() {
        let rows = |v: Value| -> Vec<Vec<Value>> { serde_json::from_value(v).unwrap() };
        assert!(matches(
            &rows(json!([[1.0, "a"]])),
            &rows(json!([[1, "a"]])),
            true
        ));
        assert!(matches(
            &rows(json!([[2, "b"], [1, "a"]])),
            &rows(json!([[1, "a"], [2, "b"]])),
            false
        ));
        assert!(!matches(
            &rows(json!([[2, "b"], [1, "a"]])),
            &rows(json!([[1, "a"], [2, "b"]])),
            true
        ));
        assert!(matches(
            &rows(json!([[33.333333]])),
            &rows(json!([[33.33333333333]])),
            true
        ));
        assert!(!matches(
            &rows(json!([[33.4]])),
            &rows(json!([[33.3]])),
            true
        ));
        assert!(!matches(
            &rows(json!([[1, "a"], [1, "a"]])),
            &rows(json!([[1, "a"], [2, "a"]])),
            false
        ));
        assert!(!matches(&rows(json!([["1"]])), &rows(json!([[1]])), false));
        assert!(matches(
            &rows(json!([[2016]])),
            &rows(json!([["2016"]])),
            false
        ));
        assert!(!matches(
            &rows(json!([[2016]])),
            &rows(json!([["2016a"]])),
            false
        ));
        assert!(matches(
            &rows(json!([["2018-03-09T19:03:39"]])),
            &rows(json!([["2018-03-09 19:03:39"]])),
            false
        ));
        assert!(!matches(
            &rows(json!([["2018-03-09T19:03:39"]])),
            &rows(json!([["2018-03-09 19:03:40"]])),
            false
        ));
    }
}

//! Runs the validator over the shared corpora (Spider, P2SQL, PayloadsAllTheThings) when present.

mod common;

use std::path::{Path, PathBuf};

use sqlguard::{Catalog, Issue, ValidatedQuery};

fn corpora() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpora")
}

/// Split one CSV line into fields, honouring double quotes (headers may contain commas).
fn csv_fields(line: &str) -> Vec<String> {
    let mut fields = Vec::new();
    let mut current = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                chars.next();
                current.push('"');
            }
            '"' => quoted = !quoted,
            ',' if !quoted => fields.push(std::mem::take(&mut current)),
            c => current.push(c),
        }
    }
    fields.push(current);
    fields
}

fn issues_text(issues: &[Issue]) -> String {
    issues
        .iter()
        .map(|i| format!("  {i}"))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn spider_single_table_queries_are_accepted() {
    let dir = corpora().join("spider-dev-single-table");
    let Ok(text) = std::fs::read_to_string(dir.join("cases.jsonl")) else {
        println!("skipped: corpus absent ({})", dir.display());
        return;
    };
    let (mut total, mut accepted) = (0usize, 0usize);
    let mut unstable = Vec::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let case: serde_json::Value = serde_json::from_str(line).expect("valid JSON line");
        let field = |k: &str| case[k].as_str().unwrap_or_default().to_string();
        let (sql, table, csv) = (field("sql"), field("table"), field("csv"));
        let text = std::fs::read_to_string(dir.join(&csv)).unwrap_or_default();
        let mut lines = text.lines();
        let header = lines.next().unwrap_or_default();
        let header = header.trim_start_matches('\u{feff}');
        let rows: Vec<Vec<String>> = lines.map(csv_fields).collect();
        // Crude types, so the rewrites for numbers run too: a column whose every value is a number.
        let columns: Vec<(String, &str)> = csv_fields(header)
            .into_iter()
            .enumerate()
            .map(|(i, c)| {
                let cells = || {
                    rows.iter()
                        .filter_map(|r| r.get(i))
                        .filter(|v| !v.is_empty())
                };
                let kind = if cells().all(|v| v.parse::<i64>().is_ok()) {
                    "i64"
                } else if cells().all(|v| v.parse::<f64>().is_ok()) {
                    "f64"
                } else {
                    "str"
                };
                (c, kind)
            })
            .collect();
        let cols: Vec<(&str, &str)> = columns.iter().map(|(c, t)| (c.as_str(), *t)).collect();
        let catalog = Catalog::single("data", &[table.as_str()], &cols);
        total += 1;
        match ValidatedQuery::parse(&sql, &catalog) {
            Ok(q) => {
                accepted += 1;
                // The calculator validates the sidecar's normalised SQL again and runs that: a second pass
                // must accept it and leave it as it is, or what ran is not what was shown and audited.
                match ValidatedQuery::parse(q.sql(), &catalog) {
                    Ok(again) if again.sql() == q.sql() => {}
                    Ok(again) => unstable.push(format!(
                        "{}\n   once:  {}\n   twice: {}",
                        sql,
                        q.sql(),
                        again.sql()
                    )),
                    Err(issues) => unstable.push(format!(
                        "{}\n   once: {}\n   rejected: {}",
                        sql,
                        q.sql(),
                        issues_text(&issues)
                    )),
                }
            }
            Err(issues) => println!("REJECTED {}: {sql}\n{}", field("id"), issues_text(&issues)),
        }
    }
    let pct = 100.0 * accepted as f64 / total.max(1) as f64;
    println!("spider: accepted {accepted} of {total} ({pct:.1}%)");
    assert!(
        unstable.is_empty(),
        "{} normalised queries change when normalised again:\n{}",
        unstable.len(),
        unstable.join("\n")
    );
    assert!(total > 0);
    assert!(pct >= 97.0, "only {pct:.1}% of Spider queries accepted");
}

/// True when `sql` is a SELECT whose every FROM/JOIN names `data` (a crude textual check).
fn only_reads_data(sql: &str) -> bool {
    let lower = sql.to_lowercase();
    let words: Vec<&str> = lower
        .split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .filter(|w| !w.is_empty())
        .collect();
    let first_ok = matches!(words.first(), Some(&"select") | Some(&"with"));
    let tables_ok = words
        .windows(2)
        .filter(|w| w[0] == "from" || w[0] == "join")
        .all(|w| w[1] == "data");
    first_ok && tables_ok
}

#[test]
fn p2sql_attacks_are_rejected() {
    let path = corpora().join("adversarial/p2sql-llm-sql.jsonl");
    let Ok(text) = std::fs::read_to_string(&path) else {
        println!("skipped: corpus absent ({})", path.display());
        return;
    };
    let catalog = Catalog::single(
        "data",
        &[],
        &[
            ("user_id", "i64"),
            ("name", "str"),
            ("description", "str"),
            ("a", "i64"),
        ],
    );
    let (mut total, mut rejected, mut over_data) = (0usize, 0usize, 0usize);
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let case: serde_json::Value = serde_json::from_str(line).expect("valid JSON line");
        let sql = case["sql"].as_str().unwrap_or_default();
        total += 1;
        let verdict = ValidatedQuery::parse(sql, &catalog);
        if only_reads_data(sql) {
            over_data += 1;
            continue;
        }
        match verdict {
            Err(_) => rejected += 1,
            Ok(q) => panic!(
                "accepted a statement that is not a SELECT over `data`: {sql}\n-> {}",
                q.sql()
            ),
        }
    }
    println!(
        "p2sql: {total} statements, {rejected} rejected, {over_data} SELECTs over `data` not judged"
    );
    assert_eq!(rejected + over_data, total);
}

fn walk_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            walk_files(&path, out);
        } else {
            out.push(path);
        }
    }
}

#[test]
fn injection_payloads_never_panic_and_stay_harmless() {
    let dir = corpora().join("adversarial/payloadsallthethings-intruder");
    let mut files = Vec::new();
    walk_files(&dir, &mut files);
    if files.is_empty() {
        println!("skipped: corpus absent ({})", dir.display());
        return;
    }
    files.sort();
    let catalog = common::catalog();
    let (mut tried, mut accepted) = (0usize, 0usize);
    for file in files {
        let Ok(bytes) = std::fs::read(&file) else {
            continue;
        };
        let text = String::from_utf8_lossy(&bytes);
        for payload in text.lines() {
            for sql in [
                format!("SELECT * FROM data WHERE a = 1 {payload}"),
                payload.to_string(),
            ] {
                tried += 1;
                if let Ok(q) = ValidatedQuery::parse(&sql, &catalog) {
                    accepted += 1;
                    assert_harmless(q.sql());
                }
            }
        }
    }
    println!("payloads: {tried} tried, {accepted} accepted (all re-checked harmless)");
}

/// An accepted query must only read registered tables through allowlisted functions.
fn assert_harmless(sql: &str) {
    use sqlparser::ast::{
        Expr, ObjectNamePart, Statement, TableFactor, Visit, visit_expressions, visit_relations,
    };
    use sqlparser::dialect::GenericDialect;
    use sqlparser::parser::Parser;
    let statements = Parser::parse_sql(&GenericDialect, sql).expect("normalised SQL parses");
    assert_eq!(statements.len(), 1, "{sql}");
    assert!(matches!(statements[0], Statement::Query(_)), "{sql}");
    let _ = visit_relations(&statements, |r| {
        let name = r.to_string().to_lowercase();
        assert!(!name.contains('.'), "qualified relation in {sql}");
        std::ops::ControlFlow::<()>::Continue(())
    });
    let _ = visit_expressions(&statements, |e| {
        if let Expr::Function(f) = e {
            let [ObjectNamePart::Identifier(i)] = f.name.0.as_slice() else {
                panic!("qualified function in {sql}")
            };
            assert!(
                sqlguard::allowed_functions().contains(&i.value.to_lowercase().as_str()),
                "{sql}"
            );
        }
        std::ops::ControlFlow::<()>::Continue(())
    });
    struct NoTableFn;
    impl sqlparser::ast::Visitor for NoTableFn {
        type Break = ();
        fn pre_visit_table_factor(&mut self, tf: &TableFactor) -> std::ops::ControlFlow<()> {
            if let TableFactor::Table { args, .. } = tf {
                assert!(args.is_none(), "table function {tf}");
            }
            assert!(
                matches!(
                    tf,
                    TableFactor::Table { .. }
                        | TableFactor::Derived { .. }
                        | TableFactor::NestedJoin { .. }
                ),
                "table factor {tf}"
            );
            std::ops::ControlFlow::Continue(())
        }
    }
    let _ = statements.visit(&mut NoTableFn);
}

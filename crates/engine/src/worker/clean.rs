//! Polars errors as messages for people: the innermost cause, one paragraph, no file paths, no plan dumps.

use std::path::Path;
use std::sync::LazyLock;

use polars::prelude::PolarsError;
use regex::Regex;

#[path = "clean_names.rs"]
mod clean_names;

/// The innermost error of polars' context wrappers, as one cleaned paragraph.
pub(crate) fn message(error: &PolarsError, paths: &[&Path]) -> String {
    let mut inner = error;
    while let PolarsError::Context { error, .. } | PolarsError::ExprContext { error, .. } = inner {
        inner = error;
    }
    let text = match inner {
        // An I/O error's own text may carry the path; keep only what kind of failure it was.
        PolarsError::IO { error, .. } => format!("reading the dataset failed ({})", error.kind()),
        other => other.to_string(),
    };
    tidy(&text, paths)
}

/// The first paragraph of `text`, with `paths` (and any absolute path under them) replaced by "the dataset".
pub(crate) fn tidy(text: &str, paths: &[&Path]) -> String {
    let mut text = text
        .split("\n\n")
        .next()
        .unwrap_or_default()
        .trim()
        .to_owned();
    for path in paths {
        for candidate in [Some(*path), path.parent()].into_iter().flatten() {
            let shown = candidate.display().to_string();
            if shown.len() > 1 {
                text = text.replace(&shown, "<dataset>");
            }
        }
    }
    for noise in ["sql parser error: ", "SQLInterface: ", "SQLSyntax: "] {
        text = text.replace(noise, "");
    }
    let mut text = clean_names::in_sql_words(&without_syntax_tree(&text));
    if text.chars().count() > 600 {
        text = text.chars().take(600).collect::<String>() + "…";
    }
    if text.is_empty() {
        "the query failed while running".to_owned()
    } else {
        text
    }
}

/// Polars quotes parts of the query as sqlparser's debug form (`Identifier(Ident { value: "d",
/// quote_style: Some('"'), span: Span(Location(1,8)..Location(1,11)) })`): show them as SQL (`"d"`).
fn without_syntax_tree(text: &str) -> String {
    const SPAN: &str = r#", span: Span\(Location\(\d+,\d+\)\.\.Location\(\d+,\d+\)\)"#;
    static IDENT: LazyLock<Regex> = LazyLock::new(|| {
        let ident = format!(
            r#"Ident \{{ value: "((?:[^"\\]|\\.)*)", quote_style: (?:None|Some\('.'\)){SPAN} \}}"#
        );
        Regex::new(&format!(r#"Identifier\({ident}\)|{ident}"#)).expect("a valid pattern")
    });
    static SPANS: LazyLock<Regex> = LazyLock::new(|| Regex::new(SPAN).expect("a valid pattern"));
    let text = IDENT.replace_all(text, "\"$1$2\"");
    SPANS.replace_all(&text, "").into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use polars::prelude::polars_err;

    #[test]
    fn context_plans_and_paths_are_removed() {
        let path = Path::new("/data/datasets/abc/data.parquet");
        let base =
            polars_err!(ColumnNotFound: "unable to find column \"x\"; valid columns: [\"a\"]");
        let wrapped = base.context("\n\nResolved plan until failure:\n\tDF [\"a\"]".into());
        assert_eq!(
            message(&wrapped, &[path]),
            "not found: unable to find column \"x\"; valid columns: [\"a\"]"
        );
        let io = PolarsError::from(std::io::Error::new(
            std::io::ErrorKind::NotFound,
            "/data/datasets/abc/data.parquet: no such file",
        ));
        assert!(!message(&io, &[path]).contains("/data"));
        assert_eq!(
            tidy("cannot read /data/datasets/abc/data.parquet now", &[path]),
            "cannot read <dataset> now"
        );
        assert_eq!(
            tidy(
                r#"cannot parse literal Identifier(Ident { value: "hire_date", quote_style: Some('"'), span: Span(Location(1,20)..Location(1,31)) })"#,
                &[]
            ),
            r#"cannot parse literal "hire_date""#
        );
        assert_eq!(
            tidy(
                r#"unsupported Value(ValueWithSpan { value: Number("1", false), span: Span(Location(1,8)..Location(1,9)) })"#,
                &[]
            ),
            r#"unsupported Value(ValueWithSpan { value: Number("1", false) })"#
        );
    }
}

//! Polars errors as messages for people: the innermost cause, one paragraph, no file paths, no plan dumps.

use std::path::Path;

use polars::prelude::PolarsError;

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
    if text.chars().count() > 600 {
        text = text.chars().take(600).collect::<String>() + "…";
    }
    if text.is_empty() {
        "the query failed while running".to_owned()
    } else {
        text
    }
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
    }
}

//! Polars' names for the query's own values, in the SQL the author wrote (a submodule of `clean`).
//!
//! A value written in the query is a column called `scalar` or `literal` inside Polars, and Polars shows an
//! operand as its own expression language (`dyn int: 1`, `"a"`, `len().cast(Int64)`): `conversion from
//! `str` to `i64` failed in column 'scalar' for 1 out of 1 values: ["a"]` named no column of the dataset,
//! and sent the author (or the model repairing its query) looking for one.

use std::sync::LazyLock;

use regex::{Captures, Regex};

/// `text` with Polars' internal names of the query's values replaced by the values as SQL writes them.
pub(super) fn in_sql_words(text: &str) -> String {
    static FAILED_VALUES: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"in column '(?:scalar|literal)' for 1 out of 1 values: \[(.*)\]")
            .expect("a valid pattern")
    });
    static OPERANDS: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"\(lhs: (expression `[^`]*`|column '[^']*'), rhs: (expression `[^`]*`|column '[^']*')\)")
            .expect("a valid pattern")
    });
    static INTERNAL: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"(?:in column|for series with name) ['`](?:scalar|literal)['`]")
            .expect("a valid pattern")
    });
    let text = FAILED_VALUES.replace_all(text, |c: &Captures| {
        format!("for the value {} written in the query", sql_literal(&c[1]))
    });
    let text = OPERANDS.replace_all(&text, |c: &Captures| {
        format!("(between {} and {})", operand(&c[1]), operand(&c[2]))
    });
    let text = INTERNAL.replace_all(&text, "for a value written in the query");
    text.replace("dtypes dyn int", "dtypes int")
        .replace("dtypes dyn float", "dtypes float")
        .replace("and dyn int ", "and int ")
        .replace("and dyn float ", "and float ")
}

/// One operand as Polars shows it (`expression `"a"``, `column 'x'`), as SQL.
fn operand(shown: &str) -> String {
    if let Some(column) = shown
        .strip_prefix("column '")
        .and_then(|s| s.strip_suffix('\''))
    {
        return format!("the column {column}");
    }
    let expression = shown
        .strip_prefix("expression `")
        .and_then(|s| s.strip_suffix('`'))
        .unwrap_or(shown);
    sql_expression(expression).unwrap_or_else(|| "an expression".to_owned())
}

/// The simple forms of Polars' expression language as SQL: literals, columns, the row count and aggregates
/// of them; `None` for anything else (which would show the author Polars' words, not theirs).
fn sql_expression(polars: &str) -> Option<String> {
    let polars = polars.trim();
    if let Some(inner) = polars.strip_suffix(')')
        && let Some(at) = inner.rfind(".cast(")
    {
        return sql_expression(&inner[..at]);
    }
    for (method, call) in [
        (".sum()", "SUM"),
        (".mean()", "AVG"),
        (".min()", "MIN"),
        (".max()", "MAX"),
    ] {
        if let Some(inner) = polars.strip_suffix(method) {
            return Some(format!("{call}({})", sql_expression(inner)?));
        }
    }
    if polars == "len()" {
        return Some("COUNT(*)".to_owned());
    }
    for prefix in ["dyn int: ", "dyn float: "] {
        if let Some(number) = polars.strip_prefix(prefix) {
            return number.parse::<f64>().is_ok().then(|| number.to_owned());
        }
    }
    if polars.starts_with('"') && polars.ends_with('"') && polars.len() >= 2 {
        return Some(sql_literal(polars));
    }
    if let Some(name) = polars
        .strip_prefix("col(\"")
        .and_then(|s| s.strip_suffix("\")"))
    {
        return Some(name.to_owned());
    }
    polars.parse::<f64>().is_ok().then(|| polars.to_owned())
}

/// A value as Polars lists it (`"a"`, with Rust's escapes, or a bare number) as a SQL literal (`'a'`).
fn sql_literal(shown: &str) -> String {
    match shown.strip_prefix('"').and_then(|s| s.strip_suffix('"')) {
        Some(text) => format!(
            "'{}'",
            text.replace("\\\"", "\"")
                .replace("\\\\", "\\")
                .replace('\'', "''")
        ),
        None => shown.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::in_sql_words;

    #[test]
    fn polars_internal_names_become_the_querys_values() {
        assert_eq!(
            in_sql_words(
                r#"conversion from `str` to `i64` failed in column 'scalar' for 1 out of 1 values: ["a"]"#
            ),
            "conversion from `str` to `i64` failed for the value 'a' written in the query"
        );
        assert_eq!(
            in_sql_words(
                r#"conversion from `str` to `date` failed in column 'literal' for 1 out of 1 values: ["it's"]"#
            ),
            "conversion from `str` to `date` failed for the value 'it''s' written in the query"
        );
        assert_eq!(
            in_sql_words(
                "arithmetic on dtypes dyn int and str is not allowed (lhs: expression `dyn int: 1`, rhs: \
                 expression `\"x\"`); try an explicit cast first"
            ),
            "arithmetic on dtypes int and str is not allowed (between 1 and 'x'); try an explicit cast first"
        );
        assert_eq!(
            in_sql_words(
                "arithmetic on dtypes str and i64 is not allowed (lhs: expression `\"a\".max()`, rhs: \
                 expression `len().cast(Int64)`); try an explicit cast first"
            ),
            "arithmetic on dtypes str and i64 is not allowed (between MAX('a') and COUNT(*)); try an explicit \
             cast first"
        );
        assert_eq!(
            in_sql_words(
                "arithmetic on dtypes f64 and str is not allowed (lhs: column 'x', rhs: expression \
                 `\"a\".str.concat_horizontal([\"1\"])`); try an explicit cast first"
            ),
            "arithmetic on dtypes f64 and str is not allowed (between the column x and an expression); try an \
             explicit cast first"
        );
        assert_eq!(
            in_sql_words(
                "invalid series dtype: expected `String`, got `i32` for series with name `literal`"
            ),
            "invalid series dtype: expected `String`, got `i32` for a value written in the query"
        );
        // A column of the dataset keeps its name.
        let own = r#"conversion from `str` to `i64` failed in column 's' for 3 out of 4 values: ["a", "b"]"#;
        assert_eq!(in_sql_words(own), own);
    }
}

//! Names: the dataset's display name, the uploaded file's name, and the SQL table name derived from them.

/// Longest display name.
const NAME_MAX_CHARS: usize = 200;
/// Longest table name (PostgreSQL's identifier limit).
const TABLE_NAME_MAX: usize = 63;

/// PostgreSQL's reserved key words (both kinds: "reserved" and "reserved, can be function or type"), which
/// cannot name a table unquoted in PostgreSQL-style SQL; a name that sanitises to one gets a `_table` suffix.
/// Anything else the SQL parser will not take as a table name is caught by [`usable_as_table`].
const RESERVED: &[&str] = &[
    "all",
    "analyse",
    "analyze",
    "and",
    "any",
    "array",
    "as",
    "asc",
    "asymmetric",
    "authorization",
    "binary",
    "both",
    "case",
    "cast",
    "check",
    "collate",
    "collation",
    "column",
    "concurrently",
    "constraint",
    "create",
    "cross",
    "current_catalog",
    "current_date",
    "current_role",
    "current_schema",
    "current_time",
    "current_timestamp",
    "current_user",
    "default",
    "deferrable",
    "desc",
    "distinct",
    "do",
    "else",
    "end",
    "except",
    "false",
    "fetch",
    "for",
    "foreign",
    "freeze",
    "from",
    "full",
    "grant",
    "group",
    "having",
    "ilike",
    "in",
    "initially",
    "inner",
    "intersect",
    "into",
    "is",
    "isnull",
    "join",
    "lateral",
    "leading",
    "left",
    "like",
    "limit",
    "localtime",
    "localtimestamp",
    "natural",
    "not",
    "notnull",
    "null",
    "offset",
    "on",
    "only",
    "or",
    "order",
    "outer",
    "overlaps",
    "placing",
    "primary",
    "references",
    "returning",
    "right",
    "select",
    "session_user",
    "similar",
    "some",
    "symmetric",
    "system_user",
    "table",
    "tablesample",
    "then",
    "to",
    "trailing",
    "true",
    "union",
    "unique",
    "user",
    "using",
    "variadic",
    "verbose",
    "when",
    "where",
    "window",
    "with",
];

/// A display name from `?name=` or the `name` form field: trimmed, non-empty, short, printable.
pub fn parse_name(raw: &str) -> Result<String, String> {
    let name = raw.trim();
    if name.is_empty() {
        return Err("must not be empty".into());
    }
    if name.chars().count() > NAME_MAX_CHARS {
        return Err(format!("longer than {NAME_MAX_CHARS} characters"));
    }
    if name.chars().any(char::is_control) {
        return Err("must not contain control characters".into());
    }
    Ok(name.to_owned())
}

/// The uploaded file's own name, without any directory part a client put in it; `None` when nothing usable
/// is left. Only ever stored as metadata, never used as a path.
pub fn clean_file_name(raw: &str) -> Option<String> {
    let base = raw.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = base.chars().filter(|c| !c.is_control()).take(255).collect();
    let cleaned = cleaned.trim();
    (!cleaned.is_empty() && cleaned != "." && cleaned != "..").then(|| cleaned.to_owned())
}

/// The file name of an RFC 5987 `filename*=UTF-8''caf%C3%A9.csv` parameter in a Content-Disposition header,
/// which RFC 6266 says wins over `filename`: browsers and curl send plain `filename`, but other clients (Python's
/// `requests` for non-ASCII names, .NET) send only this one. Other charsets than UTF-8 are not read.
pub fn extended_file_name(disposition: &str) -> Option<String> {
    let value = parameters(disposition).find_map(|param| {
        let (key, value) = param.split_once('=')?;
        key.trim()
            .eq_ignore_ascii_case("filename*")
            .then(|| value.trim().trim_matches('"'))
    })?;
    let mut parts = value.splitn(3, '\'');
    let (charset, _language, encoded) = (parts.next()?, parts.next()?, parts.next()?);
    if !charset.eq_ignore_ascii_case("utf-8") {
        return None;
    }
    let decoded = percent_encoding::percent_decode_str(encoded)
        .decode_utf8()
        .ok()?;
    clean_file_name(&decoded)
}

/// A header value's `;`-separated parameters, a `;` inside a quoted string (`filename="a;b.csv"`) not
/// separating them.
fn parameters(header: &str) -> impl Iterator<Item = &str> {
    let mut quoted = false;
    let mut escaped = false;
    header.split(move |c| {
        let separates = c == ';' && !quoted;
        if escaped {
            escaped = false;
        } else if quoted && c == '\\' {
            escaped = true;
        } else if c == '"' {
            quoted = !quoted;
        }
        separates
    })
}

/// The display name when none was given: the file name without its extension, else `dataset`.
pub fn default_name(file_name: Option<&str>) -> String {
    file_name
        .map(|f| match f.rsplit_once('.') {
            Some((stem, _)) if !stem.trim().is_empty() => stem.trim(),
            _ => f,
        })
        .and_then(|stem| parse_name(stem).ok())
        .unwrap_or_else(|| "dataset".to_owned())
}

/// The SQL name a dataset answers to besides `data`: `[a-z0-9_]`, not starting with a digit, not a
/// reserved word, at most 63 characters. `My Sales (2024).csv` → `my_sales_2024`.
///
/// Letters of other scripts are spelled in ASCII first (`café` → `cafe`, `продажи` → `prodazhi`): dropping
/// them left `caf`, or `dataset` for a name in Cyrillic, which nobody would guess to write in SQL.
pub fn table_name_for(name: &str) -> String {
    let mut out = String::new();
    for c in deunicode::deunicode(name)
        .chars()
        .flat_map(char::to_lowercase)
    {
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.ends_with('_') {
            // Runs of anything else (spaces, punctuation, non-ASCII letters) become one underscore.
            out.push('_');
        }
    }
    let mut out = out.trim_matches('_').to_owned();
    if out.is_empty() {
        out = "dataset".into();
    }
    if out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert_str(0, "t_");
    }
    out.truncate(TABLE_NAME_MAX);
    let mut out = out.trim_end_matches('_').to_owned();
    if RESERVED.contains(&out.as_str()) || !usable_as_table(&out) {
        out.push_str("_table");
    }
    out
}

/// Whether the validator reads `SELECT * FROM <name>` as a query of that table: the ground truth for
/// "not a keyword here", whatever the word list above misses.
fn usable_as_table(name: &str) -> bool {
    let catalog = sqlguard::Catalog::single("data", &[name], &[("x", "i64")]);
    sqlguard::ValidatedQuery::parse(&format!("SELECT x FROM {name} WHERE x > 0"), &catalog).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_names_are_sql_identifiers() {
        for (name, table) in [
            ("titanic", "titanic"),
            ("My Sales (2024)", "my_sales_2024"),
            ("2024 sales", "t_2024_sales"),
            ("select", "select_table"),
            ("ORDER", "order_table"),
            // Not reserved in PostgreSQL, and the parser takes them as table names.
            ("show", "show"),
            ("Year", "year"),
            ("données-brutes", "donnees_brutes"),
            ("___", "dataset"),
            ("Ünïcödé", "unicode"),
            ("café", "cafe"),
            ("продажи", "prodazhi"),
            ("売上", "mai_shang"),
            ("data", "data"),
            ("a--b..c", "a_b_c"),
        ] {
            assert_eq!(table_name_for(name), table, "{name}");
        }
        let long = table_name_for(&"x".repeat(300));
        assert_eq!(long.len(), 63);
        for name in ["1", "-", "select", "a b", &"é".repeat(80), &"9_".repeat(40)] {
            let t = table_name_for(name);
            assert!(
                t.len() <= 63
                    && !t.starts_with(|c: char| c.is_ascii_digit())
                    && t.chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
                    && !RESERVED.contains(&t.as_str()),
                "{name:?} -> {t:?}"
            );
        }
    }

    #[test]
    fn names_that_are_sql_keywords_elsewhere_still_work() {
        // Not reserved in PostgreSQL, but keywords to the parser somewhere; whatever the name, the table
        // name must be usable in FROM.
        for word in [
            "year", "date", "name", "value", "data", "time", "count", "sum", "row", "rows",
        ] {
            let table = table_name_for(word);
            assert!(usable_as_table(&table), "{word} -> {table}");
        }
    }

    #[test]
    fn every_reserved_word_is_escaped() {
        for word in RESERVED {
            assert_eq!(table_name_for(word), format!("{word}_table"));
        }
    }

    #[test]
    fn names_and_file_names() {
        assert_eq!(parse_name("  sales  "), Ok("sales".into()));
        assert!(parse_name("   ").is_err());
        assert!(parse_name("a\nb").is_err());
        assert!(parse_name(&"x".repeat(201)).is_err());

        assert_eq!(
            clean_file_name("C:\\Users\\me\\sales.csv").as_deref(),
            Some("sales.csv")
        );
        assert_eq!(
            clean_file_name("../../etc/passwd").as_deref(),
            Some("passwd")
        );
        assert_eq!(clean_file_name("dir/"), None);
        assert_eq!(clean_file_name(".."), None);

        assert_eq!(default_name(Some("titanic.csv")), "titanic");
        assert_eq!(default_name(Some("archive.tar.csv")), "archive.tar");
        assert_eq!(default_name(Some(".csv")), ".csv");
        assert_eq!(default_name(Some("noext")), "noext");
        assert_eq!(default_name(None), "dataset");
    }

    #[test]
    fn extended_file_names_are_read() {
        let read = extended_file_name;
        assert_eq!(
            read("form-data; name=\"file\"; filename*=UTF-8''caf%C3%A9%20%E2%98%95.csv").as_deref(),
            Some("café ☕.csv")
        );
        assert_eq!(
            read(
                "form-data; name=\"file\"; filename=\"x.csv\"; FILENAME*=utf-8'en'..%2F..%2Fa.csv"
            )
            .as_deref(),
            Some("a.csv")
        );
        assert_eq!(read("form-data; name=\"file\"; filename=\"x.csv\""), None);
        assert_eq!(read("form-data; filename*=ISO-8859-1''caf%E9.csv"), None);
        assert_eq!(read("form-data; filename*=UTF-8''%FF.csv"), None);
        assert_eq!(read("form-data; filename*=garbage"), None);
        // A `filename*=` inside a quoted plain file name is part of that name, not a parameter.
        assert_eq!(
            read("form-data; name=\"file\"; filename=\"a; filename*=UTF-8''b.csv\""),
            None
        );
        assert_eq!(
            read("form-data; filename=\"a\\\"; x\"; filename*=UTF-8''c.csv").as_deref(),
            Some("c.csv")
        );
    }
}

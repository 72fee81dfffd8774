//! Name scopes: which relations and columns an identifier may refer to at a point in the query.

/// Something in a FROM clause (or a CTE) whose columns can be referenced.
#[derive(Debug, Clone)]
pub(crate) struct Relation {
    /// The name a qualifier must use: the alias, else the table name as written.
    pub visible: String,
    /// Output columns we know, exact spelling.
    pub columns: Vec<String>,
    /// True when the relation may have columns we cannot name (e.g. `SELECT count(*) ...` in a
    /// subquery gets an engine-chosen name). Unknown identifiers are then left alone, because
    /// name resolution is a convenience; safety never depends on it.
    pub open: bool,
    /// For messages: "table `data`", "subquery `t`".
    pub describe: String,
    /// Columns known to hold numbers (registered tables only), for SQLite-style `col = '42'`.
    pub numeric: Vec<String>,
    /// Columns known to hold dates, and datetimes (registered tables only), for SQLite-style
    /// `hired LIKE '2020%'`.
    pub dates: Vec<String>,
    pub datetimes: Vec<String>,
    /// Columns known to hold true/false, and text (registered tables only), for SQL's reading of a
    /// comparison with a literal of another type (`active = 'yes'`, `code = 7`).
    pub booleans: Vec<String>,
    pub texts: Vec<String>,
    /// Columns known to hold whole numbers, and other numbers (registered tables only: a WITH query's
    /// number may be either), for SQLite's `typeof`.
    pub integers: Vec<String>,
    pub reals: Vec<String>,
    /// Columns known to hold no NULL (registered tables only, and not on the optional side of an outer
    /// join), so a window ordered by them needs no NULL placement.
    pub not_null: Vec<String>,
    /// The relation has at most one row (`WITH total AS (SELECT SUM(x) ...)`): joining it to anything
    /// without a condition is no cross product.
    pub one_row: bool,
}

impl Relation {
    /// A WITH query or a subquery read as a relation: its output's columns and what is known of their kinds;
    /// the facts only a registered table's schema gives (whole or other numbers, no NULL but in a rank or a
    /// count) are unknown.
    pub(crate) fn derived(
        visible: String,
        describe: String,
        out: crate::walk::Output,
        kinds: crate::output_kinds::Kinds,
        one_row: bool,
    ) -> Self {
        Self {
            visible,
            columns: out.columns,
            open: out.open,
            describe,
            numeric: kinds.numeric,
            dates: out.dates,
            datetimes: kinds.datetimes,
            booleans: kinds.booleans,
            texts: kinds.texts,
            integers: Vec::new(),
            reals: Vec::new(),
            not_null: kinds.not_null,
            one_row,
        }
    }
}

impl Relation {
    pub fn find_column(&self, word: &str) -> Option<&str> {
        find_exact_or_ci(&self.columns, word)
    }
}

/// The names visible in one SELECT.
#[derive(Debug, Clone, Default)]
pub(crate) struct SelectScope {
    pub relations: Vec<Relation>,
    /// Aliases defined in this SELECT's projection (usable in ORDER BY / GROUP BY / HAVING).
    pub aliases: Vec<String>,
    /// What each alias stands for, once the projection is walked (SQLite reads an alias in WHERE as its
    /// expression; see `Walker::identifier`).
    pub alias_exprs: Vec<(String, sqlparser::ast::Expr)>,
}

/// What an unqualified identifier turned out to be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Resolved {
    /// A real column; exact spelling.
    Column(String),
    /// A projection alias; exact spelling.
    Alias(String),
    /// Nothing matched, but an open relation could supply it: leave as written.
    Open,
    Unknown,
}

/// Prefer an exact match, then a case-insensitive one (SQLite and most LLM output ignore case).
pub(crate) fn find_exact_or_ci<'a>(names: &'a [String], word: &str) -> Option<&'a str> {
    names
        .iter()
        .find(|n| n.as_str() == word)
        .or_else(|| names.iter().find(|n| n.eq_ignore_ascii_case(word)))
        .map(String::as_str)
}

/// Resolve `word` against scopes, innermost first (correlated subqueries see outer columns).
pub(crate) fn resolve(scopes: &[SelectScope], word: &str, with_aliases: bool) -> Resolved {
    let mut any_open = false;
    for scope in scopes.iter().rev() {
        for rel in &scope.relations {
            if let Some(col) = rel.find_column(word) {
                return Resolved::Column(col.to_string());
            }
            any_open |= rel.open;
        }
    }
    let alias = scopes
        .last()
        .filter(|_| with_aliases)
        .and_then(|scope| find_exact_or_ci(&scope.aliases, word));
    if let Some(alias) = alias {
        return Resolved::Alias(alias.to_string());
    }
    if any_open {
        Resolved::Open
    } else {
        Resolved::Unknown
    }
}

/// True when `word`, which names a column of `scopes`, names nothing in the innermost one: from a subquery,
/// a column of the query around it (a correlated subquery).
pub(crate) fn resolves_outside(scopes: &[SelectScope], word: &str) -> bool {
    match scopes.split_last() {
        Some((inner, outer)) if !outer.is_empty() => matches!(
            resolve(std::slice::from_ref(inner), word, true),
            Resolved::Unknown
        ),
        _ => false,
    }
}

/// Find the relation a qualifier names, innermost scope first.
pub(crate) fn find_relation<'a>(
    scopes: &'a [SelectScope],
    qualifier: &str,
) -> Option<&'a Relation> {
    let exact = scopes
        .iter()
        .rev()
        .flat_map(|s| s.relations.iter())
        .find(|r| r.visible == qualifier);
    exact.or_else(|| {
        scopes
            .iter()
            .rev()
            .flat_map(|s| s.relations.iter())
            .find(|r| r.visible.eq_ignore_ascii_case(qualifier))
    })
}

/// All column names in scope, innermost first, without duplicates (for messages).
pub(crate) fn all_columns(scopes: &[SelectScope]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for scope in scopes.iter().rev() {
        for rel in &scope.relations {
            for c in &rel.columns {
                if !out.contains(c) {
                    out.push(c.clone());
                }
            }
        }
    }
    out
}

/// Levenshtein distance on chars; inputs are short identifiers (callers cap the length).
pub(crate) fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.chars().enumerate() {
        cur[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

/// Longest identifier we compute suggestions for; beyond it the quadratic distance is not worth it.
const MAX_SUGGEST_LEN: usize = 64;

/// Up to three candidates close to `word` (case-insensitive), best first.
pub(crate) fn closest<'a, I>(word: &str, candidates: I) -> Vec<&'a str>
where
    I: IntoIterator<Item = &'a str>,
{
    if word.chars().count() > MAX_SUGGEST_LEN {
        return Vec::new();
    }
    let lower = word.to_lowercase();
    let mut scored: Vec<(usize, &'a str)> = candidates
        .into_iter()
        .filter(|c| c.chars().count() <= MAX_SUGGEST_LEN)
        .filter_map(|c| {
            let cl = c.to_lowercase();
            let d = edit_distance(&lower, &cl);
            let budget = (lower.chars().count().max(cl.chars().count()) / 3).max(2);
            // One name inside the other only counts from three letters on each side: `town` holds the
            // alias `t` of `SUM(sales) AS t`, which is no suggestion.
            let related = d <= budget
                || (lower.chars().count() >= 3
                    && cl.chars().count() >= 3
                    && (cl.contains(&lower) || lower.contains(&cl)));
            related.then_some((d, c))
        })
        .collect();
    scored.sort();
    scored.dedup_by(|a, b| a.1 == b.1);
    scored.into_iter().take(3).map(|(_, c)| c).collect()
}

/// True when `word` is within a typo or two of one of `columns` (case aside): a third of its letters at
/// most. Words under three letters are too short to tell (`"IT"` is one letter from `id`).
pub(crate) fn misspells_a_column(columns: &[String], word: &str) -> bool {
    let length = word.chars().count();
    if !(3..=MAX_SUGGEST_LEN).contains(&length) {
        return false;
    }
    let lower = word.to_lowercase();
    let budget = length / 3;
    columns
        .iter()
        .any(|c| edit_distance(&lower, &c.to_lowercase()) <= budget)
}

/// "`a`, `b`" style list, capped so that a 2,000-column table does not flood a prompt.
pub(crate) fn list_names(names: &[String]) -> String {
    const CAP: usize = 60;
    let mut s = names
        .iter()
        .take(CAP)
        .map(String::as_str)
        .collect::<Vec<_>>()
        .join(", ");
    if names.len() > CAP {
        s.push_str(&format!(", … ({} more)", names.len() - CAP));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distance_and_suggestions() {
        assert_eq!(edit_distance("nmae", "name"), 2);
        assert_eq!(edit_distance("", "abc"), 3);
        let cols = ["id", "name", "age", "surname"];
        assert_eq!(closest("nmae", cols.iter().copied()).first(), Some(&"name"));
        assert!(closest("zzzzzzzz", cols.iter().copied()).is_empty());
        // A one-letter alias inside the word is no suggestion (probe V: `town` → "did you mean `t`?").
        assert!(closest("town", ["city", "sales", "t"].into_iter()).is_empty());
        assert_eq!(
            closest("sale", ["city", "sales", "t"].into_iter()),
            ["sales"]
        );
    }

    #[test]
    fn resolution_prefers_exact() {
        let rel = Relation {
            visible: "data".into(),
            columns: vec!["Name".into(), "name".into()],
            open: false,
            describe: "table `data`".into(),
            numeric: Vec::new(),
            dates: Vec::new(),
            datetimes: Vec::new(),
            booleans: Vec::new(),
            texts: Vec::new(),
            integers: Vec::new(),
            reals: Vec::new(),
            not_null: Vec::new(),
            one_row: false,
        };
        let scopes = vec![SelectScope {
            relations: vec![rel],
            alias_exprs: Vec::new(),
            aliases: vec!["total".into()],
        }];
        assert_eq!(
            resolve(&scopes, "name", false),
            Resolved::Column("name".into())
        );
        assert_eq!(
            resolve(&scopes, "NAME", false),
            Resolved::Column("Name".into())
        );
        assert_eq!(
            resolve(&scopes, "TOTAL", true),
            Resolved::Alias("total".into())
        );
        assert_eq!(resolve(&scopes, "TOTAL", false), Resolved::Unknown);
    }
}

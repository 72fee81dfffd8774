//! What the query may read (tables and their columns) and the size limits it must respect.

use serde::{Deserialize, Serialize};

/// A column of a registered table; `dtype` as polars prints it ("i64", "str", "date", ...).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Column {
    pub name: String,
    pub dtype: String,
    /// False when the column is known to hold no NULL (a stored dataset knows its null counts).
    #[serde(default = "may_hold_nulls")]
    pub nullable: bool,
}

fn may_hold_nulls() -> bool {
    true
}

impl Column {
    pub fn new(name: impl Into<String>, dtype: impl Into<String>) -> Column {
        Column {
            name: name.into(),
            dtype: dtype.into(),
            nullable: true,
        }
    }

    /// The same column, known to hold no NULL.
    pub fn without_nulls(self) -> Column {
        Column {
            nullable: false,
            ..self
        }
    }
}

/// A registered table. `name` is what the engine knows it as; `aliases` are other names the
/// query may use for it (rewritten to `name`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Table {
    pub name: String,
    pub aliases: Vec<String>,
    pub columns: Vec<Column>,
}

impl Table {
    pub fn new(name: impl Into<String>, aliases: Vec<String>, columns: Vec<Column>) -> Table {
        Table {
            name: name.into(),
            aliases,
            columns,
        }
    }

    /// True when `word` is this table's name or one of its aliases (case-insensitive, as in SQL).
    pub fn answers_to(&self, word: &str) -> bool {
        self.name.eq_ignore_ascii_case(word)
            || self.aliases.iter().any(|a| a.eq_ignore_ascii_case(word))
    }

    pub(crate) fn column_names(&self) -> Vec<String> {
        self.columns.iter().map(|c| c.name.clone()).collect()
    }

    /// Names of the columns whose dtype is a number (`i64`, `u32`, `f64`, `decimal[..]`).
    pub(crate) fn numeric_columns(&self) -> Vec<String> {
        self.columns_where(is_numeric_dtype)
    }

    /// Names of the columns holding whole numbers (`i64`, `u32`, ...), and other numbers (`f64`, `decimal`).
    pub(crate) fn integer_columns(&self) -> Vec<String> {
        self.columns_where(|dtype| {
            is_numeric_dtype(dtype) && matches!(dtype.as_bytes()[0], b'i' | b'u')
        })
    }

    pub(crate) fn real_columns(&self) -> Vec<String> {
        self.columns_where(|dtype| {
            is_numeric_dtype(dtype) && !matches!(dtype.as_bytes()[0], b'i' | b'u')
        })
    }

    /// Names of the columns holding dates.
    pub(crate) fn date_columns(&self) -> Vec<String> {
        self.columns_where(|dtype| dtype == "date")
    }

    /// Names of the columns holding datetimes (`datetime[μs]`, `datetime[ns, UTC]`, ...).
    pub(crate) fn datetime_columns(&self) -> Vec<String> {
        self.columns_where(|dtype| dtype.starts_with("datetime"))
    }

    /// Names of the columns holding true/false.
    pub(crate) fn bool_columns(&self) -> Vec<String> {
        self.columns_where(|dtype| dtype == "bool")
    }

    /// Names of the columns holding text.
    pub(crate) fn text_columns(&self) -> Vec<String> {
        self.columns_where(|dtype| dtype == "str")
    }

    /// Names of the columns known to hold no NULL.
    pub(crate) fn not_null_columns(&self) -> Vec<String> {
        self.columns
            .iter()
            .filter(|c| !c.nullable)
            .map(|c| c.name.clone())
            .collect()
    }

    fn columns_where(&self, kind: impl Fn(&str) -> bool) -> Vec<String> {
        self.columns
            .iter()
            .filter(|c| kind(&c.dtype))
            .map(|c| c.name.clone())
            .collect()
    }
}

/// True for polars' numeric dtype names: `i8`..`i128`, `u8`..`u64`, `f32`, `f64`, `decimal[p,s]`.
pub(crate) fn is_numeric_dtype(dtype: &str) -> bool {
    let numbered = matches!(dtype.as_bytes().first(), Some(b'i' | b'u' | b'f'))
        && dtype.len() > 1
        && dtype[1..].bytes().all(|b| b.is_ascii_digit());
    numbered || dtype.starts_with("decimal")
}

/// The set of registered tables a query may reference.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Catalog {
    tables: Vec<Table>,
}

impl Catalog {
    pub fn new(tables: Vec<Table>) -> Catalog {
        Catalog { tables }
    }

    /// One table with the given name and aliases; columns as `(name, dtype)` pairs.
    pub fn single(name: &str, aliases: &[&str], columns: &[(&str, &str)]) -> Catalog {
        Catalog::new(vec![Table::new(
            name,
            aliases.iter().map(|a| (*a).to_string()).collect(),
            columns.iter().map(|(n, t)| Column::new(*n, *t)).collect(),
        )])
    }

    pub fn tables(&self) -> &[Table] {
        &self.tables
    }

    /// Look a table up by name or alias, case-insensitively.
    pub fn find(&self, word: &str) -> Option<&Table> {
        self.tables.iter().find(|t| t.answers_to(word))
    }

    /// Every name and alias, for messages.
    pub(crate) fn all_names(&self) -> Vec<String> {
        let mut names = Vec::new();
        for t in &self.tables {
            names.push(t.name.clone());
            names.extend(t.aliases.iter().cloned());
        }
        names
    }
}

/// Bounds applied before and during validation. Defaults suit LLM-written analytics queries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Limits {
    /// Longest SQL text accepted, in bytes; checked before parsing.
    pub max_sql_bytes: usize,
    /// Deepest bracket nesting (subqueries, calls, parenthesised expressions).
    pub max_nesting_depth: usize,
    /// Most joins (explicit JOINs plus extra comma-separated FROM items) in the whole query.
    pub max_joins: usize,
    /// Largest literal length accepted by padding functions (LPAD/RPAD).
    pub max_string_repeat: i64,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_sql_bytes: 20_000,
            max_nesting_depth: 16,
            max_joins: 4,
            max_string_repeat: 10_000,
        }
    }
}

impl Limits {
    /// The most a query's normalised SQL may be, in bytes: rewrites repeat some expressions (SQLite's
    /// scalar MAX as a CASE over its arguments) and quote identifiers, within 4 times `max_sql_bytes`.
    pub fn max_normalised_bytes(&self) -> usize {
        self.max_sql_bytes.saturating_mul(4)
    }

    /// The limits to validate normalised SQL with again (the calculator does, with the sidecar's): its size
    /// may be up to [`Limits::max_normalised_bytes`]; every other bound is the same.
    pub fn for_normalised(&self) -> Limits {
        Limits {
            max_sql_bytes: self.max_normalised_bytes(),
            ..self.clone()
        }
    }

    /// Bound on the depth of the parsed syntax tree. Unbracketed operator chains (`a+b+c+...`)
    /// build deep trees without brackets, and the engine converts the tree recursively, so this
    /// is a separate, looser bound derived from the bracket bound.
    pub(crate) fn max_tree_depth(&self) -> usize {
        self.max_nesting_depth.saturating_mul(8).max(32)
    }
}

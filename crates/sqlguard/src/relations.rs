//! FROM-clause items: registered tables, CTE references, derived tables; table functions refused.

use sqlparser::ast::{Ident, ObjectName, ObjectNamePart, TableAlias, TableFactor};

use crate::issue::{Location, Rule};
use crate::scope::{Relation, closest, list_names};
use crate::walk::Walker;

/// The single identifier of a one-part name (`data`), or `None` for `schema.data` and friends.
pub(crate) fn single_ident(name: &mut ObjectName) -> Option<&mut Ident> {
    match name.0.as_mut_slice() {
        [ObjectNamePart::Identifier(ident)] => Some(ident),
        _ => None,
    }
}

/// Quote only names that would not survive unquoted (engine names are case-sensitive).
pub(crate) fn needs_quotes(name: &str) -> bool {
    let mut chars = name.chars();
    let first_ok = chars
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c == '_');
    !(first_ok && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'))
}

impl Walker<'_> {
    pub(crate) fn table_factor(
        &mut self,
        tf: &mut TableFactor,
        relations: &mut Vec<Relation>,
        has_where: bool,
    ) {
        match tf {
            TableFactor::Table {
                name,
                alias,
                args,
                with_hints,
                version,
                with_ordinality,
                partitions,
                json_path,
                sample,
                index_hints,
            } => {
                if args.is_some() {
                    self.table_function(&name.to_string(), location_of(name));
                    return;
                }
                if !with_hints.is_empty()
                    || version.is_some()
                    || *with_ordinality
                    || !partitions.is_empty()
                    || json_path.is_some()
                    || sample.is_some()
                    || !index_hints.is_empty()
                {
                    self.unsupported(
                        "a table modifier (hints, AS OF, PARTITION, TABLESAMPLE)",
                        "name the table alone.",
                    );
                }
                if let Some(rel) = self.named_table(name, alias) {
                    relations.push(rel);
                }
            }
            TableFactor::Derived {
                lateral,
                subquery,
                alias,
                sample,
            } => {
                if *lateral {
                    self.unsupported("LATERAL subqueries", "use a JOIN or a WITH clause.");
                }
                if sample.is_some() {
                    self.unsupported("TABLESAMPLE", "use ORDER BY ... LIMIT instead.");
                }
                if let Some(a) = alias.as_ref() {
                    self.check_shadow(&a.name, "the subquery alias", None);
                }
                let one_row = crate::joins::at_most_one_row(subquery);
                let mut out = self.query(subquery);
                let mut kinds = self.output_kinds(subquery, &out.columns);
                let visible = alias
                    .as_ref()
                    .map(|a| a.name.value.clone())
                    .unwrap_or_default();
                if let Some(a) = alias.as_ref().filter(|a| !a.columns.is_empty()) {
                    let outer: Vec<String> =
                        a.columns.iter().map(|c| c.name.value.clone()).collect();
                    kinds = kinds.renamed(&out.columns, &outer, out.open);
                    out.dates =
                        crate::output_kinds::renamed(&out.dates, &out.columns, &outer, out.open);
                    out.columns = outer;
                    out.open = false;
                }
                let describe = format!("subquery `{visible}`");
                relations.push(Relation::derived(visible, describe, out, kinds, one_row));
            }
            TableFactor::NestedJoin {
                table_with_joins,
                alias,
            } => {
                if alias.is_some() {
                    self.unsupported(
                        "an alias on a parenthesised join",
                        "alias the tables inside it.",
                    );
                }
                self.walk_from_item(table_with_joins, has_where, relations);
            }
            TableFactor::Function { name, .. } => {
                self.table_function(&name.to_string(), location_of(name));
            }
            TableFactor::TableFunction { .. }
            | TableFactor::UNNEST { .. }
            | TableFactor::JsonTable { .. }
            | TableFactor::OpenJsonTable { .. }
            | TableFactor::XmlTable { .. } => {
                self.table_function("this table-valued expression", None);
            }
            TableFactor::Pivot { .. }
            | TableFactor::Unpivot { .. }
            | TableFactor::MatchRecognize { .. }
            | TableFactor::SemanticView { .. } => {
                self.unsupported(
                    "PIVOT / UNPIVOT / MATCH_RECOGNIZE / SEMANTIC_VIEW",
                    "use GROUP BY with CASE expressions instead.",
                );
            }
        }
    }

    fn table_function(&mut self, what: &str, location: Option<Location>) {
        let tables = list_names(&self.catalog.all_names());
        self.reject(
            Rule::TableFunction,
            format!(
                "`{what}` is a table function; FROM may only name a table (available: {tables}) \
                 or a WITH query. Reading files or URLs is not possible."
            ),
            location,
        );
    }

    /// A plain name in FROM: a CTE in scope, else a registered table, else an error.
    fn named_table(
        &mut self,
        name: &mut ObjectName,
        alias: &mut Option<TableAlias>,
    ) -> Option<Relation> {
        let written_full = name.to_string();
        let location = location_of(name);
        let Some(ident) = single_ident(name) else {
            self.unknown_table(&written_full, location);
            return None;
        };
        if let Some(cte) = self.find_cte(&ident.value) {
            ident.value.clone_from(&cte.visible);
            if let Some(a) = alias.as_ref() {
                self.check_shadow(&a.name, "the alias", None);
            }
            let visible = alias
                .as_ref()
                .map_or(cte.visible.clone(), |a| a.name.value.clone());
            return Some(Relation { visible, ..cte });
        }
        let Some(table) = self.catalog.find(&ident.value) else {
            self.unknown_table(&written_full, location);
            return None;
        };
        let canonical = table.name.clone();
        let relation = table_relation(table, String::new());
        let written = std::mem::replace(&mut ident.value, canonical.clone());
        ident.quote_style = needs_quotes(&canonical).then_some('"');
        if !self.tables.contains(&canonical) {
            self.tables.push(canonical.clone());
        }
        let visible = match alias.as_ref() {
            Some(a) => {
                self.check_shadow(&a.name, "the alias", Some(&canonical));
                if !a.columns.is_empty() {
                    self.unsupported(
                        "renaming a table's columns in its alias",
                        "alias columns in SELECT.",
                    );
                }
                a.name.value.clone()
            }
            None if written != canonical => {
                // Keep what the user wrote as the alias so that `singer.col` still resolves.
                let quote = needs_quotes(&written).then_some('"');
                *alias = Some(TableAlias {
                    explicit: true,
                    name: Ident {
                        value: written.clone(),
                        quote_style: quote,
                        span: ident.span,
                    },
                    columns: Vec::new(),
                    at: None,
                });
                written.clone()
            }
            None => canonical.clone(),
        };
        if written != canonical {
            self.note(
                Rule::TableNameRewritten,
                format!("table `{written}` is the registered table `{canonical}`; it is read as `{canonical} AS {visible}`."),
                location,
            );
        }
        Some(Relation {
            visible,
            ..relation
        })
    }

    /// The relation a plain name in FROM reads, once the query is walked (names are then exact): a CTE in
    /// scope, else a registered table; `visible` as its alias says.
    pub(crate) fn relation_named(
        &self,
        name: &ObjectName,
        alias: Option<&TableAlias>,
    ) -> Option<Relation> {
        let [ObjectNamePart::Identifier(ident)] = name.0.as_slice() else {
            return None;
        };
        let mut relation = match self.find_cte(&ident.value) {
            Some(cte) => cte,
            None => table_relation(self.catalog.find(&ident.value)?, ident.value.clone()),
        };
        if let Some(alias) = alias {
            relation.visible.clone_from(&alias.name.value);
        }
        Some(relation)
    }

    fn find_cte(&self, word: &str) -> Option<Relation> {
        let frames = self.ctes.iter().rev();
        let all: Vec<&Relation> = frames.flat_map(|f| f.iter().rev()).collect();
        all.iter()
            .find(|r| r.visible == word)
            .or_else(|| all.iter().find(|r| r.visible.eq_ignore_ascii_case(word)))
            .map(|r| (*r).clone())
    }

    fn unknown_table(&mut self, written: &str, location: Option<Location>) {
        let names = self.catalog.all_names();
        let mut candidates: Vec<String> = names.clone();
        for frame in &self.ctes {
            candidates.extend(frame.iter().map(|r| r.visible.clone()));
        }
        let close = closest(written, candidates.iter().map(String::as_str));
        let hint = match close.first() {
            Some(c) => format!(" Did you mean `{c}`?"),
            None => String::new(),
        };
        let tables = list_names(&names);
        self.reject(
            Rule::UnknownTable,
            format!(
                "unknown table `{written}`.{hint} The only tables you can query are: {tables} \
                 (plus names defined in WITH)."
            ),
            location,
        );
    }

    /// CTE names and aliases must not hide a registered table: the engine would let them
    /// replace it for the rest of the query. An alias of a table to one of its own names is fine.
    pub(crate) fn check_shadow(&mut self, alias: &Ident, what: &str, same_table: Option<&str>) {
        let shadowed = self
            .catalog
            .find(&alias.value)
            .filter(|t| same_table != Some(t.name.as_str()))
            .map(|t| t.name.clone());
        if let Some(name) = shadowed {
            self.reject(
                Rule::ShadowedTable,
                format!(
                    "{what} `{}` has the same name as the registered table `{name}`; \
                     choose a different name (for example `{}_q`).",
                    alias.value, alias.value
                ),
                Location::from_span(alias.span),
            );
        }
    }
}

/// A registered table's relation, with the kinds of its columns, seen as `visible`.
fn table_relation(table: &crate::catalog::Table, visible: String) -> Relation {
    Relation {
        describe: format!("table `{}`", table.name),
        visible,
        columns: table.column_names(),
        open: false,
        numeric: table.numeric_columns(),
        dates: table.date_columns(),
        datetimes: table.datetime_columns(),
        booleans: table.bool_columns(),
        texts: table.text_columns(),
        integers: table.integer_columns(),
        reals: table.real_columns(),
        not_null: table.not_null_columns(),
        one_row: false,
    }
}

pub(crate) fn location_of(name: &ObjectName) -> Option<Location> {
    match name.0.first() {
        Some(ObjectNamePart::Identifier(ident)) => Location::from_span(ident.span),
        Some(ObjectNamePart::Function(f)) => Location::from_span(f.name.span),
        None => None,
    }
}

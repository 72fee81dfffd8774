//! Name resolution: column identifiers, qualifiers, projections; rewritten to exact spellings.

use sqlparser::ast::{Expr, Ident, ObjectName, SelectItem, SelectItemQualifiedWildcardKind, Value};

use crate::issue::{Location, Rule};
use crate::relations::single_ident;
use crate::scope::{
    Resolved, all_columns, closest, find_relation, list_names, misspells_a_column, resolve,
    resolves_outside,
};
use crate::walk::{Output, Walker};

/// The alias a projection item defines, if any.
pub(crate) fn item_alias(item: &SelectItem) -> Option<String> {
    match item {
        SelectItem::ExprWithAlias { alias, .. } => Some(alias.value.clone()),
        _ => None,
    }
}

/// Quote a column name for output: engine column names are case-sensitive and may hold spaces.
fn set_column(ident: &mut Ident, real: &str) {
    real.clone_into(&mut ident.value);
    ident.quote_style = Some('"');
}

impl Walker<'_> {
    /// Resolve a bare identifier; returns a replacement expression when it becomes a literal.
    pub(crate) fn identifier(&mut self, ident: &mut Ident) -> Option<Expr> {
        let location = Location::from_span(ident.span);
        match resolve(&self.scopes, &ident.value, true) {
            Resolved::Column(real) if resolves_outside(&self.scopes, &ident.value) => {
                self.correlated(&real, location);
                None
            }
            Resolved::Column(real) => {
                self.corrected(ident, &real, location);
                set_column(ident, &real);
                self.qualified_inside_a_join(ident)
            }
            // SQLite reads an alias in WHERE as the expression it names (`SELECT price * qty AS total ...
            // WHERE total > 100`); Polars cannot see it there ("unable to find column").
            Resolved::Alias(real) if self.in_where && !self.too_deep() => self.alias_expression(&real).or_else(|| {
                self.unsupported(
                    &format!("`{real}` in WHERE, the name of an aggregate or window in SELECT"),
                    "WHERE filters rows before they are grouped; filter groups with HAVING, or window \
                     results in an outer query (or QUALIFY).",
                );
                None
            }),
            // SQLite reads it so in HAVING too (`SELECT dept AS d ... GROUP BY dept HAVING d = 'IT'`), where
            // Polars saw a list per group; the name of an aggregate stays a name, which Polars resolves.
            Resolved::Alias(real)
                if self.in_having && !self.too_deep() && self.alias_expression(&real).is_some() =>
            {
                self.alias_expression(&real)
            }
            Resolved::Alias(real) => {
                if ident.value != real {
                    self.corrected(ident, &real, location);
                    set_column(ident, &real);
                }
                None
            }
            Resolved::Open => None,
            // A double-quoted word one or two letters from a column is that column misspelled, not a
            // string: read as a string, `WHERE "depts" = 'HR'` would match nothing, with no error. Unless it
            // is compared with a column (`dept = "IT"`, with a column `id`): then it is a value.
            Resolved::Unknown
                if ident.quote_style == Some('"')
                    && (self.compared_value
                        || !misspells_a_column(&all_columns(&self.scopes), &ident.value)) =>
            {
                self.note(
                    Rule::QuotedStringLiteral,
                    format!(
                        "\"{0}\" names no column, so it is read as the string '{0}' (as SQLite does); \
                         write '{0}' for strings.",
                        ident.value
                    ),
                    location,
                );
                Some(Expr::value(Value::SingleQuotedString(ident.value.clone())))
            }
            Resolved::Unknown => {
                self.unknown_column(&ident.value, None, location);
                None
            }
        }
    }

    /// Polars SQL runs no correlated subquery, and run on its own such a subquery would read the outer
    /// name as its own table's (`data.dept` inside `FROM data AS x`): a wrong answer. Say how to write it.
    fn correlated(&mut self, name: &str, location: Option<Location>) {
        self.reject(
            Rule::CorrelatedSubquery,
            format!(
                "`{name}` inside a subquery refers to the query around it (a correlated subquery), which is \
                 not supported. Compute the per-group value once and join it, e.g. `WITH g AS (SELECT dept, \
                 AVG(salary) AS avg_salary FROM data GROUP BY dept) SELECT d.* FROM data AS d JOIN g ON \
                 d.dept = g.dept WHERE d.salary > g.avg_salary`, or use a window function such as \
                 `AVG(salary) OVER (PARTITION BY dept)`."
            ),
            location,
        );
    }

    /// A column of a subquery inside a SELECT that joins tables holding a column of that name, qualified
    /// with its own table: Polars checks the joined SELECT's names down into its subqueries and refused
    /// `WHERE x.id IN (SELECT id FROM data ...)` as "ambiguous reference to column id" (probe Y).
    fn qualified_inside_a_join(&self, ident: &Ident) -> Option<Expr> {
        let (own, outer) = self.scopes.split_last()?;
        let shared = outer.iter().any(|scope| {
            scope
                .relations
                .iter()
                .filter(|r| r.find_column(&ident.value).is_some())
                .count()
                >= 2
        });
        if !shared {
            return None;
        }
        let holders: Vec<&crate::scope::Relation> = own
            .relations
            .iter()
            .filter(|r| !r.visible.is_empty() && r.find_column(&ident.value).is_some())
            .collect();
        let [holder] = holders.as_slice() else {
            return None;
        };
        let table = Ident {
            value: holder.visible.clone(),
            quote_style: crate::relations::needs_quotes(&holder.visible).then_some('"'),
            span: ident.span,
        };
        Some(Expr::CompoundIdentifier(vec![table, ident.clone()]))
    }

    fn corrected(&mut self, ident: &Ident, real: &str, location: Option<Location>) {
        if ident.value != real {
            self.note(
                Rule::ColumnCaseCorrected,
                format!("`{}` was read as the column `{real}`.", ident.value),
                location,
            );
        }
    }

    pub(crate) fn compound(&mut self, parts: &mut [Ident]) {
        let [qualifier, column] = parts else {
            let written = parts
                .iter()
                .map(|p| p.value.as_str())
                .collect::<Vec<_>>()
                .join(".");
            self.unsupported(
                &format!("the name `{written}`"),
                "write `column` or `alias.column`.",
            );
            return;
        };
        let location = Location::from_span(qualifier.span);
        let Some(rel) = find_relation(&self.scopes, &qualifier.value).cloned() else {
            let visible: Vec<String> = self
                .scopes
                .iter()
                .flat_map(|s| s.relations.iter().map(|r| r.visible.clone()))
                .filter(|v| !v.is_empty())
                .collect();
            self.reject(
                Rule::UnknownQualifier,
                format!(
                    "`{}.{}` uses `{}`, which is not a table or alias in this part of the query; \
                     in scope: {}.",
                    qualifier.value,
                    column.value,
                    qualifier.value,
                    if visible.is_empty() {
                        "none".to_string()
                    } else {
                        list_names(&visible)
                    }
                ),
                location,
            );
            return;
        };
        let inner = self.scopes.len().saturating_sub(1);
        if inner > 0 && find_relation(&self.scopes[inner..], &qualifier.value).is_none() {
            self.correlated(&format!("{}.{}", rel.visible, column.value), location);
            return;
        }
        if qualifier.value != rel.visible {
            qualifier.value.clone_from(&rel.visible);
            qualifier.quote_style = crate::relations::needs_quotes(&rel.visible).then_some('"');
        }
        let location = Location::from_span(column.span);
        match rel.find_column(&column.value) {
            Some(real) => {
                let real = real.to_string();
                self.corrected(column, &real, location);
                set_column(column, &real);
            }
            None if rel.open => {}
            None => self.unknown_column(&column.value, Some(&rel), location),
        }
    }

    fn unknown_column(
        &mut self,
        word: &str,
        rel: Option<&crate::scope::Relation>,
        location: Option<Location>,
    ) {
        let mut aliases = Vec::new();
        let (columns, place) = match rel {
            Some(r) => (r.columns.clone(), format!(" in {}", r.describe)),
            None => {
                let place = match self.scopes.last().map(|s| s.relations.as_slice()) {
                    Some([only]) => format!(" in {}", only.describe),
                    _ => String::new(),
                };
                // Aliases defined in this SELECT are valid names too, so suggest them.
                let names = all_columns(&self.scopes);
                if let Some(scope) = self.scopes.last() {
                    aliases = scope
                        .aliases
                        .iter()
                        .filter(|a| !names.contains(a))
                        .cloned()
                        .collect();
                }
                (names, place)
            }
        };
        let close = closest(word, columns.iter().chain(&aliases).map(String::as_str));
        let hint = match close.as_slice() {
            [] => ".".to_string(),
            [one] => format!("; did you mean `{one}`?"),
            many => format!(
                "; did you mean one of {}?",
                many.iter()
                    .map(|c| format!("`{c}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        };
        let mut listing = if columns.is_empty() {
            " No columns are in scope here.".to_string()
        } else {
            format!(" Columns: {}.", list_names(&columns))
        };
        if !aliases.is_empty() {
            listing.push_str(&format!(
                " Names given in SELECT: {}.",
                list_names(&aliases)
            ));
        }
        self.reject(
            Rule::UnknownColumn,
            format!(
                "unknown column `{word}`{place}{hint}{listing} Use 'single quotes' for strings."
            ),
            location,
        );
    }

    /// `JOIN ... USING (col)`: the name must be a column; rewrite its spelling.
    pub(crate) fn using_name(&mut self, name: &mut ObjectName) {
        let Some(ident) = single_ident(name) else {
            self.unsupported("a qualified name in USING (...)", "list bare column names.");
            return;
        };
        let location = Location::from_span(ident.span);
        match resolve(&self.scopes, &ident.value, false) {
            Resolved::Column(real) => {
                self.corrected(ident, &real, location);
                set_column(ident, &real);
            }
            Resolved::Open | Resolved::Alias(_) => {}
            Resolved::Unknown => {
                let word = ident.value.clone();
                self.unknown_column(&word, None, location);
            }
        }
    }

    /// The projection: walk each item and compute the output column names.
    pub(crate) fn projection(&mut self, items: &mut [SelectItem]) -> Output {
        let mut out = Output::default();
        for item in items {
            match item {
                SelectItem::UnnamedExpr(e) => {
                    let written = e.to_string();
                    self.expr(e);
                    let date = crate::temporal::is_date_expr(&self.scopes, e);
                    let column = match e {
                        Expr::Identifier(i) => Some(i.value.clone()),
                        Expr::CompoundIdentifier(parts) => parts.last().map(|i| i.value.clone()),
                        _ => None,
                    };
                    let columns_before = out.columns.len();
                    match column {
                        Some(name) if !out.columns.contains(&name) => out.columns.push(name),
                        // The same name twice (`a.name, b.name`, `*, name`) is an error in Polars: the
                        // repeat gets a suffix, as repeated expressions do.
                        Some(name) => {
                            let alias = crate::compat::expression_alias(&name, &out.columns);
                            out.columns.push(alias.clone());
                            let expr = std::mem::replace(e, Expr::value(Value::Null));
                            *item = SelectItem::ExprWithAlias {
                                expr,
                                alias: Ident::with_quote('"', alias),
                            };
                        }
                        None if matches!(e, Expr::CompoundIdentifier(_)) => out.open = true,
                        None => {
                            // Polars names an expression after its first column, so `avg(age), max(age)`
                            // is two columns called `age` (an error); name it by its text, as SQLite does.
                            let alias = crate::compat::expression_alias(&written, &out.columns);
                            out.columns.push(alias.clone());
                            let expr = std::mem::replace(e, Expr::value(Value::Null));
                            *item = SelectItem::ExprWithAlias {
                                expr,
                                alias: Ident::with_quote('"', alias),
                            };
                        }
                    }
                    if date && out.columns.len() > columns_before {
                        out.dates.extend(out.columns.last().cloned());
                    }
                }
                SelectItem::ExprWithAlias { expr, alias } => {
                    self.expr(expr);
                    if crate::temporal::is_date_expr(&self.scopes, expr) {
                        out.dates.push(alias.value.clone());
                    }
                    out.columns.push(alias.value.clone());
                }
                SelectItem::Wildcard(opts) => {
                    if opts.opt_replace.is_some()
                        || opts.opt_alias.is_some()
                        || opts.opt_ilike.is_some()
                    {
                        self.unsupported(
                            "SELECT * REPLACE / ILIKE / AS",
                            "list the columns you need.",
                        );
                    }
                    if opts.opt_exclude.is_some()
                        || opts.opt_except.is_some()
                        || opts.opt_rename.is_some()
                    {
                        out.open = true;
                    }
                    // Renamed columns carry their kinds to names not known here.
                    let renamed = opts.opt_rename.is_some();
                    if let Some(scope) = self.scopes.last() {
                        for rel in &scope.relations {
                            out.columns.extend(rel.columns.iter().cloned());
                            if !renamed {
                                out.dates.extend(rel.dates.iter().cloned());
                            }
                            out.open |= rel.open;
                        }
                    }
                }
                SelectItem::QualifiedWildcard(kind, opts) => {
                    if opts.opt_replace.is_some()
                        || opts.opt_alias.is_some()
                        || opts.opt_ilike.is_some()
                    {
                        self.unsupported("t.* REPLACE / ILIKE / AS", "list the columns you need.");
                    }
                    out.open |= opts.opt_exclude.is_some()
                        || opts.opt_except.is_some()
                        || opts.opt_rename.is_some();
                    match kind {
                        SelectItemQualifiedWildcardKind::ObjectName(name) => {
                            let dates = out.dates.len();
                            self.qualified_wildcard(name, &mut out);
                            if opts.opt_rename.is_some() {
                                out.dates.truncate(dates);
                            }
                        }
                        SelectItemQualifiedWildcardKind::Expr(_) => {
                            self.unsupported("`expression.*`", "list the fields you need.");
                        }
                    }
                }
                SelectItem::ExprWithAliases { .. } => {
                    self.unsupported(
                        "an expression with several aliases",
                        "give each column one alias.",
                    );
                }
            }
        }
        out
    }

    pub(crate) fn qualified_wildcard(&mut self, name: &mut ObjectName, out: &mut Output) {
        let Some(ident) = single_ident(name) else {
            self.unsupported("a multi-part `a.b.*`", "write `alias.*`.");
            return;
        };
        match find_relation(&self.scopes, &ident.value).cloned() {
            Some(rel) => {
                if ident.value != rel.visible {
                    ident.value.clone_from(&rel.visible);
                    ident.quote_style = crate::relations::needs_quotes(&rel.visible).then_some('"');
                }
                out.columns.extend(rel.columns.iter().cloned());
                out.dates.extend(rel.dates.iter().cloned());
                out.open |= rel.open;
            }
            None => {
                let word = ident.value.clone();
                self.reject(
                    Rule::UnknownQualifier,
                    format!("`{word}.*` names no table or alias in this part of the query."),
                    Location::from_span(ident.span),
                );
            }
        }
    }
}

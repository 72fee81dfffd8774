//! The allowlisting walk over queries, SELECTs and FROM clauses; rewrites names in place.
//!
//! Every AST node kind is matched explicitly: anything this walker does not know is rejected,
//! so a new sqlparser node can never slip through unchecked. Recursion is bounded by
//! `Limits::max_tree_depth` (see `Walker::deeper`).

use sqlparser::ast::{Distinct, GroupByExpr, OrderBy, Query, Select, SelectFlavor, SetExpr};

use crate::catalog::{Catalog, Limits};
use crate::issue::{Issue, Location, Rule};
use crate::scope::{Relation, SelectScope};

/// Output columns of a query or relation: known names, plus whether more may exist.
#[derive(Debug, Clone, Default)]
pub(crate) struct Output {
    pub columns: Vec<String>,
    pub open: bool,
    /// Those of `columns` known to hold dates (see `temporal::is_date_expr`).
    pub dates: Vec<String>,
}

pub(crate) struct Walker<'a> {
    pub catalog: &'a Catalog,
    pub limits: &'a Limits,
    pub issues: Vec<Issue>,
    pub notes: Vec<Issue>,
    pub tables: Vec<String>,
    pub scopes: Vec<SelectScope>,
    /// CTEs visible at this point, innermost WITH last.
    pub ctes: Vec<Vec<Relation>>,
    pub joins: usize,
    /// Walking a value compared with a column (see `Walker::value`).
    pub compared_value: bool,
    /// The scope of the SELECT just walked, when it has a QUALIFY (see `qualify.rs`).
    pub qualify_scope: Option<SelectScope>,
    /// Walking a WHERE clause, where an alias stands for its expression (see `Walker::identifier`).
    pub in_where: bool,
    /// Walking a HAVING clause, where the name of a SELECT expression without aggregates stands for it.
    pub in_having: bool,
    /// The query was read with each infix GLOB spelled SIMILAR TO: its SIMILAR TO nodes are GLOBs (`glob.rs`).
    pub globs: bool,
    depth: usize,
    too_deep_reported: bool,
}

impl<'a> Walker<'a> {
    pub fn new(catalog: &'a Catalog, limits: &'a Limits) -> Walker<'a> {
        Walker {
            catalog,
            limits,
            issues: Vec::new(),
            notes: Vec::new(),
            tables: Vec::new(),
            scopes: Vec::new(),
            ctes: Vec::new(),
            joins: 0,
            compared_value: false,
            in_where: false,
            in_having: false,
            globs: false,
            qualify_scope: None,
            depth: 0,
            too_deep_reported: false,
        }
    }

    pub fn reject(&mut self, rule: Rule, message: String, location: Option<Location>) {
        let issue = Issue::new(rule, message).at(location);
        if !self.issues.contains(&issue) {
            self.issues.push(issue);
        }
    }

    pub fn note(&mut self, rule: Rule, message: String, location: Option<Location>) {
        let issue = Issue::new(rule, message).at(location);
        if !self.notes.iter().any(|n| n.message == issue.message) {
            self.notes.push(issue);
        }
    }

    pub fn unsupported(&mut self, what: &str, hint: &str) {
        let message = if hint.is_empty() {
            format!("{what} is not supported here; rewrite the query without it.")
        } else {
            format!("{what} is not supported here; {hint}")
        };
        self.reject(Rule::UnsupportedSyntax, message, None);
    }

    /// True once the query was found nested past the limit: it is refused, and the rewrites that read whole
    /// expressions (recursively, or through `Display`) are skipped, since they would overflow the stack.
    pub fn too_deep(&self) -> bool {
        self.too_deep_reported
    }

    /// Run `f` one level deeper, or report `too_deep` once and skip it. This is the only guard
    /// against unbracketed deep trees (`1+1+1+...`), so every recursive step goes through it.
    pub fn deeper<T: Default>(&mut self, f: impl FnOnce(&mut Self) -> T) -> T {
        if self.depth >= self.limits.max_tree_depth() {
            if !self.too_deep_reported {
                self.too_deep_reported = true;
                let max = self.limits.max_tree_depth();
                self.reject(
                    Rule::TooDeep,
                    format!("the query's expressions are nested more than {max} levels deep; simplify it."),
                    None,
                );
            }
            return T::default();
        }
        self.depth += 1;
        let out = f(self);
        self.depth -= 1;
        out
    }

    pub fn query(&mut self, q: &mut Query) -> Output {
        self.deeper(|w| w.query_inner(q))
    }

    fn query_inner(&mut self, q: &mut Query) -> Output {
        let pushed_ctes = self.with_clause(q);
        self.qualify_scope = None;
        let mut qualify_scope = None;
        let out = match q.body.as_mut() {
            SetExpr::Select(select) => {
                let out = self.select(select, q.order_by.as_mut());
                qualify_scope = self.qualify_scope.take();
                out
            }
            body => {
                let out = self.set_expr(body);
                if let Some(order_by) = q.order_by.as_mut() {
                    // ORDER BY after UNION etc. can only name output columns.
                    let rel = Relation {
                        visible: String::new(),
                        columns: out.columns.clone(),
                        open: out.open,
                        describe: "the query result".into(),
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
                    self.scopes.push(SelectScope {
                        relations: vec![rel],
                        aliases: Vec::new(),
                        alias_exprs: Vec::new(),
                    });
                    self.order_by(order_by);
                    self.scopes.pop();
                }
                out
            }
        };
        self.query_clauses(q);
        if pushed_ctes {
            self.ctes.pop();
        }
        if let Some(scope) = qualify_scope {
            self.qualify(q, &scope);
        }
        crate::compat::order_by_aggregates(q);
        if !self.too_deep() {
            crate::set_ops::order_from_subquery(q);
        }
        if !self.too_deep() && !crate::having::without_groups(q) {
            self.unsupported(
                "a column outside an aggregate in a query with HAVING and no GROUP BY",
                "HAVING without GROUP BY tests the one group of all rows: select and compare aggregates \
                 (`SELECT COUNT(*) FROM data HAVING MAX(salary) > 90`), or filter rows with WHERE.",
            );
        }
        out
    }

    fn set_expr(&mut self, body: &mut SetExpr) -> Output {
        self.deeper(|w| match body {
            SetExpr::Select(select) => w.select(select, None),
            SetExpr::Query(q) => w.query(q),
            SetExpr::SetOperation { left, right, .. } => {
                let mut out = w.set_expr(left);
                let other = w.set_expr(right);
                if !w.too_deep() {
                    crate::set_ops::group_operands(body);
                }
                out.dates = crate::set_ops::shared_dates(&out, &other);
                out
            }
            SetExpr::Values(values) => {
                w.scopes.push(SelectScope::default());
                for row in &mut values.rows {
                    for e in &mut row.content {
                        w.expr(e);
                    }
                }
                w.scopes.pop();
                Output {
                    columns: Vec::new(),
                    open: true,
                    dates: Vec::new(),
                }
            }
            SetExpr::Insert(_) | SetExpr::Update(_) | SetExpr::Delete(_) | SetExpr::Merge(_) => {
                w.reject(
                    Rule::NotAQuery,
                    "INSERT/UPDATE/DELETE/MERGE are not allowed: write one read-only SELECT."
                        .into(),
                    None,
                );
                Output::default()
            }
            SetExpr::Table(_) => {
                w.unsupported("the TABLE statement", "write SELECT * FROM ... instead.");
                Output::default()
            }
        })
    }

    fn select(&mut self, s: &mut Select, order_by: Option<&mut OrderBy>) -> Output {
        self.deeper(|w| w.select_inner(s, order_by))
    }

    fn select_inner(&mut self, s: &mut Select, mut order_by: Option<&mut OrderBy>) -> Output {
        if let Err(problem) = crate::named_windows::inline(s, order_by.as_deref_mut()) {
            self.reject(Rule::UnsupportedSyntax, problem, None);
        }
        if s.into.is_some() {
            self.reject(
                Rule::ForbiddenClause,
                "SELECT ... INTO writes a table and is not allowed; remove the INTO clause.".into(),
                None,
            );
        }
        if s.top.is_some() {
            self.unsupported("SELECT TOP", "use LIMIT instead.");
        }
        let extras = !s.optimizer_hints.is_empty()
            || s.select_modifiers.is_some()
            || s.exclude.is_some()
            || !s.lateral_views.is_empty()
            || s.prewhere.is_some()
            || !s.connect_by.is_empty()
            || !s.cluster_by.is_empty()
            || !s.distribute_by.is_empty()
            || !s.sort_by.is_empty()
            || !s.named_window.is_empty()
            || s.value_table_mode.is_some()
            || !matches!(s.flavor, SelectFlavor::Standard);
        if extras {
            self.unsupported(
                "a dialect-specific SELECT clause (hints, LATERAL VIEW, PREWHERE, CONNECT BY, CLUSTER/DISTRIBUTE/SORT BY, WINDOW, FROM-first)",
                "use standard SELECT ... FROM ... WHERE ... GROUP BY ... ORDER BY.",
            );
        }
        let has_where = s.selection.is_some();
        let mut relations = Vec::new();
        let mut all_one_row = true;
        for (i, twj) in s.from.iter_mut().enumerate() {
            let first = relations.len();
            self.walk_from_item(twj, has_where, &mut relations);
            let one_row = matches!(&relations[first..], [only] if only.one_row);
            if i > 0 {
                self.count_join();
                if !has_where && !one_row && !all_one_row {
                    self.cross_join("a comma-separated FROM list");
                }
            }
            all_one_row &= one_row;
        }
        let aliases = s
            .projection
            .iter()
            .filter_map(crate::names::item_alias)
            .collect();
        let mut scope = SelectScope {
            relations,
            aliases,
            alias_exprs: Vec::new(),
        };
        crate::windows::not_null_where(&mut scope, s.selection.as_ref(), 0);
        self.scopes.push(scope);
        if !crate::join_filters::inner_join_filters_to_where(s) {
            self.unsupported(
                "a condition other than `a.x = b.y` in a join's ON, in a query with a RIGHT or FULL join",
                "filter the joined table in a subquery: `JOIN (SELECT * FROM data WHERE dept = 'IT') AS b ON \
                 b.manager_id = a.id`.",
            );
        }
        self.walk_join_constraints(&mut s.from);
        let in_where = std::mem::take(&mut self.in_where);
        let in_having = std::mem::take(&mut self.in_having);
        if !self.too_deep() {
            self.star_over_using(s);
        }
        let out = self.projection(&mut s.projection);
        let deep = self.too_deep();
        if let Some(scope) = self.scopes.last_mut().filter(|_| !deep) {
            scope.alias_exprs = s
                .projection
                .iter()
                .filter_map(|item| match item {
                    sqlparser::ast::SelectItem::ExprWithAlias { expr, alias } => {
                        Some((alias.value.clone(), expr.clone()))
                    }
                    _ => None,
                })
                .collect();
        }
        if let Some(Distinct::On(exprs)) = s.distinct.as_mut() {
            exprs.iter_mut().for_each(|e| self.expr(e));
        }
        if let Some(e) = s.selection.as_mut() {
            self.in_where = true;
            self.expr(e);
            self.in_where = false;
            crate::literals::number_as_condition(&self.scopes, e);
            let mut found = Vec::new();
            crate::bare::aggregates(e, &mut found, 0);
            if !found.is_empty() {
                self.unsupported(
                    "an aggregate in WHERE",
                    "WHERE filters rows before they are grouped; filter groups with HAVING, or compare with \
                     a subquery: `WHERE x > (SELECT AVG(x) FROM data)`.",
                );
            }
        }
        match &mut s.group_by {
            GroupByExpr::All(mods) | GroupByExpr::Expressions(_, mods) if !mods.is_empty() => {
                self.unsupported(
                    "GROUP BY modifiers (ROLLUP/CUBE/TOTALS)",
                    "group by plain expressions.",
                );
            }
            GroupByExpr::All(_) => {}
            GroupByExpr::Expressions(exprs, _) => {
                for e in exprs.iter_mut() {
                    self.expr(e);
                    self.group_by_what_a_name_names(e);
                }
            }
        }
        if let Some(e) = s.having.as_mut() {
            self.in_having = true;
            self.expr(e);
            self.in_having = false;
            crate::literals::number_as_condition(&self.scopes, e);
            let aliases = self.scopes.last().map(|s| s.aliases.clone());
            if !self.too_deep() {
                let columns: Vec<String> = self
                    .scopes
                    .last()
                    .map(|scope| {
                        scope
                            .relations
                            .iter()
                            .flat_map(|r| r.columns.clone())
                            .collect()
                    })
                    .unwrap_or_default();
                crate::having::aggregate_names(s, &columns);
                crate::having::key_filters_to_where(s, &aliases.unwrap_or_default());
                crate::having::keys_beside_aggregates(s);
            }
        }
        if let Some(e) = s.qualify.as_mut() {
            self.expr(e);
        }
        if !self.too_deep() && crate::windows::window_over_groups(s) {
            self.unsupported(
                "a window function in a grouped query (such as RANK() OVER (ORDER BY dept) with GROUP BY dept)",
                "group in a WITH clause first, then apply the window to its result: \
                 `WITH g AS (SELECT dept, SUM(salary) AS total FROM data GROUP BY dept) \
                 SELECT dept, total, RANK() OVER (ORDER BY total DESC) AS r FROM g`.",
            );
        }
        if let Some(order_by) = order_by.as_deref_mut() {
            self.order_by(order_by);
        }
        if !self.too_deep() && crate::in_subquery::outside_where(s, order_by.as_deref()) {
            self.unsupported(
                "`x IN (SELECT ...)` outside WHERE (in SELECT, an aggregate, HAVING, GROUP BY or ORDER BY)",
                crate::in_subquery::ADVICE,
            );
        }
        self.bare_columns(s);
        self.coalesce_using_keys(s, order_by);
        self.null_keys_of_wide_joins(s);
        let scope = self.scopes.pop();
        self.qualify_scope = scope.filter(|_| s.qualify.is_some());
        self.in_where = in_where;
        self.in_having = in_having;
        out
    }
}

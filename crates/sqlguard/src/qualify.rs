//! QUALIFY with its standard (DuckDB) meaning: it filters the rows the FROM clause produced.
//!
//! Polars evaluates QUALIFY after the projection, so a QUALIFY naming a source column that the projection
//! renamed or dropped fails (`SELECT id6, v3 AS top FROM x QUALIFY row_number() OVER (PARTITION BY id6
//! ORDER BY v3 DESC) <= 2`). The query becomes a derived table whose projection adds each window
//! expression (and any other source value) of the QUALIFY as a hidden column, filtered and sorted
//! outside: `SELECT * EXCLUDE ("__qualify_1") FROM (SELECT id6, v3 AS top, row_number() OVER (...) AS
//! "__qualify_1" FROM x) AS "__qualified" WHERE "__qualify_1" <= 2`. Grouped, DISTINCT and aggregate
//! queries, and QUALIFYs holding subqueries, are left as written: correctness first.

use std::ops::ControlFlow;

use sqlparser::ast::{
    Expr, GroupByExpr, Ident, OrderBy, OrderByKind, Query, Select, SelectItem, SetExpr, VisitMut,
    VisitorMut, visit_expressions,
};

use crate::issue::Rule;
use crate::scope::SelectScope;
use crate::walk::Walker;

/// The derived table's alias.
const DERIVED: &str = "__qualified";

/// The names a SELECT makes visible, and the hidden columns collected so far.
struct Split<'s> {
    select: &'s Select,
    /// Columns of the FROM relations (what standard QUALIFY sees).
    sources: Vec<String>,
    /// Names already in use, which hidden columns must not take.
    taken: Vec<String>,
    hidden: Vec<(String, Expr)>,
}

impl Split<'_> {
    fn is_source(&self, name: &str) -> bool {
        self.sources.iter().any(|s| s == name)
    }

    fn is_alias(&self, name: &str) -> bool {
        self.select.projection.iter().any(
            |item| matches!(item, SelectItem::ExprWithAlias { alias, .. } if alias.value == name),
        )
    }

    /// True when the result has a column `name` holding the source column `name` unchanged.
    fn passes_through(&self, name: &str) -> bool {
        let is_it = |e: &Expr| matches!(e, Expr::Identifier(i) if i.value == name);
        let mut passed = false;
        for item in &self.select.projection {
            match item {
                SelectItem::UnnamedExpr(e) => passed |= is_it(e),
                SelectItem::ExprWithAlias { expr, alias } if alias.value == name => {
                    if !is_it(expr) {
                        return false;
                    }
                    passed = true;
                }
                SelectItem::Wildcard(opts) => {
                    passed |= self.is_source(name)
                        && opts.opt_exclude.is_none()
                        && opts.opt_except.is_none();
                }
                _ => {}
            }
        }
        passed
    }

    /// True when `name`, outside the projection, means an output column rather than a source one.
    fn is_output_only(&self, name: &str) -> bool {
        self.is_alias(name) && !self.is_source(name)
    }

    /// A hidden column computing `e` (one per distinct expression); returns a reference to it.
    fn hide(&mut self, e: Expr) -> Expr {
        let name = match self.hidden.iter().find(|(_, h)| *h == e) {
            Some((name, _)) => name.clone(),
            None => {
                let name = (1..)
                    .map(|n| format!("__qualify_{n}"))
                    .find(|n| !self.taken.contains(n) && !self.hidden.iter().any(|(h, _)| h == n))
                    .unwrap_or_default();
                self.hidden.push((name.clone(), e));
                name
            }
        };
        Expr::Identifier(Ident::with_quote('"', name))
    }

    fn hidden_names(&self) -> Vec<String> {
        self.hidden.iter().map(|(n, _)| n.clone()).collect()
    }
}

impl VisitorMut for Split<'_> {
    type Break = ();

    fn pre_visit_expr(&mut self, e: &mut Expr) -> ControlFlow<()> {
        match e {
            Expr::Subquery(_) | Expr::Exists { .. } | Expr::InSubquery { .. } => {
                ControlFlow::Break(())
            }
            Expr::Function(f) if f.over.is_some() => {
                // The window moves into the derived table, where output aliases are not visible.
                let names_alias = visit_expressions(&*e, |x| match x {
                    Expr::Identifier(i) if self.is_output_only(&i.value) => ControlFlow::Break(()),
                    Expr::Subquery(_) | Expr::Exists { .. } | Expr::InSubquery { .. } => {
                        ControlFlow::Break(())
                    }
                    _ => ControlFlow::Continue(()),
                });
                if names_alias.is_break() {
                    return ControlFlow::Break(());
                }
                *e = self.hide(e.clone());
                ControlFlow::Continue(())
            }
            Expr::Identifier(i) => {
                let keep = self.hidden.iter().any(|(h, _)| *h == i.value)
                    || self.is_output_only(&i.value)
                    || self.passes_through(&i.value);
                if !keep {
                    *e = self.hide(e.clone());
                }
                ControlFlow::Continue(())
            }
            Expr::CompoundIdentifier(_) => {
                *e = self.hide(e.clone());
                ControlFlow::Continue(())
            }
            _ => ControlFlow::Continue(()),
        }
    }
}

/// True for SELECTs whose rows are groups or distinct values: QUALIFY there sees aggregates, which a
/// derived table would have to compute twice; those are left to the engine as written.
fn groups_rows(s: &Select, qualify: &Expr) -> bool {
    let grouped = match &s.group_by {
        GroupByExpr::All(_) => true,
        GroupByExpr::Expressions(exprs, _) => !exprs.is_empty(),
    };
    let mut found = Vec::new();
    for item in &s.projection {
        if let SelectItem::UnnamedExpr(e) | SelectItem::ExprWithAlias { expr: e, .. } = item {
            crate::bare::aggregates(e, &mut found, 0);
        }
    }
    crate::bare::aggregates(qualify, &mut found, 0);
    grouped || s.having.is_some() || s.distinct.is_some() || !found.is_empty()
}

/// The ORDER BY for the outer query: output names stay, anything else sorts by a hidden column.
fn outer_order_by(order_by: &OrderBy, split: &mut Split<'_>) -> Option<OrderBy> {
    if order_by.interpolate.is_some() {
        return None;
    }
    let mut outer = order_by.clone();
    let OrderByKind::Expressions(items) = &mut outer.kind else {
        return None;
    };
    for item in items {
        let same = split.select.projection.iter().find_map(|p| match p {
            SelectItem::ExprWithAlias { expr, alias } if *expr == item.expr => Some(
                Expr::Identifier(Ident::with_quote('"', alias.value.clone())),
            ),
            _ => None,
        });
        item.expr = match &item.expr {
            // ORDER BY 2: the outer query has the same columns in the same places.
            Expr::Value(_) => continue,
            Expr::Identifier(i) if split.is_alias(&i.value) || split.passes_through(&i.value) => {
                continue;
            }
            _ => match same {
                Some(output) => output,
                None => split.hide(item.expr.clone()),
            },
        };
    }
    Some(outer)
}

/// The rewritten query, or `None` to leave `q` as written.
fn rewrite(q: &Query, scope: &SelectScope) -> Option<(Query, Vec<String>)> {
    let SetExpr::Select(select) = q.body.as_ref() else {
        return None;
    };
    let qualify = select.qualify.as_ref()?;
    if groups_rows(select, qualify) || scope.relations.iter().any(|r| r.open) {
        return None;
    }
    let sources: Vec<String> = scope
        .relations
        .iter()
        .flat_map(|r| r.columns.iter().cloned())
        .collect();
    let mut taken = sources.clone();
    taken.extend(
        select
            .projection
            .iter()
            .filter_map(crate::names::item_alias),
    );
    let mut split = Split {
        select,
        sources,
        taken,
        hidden: Vec::new(),
    };
    let mut filter = qualify.clone();
    if filter.visit(&mut split).is_break() {
        return None;
    }
    let order_by = match &q.order_by {
        Some(order_by) => Some(outer_order_by(order_by, &mut split)?),
        None => None,
    };
    let hidden = split.hidden_names();
    if hidden.is_empty() {
        // The QUALIFY only names output columns, which polars' own QUALIFY sees.
        return None;
    }
    let mut inner_select = select.clone();
    inner_select.qualify = None;
    inner_select
        .projection
        .extend(
            split
                .hidden
                .into_iter()
                .map(|(name, expr)| SelectItem::ExprWithAlias {
                    expr,
                    alias: Ident::with_quote('"', name),
                }),
        );
    let mut inner = q.clone();
    inner.body = Box::new(SetExpr::Select(inner_select));
    inner.order_by = None;
    inner.limit_clause = None;
    let mut outer = crate::compat::hide_columns(inner, &hidden, DERIVED, Some(&filter))?;
    outer.order_by = order_by;
    outer.limit_clause = q.limit_clause.clone();
    Some((outer, hidden))
}

impl Walker<'_> {
    /// Make `q`'s QUALIFY (if any) filter the FROM rows, as standard SQL means, on polars.
    pub(crate) fn qualify(&mut self, q: &mut Query, scope: &SelectScope) {
        let Some((rewritten, hidden)) = rewrite(q, scope) else {
            return;
        };
        *q = rewritten;
        let names = hidden
            .iter()
            .map(|h| format!("`{h}`"))
            .collect::<Vec<_>>()
            .join(", ");
        self.note(
            Rule::QualifyRewritten,
            format!(
                "QUALIFY filters the rows before the SELECT list is applied (as in DuckDB), so the query \
                 runs as a derived table `{DERIVED}` that computes the QUALIFY's values as hidden columns \
                 ({names}) and filters and sorts outside."
            ),
            None,
        );
    }
}

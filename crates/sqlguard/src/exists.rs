//! `[NOT] EXISTS (SELECT ...)`, which Polars SQL runs only as a correlated semi/anti join, as a count of the
//! subquery's rows: `(SELECT COUNT(*) FROM ...) > 0`, a scalar subquery the engine runs first (see the
//! engine's `subqueries.rs`). True iff the subquery has a row, in WHERE, CASE, SELECT or HAVING, as in SQLite.
//! A correlated EXISTS stays refused, as every correlated subquery is, with the IN or JOIN to write.

use sqlparser::ast::{Expr, GroupByExpr, Query, SelectItem, SetExpr, Statement};

use crate::issue::Rule;
use crate::walk::Walker;

impl Walker<'_> {
    /// Rewrites and walks `e` when it is an EXISTS; false otherwise.
    pub(crate) fn exists(&mut self, e: &mut Expr) -> bool {
        let Expr::Exists { subquery, negated } = e else {
            return false;
        };
        let comparison = if *negated { "= 0" } else { "> 0" };
        let is_column = |name: &str| self.names_a_column(name);
        let Some(counted) = crate::syntax::shallow(subquery.as_ref())
            .then(|| count_rows(subquery, &is_column))
            .flatten()
            .and_then(|count| crate::parse_expression(&format!("(({count}) {comparison})")))
        else {
            self.unsupported(
                "EXISTS of an aggregate with LIMIT or without FROM",
                "drop the LIMIT (an aggregate without GROUP BY has one row), or compare a count: \
                 `(SELECT COUNT(*) FROM ...) > 0`.",
            );
            return true;
        };
        *e = counted;
        let correlated = |w: &Self| {
            w.issues
                .iter()
                .filter(|i| i.rule == Rule::CorrelatedSubquery)
                .count()
        };
        let before = correlated(self);
        self.expr(e);
        if correlated(self) > before {
            self.unsupported(
                "a correlated EXISTS (a subquery naming the query around it)",
                "write it as `IN`: `WHERE d.dept IN (SELECT dept FROM data WHERE salary > 90000)` for \
                 `EXISTS (SELECT 1 FROM data x WHERE x.dept = d.dept AND x.salary > 90000)`, or as a JOIN.",
            );
        }
        true
    }

    /// True when `name` is a column of a table or of a visible WITH query: SQLite reads such a name in
    /// HAVING as the column, not as a SELECT alias.
    fn names_a_column(&self, name: &str) -> bool {
        let tables = self
            .catalog
            .tables()
            .iter()
            .flat_map(|t| t.columns.iter().map(|c| c.name.as_str()));
        let ctes = self
            .ctes
            .iter()
            .flatten()
            .flat_map(|r| r.columns.iter().map(String::as_str));
        tables.chain(ctes).any(|c| c.eq_ignore_ascii_case(name))
    }
}

/// A query whose one value is above 0 iff `q` has a row; `None` where that cannot be told here.
///
/// Where the rows are plainly those of its FROM and WHERE (no grouping, no aggregate, no LIMIT), its SELECT
/// list becomes `COUNT(*)`. An aggregate without GROUP BY has one row, kept by its HAVING: `CASE WHEN
/// <having> THEN 1 ELSE 0 END` (Polars counted such a query's input rows under `COUNT(*) FROM (...)`); a
/// SELECT without FROM has one row, kept by its WHERE. Anything else (grouped, limited, a set operation) is
/// counted as a derived table. The HAVING moved into the CASE loses the SELECT list, so a SELECT alias in it
/// (not naming a column, per `is_column`) is first written as the expression it names.
fn count_rows(q: &Query, is_column: &dyn Fn(&str) -> bool) -> Option<String> {
    let limited = q.limit_clause.is_some() || q.fetch.is_some();
    if let SetExpr::Select(select) = q.body.as_ref()
        && matches!(&select.group_by, GroupByExpr::Expressions(keys, mods) if keys.is_empty() && mods.is_empty())
        && select.qualify.is_none()
        && !matches!(select.distinct, Some(sqlparser::ast::Distinct::On(_)))
    {
        let aggregated = select.having.is_some() || has_aggregate(q);
        let mut select = select.clone();
        let value = match (aggregated, select.from.is_empty()) {
            (false, false) if !limited => "COUNT(*)".to_string(),
            (true, false) if !limited => {
                let kept = select
                    .having
                    .take()
                    .map(|mut h| {
                        aliases_spelled_out(&mut h, &select.projection, is_column);
                        h
                    })
                    .map_or("COUNT(*) >= 0".to_string(), |h| h.to_string());
                format!("CASE WHEN {kept} THEN 1 ELSE 0 END")
            }
            (false, true) if !limited => {
                let kept = select
                    .selection
                    .take()
                    .map_or("TRUE".to_string(), |w| w.to_string());
                format!("CASE WHEN {kept} THEN 1 ELSE 0 END")
            }
            // An aggregate without FROM, or with a LIMIT: too rare to be worth its own reading.
            (true, _) => return None,
            (false, _) => return derived(q),
        };
        select.projection = vec![sqlparser::ast::SelectItem::UnnamedExpr(
            crate::parse_expression(&value)?,
        )];
        select.distinct = None;
        let counted = Query {
            body: Box::new(SetExpr::Select(select)),
            order_by: None,
            ..q.clone()
        };
        return Some(counted.to_string());
    }
    derived(q)
}

/// `having` with each SELECT alias in it (outside subqueries, and not naming a column) written as the
/// expression it names, as SQLite reads it: `HAVING m > 3` under `SELECT MAX(Age) AS m`.
fn aliases_spelled_out(
    having: &mut Expr,
    projection: &[SelectItem],
    is_column: &dyn Fn(&str) -> bool,
) {
    crate::aliases::names_spelled_out(having, projection, &|alias, word| {
        !is_column(&word.value) && alias.value.eq_ignore_ascii_case(&word.value)
    });
}

/// `SELECT COUNT(*) FROM (q)`; a WITH clause stays outside the derived table, where Polars reads it.
fn derived(q: &Query) -> Option<String> {
    let mut inner = q.clone();
    let with = inner
        .with
        .take()
        .map(|w| format!("{w} "))
        .unwrap_or_default();
    let text = format!("{with}SELECT COUNT(*) FROM ({inner}) AS exists_rows");
    match crate::parse_statements(&text).ok()?.as_slice() {
        [Statement::Query(_)] => Some(text),
        _ => None,
    }
}

/// True when the SELECT list or ORDER BY of `q` aggregates (its rows are then one, not its FROM's).
fn has_aggregate(q: &Query) -> bool {
    let SetExpr::Select(select) = q.body.as_ref() else {
        return true;
    };
    let mut found = Vec::new();
    for item in &select.projection {
        if let sqlparser::ast::SelectItem::UnnamedExpr(e)
        | sqlparser::ast::SelectItem::ExprWithAlias { expr: e, .. } = item
        {
            crate::bare::aggregates(e, &mut found, 0);
        }
    }
    if let Some(sqlparser::ast::OrderByKind::Expressions(items)) =
        q.order_by.as_ref().map(|o| &o.kind)
    {
        for item in items {
            crate::bare::aggregates(&item.expr, &mut found, 0);
        }
    }
    !found.is_empty()
}

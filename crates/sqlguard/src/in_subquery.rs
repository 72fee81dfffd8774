//! `x IN (SELECT ...)` runs in Polars only as a filter of rows (WHERE, and a join's ON that moves there).
//! In the SELECT list, an aggregate, HAVING, GROUP BY or ORDER BY it failed with Polars' own words (`unable
//! to find column "_POLARS_TMP_0"`), so it is refused there with the join that answers the same.

use std::ops::ControlFlow;

use sqlparser::ast::{
    Expr, GroupByExpr, OrderBy, OrderByKind, Query, Select, SelectItem, Visit, Visitor,
};

/// The advice given with the refusal.
pub(crate) const ADVICE: &str = "test membership per row with a LEFT JOIN to the subquery's distinct values: \
     `SELECT d.id, CASE WHEN s.id IS NOT NULL THEN 'y' END AS flag FROM data d LEFT JOIN (SELECT DISTINCT id \
     FROM data WHERE a > 6) AS s ON s.id = d.id` (and `SUM(CASE WHEN s.id IS NOT NULL THEN d.salary ELSE 0 \
     END)` for a sum); IN (SELECT ...) runs in WHERE.";

/// True when `s` (with its query's `order_by`) holds `IN (SELECT ...)` outside its WHERE (not counting
/// subqueries, which are checked as they are walked).
pub(crate) fn outside_where(s: &Select, order_by: Option<&OrderBy>) -> bool {
    let mut exprs: Vec<&Expr> = s
        .projection
        .iter()
        .filter_map(|item| match item {
            SelectItem::UnnamedExpr(e) | SelectItem::ExprWithAlias { expr: e, .. } => Some(e),
            _ => None,
        })
        .collect();
    exprs.extend(s.having.as_ref());
    if let GroupByExpr::Expressions(keys, _) = &s.group_by {
        exprs.extend(keys.iter());
    }
    if let Some(OrderBy {
        kind: OrderByKind::Expressions(items),
        ..
    }) = order_by
    {
        exprs.extend(items.iter().map(|i| &i.expr));
    }
    exprs
        .into_iter()
        .any(|e| e.visit(&mut InSubquery { queries: 0 }).is_break())
}

struct InSubquery {
    queries: usize,
}

impl Visitor for InSubquery {
    type Break = ();

    fn pre_visit_query(&mut self, _: &Query) -> ControlFlow<()> {
        self.queries += 1;
        ControlFlow::Continue(())
    }

    fn post_visit_query(&mut self, _: &Query) -> ControlFlow<()> {
        self.queries -= 1;
        ControlFlow::Continue(())
    }

    fn pre_visit_expr(&mut self, e: &Expr) -> ControlFlow<()> {
        if self.queries == 0 && matches!(e, Expr::InSubquery { .. }) {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    }
}

//! A derived table or WITH query that aggregates without GROUP BY (`(SELECT MAX(salary) AS m FROM data)`)
//! is one row. Polars 0.55 counted it as its source's rows when the outer query reads none of its columns:
//! `SELECT COUNT(*) FROM (SELECT MAX(salary) AS m FROM data) AS e` was the table's row count (0 when a WHERE
//! inside matched nothing), and a cross join with it multiplied by that count. Polars keeps the aggregation
//! when a filter reads one of its values, so the SELECT takes the form `having::without_groups` gives a
//! HAVING without GROUP BY, with a test that always holds: `SELECT * EXCLUDE ("__having") FROM (SELECT
//! MAX(salary) AS m, (COUNT(*) >= 0) AS "__having" FROM data) AS "__had" WHERE "__having"`. Each such SELECT
//! of a set operation (`SELECT MAX(x) ... UNION ALL SELECT MIN(x) ...`) takes it too.
//!
//! It runs over the finished tree, so that the derived tables other rewrites write are reached in the first
//! pass as in the second; HAVING's own (`"__had"`) already has the form and is left alone.

use std::ops::ControlFlow;

use sqlparser::ast::{
    Ident, Query, Select, SelectItem, SetExpr, TableFactor, VisitMut, VisitorMut,
};

use crate::joins::aggregates_to_one_row;

/// Every derived table and WITH query of `q` that aggregates without GROUP BY, kept one row.
pub(crate) fn keep_one_row(q: &mut Query) {
    let _ = q.visit(&mut Derived);
}

struct Derived;

impl VisitorMut for Derived {
    type Break = ();

    fn pre_visit_query(&mut self, q: &mut Query) -> ControlFlow<()> {
        if let Some(with) = q.with.as_mut() {
            for cte in &mut with.cte_tables {
                one_row_body(&mut cte.query.body);
            }
        }
        ControlFlow::Continue(())
    }

    fn pre_visit_table_factor(&mut self, t: &mut TableFactor) -> ControlFlow<()> {
        if let TableFactor::Derived {
            subquery, alias, ..
        } = t
            && alias.as_ref().is_none_or(|a| a.name.value != "__had")
        {
            one_row_body(&mut subquery.body);
        }
        ControlFlow::Continue(())
    }
}

fn one_row_body(body: &mut SetExpr) {
    match body {
        SetExpr::SetOperation { left, right, .. } => {
            one_row_body(left);
            one_row_body(right);
        }
        SetExpr::Select(s) if aggregates_to_one_row(s) && s.having.is_none() => {
            if let Some(kept) = kept(s) {
                *body = kept;
            }
        }
        SetExpr::Query(inner) => one_row_body(&mut inner.body),
        _ => {}
    }
}

fn kept(s: &Select) -> Option<SetExpr> {
    let mut s = s.clone();
    s.projection.push(SelectItem::ExprWithAlias {
        expr: crate::parse_expression("(COUNT(*) >= 0)")?,
        alias: Ident::with_quote('"', "__having"),
    });
    let text = format!(r#"SELECT * EXCLUDE ("__having") FROM ({s}) AS "__had" WHERE "__having""#);
    let body = crate::parse_query_body(&text)?;
    // In a set operation the form needs brackets, which a body of its own gives it.
    Some(SetExpr::Query(Box::new(Query {
        with: None,
        body: Box::new(body),
        order_by: None,
        limit_clause: None,
        fetch: None,
        locks: Vec::new(),
        for_clause: None,
        settings: None,
        format_clause: None,
        pipe_operators: Vec::new(),
    })))
}

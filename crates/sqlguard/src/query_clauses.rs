//! The clauses of a query after its body (LIMIT/OFFSET, FETCH, locking, FOR/SETTINGS/FORMAT, pipes) and the
//! items of an ORDER BY, walked for the allowlisting walk of `walk.rs`.

use sqlparser::ast::{LimitClause, OrderBy, OrderByKind, Query};

use crate::issue::Rule;
use crate::walk::Walker;

impl Walker<'_> {
    /// Checks and walks what follows `q`'s body.
    pub(crate) fn query_clauses(&mut self, q: &mut Query) {
        if let Err((what, hint)) = crate::fetch::as_limit(q) {
            self.unsupported(what, hint);
        }
        match q.limit_clause.as_mut() {
            None => {}
            Some(LimitClause::LimitOffset {
                limit,
                offset,
                limit_by,
            }) => {
                if !limit_by.is_empty() {
                    self.unsupported("LIMIT ... BY", "use a window function instead.");
                }
                // SQLite reads a negative LIMIT as none (`LIMIT -1 OFFSET 5`); Polars refused it.
                if limit
                    .as_ref()
                    .and_then(crate::syntax::integer_literal)
                    .is_some_and(|n| n < 0)
                {
                    *limit = None;
                }
                if let Some(limit) = limit {
                    self.expr(limit);
                }
                if let Some(offset) = offset {
                    self.expr(&mut offset.value);
                }
            }
            Some(LimitClause::OffsetCommaLimit { offset, limit }) => {
                self.expr(offset);
                self.expr(limit);
            }
        }
        if !q.locks.is_empty() {
            self.reject(
            Rule::ForbiddenClause,
            "locking clauses (FOR UPDATE / FOR SHARE) are not allowed in a read-only query; remove them.".into(),
            None,
        );
        }
        if q.for_clause.is_some() || q.settings.is_some() || q.format_clause.is_some() {
            self.reject(
                Rule::ForbiddenClause,
                "FOR XML/JSON, SETTINGS and FORMAT clauses are not allowed; remove them.".into(),
                None,
            );
        }
        if !q.pipe_operators.is_empty() {
            self.unsupported("pipe syntax (|>)", "write a plain SELECT.");
        }
    }

    pub fn order_by(&mut self, order_by: &mut OrderBy) {
        if order_by.interpolate.is_some() {
            self.unsupported("ORDER BY ... INTERPOLATE", "remove it.");
        }
        if let OrderByKind::Expressions(items) = &mut order_by.kind {
            for item in items {
                if item.with_fill.is_some() {
                    self.unsupported("ORDER BY ... WITH FILL", "remove it.");
                }
                self.expr(&mut item.expr);
                // NULLs last both ways, as DuckDB sorts for analysts: Polars (like PostgreSQL) puts them first
                // when descending, so `ORDER BY bonus DESC LIMIT 5` gave five NULLs, not the five largest.
                if item.options.asc == Some(false) && item.options.nulls_first.is_none() {
                    item.options.nulls_first = Some(false);
                }
            }
        }
    }
}

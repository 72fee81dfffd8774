//! A SELECT name used where SQLite and PostgreSQL read it as the expression it names: in WHERE (SQLite), in
//! HAVING, in GROUP BY, and inside an ORDER BY expression of a grouped query.

use std::ops::ControlFlow;

use sqlparser::ast::{Expr, Ident, Query, SelectItem, VisitMut, VisitorMut};

use crate::scope::{Resolved, resolve};
use crate::walk::Walker;

impl Walker<'_> {
    /// `GROUP BY m`, where `m` names a SELECT expression and no column, groups by that expression, as
    /// SQLite and PostgreSQL do. Polars does too, but lost the name when ORDER BY needs an aggregate the
    /// SELECT lacks (`ORDER BY MIN(d)`: "unable to find column m"), so the key is written out. Not a
    /// constant (`1 AS one`): Polars reads a number in GROUP BY as a position, and a constant key groups
    /// nothing apart anyway.
    pub(crate) fn group_by_what_a_name_names(&self, key: &mut Expr) {
        let Expr::Identifier(word) = key else {
            return;
        };
        if self.too_deep()
            || !matches!(resolve(&self.scopes, &word.value, true), Resolved::Alias(_))
        {
            return;
        }
        let Some(expr) = self.alias_expression(&word.value) else {
            return;
        };
        let names_a_column = sqlparser::ast::visit_expressions(&expr, |x| match x {
            Expr::Identifier(_) | Expr::CompoundIdentifier(_) => std::ops::ControlFlow::Break(()),
            _ => std::ops::ControlFlow::Continue(()),
        })
        .is_break();
        if names_a_column {
            *key = match expr {
                Expr::Nested(inner) => *inner,
                other => other,
            };
        }
    }

    /// The expression the alias `name` of the current SELECT stands for, when it holds no aggregate or
    /// window (those have no value in WHERE).
    pub(crate) fn alias_expression(&self, name: &str) -> Option<Expr> {
        let (_, expr) = self
            .scopes
            .last()?
            .alias_exprs
            .iter()
            .find(|(alias, _)| alias == name)?;
        let mut aggregates = Vec::new();
        crate::bare::aggregates(expr, &mut aggregates, 0);
        let windowed = sqlparser::ast::visit_expressions(expr, |e| match e {
            Expr::Function(f) if f.over.is_some() => std::ops::ControlFlow::Break(()),
            _ => std::ops::ControlFlow::Continue(()),
        })
        .is_break();
        // A column stays a bare column, so that what applies to its kind still does (a date read as text).
        let plain = matches!(expr, Expr::Identifier(_) | Expr::CompoundIdentifier(_));
        (aggregates.is_empty() && !windowed).then(|| {
            if plain {
                expr.clone()
            } else {
                Expr::Nested(Box::new(expr.clone()))
            }
        })
    }
}

/// `key` (an ORDER BY expression of a grouped query, about to become a hidden SELECT item: see
/// `compat::order_by_aggregates`) with each SELECT name in it, outside subqueries, written as the expression
/// it names. `ORDER BY total / COUNT(*)` where `total` is `SUM(salary)`: SQLite reads the name; Polars, given
/// it beside the aggregates it names, could not find a column `total`.
pub(crate) fn spelled_out(key: &mut Expr, projection: &[SelectItem]) {
    names_spelled_out(key, projection, &|alias, word| alias == word);
}

/// `expr` with each identifier outside subqueries that `names` pairs with a SELECT item's alias
/// (`names(alias, identifier)`) written as that item's expression, in brackets.
pub(crate) fn names_spelled_out(
    expr: &mut Expr,
    projection: &[SelectItem],
    names: &dyn Fn(&Ident, &Ident) -> bool,
) {
    struct Names<'p> {
        projection: &'p [SelectItem],
        names: &'p dyn Fn(&Ident, &Ident) -> bool,
        queries: usize,
    }
    impl VisitorMut for Names<'_> {
        type Break = ();
        fn pre_visit_query(&mut self, _: &mut Query) -> ControlFlow<()> {
            self.queries += 1;
            ControlFlow::Continue(())
        }
        fn post_visit_query(&mut self, _: &mut Query) -> ControlFlow<()> {
            self.queries -= 1;
            ControlFlow::Continue(())
        }
        fn post_visit_expr(&mut self, e: &mut Expr) -> ControlFlow<()> {
            let Expr::Identifier(word) = e else {
                return ControlFlow::Continue(());
            };
            if self.queries > 0 {
                return ControlFlow::Continue(());
            }
            let named = self.projection.iter().find_map(|item| match item {
                SelectItem::ExprWithAlias { expr, alias } if (self.names)(alias, word) => {
                    Some(expr.clone())
                }
                _ => None,
            });
            if let Some(expr) = named {
                *e = Expr::Nested(Box::new(expr));
            }
            ControlFlow::Continue(())
        }
    }
    let _ = expr.visit(&mut Names {
        projection,
        names,
        queries: 0,
    });
}

//! The key of a RIGHT or FULL join `USING (k)`: SQL's `k` is both sides' key coalesced, Polars' the left
//! table's (NULL on the rows only the right table gave), so `k` is written out as `COALESCE(a.k, b.k)`.

use std::ops::ControlFlow;

use sqlparser::ast::{
    Expr, GroupByExpr, Ident, JoinConstraint, JoinOperator, Query, Select, SelectItem, TableFactor,
    VisitMut, VisitorMut,
};

use crate::walk::Walker;

/// One RIGHT/FULL join's USING columns, with the names its two sides are qualified by.
struct Coalesced {
    left: Ident,
    right: Ident,
    keys: Vec<Ident>,
}

impl Walker<'_> {
    /// Read every unqualified key of a RIGHT/FULL join USING as both sides' key coalesced.
    pub(crate) fn coalesce_using_keys(&mut self, s: &mut Select) {
        if self.too_deep() {
            return;
        }
        let mut joins = Vec::new();
        for twj in &s.from {
            for (i, join) in twj.joins.iter().enumerate() {
                let (JoinOperator::Right(JoinConstraint::Using(names))
                | JoinOperator::RightOuter(JoinConstraint::Using(names))
                | JoinOperator::FullOuter(JoinConstraint::Using(names))) = &join.join_operator
                else {
                    continue;
                };
                let sides = (i == 0)
                    .then(|| qualifier(&twj.relation).zip(qualifier(&join.relation)))
                    .flatten();
                let Some((left, right)) = sides else {
                    self.unsupported(
                        "a RIGHT or FULL JOIN ... USING after another join",
                        "write it with ON and coalesce the key yourself: `FROM a FULL JOIN b ON a.k = b.k` \
                         with `SELECT COALESCE(a.k, b.k) AS k`.",
                    );
                    return;
                };
                let keys = names
                    .iter()
                    .filter_map(|n| n.0.last().and_then(|p| p.as_ident()).cloned())
                    .collect();
                joins.push(Coalesced { left, right, keys });
            }
        }
        if joins.is_empty() {
            return;
        }
        if s.projection
            .iter()
            .any(|item| matches!(item, SelectItem::Wildcard(_)))
        {
            self.unsupported(
                "SELECT * over a RIGHT or FULL JOIN ... USING",
                "name the columns, with the key coalesced: `SELECT COALESCE(a.k, b.k) AS k, a.x, b.y FROM a \
                 FULL JOIN b USING (k)` (Polars would give the left table's key, NULL where only the right \
                 table has the row).",
            );
            return;
        }
        let mut rewriter = Rewriter { joins, depth: 0 };
        for item in &mut s.projection {
            match item {
                SelectItem::UnnamedExpr(Expr::Identifier(id)) if rewriter.key(id).is_some() => {
                    let alias = id.clone();
                    let expr = rewriter
                        .key(id)
                        .unwrap_or_else(|| Expr::Identifier(id.clone()));
                    *item = SelectItem::ExprWithAlias { expr, alias };
                }
                SelectItem::UnnamedExpr(e) | SelectItem::ExprWithAlias { expr: e, .. } => {
                    let _ = e.visit(&mut rewriter);
                }
                _ => {}
            }
        }
        if let Some(e) = s.selection.as_mut() {
            let _ = e.visit(&mut rewriter);
        }
        if let GroupByExpr::Expressions(exprs, _) = &mut s.group_by {
            for e in exprs {
                let _ = e.visit(&mut rewriter);
            }
        }
        if let Some(e) = s.having.as_mut() {
            let _ = e.visit(&mut rewriter);
        }
    }
}

/// The name a side's columns are qualified with: its alias, else its table name.
fn qualifier(factor: &TableFactor) -> Option<Ident> {
    match factor {
        TableFactor::Table { alias: Some(a), .. } | TableFactor::Derived { alias: Some(a), .. } => {
            Some(a.name.clone())
        }
        TableFactor::Table { name, .. } => name.0.last().and_then(|p| p.as_ident()).cloned(),
        _ => None,
    }
}

/// Replaces unqualified keys in the SELECT's own expressions, not in its subqueries (their names are
/// their own).
struct Rewriter {
    joins: Vec<Coalesced>,
    depth: usize,
}

impl Rewriter {
    fn key(&self, id: &Ident) -> Option<Expr> {
        self.joins.iter().find_map(|join| {
            join.keys
                .iter()
                .any(|k| k.value.eq_ignore_ascii_case(&id.value))
                .then(|| {
                    let side = |q: &Ident| Expr::CompoundIdentifier(vec![q.clone(), id.clone()]);
                    crate::parse_expression(&format!(
                        "COALESCE({}, {})",
                        side(&join.left),
                        side(&join.right)
                    ))
                })
                .flatten()
        })
    }
}

impl VisitorMut for Rewriter {
    type Break = ();

    fn pre_visit_query(&mut self, _query: &mut Query) -> ControlFlow<()> {
        self.depth += 1;
        ControlFlow::Continue(())
    }

    fn post_visit_query(&mut self, _query: &mut Query) -> ControlFlow<()> {
        self.depth -= 1;
        ControlFlow::Continue(())
    }

    fn post_visit_expr(&mut self, expr: &mut Expr) -> ControlFlow<()> {
        if self.depth == 0
            && let Expr::Identifier(id) = expr
            && let Some(coalesced) = self.key(id)
        {
            *expr = coalesced;
        }
        ControlFlow::Continue(())
    }
}

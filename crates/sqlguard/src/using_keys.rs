//! The key of a RIGHT or FULL join `USING (k)`: SQL's `k` is both sides' key coalesced, Polars' the left
//! table's (NULL on the rows only the right table gave), so `k` is written out as `COALESCE(a.k, b.k)`.

use std::ops::ControlFlow;

use sqlparser::ast::{
    Expr, GroupByExpr, Ident, JoinConstraint, JoinOperator, OrderBy, OrderByKind, Query, Select,
    SelectItem, VisitMut, VisitorMut,
};

use crate::join_conditions::factor_name;
use crate::walk::Walker;

/// One RIGHT/FULL join's USING columns, with the names its two sides are qualified by.
struct Coalesced {
    left: Ident,
    right: Ident,
    keys: Vec<Ident>,
}

impl Walker<'_> {
    /// Read every unqualified key of a RIGHT/FULL join USING as both sides' key coalesced (in `order_by`
    /// too, where it does not name an output column), and refuse what a NATURAL outer join would answer
    /// wrongly.
    pub(crate) fn coalesce_using_keys(&mut self, s: &mut Select, order_by: Option<&mut OrderBy>) {
        if self.too_deep() {
            return;
        }
        self.natural_outer_keys(s, order_by.as_deref());
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
                    .then(|| factor_name(&twj.relation).zip(factor_name(&join.relation)))
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
        // ORDER BY k names the output column k when there is one (the coalesced key itself, or what the
        // SELECT called so); otherwise it reads the key, which is the coalesced one.
        let outputs = output_names(&s.projection);
        if let Some(OrderByKind::Expressions(items)) = order_by.map(|o| &mut o.kind) {
            for item in items {
                let named = matches!(&item.expr, Expr::Identifier(id)
                    if outputs.iter().any(|o| o.eq_ignore_ascii_case(&id.value)));
                if !named {
                    let _ = item.expr.visit(&mut rewriter);
                }
            }
        }
    }

    /// `b.k` where a LEFT, RIGHT or FULL NATURAL join pairs by `k`: Polars keeps one `k`, both sides' coalesced,
    /// so `b.k` of a row only the other side has is that side's key, not NULL (probe Y).
    fn natural_outer_keys(&mut self, s: &Select, order_by: Option<&OrderBy>) {
        use JoinOperator as J;
        let relations = self
            .scopes
            .last()
            .map(|scope| scope.relations.clone())
            .unwrap_or_default();
        let mut qualified = Vec::new();
        for twj in &s.from {
            for join in &twj.joins {
                if !matches!(
                    join.join_operator,
                    J::Left(JoinConstraint::Natural)
                        | J::LeftOuter(JoinConstraint::Natural)
                        | J::Right(JoinConstraint::Natural)
                        | J::RightOuter(JoinConstraint::Natural)
                        | J::FullOuter(JoinConstraint::Natural)
                ) {
                    continue;
                }
                let Some(right) = factor_name(&join.relation) else {
                    continue;
                };
                let common = crate::join_conditions::natural_columns(&right.value, &relations)
                    .unwrap_or_default();
                // The side whose rows may be missing: the joined table's for LEFT, the others' for RIGHT.
                let right = right.value.to_lowercase();
                let unmatched = match join.join_operator {
                    J::Left(_) | J::LeftOuter(_) => Some(true),
                    J::Right(_) | J::RightOuter(_) => Some(false),
                    _ => None,
                };
                qualified.extend(
                    common
                        .into_iter()
                        .map(|c| (c.to_lowercase(), right.clone(), unmatched)),
                );
            }
        }
        if qualified.is_empty() {
            return;
        }
        let mut found = None;
        let mut look = |e: &Expr| {
            let _ = sqlparser::ast::visit_expressions(e, |x| {
                if let Expr::CompoundIdentifier(parts) = x
                    && let [table, column] = parts.as_slice()
                    && qualified.iter().any(|(c, right, unmatched_right)| {
                        let is_right = table.value.eq_ignore_ascii_case(right);
                        *c == column.value.to_lowercase()
                            && unmatched_right.is_none_or(|u| u == is_right)
                    })
                {
                    found = Some(x.to_string());
                }
                ControlFlow::<()>::Continue(())
            });
        };
        for item in &s.projection {
            if let SelectItem::UnnamedExpr(e) | SelectItem::ExprWithAlias { expr: e, .. } = item {
                look(e);
            }
        }
        s.selection.iter().chain(&s.having).for_each(&mut look);
        if let GroupByExpr::Expressions(exprs, _) = &s.group_by {
            exprs.iter().for_each(&mut look);
        }
        if let Some(OrderByKind::Expressions(items)) = order_by.map(|o| &o.kind) {
            items.iter().for_each(|item| look(&item.expr));
        }
        if let Some(column) = found {
            self.unsupported(
                &format!("`{column}`, a key of a NATURAL outer join, named with its table"),
                "Polars keeps one key, both sides' coalesced, so a table's own key cannot be told there: join \
                 with USING (k), where `b.k` is b's own (NULL on rows b does not have), or name the key alone.",
            );
        }
    }
}

/// The names a SELECT's columns come out under: aliases and bare columns.
fn output_names(projection: &[SelectItem]) -> Vec<String> {
    projection
        .iter()
        .filter_map(|item| match item {
            SelectItem::ExprWithAlias { alias, .. } => Some(alias.value.clone()),
            SelectItem::UnnamedExpr(Expr::Identifier(id)) => Some(id.value.clone()),
            SelectItem::UnnamedExpr(Expr::CompoundIdentifier(parts)) => {
                parts.last().map(|p| p.value.clone())
            }
            _ => None,
        })
        .collect()
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

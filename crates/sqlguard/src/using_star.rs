//! `SELECT *` over `a JOIN b USING (k)` (or LEFT JOIN), as SQLite answers it: `k` once, where `a` has it,
//! then each joined table's columns but its USING keys. Polars gave the key twice (`k`, `k:b`). The `*`
//! becomes the list of those columns, each with its table; a name already given keeps Polars' suffix
//! (`name:b`), as under a `*` without USING. `a.*, b.*` keeps both keys, as in SQLite.
//!
//! Left as written where the columns cannot all be named: a relation without a name or whose columns are
//! not all known, a NATURAL join (Polars already keeps its keys once), a RIGHT or FULL join USING (refused
//! with its rewrite in `using_keys.rs`), or a `*` with EXCLUDE and the like.

use sqlparser::ast::{
    Expr, Ident, JoinConstraint, JoinOperator, Select, SelectItem, TableWithJoins,
};

use crate::join_conditions::factor_name;
use crate::walk::Walker;

impl Walker<'_> {
    pub(crate) fn star_over_using(&mut self, s: &mut Select) {
        let plain_star = |item: &SelectItem| {
            matches!(item, SelectItem::Wildcard(opts)
                if opts.opt_exclude.is_none() && opts.opt_except.is_none() && opts.opt_rename.is_none()
                    && opts.opt_replace.is_none() && opts.opt_ilike.is_none() && opts.opt_alias.is_none())
        };
        if !s.projection.iter().any(plain_star) {
            return;
        }
        let Some(factors) = factors_with_keys(&s.from) else {
            return;
        };
        if factors.iter().all(|(_, keys)| keys.is_empty()) {
            return;
        }
        let Some(scope) = self.scopes.last() else {
            return;
        };
        let mut columns: Vec<SelectItem> = Vec::new();
        let mut names: Vec<String> = Vec::new();
        for (factor, keys) in &factors {
            let found = scope
                .relations
                .iter()
                .find(|r| r.visible == factor.value)
                .or_else(|| {
                    scope
                        .relations
                        .iter()
                        .find(|r| r.visible.eq_ignore_ascii_case(&factor.value))
                });
            let Some(relation) = found.filter(|r| !r.open && !r.visible.is_empty()) else {
                return;
            };
            let qualifier = Ident {
                quote_style: crate::relations::needs_quotes(&relation.visible).then_some('"'),
                ..Ident::new(relation.visible.clone())
            };
            for column in &relation.columns {
                if keys.iter().any(|k| k.eq_ignore_ascii_case(column)) {
                    continue;
                }
                let expr = Expr::CompoundIdentifier(vec![
                    qualifier.clone(),
                    Ident::with_quote('"', column.clone()),
                ]);
                if !names.contains(column) {
                    names.push(column.clone());
                    columns.push(SelectItem::UnnamedExpr(expr));
                    continue;
                }
                let polars = format!("{column}:{}", relation.visible);
                let alias = if names.contains(&polars) {
                    crate::compat::expression_alias(column, &names)
                } else {
                    polars
                };
                names.push(alias.clone());
                columns.push(SelectItem::ExprWithAlias {
                    expr,
                    alias: Ident::with_quote('"', alias),
                });
            }
        }
        let items = std::mem::take(&mut s.projection);
        for item in items {
            if plain_star(&item) {
                s.projection.extend(columns.iter().cloned());
            } else {
                s.projection.push(item);
            }
        }
    }
}

/// Each FROM item in order with the USING keys its join drops from it; `None` where the `*` is left to
/// Polars (see the module's documentation).
fn factors_with_keys(from: &[TableWithJoins]) -> Option<Vec<(Ident, Vec<String>)>> {
    use JoinOperator as J;
    let mut factors = Vec::new();
    for twj in from {
        factors.push((factor_name(&twj.relation)?, Vec::new()));
        for join in &twj.joins {
            let keys = match &join.join_operator {
                J::Join(c) | J::Inner(c) | J::Left(c) | J::LeftOuter(c) => match c {
                    JoinConstraint::Using(names) => names
                        .iter()
                        .map(|n| {
                            n.0.last()
                                .and_then(|p| p.as_ident())
                                .map(|i| i.value.clone())
                        })
                        .collect::<Option<Vec<_>>>()?,
                    JoinConstraint::Natural => return None,
                    _ => Vec::new(),
                },
                J::CrossJoin(_) => Vec::new(),
                _ => return None,
            };
            factors.push((factor_name(&join.relation)?, keys));
        }
    }
    Some(factors)
}

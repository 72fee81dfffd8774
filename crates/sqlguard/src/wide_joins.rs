//! Joins on four or more keys: rows whose keys hold NULL are kept away from the join, which Polars would
//! otherwise pair like values.
//!
//! Why: Polars 0.55 row-encodes four or more key columns in one slice per thread, and when every row of a
//! slice has a NULL key, `combine_validities_and_many` answers "no validity" (all valid) instead of "none
//! valid", so those rows pair with each other (polars issue 19870; the answer depends on the data and the
//! thread count). A NULL key on one side alone encodes unlike every value, so filtering one side suffices.

use sqlparser::ast::{
    BinaryOperator, Expr, Ident, JoinConstraint, JoinOperator, Select, SetExpr, TableFactor,
};

use crate::scope::Relation;
use crate::walk::Walker;

/// Polars pairs NULL keys from this many key columns on (with three or fewer it combines validities right).
const FEWEST_KEYS_AFFECTED: usize = 4;

/// One key of a join: what it reads on the left and on the joined (right) table.
struct Key {
    left: Expr,
    right: Expr,
}

impl Walker<'_> {
    /// Filter out NULL keys of every join of `s` on four or more keys that may hold NULL on both sides.
    pub(crate) fn null_keys_of_wide_joins(&mut self, s: &mut Select) {
        if self.too_deep() {
            return;
        }
        let relations = self
            .scopes
            .last()
            .map(|scope| scope.relations.clone())
            .unwrap_or_default();
        let mut filters = Vec::new();
        for twj in &mut s.from {
            for i in 0..twj.joins.len() {
                let right_name = visible_name(&twj.joins[i].relation);
                let Some(keys) = keys_of(&twj.joins[i].join_operator, &right_name, &relations)
                else {
                    continue;
                };
                let risky: Vec<&Key> = keys
                    .iter()
                    .filter(|k| {
                        may_be_null(&k.left, &relations, &right_name, false)
                            && may_be_null(&k.right, &relations, &right_name, true)
                    })
                    .collect();
                if keys.len() < FEWEST_KEYS_AFFECTED || risky.is_empty() {
                    continue;
                }
                use JoinOperator as J;
                match &twj.joins[i].join_operator {
                    J::Join(_) | J::Inner(_) => {
                        filters.extend(risky.iter().map(|k| is_not_null(k.left.clone())));
                    }
                    J::Left(_) | J::LeftOuter(_) => {
                        let columns: Vec<Ident> = risky.iter().filter_map(|k| column(&k.right)).collect();
                        match filtered(&twj.joins[i].relation, &columns) {
                            Some(factor) => twj.joins[i].relation = factor,
                            None => self.unaliased("LEFT"),
                        }
                    }
                    J::Right(_) | J::RightOuter(_) if i == 0 => {
                        let columns: Vec<Ident> = risky.iter().filter_map(|k| column(&k.left)).collect();
                        match filtered(&twj.relation, &columns) {
                            Some(factor) => twj.relation = factor,
                            None => self.unaliased("RIGHT"),
                        }
                    }
                    J::Right(_) | J::RightOuter(_) | J::FullOuter(_) => self.unsupported(
                        "a FULL JOIN (or a RIGHT JOIN after another join) on four or more keys that may be NULL",
                        "Polars pairs rows whose keys are NULL in such a join. Join on at most three keys, or \
                         filter the NULL keys out of one side first: `FULL JOIN (SELECT * FROM data WHERE k IS \
                         NOT NULL) AS b ON ...`.",
                    ),
                    _ => {}
                }
            }
        }
        for filter in filters {
            s.selection = Some(match s.selection.take() {
                Some(existing) => crate::joins::and(Expr::Nested(Box::new(existing)), filter),
                None => filter,
            });
        }
    }

    fn unaliased(&mut self, kind: &str) {
        self.unsupported(
            &format!("a {kind} JOIN on four or more keys that may be NULL, of a table without an alias"),
            "give the table an alias (`LEFT JOIN data AS b ON a.k = b.k AND ...`): rows whose keys are NULL \
             are then filtered out before the join, where Polars would pair them.",
        );
    }
}

/// The name the join's columns are qualified with: the alias, else the table's own name.
fn visible_name(factor: &TableFactor) -> Option<String> {
    match factor {
        TableFactor::Table { alias: Some(a), .. } | TableFactor::Derived { alias: Some(a), .. } => {
            Some(a.name.value.clone())
        }
        TableFactor::Table { name, .. } => name
            .0
            .last()
            .and_then(|p| p.as_ident())
            .map(|i| i.value.clone()),
        _ => None,
    }
}

/// The keys of an equi-join: its `a.x = b.y` pairings, its USING columns, or (NATURAL) the columns both
/// sides have. `None` when the join pairs by anything else too.
fn keys_of(op: &JoinOperator, right: &Option<String>, relations: &[Relation]) -> Option<Vec<Key>> {
    let constraint = match op {
        JoinOperator::Join(c)
        | JoinOperator::Inner(c)
        | JoinOperator::Left(c)
        | JoinOperator::LeftOuter(c)
        | JoinOperator::Right(c)
        | JoinOperator::RightOuter(c)
        | JoinOperator::FullOuter(c) => c,
        _ => return None,
    };
    let both = |name: Ident| Key {
        left: Expr::Identifier(name.clone()),
        right: Expr::Identifier(name),
    };
    match constraint {
        JoinConstraint::On(on) => {
            let mut keys = Vec::new();
            for part in conjuncts(on) {
                let Expr::BinaryOp {
                    left,
                    op: BinaryOperator::Eq,
                    right: other,
                } = part
                else {
                    return None;
                };
                // The side qualified with the joined table's name is its column.
                let (l, r) = if qualifier(left).is_some()
                    && qualifier(left) == right.as_deref().map(str::to_lowercase)
                {
                    (other.as_ref(), left.as_ref())
                } else {
                    (left.as_ref(), other.as_ref())
                };
                keys.push(Key {
                    left: l.clone(),
                    right: r.clone(),
                });
            }
            Some(keys)
        }
        JoinConstraint::Using(names) => Some(
            names
                .iter()
                .filter_map(|n| n.0.last().and_then(|p| p.as_ident()).cloned())
                .map(both)
                .collect(),
        ),
        JoinConstraint::Natural => {
            let right = right.as_deref()?;
            let at = relations
                .iter()
                .position(|r| r.visible.eq_ignore_ascii_case(right))?;
            let common = relations[at]
                .columns
                .iter()
                .filter(|c| relations[..at].iter().any(|r| r.columns.contains(c)));
            Some(common.map(|c| both(Ident::with_quote('"', c))).collect())
        }
        JoinConstraint::None => None,
    }
}

/// The parts of `a AND b AND c`.
fn conjuncts(e: &Expr) -> Vec<&Expr> {
    match e {
        Expr::BinaryOp {
            left,
            op: BinaryOperator::And,
            right,
        } => {
            let mut parts = conjuncts(left);
            parts.extend(conjuncts(right));
            parts
        }
        Expr::Nested(inner) => conjuncts(inner),
        other => vec![other],
    }
}

/// The table part of `t.x`, lower-cased.
fn qualifier(e: &Expr) -> Option<String> {
    match e {
        Expr::CompoundIdentifier(parts) if parts.len() >= 2 => {
            Some(parts[parts.len() - 2].value.to_lowercase())
        }
        _ => None,
    }
}

/// The column `e` names, unqualified.
fn column(e: &Expr) -> Option<Ident> {
    match e {
        Expr::Identifier(i) => Some(i.clone()),
        Expr::CompoundIdentifier(parts) => parts.last().cloned(),
        _ => None,
    }
}

/// False only when `e` is a column known to hold no NULL. An unqualified name is looked up on its side:
/// the joined table for `on_right`, the others otherwise.
fn may_be_null(e: &Expr, relations: &[Relation], right: &Option<String>, on_right: bool) -> bool {
    let Some(name) = column(e) else {
        return true;
    };
    let is_right = |r: &Relation| {
        right
            .as_deref()
            .is_some_and(|n| r.visible.eq_ignore_ascii_case(n))
    };
    let holders: Vec<&Relation> = match qualifier(e) {
        Some(q) => relations
            .iter()
            .filter(|r| r.visible.to_lowercase() == q)
            .collect(),
        None => relations
            .iter()
            .filter(|r| is_right(r) == on_right && r.find_column(&name.value).is_some())
            .collect(),
    };
    holders.is_empty()
        || holders.iter().any(|r| {
            r.find_column(&name.value)
                .is_none_or(|c| !r.not_null.iter().any(|n| n == c))
        })
}

fn is_not_null(e: Expr) -> Expr {
    Expr::IsNotNull(Box::new(e))
}

/// `factor` as a subquery of its rows whose `columns` are not NULL, under the same alias; `None` when it has
/// no alias to keep (a derived table named like a table would replace it for the rest of the query). A
/// factor that is already such a subquery stays as it is (the normalised SQL is validated again).
fn filtered(factor: &TableFactor, columns: &[Ident]) -> Option<TableFactor> {
    if already_filtered(factor, columns) {
        return Some(factor.clone());
    }
    let conditions = columns
        .iter()
        .map(|c| format!("{c} IS NOT NULL"))
        .collect::<Vec<_>>()
        .join(" AND ");
    let (source, alias) = match factor {
        TableFactor::Table {
            name,
            alias: Some(alias),
            args: None,
            ..
        } if alias.columns.is_empty() => (name.to_string(), &alias.name),
        TableFactor::Derived {
            lateral: false,
            subquery,
            alias: Some(alias),
            ..
        } if alias.at.is_none() => (format!("({subquery}) {alias}"), &alias.name),
        _ => return None,
    };
    let text = format!("SELECT * FROM (SELECT * FROM {source} WHERE {conditions}) AS {alias}");
    match crate::parse_query_body(&text)? {
        SetExpr::Select(mut select) => Some(select.from.pop()?.relation),
        _ => None,
    }
}

/// `(SELECT * FROM t WHERE c1 IS NOT NULL AND ...) AS x` with every one of `columns` among the c's.
fn already_filtered(factor: &TableFactor, columns: &[Ident]) -> bool {
    let TableFactor::Derived { subquery, .. } = factor else {
        return false;
    };
    let SetExpr::Select(select) = subquery.body.as_ref() else {
        return false;
    };
    let Some(selection) = select.selection.as_ref() else {
        return false;
    };
    let not_null: Vec<&Ident> = conjuncts(selection)
        .into_iter()
        .filter_map(|c| match c {
            Expr::IsNotNull(inner) => match inner.as_ref() {
                Expr::Identifier(i) => Some(i),
                _ => None,
            },
            _ => None,
        })
        .collect();
    columns
        .iter()
        .all(|c| not_null.iter().any(|n| n.value == c.value))
}

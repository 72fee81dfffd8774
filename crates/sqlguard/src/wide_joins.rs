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

use crate::join_conditions::conjuncts;
use crate::scope::Relation;
use crate::walk::Walker;

/// Polars pairs NULL keys from this many key columns on (with three or fewer it combines validities right).
const FEWEST_KEYS_AFFECTED: usize = 4;

/// One key of a join: what it reads on the left and on the joined (right) table.
struct Key {
    left: Expr,
    right: Expr,
    /// Whether `left` and `right` are known to read the left side and the joined table.
    sided: bool,
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
        // A filter in WHERE would drop the rows a RIGHT or FULL join keeps unmatched.
        let keeps_unmatched = s.from.iter().flat_map(|twj| &twj.joins).any(|join| {
            matches!(
                join.join_operator,
                JoinOperator::Right(_) | JoinOperator::RightOuter(_) | JoinOperator::FullOuter(_)
            )
        });
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
                // The keys of one side, when every risky key's side is known.
                let sided = |left: bool| -> Option<Vec<Expr>> {
                    risky
                        .iter()
                        .map(|k| {
                            k.sided
                                .then(|| if left { &k.left } else { &k.right }.clone())
                        })
                        .collect()
                };
                use JoinOperator as J;
                let (factor, keys, kind) = match &twj.joins[i].join_operator {
                    J::Join(_) | J::Inner(_) if !keeps_unmatched => {
                        // Both sides when a key's side is unknown: an inner join pairs neither NULL anyway.
                        filters.extend(risky.iter().flat_map(|k| {
                            let both = (!k.sided).then(|| is_not_null(k.right.clone()));
                            std::iter::once(is_not_null(k.left.clone())).chain(both)
                        }));
                        continue;
                    }
                    // A semi or anti join keeps or drops the left rows that find a partner: none is
                    // found for a NULL key once the joined table has none.
                    J::Join(_)
                    | J::Inner(_)
                    | J::Left(_)
                    | J::LeftOuter(_)
                    | J::Semi(_)
                    | J::LeftSemi(_)
                    | J::Anti(_)
                    | J::LeftAnti(_) => (&mut twj.joins[i].relation, sided(false), "LEFT"),
                    J::Right(_) | J::RightOuter(_) | J::RightSemi(_) | J::RightAnti(_)
                        if i == 0 =>
                    {
                        (&mut twj.relation, sided(true), "RIGHT")
                    }
                    J::Right(_)
                    | J::RightOuter(_)
                    | J::RightSemi(_)
                    | J::RightAnti(_)
                    | J::FullOuter(_) => {
                        self.unsupported(
                            "a FULL JOIN (or a RIGHT JOIN after another join) on four or more keys that may be NULL",
                            "Polars pairs rows whose keys are NULL in such a join. Join on at most three keys, or \
                             filter the NULL keys out of one side first: `FULL JOIN (SELECT * FROM data WHERE k IS \
                             NOT NULL) AS b ON ...`.",
                        );
                        continue;
                    }
                    _ => continue,
                };
                let Some(keys) = keys else {
                    self.unsupported(
                        &format!("a {kind} JOIN on four or more keys that may be NULL, written without tables"),
                        "qualify both sides of every key with its table (`a.k = b.k`): rows whose keys are NULL \
                         are then filtered out of one side before the join, where Polars would pair them.",
                    );
                    continue;
                };
                // A subquery named like a registered table would stand for it in the rest of the query.
                let named_like_a_table =
                    visible_name(factor).is_some_and(|name| self.catalog.find(&name).is_some());
                match filtered(factor, &keys).filter(|_| !named_like_a_table) {
                    Some(filtered) => *factor = filtered,
                    None => self.unaliased(kind),
                }
            }
        }
        if let Some(all) = filters.into_iter().reduce(crate::join_filters::and) {
            s.selection = Some(match s.selection.take() {
                Some(existing) => crate::join_filters::and(Expr::Nested(Box::new(existing)), all),
                None => all,
            });
        }
    }

    fn unaliased(&mut self, kind: &str) {
        self.unsupported(
            &format!("a {kind} JOIN on four or more keys that may be NULL, of a table without an alias of its own"),
            "give the table an alias that no dataset has (`LEFT JOIN data AS b ON a.k = b.k AND ...`): rows \
             whose keys are NULL are then filtered out before the join, where Polars would pair them.",
        );
    }
}

/// The name the join's columns are qualified with: the alias, else the table's own name.
fn visible_name(factor: &TableFactor) -> Option<String> {
    crate::join_conditions::factor_name(factor).map(|name| name.value)
}

/// The keys of an equi-join: its `a.x = b.y` pairings, its USING columns, or (NATURAL) the columns both
/// sides have. `None` when the join pairs by anything else too.
fn keys_of(op: &JoinOperator, right: &Option<String>, relations: &[Relation]) -> Option<Vec<Key>> {
    if matches!(op, JoinOperator::CrossJoin(_)) {
        return None;
    }
    let constraint = crate::joins::constraint(op)?;
    let both = |name: Ident| Key {
        left: Expr::Identifier(name.clone()),
        right: Expr::Identifier(name),
        sided: true,
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
                // A side reading only the joined table's columns is its key (`b.d + 1 = a.e` too).
                let joined = right.as_deref().map(str::to_lowercase);
                let reads = |x: &Expr| crate::join_conditions::table_read(x);
                let (l, r) = if reads(left).is_some() && reads(left) == joined {
                    (other.as_ref(), left.as_ref())
                } else {
                    (left.as_ref(), other.as_ref())
                };
                let sided = reads(r).is_some()
                    && reads(r) == joined
                    && reads(l).is_some_and(|t| Some(&t) != joined.as_ref());
                keys.push(Key {
                    left: l.clone(),
                    right: r.clone(),
                    sided,
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
        JoinConstraint::Natural => Some(
            crate::join_conditions::natural_columns(right.as_deref()?, relations)?
                .into_iter()
                .map(|c| both(Ident::with_quote('"', c)))
                .collect(),
        ),
        JoinConstraint::None => None,
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

/// `factor` as a subquery of its rows whose `keys` are not NULL, under the same alias (inside too, so that
/// `b.k` and `b.d + 1` read as written); `None` when it has no alias to keep. A factor that is already such
/// a subquery stays as it is (the normalised SQL is validated again).
fn filtered(factor: &TableFactor, keys: &[Expr]) -> Option<TableFactor> {
    if already_filtered(factor, keys) {
        return Some(factor.clone());
    }
    let conditions = keys
        .iter()
        .map(|k| format!("({k}) IS NOT NULL"))
        .collect::<Vec<_>>()
        .join(" AND ");
    let (source, alias) = match factor {
        TableFactor::Table {
            name,
            alias: Some(alias),
            args: None,
            ..
        } if alias.columns.is_empty() => (format!("{name} AS {}", alias.name), &alias.name),
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

/// `(SELECT * FROM t WHERE (k1) IS NOT NULL AND ...) AS x` testing every one of `keys`.
fn already_filtered(factor: &TableFactor, keys: &[Expr]) -> bool {
    let TableFactor::Derived { subquery, .. } = factor else {
        return false;
    };
    let SetExpr::Select(select) = subquery.body.as_ref() else {
        return false;
    };
    let Some(selection) = select.selection.as_ref() else {
        return false;
    };
    let tested: Vec<String> = conjuncts(selection)
        .into_iter()
        .filter_map(|c| match c {
            Expr::IsNotNull(inner) => Some(unbracketed(inner).to_string()),
            _ => None,
        })
        .collect();
    keys.iter()
        .all(|k| tested.contains(&unbracketed(k).to_string()))
}

fn unbracketed(e: &Expr) -> &Expr {
    match e {
        Expr::Nested(inner) => unbracketed(inner),
        other => other,
    }
}

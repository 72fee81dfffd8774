//! Joins: how many, which kinds, and whether each is filtered (no unbounded cross products).

use std::ops::ControlFlow;

use sqlparser::ast::{
    Expr, FunctionArg, FunctionArgExpr, FunctionArguments, GroupByExpr, Join, JoinConstraint,
    JoinOperator, LimitClause, Query, Select, SelectItem, SetExpr, TableFactor, TableWithJoins,
    visit_expressions,
};

use crate::issue::Rule;
use crate::join_conditions::{conjuncts, distinct_from, pairs_columns, pairs_expressions};
use crate::scope::Relation;
use crate::walk::Walker;

/// The ON/USING part of a join operator that has one, by reference or by mutable reference (match
/// ergonomics bind `c` as the operator is given): one list of the operators for both.
macro_rules! constraint_of {
    ($op:expr) => {{
        use JoinOperator as J;
        match $op {
            J::Join(c)
            | J::Inner(c)
            | J::Left(c)
            | J::LeftOuter(c)
            | J::Right(c)
            | J::RightOuter(c)
            | J::FullOuter(c)
            | J::CrossJoin(c)
            | J::Semi(c)
            | J::LeftSemi(c)
            | J::RightSemi(c)
            | J::Anti(c)
            | J::LeftAnti(c)
            | J::RightAnti(c) => Some(c),
            _ => None,
        }
    }};
}

/// The ON/USING part of a join, when the operator has one.
pub(crate) fn constraint_mut(op: &mut JoinOperator) -> Option<&mut JoinConstraint> {
    constraint_of!(op)
}

/// The ON/USING part of a join, when the operator has one (read only).
pub(crate) fn constraint(op: &JoinOperator) -> Option<&JoinConstraint> {
    constraint_of!(op)
}

/// Whether an ON condition mentions any column; `ON 1=1` is a cross join in disguise.
/// Bounded recursion: past the bound we answer "yes", and the main walk rejects the depth anyway.
pub(crate) fn mentions_column(e: &Expr) -> bool {
    fn go(e: &Expr, depth: usize) -> bool {
        if depth > 256 {
            return true;
        }
        match e {
            Expr::Identifier(_) | Expr::CompoundIdentifier(_) => true,
            Expr::BinaryOp { left, right, .. }
            | Expr::IsDistinctFrom(left, right)
            | Expr::IsNotDistinctFrom(left, right) => go(left, depth + 1) || go(right, depth + 1),
            Expr::Nested(x)
            | Expr::UnaryOp { expr: x, .. }
            | Expr::IsNull(x)
            | Expr::IsNotNull(x)
            | Expr::Cast { expr: x, .. } => go(x, depth + 1),
            Expr::Between {
                expr, low, high, ..
            } => go(expr, depth + 1) || go(low, depth + 1) || go(high, depth + 1),
            Expr::InList { expr, list, .. } => {
                go(expr, depth + 1) || list.iter().any(|x| go(x, depth + 1))
            }
            Expr::Like { expr, pattern, .. } | Expr::ILike { expr, pattern, .. } => {
                go(expr, depth + 1) || go(pattern, depth + 1)
            }
            Expr::Function(f) => match &f.args {
                FunctionArguments::List(list) => list.args.iter().any(|a| match a {
                    FunctionArg::Unnamed(FunctionArgExpr::Expr(x)) => go(x, depth + 1),
                    _ => false,
                }),
                _ => false,
            },
            _ => false,
        }
    }
    go(e, 0)
}

/// True when `q` answers at most one row whatever the table holds: `LIMIT 0` or `LIMIT 1`, a SELECT without
/// FROM, or one that aggregates without GROUP BY (and without windows, which would keep every row).
pub(crate) fn at_most_one_row(q: &Query) -> bool {
    let limited = match &q.limit_clause {
        Some(LimitClause::LimitOffset {
            limit: Some(limit), ..
        }) => crate::syntax::integer_literal(limit).is_some_and(|n| (0..=1).contains(&n)),
        _ => false,
    };
    limited
        || match q.body.as_ref() {
            SetExpr::Select(s) => select_is_one_row(s) || kept_one_row(s),
            SetExpr::Query(inner) => at_most_one_row(inner),
            _ => false,
        }
}

/// `SELECT * EXCLUDE ("__having") FROM (...) AS "__had" WHERE "__having"`, the form `having::without_groups`
/// and `one_row` give a query of at most one row.
fn kept_one_row(s: &Select) -> bool {
    matches!(
        s.from.as_slice(),
        [TableWithJoins {
            relation: TableFactor::Derived {
                subquery,
                alias: Some(alias),
                ..
            },
            joins,
        }] if joins.is_empty() && alias.name.value == "__had" && at_most_one_row(subquery)
    )
}

/// A SELECT that aggregates the rows of its FROM into one: no GROUP BY, every item an aggregate.
pub(crate) fn aggregates_to_one_row(s: &Select) -> bool {
    !s.from.is_empty() && select_is_one_row(s)
}

fn select_is_one_row(s: &Select) -> bool {
    // UNNEST makes rows of one, also without FROM (`SELECT UNNEST([1, 2, 3])`).
    let unnests = |e: &Expr| {
        visit_expressions(e, |x| match x {
            Expr::Function(f)
                if crate::syntax::function_name(&f.name).is_some_and(|n| n == "unnest") =>
            {
                ControlFlow::Break(())
            }
            _ => ControlFlow::Continue(()),
        })
        .is_break()
    };
    let items: Option<Vec<&Expr>> = s
        .projection
        .iter()
        .map(|item| match item {
            SelectItem::UnnamedExpr(e) | SelectItem::ExprWithAlias { expr: e, .. } => Some(e),
            _ => None,
        })
        .collect();
    let Some(items) = items.filter(|items| !items.is_empty()) else {
        return false;
    };
    if items.iter().any(|e| unnests(e)) {
        return false;
    }
    if s.from.is_empty() {
        return true;
    }
    let grouped = match &s.group_by {
        GroupByExpr::Expressions(keys, _) => !keys.is_empty(),
        GroupByExpr::All(_) => true,
    };
    // Every item an aggregate of the rows, with no column outside one: Polars broadcasts `SUM(x) + y` and
    // `COALESCE(MAX(x), y)` to every row.
    !grouped
        && items.iter().all(|e| {
            let windowed = visit_expressions(*e, |x| match x {
                Expr::Function(f) if f.over.is_some() => ControlFlow::Break(()),
                _ => ControlFlow::Continue(()),
            })
            .is_break();
            let mut aggregates = Vec::new();
            crate::bare::aggregates(e, &mut aggregates, 0);
            !windowed
                && !aggregates.is_empty()
                && !crate::having::names_a_column_outside_aggregates(e)
        })
}

impl Walker<'_> {
    pub(crate) fn count_join(&mut self) {
        self.joins += 1;
        if self.joins == self.limits.max_joins + 1 {
            let max = self.limits.max_joins;
            self.reject(
                Rule::TooManyJoins,
                format!("the query has more than {max} joins; use at most {max}."),
                None,
            );
        }
    }

    pub(crate) fn cross_join(&mut self, what: &str) {
        self.reject(
            Rule::UnfilteredCrossJoin,
            format!(
                "{what} joins every row with every row (a cross join) and there is no WHERE clause; \
                 use JOIN ... ON <matching columns> instead."
            ),
            None,
        );
    }

    /// Register the relations of one FROM item and check its joins' shapes (not their ON yet).
    pub(crate) fn walk_from_item(
        &mut self,
        twj: &mut TableWithJoins,
        has_where: bool,
        relations: &mut Vec<Relation>,
    ) {
        let first = relations.len();
        self.deeper(|w| {
            w.table_factor(&mut twj.relation, relations, has_where);
            for join in &mut twj.joins {
                w.count_join();
                let left_one_row = relations[first..].iter().all(|r| r.one_row);
                let before = relations.len();
                w.table_factor(&mut join.relation, relations, has_where);
                let right_one_row = matches!(&relations[before..], [only] if only.one_row);
                w.join_shape(join, has_where || left_one_row || right_one_row);
            }
        });
        // An outer join fills the rows it keeps with NULLs, whatever the tables hold.
        let outer = twj.joins.iter().any(|j| {
            matches!(
                j.join_operator,
                JoinOperator::Left(_)
                    | JoinOperator::LeftOuter(_)
                    | JoinOperator::Right(_)
                    | JoinOperator::RightOuter(_)
                    | JoinOperator::FullOuter(_)
            )
        });
        if outer {
            relations[first..]
                .iter_mut()
                .for_each(|r| r.not_null.clear());
        }
    }

    fn join_shape(&mut self, join: &Join, filtered: bool) {
        let Some(constraint) = constraint(&join.join_operator) else {
            self.unsupported(
                "this join type (APPLY, ASOF, STRAIGHT_JOIN, ARRAY JOIN)",
                "use [INNER|LEFT|RIGHT|FULL] JOIN ... ON.",
            );
            return;
        };
        let unfiltered = match constraint {
            JoinConstraint::None => true,
            JoinConstraint::On(e) => !crate::joins::mentions_column(e),
            JoinConstraint::Using(_) | JoinConstraint::Natural => false,
        };
        if unfiltered && !filtered {
            self.cross_join("a join without an ON condition on columns");
        }
    }

    /// Walk ON / USING once every relation of the SELECT is in scope.
    pub(crate) fn walk_join_constraints(&mut self, from: &mut [TableWithJoins]) {
        self.deeper(|w| w.walk_join_constraints_inner(from));
    }

    fn walk_join_constraints_inner(&mut self, from: &mut [TableWithJoins]) {
        for twj in from {
            if let TableFactor::NestedJoin {
                table_with_joins, ..
            } = &mut twj.relation
            {
                self.walk_join_constraints(std::slice::from_mut(table_with_joins));
            }
            for join in &mut twj.joins {
                if let TableFactor::NestedJoin {
                    table_with_joins, ..
                } = &mut join.relation
                {
                    self.walk_join_constraints(std::slice::from_mut(table_with_joins));
                }
                let outer = matches!(
                    join.join_operator,
                    JoinOperator::Left(_)
                        | JoinOperator::LeftOuter(_)
                        | JoinOperator::Right(_)
                        | JoinOperator::RightOuter(_)
                        | JoinOperator::FullOuter(_)
                );
                if let Some(c) = crate::joins::constraint_mut(&mut join.join_operator) {
                    match c {
                        JoinConstraint::On(e) => {
                            if crate::syntax::shallow(e) {
                                crate::foreign_calls::distinct_from_precedence(e);
                            }
                            // Polars applies such a condition to the wrong side, or drops the rows the
                            // outer join should keep.
                            if outer && conjuncts(e).iter().any(|c| distinct_from(c)) {
                                self.unsupported(
                                    "IS [NOT] DISTINCT FROM in an outer join's ON",
                                    "Polars joins only on `a.x = b.y` there: join on that (rows whose key is \
                                     NULL then find no partner), or use an inner join, where `a.x IS NOT \
                                     DISTINCT FROM b.x` runs.",
                                );
                            } else if outer
                                && conjuncts(e)
                                    .iter()
                                    .any(|c| !pairs_columns(c) && !pairs_expressions(c))
                            {
                                self.unsupported(
                                    "a condition other than `a.x = b.y` (or `b.n = a.n - 1`) in an outer join's ON",
                                    "filter the joined table in a subquery: `LEFT JOIN (SELECT * FROM data \
                                     WHERE salary >= 60) AS b ON b.manager_id = a.id`.",
                                );
                            }
                            self.expr(e);
                        }
                        JoinConstraint::Using(names) => {
                            for name in names {
                                self.using_name(name);
                            }
                        }
                        JoinConstraint::Natural | JoinConstraint::None => {}
                    }
                }
            }
        }
    }
}

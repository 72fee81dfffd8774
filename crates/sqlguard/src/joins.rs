//! Joins: how many, which kinds, and whether each is filtered (no unbounded cross products).

use std::ops::ControlFlow;

use sqlparser::ast::{
    BinaryOperator, Expr, FunctionArg, FunctionArgExpr, FunctionArguments, GroupByExpr, Join,
    JoinConstraint, JoinOperator, LimitClause, Query, Select, SelectItem, SetExpr, TableFactor,
    TableWithJoins, visit_expressions,
};

use crate::issue::Rule;
use crate::scope::Relation;
use crate::walk::Walker;

/// The ON/USING part of a join, when the operator has one.
pub(crate) fn constraint_mut(op: &mut JoinOperator) -> Option<&mut JoinConstraint> {
    use JoinOperator as J;
    match op {
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
            SetExpr::Select(s) => select_is_one_row(s),
            SetExpr::Query(inner) => at_most_one_row(inner),
            _ => false,
        }
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
        use JoinOperator as J;
        let constraint = match &join.join_operator {
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
            | J::RightAnti(c) => c,
            _ => {
                self.unsupported(
                    "this join type (APPLY, ASOF, STRAIGHT_JOIN, ARRAY JOIN)",
                    "use [INNER|LEFT|RIGHT|FULL] JOIN ... ON.",
                );
                return;
            }
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

/// `a.x = b.y`: what a join pairs rows by.
fn pairs_columns(e: &Expr) -> bool {
    let column = |x: &Expr| matches!(x, Expr::Identifier(_) | Expr::CompoundIdentifier(_));
    matches!(e, Expr::BinaryOp { left, op: BinaryOperator::Eq, right }
        if column(left) && column(right) && !one_table(left, right))
}

/// `b.n = a.n - 1`: each side reads the qualified columns of one table, another than the other side's,
/// and nothing else of the query (no subquery, aggregate or window), so Polars pairs rows by the two values
/// as it does by two columns (the previous period, an outer join's usual key).
fn pairs_expressions(e: &Expr) -> bool {
    let Expr::BinaryOp {
        left,
        op: BinaryOperator::Eq,
        right,
    } = e
    else {
        return false;
    };
    let table = |x: &Expr| {
        let mut tables = Vec::new();
        let mut other = false;
        let _ = sqlparser::ast::visit_expressions(x, |y| {
            match y {
                Expr::CompoundIdentifier(parts) if parts.len() == 2 => {
                    tables.push(parts[0].value.to_lowercase())
                }
                Expr::Identifier(_)
                | Expr::CompoundIdentifier(_)
                | Expr::Subquery(_)
                | Expr::Exists { .. }
                | Expr::InSubquery { .. } => other = true,
                Expr::Function(f) if f.over.is_some() || crate::bare::is_aggregate(f) => {
                    other = true
                }
                _ => {}
            }
            std::ops::ControlFlow::<()>::Continue(())
        });
        tables.sort();
        tables.dedup();
        match tables.as_slice() {
            [only] if !other => Some(only.clone()),
            _ => None,
        }
    };
    matches!((table(left), table(right)), (Some(l), Some(r)) if l != r)
}

/// Both sides name columns of one table (`b.k = b.x`): Polars applied such a condition in ON to the left
/// table; it is a filter, not a pairing.
fn one_table(left: &Expr, right: &Expr) -> bool {
    let table = |x: &Expr| match x {
        Expr::CompoundIdentifier(parts) if parts.len() >= 2 => {
            Some(parts[parts.len() - 2].value.to_lowercase())
        }
        _ => None,
    };
    matches!((table(left), table(right)), (Some(l), Some(r)) if l == r)
}

/// A comparison whose sides name columns of two tables (`a.id < b.id`), which Polars runs in ON; a condition
/// on one table there (`b.k = 1`) it applied to the left table.
fn compares_tables(e: &Expr) -> bool {
    let Expr::BinaryOp { left, right, .. } = e else {
        return false;
    };
    let tables = |x: &Expr| {
        let mut found = Vec::new();
        let _ = sqlparser::ast::visit_expressions(x, |y| {
            if let Expr::CompoundIdentifier(parts) = y
                && parts.len() >= 2
            {
                found.push(parts[parts.len() - 2].value.to_lowercase());
            }
            std::ops::ControlFlow::<()>::Continue(())
        });
        found
    };
    let (l, r) = (tables(left), tables(right));
    !l.is_empty() && !r.is_empty() && l.iter().any(|t| !r.contains(t))
}

/// `a IS [NOT] DISTINCT FROM b`, which Polars has as an expression but not in a join's ON.
fn distinct_from(e: &Expr) -> bool {
    matches!(e, Expr::IsDistinctFrom(..) | Expr::IsNotDistinctFrom(..))
}

/// A condition Polars runs in a join's ON: a comparison (`a.x = b.y`, `a.id < b.id`). It refuses the rest:
/// `a IS [NOT] DISTINCT FROM b`, an OR ("unsupported join constraint operator 'Or'"), a NOT.
fn runs_in_on(e: &Expr) -> bool {
    matches!(
        e,
        Expr::BinaryOp {
            op: BinaryOperator::Eq
                | BinaryOperator::NotEq
                | BinaryOperator::Lt
                | BinaryOperator::LtEq
                | BinaryOperator::Gt
                | BinaryOperator::GtEq,
            ..
        }
    )
}

/// An inner join's ON conditions other than `a.x = b.y` (`b.dept = 'IT'`) move to WHERE, where they mean the
/// same: Polars applied `b.dept = 'IT'` to the left table. Only while a pairing is left in the ON, except
/// what Polars refuses in ON (`a.x IS NOT DISTINCT FROM b.x`, an OR, a NOT): it always moves, and a join
/// left with no condition is a CROSS JOIN filtered by the WHERE. Returns false when such a filter had to
/// stay: a RIGHT or FULL join keeps rows that the filter in WHERE would drop.
pub(crate) fn inner_join_filters_to_where(s: &mut Select) -> bool {
    let keeps_unmatched = s.from.iter().flat_map(|twj| &twj.joins).any(|join| {
        matches!(
            join.join_operator,
            JoinOperator::Right(_) | JoinOperator::RightOuter(_) | JoinOperator::FullOuter(_)
        )
    });
    let mut moved = Vec::new();
    for twj in &mut s.from {
        for join in &mut twj.joins {
            let (JoinOperator::Join(JoinConstraint::On(on))
            | JoinOperator::Inner(JoinConstraint::On(on))) = &mut join.join_operator
            else {
                continue;
            };
            if crate::syntax::shallow(on) {
                // Every IS [NOT] DISTINCT FROM in it, not only one at the top (`(a IS NOT DISTINCT FROM b
                // OR c) AND d` read `b OR c` as the right side).
                let _ = sqlparser::ast::visit_expressions_mut(on, |x| {
                    crate::foreign_calls::mend_bracketed_distinct_from(x);
                    crate::foreign_calls::distinct_from_precedence(x);
                    std::ops::ControlFlow::<()>::Continue(())
                });
            }
            let parts = conjuncts(on);
            let paired = parts.iter().any(|c| pairs_columns(c));
            let must_move = parts.iter().any(|c| !runs_in_on(c) || !compares_tables(c));
            if !must_move && (!paired || parts.iter().all(|c| pairs_columns(c))) {
                continue;
            }
            if keeps_unmatched {
                return false;
            }
            // With a pairing left, every other condition moves (as above); without, only those Polars
            // refuses in ON (`a.id < b.id` stays, which Polars runs).
            let (kept, filters): (Vec<&Expr>, Vec<&Expr>) = parts.into_iter().partition(|c| {
                if paired {
                    pairs_columns(c)
                } else {
                    runs_in_on(c) && compares_tables(c)
                }
            });
            let joined = |parts: Vec<&Expr>| parts.into_iter().cloned().reduce(and);
            let filters: Vec<Expr> = filters.into_iter().map(as_comparisons).collect();
            let Some(filters) = filters.into_iter().reduce(and) else {
                continue;
            };
            match joined(kept) {
                Some(kept) => *on = kept,
                None => join.join_operator = JoinOperator::CrossJoin(JoinConstraint::None),
            }
            moved.push(filters);
        }
    }
    for filter in moved {
        // Not a test that swallowed an OR: in brackets it would read as written so (see
        // `foreign_calls::mend_bracketed_distinct_from`), and it is to be refused instead.
        let swallowed_or = matches!(&filter, Expr::IsDistinctFrom(_, b) | Expr::IsNotDistinctFrom(_, b)
            if matches!(b.as_ref(), Expr::BinaryOp { op: BinaryOperator::Or | BinaryOperator::Xor, .. }));
        let filter = if swallowed_or {
            filter
        } else {
            Expr::Nested(Box::new(filter))
        };
        s.selection = Some(match s.selection.take() {
            Some(existing) => and(Expr::Nested(Box::new(existing)), filter),
            None => filter,
        });
    }
    true
}

/// `a IS NOT DISTINCT FROM b` as `(COALESCE(a = b, FALSE) OR (a IS NULL AND b IS NULL))`, and `a IS
/// DISTINCT FROM b` as `(COALESCE(a <> b, FALSE) OR (a IS NULL) <> (b IS NULL))`: true or false, never NULL,
/// so that a NOT around them keeps its rows. Polars 0.55 drops the other conditions of a WHERE that starts
/// with `a.x IS NOT DISTINCT FROM b.x AND ...` over a join.
fn as_comparisons(e: &Expr) -> Expr {
    let mut rewritten = e.clone();
    // Anywhere in the condition (`(a.x IS NOT DISTINCT FROM b.x OR ...)`: Polars answered it wrongly in WHERE).
    if crate::syntax::shallow(&rewritten) {
        let _ = sqlparser::ast::visit_expressions_mut(&mut rewritten, |x| {
            let swallowed_or = matches!(x, Expr::IsDistinctFrom(_, b) | Expr::IsNotDistinctFrom(_, b)
                if matches!(b.as_ref(), Expr::BinaryOp { op: BinaryOperator::Or | BinaryOperator::Xor, .. }));
            if matches!(x, Expr::IsDistinctFrom(..) | Expr::IsNotDistinctFrom(..)) && !swallowed_or
            {
                *x = comparisons_of(x);
            }
            std::ops::ControlFlow::<()>::Continue(())
        });
    }
    rewritten
}

/// One `a IS [NOT] DISTINCT FROM b` as the comparisons of [`as_comparisons`].
fn comparisons_of(e: &Expr) -> Expr {
    let e = match e {
        Expr::Nested(inner) => inner,
        other => other,
    };
    let text = match e {
        Expr::IsNotDistinctFrom(a, b) => {
            format!("(COALESCE({a} = {b}, FALSE) OR ({a} IS NULL AND {b} IS NULL))")
        }
        Expr::IsDistinctFrom(a, b) => {
            format!("(COALESCE({a} <> {b}, FALSE) OR ({a} IS NULL) <> ({b} IS NULL))")
        }
        _ => return e.clone(),
    };
    match crate::parse_expression(&text) {
        Some(x @ Expr::Nested(_)) => x,
        Some(x) => Expr::Nested(Box::new(x)),
        None => e.clone(),
    }
}

/// `left AND right`, each side in parentheses unless it binds at least as tightly (a condition moved from
/// an ON lost its own: `(b.k = 1 OR b.k IS NULL)` beside another became `... AND b.k = 1 OR b.k IS NULL`).
pub(crate) fn and(left: Expr, right: Expr) -> Expr {
    let bracketed = |e: Expr| match e {
        Expr::BinaryOp {
            op: BinaryOperator::Or | BinaryOperator::Xor,
            ..
        } => Expr::Nested(Box::new(e)),
        other => other,
    };
    Expr::BinaryOp {
        left: Box::new(bracketed(left)),
        op: BinaryOperator::And,
        right: Box::new(bracketed(right)),
    }
}

//! Moving windows: `AVG(x) OVER (ORDER BY d ROWS BETWEEN 6 PRECEDING AND CURRENT ROW)`, the "7-day moving
//! average" models write. Polars SQL runs only `ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW` ("only ...
//! is currently supported"), so a frame of a few rows around the current one is written out with the
//! neighbours it holds: `LAG(x, k)` and `LEAD(x, k)` over the same window, NULL where the frame runs past the
//! partition, which SUM, AVG, MIN, MAX and COUNT skip as they skip NULL values.

use std::ops::ControlFlow;

use sqlparser::ast::{
    Expr, FunctionArg, FunctionArgExpr, FunctionArguments, WindowFrameBound, WindowFrameUnits,
    WindowType,
};

use crate::issue::Rule;
use crate::relations::location_of;
use crate::walk::Walker;

/// Most rows a frame may reach on either side: each is one LAG or LEAD in the query Polars runs.
const MAX_REACH: u64 = 31;

/// How far the frame reaches before and after the current row, when it is a frame of rows Polars lacks.
fn reach(start: &WindowFrameBound, end: Option<&WindowFrameBound>) -> Option<(u64, u64)> {
    let count = |e: &Expr| crate::syntax::integer_literal(e).and_then(|n| u64::try_from(n).ok());
    let before = match start {
        WindowFrameBound::Preceding(Some(n)) => count(n)?,
        WindowFrameBound::CurrentRow => 0,
        _ => return None,
    };
    let after = match end {
        None | Some(WindowFrameBound::CurrentRow) => 0,
        Some(WindowFrameBound::Following(Some(n))) => count(n)?,
        _ => return None,
    };
    Some((before, after))
}

/// How many rows the frame holds: fewer at the partition's edges.
fn rows_in_frame(window: &str, partition: &str, before: u64, after: u64) -> String {
    let row = format!("ROW_NUMBER() OVER ({window})");
    let rows = format!("COUNT(*) OVER ({partition})");
    format!("(LEAST({row} - 1, {before}) + 1 + LEAST({rows} - {row}, {after}))")
}

/// `name(x) OVER (window)` over the rows from `before` rows back to `after` rows ahead; `x` is None for
/// `COUNT(*)`, `partition` the window's PARTITION BY alone.
fn written_out(
    name: &str,
    x: Option<&Expr>,
    window: &str,
    partition: &str,
    before: u64,
    after: u64,
) -> Option<String> {
    let rows = || rows_in_frame(window, partition, before, after);
    let Some(x) = x else {
        return (name == "count").then(rows);
    };
    // A constant has the same value on every row of the frame: LAG(1, k) is 1 even before the first row.
    if is_constant(x) {
        return Some(match name {
            "sum" => format!(
                "(CASE WHEN ({x}) IS NULL THEN NULL ELSE ({x}) * {} END)",
                rows()
            ),
            "count" => format!("(CASE WHEN ({x}) IS NULL THEN 0 ELSE {} END)", rows()),
            "avg" | "min" | "max" => format!("({x})"),
            _ => return None,
        });
    }
    let terms: Vec<String> = (1..=before)
        .rev()
        .map(|k| format!("LAG({x}, {k}) OVER ({window})"))
        .chain(std::iter::once(format!("({x})")))
        .chain((1..=after).map(|k| format!("LEAD({x}, {k}) OVER ({window})")))
        .collect();
    let present = terms
        .iter()
        .map(|t| format!("CASE WHEN {t} IS NULL THEN 0 ELSE 1 END"))
        .collect::<Vec<_>>()
        .join(" + ");
    let total = terms
        .iter()
        .map(|t| format!("COALESCE({t}, 0)"))
        .collect::<Vec<_>>()
        .join(" + ");
    Some(match name {
        "sum" => format!("(CASE WHEN {present} = 0 THEN NULL ELSE {total} END)"),
        "avg" => format!("(({total}) / NULLIF({present}, 0))"),
        "count" => format!("({present})"),
        "min" => format!("LEAST({})", terms.join(", ")),
        "max" => format!("GREATEST({})", terms.join(", ")),
        _ => return None,
    })
}

/// True when `x` names no column anywhere (a literal, or calls of literals): the same value on every row.
/// A CASE naming columns (what `SUM(v) FILTER (WHERE f)` becomes) was taken for a constant, and the frame's
/// sum was the row's own value times the rows in the frame.
fn is_constant(x: &Expr) -> bool {
    let names_something = |e: &Expr| match e {
        Expr::Identifier(_) | Expr::CompoundIdentifier(_) | Expr::Subquery(_) => {
            ControlFlow::Break(())
        }
        _ => ControlFlow::Continue(()),
    };
    crate::syntax::shallow(x) && sqlparser::ast::visit_expressions(x, names_something).is_continue()
}

impl Walker<'_> {
    /// Rewrites `e` when it is an aggregate over a moving frame of rows; true when it was one (rewritten
    /// or refused). The rewritten expression is then walked like any other.
    pub(crate) fn moving_window(&mut self, e: &mut Expr) -> bool {
        if self.partition_frame(e) == Some(true) {
            return true;
        }
        let Expr::Function(f) = e else { return false };
        let Some(WindowType::WindowSpec(spec)) = &f.over else {
            return false;
        };
        let Some(frame) = &spec.window_frame else {
            return false;
        };
        let unbounded_to_here = matches!(frame.start_bound, WindowFrameBound::Preceding(None))
            && matches!(frame.end_bound, None | Some(WindowFrameBound::CurrentRow));
        if frame.units == WindowFrameUnits::Rows && unbounded_to_here {
            return false;
        }
        let location = location_of(&f.name);
        let name = crate::syntax::function_name(&f.name).unwrap_or_default();
        let argument = match &f.args {
            FunctionArguments::List(list)
                if list.duplicate_treatment.is_none()
                    && list.clauses.is_empty()
                    && f.filter.is_none() =>
            {
                match list.args.as_slice() {
                    [FunctionArg::Unnamed(FunctionArgExpr::Wildcard)] if name == "count" => {
                        Some(None)
                    }
                    [FunctionArg::Unnamed(FunctionArgExpr::Expr(x))] => Some(Some(x)),
                    _ => None,
                }
            }
            _ => None,
        };
        let mut window = spec.clone();
        window.window_frame = None;
        let rewritten = match (
            frame.units,
            reach(&frame.start_bound, frame.end_bound.as_ref()),
            argument,
        ) {
            (WindowFrameUnits::Rows, Some((before, after)), Some(x))
                if before <= MAX_REACH && after <= MAX_REACH && !spec.order_by.is_empty() =>
            {
                let partition = crate::sqlite_calls::partition_of(&spec.partition_by);
                written_out(&name, x, &window.to_string(), &partition, before, after)
            }
            _ => None,
        };
        match rewritten.as_deref().and_then(crate::parse_expression) {
            Some(expr) => {
                *e = expr;
                false
            }
            None => {
                self.reject(
                    Rule::UnsupportedSyntax,
                    format!(
                        "this window frame is not supported: only SUM, AVG, MIN, MAX and COUNT over `ROWS \
                         BETWEEN n PRECEDING AND CURRENT ROW` (or `AND m FOLLOWING`, n and m up to \
                         {MAX_REACH}) with an ORDER BY, and `ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT \
                         ROW`, run. For a moving average over days rather than rows, group by day in a WITH \
                         clause first."
                    ),
                    location,
                );
                true
            }
        }
    }
}

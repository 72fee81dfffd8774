//! Frames that reach the end of the partition, and NTH_VALUE, which Polars SQL lacks (it runs one frame,
//! `ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW`), rewritten to windows it runs with the same meaning:
//!
//! - `ROWS`/`RANGE BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING`, the frame models write for
//!   `LAST_VALUE`: an aggregate (SUM, AVG, MIN, MAX, COUNT) over it is the aggregate over the partition
//!   (`OVER (PARTITION BY g)`); FIRST_VALUE is the first row in the window's order, as without the frame;
//!   LAST_VALUE is the first row in the reversed order, NULLs of a key reversed too (last both ways unless
//!   written, as everywhere in a window, so the reversed order puts them first unless written first).
//! - `ROWS BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING`: an aggregate runs over the reversed order
//!   (`ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW`); FIRST_VALUE is the row's own value; LAST_VALUE
//!   (also under RANGE) is the partition's last.
//! - A function the frame does not apply to (ROW_NUMBER, RANK, DENSE_RANK, NTILE, LAG, LEAD) drops it.
//! - `NTH_VALUE(x, n)`: the partition's n-th row in the window's order, `MAX(CASE WHEN ROW_NUMBER() OVER
//!   (w) = n THEN x END) OVER (PARTITION BY g)`, shown only to rows whose frame reaches that row: with the
//!   default frame, rows whose peers included number at least n (from a RANK in the reversed order, as
//!   CUME_DIST counts them); with `ROWS ... CURRENT ROW`, rows from the n-th on; over the whole partition,
//!   every row; from the current row on, it is `LEAD(x, n - 1)`.

use sqlparser::ast::{
    Expr, Function, Ident, ObjectName, ObjectNamePart, OrderByExpr, WindowFrame, WindowFrameBound,
    WindowFrameUnits, WindowSpec, WindowType,
};

use crate::issue::Rule;
use crate::relations::location_of;
use crate::walk::Walker;

/// Aggregates whose value over a set of rows does not depend on their order.
const AGGREGATES: &[&str] = &["sum", "avg", "min", "max", "count"];

/// Window functions that SQL applies regardless of the frame.
const FRAMELESS: &[&str] = &["row_number", "rank", "dense_rank", "ntile", "lag", "lead"];

/// How far a window's frame reaches, for the frames rewritten here.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Extent {
    /// No frame, or `RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW`: up to the row's last peer.
    Default,
    /// `ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW`.
    Running,
    /// `UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING`, rows or range.
    Whole,
    /// `CURRENT ROW AND UNBOUNDED FOLLOWING`.
    ToEnd(WindowFrameUnits),
    Other,
}

fn extent(frame: Option<&WindowFrame>) -> Extent {
    use WindowFrameBound::{CurrentRow, Following, Preceding};
    let Some(frame) = frame else {
        return Extent::Default;
    };
    match (frame.units, &frame.start_bound, &frame.end_bound) {
        (_, Preceding(None), Some(Following(None))) => Extent::Whole,
        (WindowFrameUnits::Rows, Preceding(None), None | Some(CurrentRow)) => Extent::Running,
        (WindowFrameUnits::Range, Preceding(None), None | Some(CurrentRow)) => Extent::Default,
        (units, CurrentRow, Some(Following(None))) => Extent::ToEnd(units),
        _ => Extent::Other,
    }
}

/// `order_by` the other way round, NULLs too: last both ways unless written (see `windows::place_nulls`).
pub(crate) fn reversed(order_by: &[OrderByExpr]) -> Vec<OrderByExpr> {
    order_by
        .iter()
        .map(|item| {
            let mut item = item.clone();
            let asc = item.options.asc.unwrap_or(true);
            let nulls_first = item.options.nulls_first.unwrap_or(false);
            item.options.asc = Some(!asc);
            item.options.nulls_first = Some(!nulls_first);
            item
        })
        .collect()
}

fn window_text(partition_by: &[Expr], order_by: &[OrderByExpr]) -> String {
    let partition = crate::sqlite_calls::partition_of(partition_by);
    if order_by.is_empty() {
        return partition;
    }
    let keys: Vec<String> = order_by.iter().map(ToString::to_string).collect();
    format!("{partition} ORDER BY {}", keys.join(", "))
        .trim_start()
        .to_string()
}

fn running() -> WindowFrame {
    WindowFrame {
        units: WindowFrameUnits::Rows,
        start_bound: WindowFrameBound::Preceding(None),
        end_bound: Some(WindowFrameBound::CurrentRow),
    }
}

/// `f` over `spec`, renamed to `name` when given.
fn over(f: &Function, spec: WindowSpec, name: Option<&str>) -> Expr {
    let mut f = f.clone();
    if let Some(name) = name {
        f.name = ObjectName(vec![ObjectNamePart::Identifier(Ident::new(name))]);
    }
    f.over = Some(WindowType::WindowSpec(spec));
    Expr::Function(f)
}

/// What a call becomes.
enum Outcome {
    Rewritten(Box<Expr>),
    Refused(String),
    Untouched,
}

impl Walker<'_> {
    /// Rewrites `e` when it is a window this module rewrites (see the module's docs): `Some(true)` when it
    /// was refused, `Some(false)` when rewritten (to be walked like any expression), `None` otherwise.
    pub(crate) fn partition_frame(&mut self, e: &mut Expr) -> Option<bool> {
        let Expr::Function(f) = e else { return None };
        let location = location_of(&f.name);
        match rewrite(f) {
            Outcome::Untouched => None,
            Outcome::Rewritten(expr) => {
                *e = *expr;
                Some(false)
            }
            Outcome::Refused(message) => {
                self.reject(Rule::UnsupportedSyntax, message, location);
                Some(true)
            }
        }
    }
}

fn rewrite(f: &Function) -> Outcome {
    let Some(WindowType::WindowSpec(spec)) = &f.over else {
        return Outcome::Untouched;
    };
    let Some(name) = crate::syntax::function_name(&f.name) else {
        return Outcome::Untouched;
    };
    if name == "nth_value" {
        return nth_value(f, spec);
    }
    let Some(frame) = &spec.window_frame else {
        return Outcome::Untouched;
    };
    let mut frameless = spec.clone();
    frameless.window_frame = None;
    if FRAMELESS.contains(&name.as_str()) {
        return Outcome::Rewritten(Box::new(over(f, frameless, None)));
    }
    let ordered = !spec.order_by.is_empty();
    // Without ORDER BY every row is a peer of every other: a RANGE frame from the current row on is the
    // whole partition.
    let extent = match extent(Some(frame)) {
        Extent::ToEnd(WindowFrameUnits::Range) if !ordered => Extent::Whole,
        other => other,
    };
    let mut last_first = frameless.clone();
    last_first.order_by = reversed(&spec.order_by);
    let aggregate = AGGREGATES.contains(&name.as_str());
    let rewritten = match (extent, name.as_str()) {
        (Extent::Whole, _) if aggregate => {
            let mut partition = frameless;
            partition.order_by.clear();
            over(f, partition, None)
        }
        (Extent::Whole, "first_value") => over(f, frameless, None),
        (Extent::Whole | Extent::ToEnd(_), "last_value") => {
            over(f, last_first, Some("first_value"))
        }
        (Extent::ToEnd(WindowFrameUnits::Rows), _) if aggregate && ordered => {
            last_first.window_frame = Some(running());
            over(f, last_first, None)
        }
        (Extent::ToEnd(WindowFrameUnits::Rows), "first_value")
            if ordered && f.null_treatment.is_none() =>
        {
            match crate::syntax::plain_args_of(&f.args).as_deref() {
                Some([x]) => Expr::Nested(Box::new((*x).clone())),
                _ => return Outcome::Untouched,
            }
        }
        _ => return Outcome::Untouched,
    };
    Outcome::Rewritten(Box::new(rewritten))
}

/// `NTH_VALUE(x, n) OVER (spec)` written with the windows Polars has (see the module's docs).
fn nth_value(f: &Function, spec: &WindowSpec) -> Outcome {
    const WRITE: &str = "write `NTH_VALUE(x, 2) OVER (PARTITION BY g ORDER BY t)` with a whole number from 1 \
                         and an ORDER BY, over the default frame, `ROWS BETWEEN UNBOUNDED PRECEDING AND \
                         CURRENT ROW`, `ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING` or `ROWS \
                         BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING`.";
    let args = crate::syntax::plain_args_of(&f.args);
    let (Some([x, n]), None, None) = (args.as_deref(), &f.filter, &f.null_treatment) else {
        return Outcome::Refused(format!(
            "NTH_VALUE takes a value and a position (no FILTER, IGNORE NULLS or DISTINCT): {WRITE}"
        ));
    };
    let Some(n) = crate::syntax::integer_literal(n).filter(|n| *n >= 1) else {
        return Outcome::Refused(format!(
            "NTH_VALUE's position must be a whole number from 1 written as a literal: {WRITE}"
        ));
    };
    if spec.order_by.is_empty() {
        return Outcome::Refused(format!(
            "NTH_VALUE without ORDER BY in its window picks an arbitrary row: {WRITE}"
        ));
    }
    let partition = crate::sqlite_calls::partition_of(&spec.partition_by);
    let window = window_text(&spec.partition_by, &spec.order_by);
    let nth = format!(
        "MAX(CASE WHEN ROW_NUMBER() OVER ({window}) = {n} THEN {x} END) OVER ({partition})"
    );
    let text = match extent(spec.window_frame.as_ref()) {
        Extent::Default => {
            let back = window_text(&spec.partition_by, &reversed(&spec.order_by));
            format!(
                "CASE WHEN COUNT(*) OVER ({partition}) - RANK() OVER ({back}) + 1 >= {n} THEN {nth} END"
            )
        }
        Extent::Running => {
            format!("CASE WHEN ROW_NUMBER() OVER ({window}) >= {n} THEN {nth} END")
        }
        Extent::Whole => nth,
        Extent::ToEnd(WindowFrameUnits::Rows) if n == 1 => format!("({x})"),
        Extent::ToEnd(WindowFrameUnits::Rows) => format!("LEAD({x}, {}) OVER ({window})", n - 1),
        _ => {
            return Outcome::Refused(format!(
                "NTH_VALUE over this frame is not supported: {WRITE}"
            ));
        }
    };
    match crate::parse_expression(&text) {
        Some(expr) => Outcome::Rewritten(Box::new(Expr::Nested(Box::new(expr)))),
        None => Outcome::Refused(format!("NTH_VALUE could not be rewritten here: {WRITE}")),
    }
}

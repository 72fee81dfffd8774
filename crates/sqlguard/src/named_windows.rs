//! Named windows (`SUM(x) OVER w ... WINDOW w AS (PARTITION BY g ORDER BY t)`, and `OVER (w ROWS ...)`),
//! which Polars SQL does not read: each use is replaced by the definition it names, so the normalised SQL
//! holds no WINDOW clause and is left alone when validated again.
//!
//! A window built on a named one takes the named one's PARTITION BY and ORDER BY and adds its own ORDER BY
//! (when the named one has none) and frame, as in SQL; what SQL forbids there (its own PARTITION BY, a second
//! ORDER BY, building on a window with a frame) is refused, as PostgreSQL refuses it.

use std::ops::ControlFlow;

use sqlparser::ast::{
    Expr, Ident, NamedWindowDefinition, NamedWindowExpr, OrderBy, Query, Select, VisitMut,
    VisitorMut, WindowSpec, WindowType,
};

/// Replaces every use of a named window in `s` (and in its query's `order_by`) by its definition and drops
/// the WINDOW clause; `Err` says what cannot be inlined.
pub(crate) fn inline(s: &mut Select, order_by: Option<&mut OrderBy>) -> Result<(), String> {
    if s.named_window.is_empty() {
        return Ok(());
    }
    // The visit recurses through every expression: a chain of thousands of ANDs would overflow the stack.
    if !crate::syntax::shallow(s)
        || order_by
            .as_deref()
            .is_some_and(|o| !crate::syntax::shallow(o))
    {
        return Err(
            "named windows in a query nested this deep cannot be read; write each window inline: \
                    `OVER (PARTITION BY ... ORDER BY ...)`."
                .into(),
        );
    }
    let definitions = std::mem::take(&mut s.named_window);
    let mut inliner = Inliner {
        definitions: &definitions,
        subqueries: 0,
        problem: None,
    };
    let _ = s.visit(&mut inliner);
    if let Some(order_by) = order_by {
        let _ = order_by.visit(&mut inliner);
    }
    inliner.problem.map_or(Ok(()), Err)
}

struct Inliner<'d> {
    definitions: &'d [NamedWindowDefinition],
    /// A subquery has its own WINDOW clause, inlined when it is walked.
    subqueries: usize,
    problem: Option<String>,
}

impl Inliner<'_> {
    /// The window `name` stands for, its references followed (at most once per definition: no cycle).
    fn resolve(&self, name: &Ident, hops: usize) -> Result<WindowSpec, String> {
        let definition = self
            .definitions
            .iter()
            .find(|d| d.0.value.eq_ignore_ascii_case(&name.value))
            .ok_or_else(|| {
                format!(
                    "the window `{name}` is not defined: define it in a WINDOW clause after WHERE/GROUP BY/HAVING \
                     (`WINDOW {name} AS (PARTITION BY ... ORDER BY ...)`), or write it inline: `OVER (PARTITION \
                     BY ... ORDER BY ...)`."
                )
            })?;
        if hops > self.definitions.len() {
            return Err(format!(
                "the window `{name}` is defined in terms of itself; write it inline."
            ));
        }
        match &definition.1 {
            NamedWindowExpr::NamedWindow(other) => self.resolve(other, hops + 1),
            NamedWindowExpr::WindowSpec(spec) => self.refined(spec, hops),
        }
    }

    /// `spec` with the named window it builds on (`(w ORDER BY t)`) written in.
    fn refined(&self, spec: &WindowSpec, hops: usize) -> Result<WindowSpec, String> {
        let Some(base_name) = &spec.window_name else {
            return Ok(spec.clone());
        };
        let base = self.resolve(base_name, hops + 1)?;
        if !spec.partition_by.is_empty() {
            return Err(format!(
                "a window built on the window `{base_name}` cannot have a PARTITION BY of its own: put the \
                 PARTITION BY in `{base_name}`, or write the window inline."
            ));
        }
        if !spec.order_by.is_empty() && !base.order_by.is_empty() {
            return Err(format!(
                "a window built on the window `{base_name}` cannot have an ORDER BY of its own, as \
                 `{base_name}` has one: write the window inline."
            ));
        }
        if base.window_frame.is_some() {
            return Err(format!(
                "a window cannot be built on the window `{base_name}`, which has a frame (ROWS/RANGE): write \
                 it inline, or use `OVER {base_name}` as it is."
            ));
        }
        Ok(WindowSpec {
            window_name: None,
            partition_by: base.partition_by,
            order_by: if base.order_by.is_empty() {
                spec.order_by.clone()
            } else {
                base.order_by
            },
            window_frame: spec.window_frame.clone(),
        })
    }
}

impl VisitorMut for Inliner<'_> {
    type Break = ();

    fn pre_visit_query(&mut self, _: &mut Query) -> ControlFlow<()> {
        self.subqueries += 1;
        ControlFlow::Continue(())
    }

    fn post_visit_query(&mut self, _: &mut Query) -> ControlFlow<()> {
        self.subqueries -= 1;
        ControlFlow::Continue(())
    }

    fn pre_visit_expr(&mut self, e: &mut Expr) -> ControlFlow<()> {
        let Expr::Function(f) = e else {
            return ControlFlow::Continue(());
        };
        if self.subqueries > 0 || self.problem.is_some() {
            return ControlFlow::Continue(());
        }
        let inlined = match &f.over {
            Some(WindowType::NamedWindow(name)) => self.resolve(name, 0),
            Some(WindowType::WindowSpec(spec)) if spec.window_name.is_some() => {
                self.refined(spec, 0)
            }
            _ => return ControlFlow::Continue(()),
        };
        match inlined {
            Ok(spec) => f.over = Some(WindowType::WindowSpec(spec)),
            Err(problem) => self.problem = Some(problem),
        }
        ControlFlow::Continue(())
    }
}

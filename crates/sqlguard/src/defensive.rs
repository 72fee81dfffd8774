//! Second, independent check of the normalised query using sqlparser's generic visitor.
//!
//! The main walk is an allowlist over node kinds; this pass re-parses what will actually run
//! and asserts the few properties security rests on (no nested statement, no table function,
//! only registered tables or CTE names, only allowlisted functions) with different code, so
//! a slip in one is caught by the other.

use std::ops::ControlFlow;

use sqlparser::ast::{
    Expr, ObjectName, ObjectNamePart, Query, Statement, TableFactor, Visit, Visitor,
};

use crate::catalog::Catalog;
use crate::functions;

struct Check<'a> {
    catalog: &'a Catalog,
    ctes: Vec<String>,
    relations: Vec<String>,
    problems: Vec<String>,
}

impl Visitor for Check<'_> {
    type Break = ();

    fn pre_visit_query(&mut self, query: &Query) -> ControlFlow<()> {
        if let Some(with) = &query.with {
            self.ctes
                .extend(with.cte_tables.iter().map(|c| c.alias.name.value.clone()));
        }
        ControlFlow::Continue(())
    }

    fn pre_visit_statement(&mut self, statement: &Statement) -> ControlFlow<()> {
        self.problems
            .push(format!("nested statement `{statement}`"));
        ControlFlow::Continue(())
    }

    fn pre_visit_relation(&mut self, relation: &ObjectName) -> ControlFlow<()> {
        match relation.0.as_slice() {
            [ObjectNamePart::Identifier(i)] => self.relations.push(i.value.clone()),
            _ => self
                .problems
                .push(format!("multi-part relation `{relation}`")),
        }
        ControlFlow::Continue(())
    }

    fn pre_visit_table_factor(&mut self, tf: &TableFactor) -> ControlFlow<()> {
        let ok = match tf {
            TableFactor::Table { args, .. } => args.is_none(),
            TableFactor::Derived { .. } | TableFactor::NestedJoin { .. } => true,
            _ => false,
        };
        if !ok {
            self.problems.push(format!("table factor `{tf}`"));
        }
        ControlFlow::Continue(())
    }

    fn pre_visit_expr(&mut self, expr: &Expr) -> ControlFlow<()> {
        if let Expr::Function(f) = expr {
            let allowed = match f.name.0.as_slice() {
                [ObjectNamePart::Identifier(i)] => functions::is_allowed(&i.value),
                _ => false,
            };
            if !allowed {
                self.problems.push(format!("function `{}`", f.name));
            }
        }
        ControlFlow::Continue(())
    }
}

/// Problems found in `query` (empty when it is safe to run).
pub(crate) fn check(query: &Query, catalog: &Catalog) -> Vec<String> {
    let mut c = Check {
        catalog,
        ctes: Vec::new(),
        relations: Vec::new(),
        problems: Vec::new(),
    };
    let _ = query.visit(&mut c);
    let Check {
        catalog,
        ctes,
        relations,
        mut problems,
    } = c;
    for r in relations {
        let registered = catalog.tables().iter().any(|t| t.name == r);
        if !registered && !ctes.contains(&r) {
            problems.push(format!(
                "relation `{r}` is neither a registered table nor a CTE"
            ));
        }
    }
    problems
}

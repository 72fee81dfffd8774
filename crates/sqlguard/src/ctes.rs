//! A query's WITH clause: each CTE walked, and known to the rest of the query by its name, columns and what
//! they hold (for the allowlisting walk of `walk.rs`).

use sqlparser::ast::Query;

use crate::scope::Relation;
use crate::walk::{Output, Walker};

impl Walker<'_> {
    /// Walks `q`'s CTEs and pushes their frame; false when `q` has no WITH (nothing pushed).
    pub(crate) fn with_clause(&mut self, q: &mut Query) -> bool {
        let Some(with) = q.with.as_mut() else {
            return false;
        };
        if with.recursive {
            self.unsupported("WITH RECURSIVE", "use a plain WITH clause.");
        }
        self.ctes.push(Vec::new());
        for cte in &mut with.cte_tables {
            if cte.from.is_some() || cte.materialized.is_some() {
                self.unsupported("a CTE modifier (MATERIALIZED / FROM)", "remove it.");
            }
            self.check_shadow(&cte.alias.name, "a WITH (CTE) name", None);
            let one_row = crate::joins::at_most_one_row(&cte.query);
            let mut out = self.query(&mut cte.query);
            // What its columns hold, for literals compared with them (`literals`) and date
            // differences, as for a derived table; under the new names when the CTE renames them.
            let mut kinds = self.output_kinds(&cte.query, &out.columns);
            if !cte.alias.columns.is_empty() {
                let outer: Vec<String> = cte
                    .alias
                    .columns
                    .iter()
                    .map(|c| c.name.value.clone())
                    .collect();
                kinds = kinds.renamed(&out.columns, &outer, out.open);
                let dates =
                    crate::output_kinds::renamed(&out.dates, &out.columns, &outer, out.open);
                out = Output {
                    columns: outer,
                    open: false,
                    dates,
                };
            }
            let rel = Relation::derived(
                cte.alias.name.value.clone(),
                format!("WITH query `{}`", cte.alias.name.value),
                out,
                kinds,
                one_row,
            );
            if let Some(frame) = self.ctes.last_mut() {
                frame.push(rel);
            }
        }
        true
    }
}

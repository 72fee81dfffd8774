//! What the output columns of a walked subquery or WITH query hold (numbers, text, true/false, datetimes), so
//! that the readings of literals and date parts that apply to stored columns apply to theirs too.

use sqlparser::ast::{Expr, Query, Select, SelectItem, SetExpr, TableFactor};

use crate::scope::{Relation, SelectScope};
use crate::walk::Walker;

/// Which output columns of a walked query hold numbers, text, true/false and datetimes.
#[derive(Default)]
pub(crate) struct Kinds {
    pub numeric: Vec<String>,
    pub texts: Vec<String>,
    pub booleans: Vec<String>,
    pub datetimes: Vec<String>,
    /// Those never NULL whatever the rows (ranks, counts, a CASE of constants): a window over them needs no
    /// NULL flag, and a RANK over several keys may take them after a key that may be NULL (see
    /// `window_directions::rank_of_later_nulls`, whose advice is such a WITH query).
    pub not_null: Vec<String>,
}

impl Walker<'_> {
    /// The kinds of `q`'s output `columns` (once walked, so its names are exact), where an output passes a
    /// column through (`x`, `x AS y`, `MIN(x)`, `MAX(x)`) or counts: so that a literal compared with a
    /// subquery's or CTE's column is read as one compared with a stored column (`literals`).
    pub(crate) fn output_kinds(&self, q: &Query, columns: &[String]) -> Kinds {
        self.body_kinds(&q.body, columns)
    }

    /// The kinds of a query body's output: a set operation's are its first branch's, whose names and types
    /// its output takes (`flag = 'yes'` over a UNION ALL of true/false columns matched nothing).
    fn body_kinds(&self, body: &SetExpr, columns: &[String]) -> Kinds {
        match body {
            SetExpr::Select(select) if !self.too_deep() => self.select_kinds(select, columns),
            SetExpr::SetOperation { left, .. } => {
                // Another branch may give the column NULLs.
                let mut kinds = self.body_kinds(left, columns);
                kinds.not_null.clear();
                kinds
            }
            SetExpr::Query(q) => self.body_kinds(&q.body, columns),
            _ => Kinds::default(),
        }
    }

    /// The scopes `select` (walked) sees: the enclosing ones and its FROM clause's tables and WITH queries.
    pub(crate) fn scopes_of(&self, select: &Select) -> Vec<SelectScope> {
        let mut relations = Vec::new();
        for from in &select.from {
            let factors =
                std::iter::once(&from.relation).chain(from.joins.iter().map(|j| &j.relation));
            for factor in factors {
                if let TableFactor::Table { name, alias, .. } = factor
                    && let Some(relation) = self.relation_named(name, alias.as_ref())
                {
                    relations.push(relation);
                }
            }
        }
        let mut scopes = self.scopes.clone();
        scopes.push(SelectScope {
            relations,
            ..SelectScope::default()
        });
        scopes
    }

    fn select_kinds(&self, select: &Select, columns: &[String]) -> Kinds {
        let mut kinds = Kinds::default();
        let scopes = self.scopes_of(select);
        for item in &select.projection {
            let (expr, name) = match item {
                SelectItem::ExprWithAlias { expr, alias } => (expr, alias.value.clone()),
                SelectItem::UnnamedExpr(expr @ Expr::Identifier(ident)) => {
                    (expr, ident.value.clone())
                }
                SelectItem::UnnamedExpr(expr @ Expr::CompoundIdentifier(parts)) => {
                    let Some(last) = parts.last() else { continue };
                    (expr, last.value.clone())
                }
                SelectItem::Wildcard(_) | SelectItem::QualifiedWildcard(..) => {
                    for relation in scopes.last().map_or(&[][..], |s| &s.relations[..]) {
                        kinds.numeric.extend(relation.numeric.iter().cloned());
                        kinds.texts.extend(relation.texts.iter().cloned());
                        kinds.booleans.extend(relation.booleans.iter().cloned());
                        kinds.datetimes.extend(relation.datetimes.iter().cloned());
                    }
                    continue;
                }
                _ => continue,
            };
            if !columns.contains(&name) {
                continue;
            }
            let mut inner = expr;
            loop {
                match inner {
                    Expr::Nested(x) => inner = x,
                    Expr::Function(f)
                        if f.over.is_none()
                            && matches!(
                                crate::syntax::function_name(&f.name).as_deref(),
                                Some("min" | "max" | "any_value" | "first" | "last")
                            ) =>
                    {
                        match crate::syntax::plain_args_of(&f.args).as_deref() {
                            Some([x]) => inner = x,
                            _ => break,
                        }
                    }
                    _ => break,
                }
            }
            let of = |kind: fn(&Relation) -> &Vec<String>| {
                crate::compat::is_column_of_kind(&scopes, inner, kind)
            };
            let counts = matches!(inner, Expr::Function(f) if f.over.is_none()
                && crate::syntax::function_name(&f.name).as_deref() == Some("count"));
            // Without the scopes: a stored column's NULLs may come back through an outer join.
            if crate::windows::holds_no_nulls(&[], expr) {
                kinds.not_null.push(name.clone());
            }
            if counts || of(|r| &r.numeric) {
                kinds.numeric.push(name);
            } else if of(|r| &r.texts) {
                kinds.texts.push(name);
            } else if of(|r| &r.booleans) {
                kinds.booleans.push(name);
            } else if of(|r| &r.datetimes) {
                kinds.datetimes.push(name);
            }
        }
        // A wildcard's kinds name only the output's columns.
        for list in [
            &mut kinds.numeric,
            &mut kinds.texts,
            &mut kinds.booleans,
            &mut kinds.datetimes,
        ] {
            list.retain(|c| columns.contains(c));
        }
        kinds
    }
}

/// `list` (names among `inner`) named as `outer` names the same positions: a WITH query or derived table
/// that renames its columns (`WITH c(p, q) AS (...)`) keeps what they hold. Empty when the output is open
/// (`*`, whose columns are not all known) or the counts differ.
pub(crate) fn renamed(
    list: &[String],
    inner: &[String],
    outer: &[String],
    open: bool,
) -> Vec<String> {
    if open || inner.len() != outer.len() {
        return Vec::new();
    }
    inner
        .iter()
        .zip(outer)
        .filter(|(i, _)| list.contains(i))
        .map(|(_, o)| o.clone())
        .collect()
}

impl Kinds {
    /// These kinds under the names `outer` gives `inner`'s positions (see [`renamed`]).
    pub(crate) fn renamed(&self, inner: &[String], outer: &[String], open: bool) -> Kinds {
        let each = |list: &[String]| renamed(list, inner, outer, open);
        Kinds {
            numeric: each(&self.numeric),
            texts: each(&self.texts),
            booleans: each(&self.booleans),
            datetimes: each(&self.datetimes),
            not_null: each(&self.not_null),
        }
    }
}

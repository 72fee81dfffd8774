//! SQLite's "bare columns": a column in an aggregate query that is neither grouped nor aggregated.
//!
//! PostgreSQL rejects them and Polars reports them as an error; SQLite (and MySQL) answer, and Spider-style
//! questions rely on it: with a single `min(x)` or `max(x)`, a bare column takes its value from the row
//! holding that minimum or maximum ("the language with the highest percentage"); otherwise from the first
//! row of the group. Each is rewritten to the aggregate that says so, with a note.

use sqlparser::ast::{
    Expr, Function, FunctionArg, FunctionArgExpr, FunctionArguments, GroupByExpr, Ident, Select,
    SelectItem,
};

use crate::issue::Rule;
use crate::syntax::integer_literal;
use crate::walk::Walker;

/// Functions that aggregate rows (when called without OVER).
const AGGREGATES: &[&str] = &[
    "array_agg",
    "avg",
    "bit_and",
    "bit_or",
    "bit_xor",
    "corr",
    "count",
    "covar",
    "covar_pop",
    "covar_samp",
    "first",
    "group_concat",
    "last",
    "listagg",
    "max",
    "median",
    "min",
    "quantile_cont",
    "quantile_disc",
    "stddev",
    "stddev_samp",
    "stdev",
    "stdev_samp",
    "string_agg",
    "sum",
    "total",
    "var",
    "var_samp",
    "variance",
];

fn function_name(f: &Function) -> Option<String> {
    crate::syntax::function_name(&f.name)
}

/// True for a call that aggregates rows (`count(*)`, not `count(*) OVER (...)`).
pub(crate) fn is_aggregate(f: &Function) -> bool {
    f.over.is_none() && function_name(f).is_some_and(|name| AGGREGATES.contains(&name.as_str()))
}

/// Aggregate calls in `e` (not looking inside them), bounded in depth like everything else here.
pub(crate) fn aggregates<'e>(e: &'e Expr, found: &mut Vec<&'e Function>, depth: usize) {
    if depth > 64 {
        return;
    }
    let mut visit = |x: &'e Expr| aggregates(x, found, depth + 1);
    match e {
        Expr::Function(f) => {
            let name = function_name(f).unwrap_or_default();
            if f.over.is_none() && AGGREGATES.contains(&name.as_str()) {
                found.push(f);
            } else if let FunctionArguments::List(list) = &f.args {
                for arg in &list.args {
                    if let FunctionArg::Unnamed(FunctionArgExpr::Expr(x)) = arg {
                        visit(x);
                    }
                }
            }
        }
        Expr::BinaryOp { left, right, .. } => {
            visit(left);
            visit(right);
        }
        Expr::UnaryOp { expr, .. }
        | Expr::Nested(expr)
        | Expr::Cast { expr, .. }
        | Expr::IsNull(expr)
        | Expr::IsNotNull(expr)
        | Expr::IsTrue(expr)
        | Expr::IsNotTrue(expr)
        | Expr::IsFalse(expr)
        | Expr::IsNotFalse(expr) => visit(expr),
        Expr::Between {
            expr, low, high, ..
        } => {
            visit(expr);
            visit(low);
            visit(high);
        }
        Expr::InList { expr, list, .. } => {
            visit(expr);
            list.iter().for_each(&mut visit);
        }
        Expr::InSubquery { expr, .. } => visit(expr),
        Expr::Like { expr, pattern, .. } | Expr::ILike { expr, pattern, .. } => {
            visit(expr);
            visit(pattern);
        }
        Expr::IsDistinctFrom(a, b) | Expr::IsNotDistinctFrom(a, b) => {
            visit(a);
            visit(b);
        }
        Expr::Case {
            operand,
            conditions,
            else_result,
            ..
        } => {
            operand.iter().for_each(|x| visit(x));
            for c in conditions {
                visit(&c.condition);
                visit(&c.result);
            }
            else_result.iter().for_each(|x| visit(x));
        }
        _ => {}
    }
}

/// The column a bare reference names (`c` or `t.c`), if `e` is one.
fn column_of(e: &Expr) -> Option<&Ident> {
    match e {
        Expr::Identifier(i) => Some(i),
        Expr::CompoundIdentifier(parts) if parts.len() == 2 => parts.last(),
        _ => None,
    }
}

/// `min(x)` / `max(x)` with one plain argument: (is max, x).
fn min_or_max(f: &Function) -> Option<(bool, &Expr)> {
    let is_max = match function_name(f)?.as_str() {
        "max" => true,
        "min" => false,
        _ => return None,
    };
    let FunctionArguments::List(list) = &f.args else {
        return None;
    };
    match list.args.as_slice() {
        [FunctionArg::Unnamed(FunctionArgExpr::Expr(x))] if list.duplicate_treatment.is_none() => {
            Some((is_max, x))
        }
        _ => None,
    }
}

impl Walker<'_> {
    pub(crate) fn bare_columns(&mut self, s: &mut Select) {
        let keys: Vec<Expr> = match &s.group_by {
            GroupByExpr::Expressions(keys, _) => keys.clone(),
            GroupByExpr::All(_) => return,
        };
        let mut found = Vec::new();
        for item in &s.projection {
            if let SelectItem::UnnamedExpr(e) | SelectItem::ExprWithAlias { expr: e, .. } = item {
                aggregates(e, &mut found, 0);
            }
        }
        if keys.is_empty() && found.is_empty() {
            return;
        }
        let source = match found.as_slice() {
            [only] => min_or_max(only).map(|(max, x)| (max, x.to_string())),
            _ => None,
        };
        // A key names an output column by its position (`GROUP BY 1`), by its alias, or by the column itself.
        let grouped = |position: usize, column: &Ident, alias: Option<&Ident>| {
            keys.iter().any(|k| {
                integer_literal(k).is_some_and(|n| usize::try_from(n) == Ok(position))
                    || column_of(k).is_some_and(|key| {
                        key.value == column.value || alias.is_some_and(|a| a.value == key.value)
                    })
            })
        };
        for (index, item) in s.projection.iter_mut().enumerate() {
            let (expr, alias) = match item {
                SelectItem::UnnamedExpr(e) => (e, None),
                SelectItem::ExprWithAlias { expr, alias } => (expr, Some(alias.clone())),
                _ => continue,
            };
            let Some(column) = column_of(expr)
                .filter(|c| !grouped(index + 1, c, alias.as_ref()))
                .cloned()
            else {
                continue;
            };
            let written = expr.to_string();
            let (text, how) = match &source {
                Some((max, x)) => (
                    format!(
                        "array_get(array_agg({written} ORDER BY {x} {} NULLS LAST), 1)",
                        if *max { "DESC" } else { "ASC" }
                    ),
                    format!(
                        "the row with the {} `{x}`",
                        if *max { "largest" } else { "smallest" }
                    ),
                ),
                None => (
                    format!("first({written})"),
                    "the first row of each group".into(),
                ),
            };
            let Some(replacement) = crate::parse_expression(&text) else {
                continue;
            };
            self.note(
                Rule::BareColumn,
                format!(
                    "`{}` is neither grouped nor aggregated; it shows the value from {how}, as SQLite does.",
                    column.value
                ),
                None,
            );
            let alias = alias.unwrap_or_else(|| Ident::with_quote('"', column.value.clone()));
            *item = SelectItem::ExprWithAlias {
                expr: replacement,
                alias,
            };
        }
    }
}

//! `SUM(DISTINCT x) FILTER (WHERE c)`: Polars refuses DISTINCT in SUM and AVG (`sqlite_calls` writes those out
//! over a list of the distinct values) and that form takes no FILTER. The filter moves into the argument,
//! `SUM(DISTINCT CASE WHEN c THEN x END)`, which is the same: rows where `c` is not true give NULL, which the
//! aggregate skips, as FILTER leaves them out. COUNT(DISTINCT ...) alike.

use sqlparser::ast::{DuplicateTreatment, Expr, FunctionArg, FunctionArgExpr, FunctionArguments};

/// Rewrites `e` in place when it is `SUM`, `AVG` or `COUNT` of `DISTINCT x` with a FILTER and no OVER.
pub(crate) fn distinct_with_filter(e: &mut Expr) {
    let Expr::Function(f) = e else {
        return;
    };
    if f.over.is_some() || f.filter.is_none() {
        return;
    }
    let Some(name) = crate::syntax::function_name(&f.name) else {
        return;
    };
    if !matches!(name.as_str(), "sum" | "avg" | "count") {
        return;
    }
    let FunctionArguments::List(list) = &mut f.args else {
        return;
    };
    if list.duplicate_treatment != Some(DuplicateTreatment::Distinct) || !list.clauses.is_empty() {
        return;
    }
    let [FunctionArg::Unnamed(FunctionArgExpr::Expr(x))] = list.args.as_mut_slice() else {
        return;
    };
    let Some(condition) = f.filter.as_deref() else {
        return;
    };
    let Some(case) = crate::parse_expression(&format!("CASE WHEN {condition} THEN {x} END")) else {
        return;
    };
    *x = case;
    f.filter = None;
}

//! Calls that SQL written for SQLite, MySQL or PostgreSQL makes and Polars lacks, respelled before they are
//! checked as what Polars has with the same meaning.
//!
//! - `INSTR(s, t)` is `STRPOS(s, t)`.
//! - SQLite's scalar `MAX(a, b)` and `MIN(a, b)` are `GREATEST` and `LEAST`, NULL when an argument is.
//! - `STDDEV_POP` and `VAR_POP` (PostgreSQL), which Polars lacks, from its sample statistics.
//! - `NTILE(n) OVER (...)`: the bucket of each row, from its row number and the partition's row count, as
//!   SQL deals rows out (the first `count % n` buckets get one row more).
//! - `CAST(x AS DECIMAL(p, s))` / `NUMERIC(p, s)`: Polars has no such cast ("datatype Decimal ... is not
//!   currently supported"); it is the number rounded to `s` places, as a float.
//! - SQLite's `TOTAL(x)`: `COALESCE(SUM(CAST(x AS DOUBLE)), 0.0)`, a float, 0.0 where SUM is NULL.

use sqlparser::ast::{
    CastKind, DataType, ExactNumberInfo, Expr, FunctionArg, FunctionArgExpr, FunctionArguments,
    Ident, ObjectName, ObjectNamePart, WindowType,
};

/// Respells `e` when it is one of the calls above; it is then checked like anything else.
pub(crate) fn respell(e: &mut Expr) {
    crate::foreign_calls::distinct_from_precedence(e);
    if let Some(text) = crate::foreign_calls::respelled(e) {
        replace(e, &text);
        return;
    }
    let text = match e {
        Expr::Function(f) => {
            let Some(name) = crate::syntax::function_name(&f.name) else {
                return;
            };
            let args = crate::syntax::plain_args_of(&f.args);
            match (name.as_str(), &f.over) {
                ("instr", None) if args.as_ref().is_some_and(|a| a.len() == 2) => {
                    f.name = ObjectName(vec![ObjectNamePart::Identifier(Ident::new("strpos"))]);
                    return;
                }
                // NULL when any argument is, as in SQLite (GREATEST and LEAST skip NULLs). The test repeats
                // each argument, so nested calls would double at every level: an argument holding another
                // call keeps Polars' NULL-skipping, and the size of the result is capped in `lib.rs`.
                ("max" | "min", None)
                    if f.filter.is_none() && args.as_ref().is_some_and(|a| a.len() >= 2) =>
                {
                    let args = args.unwrap_or_default();
                    let scalar = if name == "max" { "GREATEST" } else { "LEAST" };
                    let list: Vec<String> = args.iter().map(ToString::to_string).collect();
                    if args.iter().any(|a| holds_a_call(a)) {
                        format!("{scalar}({})", list.join(", "))
                    } else {
                        let nulls: Vec<String> =
                            args.iter().map(|a| format!("({a}) IS NULL")).collect();
                        format!(
                            "CASE WHEN {} THEN NULL ELSE {scalar}({}) END",
                            nulls.join(" OR "),
                            list.join(", ")
                        )
                    }
                }

                // The population statistics, from Polars' sample ones (which divide by n - 1).
                ("stddev_pop" | "var_pop", None) if f.filter.is_none() => {
                    let Some([x]) = args.as_deref() else { return };
                    let scale = format!("(COUNT({x}) - 1.0) / COUNT({x})");
                    let value = if name == "stddev_pop" {
                        format!("STDDEV({x}) * SQRT({scale})")
                    } else {
                        format!("VARIANCE({x}) * {scale}")
                    };
                    format!("CASE WHEN COUNT({x}) = 1 THEN 0.0 ELSE {value} END")
                }
                // Polars refuses DISTINCT inside SUM and AVG: the distinct values are gathered as a list
                // (ARRAY_UNIQUE keeps one NULL, which ARRAY_SUM and ARRAY_MEAN skip). A sum of no values is
                // NULL in SQL, 0 as a list's sum.
                ("sum" | "avg", None) if f.filter.is_none() => {
                    let Some(x) = distinct_argument(&f.args) else {
                        return;
                    };
                    let distinct = format!("ARRAY_UNIQUE(ARRAY_AGG({x}))");
                    if name == "sum" {
                        format!("CASE WHEN COUNT({x}) = 0 THEN NULL ELSE ARRAY_SUM({distinct}) END")
                    } else {
                        format!("ARRAY_MEAN({distinct})")
                    }
                }
                // DISTINCT changes no MIN or MAX; Polars refused it ("unexpected use of DISTINCT").
                ("min" | "max", _) if distinct_argument(&f.args).is_some() => {
                    if let FunctionArguments::List(list) = &mut f.args {
                        list.duplicate_treatment = None;
                    }
                    return;
                }
                // MySQL's and SQL Server's date parts.
                (
                    part @ ("year" | "month" | "day" | "hour" | "minute" | "second" | "quarter"
                    | "dayofyear"),
                    None,
                ) if f.filter.is_none() => {
                    let Some([x]) = args.as_deref() else { return };
                    let field = if part == "dayofyear" { "DOY" } else { part };
                    format!("EXTRACT({} FROM {x})", field.to_ascii_uppercase())
                }
                // SQLite's TOTAL is a float, and 0.0 over no rows or only NULLs; Polars' is its SUM (an
                // integer sum of an integer column, NULL over no rows).
                ("total", _) => {
                    let FunctionArguments::List(list) = &mut f.args else {
                        return;
                    };
                    let [FunctionArg::Unnamed(FunctionArgExpr::Expr(x))] = list.args.as_mut_slice()
                    else {
                        return;
                    };
                    if !list.clauses.is_empty() {
                        return;
                    }
                    let Some(cast) = crate::parse_expression(&format!("CAST({x} AS DOUBLE)"))
                    else {
                        return;
                    };
                    *x = cast;
                    f.name = ObjectName(vec![ObjectNamePart::Identifier(Ident::new("SUM"))]);
                    format!("COALESCE({f}, 0.0)")
                }
                ("ntile", Some(WindowType::WindowSpec(spec))) => {
                    let Some([n]) = args.as_deref() else { return };
                    let Some(n) = crate::syntax::integer_literal(n).filter(|n| *n > 0) else {
                        return;
                    };
                    ntile(n, &spec.to_string(), &partition_of(&spec.partition_by))
                }
                _ => return,
            }
        }
        // `TRIM(s, 'x')` (SQLite, PostgreSQL's BTRIM): Polars knows only the two one-sided calls with characters.
        Expr::Trim {
            expr,
            trim_where: None,
            trim_what: None,
            trim_characters: Some(chars),
        } => match chars.as_slice() {
            [c] => format!("LTRIM(RTRIM({expr}, {c}), {c})"),
            _ => return,
        },
        Expr::Cast {
            kind,
            expr,
            data_type: DataType::Decimal(info) | DataType::Numeric(info) | DataType::Dec(info),
            array: false,
            format: None,
        } => {
            // A TRY_CAST stays one: NULL for text that is no number (it failed, as a CAST).
            let cast = match kind {
                CastKind::TryCast | CastKind::SafeCast => "TRY_CAST",
                CastKind::Cast | CastKind::DoubleColon => "CAST",
            };
            match info {
                ExactNumberInfo::PrecisionAndScale(_, scale) => {
                    format!("ROUND({cast}({expr} AS DOUBLE), {scale})")
                }
                _ => format!("{cast}({expr} AS DOUBLE)"),
            }
        }
        _ => return,
    };
    replace(e, &text);
}

/// `e` becomes the expression `text` (when it parses).
fn replace(e: &mut Expr, text: &str) {
    // Brackets only where precedence needs them: each pair counts toward the nesting limit, which the
    // calculator's second validation of this SQL applies again.
    if let Some(respelled) = crate::parse_expression(text) {
        *e = match respelled {
            Expr::Function(_) | Expr::Case { .. } | Expr::Cast { .. } => respelled,
            other => Expr::Nested(Box::new(other)),
        };
    }
}

/// Row `r` (from 0) of `count` rows in `n` buckets: the first `count % n` buckets hold `count / n + 1` rows,
/// the rest `count / n`.
fn ntile(n: i64, window: &str, partition: &str) -> String {
    let r = format!("(ROW_NUMBER() OVER ({window}) - 1)");
    let count = format!("COUNT(*) OVER ({partition})");
    let size = format!("FLOOR({count} / {n})");
    let big = format!("(({count} % {n}) * ({size} + 1))");
    format!(
        "CAST(CASE WHEN {r} < {big} THEN FLOOR({r} / ({size} + 1)) + 1 \
         ELSE FLOOR(({r} - {big}) / {size}) + {count} % {n} + 1 END AS BIGINT)"
    )
}

/// True when `e` calls any function (checked to a bounded depth; see `syntax::shallow`).
fn holds_a_call(e: &Expr) -> bool {
    sqlparser::ast::visit_expressions(e, |x| match x {
        Expr::Function(_) => std::ops::ControlFlow::Break(()),
        _ => std::ops::ControlFlow::Continue(()),
    })
    .is_break()
}

/// `PARTITION BY <keys>`, or nothing.
pub(crate) fn partition_of(keys: &[Expr]) -> String {
    if keys.is_empty() {
        return String::new();
    }
    let keys: Vec<String> = keys.iter().map(ToString::to_string).collect();
    format!("PARTITION BY {}", keys.join(", "))
}

/// The one argument of `f(DISTINCT x)`.
fn distinct_argument(args: &FunctionArguments) -> Option<&Expr> {
    let FunctionArguments::List(list) = args else {
        return None;
    };
    if list.duplicate_treatment != Some(sqlparser::ast::DuplicateTreatment::Distinct)
        || !list.clauses.is_empty()
    {
        return None;
    }
    match list.args.as_slice() {
        [arg] => crate::syntax::plain_arg(arg),
        _ => None,
    }
}

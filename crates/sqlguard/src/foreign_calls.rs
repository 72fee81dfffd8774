//! Calls of other databases that models write, respelled as what Polars has with the same meaning, and
//! advice for those that stay refused.
//!
//! - Oracle's `NVL(a, b)` and SQL Server's `ISNULL(a, b)` are `COALESCE(a, b)`; MySQL's `ISNULL(a)` is
//!   `a IS NULL`; Oracle's `NVL2(a, b, c)` is `CASE WHEN a IS NOT NULL THEN b ELSE c END`.
//! - SQL Server's `IIF(c, a, b)` is `CASE WHEN c THEN a ELSE b END`.
//! - `LEN(s)` is `LENGTH(s)`; `CHARINDEX(needle, haystack)` is `STRPOS(haystack, needle)`.
//! - PostgreSQL's `BOOL_AND(x)`/`EVERY(x)` and `BOOL_OR(x)` are `MIN(x)` and `MAX(x)` of the boolean (false
//!   sorts before true; NULLs are skipped, and no values give NULL, as in PostgreSQL).
//! - `PERCENT_RANK() OVER (w)`: `(RANK() - 1) / (rows in the partition - 1)`, 0 for a partition of one row.
//! - `CUME_DIST() OVER (w)`: the rows up to the current one and its peers over the partition's rows; the
//!   rows sorting after the current one are `RANK()` in the reversed order, less one, so ties count whole.
//! - `agg(x) FILTER (WHERE c) OVER (w)`, which Polars refuses ("'FILTER' combined with 'OVER' is not
//!   supported"): `COUNT(*)` is `SUM(CASE WHEN c THEN 1 ELSE 0 END)`, `COUNT(x)` also tests `x IS NOT NULL`,
//!   `SUM`/`AVG`/`MIN`/`MAX(x)` take `CASE WHEN c THEN x END` (NULL outside the filter, which they skip).

use sqlparser::ast::{
    Expr, Function, FunctionArg, FunctionArgExpr, FunctionArguments, Ident, ObjectName,
    ObjectNamePart, OrderByExpr, WindowSpec, WindowType,
};

/// The SQL that stands for `e` when it is one of the calls above, or `None`.
pub(crate) fn respelled(e: &mut Expr) -> Option<String> {
    let Expr::Function(f) = e else { return None };
    let name = crate::syntax::function_name(&f.name)?;
    if let Some(text) = filtered_window(f, &name) {
        return Some(text);
    }
    let args = crate::syntax::plain_args_of(&f.args);
    let plain = f.over.is_none() && f.filter.is_none();
    if let Some(text) = percentile(f, &name) {
        return Some(text);
    }
    match (name.as_str(), args.as_deref()) {
        ("nvl" | "isnull", Some([a, b])) if plain => Some(format!("COALESCE({a}, {b})")),
        ("isnull", Some([a])) if plain => Some(format!("({a}) IS NULL")),
        ("nvl2", Some([a, b, c])) if plain => {
            Some(format!("CASE WHEN ({a}) IS NOT NULL THEN {b} ELSE {c} END"))
        }
        ("iif", Some([c, a, b])) if plain => Some(format!("CASE WHEN {c} THEN {a} ELSE {b} END")),
        ("charindex", Some([needle, haystack])) if plain => {
            Some(format!("STRPOS({haystack}, {needle})"))
        }
        // SQL Server's LEN leaves out trailing spaces.
        ("len", Some([a])) if plain => Some(format!("LENGTH(RTRIM({a}, ' '))")),
        ("bool_and" | "every" | "bool_or", Some([_])) => {
            rename(f, if name == "bool_or" { "max" } else { "min" });
            None
        }
        ("percent_rank" | "cume_dist", Some([])) if f.filter.is_none() => {
            let Some(WindowType::WindowSpec(spec)) = &f.over else {
                return None;
            };
            Some(rank_fraction(&name, spec))
        }
        _ => None,
    }
}

/// `PERCENTILE_CONT(p) WITHIN GROUP (ORDER BY x)` (PostgreSQL, SQL Server, Oracle) is Polars'
/// `QUANTILE_CONT(x, p)`, both interpolating linearly; sorted descending it is the `1 - p` quantile.
/// `PERCENTILE_DISC` is `QUANTILE_DISC` sorted ascending (the first value whose share of the rows up to it
/// reaches `p`).
fn percentile(f: &Function, name: &str) -> Option<String> {
    let quantile = match name {
        "percentile_cont" => "QUANTILE_CONT",
        "percentile_disc" => "QUANTILE_DISC",
        _ => return None,
    };
    let args = crate::syntax::plain_args_of(&f.args);
    let ([order], Some([p])) = (f.within_group.as_slice(), args.as_deref()) else {
        return None;
    };
    if f.over.is_some() || f.filter.is_some() || order.with_fill.is_some() {
        return None;
    }
    let p: f64 = p
        .to_string()
        .parse()
        .ok()
        .filter(|p| (0.0..=1.0).contains(p))?;
    let descending = order.options.asc == Some(false);
    let p = match (descending, quantile) {
        (false, _) => p,
        // Rounded: 1 - 0.9 is 0.09999999999999998.
        (true, "QUANTILE_CONT") => ((1.0 - p) * 1e12).round() / 1e12,
        (true, _) => return None,
    };
    Some(format!("{quantile}({}, {p:?})", order.expr))
}

/// Why a PERCENTILE_CONT/DISC call was not respelled by [`percentile`], or `None` for other calls.
pub(crate) fn percentile_refusal(f: &Function, name: &str) -> Option<&'static str> {
    if !matches!(name, "percentile_cont" | "percentile_disc") {
        return None;
    }
    let args = crate::syntax::plain_args_of(&f.args);
    let fraction = args
        .as_deref()
        .and_then(|a| match a {
            [p] => p.to_string().parse::<f64>().ok(),
            _ => None,
        })
        .is_some_and(|p| (0.0..=1.0).contains(&p));
    Some(match f.within_group.as_slice() {
        [] => "without WITHIN GROUP (ORDER BY x)",
        [_, _, ..] => "with more than one ORDER BY key",
        _ if f.over.is_some() => "as a window (OVER)",
        _ if f.filter.is_some() => "with FILTER",
        _ if !fraction => "with anything but one fraction from 0 to 1",
        [order] if order.options.asc == Some(false) => "sorted descending (PERCENTILE_DISC)",
        _ => "in this form",
    })
}

fn rename(f: &mut Function, to: &str) {
    f.name = ObjectName(vec![ObjectNamePart::Identifier(Ident::new(to))]);
}

/// PERCENT_RANK or CUME_DIST over `spec`, from RANK and COUNT (which Polars has). A frame does not apply to
/// either, and without ORDER BY every row is a peer of every other.
fn rank_fraction(name: &str, spec: &WindowSpec) -> String {
    if spec.order_by.is_empty() {
        return if name == "percent_rank" { "0.0" } else { "1.0" }.into();
    }
    let partition = crate::sqlite_calls::partition_of(&spec.partition_by);
    let count = format!("COUNT(*) OVER ({partition})");
    // Polars divides by a single value (a count over the whole table) as a multiplication by its reciprocal
    // (3 / 5 gave 0.6000000000000001): `0 * RANK()` makes the count a column, divided row by row.
    let per_row = |window: &str| {
        if partition.is_empty() {
            format!(" + 0 * RANK() OVER ({window})")
        } else {
            String::new()
        }
    };
    if name == "percent_rank" {
        let window = window_text(&partition, &spec.order_by);
        let pad = per_row(&window);
        return format!(
            "CASE WHEN {count} = 1 THEN 0.0 ELSE (RANK() OVER ({window}) - 1) / ({count} - 1.0{pad}) END"
        );
    }
    // NULLs sort last both ways unless the query says otherwise (as `Walker::order_by` and the windows'
    // NULL placement read it), so the reversed order puts them first unless they were written first.
    let reversed = crate::partition_frames::reversed(&spec.order_by);
    let window = window_text(&partition, &reversed);
    let pad = per_row(&window);
    format!("({count} - RANK() OVER ({window}) + 1) / (({count}{pad}) * 1.0)")
}

fn window_text(partition: &str, order_by: &[OrderByExpr]) -> String {
    let keys: Vec<String> = order_by.iter().map(ToString::to_string).collect();
    format!("{partition} ORDER BY {}", keys.join(", "))
        .trim_start()
        .to_string()
}

/// `agg(x) FILTER (WHERE c) OVER (w)` as the aggregate of a CASE, for the aggregates that skip NULLs.
fn filtered_window(f: &Function, name: &str) -> Option<String> {
    let (Some(filter), Some(WindowType::WindowSpec(spec))) = (&f.filter, &f.over) else {
        return None;
    };
    let FunctionArguments::List(list) = &f.args else {
        return None;
    };
    if list.duplicate_treatment.is_some() || !list.clauses.is_empty() {
        return None;
    }
    let over = format!("OVER ({spec})");
    match (name, list.args.as_slice()) {
        ("count", [FunctionArg::Unnamed(FunctionArgExpr::Wildcard)]) => {
            Some(format!("SUM(CASE WHEN {filter} THEN 1 ELSE 0 END) {over}"))
        }
        ("count", [arg]) => {
            let x = crate::syntax::plain_arg(arg)?;
            Some(format!(
                "SUM(CASE WHEN ({filter}) AND ({x}) IS NOT NULL THEN 1 ELSE 0 END) {over}"
            ))
        }
        ("sum" | "avg" | "min" | "max", [arg]) => {
            let x = crate::syntax::plain_arg(arg)?;
            Some(format!(
                "{}(CASE WHEN {filter} THEN {x} END) {over}",
                name.to_ascii_uppercase()
            ))
        }
        _ => None,
    }
}

/// What to write instead of a call of another database that is not respelled (or not with these
/// arguments).
pub(crate) fn advice(name: &str) -> Option<&'static str> {
    Some(match name {
        "percentile_cont" | "percentile_disc" => {
            "write `QUANTILE_CONT(x, 0.5)` (or `MEDIAN(x)`), or `PERCENTILE_CONT(0.5) WITHIN GROUP (ORDER BY x)` \
             with a fraction from 0 to 1 (PERCENTILE_DISC sorted ascending only), not as a window."
        }
        "nvl" | "isnull" => "write `COALESCE(x, fallback)`.",
        "nvl2" => "write `CASE WHEN x IS NOT NULL THEN a ELSE b END`.",
        "iif" => "write `CASE WHEN condition THEN a ELSE b END`.",
        "len" => "write `LENGTH(s)`.",
        "charindex" | "locate" => {
            "write `STRPOS(haystack, needle)` (the position from 1, 0 when absent); for a search from a \
             start position, `STRPOS(SUBSTR(haystack, start), needle)` counts from there."
        }
        "to_char" | "date_format" | "format" => {
            "format a date with `STRFTIME(d, '%Y-%m')` (`%Y` year, `%m` month, `%d` day, `%H:%M:%S` time); \
             for a number, `CAST(x AS TEXT)` or `ROUND(x, 2)`."
        }
        "to_date" | "to_timestamp" | "str_to_date" | "parse_date" => {
            "write `CAST(s AS DATE)` for text written YYYY-MM-DD, or `STRPTIME(s, '%d/%m/%Y')` for another \
             layout."
        }
        "dateadd" | "date_add" | "adddate" | "date_sub" | "subdate" | "timestampadd" => {
            "add an interval: `d + INTERVAL '7 days'`, `d + INTERVAL '1 month'` (write a subtraction as \
             `d - INTERVAL '7 days'`); `d + 7` adds days."
        }
        "datepart" | "datename" => {
            "write `EXTRACT(YEAR FROM d)` (or MONTH, DAY, QUARTER, DOW, HOUR)."
        }
        "bool_and" | "every" => "write `MIN(condition)`: false if any row is false.",
        "bool_or" => "write `MAX(condition)`: true if any row is true.",
        "percent_rank" | "cume_dist" => {
            "write it from ranks: `(RANK() OVER (PARTITION BY p ORDER BY x) - 1) / (COUNT(*) OVER \
             (PARTITION BY p) - 1.0)`."
        }
        "decode" => "write `CASE x WHEN a THEN b ELSE c END`.",
        _ => return None,
    })
}

/// sqlparser (and so Polars) reads `a IS NOT DISTINCT FROM b AND c` as `a IS NOT DISTINCT FROM (b AND c)`:
/// the right side swallows what follows. SQL means `(a IS NOT DISTINCT FROM b) AND c`, written so here with
/// the brackets that keep Polars reading it so; likewise IS DISTINCT FROM. Only an AND: an OR (or XOR)
/// swallowed this way belongs to whatever encloses the test (`x AND a IS NOT DISTINCT FROM b OR c` means
/// `(x AND ...) OR c`), which cannot be seen from here, unless the test stands alone in brackets
/// ([`mend_bracketed_distinct_from`]); otherwise the query is refused asking for them (`Walker::expr_kind`).
pub(crate) fn distinct_from_precedence(e: &mut Expr) {
    mend_distinct_from(e, false);
}

/// `(a IS NOT DISTINCT FROM b OR c)`: in brackets, what the test swallowed is the rest of the bracket, so
/// it is `((a IS NOT DISTINCT FROM b) OR c)` whatever the operator.
pub(crate) fn mend_bracketed_distinct_from(e: &mut Expr) {
    if let Expr::Nested(inner) = e {
        mend_distinct_from(inner, true);
    }
}

fn mend_distinct_from(e: &mut Expr, any_operator: bool) {
    use sqlparser::ast::BinaryOperator as B;
    let (Expr::IsNotDistinctFrom(_, right) | Expr::IsDistinctFrom(_, right)) = e else {
        return;
    };
    let swallowed = match &**right {
        Expr::BinaryOp { op: B::And, .. } => true,
        Expr::BinaryOp {
            op: B::Or | B::Xor, ..
        } => any_operator,
        _ => false,
    };
    if !swallowed {
        return;
    }
    let placeholder = Expr::value(sqlparser::ast::Value::Null);
    let taken = std::mem::replace(e, placeholder);
    let (left, right, not) = match taken {
        Expr::IsNotDistinctFrom(l, r) => (l, r, true),
        Expr::IsDistinctFrom(l, r) => (l, r, false),
        _ => unreachable!(),
    };
    let Expr::BinaryOp {
        left: first,
        op,
        right: rest,
    } = *right
    else {
        unreachable!()
    };
    let mut test = if not {
        Expr::IsNotDistinctFrom(left, first)
    } else {
        Expr::IsDistinctFrom(left, first)
    };
    mend_distinct_from(&mut test, any_operator);
    let test = match test {
        x @ (Expr::IsNotDistinctFrom(..) | Expr::IsDistinctFrom(..)) => Expr::Nested(Box::new(x)),
        other => other,
    };
    *e = Expr::BinaryOp {
        left: Box::new(test),
        op,
        right: rest,
    };
}

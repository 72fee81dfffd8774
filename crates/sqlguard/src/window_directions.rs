//! Windows sorted both ways (`ROW_NUMBER() OVER (ORDER BY salary DESC, name)`), which Polars refuses ("OVER
//! does not (yet) support mixed asc/desc directions"): every key is made to sort one way, by negating a
//! column of numbers, dates or true/false, or ranking any other key in its own direction; what still cannot
//! run (a RANK over keys that cannot turn, two keys Polars names alike) is refused with the rewrite to use.

use sqlparser::ast::{Expr, OrderByExpr, OrderByOptions, WindowType};

use crate::scope::SelectScope;
use crate::windows::{holds_no_nulls, named_literal};

/// Polars sorts a window's keys in one direction ("OVER does not (yet) support mixed asc/desc
/// directions"), which refused the usual tie-breaks `ORDER BY score DESC, id` and `ORDER BY salary DESC,
/// name`. The keys sorted against the chosen direction are rewritten to sort its way:
///
/// - a number column is negated: `"id" * -1 DESC` (not `-"id"`, which Polars reads as `0 - "id"` and names
///   `literal`, like the NULL flag: see [`named_after_a_column`](crate::windows::named_after_a_column)); a date, datetime or boolean column is
///   negated as a number (`CAST("hired" AS BIGINT) * -1`);
/// - any other key (text, an expression, a column of a WITH query) by its rank in its own order, NULLs
///   placed as written (last both ways by default): `CASE WHEN "name" IS NOT NULL THEN DENSE_RANK() OVER
///   (ORDER BY COALESCE("name", MIN("name") OVER ()) DESC) ELSE 0 END`. A rank never is NULL, so it needs
///   no flag of its own, which lets NULLs of a text key sort right even as a second key; a negated column
///   is used only where the flag of [`place_nulls`](crate::windows::place_nulls) serves it (it holds no NULL, or no key before it may).
///
/// The direction is the first key's, unless the keys that would then turn are not all columns that can be
/// negated while the others are (`salary DESC, name` turns `salary`). A key after the first that may be
/// NULL is ranked too, turning or not (`nested` allows ranks: not in the keys of a RANK over several
/// keys, which Polars refuses). Every key then sorts one way and at most one may be NULL, so the rewritten
/// window is left alone when validated again. Returns the positions of ranked keys, new expressions to be
/// walked like the query's own.
pub(crate) fn one_direction(
    scopes: &[SelectScope],
    order_by: &mut [OrderByExpr],
    nested: bool,
) -> Vec<usize> {
    let Some(first) = order_by.first() else {
        return Vec::new();
    };
    let first_descending = first.options.asc == Some(false);
    let turning = |descending: bool| -> Vec<usize> {
        (0..order_by.len())
            .filter(|&i| (order_by[i].options.asc == Some(false)) != descending)
            .collect()
    };
    let negatable = |i: &usize| negated(scopes, &order_by[*i].expr).is_some();
    let descending = if turning(first_descending).iter().all(negatable) {
        first_descending
    } else if turning(!first_descending).iter().all(negatable) {
        !first_descending
    } else if nested {
        first_descending
    } else {
        // Polars refuses a window in the keys of a RANK over several keys ("not allowed in aggregation
        // context"): left as written, for Polars to refuse.
        return Vec::new();
    };
    let mut ranked = Vec::new();
    // Whether a key before this one may be NULL: the one NULL flag of `place_nulls` goes before it, and a
    // NULL in a later key would sort first among rows tied on the earlier ones. No flag can be placed beside
    // a key Polars names `literal` (a CASE of constants, `IIF(active, 0, 1)`), as the flag is: then every
    // key that may be NULL is ranked.
    let mut flagged = !flaggable(order_by);
    for (i, item) in order_by.iter_mut().enumerate() {
        let no_nulls = holds_no_nulls(scopes, &item.expr);
        let turns = (item.options.asc == Some(false)) != descending;
        // The rank is computed in the key's own direction, read before `ASC` is dropped below.
        let written = item.options;
        if !descending {
            // Polars reads `ASC` beside a key without a direction as another direction.
            item.options.asc = None;
        }
        let text = match (turns, negated(scopes, &item.expr)) {
            (false, _) if no_nulls || !flagged || !nested => {
                flagged |= !no_nulls;
                continue;
            }
            (true, Some(negation)) if no_nulls || !flagged || !nested => {
                flagged |= !no_nulls;
                negation
            }
            _ => {
                ranked.push(i);
                rank_text(&item.expr, written, no_nulls, descending)
            }
        };
        if let Some(expr) = crate::parse_expression(&text) {
            item.expr = expr;
            item.options.asc = descending.then_some(false);
            if ranked.last() == Some(&i) {
                item.options.nulls_first = None;
            }
        }
    }
    ranked
}

/// True when [`place_nulls`](crate::windows::place_nulls) can put a flag among `order_by` (no key is named `literal`), or has put one.
fn flaggable(order_by: &[OrderByExpr]) -> bool {
    let literal: Vec<usize> = (0..order_by.len())
        .filter(|&i| named_literal(&order_by[i].expr))
        .collect();
    match literal.as_slice() {
        [] => true,
        [i] => order_by
            .get(i + 1)
            .is_some_and(|next| is_flag_of(&order_by[*i].expr, &next.expr)),
        _ => false,
    }
}

/// True when `flag` is the NULL flag [`place_nulls`](crate::windows::place_nulls) puts before `key`: `CASE WHEN (key) IS NULL THEN 0|1
/// ELSE 1|0 END`.
fn is_flag_of(flag: &Expr, key: &Expr) -> bool {
    let Expr::Case {
        operand: None,
        conditions,
        else_result: Some(_),
        ..
    } = flag
    else {
        return false;
    };
    let [when] = conditions.as_slice() else {
        return false;
    };
    let mut tested = &when.condition;
    let Expr::IsNull(inner) = tested else {
        return false;
    };
    tested = inner;
    while let Expr::Nested(inner) = tested {
        tested = inner;
    }
    tested == key
}

/// The advice for a window whose keys [`one_direction`] left sorted both ways (a RANK over several keys,
/// where Polars refuses a window among the keys, and none that turns can be negated), which Polars refuses
/// ("OVER does not (yet) support mixed asc/desc directions"): rank the keys that turn in a WITH query.
pub(crate) fn still_mixed(order_by: &[OrderByExpr], function: &str) -> Option<String> {
    let descending = |item: &&OrderByExpr| item.options.asc == Some(false);
    let down = order_by.iter().find(descending)?;
    order_by.iter().find(|item| !descending(item))?;
    let key = &down.expr;
    let others: Vec<String> = order_by
        .iter()
        .map(|item| {
            if std::ptr::eq(item, down) {
                "key_rank".to_string()
            } else {
                item.expr.to_string()
            }
        })
        .collect();
    let function = function.to_uppercase();
    Some(format!(
        "rank the key sorted the other way in a WITH query first, then rank by that rank, all keys one \
         way: `WITH keyed AS (SELECT *, DENSE_RANK() OVER (ORDER BY {key} DESC) AS key_rank FROM data) SELECT \
         ..., {function}() OVER (ORDER BY {}) FROM keyed`.",
        others.join(", ")
    ))
}

/// The name Polars gives the window key `e` when it is known: an expression is named after its first input
/// (a column, or `literal` for a constant; a CASE after its first result, a rank after its first key).
fn polars_name(e: &Expr) -> Option<String> {
    match e {
        Expr::Identifier(word) => Some(word.value.clone()),
        Expr::CompoundIdentifier(parts) => Some(
            parts
                .iter()
                .map(|p| p.value.as_str())
                .collect::<Vec<_>>()
                .join("."),
        ),
        Expr::Value(_) => Some("literal".to_string()),
        Expr::Nested(inner)
        | Expr::UnaryOp { expr: inner, .. }
        | Expr::Cast { expr: inner, .. } => polars_name(inner),
        Expr::BinaryOp { left, .. } => polars_name(left),
        // Searched or simple (`CASE i WHEN 1 THEN ...`): named after its first result.
        Expr::Case { conditions, .. } => conditions.first().and_then(|c| polars_name(&c.result)),
        Expr::Function(f) => {
            let name = crate::syntax::function_name(&f.name)?;
            match (&f.over, name.as_str()) {
                (Some(WindowType::WindowSpec(w)), "dense_rank" | "rank") => {
                    w.order_by.first().and_then(|k| polars_name(&k.expr))
                }
                (None, "coalesce") => crate::syntax::plain_args_of(&f.args)
                    .and_then(|args| args.first().and_then(|a| polars_name(a))),
                _ => None,
            }
        }
        _ => None,
    }
}

/// The advice for a RANK or DENSE_RANK whose keys include a CASE of constants (which Polars names `literal`,
/// as it names the flag that sorts NULLs last, so no flag can go beside it) while a key may be NULL: its
/// NULLs would rank first, and one CASE key that may be NULL fails in Polars' words ("non-elementwise
/// `order_by`"). `written`: the keys as walked.
pub(crate) fn rank_beside_literal(
    scopes: &[SelectScope],
    function: &str,
    written: &[Expr],
) -> Option<String> {
    if !matches!(function, "rank" | "dense_rank") {
        return None;
    }
    // The NULL flags this module placed itself (a query validated again) are no such CASE, and the key
    // after one has its NULLs placed already.
    let flag_at = |i: usize| {
        written
            .get(i + 1)
            .is_some_and(|next| is_flag_of(&written[i], next))
    };
    let case = (0..written.len()).find(|&i| named_literal(&written[i]) && !flag_at(i))?;
    let unplaced = (0..written.len()).any(|i| {
        let placed = flag_at(i) || (i > 0 && flag_at(i - 1));
        !placed && !holds_no_nulls(scopes, &written[i])
    });
    if !unplaced {
        return None;
    }
    let case = &written[case];
    Some(format!(
        "compute the CASE under its own name in a WITH query first, so that NULLs can be sorted last \
         beside it: `WITH keyed AS (SELECT *, {case} AS key_1 FROM data) SELECT ..., {function}() OVER (ORDER \
         BY ..., key_1) FROM keyed`.",
        function = function.to_uppercase()
    ))
}

/// The advice for a window whose keys Polars would give one name (`ORDER BY v / 10, v DESC`: "two columns
/// ... both called `v`"): Polars sorts by a struct of the keys, whose fields need distinct names.
pub(crate) fn keys_of_one_name(order_by: &[OrderByExpr], written: &[Expr]) -> Option<String> {
    let names: Vec<Option<String>> = order_by.iter().map(|k| polars_name(&k.expr)).collect();
    let name = names.iter().enumerate().find_map(|(i, name)| {
        name.as_ref()
            .filter(|n| names[i + 1..].iter().any(|m| m.as_ref() == Some(*n)))
    })?;
    // The keys as written (before their rewriting) that are named so.
    let keys: Vec<String> = written
        .iter()
        .filter(|e| polars_name(e).as_ref() == Some(name))
        .map(ToString::to_string)
        .collect();
    let shown = if keys.len() >= 2 {
        format!("`{}`", keys.join("`, `"))
    } else {
        "two of its keys".to_string()
    };
    let computed = written
        .iter()
        .find(|e| polars_name(e).as_ref() == Some(name) && !matches!(e, Expr::Identifier(_)))
        .map_or_else(|| name.clone(), ToString::to_string);
    Some(format!(
        "Polars names a window key after its first column or `literal` (here `{name}` for {shown}) and \
         cannot sort by two keys of one name; compute one of them under its own name in a WITH query first: \
         `WITH keyed AS (SELECT *, {computed} AS key_1 FROM data) SELECT ..., ... OVER (ORDER BY key_1, \
         ...) FROM keyed`."
    ))
}

/// `e` negated, when it is a column of numbers, dates, datetimes or booleans of a registered table.
fn negated(scopes: &[SelectScope], e: &Expr) -> Option<String> {
    let of = |kind: fn(&crate::scope::Relation) -> &Vec<String>| {
        crate::compat::is_column_of_kind(scopes, e, kind)
    };
    if crate::compat::is_numeric_column(scopes, e) {
        Some(format!("{e} * -1"))
    } else if of(|r| &r.dates) || of(|r| &r.datetimes) {
        Some(format!("CAST({e} AS BIGINT) * -1"))
    } else if of(|r| &r.booleans) {
        Some(format!("CAST({e} AS INT) * -1"))
    } else {
        None
    }
}

/// A number that sorts, in the window's direction (`descending`), as `e` sorts in its own (`written`), with its
/// NULLs where it puts them (last unless `NULLS FIRST`): its dense rank, turned round or not, with 0 or 1
/// for NULL beyond every rank. Named after its column (the CASE after its first result, the rank after its
/// first key), so that it can sort beside the NULL flag.
fn rank_text(e: &Expr, written: OrderByOptions, no_nulls: bool, descending: bool) -> String {
    let own_descending = written.asc == Some(false);
    let nulls_first = written.nulls_first == Some(true);
    let key = if no_nulls {
        format!("{e}")
    } else {
        // Never NULL (the NULL rows' rank is replaced), so the rank's window needs no flag itself.
        format!("COALESCE({e}, MIN({e}) OVER ())")
    };
    let rank = |reversed: bool| {
        let direction = if own_descending != reversed {
            " DESC"
        } else {
            ""
        };
        format!("DENSE_RANK() OVER (ORDER BY {key}{direction})")
    };
    if no_nulls {
        return if descending {
            format!("{} * -1", rank(false))
        } else {
            rank(false)
        };
    }
    let (value, null_value) = match (descending, nulls_first) {
        (false, true) => (rank(false), 0),
        (false, false) => (format!("{} * -1", rank(true)), 1),
        (true, true) => (format!("{} * -1", rank(false)), 0),
        (true, false) => (rank(true), 0),
    };
    format!("CASE WHEN {e} IS NOT NULL THEN {value} ELSE {null_value} END")
}

/// The advice for a RANK or DENSE_RANK over several keys where a key after the first that may be NULL may be
/// NULL too (`RANK() OVER (ORDER BY a, b)`, both with NULLs), which ranked wrongly: only the first such key
/// gets the flag of [`place_nulls`](crate::windows::place_nulls) (its keys are named alike), a later one
/// cannot be ranked (Polars refuses a window among the keys of a RANK over several keys), and Polars sorts
/// its NULLs first ascending and last descending, wherever they belong. `order_by`: the keys as rewritten;
/// `written`: as written. PERCENT_RANK and CUME_DIST are computed from such a RANK.
pub(crate) fn rank_of_later_nulls(
    scopes: &[SelectScope],
    function: &str,
    order_by: &[OrderByExpr],
    written: &[OrderByExpr],
) -> Option<String> {
    if !matches!(function, "rank" | "dense_rank") || order_by.len() < 2 {
        return None;
    }
    let flagged = |i: usize| i > 0 && is_flag_of(&order_by[i - 1].expr, &order_by[i].expr);
    let misplaced = (0..order_by.len()).any(|i| {
        let item = &order_by[i];
        let polars_first = item.options.asc != Some(false);
        let wanted_first = item.options.nulls_first == Some(true);
        !named_literal(&item.expr)
            && !flagged(i)
            && polars_first != wanted_first
            && !holds_no_nulls(scopes, &item.expr)
    });
    if !misplaced {
        return None;
    }
    let nullable: Vec<&OrderByExpr> = written
        .iter()
        .filter(|item| !holds_no_nulls(scopes, &item.expr))
        .collect();
    let later = nullable.get(1).or(nullable.first())?;
    let keys: Vec<String> = written
        .iter()
        .map(|item| {
            if std::ptr::eq(item, *later) {
                "key_rank".to_string()
            } else {
                item.to_string()
            }
        })
        .collect();
    Some(format!(
        "Polars would sort the NULLs of `{}` first among rows tied on the keys before it. Rank that key in a \
         WITH query first, then rank by that rank: `WITH keyed AS (SELECT *, DENSE_RANK() OVER (ORDER BY \
         {later}) AS key_rank FROM data) SELECT ..., {}() OVER (ORDER BY {}) FROM keyed`.",
        later.expr,
        function.to_uppercase(),
        keys.join(", ")
    ))
}

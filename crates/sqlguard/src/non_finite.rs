//! SQLite's NULL where Polars computes ±inf or NaN. A division by a column holding 0 (`a / b`), `SQRT` of a
//! negative, `LN`/`LOG` of 0 or less, `ACOS`/`ASIN` past [-1, 1] and a negative base raised to a fraction are
//! NULL in SQLite; in Polars they were values the answer shows as null but that are not NULL: `IS NULL` was
//! false, `COUNT` counted them, `SUM`/`AVG` became null, `ORDER BY ... DESC` put them first. The divisor is
//! written `NULLIF(b, 0)` and an argument outside its function's domain `CASE WHEN x >= 0 THEN x END`, so
//! the call sees a NULL. Both forms are what this rewrite produces, and are left as they are when met again:
//! the normalised SQL validated a second time is unchanged.

use sqlparser::ast::{BinaryOperator as B, Expr, UnaryOperator, Value};

use crate::syntax::{function_name, integer_literal, plain_args_of};

/// The domain each guarded call's arguments must be in, as the condition of a CASE on the argument.
fn domain(name: &str) -> Option<&'static str> {
    Some(match name {
        "sqrt" => ">= 0",
        "ln" | "log10" | "log2" | "log" => "> 0",
        "log1p" => "> -1",
        "acos" | "asin" | "acosd" | "asind" => "BETWEEN -1 AND 1",
        _ => return None,
    })
}

/// `e` rewritten so that where SQLite's value is NULL, Polars' is NULL too (see the module docs).
pub(crate) fn guard(e: &mut Expr) {
    match e {
        Expr::BinaryOp {
            op: B::Divide | B::Modulo | B::DuckIntegerDivide,
            right,
            ..
        } => {
            if let Some(divisor) = nonzero_divisor(right) {
                **right = divisor;
            }
        }
        Expr::Function(f) if f.over.is_none() => {
            let Some(name) = function_name(&f.name) else {
                return;
            };
            let Some(args) = plain_args_of(&f.args) else {
                return;
            };
            let texts: Vec<String> = args.iter().map(|a| a.to_string()).collect();
            let rewritten = match (name.as_str(), args.as_slice()) {
                ("mod" | "div", [_, b]) => {
                    nonzero_divisor(b).map(|d| vec![texts[0].clone(), d.to_string()])
                }
                ("cot" | "cotd", [x]) => nonzero_divisor(x).map(|d| vec![d.to_string()]),
                // LOG(b, x) in SQLite's order (the engine swaps it for Polars): base above 0 and not 1.
                ("log", [b, x]) => {
                    let base = if is_nullif(b, "1")
                        || (texts[0].parse::<f64>().is_ok_and(|v| v > 0.0 && v != 1.0))
                    {
                        None
                    } else {
                        Some(format!("NULLIF({}, 1)", in_domain(&texts[0], "> 0")))
                    };
                    let value = (!is_guarded(x))
                        .then(|| in_domain(&texts[1], "> 0"))
                        .filter(|v| *v != texts[1]);
                    (base.is_some() || value.is_some()).then(|| {
                        vec![
                            base.unwrap_or(texts[0].clone()),
                            value.unwrap_or(texts[1].clone()),
                        ]
                    })
                }
                // A negative base to a fraction is NaN; to a whole power it is a number.
                ("power" | "pow", [a, b]) if !is_guarded(a) && !is_whole_literal(b) => {
                    let base = if is_literal(b) {
                        in_domain(&texts[0], ">= 0")
                    } else {
                        format!(
                            "CASE WHEN {0} >= 0 OR {1} = FLOOR({1}) THEN {0} END",
                            texts[0], texts[1]
                        )
                    };
                    (base != texts[0]).then(|| vec![base, texts[1].clone()])
                }
                (name, [x]) => domain(name)
                    .filter(|_| !is_guarded(x) && !is_null(x))
                    .map(|cond| in_domain(&texts[0], cond))
                    .filter(|arg| *arg != texts[0])
                    .map(|arg| vec![arg]),
                _ => None,
            };
            let Some(new_args) = rewritten else {
                return;
            };
            let text = format!("{}({})", f.name, new_args.join(", "));
            if let Some(Expr::Function(call)) = crate::parse_expression(&text) {
                f.args = call.args;
            }
        }
        _ => {}
    }
}

/// `CASE WHEN x <cond> THEN x END`; `x` itself when it is a number inside the domain.
fn in_domain(x: &str, cond: &str) -> String {
    let inside = x.parse::<f64>().is_ok_and(|v| match cond {
        ">= 0" => v >= 0.0,
        "> 0" => v > 0.0,
        "> -1" => v > -1.0,
        _ => (-1.0..=1.0).contains(&v),
    });
    if inside {
        x.to_string()
    } else {
        format!("CASE WHEN {x} {cond} THEN {x} END")
    }
}

/// `NULLIF(d, 0)` for a divisor that may be 0; None for a literal other than 0 and for a divisor already
/// written so.
fn nonzero_divisor(d: &Expr) -> Option<Expr> {
    let zero = matches!(d, Expr::Value(v) if matches!(&v.value, Value::Number(n, _) if n.parse::<f64>() == Ok(0.0)));
    if (is_literal(d) && !zero) || is_nullif(d, "0") {
        return None;
    }
    crate::parse_expression(&format!("NULLIF({d}, 0)"))
}

fn is_literal(e: &Expr) -> bool {
    match e {
        Expr::Value(_) | Expr::TypedString(_) | Expr::Interval(_) => true,
        Expr::UnaryOp {
            op: UnaryOperator::Minus | UnaryOperator::Plus,
            expr,
        }
        | Expr::Nested(expr) => is_literal(expr),
        _ => false,
    }
}

fn is_null(e: &Expr) -> bool {
    matches!(e, Expr::Value(v) if matches!(v.value, Value::Null))
}

/// `NULLIF(_, <value>)`.
fn is_nullif(e: &Expr, value: &str) -> bool {
    let Expr::Function(f) = e else {
        return false;
    };
    function_name(&f.name).as_deref() == Some("nullif")
        && matches!(plain_args_of(&f.args).as_deref(), Some([_, v]) if v.to_string() == value)
}

/// `CASE WHEN x ... THEN x END`: an argument already kept to its domain (as `in_domain` writes it).
fn is_guarded(e: &Expr) -> bool {
    let Expr::Case {
        operand: None,
        conditions,
        else_result: None,
        ..
    } = e
    else {
        return is_nullif(e, "1")
            && matches!(e, Expr::Function(f) if plain_args_of(&f.args).is_some_and(|a| is_guarded(a[0])));
    };
    let [when] = conditions.as_slice() else {
        return false;
    };
    let mut condition = &when.condition;
    // `x >= 0 OR b = FLOOR(b)` (POWER's guard) tests `x` first.
    while let Expr::BinaryOp {
        left, op: B::Or, ..
    } = condition
    {
        condition = left;
    }
    match condition {
        Expr::BinaryOp { left, .. } => **left == when.result,
        Expr::Between { expr, .. } => **expr == when.result,
        _ => false,
    }
}

/// A whole-number exponent: `POWER(x, 2)` of a negative `x` is a number.
fn is_whole_literal(e: &Expr) -> bool {
    integer_literal(e).is_some()
        || matches!(e, Expr::Value(v) if matches!(&v.value, Value::Number(n, _) if n.parse::<f64>().is_ok_and(|x| x.fract() == 0.0)))
}

//! The validated SQL (SQLite and PostgreSQL meanings, as sqlguard normalised it) adapted to how Polars SQL
//! types and spells things, where Polars would otherwise return a wrong number with no error.
//!
//! - Polars counts, ranks and measures strings in `u32` and extracts date parts in `i8`/`i16`/`i32`, so
//!   `COUNT(*) - 12` wrapped to 4294967294 and `EXTRACT(MONTH FROM d) * 100` to -56. Those results are cast
//!   to `BIGINT`, the one integer type of SQLite.
//! - `CAST(x AS INT)` is 32 bits in Polars and `REAL` is `f32`; in SQLite both are 64 bits.
//! - An integer literal is `i32` in Polars, so `SUM(CASE WHEN ... THEN 100000 ELSE 0 END)` wrapped past
//!   2^31: a CASE's integer results are `BIGINT`.
//! - `LOG(b, x)` is the base-`b` logarithm of `x` in SQLite and PostgreSQL; Polars reads `LOG(x, b)`, and
//!   has no one-argument `LOG` (base 10 in both).
//! - `strftime('%Y', d)` is SQLite's order; Polars wants `STRFTIME(d, '%Y')`.
//! - Polars cannot read a number written with an exponent (`1e5`, `2.5E-3`).
//!
//! Every change only adds a cast, reorders a call's arguments or rewrites a literal: nothing here can make
//! the query read anything sqlguard did not approve.

use std::ops::ControlFlow;

use sqlguard::syntax::{function_name, plain_arg};
use sqlparser::ast::{
    BinaryOperator, CastKind, DataType, DateTimeField, ExactNumberInfo, Expr, Function,
    FunctionArg, FunctionArgExpr, FunctionArguments, ObjectName, Query, Statement, Value, VisitMut,
    VisitorMut, WindowType, visit_expressions,
};
use sqlparser::dialect::GenericDialect;
use sqlparser::parser::{Parser, ParserOptions};

/// Calls whose Polars result is a narrow integer type.
const NARROW_INTEGER_CALLS: &[&str] = &[
    "count",
    "row_number",
    "rank",
    "dense_rank",
    "length",
    "char_length",
    "character_length",
    "octet_length",
    "bit_length",
    "strpos",
    "array_length",
    "date_part",
];

/// Calls whose result is one of their arguments (or a sum of them): an integer literal there is `i32` in
/// Polars, so `SUM(IF(x > 0, 1000000000, 0))` wrapped past 2^31.
const VALUE_CALLS: &[&str] = &[
    "if", "iif", "coalesce", "ifnull", "nullif", "greatest", "least", "sum", "total", "avg", "min",
    "max",
];

/// Date parts that Polars extracts as whole numbers (the others, like `epoch`, can have fractions).
const WHOLE_DATE_PARTS: &[&str] = &[
    "millennium",
    "century",
    "decade",
    "isoyear",
    "year",
    "quarter",
    "month",
    "dayofyear",
    "doy",
    "dayofweek",
    "dow",
    "isoweek",
    "week",
    "isodow",
    "day",
    "hour",
    "minute",
    "second",
];

/// `query` rewritten as Polars should run it; false when nothing needed changing.
pub(crate) fn adapt(query: &mut Query) -> bool {
    let mut adapter = Adapter { changed: false };
    let _ = query.visit(&mut adapter);
    adapter.changed
}

/// `sql` parsed as sqlparser reads sqlguard's output (the same options): the one query it is.
pub(crate) fn parse_query(sql: &str) -> Option<Box<Query>> {
    let statements = Parser::new(&GenericDialect)
        .with_options(ParserOptions::new().with_trailing_commas(true))
        .try_with_sql(sql)
        .ok()?
        .parse_statements()
        .ok()?;
    match <[Statement; 1]>::try_from(statements) {
        Ok([Statement::Query(query)]) => Some(query),
        _ => None,
    }
}

/// One expression, for rewrites built from text.
pub(super) fn parse_expression(text: &str) -> Option<Expr> {
    Parser::new(&GenericDialect)
        .try_with_sql(text)
        .ok()?
        .parse_expr()
        .ok()
}

struct Adapter {
    changed: bool,
}

impl VisitorMut for Adapter {
    type Break = ();

    fn post_visit_expr(&mut self, expr: &mut Expr) -> ControlFlow<()> {
        let changed = match expr {
            Expr::Function(f) => {
                let name = function_name(&f.name);
                let reordered = match name.as_deref() {
                    Some("log") => log_base_last(f),
                    Some("strftime") => format_last(f),
                    Some(n) if VALUE_CALLS.contains(&n) => widen_integer_literals(f),
                    _ => false,
                };
                if let Some(value) = name
                    .as_deref()
                    .and_then(|n| super::dialect_calls::sql_value(n, f))
                {
                    *expr = value;
                    true
                } else if name.as_deref().is_some_and(|n| narrow_integer_call(n, f)) {
                    widen(expr);
                    true
                } else if let Some(per_row) = sum_of_constant(name.as_deref(), f) {
                    *expr = per_row;
                    true
                } else if let Some(running) = running_average(name.as_deref(), f) {
                    *expr = running;
                    true
                } else {
                    reordered
                }
            }
            Expr::Extract { field, .. } if whole_date_part(field) => {
                widen(expr);
                true
            }
            Expr::Cast { data_type, .. } => sqlite_width(data_type),
            Expr::Position { expr: needle, r#in } => {
                match super::dialect_calls::sql_position(needle, r#in) {
                    Some(value) => {
                        *expr = value;
                        true
                    }
                    None => false,
                }
            }
            // A negative length failed in Polars ("conversion from i64 to u64"), as in the usual
            // `SUBSTR(s, 1, INSTR(s, '.') - 1)` when `s` holds no dot; SQLite takes the characters before the
            // start there ('' from the first), and NULL for a NULL length (Polars took the rest of `s`).
            Expr::Substring {
                substring_for: Some(length),
                ..
            } if sqlguard::syntax::integer_literal(length).is_none_or(|n| n < 0) => {
                match super::dialect_calls::sql_substring(expr) {
                    Some(value) => {
                        *expr = value;
                        true
                    }
                    None => false,
                }
            }
            Expr::Case {
                conditions,
                else_result,
                ..
            } => {
                let results = conditions
                    .iter_mut()
                    .map(|c| &mut c.result)
                    .chain(else_result.iter_mut().map(|e| &mut **e));
                let mut any = false;
                for result in results {
                    if integer_literal(result) {
                        widen(result);
                        any = true;
                    }
                }
                any
            }
            Expr::Value(v) => match &mut v.value {
                Value::Number(text, _) => without_exponent(text),
                _ => false,
            },
            _ => false,
        };
        self.changed |= changed;
        ControlFlow::Continue(())
    }
}

fn plain_args(f: &mut Function) -> Option<&mut Vec<FunctionArg>> {
    match &mut f.args {
        FunctionArguments::List(list) => Some(&mut list.args),
        _ => None,
    }
}

fn string_literal(e: Option<&Expr>) -> Option<&str> {
    match e? {
        Expr::Value(v) => match &v.value {
            Value::SingleQuotedString(s) => Some(s),
            _ => None,
        },
        _ => None,
    }
}

fn narrow_integer_call(name: &str, f: &mut Function) -> bool {
    if !NARROW_INTEGER_CALLS.contains(&name) {
        return false;
    }
    if name != "date_part" {
        return true;
    }
    let part = plain_args(f).and_then(|args| string_literal(args.first().and_then(plain_arg)));
    part.is_some_and(|p| WHOLE_DATE_PARTS.contains(&p.to_ascii_lowercase().as_str()))
}

fn whole_date_part(field: &DateTimeField) -> bool {
    let text = field.to_string().to_ascii_lowercase();
    WHOLE_DATE_PARTS.contains(&text.as_str())
}

/// Integer literal arguments → `CAST(n AS BIGINT)`.
fn widen_integer_literals(f: &mut Function) -> bool {
    let mut any = false;
    for arg in plain_args(f).into_iter().flatten() {
        if let FunctionArg::Unnamed(FunctionArgExpr::Expr(e)) = arg
            && integer_literal(e)
        {
            widen(e);
            any = true;
        }
    }
    any
}

/// `SUM(1)` is the number of rows in SQLite; Polars sums the literal once and answers 1. A sum of something
/// that names no column is that value times the rows: `(1) * CAST(count(*) AS BIGINT)`.
fn sum_of_constant(name: Option<&str>, f: &mut Function) -> Option<Expr> {
    if !matches!(name, Some("sum" | "total")) || f.over.is_some() || f.filter.is_some() {
        return None;
    }
    let FunctionArguments::List(list) = &f.args else {
        return None;
    };
    let [FunctionArg::Unnamed(FunctionArgExpr::Expr(value))] = list.args.as_slice() else {
        return None;
    };
    if list.duplicate_treatment.is_some() || names_a_column(value) {
        return None;
    }
    let rows = parse_expression("CAST(count(*) AS BIGINT)")?;
    Some(Expr::BinaryOp {
        left: Box::new(Expr::Nested(Box::new(value.clone()))),
        op: BinaryOperator::Multiply,
        right: Box::new(rows),
    })
}

/// `AVG(x) OVER (ORDER BY ...)` is a running average in SQL; Polars ignores the order and answers the whole
/// partition's average on every row. Its running SUM and COUNT are right, so the average is their ratio.
fn running_average(name: Option<&str>, f: &Function) -> Option<Expr> {
    let Some(WindowType::WindowSpec(spec)) = &f.over else {
        return None;
    };
    if name != Some("avg") || spec.order_by.is_empty() {
        return None;
    }
    let call = |name: &str| {
        let mut call = f.clone();
        call.name = ObjectName::from(vec![sqlparser::ast::Ident::new(name)]);
        Expr::Cast {
            kind: CastKind::Cast,
            expr: Box::new(Expr::Function(call)),
            data_type: DataType::Double(ExactNumberInfo::None),
            array: false,
            format: None,
        }
    };
    Some(Expr::Nested(Box::new(Expr::BinaryOp {
        left: Box::new(call("sum")),
        op: BinaryOperator::Divide,
        right: Box::new(call("count")),
    })))
}

/// True when `e` reads a column (or a subquery, which may).
fn names_a_column(e: &Expr) -> bool {
    visit_expressions(e, |x| match x {
        Expr::Identifier(_) | Expr::CompoundIdentifier(_) | Expr::Subquery(_) => {
            ControlFlow::Break(())
        }
        _ => ControlFlow::Continue(()),
    })
    .is_break()
}

/// `LOG(b, x)` → `LOG(x, b)`; `LOG(x)` → `LOG10(x)`.
fn log_base_last(f: &mut Function) -> bool {
    let Some(args) = plain_args(f) else {
        return false;
    };
    match args.len() {
        1 => {
            f.name = ObjectName::from(vec![sqlparser::ast::Ident::new("log10")]);
            true
        }
        2 => {
            args.swap(0, 1);
            true
        }
        _ => false,
    }
}

/// `strftime('%Y', d)` → `strftime(d, '%Y')`, when the format comes first and the value does not.
fn format_last(f: &mut Function) -> bool {
    let Some(args) = plain_args(f) else {
        return false;
    };
    let [first, second] = args.as_mut_slice() else {
        return false;
    };
    let format_first = string_literal(plain_arg(first)).is_some_and(|s| s.contains('%'))
        && string_literal(plain_arg(second)).is_none();
    if format_first {
        std::mem::swap(first, second);
    }
    format_first
}

/// SQLite's widths: every integer type is 64 bits, and so is `REAL`.
fn sqlite_width(data_type: &mut DataType) -> bool {
    let wider = match data_type {
        DataType::Int(_)
        | DataType::Integer(_)
        | DataType::SmallInt(_)
        | DataType::TinyInt(_)
        | DataType::MediumInt(_)
        | DataType::Int2(_)
        | DataType::Int4(_) => DataType::BigInt(None),
        DataType::Real | DataType::Float4 => DataType::Double(ExactNumberInfo::None),
        _ => return false,
    };
    *data_type = wider;
    true
}

fn integer_literal(e: &Expr) -> bool {
    sqlguard::syntax::integer_literal(e).is_some()
}

/// `e` → `CAST(e AS BIGINT)`.
fn widen(e: &mut Expr) {
    let inner = std::mem::replace(e, Expr::value(Value::Null));
    *e = Expr::Cast {
        kind: CastKind::Cast,
        expr: Box::new(inner),
        data_type: DataType::BigInt(None),
        array: false,
        format: None,
    };
}

/// `2.5e-3` → `0.0025`, `1e5` → `100000.0`: the same number, written the way Polars reads it.
fn without_exponent(text: &mut String) -> bool {
    if !text.contains(['e', 'E']) {
        return false;
    }
    // Past f64's range (`1e400`) it stays as written, and Polars says it cannot read it.
    let Some(number) = text.parse::<f64>().ok().filter(|n| n.is_finite()) else {
        return false;
    };
    *text = plain_decimal(number);
    true
}

/// A finite float written without an exponent, always with a decimal point (so Polars reads a float).
pub(crate) fn plain_decimal(number: f64) -> String {
    let mut text = number.to_string();
    if !text.contains('.') {
        text.push_str(".0");
    }
    text
}

#[cfg(test)]
#[path = "dialect_tests.rs"]
mod tests;

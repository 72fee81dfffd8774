//! Scalar subqueries (`WHERE age > (SELECT avg(age) FROM data)`), which Polars SQL cannot run, evaluated
//! first and replaced by their value, as SQLite would read them: the first row's only column, or NULL when
//! there is no row.
//!
//! The SQL comes from sqlguard, so every subquery is already validated and none is correlated (sqlguard
//! refuses those: alone, `data.dept` in `FROM data AS x` would read the inner table's column). Running one
//! on its own runs part of an approved query, and what goes back into the query is a literal. A subquery
//! that fails on its own, or whose value has no literal, is left as written: Polars then reports it.

use std::ops::ControlFlow;

use polars::prelude::AnyValue;
use sqlparser::ast::{
    DataType, Expr, Query, TimezoneInfo, TypedString, UnaryOperator, Value, VisitMut, VisitorMut,
};

use super::values;

/// Replaces every scalar subquery of `query` by `evaluate`'s literal; false when there was nothing to
/// replace. `evaluate` runs one subquery's SQL and returns its value as a literal.
pub(crate) fn inline(query: &mut Query, evaluate: &mut dyn FnMut(&str) -> Option<Expr>) -> bool {
    let mut inliner = Inliner {
        with: query.with.as_ref().map(ToString::to_string),
        evaluate,
        changed: false,
    };
    let _ = query.visit(&mut inliner);
    inliner.changed
}

struct Inliner<'a> {
    /// The outer WITH clause, for subqueries that read a CTE.
    with: Option<String>,
    evaluate: &'a mut dyn FnMut(&str) -> Option<Expr>,
    changed: bool,
}

impl VisitorMut for Inliner<'_> {
    type Break = ();

    // Post-order: inner subqueries are replaced before the ones that contain them are run.
    fn post_visit_expr(&mut self, expr: &mut Expr) -> ControlFlow<()> {
        if let Expr::Subquery(subquery) = expr {
            let alone = subquery.to_string();
            let value = (self.evaluate)(&alone).or_else(|| match &self.with {
                Some(with) if subquery.with.is_none() => {
                    (self.evaluate)(&format!("{with} {alone}"))
                }
                _ => None,
            });
            if let Some(literal) = value {
                *expr = literal;
                self.changed = true;
            }
        }
        ControlFlow::Continue(())
    }
}

fn number(text: String) -> Expr {
    match text.strip_prefix('-') {
        Some(magnitude) => Expr::UnaryOp {
            op: UnaryOperator::Minus,
            expr: Box::new(Expr::value(Value::Number(magnitude.to_owned(), false))),
        },
        None => Expr::value(Value::Number(text, false)),
    }
}

fn typed(data_type: DataType, text: String) -> Expr {
    Expr::TypedString(TypedString {
        data_type,
        value: Value::SingleQuotedString(text).with_empty_span(),
        uses_odbc_syntax: false,
    })
}

/// A cell as a SQL literal; `None` for kinds that have no literal form here (lists, structs, ...).
pub(crate) fn literal(value: &AnyValue<'_>) -> Option<Expr> {
    Some(match value {
        AnyValue::Null => Expr::value(Value::Null),
        AnyValue::Boolean(b) => Expr::value(Value::Boolean(*b)),
        AnyValue::String(s) => Expr::value(Value::SingleQuotedString((*s).to_owned())),
        AnyValue::StringOwned(s) => Expr::value(Value::SingleQuotedString(s.to_string())),
        AnyValue::Float32(_) | AnyValue::Float64(_) => {
            let f = value.extract::<f64>()?;
            if !f.is_finite() {
                return Some(Expr::value(Value::Null));
            }
            number(super::dialect::plain_decimal(f))
        }
        AnyValue::Date(days) => typed(DataType::Date, values::date(*days)?),
        // Polars SQL has no literal for a datetime with a time zone: such a subquery is left to Polars.
        AnyValue::Datetime(v, unit, None) | AnyValue::DatetimeOwned(v, unit, None) => {
            let text = values::datetime(*v, *unit)?.replacen('T', " ", 1);
            typed(DataType::Timestamp(None, TimezoneInfo::None), text)
        }
        AnyValue::Time(_) => typed(DataType::Time(None, TimezoneInfo::None), value.to_string()),
        other if other.dtype().is_integer() => number(other.to_string()),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(sql: &str, value: Option<Expr>) -> Option<String> {
        let mut seen = Vec::new();
        let mut evaluate = |sub: &str| {
            seen.push(sub.to_owned());
            value.clone()
        };
        let mut query = crate::worker::dialect::parse_query(sql)?;
        inline(&mut query, &mut evaluate).then(|| query.to_string())
    }

    #[test]
    fn scalar_subqueries_become_literals() {
        let sql = "SELECT name FROM data WHERE age > (SELECT avg(age) FROM data)";
        assert_eq!(
            run(sql, literal(&AnyValue::Float64(34.5))).as_deref(),
            Some("SELECT name FROM data WHERE age > 34.5")
        );
        assert_eq!(
            run(sql, literal(&AnyValue::Int64(-3))).as_deref(),
            Some("SELECT name FROM data WHERE age > -3")
        );
        assert_eq!(
            run(sql, literal(&AnyValue::String("it's"))).as_deref(),
            Some("SELECT name FROM data WHERE age > 'it''s'")
        );
        assert_eq!(
            run(sql, literal(&AnyValue::Date(0))).as_deref(),
            Some("SELECT name FROM data WHERE age > DATE '1970-01-01'")
        );
        // IN (subquery) is supported by polars and left alone; so is a subquery that cannot run alone.
        assert_eq!(
            run("SELECT a FROM data WHERE a IN (SELECT a FROM data)", None),
            None
        );
        assert_eq!(run(sql, None), None);
        assert_eq!(run("SELECT 1", None), None);
    }
}

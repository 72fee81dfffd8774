//! `DATE_TRUNC('month', d)`, the PostgreSQL (and DuckDB, Snowflake) way models group by period, which
//! Polars SQL lacks: written with the calls Polars has.
//!
//! Units of a day or longer give a date (`2024-03-01`), as DuckDB does for dates; PostgreSQL gives a
//! timestamp at midnight, which reads the same in a chart and compares the same with `'2024-03-01'`. Hours,
//! minutes and seconds give a timestamp. The unit may be quoted (`'month'`), bare (`month`) or plural, and come
//! first or (as in BigQuery) second.

use sqlparser::ast::{Expr, FunctionArg, FunctionArgExpr, FunctionArguments, Value};

use crate::issue::Rule;
use crate::relations::location_of;
use crate::walk::Walker;

const UNITS: &str = "second, minute, hour, day, week, month, quarter or year";

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Unit {
    Second,
    Minute,
    Hour,
    Day,
    Week,
    Month,
    Quarter,
    Year,
}

impl Unit {
    fn parse(word: &str) -> Option<Unit> {
        let word = word.trim().to_ascii_lowercase();
        let word = word.strip_suffix('s').unwrap_or(&word);
        Some(match word {
            "second" => Unit::Second,
            "minute" => Unit::Minute,
            "hour" => Unit::Hour,
            "day" => Unit::Day,
            "week" | "isoweek" => Unit::Week,
            "month" => Unit::Month,
            "quarter" => Unit::Quarter,
            "year" => Unit::Year,
            _ => return None,
        })
    }
}

/// The unit an argument spells: `'month'` or a bare `month`.
fn unit_word(e: &Expr) -> Option<&str> {
    match e {
        Expr::Value(v) => match &v.value {
            Value::SingleQuotedString(s) => Some(s),
            _ => None,
        },
        Expr::Identifier(ident) if ident.quote_style.is_none() => Some(&ident.value),
        _ => None,
    }
}

/// The expression `DATE_TRUNC(unit, x)` means, as Polars SQL; `x` is SQL text already resolved, `is_date`
/// whether it holds dates rather than datetimes.
fn truncated(unit: Unit, x: &str, is_date: bool) -> String {
    let as_date = if is_date {
        x.to_owned()
    } else {
        format!("CAST({x} AS DATE)")
    };
    let formatted = |format: &str| format!("CAST(STRFTIME({x}, '{format}') AS DATE)");
    let clock = |format: &str| {
        if is_date {
            format!("CAST({x} AS TIMESTAMP)")
        } else {
            format!("STRPTIME(STRFTIME({x}, '{format}'), '%Y-%m-%d %H:%M:%S')")
        }
    };
    match unit {
        Unit::Second => clock("%Y-%m-%d %H:%M:%S"),
        Unit::Minute => clock("%Y-%m-%d %H:%M:00"),
        Unit::Hour => clock("%Y-%m-%d %H:00:00"),
        Unit::Day => as_date,
        // Days since 1970-01-01, a Thursday: the Monday on or before is 3 days after a multiple of 7.
        Unit::Week => {
            let days = format!("CAST({as_date} AS BIGINT)");
            format!("CAST({days} - ({days} + 3) % 7 AS DATE)")
        }
        Unit::Month => formatted("%Y-%m-01"),
        Unit::Quarter => format!(
            "CAST(STRFTIME({x}, '%Y-') || LPAD(CAST((EXTRACT(QUARTER FROM {x}) - 1) * 3 + 1 AS TEXT), 2, '0') \
             || '-01' AS DATE)"
        ),
        Unit::Year => formatted("%Y-01-01"),
    }
}

impl Walker<'_> {
    /// Rewrites `e` when it is a `DATE_TRUNC` call; true when it was one (rewritten or refused).
    pub(crate) fn date_trunc(&mut self, e: &mut Expr) -> bool {
        let Expr::Function(f) = e else { return false };
        if crate::syntax::function_name(&f.name).as_deref() != Some("date_trunc") {
            return false;
        }
        let location = location_of(&f.name);
        let args: Vec<&mut Expr> = match &mut f.args {
            FunctionArguments::List(list) if f.over.is_none() && f.filter.is_none() => list
                .args
                .iter_mut()
                .filter_map(|a| match a {
                    FunctionArg::Unnamed(FunctionArgExpr::Expr(x)) => Some(x),
                    _ => None,
                })
                .collect(),
            _ => Vec::new(),
        };
        let pair = <[&mut Expr; 2]>::try_from(args).ok();
        let parsed = pair.and_then(|[a, b]| match unit_word(a).and_then(Unit::parse) {
            Some(unit) => Some((unit, b)),
            None => unit_word(b).and_then(Unit::parse).map(|unit| (unit, a)),
        });
        let (unit, x) = match parsed {
            Some(found) => found,
            None => {
                self.reject(
                    Rule::UnsupportedSyntax,
                    format!(
                        "DATE_TRUNC takes a unit and a date or datetime, such as DATE_TRUNC('month', d); \
                         the unit may be {UNITS}."
                    ),
                    location,
                );
                return true;
            }
        };
        self.expr(x);
        if self.too_deep() {
            return true;
        }
        crate::temporal::text_as_datetime(&self.scopes, x);
        let is_date = crate::temporal::is_date_expr(&self.scopes, x);
        match crate::parse_expression(&truncated(unit, &x.to_string(), is_date)) {
            Some(rewritten) => *e = rewritten,
            None => self.reject(
                Rule::UnsupportedSyntax,
                "DATE_TRUNC of this expression could not be written for the engine; truncate a column."
                    .to_owned(),
                location,
            ),
        }
        true
    }
}

//! Days (and months, years, hours) between two dates in the spellings models bring from other databases,
//! which Polars SQL lacks: SQLite's `julianday(b) - julianday(a)`, MySQL's `DATEDIFF(b, a)`, SQL Server's and
//! Snowflake's `DATEDIFF(day, a, b)`, BigQuery's `DATE_DIFF(b, a, DAY)`, and PostgreSQL's
//! `EXTRACT(DAY FROM b - a)` and `EXTRACT(EPOCH FROM b - a)`.
//!
//! Each becomes an expression of calls Polars has, built around the original arguments before they are
//! walked; the walk then checks and rewrites them as anywhere else (a date difference becomes days there).

use sqlparser::ast::{DateTimeField, Expr};

use crate::issue::Rule;
use crate::relations::location_of;
use crate::scope::SelectScope;
use crate::temporal::{chrono_like_date, chrono_like_datetime, is_date_expr, text_literal};
use crate::walk::Walker;

/// The Julian day of 1970-01-01 00:00, where Polars counts dates and datetimes from.
const UNIX_EPOCH_JULIAN_DAY: &str = "2440587.5";

/// The boundaries `DATEDIFF` counts between two dates.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Unit {
    Second,
    Minute,
    Hour,
    Day,
    Month,
    Quarter,
    Year,
}

impl Unit {
    fn parse(e: &Expr) -> Option<Unit> {
        // Bare, 'quoted' or "quoted" (an identifier, which names no column here).
        let word = match e {
            Expr::Identifier(ident) => ident.value.as_str(),
            other => text_literal(other)?,
        };
        let word = word.trim().to_ascii_lowercase();
        // Plurals of words (`days`), not abbreviations (`ss` is seconds; `ms` and `ns` are no unit here).
        let singular = match word.as_str() {
            long if long.len() > 3 => long.strip_suffix('s').unwrap_or(long),
            short => short,
        };
        Some(match singular {
            "second" | "sec" | "ss" | "s" => Unit::Second,
            "minute" | "min" | "mi" | "n" => Unit::Minute,
            "hour" | "hh" => Unit::Hour,
            "day" | "dd" | "d" => Unit::Day,
            "month" | "mm" | "m" => Unit::Month,
            "quarter" | "qq" | "q" => Unit::Quarter,
            "year" | "yy" | "yyyy" => Unit::Year,
            _ => return None,
        })
    }
}

/// `x` as SQL Polars reads as a date or datetime: a `'2024-01-15'` or `'2024-01-15 10:30:00'` literal cast,
/// anything else as written.
fn temporal(x: &Expr) -> String {
    match text_literal(x) {
        Some(text) if chrono_like_date(text) => format!("CAST('{text}' AS DATE)"),
        Some(text) if chrono_like_datetime(text) => {
            format!("CAST('{}' AS TIMESTAMP)", text.replacen(' ', "T", 1))
        }
        _ => x.to_string(),
    }
}

fn is_date(scopes: &[SelectScope], x: &Expr) -> bool {
    is_date_expr(scopes, x) || text_literal(x).is_some_and(chrono_like_date)
}

/// Seconds since 1970 of a date or datetime (a text column is read as `EXTRACT` reads it).
fn epoch_seconds(scopes: &[SelectScope], x: &Expr) -> String {
    if is_date(scopes, x) {
        format!("(CAST({} AS BIGINT) * 86400)", temporal(x))
    } else if text_literal(x).is_some() || crate::compat::is_column_of_kind(scopes, x, |r| &r.texts)
    {
        format!("EXTRACT(EPOCH FROM {})", temporal(x))
    } else {
        // Microseconds, not EXTRACT's epoch: that goes through nanoseconds and is NULL past 2262 (a
        // `9999-12-31` "valid to" sentinel) and before 1677.
        format!("(CAST(CAST({x} AS TIMESTAMP) AS BIGINT) / 1000000.0)")
    }
}

/// The day since 1970 that a date or datetime falls on.
fn day_number(scopes: &[SelectScope], x: &Expr) -> String {
    if is_date(scopes, x) {
        format!("CAST({} AS BIGINT)", temporal(x))
    } else {
        format!(
            "CAST(FLOOR({} / 86400) AS BIGINT)",
            epoch_seconds(scopes, x)
        )
    }
}

fn part(field: &str, x: &Expr) -> String {
    format!("EXTRACT({field} FROM {})", temporal(x))
}

/// `to - from` counted in `unit` boundaries crossed, as SQL Server's `DATEDIFF` counts.
fn boundaries(scopes: &[SelectScope], unit: Unit, from: &Expr, to: &Expr) -> String {
    let clock = |size: u32| {
        let at = |x: &Expr| format!("FLOOR({} / {size})", epoch_seconds(scopes, x));
        format!("CAST({} - {} AS BIGINT)", at(to), at(from))
    };
    let months = |x: &Expr, per_year: u32, field: &str| {
        format!("({} * {per_year} + {})", part("YEAR", x), part(field, x))
    };
    match unit {
        Unit::Second => clock(1),
        Unit::Minute => clock(60),
        Unit::Hour => clock(3600),
        Unit::Day => format!(
            "({} - {})",
            day_number(scopes, to),
            day_number(scopes, from)
        ),
        Unit::Month => format!(
            "({} - {})",
            months(to, 12, "MONTH"),
            months(from, 12, "MONTH")
        ),
        Unit::Quarter => format!(
            "({} - {})",
            months(to, 4, "QUARTER"),
            months(from, 4, "QUARTER")
        ),
        Unit::Year => format!("({} - {})", part("YEAR", to), part("YEAR", from)),
    }
}

/// The SQL a day-count call means, `Err` with what to write instead when it is one that cannot be read.
fn call(scopes: &[SelectScope], name: &str, args: &[&Expr]) -> Result<String, String> {
    match (name, args) {
        ("julianday", [x]) => Ok(match is_date(scopes, x) {
            true => format!("({} + {UNIX_EPOCH_JULIAN_DAY})", day_number(scopes, x)),
            false => format!(
                "({} / 86400.0 + {UNIX_EPOCH_JULIAN_DAY})",
                epoch_seconds(scopes, x)
            ),
        }),
        ("julianday", _) => Err(
            "julianday takes one date: write the days between two dates as `b - a` \
                                 (whole days between dates) or `julianday(b) - julianday(a)`."
                .into(),
        ),
        // MySQL: the days between the two dates' days, later one first.
        ("datediff", [to, from]) => Ok(boundaries(scopes, Unit::Day, from, to)),
        // SQL Server, Snowflake, Redshift: the unit first, then from and to.
        ("datediff", [unit, from, to]) => match Unit::parse(unit) {
            Some(unit) => Ok(boundaries(scopes, unit, from, to)),
            None => Err(units_advice("DATEDIFF(day, a, b)")),
        },
        // BigQuery: to and from, then the unit; DuckDB: the unit, then from and to.
        ("date_diff", [first, from_or_to, last]) => {
            // A quoted unit first is DuckDB's order, whatever the last argument is called (a column `m`).
            let duckdb = text_literal(first).and_then(|_| Unit::parse(first));
            match (duckdb, Unit::parse(last), Unit::parse(first)) {
                (Some(unit), _, _) | (None, None, Some(unit)) => {
                    Ok(boundaries(scopes, unit, from_or_to, last))
                }
                (None, Some(unit), _) => Ok(boundaries(scopes, unit, from_or_to, first)),
                (None, None, None) => Err(units_advice("DATE_DIFF(b, a, DAY)")),
            }
        }
        ("date_diff", _) => {
            Err("DATE_DIFF takes (end, start, unit), as DATE_DIFF(b, a, DAY).".into())
        }
        _ => Err(
            "DATEDIFF takes (unit, start, end), as DATEDIFF(day, a, b), or (end, start) for days."
                .into(),
        ),
    }
}

fn units_advice(example: &str) -> String {
    format!(
        "{example} counts second, minute, hour, day, month, quarter or year boundaries; for weeks count days \
         and divide by 7."
    )
}

/// The field `DATE_PART('day', x)` names, of those `extract` reads: day, hour, minute and epoch.
fn date_part_field(word: &Expr) -> Option<DateTimeField> {
    match text_literal(word)?.trim().to_ascii_lowercase().as_str() {
        "day" | "days" => Some(DateTimeField::Day),
        "hour" | "hours" => Some(DateTimeField::Hour),
        "minute" | "minutes" => Some(DateTimeField::Minute),
        "epoch" => Some(DateTimeField::Epoch),
        _ => None,
    }
}

/// The operand of `EXTRACT(... FROM x)` or `DATE_PART('...', x)` that `extract` reads.
fn extract_operand(e: &mut Expr) -> Option<&mut Expr> {
    match e {
        Expr::Extract { expr, .. } => Some(expr),
        Expr::Function(f)
            if crate::syntax::function_name(&f.name).as_deref() == Some("date_part")
                && f.over.is_none() =>
        {
            let sqlparser::ast::FunctionArguments::List(list) = &mut f.args else {
                return None;
            };
            match list.args.as_mut_slice() {
                [
                    _,
                    sqlparser::ast::FunctionArg::Unnamed(sqlparser::ast::FunctionArgExpr::Expr(x)),
                ] => Some(x),
                _ => None,
            }
        }
        _ => None,
    }
}

/// PostgreSQL's `EXTRACT(DAY FROM b - a)` (the whole days of the interval), `EXTRACT(EPOCH FROM b - a)` (its
/// seconds) and `EXTRACT(EPOCH FROM d)` of a date (its seconds since 1970; Polars failed: "`nanosecond`
/// operation not supported for dtype `date`"): `None` for any other part or argument.
fn extract(
    scopes: &[SelectScope],
    field: &DateTimeField,
    x: &Expr,
) -> Option<Result<String, String>> {
    let mut inner = x;
    while let Expr::Nested(nested) = inner {
        inner = nested;
    }
    let is_datetime = |x: &Expr| crate::datetimes::is_datetime_expr(scopes, x);
    if matches!(field, DateTimeField::Epoch) && (is_date(scopes, inner) || is_datetime(inner)) {
        return Some(Ok(epoch_seconds(scopes, inner)));
    }
    let Expr::BinaryOp {
        left,
        op: sqlparser::ast::BinaryOperator::Minus,
        right,
    } = inner
    else {
        return None;
    };
    let is_temporal = |x: &Expr| {
        is_date(scopes, x) || text_literal(x).is_some_and(chrono_like_datetime) || is_datetime(x)
    };
    if !(is_temporal(left) && is_temporal(right)) {
        return None;
    }
    let dates = is_date(scopes, left) && is_date(scopes, right);
    let seconds = format!(
        "({} - {})",
        epoch_seconds(scopes, left),
        epoch_seconds(scopes, right)
    );
    // Whole units of the interval, toward zero, as PostgreSQL keeps its days, hours and minutes.
    let whole = |size: u32| format!("CAST({seconds} / {size} AS BIGINT)");
    Some(Ok(match field {
        // Two dates: PostgreSQL's difference is already the days (its EXTRACT refuses a number; the author
        // means the days).
        DateTimeField::Day | DateTimeField::Days if dates => format!(
            "({} - {})",
            day_number(scopes, left),
            day_number(scopes, right)
        ),
        DateTimeField::Day | DateTimeField::Days => whole(86400),
        // The interval's hours after its whole days, and minutes after its whole hours.
        DateTimeField::Hour | DateTimeField::Hours => {
            format!("({} - {} * 24)", whole(3600), whole(86400))
        }
        DateTimeField::Minute | DateTimeField::Minutes => {
            format!("({} - {} * 60)", whole(60), whole(3600))
        }
        DateTimeField::Epoch => seconds,
        other => {
            return Some(Err(format!(
                "EXTRACT({other} FROM b - a) of two dates or datetimes is not supported: the difference is an \
                 interval; take its DAY, HOUR, MINUTE or its EPOCH (seconds, e.g. `EXTRACT(EPOCH FROM b - a) / \
                 60` for minutes)."
            )));
        }
    }))
}

impl Walker<'_> {
    /// Walks `x` where it is a scalar subquery, or the difference of one with something.
    fn walk_subquery_operands(&mut self, x: &mut Expr) {
        let mut inner = x;
        while let Expr::Nested(nested) = inner {
            inner = nested;
        }
        match inner {
            Expr::Subquery(_) => {
                self.expr(inner);
                self.mark_datetime_subquery(inner);
            }
            Expr::BinaryOp {
                left,
                op: sqlparser::ast::BinaryOperator::Minus,
                right,
            } => {
                for side in [left, right] {
                    let mut operand = side.as_mut();
                    while let Expr::Nested(nested) = operand {
                        operand = nested;
                    }
                    if matches!(operand, Expr::Subquery(_)) {
                        self.expr(operand);
                        self.mark_datetime_subquery(operand);
                    }
                }
            }
            _ => {}
        }
    }

    /// Rewrites `e` when it counts days between dates in another database's spelling (see the module); true
    /// when it did (and walked the result) or refused it.
    pub(crate) fn day_count(&mut self, e: &mut Expr) -> bool {
        // A scalar subquery operand (`(SELECT MAX(tb) FROM data) - ta`) says what it holds once it is walked.
        if let Some(operand) = extract_operand(e)
            && !self.too_deep()
        {
            self.walk_subquery_operands(operand);
        }
        let (rewritten, location) = match e {
            Expr::Extract { field, expr, .. } => match extract(&self.scopes, field, expr) {
                Some(text) => (text, None),
                None => return false,
            },
            Expr::Function(f) => {
                let Some(name) = crate::syntax::function_name(&f.name) else {
                    return false;
                };
                let args = crate::syntax::plain_args_of(&f.args).filter(|_| f.over.is_none());
                match name.as_str() {
                    // `DATE_PART('day', b - a)`, as `EXTRACT(DAY FROM b - a)`.
                    "date_part" => {
                        let Some([word, x]) = args.as_deref() else {
                            return false;
                        };
                        let field = date_part_field(word);
                        match field.and_then(|field| extract(&self.scopes, &field, x)) {
                            Some(text) => (text, None),
                            None => return false,
                        }
                    }
                    "julianday" | "datediff" | "date_diff" => {
                        // `julianday('now')` is refused where the other ways of asking for today are.
                        let now = |a: &&Expr| {
                            text_literal(a).is_some_and(|t| t.eq_ignore_ascii_case("now"))
                        };
                        let rewritten = match args {
                            Some(args) if args.iter().any(now) => Err(format!(
                                "`{name}('now')` is not allowed: an answer must not change with the day it \
                                 is asked. For \"recent\" questions, count back from the data's own latest \
                                 date, `(SELECT MAX(d) FROM data)`."
                            )),
                            Some(args) => call(&self.scopes, &name, &args),
                            None => Err(format!(
                                "{name} takes plain arguments, without DISTINCT, FILTER or OVER."
                            )),
                        };
                        (rewritten, location_of(&f.name))
                    }
                    _ => return false,
                }
            }
            _ => return false,
        };
        match rewritten.map(|text| crate::parse_expression(&text)) {
            Ok(Some(parsed)) => {
                *e = Expr::Nested(Box::new(parsed));
                self.expr(e);
            }
            Ok(None) => self.reject(
                Rule::UnsupportedSyntax,
                "this day count could not be written for the engine; subtract two date columns (`b - a` is \
                 days)."
                    .to_owned(),
                location,
            ),
            Err(message) => self.reject(Rule::UnsupportedSyntax, message, location),
        }
        true
    }
}

//! Which expressions hold datetimes (not dates), as `temporal::is_date_expr` tells dates: so that PostgreSQL's
//! `EXTRACT(DAY FROM MAX(tb) - MIN(ta))` and its friends are read as the interval between two datetimes
//! (`day_counts`), and `ta - 1`, which PostgreSQL refuses and Polars fails in its own words, is refused saying
//! what to write.

use sqlparser::ast::{BinaryOperator, CastKind, DataType, Expr, Query, SelectItem, SetExpr, Value};

use crate::compat::is_column_of_kind;
use crate::issue::Rule;
use crate::scope::SelectScope;
use crate::temporal::{is_date_expr, passes_through, single_output};
use crate::walk::Walker;

/// True when `e` holds datetimes: a datetime column (also a CTE's), a cast to TIMESTAMP, a `TIMESTAMP '...'`
/// literal, a call that passes datetimes through (`MAX(tb)`, `LAG(tb) OVER (...)`, `COALESCE(tb, ta)`), a
/// scalar subquery whose one output is a cast to one (`Walker::mark_datetime_subquery`), or a datetime plus or
/// minus an interval.
pub(crate) fn is_datetime_expr(scopes: &[SelectScope], e: &Expr) -> bool {
    is_datetime_within(scopes, e, 0)
}

fn is_timestamp_type(data_type: &DataType) -> bool {
    matches!(data_type, DataType::Timestamp(..) | DataType::Datetime(_))
}

fn is_datetime_within(scopes: &[SelectScope], e: &Expr, depth: usize) -> bool {
    if depth > 16 {
        return false;
    }
    let is_datetime = |x: &Expr| is_datetime_within(scopes, x, depth + 1);
    match e {
        Expr::Identifier(_) | Expr::CompoundIdentifier(_) => {
            is_column_of_kind(scopes, e, |r| &r.datetimes)
        }
        Expr::Nested(inner) => is_datetime(inner),
        Expr::Cast { data_type, .. } => is_timestamp_type(data_type),
        Expr::TypedString(typed) => is_timestamp_type(&typed.data_type),
        Expr::Subquery(q) => {
            single_output(q).is_some_and(|item| is_datetime_within(&[], item, depth + 1))
        }
        Expr::BinaryOp {
            left,
            op: BinaryOperator::Plus | BinaryOperator::Minus,
            right,
        } => is_datetime(left) && matches!(right.as_ref(), Expr::Interval(_)),
        // A date beside a datetime becomes a datetime.
        Expr::Function(_) => passes_through(e, &is_datetime, &|x| is_date_expr(scopes, x)),
        _ => false,
    }
}

/// A number literal (`1`, `-30`, `0.5`).
fn is_number(e: &Expr) -> bool {
    match e {
        Expr::Value(v) => matches!(v.value, Value::Number(..)),
        Expr::UnaryOp { expr, .. } | Expr::Nested(expr) => is_number(expr),
        _ => false,
    }
}

impl Walker<'_> {
    /// True when the walked scalar subquery `q` (its names are then exact) outputs one datetime, as
    /// `(SELECT MAX(tb) FROM data)`: only its own scope knows it, and `is_datetime_expr` reads the query around.
    pub(crate) fn subquery_is_datetime(&self, q: &Query) -> bool {
        if self.too_deep() {
            return false;
        }
        let SetExpr::Select(select) = q.body.as_ref() else {
            return false;
        };
        let [SelectItem::UnnamedExpr(expr) | SelectItem::ExprWithAlias { expr, .. }] =
            select.projection.as_slice()
        else {
            return false;
        };
        is_datetime_expr(&self.scopes_of(select), expr)
    }

    /// `x` itself, or `CAST(x AS TIMESTAMP)` when it is a walked scalar subquery of a datetime, so that its
    /// text says what it holds (a cast of a datetime to itself).
    pub(crate) fn mark_datetime_subquery(&self, x: &mut Expr) {
        if let Expr::Subquery(q) = x
            && self.subquery_is_datetime(q)
        {
            let inner = std::mem::replace(x, Expr::value(Value::Null));
            *x = Expr::Cast {
                kind: CastKind::Cast,
                expr: Box::new(inner),
                data_type: DataType::Timestamp(None, sqlparser::ast::TimezoneInfo::None),
                array: false,
                format: None,
            };
        }
    }

    /// `ta - 1`, `(SELECT MAX(ta) FROM data) - 30`, `2 + ta` on a datetime: PostgreSQL refuses them ("operator
    /// does not exist: timestamp - integer"), Polars in its own words ("- not allowed on datetime[μs] and dyn
    /// int"). Refused, naming the interval to write.
    pub(crate) fn datetime_plus_number(&mut self, e: &Expr) {
        let Expr::BinaryOp { left, op, right } = e else {
            return;
        };
        let (datetime, number, sign) = match op {
            BinaryOperator::Minus => (left, right, "-"),
            BinaryOperator::Plus if is_number(left) => (right, left, "+"),
            BinaryOperator::Plus => (left, right, "+"),
            _ => return,
        };
        if !is_number(number) {
            return;
        }
        let mut operand = datetime.as_ref();
        while let Expr::Nested(inner) = operand {
            operand = inner;
        }
        let subquery = matches!(operand, Expr::Subquery(q) if self.subquery_is_datetime(q));
        if !(subquery || is_datetime_expr(&self.scopes, datetime)) {
            return;
        }
        let count = crate::syntax::integer_literal(number)
            .map(|n| n.unsigned_abs())
            .unwrap_or(1);
        let message = format!(
            "`{e}` adds or subtracts a number and a datetime, which has no meaning in SQL: write the interval, \
             e.g. `{datetime} {sign} INTERVAL '{count} days'` (or '{count} hours', '{count} minutes')."
        );
        self.reject(Rule::UnsupportedSyntax, message, None);
    }
}

//! SQLite's `typeof(x)`, which Polars lacks: 'null' on a row where `x` is NULL, else the type SQLite would
//! store `x` as ('integer', 'real', 'text'). Known here for a literal and for a column whose type is known (a
//! stored table's; a WITH query's or subquery's text, date or true/false column); refused for anything else,
//! whose type would be a guess.

use sqlparser::ast::{Expr, UnaryOperator, Value};

use crate::compat::is_column_of_kind;
use crate::walk::Walker;

impl Walker<'_> {
    /// Rewrites and walks `e` when it is a call of `typeof`; false otherwise.
    pub(crate) fn type_of(&mut self, e: &mut Expr) -> bool {
        let Expr::Function(f) = e else {
            return false;
        };
        if crate::syntax::function_name(&f.name).as_deref() != Some("typeof") {
            return false;
        }
        let arg = match crate::syntax::plain_args_of(&f.args).as_deref() {
            Some([arg]) if f.over.is_none() && f.filter.is_none() => (*arg).clone(),
            _ => {
                self.unsupported(
                    "this call of typeof",
                    "write `typeof(column)` with one argument.",
                );
                return true;
            }
        };
        let mut arg = arg;
        self.expr(&mut arg);
        let Some(kind) = self.storage_class(&arg) else {
            self.unsupported(
                &format!("typeof({arg})"),
                "typeof is known here for a table's column or a literal: apply it to a column \
                 (`typeof(salary)`); a dataset's column types are listed with the dataset.",
            );
            return true;
        };
        let text = match kind {
            "null" => "'null'".to_string(),
            _ if is_literal(&arg) => format!("'{kind}'"),
            _ => format!("CASE WHEN {arg} IS NULL THEN 'null' ELSE '{kind}' END"),
        };
        if let Some(rewritten) = crate::parse_expression(&text) {
            *e = rewritten;
        }
        true
    }

    /// SQLite's storage class of a literal or a column of known type (dates are text in SQLite, true and
    /// false the integers 1 and 0).
    fn storage_class(&self, arg: &Expr) -> Option<&'static str> {
        if let Some(kind) = literal_class(arg) {
            return Some(kind);
        }
        let of = |pick: fn(&crate::scope::Relation) -> &Vec<String>| {
            is_column_of_kind(&self.scopes, arg, pick)
        };
        if of(|r| &r.integers) || of(|r| &r.booleans) {
            Some("integer")
        } else if of(|r| &r.reals) {
            Some("real")
        } else if of(|r| &r.texts) || of(|r| &r.dates) || of(|r| &r.datetimes) {
            Some("text")
        } else {
            None
        }
    }
}

fn literal_class(e: &Expr) -> Option<&'static str> {
    match e {
        Expr::Value(v) => match &v.value {
            Value::Null => Some("null"),
            Value::Boolean(_) => Some("integer"),
            Value::SingleQuotedString(_) => Some("text"),
            Value::Number(n, _) if n.contains(['.', 'e', 'E']) => Some("real"),
            Value::Number(..) => Some("integer"),
            _ => None,
        },
        Expr::UnaryOp {
            op: UnaryOperator::Minus | UnaryOperator::Plus,
            expr,
        } if matches!(literal_class(expr), Some("integer" | "real")) => literal_class(expr),
        Expr::Nested(x) => literal_class(x),
        _ => None,
    }
}

fn is_literal(e: &Expr) -> bool {
    literal_class(e).is_some()
}

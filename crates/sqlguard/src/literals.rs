//! A column compared with a literal of another type, read as SQL reads it where Polars answered otherwise:
//!
//! - A true/false column against text: PostgreSQL reads `'True'`, `'yes'`, `'t'`, `'1'` as true; Polars
//!   matched only `'true'`, so `active = 'True'` counted nothing and `active <> 'True'` counted every row.
//!   A number 1 or 0 in an IN list (`active IN (1)`) failed in Polars. Text that spells neither is refused.
//! - A text column equal (or not) to a whole number: SQLite compares the number's text (`code = 7` is
//!   `code = '7'`, also in an IN list);
//!   Polars failed ("cannot compare string with numeric type"). Text functions of a number column read its
//!   text too (`LENGTH(salary)`, `SUBSTR(zip, 1, 2)`), as in SQLite; Polars refused ("expected String").
//! - A number column as a condition (`WHERE is_active`, `CASE WHEN flag THEN ...`) is true when not 0, as
//!   in SQLite; Polars refused ("filter predicate must be of type Boolean").

use sqlparser::ast::{BinaryOperator, Expr, Value};

use crate::compat::is_column_of_kind;
use crate::issue::Rule;
use crate::walk::Walker;

/// What PostgreSQL's boolean input reads `text` as.
fn truth_of(text: &str) -> Option<bool> {
    match text.trim().to_ascii_lowercase().as_str() {
        "true" | "t" | "yes" | "y" | "on" | "1" => Some(true),
        "false" | "f" | "no" | "n" | "off" | "0" => Some(false),
        _ => None,
    }
}

/// A whole number written plainly (`7`, `120`), whose text is the same in SQLite.
fn whole_number(e: &Expr) -> Option<&str> {
    match e {
        Expr::Value(v) => match &v.value {
            Value::Number(n, _)
                if !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()) && n.len() <= 19 =>
            {
                Some(n)
            }
            _ => None,
        },
        _ => None,
    }
}

impl Walker<'_> {
    /// `column op literal` (either side) with the literal of another type than the column.
    pub(crate) fn typed_comparison(
        &mut self,
        left: &mut Expr,
        op: &BinaryOperator,
        right: &mut Expr,
    ) {
        use BinaryOperator as B;
        if !crate::syntax::is_comparison(op) {
            return;
        }
        if self.is_kind(left, |r| &r.booleans) {
            self.truth_literal(left, right);
        } else if self.is_kind(right, |r| &r.booleans) {
            self.truth_literal(right, left);
        } else if !matches!(op, B::Eq | B::NotEq) {
            // `code > 50` as text keeps '9' and leaves out '100': SQLite's answer, which its author cannot
            // have meant. Polars' refusal says the column holds text.
        } else if self.is_kind(left, |r| &r.texts) {
            number_as_text(right);
        } else if self.is_kind(right, |r| &r.texts) {
            number_as_text(left);
        }
    }

    /// `column IN (...)`, item by item as [`Self::typed_comparison`] reads one.
    pub(crate) fn typed_list(&mut self, column: &Expr, items: &mut [Expr]) {
        if self.is_kind(column, |r| &r.booleans) {
            for item in items {
                self.truth_literal(column, item);
            }
        } else if self.is_kind(column, |r| &r.texts) {
            items.iter_mut().for_each(number_as_text);
        }
    }

    fn is_kind(&self, e: &Expr, kind: impl Fn(&crate::scope::Relation) -> &Vec<String>) -> bool {
        is_column_of_kind(&self.scopes, e, kind)
    }

    /// `literal` compared with the true/false `column`: TRUE or FALSE, or refused.
    fn truth_literal(&mut self, column: &Expr, literal: &mut Expr) {
        let Expr::Value(v) = literal else { return };
        let truth = match &v.value {
            Value::SingleQuotedString(text) => truth_of(text),
            Value::Number(n, _) if n == "1" || n == "0" => Some(n == "1"),
            _ => return,
        };
        match truth {
            Some(truth) => v.value = Value::Boolean(truth),
            None => self.reject(
                Rule::UnsupportedSyntax,
                format!(
                    "`{column}` holds true/false, and {literal} is neither: compare it with TRUE or FALSE \
                     (or write `WHERE {column}` / `WHERE NOT {column}`)."
                ),
                None,
            ),
        }
    }
}

fn number_as_text(e: &mut Expr) {
    if let Some(n) = whole_number(e).map(str::to_owned)
        && let Expr::Value(v) = e
    {
        v.value = Value::SingleQuotedString(n);
    }
}

/// The first argument of a text function (`LENGTH`, `SUBSTR`, ...) when it is a number column: its text.
pub(crate) fn number_as_text_argument(scopes: &[crate::scope::SelectScope], e: &mut Expr) {
    if crate::compat::is_numeric_column(scopes, e)
        && let Some(text) = crate::parse_expression(&format!("CAST({e} AS TEXT)"))
    {
        *e = text;
    }
}

/// Where `e` stands as a condition (WHERE, HAVING, a CASE's WHEN, and the operands of AND, OR and NOT
/// there), a number column becomes `column <> 0`, and a literal NULL `CAST(NULL AS BOOLEAN)`. Stops at a
/// depth no query within the limits needs.
pub(crate) fn number_as_condition(scopes: &[crate::scope::SelectScope], e: &mut Expr) {
    as_condition_within(scopes, e, 0);
}

fn as_condition_within(scopes: &[crate::scope::SelectScope], e: &mut Expr, depth: usize) {
    use sqlparser::ast::UnaryOperator;
    if depth > 32 {
        return;
    }
    match e {
        Expr::Nested(inner) => as_condition_within(scopes, inner, depth + 1),
        Expr::UnaryOp {
            op: UnaryOperator::Not,
            expr,
        } => as_condition_within(scopes, expr, depth + 1),
        Expr::BinaryOp {
            left,
            op: BinaryOperator::And | BinaryOperator::Or,
            right,
        } => {
            as_condition_within(scopes, left, depth + 1);
            as_condition_within(scopes, right, depth + 1);
        }
        // NULL as a condition is unknown (SQLite); Polars refused a condition of no type.
        Expr::Value(v) if matches!(v.value, sqlparser::ast::Value::Null) => {
            if let Some(unknown) = crate::parse_expression("CAST(NULL AS BOOLEAN)") {
                *e = unknown;
            }
        }
        _ if crate::compat::is_numeric_column(scopes, e) => {
            if let Some(test) = crate::parse_expression(&format!("({e} <> 0)")) {
                *e = test;
            }
        }
        _ => {}
    }
}

/// True for the SQL types that hold numbers (`INT`, `BIGINT`, `DOUBLE`, `REAL`, `DECIMAL(10, 2)`, ...).
fn is_number_type(data_type: &sqlparser::ast::DataType) -> bool {
    let text = data_type.to_string().to_ascii_uppercase();
    let word: String = text
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric())
        .collect();
    let word = word.trim_start_matches('U');
    [
        "INT",
        "INTEGER",
        "BIGINT",
        "SMALLINT",
        "TINYINT",
        "MEDIUMINT",
        "HUGEINT",
        "INT2",
        "INT4",
        "INT8",
        "INT16",
        "INT32",
        "INT64",
        "INT128",
        "FLOAT",
        "FLOAT4",
        "FLOAT8",
        "FLOAT32",
        "FLOAT64",
        "REAL",
        "DOUBLE",
        "DECIMAL",
        "NUMERIC",
        "DEC",
        "BIGNUMERIC",
        "BIGDECIMAL",
        "SIGNED",
        "NSIGNED",
    ]
    .contains(&word)
}

/// `CAST(' 42 ' AS INT)`, `CAST(code AS DOUBLE)` of text with spaces around the number: SQLite and PostgreSQL
/// read the number, Polars failed ("conversion from `str` to `i64` failed"). A text literal loses its spaces;
/// a text column is trimmed before the cast.
pub(crate) fn trimmed_number_cast(
    scopes: &[crate::scope::SelectScope],
    operand: &mut Expr,
    data_type: &sqlparser::ast::DataType,
) {
    if !is_number_type(data_type) {
        return;
    }
    if let Expr::Value(v) = operand
        && let Value::SingleQuotedString(text) = &mut v.value
    {
        let trimmed = text.trim();
        if trimmed.len() != text.len() {
            *text = trimmed.to_owned();
        }
    } else if is_column_of_kind(scopes, operand, |r| &r.texts)
        && let Some(trimmed) = crate::parse_expression(&format!("TRIM({operand})"))
    {
        *operand = trimmed;
    }
}

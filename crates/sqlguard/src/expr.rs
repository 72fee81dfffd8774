//! Expressions: allowlisted node kinds and operators, identifier resolution and rewriting.

use sqlparser::ast::{
    BinaryOperator as B, Expr, FunctionArguments, ObjectNamePart, UnaryOperator, Value,
};

use crate::issue::Rule;
use crate::walk::Walker;

fn binary_op_allowed(op: &B) -> bool {
    matches!(
        op,
        B::Plus
            | B::Minus
            | B::Multiply
            | B::Divide
            | B::Modulo
            | B::StringConcat
            | B::Gt
            | B::Lt
            | B::GtEq
            | B::LtEq
            | B::Spaceship
            | B::Eq
            | B::NotEq
            | B::And
            | B::Or
            | B::Xor
            | B::BitwiseOr
            | B::BitwiseAnd
            | B::BitwiseXor
            | B::DuckIntegerDivide
            | B::PGRegexMatch
            | B::PGRegexIMatch
            | B::PGRegexNotMatch
            | B::PGRegexNotIMatch
            | B::PGLikeMatch
            | B::PGILikeMatch
            | B::PGNotLikeMatch
            | B::PGNotILikeMatch
            | B::PGStartsWith
    )
}

/// A column reference, however written.
fn is_name(e: &Expr) -> bool {
    matches!(e, Expr::Identifier(_) | Expr::CompoundIdentifier(_))
}

impl Walker<'_> {
    pub(crate) fn expr(&mut self, e: &mut Expr) {
        self.deeper(|w| w.expr_inner(e));
    }

    /// Walk `e`; `compared` when it stands where a value is compared with a column (`dept = "IT"`,
    /// `IN ("a", "b")`), where a double-quoted word that names nothing is SQLite's string.
    fn value(&mut self, e: &mut Expr, compared: bool) {
        let outer = std::mem::replace(&mut self.compared_value, compared);
        self.expr(e);
        self.compared_value = outer;
    }

    fn expr_inner(&mut self, e: &mut Expr) {
        crate::compat::quantified_subquery_as_in(e);
        if crate::syntax::shallow(e) {
            crate::aggregate_filter::distinct_with_filter(e);
            crate::sqlite_calls::respell(e);
        }
        if !self.date_trunc(e)
            && !self.day_count(e)
            && !self.moving_window(e)
            && !self.exists(e)
            && !self.glob(e)
            && !self.type_of(e)
        {
            self.expr_kind(e);
        }
        crate::compat::days_between(&self.scopes, e);
        crate::temporal::date_plus_days(&self.scopes, e);
        if !self.too_deep() {
            self.datetime_plus_number(e);
            crate::null_args::read_as_sqlite(e);
            crate::non_finite::guard(e);
            crate::substr::sqlite_start(e);
        }
    }

    fn expr_kind(&mut self, e: &mut Expr) {
        match e {
            Expr::Identifier(ident) => {
                if let Some(replacement) = self.identifier(ident) {
                    *e = replacement;
                }
            }
            Expr::CompoundIdentifier(parts) => self.compound(parts),
            Expr::Value(v) => match &v.value {
                Value::Number(..)
                | Value::SingleQuotedString(_)
                | Value::Boolean(_)
                | Value::Null => {}
                other => {
                    let what = format!("the literal `{other}`");
                    self.unsupported(
                        &what,
                        "use numbers, 'single-quoted strings', TRUE/FALSE or NULL.",
                    );
                }
            },
            Expr::Nested(_) => {
                crate::foreign_calls::mend_bracketed_distinct_from(e);
                if let Expr::Nested(x) = e {
                    self.expr(x);
                }
            }
            Expr::IsNull(x) | Expr::IsNotNull(x) => self.expr(x),
            Expr::IsFalse(x) | Expr::IsNotFalse(x) | Expr::IsTrue(x) | Expr::IsNotTrue(x) => {
                self.expr(x);
                crate::compat::truth_test(e);
            }
            Expr::IsDistinctFrom(a, b) | Expr::IsNotDistinctFrom(a, b) => {
                // The parser reads `a IS NOT DISTINCT FROM b OR c` as `a IS NOT DISTINCT FROM (b OR c)`.
                if matches!(
                    b.as_ref(),
                    Expr::BinaryOp {
                        op: B::Or | B::Xor,
                        ..
                    }
                ) {
                    self.unsupported(
                        "IS [NOT] DISTINCT FROM followed by OR without parentheses",
                        "put the test in parentheses: `(a IS NOT DISTINCT FROM b) OR c`.",
                    );
                }
                self.expr(a);
                self.expr(b);
            }
            Expr::UnaryOp { op, expr } => {
                if !matches!(
                    op,
                    UnaryOperator::Plus | UnaryOperator::Minus | UnaryOperator::Not
                ) {
                    self.unsupported(&format!("the unary operator `{op}`"), "use +, - or NOT.");
                }
                self.expr(expr);
            }
            Expr::BinaryOp { left, op, right } => {
                if !binary_op_allowed(op) {
                    self.unsupported(
                        &format!("the operator `{op}`"),
                        "use standard SQL operators.",
                    );
                }
                let compares = matches!(op, B::Eq | B::NotEq | B::Lt | B::LtEq | B::Gt | B::GtEq);
                self.value(left, compares && is_name(right));
                self.value(right, compares && is_name(left));
                crate::compat::numeric_comparison(&self.scopes, left, op, right);
                self.typed_comparison(left, op, right);
                if !self.too_deep() {
                    if compares {
                        self.date_against_other_text(left, &[right]);
                        self.date_against_other_text(right, &[left]);
                    }
                    crate::temporal::date_against_datetime_text(&self.scopes, left, op, right);
                    crate::temporal::date_against_partial_text(&self.scopes, left, op, right);
                    crate::temporal::date_expression_against_date_text(
                        &self.scopes,
                        left,
                        op,
                        right,
                    );
                }
                if matches!(op, B::StringConcat) {
                    crate::compat::date_as_text(&self.scopes, left);
                    crate::compat::date_as_text(&self.scopes, right);
                }
            }
            Expr::InList { expr, list, .. } => {
                self.expr(expr);
                list.iter_mut().for_each(|x| self.value(x, true));
                let mut items: Vec<&mut Expr> = list.iter_mut().collect();
                crate::compat::numeric_list(&self.scopes, expr, &mut items);
                self.typed_list(expr, list);
                if !self.too_deep() {
                    self.date_against_other_text(expr, &list.iter().collect::<Vec<_>>());
                    crate::compat::uniform_numbers(list);
                    crate::temporal::datetime_in_list(&self.scopes, e);
                }
            }
            Expr::InSubquery { expr, subquery, .. } => {
                self.expr(expr);
                self.query(subquery);
            }
            Expr::Between {
                expr, low, high, ..
            } => {
                self.expr(expr);
                self.value(low, true);
                self.value(high, true);
                crate::compat::numeric_list(&self.scopes, expr, &mut [low, high]);
                if !self.too_deep() {
                    self.date_against_other_text(expr, &[low, high]);
                    crate::temporal::date_between(&self.scopes, expr, low, high);
                }
            }
            Expr::Like {
                expr, pattern, any, ..
            }
            | Expr::ILike {
                expr, pattern, any, ..
            } => {
                if *any {
                    self.unsupported("LIKE ANY", "combine several LIKE conditions with OR.");
                }
                self.expr(expr);
                self.expr(pattern);
                crate::compat::date_as_text(&self.scopes, expr);
                // A number column matched as its text (`x LIKE '%5'`), as SQLite does; Polars refused.
                crate::literals::number_as_text_argument(&self.scopes, expr);
                crate::like_computed::fold_literal_pattern(e);
                crate::compat::like_ignores_case(e);
                match crate::like_escape::like_escape(e) {
                    Some(Ok(rewritten)) => *e = rewritten,
                    Some(Err(advice)) => self.reject(Rule::UnsupportedSyntax, advice, None),
                    None => {}
                }
                match crate::like_computed::rewrite(&self.scopes, e) {
                    Some(Ok(rewritten)) => *e = rewritten,
                    Some(Err(advice)) => {
                        self.unsupported("a LIKE pattern computed per row", &advice)
                    }
                    None => {}
                }
            }
            Expr::RLike { expr, pattern, .. } => {
                self.expr(expr);
                self.expr(pattern);
            }
            // What is left after `quantified_subquery_as_in`: a comparison Polars would run against the
            // subquery's first value alone.
            Expr::AnyOp { right, .. } | Expr::AllOp { right, .. }
                if matches!(**right, Expr::Subquery(_)) =>
            {
                self.unsupported(
                    "a comparison with ANY/ALL (SELECT ...) other than `= ANY` and `<> ALL`",
                    "compare with the subquery's MAX or MIN instead, e.g. `x >= (SELECT MAX(y) FROM data)` \
                     for `x >= ALL (SELECT y FROM data)`.",
                );
            }
            Expr::AnyOp { left, right, .. } | Expr::AllOp { left, right, .. } => {
                self.expr(left);
                self.expr(right);
            }
            Expr::Cast {
                expr,
                array,
                format,
                data_type,
                ..
            } => {
                if *array || format.is_some() {
                    self.unsupported("CAST ... FORMAT / ARRAY", "use a plain CAST(x AS type).");
                }
                self.expr(expr);
                if crate::temporal::is_text_type(data_type) {
                    crate::compat::date_as_text(&self.scopes, expr);
                }
                crate::literals::trimmed_number_cast(&self.scopes, expr, data_type);
            }
            Expr::Extract { expr, .. } => {
                self.expr(expr);
                crate::temporal::text_as_datetime(&self.scopes, expr);
            }
            Expr::Ceil { expr, .. } | Expr::Floor { expr, .. } => {
                self.expr(expr);
            }
            Expr::Position { expr, r#in } => {
                self.expr(expr);
                self.expr(r#in);
            }
            Expr::Substring {
                expr,
                substring_from,
                substring_for,
                ..
            } => {
                self.expr(expr);
                crate::compat::date_as_text(&self.scopes, expr);
                crate::literals::number_as_text_argument(&self.scopes, expr);
                if let Some(x) = substring_from {
                    self.expr(x);
                }
                if let Some(x) = substring_for {
                    self.expr(x);
                }
            }
            Expr::Trim {
                expr,
                trim_what,
                trim_characters,
                ..
            } => {
                self.expr(expr);
                if let Some(x) = trim_what {
                    self.expr(x);
                }
                if let Some(chars) = trim_characters {
                    chars.iter_mut().for_each(|x| self.expr(x));
                }
            }
            Expr::TypedString(_) => {}
            Expr::Interval(iv) => self.expr(&mut iv.value),
            // `user`, `current_user` and the like parse as calls without parentheses; where the table has
            // a column of that name, the author meant the column.
            Expr::Function(f)
                if matches!(f.args, FunctionArguments::None)
                    && let [ObjectNamePart::Identifier(word)] = f.name.0.as_slice()
                    && matches!(
                        crate::scope::resolve(&self.scopes, &word.value, false),
                        crate::scope::Resolved::Column(_)
                    ) =>
            {
                let mut ident = word.clone();
                ident.quote_style = Some('"');
                *e = Expr::Identifier(ident);
                self.expr(e);
            }
            Expr::Function(f) => {
                self.function(f);
                if !self.too_deep() {
                    crate::temporal::date_call(&self.scopes, e);
                    crate::windows::offset_default(e);
                }
            }
            Expr::Case {
                operand,
                conditions,
                else_result,
                ..
            } => {
                if let Some(x) = operand {
                    self.expr(x);
                }
                for cw in conditions {
                    self.expr(&mut cw.condition);
                    if operand.is_none() {
                        crate::literals::number_as_condition(&self.scopes, &mut cw.condition);
                    }
                    self.expr(&mut cw.result);
                }
                if let Some(x) = else_result {
                    self.expr(x);
                }
            }
            Expr::Subquery(q) => {
                let out = self.query(q);
                crate::temporal::date_subquery(q, &out);
            }
            Expr::Array(arr) => arr.elem.iter_mut().for_each(|x| self.expr(x)),
            other => {
                let what = describe(other);
                self.unsupported(&what, "");
            }
        }
    }
}

/// A short name for a rejected expression kind, for messages.
fn describe(e: &Expr) -> String {
    let kind = match e {
        Expr::JsonAccess { .. } => "JSON access",
        Expr::CompoundFieldAccess { .. } => "field/element access (`x[1]`, `x.field`)",
        Expr::Collate { .. } => "COLLATE",
        Expr::Tuple(_) => "a row tuple `(a, b)`",
        Expr::Struct { .. } | Expr::Named { .. } | Expr::Dictionary(_) | Expr::Map(_) => {
            "struct/map literals"
        }
        Expr::Lambda(_) => "lambda functions",
        Expr::MatchAgainst { .. } => "MATCH ... AGAINST",
        Expr::SimilarTo { .. } => "SIMILAR TO",
        Expr::Convert { .. } => "CONVERT",
        Expr::AtTimeZone { .. } => "AT TIME ZONE",
        Expr::Overlay { .. } => "OVERLAY",
        Expr::GroupingSets(_) | Expr::Cube(_) | Expr::Rollup(_) => "GROUPING SETS / CUBE / ROLLUP",
        Expr::Wildcard(_) | Expr::QualifiedWildcard(..) => "`*` inside an expression",
        Expr::InUnnest { .. } => "IN UNNEST",
        Expr::Prefixed { .. } => "a prefixed literal",
        Expr::IsUnknown(_) | Expr::IsNotUnknown(_) => "IS [NOT] UNKNOWN",
        Expr::IsNormalized { .. } => "IS NORMALIZED",
        Expr::OuterJoin(_) => "the (+) outer-join marker",
        Expr::Prior(_) => "PRIOR",
        Expr::MemberOf(_) => "MEMBER OF",
        _ => "this expression",
    };
    kind.to_string()
}

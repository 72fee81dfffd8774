//! Small readings of sqlparser's tree that the validator and the engine's rewrites both need.

use sqlparser::ast::{
    Expr, FunctionArg, FunctionArgExpr, FunctionArguments, ObjectName, ObjectNamePart,
    UnaryOperator, Value,
};

/// A call's name in lower case, when it is one plain word (`count`, not `x.count`).
pub fn function_name(name: &ObjectName) -> Option<String> {
    match name.0.as_slice() {
        [ObjectNamePart::Identifier(ident)] => Some(ident.value.to_ascii_lowercase()),
        _ => None,
    }
}

/// The integer value of a literal like `10`, `-3` or `+7`, if that is what `e` is.
pub fn integer_literal(e: &Expr) -> Option<i64> {
    match e {
        Expr::Value(v) => match &v.value {
            Value::Number(n, _) => n.parse::<i64>().ok(),
            _ => None,
        },
        Expr::UnaryOp {
            op: UnaryOperator::Minus,
            expr,
        } => integer_literal(expr).map(|n| -n),
        Expr::UnaryOp {
            op: UnaryOperator::Plus,
            expr,
        } => integer_literal(expr),
        Expr::Nested(x) => integer_literal(x),
        _ => None,
    }
}

/// The expression a positional argument passes (not `*`, not a named argument).
pub fn plain_arg(arg: &FunctionArg) -> Option<&Expr> {
    match arg {
        FunctionArg::Unnamed(FunctionArgExpr::Expr(e)) => Some(e),
        _ => None,
    }
}

/// A call's arguments when all are plain expressions, with no `DISTINCT`, `ORDER BY` or the like among
/// them: `f(a, b)`.
pub fn plain_args_of(args: &FunctionArguments) -> Option<Vec<&Expr>> {
    let FunctionArguments::List(list) = args else {
        return None;
    };
    if list.duplicate_treatment.is_some() || !list.clauses.is_empty() {
        return None;
    }
    list.args.iter().map(plain_arg).collect()
}

/// True when `node` nests at most 128 expressions deep. Rewrites that read a node's whole subtree before the
/// walker has measured it (recursively, or through `Display`) check this first: a chain of thousands of
/// `+`s would overflow the stack. The check itself stops at the limit.
pub(crate) fn shallow(node: &impl sqlparser::ast::Visit) -> bool {
    use std::ops::ControlFlow;
    struct Depth(usize);
    impl sqlparser::ast::Visitor for Depth {
        type Break = ();
        fn pre_visit_expr(&mut self, _: &Expr) -> ControlFlow<()> {
            self.0 += 1;
            if self.0 > 128 {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        }
        fn post_visit_expr(&mut self, _: &Expr) -> ControlFlow<()> {
            self.0 -= 1;
            ControlFlow::Continue(())
        }
    }
    node.visit(&mut Depth(0)).is_continue()
}

/// `=`, `<>`, `<`, `<=`, `>`, `>=`: the comparisons a literal of another type may stand in.
pub(crate) fn is_comparison(op: &sqlparser::ast::BinaryOperator) -> bool {
    use sqlparser::ast::BinaryOperator as B;
    matches!(op, B::Eq | B::NotEq | B::Lt | B::LtEq | B::Gt | B::GtEq)
}

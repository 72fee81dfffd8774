//! Function calls: allowlist, argument shapes, window clauses and output-size bounds.

use sqlparser::ast::{
    Expr, Function, FunctionArg, FunctionArgExpr, FunctionArgumentClause, FunctionArguments,
    ObjectNamePart, Value, WindowFrameBound, WindowType,
};

use crate::functions;
use crate::issue::{Location, Rule};
use crate::relations::location_of;
use crate::syntax::{integer_literal, plain_arg};
use crate::walk::{Output, Walker};

/// Functions of text that SQL written for SQLite applies to dates (which SQLite keeps as text).
const TEXT_FUNCTIONS: &[&str] = &[
    "substr",
    "substring",
    "left",
    "right",
    "length",
    "char_length",
    "character_length",
    "strpos",
    "instr",
    "starts_with",
    "ends_with",
    "replace",
];

/// Functions of the time of the query, refused with their own advice.
const CLOCK_FUNCTIONS: &[&str] = &[
    "current_date",
    "current_timestamp",
    "current_time",
    "now",
    "today",
    "getdate",
    "localtimestamp",
    "sysdate",
];

/// True when one of `exprs` aggregates rows (outside subqueries).
fn holds_aggregates<'e>(exprs: impl Iterator<Item = &'e Expr>) -> bool {
    let mut found = Vec::new();
    for e in exprs {
        crate::bare::aggregates(e, &mut found, 0);
    }
    !found.is_empty()
}

/// The plain expressions a call is given.
fn call_arguments(args: &FunctionArguments) -> impl Iterator<Item = &Expr> {
    let list = match args {
        FunctionArguments::List(list) => list.args.as_slice(),
        _ => &[],
    };
    list.iter().filter_map(plain_arg)
}

impl Walker<'_> {
    pub(crate) fn function(&mut self, f: &mut Function) {
        let location = location_of(&f.name);
        let name = match f.name.0.as_slice() {
            [ObjectNamePart::Identifier(ident)] => ident.value.to_ascii_lowercase(),
            _ => {
                let written = f.name.to_string();
                self.reject(
                    Rule::FunctionNotAllowed,
                    format!("`{written}` is not an allowed function: function names cannot be qualified."),
                    location,
                );
                return;
            }
        };
        // Not respelled as QUANTILE_CONT/DISC (see `foreign_calls`): say which part could not be.
        if let Some(why) = crate::foreign_calls::percentile_refusal(f, &name) {
            self.unsupported(
                &format!("{} {why}", name.to_uppercase()),
                "write `PERCENTILE_CONT(0.5) WITHIN GROUP (ORDER BY x)` with a fraction from 0 to 1 (or \
                 `QUANTILE_CONT(x, 0.5)`, `MEDIAN(x)`), as an aggregate, without FILTER (filter in WHERE or in \
                 a CASE: `QUANTILE_CONT(CASE WHEN c THEN x END, 0.5)`).",
            );
            return;
        }
        if !functions::is_allowed(&name) {
            self.function_not_allowed(&name, location);
        }
        if f.uses_odbc_syntax || !matches!(f.parameters, FunctionArguments::None) {
            self.unsupported(
                "ODBC `{fn ...}` or parametric function syntax",
                "call the function plainly.",
            );
        }
        if f.null_treatment.is_some() || !f.within_group.is_empty() {
            self.unsupported("IGNORE/RESPECT NULLS and WITHIN GROUP", "remove them.");
        }
        match &mut f.args {
            FunctionArguments::None => {}
            FunctionArguments::Subquery(_) => {
                self.unsupported("a subquery as the whole argument list", "pass expressions.");
            }
            FunctionArguments::List(list) => {
                self.size_bounds(&name, &list.args, location);
                let skip = functions::identifier_argument(&name);
                for (i, arg) in list.args.iter_mut().enumerate() {
                    match arg {
                        FunctionArg::Unnamed(FunctionArgExpr::Expr(e)) => {
                            // NORMALIZE(x, NFC): the form is a bare word, not a column.
                            let keyword = skip == Some(i) && matches!(e, Expr::Identifier(_));
                            if !keyword {
                                self.expr(e);
                            }
                        }
                        FunctionArg::Unnamed(FunctionArgExpr::Wildcard) => {}
                        FunctionArg::Unnamed(FunctionArgExpr::QualifiedWildcard(q)) => {
                            self.qualified_wildcard(q, &mut Output::default());
                        }
                        _ => self.unsupported(
                            "named arguments and `* EXCLUDE` inside a call",
                            "pass arguments by position.",
                        ),
                    }
                }
                if TEXT_FUNCTIONS.contains(&name.as_str())
                    && let Some(FunctionArg::Unnamed(FunctionArgExpr::Expr(first))) =
                        list.args.first_mut()
                {
                    crate::compat::date_as_text(&self.scopes, first);
                    crate::literals::number_as_text_argument(&self.scopes, first);
                }
                if matches!(name.as_str(), "strftime" | "date_part") {
                    let mut exprs: Vec<&mut Expr> = list
                        .args
                        .iter_mut()
                        .filter_map(|a| match a {
                            FunctionArg::Unnamed(FunctionArgExpr::Expr(e)) => Some(e),
                            _ => None,
                        })
                        .collect();
                    if let Some(x) = crate::temporal::date_argument_of(&name, &mut exprs) {
                        crate::temporal::text_as_datetime(&self.scopes, x);
                    }
                }
                if name == "count"
                    && list.duplicate_treatment
                        == Some(sqlparser::ast::DuplicateTreatment::Distinct)
                    && list.args.len() > 1
                {
                    self.unsupported(
                        "COUNT(DISTINCT a, b)",
                        "count the distinct pairs in a WITH clause: `WITH p AS (SELECT DISTINCT a, b FROM data \
                         WHERE a IS NOT NULL AND b IS NOT NULL) SELECT COUNT(*) FROM p`.",
                    );
                }
                for clause in &mut list.clauses {
                    match clause {
                        FunctionArgumentClause::OrderBy(items) => {
                            for item in items {
                                self.expr(&mut item.expr);
                            }
                        }
                        FunctionArgumentClause::Limit(e) => self.expr(e),
                        _ => self.unsupported("this clause inside a function call", "remove it."),
                    }
                }
            }
        }
        if let Some(filter) = f.filter.as_mut() {
            self.expr(filter);
            crate::literals::number_as_condition(&self.scopes, filter);
        }
        if matches!(
            name.as_str(),
            "date" | "datetime" | "time" | "strftime" | "julianday"
        ) && call_arguments(&f.args).any(|a| {
            matches!(a, Expr::Value(v) if matches!(&v.value, Value::SingleQuotedString(t)
                    if t.eq_ignore_ascii_case("now")))
        }) {
            self.function_not_allowed(&format!("{name}('now')"), location);
        }
        // PostgreSQL refuses MAX(COUNT(*)); Polars answers it per group, as if it were COUNT(*).
        if crate::bare::is_aggregate(f) && holds_aggregates(call_arguments(&f.args)) {
            self.unsupported(
                    "an aggregate inside an aggregate (such as MAX(COUNT(*)))",
                    "compute the inner one per group in a WITH clause, then aggregate its result: \
                     `WITH g AS (SELECT dept, COUNT(*) AS n FROM data GROUP BY dept) SELECT MAX(n) FROM g`.",
                );
        }
        match f.over.as_mut() {
            None => {}
            Some(WindowType::NamedWindow(_)) => {
                // Those a WINDOW clause defines are inlined (`named_windows`) before the SELECT is walked.
                self.unsupported(
                    "a window name no WINDOW clause of this SELECT defines (OVER w)",
                    "define it after WHERE/GROUP BY/HAVING, `WINDOW w AS (PARTITION BY ... ORDER BY ...)`, \
                     or write the window inline: OVER (PARTITION BY ...).",
                );
            }
            Some(WindowType::WindowSpec(spec)) => {
                // A window over an aggregate (SUM(SUM(x)) OVER ()) is in a grouped query: refused, with the
                // rewrite, by `windows::window_over_groups`.
                if spec.window_name.is_some() {
                    self.unsupported(
                        "a window based on a named window",
                        "write the window inline.",
                    );
                }
                spec.partition_by.iter_mut().for_each(|e| self.expr(e));
                for item in &mut spec.order_by {
                    self.expr(&mut item.expr);
                }
                if !self.too_deep() {
                    let written_items = spec.order_by.clone();
                    let written: Vec<Expr> =
                        spec.order_by.iter().map(|item| item.expr.clone()).collect();
                    if let Some(advice) =
                        crate::window_directions::rank_beside_literal(&self.scopes, &name, &written)
                    {
                        self.unsupported(
                            "a RANK over a CASE of constants beside a key that may be NULL",
                            &advice,
                        );
                    }
                    for item in &mut spec.order_by {
                        crate::windows::named_after_a_column(&mut item.expr);
                    }
                    // Polars refuses a window among the keys of a RANK over several keys.
                    let nested =
                        !matches!(name.as_str(), "rank" | "dense_rank") || spec.order_by.len() < 2;
                    let ranked = crate::window_directions::one_direction(
                        &self.scopes,
                        &mut spec.order_by,
                        nested,
                    );
                    if let Some(advice) =
                        crate::window_directions::still_mixed(&spec.order_by, &name)
                    {
                        self.unsupported(
                            "a RANK over keys sorted both ways where a key turning is not a column of \
                             numbers, dates or booleans",
                            &advice,
                        );
                    }
                    // Each holds a window of its own, which is checked (and its NULLs placed) like any.
                    for i in ranked {
                        self.expr(&mut spec.order_by[i].expr);
                    }
                    crate::windows::place_nulls(&self.scopes, &mut spec.order_by);
                    if let Some(advice) = crate::window_directions::rank_of_later_nulls(
                        &self.scopes,
                        &name,
                        &spec.order_by,
                        &written_items,
                    ) {
                        self.unsupported(
                            "a RANK or DENSE_RANK (or PERCENT_RANK, CUME_DIST) over several keys where a \
                             key after one that may be NULL may be NULL too",
                            &advice,
                        );
                    }
                    if let Some(advice) =
                        crate::window_directions::keys_of_one_name(&spec.order_by, &written)
                    {
                        self.unsupported("a window sorted by two keys of one name", &advice);
                    }
                }
                if let Some(frame) = spec.window_frame.as_mut() {
                    for bound in
                        std::iter::once(&mut frame.start_bound).chain(frame.end_bound.as_mut())
                    {
                        if let WindowFrameBound::Preceding(Some(e))
                        | WindowFrameBound::Following(Some(e)) = bound
                        {
                            self.expr(e);
                        }
                    }
                }
            }
        }
    }

    fn function_not_allowed(&mut self, name: &str, location: Option<Location>) {
        let io = ["read_", "scan_", "write_", "sink_", "load", "copy"]
            .iter()
            .any(|p| name.starts_with(p));
        let message = if io {
            format!(
                "`{name}` reads or writes files and is not allowed; query the registered table instead."
            )
        } else if CLOCK_FUNCTIONS.contains(&name) || name.ends_with("('now')") {
            format!(
                "`{name}` is not allowed: an answer must not change with the day it is asked. For \"recent\" \
                 questions, count back from the data's own latest date, `(SELECT MAX(d) FROM data)`."
            )
        } else if let Some(advice) = crate::foreign_calls::advice(name) {
            format!("`{name}` is not an allowed function (it is another database's): {advice}")
        } else {
            let close = functions::suggestions(name);
            let hint = match close.as_slice() {
                [] => String::new(),
                many => format!(
                    " Did you mean {}?",
                    many.iter()
                        .map(|c| format!("`{c}`"))
                        .collect::<Vec<_>>()
                        .join(" or ")
                ),
            };
            format!(
                "`{name}` is not an allowed function.{hint} Use standard aggregates (COUNT, SUM, AVG, MIN, MAX), \
                 CASE, CAST, and scalar functions such as ROUND, LOWER, UPPER, LENGTH, SUBSTR, COALESCE."
            )
        };
        self.reject(Rule::FunctionNotAllowed, message, location);
    }

    /// Padding functions allocate the requested length per row, and a huge length aborts the
    /// engine; likewise REPLACE with an empty pattern inserts the replacement between every
    /// character. Only small literal lengths and non-empty patterns are accepted.
    fn size_bounds(&mut self, name: &str, args: &[FunctionArg], location: Option<Location>) {
        let max = self.limits.max_string_repeat;
        if let Some(index) = functions::length_argument(name) {
            let length = args
                .get(index)
                .and_then(plain_arg)
                .and_then(integer_literal);
            match length {
                Some(n) if n <= max => {}
                Some(n) => self.reject(
                    Rule::OversizedRepeat,
                    format!("{} length {n} is larger than the limit of {max}; use a smaller length.", name.to_uppercase()),
                    location,
                ),
                None => self.reject(
                    Rule::OversizedRepeat,
                    format!(
                        "{}'s length must be an integer literal no larger than {max} (not a column or expression).",
                        name.to_uppercase()
                    ),
                    location,
                ),
            }
        }
        if name == "replace" {
            let empty_pattern = matches!(
                args.get(1).and_then(plain_arg),
                Some(Expr::Value(v)) if matches!(&v.value, Value::SingleQuotedString(s) if s.is_empty())
            );
            if empty_pattern {
                self.reject(
                    Rule::OversizedRepeat,
                    "REPLACE with an empty search string would insert text between every character; \
                     search for a non-empty string."
                        .into(),
                    location,
                );
            }
        }
    }
}

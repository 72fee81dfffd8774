//! Static SQL policy: the security boundary that decides which LLM- or user-written SQL may run.
//!
//! [`ValidatedQuery::parse`] accepts exactly one read-only query over registered tables, using
//! only allowlisted functions and syntax, within size limits, and returns the normalised SQL
//! (identifiers resolved to the schema's exact spelling) that is what gets executed. Anything
//! else yields [`Issue`]s with stable [`Rule`] ids and messages a model can act on.

mod aggregate_filter;
mod aliases;
mod bare;
mod calls;
mod catalog;
mod compat;
mod ctes;
mod date_text;
mod date_trunc;
mod datetimes;
mod day_counts;
mod defensive;
mod exists;
mod expr;
mod fetch;
mod foreign_calls;
mod frames;
mod functions;
mod glob;
mod having;
mod in_subquery;
mod issue;
mod join_conditions;
mod join_filters;
mod joins;
mod like_computed;
mod like_escape;
mod literals;
mod named_windows;
mod names;
mod non_finite;
mod null_args;
mod one_row;
mod output_kinds;
mod partition_frames;
mod prescan;
mod qualify;
mod query_clauses;
mod relations;
mod scope;
mod set_ops;
mod sqlite_calls;
mod substr;
pub mod syntax;
mod temporal;
mod type_of;
mod using_keys;
mod using_star;
mod walk;
mod wide_joins;
mod window_directions;
mod windows;

use serde::Serialize;
use sqlparser::ast::{Query, Statement};
use sqlparser::dialect::GenericDialect;
use sqlparser::parser::{Parser, ParserOptions};

pub use catalog::{Catalog, Column, Limits, Table};
pub use functions::allowed_functions;
pub use issue::{Issue, Location, Rule, to_wire};

/// A query that passed every rule. It can only be obtained from [`ValidatedQuery::parse`] or
/// [`ValidatedQuery::parse_with`], so holding one is proof of validation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ValidatedQuery {
    sql: String,
    notes: Vec<Issue>,
    tables: Vec<String>,
}

impl ValidatedQuery {
    /// Validate with [`Limits::default`].
    pub fn parse(sql: &str, catalog: &Catalog) -> Result<ValidatedQuery, Vec<Issue>> {
        ValidatedQuery::parse_with(sql, catalog, &Limits::default())
    }

    /// Validate `sql` against `catalog` and `limits`; on failure, every issue found.
    pub fn parse_with(
        sql: &str,
        catalog: &Catalog,
        limits: &Limits,
    ) -> Result<ValidatedQuery, Vec<Issue>> {
        prescan::prescan(sql, limits).map_err(|i| vec![i])?;
        if prescan::is_blank(sql) {
            return Err(vec![Issue::new(
                Rule::EmptyQuery,
                "the query is empty; write one SELECT statement.",
            )]);
        }
        // SQLite's infix GLOB, which sqlparser cannot read, is read as SIMILAR TO (see `glob.rs`).
        let (mut query, globs) = match single_query(sql) {
            Ok(query) => (query, false),
            Err(issues) => match glob::respelled(sql).map(|text| single_query(&text)) {
                Some(Ok(query)) => (query, true),
                _ => return Err(issues),
            },
        };
        let mut walker = walk::Walker::new(catalog, limits);
        walker.globs = globs;
        walker.query(&mut query);
        if !walker.issues.is_empty() {
            return Err(walker.issues);
        }
        one_row::keep_one_row(&mut query);
        let sql = query.to_string();
        // Rewrites repeat some expressions (SQLite's scalar MAX as a CASE over its arguments): bounded here,
        // whatever they do, so that what runs stays near the size of what was sent.
        let grown = limits.max_normalised_bytes();
        if sql.len() > grown {
            return Err(vec![Issue::new(
                Rule::TooLong,
                format!(
                    "the query grows to {} bytes once rewritten for Polars, past the limit of {grown}; \
                     write it with fewer nested calls.",
                    sql.len()
                ),
            )]);
        }
        recheck(&sql, catalog, limits)?;
        Ok(ValidatedQuery {
            sql,
            notes: walker.notes,
            tables: walker.tables,
        })
    }

    /// The normalised SQL: this, not the submitted text, is what must be executed.
    pub fn sql(&self) -> &str {
        &self.sql
    }

    /// Non-fatal notes describing rewrites (identifier case, quoted strings, table names).
    pub fn notes(&self) -> &[Issue] {
        &self.notes
    }

    /// Canonical names of the registered tables the query reads.
    pub fn tables(&self) -> &[String] {
        &self.tables
    }
}

pub(crate) fn parse_statements(
    sql: &str,
) -> Result<Vec<Statement>, sqlparser::parser::ParserError> {
    // The engine (polars-sql) parses with exactly these settings; matching them means the
    // validator and the engine see the same tree.
    Parser::new(&GenericDialect)
        .with_options(ParserOptions::new().with_trailing_commas(true))
        .try_with_sql(sql)?
        .parse_statements()
}

/// One expression, parsed as the engine would (for rewrites built from text).
pub(crate) fn parse_expression(sql: &str) -> Option<sqlparser::ast::Expr> {
    Parser::new(&GenericDialect)
        .with_options(ParserOptions::new().with_trailing_commas(true))
        .try_with_sql(sql)
        .ok()?
        .parse_expr()
        .ok()
}

/// The body of one query, parsed as the engine would (for rewrites built from text).
pub(crate) fn parse_query_body(sql: &str) -> Option<sqlparser::ast::SetExpr> {
    let query = Parser::new(&GenericDialect)
        .with_options(ParserOptions::new().with_trailing_commas(true))
        .try_with_sql(sql)
        .ok()?
        .parse_query()
        .ok()?;
    Some(*query.body)
}

/// Parse and insist on exactly one `Query` statement.
fn single_query(sql: &str) -> Result<Query, Vec<Issue>> {
    let statements = parse_statements(sql).map_err(|e| vec![syntax_error(&e.to_string())])?;
    let count = statements.len();
    let mut issues = Vec::new();
    if count == 0 {
        issues.push(Issue::new(
            Rule::EmptyQuery,
            "the query is empty; write one SELECT statement.",
        ));
    }
    if count > 1 {
        issues.push(Issue::new(
            Rule::MultipleStatements,
            format!("found {count} statements; send exactly one SELECT statement (a trailing `;` is fine)."),
        ));
    }
    let mut found = None;
    for statement in statements {
        match statement {
            Statement::Query(q) => found = Some(q),
            other => issues.push(not_a_query(&other, sql, count)),
        }
    }
    match found {
        Some(q) if issues.is_empty() => Ok(*q),
        _ => Err(issues),
    }
}

fn not_a_query(statement: &Statement, sql: &str, count: usize) -> Issue {
    // With one statement, name it from the text the user wrote (cheap and faithful); with
    // several, from the statement's own rendering.
    let kind = if count == 1 {
        leading_words(sql)
    } else {
        leading_words(&statement.to_string())
    };
    Issue::new(
        Rule::NotAQuery,
        format!(
            "`{kind}` is not a query: only one read-only SELECT (optionally with WITH, UNION, \
             ORDER BY, LIMIT) may run. Nothing can be created, changed, deleted or configured."
        ),
    )
}

/// The statement keyword(s), e.g. "DROP TABLE", "EXPLAIN", "SET".
fn leading_words(sql: &str) -> String {
    let mut rest = sql;
    loop {
        rest = rest.trim_start_matches(|c: char| c.is_whitespace() || c == ';' || c == '(');
        if let Some(after) = rest.strip_prefix("--") {
            rest = after.split_once('\n').map_or("", |(_, t)| t);
        } else if let Some(after) = rest.strip_prefix("/*") {
            rest = after.split_once("*/").map_or("", |(_, t)| t);
        } else {
            break;
        }
    }
    let words: Vec<String> = rest
        .split_whitespace()
        .take(2)
        .map(|w| w.chars().take(24).collect::<String>().to_uppercase())
        .collect();
    let two_word = [
        "CREATE", "DROP", "ALTER", "SHOW", "TRUNCATE", "INSERT", "DELETE", "COPY",
    ];
    match words.as_slice() {
        [first, second, ..] if two_word.contains(&first.as_str()) => format!("{first} {second}"),
        [first, ..] => first.clone(),
        [] => "statement".into(),
    }
}

fn syntax_error(message: &str) -> Issue {
    let message = message
        .strip_prefix("sql parser error: ")
        .unwrap_or(message);
    let location = parse_location(message);
    Issue::new(
        Rule::SyntaxError,
        format!("the SQL could not be parsed: {message}. Write one valid SELECT statement (PostgreSQL style)."),
    )
    .at(location)
}

/// sqlparser puts positions in its messages as "Line: N, Column: M".
fn parse_location(message: &str) -> Option<Location> {
    let after_line = message.split("Line: ").nth(1)?;
    let (line, rest) = after_line.split_once(", Column: ")?;
    let column: String = rest.chars().take_while(char::is_ascii_digit).collect();
    Some(Location {
        line: line.trim().parse().ok()?,
        column: column.parse().ok()?,
    })
}

/// Re-parse the normalised SQL (what will run) and check it again, with both the main walker
/// and the independent visitor. Any finding here is a bug in this crate, reported as such.
fn recheck(sql: &str, catalog: &Catalog, limits: &Limits) -> Result<(), Vec<Issue>> {
    let internal = |detail: String| {
        vec![Issue::new(
            Rule::InternalError,
            format!(
                "the validator could not confirm its own rewrite ({detail}); rephrase the query."
            ),
        )]
    };
    let statements = parse_statements(sql).map_err(|e| internal(e.to_string()))?;
    let mut query = match <[Statement; 1]>::try_from(statements) {
        Ok([Statement::Query(q)]) => q,
        _ => return Err(internal("not a single query".into())),
    };
    let problems = defensive::check(&query, catalog);
    if !problems.is_empty() {
        return Err(internal(problems.join("; ")));
    }
    let mut again = walk::Walker::new(catalog, limits);
    again.query(&mut query);
    if !again.issues.is_empty() {
        let detail = again
            .issues
            .iter()
            .map(|i| i.message.clone())
            .collect::<Vec<_>>()
            .join("; ");
        return Err(internal(detail));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn location_is_read_from_parser_messages() {
        let loc = parse_location("Expected: end of statement, found: x at Line: 3, Column: 14");
        assert_eq!(
            loc,
            Some(Location {
                line: 3,
                column: 14
            })
        );
        assert_eq!(parse_location("no position"), None);
    }

    #[test]
    fn leading_words_names_statements() {
        assert_eq!(leading_words("  drop table data;"), "DROP TABLE");
        assert_eq!(leading_words("-- c\nEXPLAIN SELECT 1"), "EXPLAIN");
    }
}

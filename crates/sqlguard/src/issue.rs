//! Verdict vocabulary: rule ids, issues and source locations.

use std::fmt;

use serde::{Serialize, Serializer};

/// A line/column position in the submitted SQL (both 1-based), as sqlparser reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Location {
    pub line: u64,
    pub column: u64,
}

impl Location {
    /// sqlparser uses line 0 for "no position known"; such spans become `None`.
    pub(crate) fn from_span(span: sqlparser::tokenizer::Span) -> Option<Location> {
        let start = span.start;
        (start.line > 0).then_some(Location {
            line: start.line,
            column: start.column,
        })
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}, column {}", self.line, self.column)
    }
}

/// Every rule the validator can report. The ids returned by [`Rule::id`] are stable: clients and
/// prompts key on them, so never rename one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Rule {
    TooLong,
    TooDeep,
    SyntaxError,
    EmptyQuery,
    MultipleStatements,
    NotAQuery,
    ForbiddenClause,
    UnsupportedSyntax,
    UnknownTable,
    TableFunction,
    FunctionNotAllowed,
    UnknownColumn,
    UnknownQualifier,
    ShadowedTable,
    UnfilteredCrossJoin,
    TooManyJoins,
    OversizedRepeat,
    /// A subquery names a column of the query around it, which Polars cannot run.
    CorrelatedSubquery,
    /// Defensive re-parse of the normalised SQL failed: a bug in this crate, never the user's fault.
    InternalError,
    /// Note: a column identifier was rewritten to the column's exact spelling.
    ColumnCaseCorrected,
    /// Note: a double-quoted word that names nothing was turned into a string literal (SQLite rule).
    QuotedStringLiteral,
    /// Note: a table name was rewritten to the registered table name.
    TableNameRewritten,
    /// Note: a column neither grouped nor aggregated was given SQLite's value for it.
    BareColumn,
    /// Note: QUALIFY was evaluated before the projection, via a derived table with hidden columns.
    QualifyRewritten,
}

impl Rule {
    /// All rules, for documentation and exhaustive tests.
    pub const ALL: &'static [Rule] = &[
        Rule::TooLong,
        Rule::TooDeep,
        Rule::SyntaxError,
        Rule::EmptyQuery,
        Rule::MultipleStatements,
        Rule::NotAQuery,
        Rule::ForbiddenClause,
        Rule::UnsupportedSyntax,
        Rule::UnknownTable,
        Rule::TableFunction,
        Rule::FunctionNotAllowed,
        Rule::UnknownColumn,
        Rule::UnknownQualifier,
        Rule::ShadowedTable,
        Rule::UnfilteredCrossJoin,
        Rule::TooManyJoins,
        Rule::OversizedRepeat,
        Rule::CorrelatedSubquery,
        Rule::InternalError,
        Rule::ColumnCaseCorrected,
        Rule::QuotedStringLiteral,
        Rule::TableNameRewritten,
        Rule::BareColumn,
        Rule::QualifyRewritten,
    ];

    /// Stable snake_case id.
    pub fn id(&self) -> &'static str {
        match self {
            Rule::TooLong => "too_long",
            Rule::TooDeep => "too_deep",
            Rule::SyntaxError => "syntax_error",
            Rule::EmptyQuery => "empty_query",
            Rule::MultipleStatements => "multiple_statements",
            Rule::NotAQuery => "not_a_query",
            Rule::ForbiddenClause => "forbidden_clause",
            Rule::UnsupportedSyntax => "unsupported_syntax",
            Rule::UnknownTable => "unknown_table",
            Rule::TableFunction => "table_function",
            Rule::FunctionNotAllowed => "function_not_allowed",
            Rule::UnknownColumn => "unknown_column",
            Rule::UnknownQualifier => "unknown_qualifier",
            Rule::ShadowedTable => "shadowed_table",
            Rule::UnfilteredCrossJoin => "unfiltered_cross_join",
            Rule::TooManyJoins => "too_many_joins",
            Rule::OversizedRepeat => "oversized_repeat",
            Rule::CorrelatedSubquery => "correlated_subquery",
            Rule::InternalError => "internal_error",
            Rule::ColumnCaseCorrected => "column_case_corrected",
            Rule::QuotedStringLiteral => "quoted_string_literal",
            Rule::TableNameRewritten => "table_name_rewritten",
            Rule::BareColumn => "bare_column",
            Rule::QualifyRewritten => "qualify_rewritten",
        }
    }

    /// Notes never reject a query; they describe a rewrite.
    pub fn is_note(&self) -> bool {
        matches!(
            self,
            Rule::ColumnCaseCorrected
                | Rule::QuotedStringLiteral
                | Rule::TableNameRewritten
                | Rule::BareColumn
                | Rule::QualifyRewritten
        )
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

impl Serialize for Rule {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.id())
    }
}

/// One finding: which rule, a sentence a person or a model can act on, and where (when known).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Issue {
    pub rule: Rule,
    pub message: String,
    pub location: Option<Location>,
}

impl Issue {
    pub fn new(rule: Rule, message: impl Into<String>) -> Issue {
        Issue {
            rule,
            message: message.into(),
            location: None,
        }
    }

    pub fn at(mut self, location: Option<Location>) -> Issue {
        self.location = location;
        self
    }
}

impl fmt::Display for Issue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.location {
            Some(loc) => write!(f, "[{}] {} (at {})", self.rule, self.message, loc),
            None => write!(f, "[{}] {}", self.rule, self.message),
        }
    }
}

impl std::error::Error for Issue {}

impl From<&Issue> for contracts::SqlIssue {
    fn from(issue: &Issue) -> Self {
        contracts::SqlIssue {
            rule: issue.rule.id().to_owned(),
            message: issue.message.clone(),
            location: issue.location.map(|l| contracts::SqlLocation {
                line: l.line,
                column: l.column,
            }),
        }
    }
}

/// The issues as they travel on the wire.
pub fn to_wire(issues: &[Issue]) -> Vec<contracts::SqlIssue> {
    issues.iter().map(contracts::SqlIssue::from).collect()
}

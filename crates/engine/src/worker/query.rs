//! Running validated SQL and previews over a stored dataset, optionally kept in memory between jobs.

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use contracts::ResultTable;
use polars::prelude::*;
use polars::sql::SQLContext;

use super::{clean, dialect, subqueries, values};
use crate::EngineError;

/// Run `sql` over `frame` registered as `data`, in a fresh context (a query's aliases and CTEs must not
/// outlive it).
fn run(frame: LazyFrame, sql: &str, fromless: bool) -> PolarsResult<DataFrame> {
    let mut context = SQLContext::new();
    context.register("data", frame);
    planned(context.execute(sql)?, fromless).collect()
}

/// Polars starts a SELECT without FROM from an empty frame, which its optimiser let decide the height: a
/// repeated expression (`SELECT ABS(-1) AS a, ABS(-1) AS b`, or our ROUND) was computed as a column of that
/// frame, and an unused one-row subquery was pruned to nothing, so the answer had no rows.
fn planned(plan: LazyFrame, fromless: bool) -> LazyFrame {
    if fromless {
        plan.with_comm_subexpr_elim(false)
            .with_projection_pushdown(false)
    } else {
        plan
    }
}

/// True when a SELECT in `query` (a CTE or subquery too) reads no table.
fn selects_without_from(query: &sqlparser::ast::Query) -> bool {
    use sqlparser::ast::{SetExpr, Visit, Visitor};
    fn body_has(body: &SetExpr) -> bool {
        match body {
            SetExpr::Select(s) => s.from.is_empty(),
            SetExpr::SetOperation { left, right, .. } => body_has(left) || body_has(right),
            _ => false,
        }
    }
    struct Finder;
    impl Visitor for Finder {
        type Break = ();
        fn pre_visit_query(&mut self, q: &sqlparser::ast::Query) -> std::ops::ControlFlow<()> {
            if body_has(&q.body) {
                std::ops::ControlFlow::Break(())
            } else {
                std::ops::ControlFlow::Continue(())
            }
        }
    }
    query.visit(&mut Finder).is_break()
}

/// The value of a scalar subquery as a literal: its first row's only column, NULL without rows.
fn scalar(frame: &LazyFrame, sql: &str) -> Option<sqlparser::ast::Expr> {
    let mut context = SQLContext::new();
    context.register("data", frame.clone());
    let fromless = dialect::parse_query(sql).is_some_and(|q| selects_without_from(&q));
    let df = planned(context.execute(sql).ok()?, fromless)
        .limit(1)
        .collect()
        .ok()?;
    if df.width() != 1 {
        return None;
    }
    let value = match df.height() {
        0 => AnyValue::Null,
        _ => df.columns()[0].get(0).ok()?.into_static(),
    };
    subqueries::literal(&value)
}

/// A polars error while running a query or preview: the query's fault, unless reading the stored Parquet
/// failed (a damaged or truncated file), which no change to the query mends.
fn query_error(error: &PolarsError, path: &Path) -> EngineError {
    let message = clean::message(error, &[path]);
    let storage = message.starts_with("parquet:")
        || message.contains("File out of specification")
        || message.contains("underlying IO error");
    if storage {
        EngineError::Unreadable(message)
    } else {
        EngineError::Query(query_message(error, path))
    }
}

/// A polars error as a message for the query's author.
fn query_message(error: &PolarsError, path: &Path) -> String {
    let message = clean::message(error, &[path]);
    // Polars names its Python API (`.alias("new_name")`, `LazyFrame.with_columns`); say it in SQL.
    if message.contains("duplicate")
        && let Some((_, rest)) = message.split_once("name '")
        && let Some((name, _)) = rest.split_once('\'')
    {
        return format!(
            "two columns of the result are both called `{name}`; give one of them another name with AS \
             (for example `b.{name} AS b_{name}`)"
        );
    }
    // sqlguard refuses correlated subqueries, so what is left is one Polars cannot place.
    if message.contains("unexpected subquery") || message.contains("subquery comparisons") {
        return "this subquery cannot run here: a subquery may be a single value (`x > (SELECT AVG(x) FROM \
                data)`) or a list (`x IN (SELECT ...)`); rewrite it with a JOIN or a WITH clause"
            .into();
    }
    message
}

/// What identifies a dataset file's contents without reading it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Stamp {
    path: PathBuf,
    modified: Option<SystemTime>,
    len: u64,
}

/// A worker's memory between jobs: at most one dataset.
pub(crate) struct State {
    cache_enabled: bool,
    memory_limit: Option<u64>,
    cached: Option<(Stamp, DataFrame)>,
}

impl State {
    pub(crate) fn new(cache_enabled: bool, memory_limit: Option<u64>) -> State {
        State {
            cache_enabled,
            memory_limit,
            cached: None,
        }
    }

    /// Run `sql` with the dataset registered as `data`; the first `limit` rows and the full count.
    pub(crate) fn query(
        &mut self,
        path: &Path,
        sql: &str,
        limit: usize,
    ) -> Result<ResultTable, EngineError> {
        let frame = self.frame(path, true)?;
        // One parse for both rewrites; SQL that does not parse (never sqlguard's) goes to Polars as written.
        let (sql, fromless) = match dialect::parse_query(sql) {
            Some(mut query) => {
                let adapted = dialect::adapt(&mut query);
                let mut evaluate = |sub: &str| scalar(&frame, sub);
                let inlined = subqueries::inline(&mut query, &mut evaluate);
                let fromless = selects_without_from(&query);
                if adapted || inlined {
                    (query.to_string(), fromless)
                } else {
                    (sql.to_owned(), fromless)
                }
            }
            None => (sql.to_owned(), false),
        };
        let failed = |e: PolarsError| query_error(&e, path);
        let result = run(frame, &sql, fromless).map_err(failed)?;
        let rows = result.height() as u64;
        Ok(values::table(&result, limit, rows))
    }

    /// The first `limit` rows, without loading the rest.
    pub(crate) fn preview(
        &mut self,
        path: &Path,
        limit: usize,
    ) -> Result<ResultTable, EngineError> {
        let frame = self.frame(path, false)?;
        let failed = |e: PolarsError| query_error(&e, path);
        let rows = frame
            .clone()
            .select([len()])
            .collect()
            .and_then(|df| {
                df.column("len")?
                    .get(0)
                    .map(|v| v.extract::<u64>().unwrap_or(0))
            })
            .map_err(failed)?;
        let head = frame
            .slice(0, u32::try_from(limit).unwrap_or(u32::MAX) as IdxSize)
            .collect()
            .map_err(failed)?;
        Ok(values::table(&head, limit, rows))
    }

    /// The dataset as a lazy frame: from memory when cached, else a Parquet scan (cached afterwards when
    /// `load` and it fits comfortably in the memory limit).
    fn frame(&mut self, path: &Path, load: bool) -> Result<LazyFrame, EngineError> {
        let meta = std::fs::metadata(path).map_err(|_| {
            EngineError::Query("the dataset's data file is missing; upload it again".into())
        })?;
        let stamp = Stamp {
            path: path.to_path_buf(),
            modified: meta.modified().ok(),
            len: meta.len(),
        };
        if let Some((_, frame)) = self.cached.as_ref().filter(|(cached, _)| *cached == stamp) {
            return Ok(frame.clone().lazy());
        }
        let text = path
            .to_str()
            .ok_or_else(|| EngineError::Internal("the dataset path is not valid UTF-8".into()))?;
        let args = ScanArgsParquet {
            glob: false,
            ..ScanArgsParquet::default()
        };
        let failed = |e: PolarsError| query_error(&e, path);
        let scan = LazyFrame::scan_parquet(PlRefPath::new(text), args).map_err(failed)?;
        // Parquet with LZ4 expands roughly 2-4x in memory; only load what leaves most of the limit to queries.
        let budget = self.memory_limit.map_or(u64::MAX, |limit| limit / 4);
        if !(self.cache_enabled && load) || stamp.len.saturating_mul(5) > budget {
            return Ok(scan);
        }
        // Free the previous dataset before reading the next.
        self.cached = None;
        let frame = scan.collect().map_err(failed)?;
        if (frame.estimated_size() as u64) <= budget {
            self.cached = Some((stamp, frame.clone()));
        }
        Ok(frame.lazy())
    }
}

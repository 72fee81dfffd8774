//! The SQL standard's `FETCH FIRST n ROWS ONLY` (Oracle, SQL Server, DB2), written as the `LIMIT n` it
//! means; `OFFSET m ROWS` before it is `OFFSET m`.

use sqlparser::ast::{Expr, LimitClause, OffsetRows, Query, Value};

/// Moves `q`'s FETCH into its LIMIT; an error names what cannot be moved and what to write instead.
pub(crate) fn as_limit(q: &mut Query) -> Result<(), (&'static str, &'static str)> {
    if let Some(LimitClause::LimitOffset {
        offset: Some(offset),
        ..
    }) = q.limit_clause.as_mut()
    {
        offset.rows = OffsetRows::None;
    }
    let Some(fetch) = q.fetch.take() else {
        return Ok(());
    };
    if fetch.with_ties {
        return Err((
            "FETCH ... WITH TIES",
            "keep the rows ranked within n with a window: `WITH r AS (SELECT *, RANK() OVER (ORDER BY x \
             DESC) AS rk FROM data) SELECT * FROM r WHERE rk <= 3`.",
        ));
    }
    if fetch.percent {
        return Err((
            "FETCH ... PERCENT",
            "compute the row count: `WITH r AS (SELECT *, ROW_NUMBER() OVER (ORDER BY x) AS n, COUNT(*) OVER () \
             AS total FROM data) SELECT * FROM r WHERE n <= total * 0.1`.",
        ));
    }
    // `FETCH FIRST ROW ONLY` is one row.
    let quantity = fetch
        .quantity
        .unwrap_or_else(|| Expr::value(Value::Number("1".into(), false)));
    match q.limit_clause.as_mut() {
        None => {
            q.limit_clause = Some(LimitClause::LimitOffset {
                limit: Some(quantity),
                offset: None,
                limit_by: Vec::new(),
            });
            Ok(())
        }
        Some(LimitClause::LimitOffset {
            limit: limit @ None,
            ..
        }) => {
            *limit = Some(quantity);
            Ok(())
        }
        Some(_) => Err(("FETCH FIRST beside LIMIT", "use LIMIT alone.")),
    }
}

//! Per-column statistics (null count; min/max/mean of numbers; min/max of dates) as one aggregation.
//!
//! Floats may hold NaN and infinities (`NaN`, `inf`, `-inf` in the CSV). JSON has no such numbers, so: NaN is
//! left out of the minimum, maximum and mean (it is a value, so not in the null count); an infinite minimum
//! or maximum is the string `"-inf"` or `"inf"`; an infinite mean is left out.

use std::fs::File;
use std::path::Path;

use contracts::ColumnStats;
use polars::prelude::*;

use super::values;

fn is_number(dtype: &DataType) -> bool {
    dtype.is_primitive_numeric()
}

fn is_date_like(dtype: &DataType) -> bool {
    matches!(dtype, DataType::Date | DataType::Datetime(..))
}

/// The aggregations, named by column position so that no column name can collide with them.
pub(crate) fn expressions(schema: &Schema) -> Vec<Expr> {
    let mut exprs = vec![len().alias("rows")];
    for (i, (name, dtype)) in schema.iter().enumerate() {
        let column = col(name.clone());
        exprs.push(column.clone().null_count().alias(format!("{i}:nulls")));
        if is_number(dtype) || is_date_like(dtype) {
            exprs.push(column.clone().min().alias(format!("{i}:min")));
            exprs.push(column.clone().max().alias(format!("{i}:max")));
        }
        if is_number(dtype) {
            // Polars sums integers as floats for a mean: no cast (and no copy of the column) needed.
            exprs.push(column.mean().alias(format!("{i}:mean")));
        }
    }
    exprs
}

/// Combines the rows of [`expressions`] computed over parts of a table into the one row for the whole table;
/// a mean is weighted by the part's count of non-null values.
pub(crate) fn merge_expressions(schema: &Schema) -> Vec<Expr> {
    let count = |name: &str| col(name).cast(DataType::UInt64).sum();
    let mut exprs = vec![count("rows").alias("rows")];
    for (i, (_, dtype)) in schema.iter().enumerate() {
        let (nulls, min, max, mean) = (
            format!("{i}:nulls"),
            format!("{i}:min"),
            format!("{i}:max"),
            format!("{i}:mean"),
        );
        exprs.push(count(&nulls).alias(nulls.as_str()));
        if is_number(dtype) || is_date_like(dtype) {
            exprs.push(col(min.as_str()).min().alias(min.as_str()));
            exprs.push(col(max.as_str()).max().alias(max.as_str()));
        }
        if is_number(dtype) {
            // A part's mean is null exactly when it has no values, so those parts weigh nothing.
            let values =
                col("rows").cast(DataType::Float64) - col(nulls.as_str()).cast(DataType::Float64);
            let total = (col(mean.as_str()) * values.clone()).sum();
            exprs.push((total / values.sum()).alias(mean.as_str()));
        }
    }
    exprs
}

/// The row count and each column's statistics from the one-row result of [`expressions`] (or of
/// [`merge_expressions`] over the parts of `parquet`, the stored table, when there is one: a mean that NaN
/// made NaN is computed again from it, without them).
pub(crate) fn read(
    schema: &Schema,
    summary: &DataFrame,
    parquet: Option<&Path>,
) -> PolarsResult<(u64, Vec<ColumnStats>)> {
    let cell = |name: &str| -> PolarsResult<Option<serde_json::Value>> {
        match summary.column(name) {
            Ok(c) => Ok(Some(number_or_date(&c.get(0)?))),
            Err(_) => Ok(None),
        }
    };
    let rows = cell("rows")?.and_then(|v| v.as_u64()).unwrap_or(0);
    let mut columns = Vec::with_capacity(schema.len());
    for (i, (name, dtype)) in schema.iter().enumerate() {
        let present = |v: Option<serde_json::Value>| v.filter(|v| !v.is_null());
        columns.push(ColumnStats {
            name: name.to_string(),
            dtype: values::dtype_name(dtype),
            null_count: cell(&format!("{i}:nulls"))?
                .and_then(|v| v.as_u64())
                .unwrap_or(0),
            min: present(cell(&format!("{i}:min"))?),
            max: present(cell(&format!("{i}:max"))?),
            mean: present(cell(&format!("{i}:mean"))?).and_then(|v| v.as_f64()),
        });
    }
    if let Some(parquet) = parquet {
        means_without_nan(schema, summary, parquet, &mut columns)?;
    }
    Ok((rows, columns))
}

/// A statistic as JSON: an infinite float as `"inf"` or `"-inf"`, NaN as null.
fn number_or_date(value: &AnyValue<'_>) -> serde_json::Value {
    match value.extract::<f64>() {
        Some(f) if value.dtype().is_float() && f.is_infinite() => {
            serde_json::Value::String(if f > 0.0 { "inf" } else { "-inf" }.into())
        }
        _ => values::json(value),
    }
}

/// The means of the columns whose mean is NaN, from the stored table with its NaN left out. Polars' minimum
/// and maximum skip NaN already; its mean does not, and one NaN made the whole column's mean NaN. Only such
/// columns are read again, so files without NaN pay nothing.
fn means_without_nan(
    schema: &Schema,
    summary: &DataFrame,
    parquet: &Path,
    columns: &mut [ColumnStats],
) -> PolarsResult<()> {
    let mut nan = Vec::new();
    for (i, (name, _)) in schema.iter().enumerate() {
        if let Ok(mean) = summary.column(&format!("{i}:mean"))
            && mean.get(0)?.extract::<f64>().is_some_and(f64::is_nan)
        {
            nan.push((i, name.clone()));
        }
    }
    if nan.is_empty() {
        return Ok(());
    }
    let names = nan.iter().map(|(_, name)| name.to_string()).collect();
    let stored = ParquetReader::new(File::open(parquet)?)
        .with_columns(Some(names))
        .finish()?;
    for (i, name) in nan {
        let values = stored.column(&name)?.cast(&DataType::Float64)?;
        let (sum, count) = values
            .f64()?
            .iter()
            .flatten()
            .filter(|v| !v.is_nan())
            .fold((0.0, 0u64), |(sum, count), v| (sum + v, count + 1));
        columns[i].mean = Some(sum / count as f64).filter(|mean| mean.is_finite());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statistics_of_numbers_dates_and_text() {
        let df = df!(
            "n" => [Some(1i64), None, Some(3)],
            "s" => [Some("a"), Some("b"), None],
        )
        .unwrap()
        .lazy()
        .with_column(lit(19_723i32).cast(DataType::Date).alias("d"))
        .collect()
        .unwrap();
        let schema = df.schema().clone();
        let summary = df.lazy().select(expressions(&schema)).collect().unwrap();
        let (rows, columns) = read(&schema, &summary, None).unwrap();
        assert_eq!(rows, 3);
        assert_eq!(columns[0].null_count, 1);
        assert_eq!(columns[0].min, Some(1.into()));
        assert_eq!(columns[0].max, Some(3.into()));
        assert_eq!(columns[0].mean, Some(2.0));
        assert_eq!((columns[1].null_count, &columns[1].min), (1, &None));
        assert_eq!(columns[2].min, Some("2024-01-01".into()));
        assert_eq!(columns[2].mean, None);
    }

    #[test]
    fn statistics_of_parts_merge_into_those_of_the_whole() {
        let whole = df!(
            "n" => [Some(1i64), None, Some(3), Some(10), None, Some(-4)],
            "x" => [Some(0.5f64), Some(1.5), None, None, None, None],
        )
        .unwrap();
        let schema = whole.schema().clone();
        let summary = |df: DataFrame| df.lazy().select(expressions(&schema)).collect().unwrap();
        let parts = [
            whole.slice(0, 2),
            whole.slice(2, 3),
            whole.slice(5, 1),
            whole.slice(0, 0),
        ];
        let merged = concat(
            parts
                .into_iter()
                .map(|p| summary(p).lazy())
                .collect::<Vec<_>>(),
            UnionArgs::default(),
        )
        .unwrap()
        .select(merge_expressions(&schema))
        .collect()
        .unwrap();
        assert_eq!(
            read(&schema, &merged, None).unwrap(),
            read(&schema, &summary(whole), None).unwrap()
        );
    }

    /// NaN is left out of the minimum, maximum and mean; infinities are named; an infinite mean is left out.
    #[test]
    fn nan_and_infinities() {
        let mut df = df!(
            "x" => [Some(1.0f64), Some(f64::NAN), None, Some(3.0)],
            "y" => [Some(f64::INFINITY), Some(-1.0), Some(f64::NEG_INFINITY), Some(f64::NAN)],
            "n" => [Some(1i64), Some(2), Some(3), None],
        )
        .unwrap();
        let dir = tempfile::tempdir().unwrap();
        let parquet = dir.path().join("t.parquet");
        ParquetWriter::new(File::create(&parquet).unwrap())
            .finish(&mut df)
            .unwrap();
        let schema = df.schema().clone();
        let summary = df.lazy().select(expressions(&schema)).collect().unwrap();
        let merged = summary
            .lazy()
            .select(merge_expressions(&schema))
            .collect()
            .unwrap();
        let (_, columns) = read(&schema, &merged, Some(&parquet)).unwrap();
        let x = &columns[0];
        assert_eq!(
            (x.null_count, &x.min, &x.max),
            (1, &Some(1.0.into()), &Some(3.0.into()))
        );
        assert_eq!(x.mean, Some(2.0));
        let y = &columns[1];
        assert_eq!(
            (&y.min, &y.max),
            (&Some("-inf".into()), &Some("inf".into()))
        );
        assert_eq!(y.mean, None);
        assert_eq!(columns[2].mean, Some(2.0));
    }
}

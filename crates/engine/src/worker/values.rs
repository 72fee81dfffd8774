//! A polars DataFrame as the wire's result table: dtype names as polars prints them, cells as JSON values.

use chrono::{DateTime, NaiveDate};
use contracts::{ColumnSchema, ResultTable};
use polars::prelude::*;
use serde_json::{Number, Value};

/// Bytes of JSON a result may carry; rows past this are left out (and `truncated` set), whatever `limit` says.
const MAX_RESULT_JSON_BYTES: usize = 64 << 20;

/// The first `limit` rows of `df` (fewer if they would exceed the byte budget), and its full height.
pub(crate) fn table(df: &DataFrame, limit: usize, total_rows: u64) -> ResultTable {
    let columns = df
        .columns()
        .iter()
        .map(|c| ColumnSchema::new(c.name().as_str(), dtype_name(c.dtype())))
        .collect();
    let head = df.slice(0, limit.min(df.height()));
    let mut cells: Vec<Vec<Value>> = head
        .columns()
        .iter()
        .map(|c| {
            c.as_materialized_series()
                .iter()
                .map(|v| json(&v))
                .collect()
        })
        .collect();
    let (mut rows, mut bytes) = (Vec::with_capacity(head.height()), 0usize);
    for i in 0..head.height() {
        let row: Vec<Value> = cells
            .iter_mut()
            .map(|c| std::mem::take(&mut c[i]))
            .collect();
        bytes += row.iter().map(approximate_size).sum::<usize>() + row.len() + 2;
        if bytes > MAX_RESULT_JSON_BYTES && !rows.is_empty() {
            break;
        }
        rows.push(row);
    }
    ResultTable {
        columns,
        truncated: (rows.len() as u64) < total_rows,
        rows,
        row_count: total_rows,
    }
}

/// The dtype as polars prints it (`i64`, `str`, `date`, `datetime[μs]`, `list[str]`).
pub(crate) fn dtype_name(dtype: &DataType) -> String {
    dtype.to_string()
}

fn approximate_size(value: &Value) -> usize {
    match value {
        Value::String(s) => s.len() + 2,
        Value::Array(items) => items.iter().map(approximate_size).sum::<usize>() + items.len() + 2,
        Value::Object(map) => map
            .iter()
            .map(|(k, v)| k.len() + 3 + approximate_size(v))
            .sum(),
        _ => 8,
    }
}

/// One cell: numbers as numbers (non-finite floats as null), dates and datetimes as ISO 8601 strings.
pub(crate) fn json(value: &AnyValue<'_>) -> Value {
    match value {
        AnyValue::Null => Value::Null,
        AnyValue::Boolean(b) => Value::Bool(*b),
        AnyValue::String(s) => Value::String((*s).to_owned()),
        AnyValue::StringOwned(s) => Value::String(s.to_string()),
        AnyValue::UInt8(v) => Value::from(*v),
        AnyValue::UInt16(v) => Value::from(*v),
        AnyValue::UInt32(v) => Value::from(*v),
        AnyValue::UInt64(v) => Value::from(*v),
        AnyValue::Int8(v) => Value::from(*v),
        AnyValue::Int16(v) => Value::from(*v),
        AnyValue::Int32(v) => Value::from(*v),
        AnyValue::Int64(v) => Value::from(*v),
        AnyValue::Int128(v) => {
            i64::try_from(*v).map_or_else(|_| Value::String(v.to_string()), Value::from)
        }
        AnyValue::Float32(v) => float(f64::from(*v)),
        AnyValue::Float64(v) => float(*v),
        AnyValue::Date(days) => date(*days).map_or(Value::Null, Value::String),
        AnyValue::Datetime(v, unit, _) | AnyValue::DatetimeOwned(v, unit, _) => {
            datetime(*v, *unit).map_or(Value::Null, Value::String)
        }
        AnyValue::List(series) => Value::Array(series.iter().map(|v| json(&v)).collect()),
        other => match other.extract::<f64>() {
            // Decimals and other numeric kinds.
            Some(f) if other.dtype().is_numeric() => float(f),
            // Durations, categoricals, structs: their display form, without polars' quoting.
            _ => Value::String(other.to_string().trim_matches('"').to_owned()),
        },
    }
}

fn float(v: f64) -> Value {
    Number::from_f64(v).map_or(Value::Null, Value::Number)
}

/// Days since 1970-01-01 as `YYYY-MM-DD`.
pub(crate) fn date(days: i32) -> Option<String> {
    let epoch = NaiveDate::from_ymd_opt(1970, 1, 1)?;
    let day = epoch.checked_add_signed(chrono::TimeDelta::try_days(i64::from(days))?)?;
    Some(day.format("%Y-%m-%d").to_string())
}

/// A timestamp as `YYYY-MM-DDTHH:MM:SS` plus as many fractional digits as it needs.
pub(crate) fn datetime(value: i64, unit: TimeUnit) -> Option<String> {
    let (secs, nanos) = match unit {
        TimeUnit::Nanoseconds => (
            value.div_euclid(1_000_000_000),
            value.rem_euclid(1_000_000_000),
        ),
        TimeUnit::Microseconds => (
            value.div_euclid(1_000_000),
            value.rem_euclid(1_000_000) * 1_000,
        ),
        TimeUnit::Milliseconds => (value.div_euclid(1_000), value.rem_euclid(1_000) * 1_000_000),
    };
    let at = DateTime::from_timestamp(secs, u32::try_from(nanos).ok()?)?.naive_utc();
    let format = match nanos {
        0 => "%Y-%m-%dT%H:%M:%S",
        n if n % 1_000_000 == 0 => "%Y-%m-%dT%H:%M:%S%.3f",
        n if n % 1_000 == 0 => "%Y-%m-%dT%H:%M:%S%.6f",
        _ => "%Y-%m-%dT%H:%M:%S%.9f",
    };
    Some(at.format(format).to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn temporal_values_are_iso_8601() {
        assert_eq!(date(0).as_deref(), Some("1970-01-01"));
        assert_eq!(date(-1).as_deref(), Some("1969-12-31"));
        assert_eq!(date(19_723).as_deref(), Some("2024-01-01"));
        let us = 1_704_067_200_000_000i64;
        assert_eq!(
            datetime(us, TimeUnit::Microseconds).as_deref(),
            Some("2024-01-01T00:00:00")
        );
        assert_eq!(
            datetime(us + 500_000, TimeUnit::Microseconds).as_deref(),
            Some("2024-01-01T00:00:00.500")
        );
        assert_eq!(
            datetime(-1, TimeUnit::Milliseconds).as_deref(),
            Some("1969-12-31T23:59:59.999")
        );
    }

    #[test]
    fn cells_become_json() {
        assert_eq!(json(&AnyValue::Int64(3)), Value::from(3));
        assert_eq!(json(&AnyValue::Float64(f64::NAN)), Value::Null);
        assert_eq!(json(&AnyValue::Float64(f64::INFINITY)), Value::Null);
        assert_eq!(json(&AnyValue::Float64(1.5)), Value::from(1.5));
        assert_eq!(json(&AnyValue::String("x")), Value::from("x"));
        assert_eq!(json(&AnyValue::Null), Value::Null);
    }

    #[test]
    fn tables_are_capped_but_count_every_row() {
        let df = df!("a" => [1i64, 2, 3], "b" => ["x", "y", "z"]).unwrap();
        let t = table(&df, 2, 3);
        assert_eq!(
            t.rows,
            vec![
                vec![Value::from(1), Value::from("x")],
                vec![Value::from(2), Value::from("y")]
            ]
        );
        assert_eq!((t.row_count, t.truncated), (3, true));
        assert_eq!(t.columns[0].dtype, "i64");
        assert_eq!(t.columns[1].dtype, "str");
        assert!(!table(&df, 10, 3).truncated);
    }
}

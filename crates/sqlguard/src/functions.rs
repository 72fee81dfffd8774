//! The function allowlist: scalar, aggregate and window functions Polars SQL implements.
//!
//! Taken from polars-sql 0.55.2 `functions.rs` (`PolarsSQLFunctions::try_from_sql`), minus
//! anything that touches the outside world. Table functions (`read_csv`, `read_parquet`,
//! `read_ipc`, `read_json`) live elsewhere in polars and are never listed here. Syntax that
//! sqlparser turns into dedicated nodes (CAST, TRY_CAST, EXTRACT, CASE, SUBSTRING, TRIM,
//! POSITION, CEIL/FLOOR with a unit) is checked in the expression walker, not here.

/// Lower-case names; sorted so lookup is a binary search and the list reads like a table.
const ALLOWED: &[&str] = &[
    "abs",
    "acos",
    "acosd",
    "array_agg",
    "array_contains",
    "array_get",
    "array_length",
    "array_lower",
    "array_mean",
    "array_reverse",
    "array_sum",
    "array_to_string",
    "array_unique",
    "array_upper",
    "asin",
    "asind",
    "atan",
    "atan2",
    "atan2d",
    "atand",
    "avg",
    "bit_and",
    "bit_count",
    "bit_length",
    "bit_not",
    "bit_or",
    "bit_xor",
    "bitand",
    "bitcount",
    "bitnot",
    "bitor",
    "bitxor",
    "cbrt",
    "ceil",
    "ceiling",
    "char_length",
    "character_length",
    "coalesce",
    "columns",
    "concat",
    "concat_ws",
    "corr",
    "cos",
    "cosd",
    "cot",
    "cotd",
    "count",
    "covar",
    "covar_pop",
    "covar_samp",
    "date",
    "date_part",
    "datetime",
    "degrees",
    "dense_rank",
    "div",
    "ends_with",
    "exp",
    "first",
    "first_value",
    "floor",
    "greatest",
    "group_concat",
    "if",
    "ifnull",
    "lag",
    "last",
    "last_value",
    "lead",
    "least",
    "left",
    "length",
    "listagg",
    "ln",
    "log",
    "log10",
    "log1p",
    "log2",
    "lower",
    "lpad",
    "ltrim",
    "max",
    "median",
    "min",
    "mod",
    "normalize",
    "nullif",
    "octet_length",
    "pi",
    "pow",
    "power",
    "quantile_cont",
    "quantile_disc",
    "radians",
    "rank",
    "regexp_like",
    "replace",
    "reverse",
    "right",
    "round",
    "row_number",
    "rpad",
    "rtrim",
    "sign",
    "sin",
    "sind",
    "split_part",
    "sqrt",
    "starts_with",
    "stddev",
    "stddev_samp",
    "stdev",
    "stdev_samp",
    "strftime",
    "string_agg",
    "string_to_array",
    "strpos",
    "strptime",
    "substr",
    "sum",
    "tan",
    "tand",
    "time",
    "timestamp",
    "total",
    "trunc",
    "truncate",
    "unnest",
    "upper",
    "var",
    "var_samp",
    "variance",
    "xor",
];

/// True when `name` (any case) is an allowlisted function.
pub(crate) fn is_allowed(name: &str) -> bool {
    ALLOWED
        .binary_search(&name.to_ascii_lowercase().as_str())
        .is_ok()
}

/// Functions whose output length is set by an argument; value = index of that argument.
pub(crate) fn length_argument(name: &str) -> Option<usize> {
    match name.to_ascii_lowercase().as_str() {
        "lpad" | "rpad" => Some(1),
        _ => None,
    }
}

/// Functions whose first argument is a keyword-like identifier, not a column (NORMALIZE(x, NFC)).
pub(crate) fn identifier_argument(name: &str) -> Option<usize> {
    match name.to_ascii_lowercase().as_str() {
        "normalize" => Some(1),
        // SQL Server's unit (DATEADD(day, 1, d)), refused with advice: not a column to report as unknown.
        "dateadd" | "datepart" | "datename" => Some(0),
        _ => None,
    }
}

/// Up to three allowlisted names close to `name`, to suggest a fix.
pub(crate) fn suggestions(name: &str) -> Vec<&'static str> {
    let lower = name.to_ascii_lowercase();
    crate::scope::closest(&lower, ALLOWED.iter().copied())
}

/// The allowlist, for documentation and prompts.
pub fn allowed_functions() -> &'static [&'static str] {
    ALLOWED
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_is_sorted_and_unique() {
        assert!(ALLOWED.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn io_functions_are_absent() {
        for f in [
            "read_csv",
            "read_parquet",
            "read_ipc",
            "read_json",
            "scan_csv",
            "load_file",
        ] {
            assert!(!is_allowed(f), "{f}");
        }
        assert!(is_allowed("COUNT"));
    }
}

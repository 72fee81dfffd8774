//! `ROUND(x, n)` with SQLite's values, built from Polars' own `ROUND` (a submodule of `dialect_calls`).
//!
//! Polars rounds `x * 10^n` half to even as a binary float: `ROUND(2.5)` was 2 and `ROUND(1.005, 2)` 1.0,
//! since 1.005 is 1.00499999999999989... in binary. SQLite rounds half away from zero, and for `n > 0` it
//! reads the float as a decimal first, as PostgreSQL does converting to numeric: at 15 significant digits
//! (C's `DBL_DIG`), so 1.005 rounds to 1.01, and so does an average that came out 1.0049999999999999. For
//! `n = 0` SQLite adds 0.5 to the binary value and truncates.
//!
//! Polars' `ROUND(x, n)` is right except near a half, where the answer is its other neighbour on the grid,
//! which `ROUND(2 * x - ROUND(x, n), n)` gives. Both forms keep the type of `x` (Polars' ROUND of an integer
//! is the integer), so `ROUND(qty)` of a whole-number column stays whole; only the test of which one to take
//! is computed in floats.

use sqlparser::ast::Expr;

/// Arguments past this size keep Polars' own `ROUND`: the rewrite writes `x` eight times, so nested calls
/// grow eightfold per level.
const MAX_ARGUMENT: usize = 16 * 1024;

/// Places past this keep Polars' `ROUND`: the 15 digits of any value from 1 up end before the 15th place,
/// and past it SQLite's own answers differ from the decimal in the 16th digit.
const MAX_PLACES: u32 = 14;

/// SQL text for SQLite's `ROUND(x, places)`, or `None` to keep Polars' own.
pub(super) fn round(x: &Expr, places: u32) -> Option<String> {
    if places > MAX_PLACES || x.to_string().len() > MAX_ARGUMENT {
        return None;
    }
    let polars = if places == 0 {
        format!("ROUND({x})")
    } else {
        format!("ROUND({x}, {places})")
    };
    let agrees = if places == 0 {
        // SQLite's own test, `(i64)(x + 0.5)`; past 2^52 every float is whole (and SQLite's sum rounds up odd
        // ones, which Polars' whole value does not copy).
        format!("ABS({x}) >= 4503599627370496.0 OR ABS({polars}) = FLOOR(ABS({x}) + 0.5)")
    } else {
        let scale = 10_u64.pow(places);
        // From 10^(14 - n) up, the 15 digits end at or before the n-th place: the float is its own answer.
        let whole = format!("1{}.0", "0".repeat((MAX_PLACES - places) as usize));
        // Half a unit of the 15th significant digit, scaled by 10^n: `|x| * 10^n` rounded half up after
        // adding it is the rounding of the 15-digit decimal (the float's own error is far smaller).
        let slack = format!(
            "POWER(10.0, FLOOR(LOG10(ABS({x}))) - {}) * 0.5",
            MAX_PLACES - places
        );
        format!(
            "ABS({x}) >= {whole} OR ABS({polars}) = \
             ROUND(FLOOR(ABS({x}) * {scale} + 0.5 + {slack}) / {scale}, {places})"
        )
    };
    Some(format!(
        "CASE WHEN {agrees} THEN {polars} ELSE {} END",
        if places == 0 {
            format!("ROUND(2 * ({x}) - {polars})")
        } else {
            format!("ROUND(2 * ({x}) - {polars}, {places})")
        }
    ))
}

//! NaN and the infinities written as words (`nan`, `NAN`, `Infinity`, `-INF`). Polars' parser reads every
//! spelling of them as the float, in any case, signed or not; its type inference takes only `inf` and `NaN`,
//! so a `nan` among the first rows made a column of decimals text, where past them it was read as NaN. Every
//! spelling is read as the float now, among the first rows as past them: a column whose sampled values are
//! numbers and such words is read as decimals (a value further on that is neither makes it text, as any
//! value that breaks its column does).

/// Whether `value` is NaN or an infinity spelled out: `nan`, `inf` or `infinity` in any case, with a sign or
/// not, as polars' parser reads them.
pub(crate) fn is_float_word(value: &str) -> bool {
    let word = value.strip_prefix(['+', '-']).unwrap_or(value);
    ["nan", "inf", "infinity"]
        .iter()
        .any(|w| word.eq_ignore_ascii_case(w))
}

/// Whether polars' inference reads `value` as a float word itself.
fn inferred(value: &str) -> bool {
    let word = value.strip_prefix(['+', '-']).unwrap_or(value);
    word == "inf" || word == "NaN"
}

/// Whether `value` is a number as a file with (`decimal_comma`) or without decimal commas writes it.
fn number(value: &str, decimal_comma: bool) -> bool {
    match decimal_comma {
        true => !value.contains('.') && value.replacen(',', ".", 1).parse::<f64>().is_ok(),
        false => value.parse::<f64>().is_ok(),
    }
}

/// Whether polars' inference makes text of `values` (a column's, nulls left out) only for a float word it
/// does not take: every value is a number or such a word, and one is a word it does not take.
pub(crate) fn decimals<'a>(values: impl IntoIterator<Item = &'a str>, decimal_comma: bool) -> bool {
    let mut word = false;
    for value in values {
        if is_float_word(value) {
            word |= !inferred(value);
        } else if !number(value, decimal_comma) {
            return false;
        }
    }
    word
}

/// The columns of `rows` (the sniffer's sample, `width` columns wide) that [`decimals`] reads as decimals.
pub(crate) fn columns(
    rows: &[Vec<String>],
    width: usize,
    decimal_comma: bool,
) -> impl Iterator<Item = usize> + '_ {
    (0..width).filter(move |&i| {
        let values = rows.iter().filter_map(|row| row.get(i).map(String::as_str));
        decimals(
            values.filter(|v| !super::headers::is_null_text(v)),
            decimal_comma,
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_spelling_polars_parses_is_a_float_word() {
        for word in [
            "nan",
            "NaN",
            "NAN",
            "inf",
            "INF",
            "Infinity",
            "-Infinity",
            "+inf",
            "-nan",
        ] {
            assert!(is_float_word(word), "{word}");
        }
        for other in ["na", "infinite", "in f", " nan", "--inf", "1.5", ""] {
            assert!(!is_float_word(other), "{other}");
        }
    }

    #[test]
    fn only_columns_that_a_word_alone_made_text_are_decimals() {
        let rows: Vec<Vec<String>> = [
            ["1.5", "1.5", "NaN", "1.5", "a", "1", "2,5"],
            ["nan", "-Infinity", "inf", "x", "nan", "INF", "nan"],
            ["", "NA", "2", "3", "4", "5", "1,25"],
        ]
        .iter()
        .map(|r| r.iter().map(|v| (*v).to_owned()).collect())
        .collect();
        // `NaN` and `inf` polars reads itself; `x` and `a` are text.
        assert_eq!(columns(&rows, 7, false).collect::<Vec<_>>(), [0, 1, 5]);
        // In a file of decimal commas, `2,5` is a number and `1.5` is not.
        assert_eq!(columns(&rows, 7, true).collect::<Vec<_>>(), [5, 6]);
    }
}

//! Decimals past the range of a 64-bit float (`1e400`, `-2e308`, a 1 with 400 zeros and `.5`). Polars'
//! parser reads them as infinities, which the upload stored with no word (shown as null, making a SUM null).
//! Like a whole number past the 64-bit range, such a value makes its column text, and a note names it and its
//! line; an infinity written out (`inf`, `-Infinity`, see [`super::float_words`]) stays one.
//!
//! Why after the parse: the values polars parsed are all there is to look at cheaply. A piece's decimal
//! columns are searched for infinities (a pass over their values); only a piece that has one is parsed again
//! with that column as text, to tell how the value was written.

use polars::prelude::*;

use super::convert::Reading;
use super::float_words::is_float_word;
use super::late_types::LateTypes;
use super::piece_parser;

/// Reports the first decimal column of `frame` (parsed from `records` as `reading` says) holding a value
/// past a float's range, as a [`LateTypes`] error making it text that carries the value for the notes.
pub(super) fn check(frame: &DataFrame, records: &[u8], reading: &Reading) -> PolarsResult<()> {
    for (index, column) in frame.columns().iter().enumerate() {
        if column.dtype() != &DataType::Float64 {
            continue;
        }
        let values = column.f64()?;
        let infinite = (values.downcast_iter()).any(|a| a.values().iter().any(|v| v.is_infinite()));
        if !infinite {
            continue;
        }
        let texts = piece_parser::with_text_column(records, reading, index)?;
        let texts = texts.columns()[index].str()?;
        let past = values.iter().zip(texts.iter()).find_map(|(value, text)| {
            let (value, text) = (value?, text?);
            (value.is_infinite() && !is_float_word(text.trim())).then(|| text.trim().to_owned())
        });
        if let Some(value) = past {
            let late = LateTypes {
                types: vec![(index, DataType::String)],
                dates: Vec::new(),
                past_float: vec![(index, value)],
            };
            return Err(std::io::Error::from(late).into());
        }
    }
    Ok(())
}

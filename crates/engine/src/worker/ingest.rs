//! CSV → Parquet: sniff the file, settle names and types, convert (see [`super::convert`]), and explain failures.
//!
//! The happy path parses the CSV once, in pieces, gathering the statistics on the way, so memory stays far
//! below the file's size. Everything costly
//! (re-inference over the whole file, Latin-1 transcoding, finding the line of a bad row) happens only
//! after polars has failed.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use contracts::{DateOrder, MonthNames};
use polars::prelude::*;

use super::convert::{self, Reading};
use super::datetime_notes;
use super::explain::{explain, is_type_error, is_utf8_error, joined_lines, ragged};
use super::float_digits;
use super::float_words;
use super::headers;
use super::inference_head::{TempFile, head_for_inference};
use super::late_types;
use super::locate;
use super::lone_returns::has_lone_returns;
use super::normalise::{Repairs, Returns, normalised_copy};
use super::number_notes::NumberNotes;
use super::numeric_dates::{self, FoundDates};
use super::sniff::{self, Sniffed};
use super::source::CsvSource;
use super::thousands::{self, Thousands};
use super::thousands_note;
use super::utf16;
use super::widen;
use super::written_note;
use crate::protocol::completion_marker;
use crate::{EngineError, IngestReport};

/// Rows polars looks at to infer column types before falling back to reading the whole file.
pub(super) const INFER_ROWS: usize = 1000;
/// Most columns a dataset may have (counted in the header, as far as the sniffer's sample holds it).
pub(super) const MAX_COLUMNS: usize = 10_000;

/// How polars should read the file this time.
struct Plan<'a> {
    source: &'a Path,
    sniffed: &'a Sniffed,
    names: &'a [String],
    keep_text: &'a [bool],
    /// Columns read with a wider type than polars inferred (see [`widen`]).
    widened: &'a BTreeMap<usize, DataType>,
    /// Columns of dates written as three numbers, parsed as text and converted by [`numeric_dates`].
    dates: &'a FoundDates,
    /// Columns of numbers with dotted thousands in a decimal-comma file (see [`thousands`]).
    grouped: &'a Thousands,
    has_header: bool,
    infer_all: bool,
}

/// Reads `csv` into `parquet`. When `arriving`, the CSV is an upload still being written: the conversion
/// follows it as it grows, and anything that needs the whole file (a fallback, explaining a failure) first
/// waits for it to be complete, so the outcome is the same as for a complete file.
pub(crate) fn ingest(
    csv: &Path,
    parquet: &Path,
    arriving: bool,
    date_order: DateOrder,
    month_names: MonthNames,
) -> Result<IngestReport, EngineError> {
    let mut upload = if arriving {
        CsvSource::growing(csv, completion_marker(csv))
    } else {
        CsvSource::complete(csv)
    }
    .map_err(unreadable)?;
    // UTF-16 (Excel's "Unicode text"): everything from here reads a UTF-8 copy.
    let utf16 = utf16::copy_if_utf16(&mut upload)?;
    if let Some(copy) = &utf16 {
        upload = CsvSource::complete(&copy.0).map_err(unreadable)?;
    }
    let csv = utf16.as_ref().map_or(csv, |copy| copy.0.as_path());
    upload
        .wait_for(sniff::SAMPLE_BYTES as u64 + 1)
        .map_err(unreadable)?;
    let sniffed = sniff::sniff(csv)?;
    // Polars' time and memory grow with the columns (100,000 took 10 s and 2.9 GB for a 0.9 MB file): a
    // file wider than this is refused from its header, before any of that.
    let width = if sniffed.header_cut {
        sniff::header_width(
            &mut upload,
            sniffed.delimiter,
            sniffed.header_start,
            MAX_COLUMNS,
        )
        .map_err(unreadable)?
    } else {
        sniffed.header.len()
    };
    if width > MAX_COLUMNS {
        return Err(EngineError::TooManyColumns {
            columns: width,
            limit: MAX_COLUMNS,
            at_least: sniffed.header_cut,
        });
    }
    let has_header = !headers::first_row_is_data(&sniffed.header, &sniffed.rows);
    let (names, mut notes) = if has_header {
        headers::clean(&sniffed.header)
    } else {
        let names: Vec<String> = (1..=sniffed.header.len())
            .map(|i| format!("column_{i}"))
            .collect();
        let note = format!(
            "the first row looks like data, not a header, so it was kept as a row; the columns are called \
             column_1 to column_{}.",
            names.len()
        );
        (names, vec![note])
    };
    let mut sample = sniffed.rows.clone();
    if !has_header {
        sample.push(sniffed.header.clone());
    }
    let keep_text = headers::keep_as_text(&sample, names.len());
    let mut dates = FoundDates::in_sample(&sample, names.len(), date_order, month_names);
    let (mut grouped, pointed): (_, Vec<usize>) = match sniffed.decimal_comma {
        true => (
            Thousands::in_sample(&sample, names.len()),
            (thousands::pointed(&sample, names.len()))
                .chain(thousands::unsure(&sample, names.len()))
                .collect(),
        ),
        // Currencies, comma thousands, parentheses, percentages (see `written_numbers`).
        false => (
            Thousands::written_in_sample(&sample, names.len(), sniffed.delimiter),
            Vec::new(),
        ),
    };
    // A copy polars can read, when the file is not UTF-8 or its lines end with a carriage return alone.
    let mut transcoded: Option<TempFile> = None;
    let mut repairs = Repairs::default();
    let mut returns = match sniffed.cr_line_ends {
        true => Returns::All,
        false => Returns::Kept,
    };
    if !sniffed.utf8 || sniffed.cr_line_ends {
        upload.wait_complete().map_err(unreadable)?;
        let (copy, made) = normalised_copy(csv, returns, sniffed.delimiter)?;
        (transcoded, repairs) = (Some(copy), made);
    }
    let mut infer_all = false;
    let mut numbers = NumberNotes::default();
    // Whether the file has lone carriage returns among other line ends: looked for once, after a failure.
    let mut lone_returns: Option<bool> = None;
    let (mut widened, mut widenings) = (BTreeMap::new(), 0);
    // Decimals with `nan` or `Infinity` among them (see `float_words`); not once inferred from the whole file.
    let words = float_words::columns(&sample, names.len(), sniffed.decimal_comma);
    widened.extend(words.map(|i| (i, DataType::Float64)));
    parsed_as_text(&mut widened, &dates, &grouped, &pointed);
    loop {
        let source = transcoded.as_ref().map_or(csv, |t| t.0.as_path());
        let plan = Plan {
            source,
            sniffed: &sniffed,
            names: &names,
            keep_text: &keep_text,
            widened: &widened,
            dates: &dates,
            grouped: &grouped,
            has_header,
            infer_all,
        };
        let written = match &transcoded {
            Some(copy) => CsvSource::complete(&copy.0)
                .map_err(PolarsError::from)
                .and_then(|mut copy| write(&plan, &mut copy, parquet)),
            None => write(&plan, &mut upload, parquet),
        };
        let error = match written {
            Ok((row_count, columns)) => {
                // Polars pads short rows with nulls. Only when the last column has nulls can that have
                // happened, so only then is the file read again to look for a short row.
                let last_has_nulls = columns.last().is_some_and(|c| c.null_count > 0);
                let short = last_has_nulls
                    .then(|| {
                        locate::ragged_row(source, sniffed.delimiter, names.len(), sniffed.sep_line)
                    })
                    .flatten();
                if let Some((line, found)) = short {
                    let _ = std::fs::remove_file(parquet);
                    return Err(ragged(line, found, names.len(), sniffed.delimiter));
                }
                if utf16.is_some() {
                    notes.push(
                        "the file is UTF-16 text (what Excel saves as \"Unicode text\"); it was read as such."
                            .into(),
                    );
                }
                notes.extend(repairs.notes());
                // The line of a value a note quotes, in its column.
                let line =
                    |i, value: &str| locate::value_line(source, sniffed.delimiter, value, Some(i));
                if sniffed.decimal_comma {
                    notes.extend(thousands_note::note(&sample, &columns, &grouped, &line));
                } else {
                    notes.extend(written_note::notes(&sample, &columns, &grouped, &line));
                    notes.extend(written_note::percent_notes(&sample, &columns, &line));
                }
                notes.extend(numbers.notes(source, sniffed.delimiter, &columns));
                let decimal_comma = sniffed.decimal_comma;
                notes.extend(float_digits::notes(&sample, &columns, decimal_comma, &line));
                if row_count == 0 {
                    notes.push("the file has a header but no rows.".into());
                }
                notes.extend(dates.notes(&names, parquet, &columns, &line).map_err(|e| {
                    EngineError::Internal(format!("reading the stored dates back: {e}"))
                })?);
                let leaps = dates.leaps();
                notes.extend(datetime_notes::notes(
                    &sample, &names, &columns, &leaps, &line,
                ));
                let stored_bytes = std::fs::metadata(parquet).map(|m| m.len()).unwrap_or(0);
                return Ok(IngestReport {
                    row_count,
                    columns,
                    delimiter: sniffed.delimiter,
                    encoding: if utf16.is_some() {
                        "utf-16"
                    } else if repairs.latin1_bytes > 0 {
                        "latin-1"
                    } else {
                        "utf-8"
                    }
                    .into(),
                    notes,
                    stored_bytes,
                });
            }
            Err(error) => error,
        };
        let _ = std::fs::remove_file(parquet);
        // A column empty in the inference head has its values further on: read again with their type. An
        // upload still arriving is followed again from its start, as the first time.
        let late = late_types::found(&error);
        if let Some(late) = late
            && widenings < widen::MAX_WIDENINGS
        {
            widened.extend(late.types.iter().cloned());
            dates.add_late(&late.dates);
            numbers.past_float(&late.past_float);
            widenings += 1;
            continue;
        }
        // Every way on from here reads the whole file.
        upload.wait_complete().map_err(unreadable)?;
        let text = error.to_string();
        if let Some(unconverted) = thousands::unconverted(&error)
            && widenings < widen::MAX_WIDENINGS
        {
            grouped.settle(unconverted.index, &unconverted.to);
            widenings += 1;
        } else if let Some(unread) = numeric_dates::unread(&error) {
            widened.extend(
                dates
                    .settle(unread)
                    .into_iter()
                    .map(|i| (i, DataType::String)),
            );
        } else if transcoded.is_none() && is_utf8_error(&text) {
            let (copy, made) = normalised_copy(csv, returns, sniffed.delimiter)?;
            (transcoded, repairs) = (Some(copy), made);
        } else if returns == Returns::Kept
            && joined_lines(&text)
            && *lone_returns.get_or_insert_with(|| has_lone_returns(csv))
        {
            // Some line ends with a carriage return alone among others, which polars read as part of a value
            // (a field count off, or a value that breaks its column): before anything is widened for it.
            // Only these failures look: a routine widening neither reads the file again nor reads a return
            // inside an unquoted value (`foo\rbar`) as a line end, which it is not without them.
            returns = Returns::Lone;
            let (copy, made) = normalised_copy(csv, returns, sniffed.delimiter)?;
            (transcoded, repairs) = (Some(copy), made);
        } else if let Some((index, dtype)) = (widenings < widen::MAX_WIDENINGS && !infer_all)
            .then(|| widen::widening(&text, &widened, &names))
            .flatten()
        {
            numbers.widened(index, dtype == DataType::String, &text);
            dates.widened(index, &dtype, &text);
            widened.insert(index, dtype);
            widenings += 1;
        } else if !infer_all && (is_type_error(&text) || late.is_some()) {
            // Polars' inference over the whole file decides every type, those widened so far too.
            infer_all = true;
            widened.clear();
            // Except the columns it must not read as it would: dates unlike each other, decimal points.
            parsed_as_text(&mut widened, &dates, &grouped, &pointed);
        } else {
            return Err(explain(
                &error,
                &plan_source(csv, transcoded.as_ref()),
                &sniffed,
                &names,
            ));
        }
    }
}

/// Columns parsed as text whatever polars infers: dates unlike each other, dotted thousands (converted
/// after parsing, see [`thousands`]) and, in a decimal-comma file, decimal points and
/// the dotted thousands they make unsure (see `thousands::pointed`, `thousands::unsure`).
fn parsed_as_text(
    widened: &mut BTreeMap<usize, DataType>,
    dates: &FoundDates,
    grouped: &Thousands,
    pointed: &[usize],
) {
    let grouped = grouped.0.iter().map(|(i, _)| *i);
    let text = dates
        .text_columns()
        .chain(grouped)
        .chain(pointed.iter().copied());
    widened.extend(text.map(|i| (i, DataType::String)));
}

fn plan_source(csv: &Path, transcoded: Option<&TempFile>) -> PathBuf {
    transcoded.map_or_else(|| csv.to_path_buf(), |t| t.0.clone())
}

pub(super) fn unreadable(error: std::io::Error) -> EngineError {
    EngineError::Internal(format!("cannot read the upload: {error}"))
}

/// The lazy scan of `path` (the CSV, or the start of it), with our column names and type overrides applied
/// to polars' inferred schema.
fn scan(plan: &Plan<'_>, path: &Path) -> PolarsResult<LazyFrame> {
    let path = path.to_str().ok_or_else(
        || polars_err!(ComputeError: "the upload's temporary path is not valid UTF-8"),
    )?;
    let names = plan.names;
    let (keep_text, widened, dates) = (plan.keep_text, plan.widened, plan.dates);
    LazyCsvReader::new(PlRefPath::new(path))
        .with_separator(plan.sniffed.delimiter)
        .with_decimal_comma(plan.sniffed.decimal_comma)
        .with_has_header(plan.has_header)
        // Excel's `sep=;` line and the blank lines after it (see `sniff::excel_separator`).
        .with_skip_lines(plan.sniffed.skip_lines)
        .with_try_parse_dates(true)
        .with_glob(false)
        .with_missing_is_null(true)
        .with_null_values(Some(headers::null_values()))
        .with_raise_if_empty(false)
        .with_infer_schema_length(if plan.infer_all {
            None
        } else {
            Some(INFER_ROWS)
        })
        .with_schema_modify(|inferred: Schema| {
            // Rename by position (the header as we parsed it, made unique), keep leading-zero columns text,
            // and widen the columns a later value did not fit.
            let mut schema = Schema::with_capacity(inferred.len());
            for (i, (name, dtype)) in inferred.iter().enumerate() {
                let name = names
                    .get(i)
                    .map_or_else(|| name.clone(), |n| n.as_str().into());
                let dtype = if let Some(wider) = widened.get(&i) {
                    wider.clone()
                } else if dates.contains(i)
                    || (keep_text.get(i).copied().unwrap_or(false) && dtype.is_integer())
                {
                    // Dates converted after parsing (see `numeric_dates`), or numbers with leading zeros.
                    DataType::String
                } else {
                    dtype.clone()
                };
                schema.with_column(name, dtype);
            }
            Ok(schema)
        })?
        .finish()
}

/// The schema polars infers from the start of the file (all of it when `infer_all`), then the conversion in
/// pieces of bounded size.
fn write(
    plan: &Plan<'_>,
    csv: &mut CsvSource,
    parquet: &Path,
) -> PolarsResult<(u64, Vec<contracts::ColumnStats>)> {
    let head = head_for_inference(csv, plan.sniffed.delimiter, plan.infer_all)?;
    let inferred_from = head.as_ref().map_or(plan.source, |h| h.0.as_path());
    let schema = scan(plan, inferred_from)?.collect_schema()?;
    // Polars has seen every value when it inferred from the whole file.
    let unseen = match plan.infer_all {
        true => Vec::new(),
        false => late_types::unseen(&schema, &plan.sniffed.rows, plan.widened)
            .into_iter()
            // Read as dates from values the sample holds (its header row, when that is data).
            .filter(|i| !plan.dates.contains(*i))
            .collect(),
    };
    let reading = Reading {
        delimiter: plan.sniffed.delimiter,
        decimal_comma: plan.sniffed.decimal_comma,
        has_header: plan.has_header,
        sep_line: plan.sniffed.sep_line,
        schema,
        unseen,
        dates: plan.dates.reading(|i| plan.widened.contains_key(&i)),
        thousands: plan.grouped.clone(),
    };
    drop(head);
    convert::convert(csv, parquet, &reading)
}

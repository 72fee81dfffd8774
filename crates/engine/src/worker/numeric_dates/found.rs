//! Which columns of an upload are dates written as numbers, as the ingest learns it: from the sample, from a
//! column's first values past the inference rows, and from the values a column's format could not read.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use contracts::{ColumnStats, DateOrder, MonthNames};
use polars::prelude::{DataType, PolarsResult};

use super::{Changed, DateColumns, Leaps, Written};
use crate::worker::{headers, locate};

/// The date columns found so far, and the columns that looked like such dates (or ISO dates) until a value
/// unlike the others (text, named in the notes).
#[derive(Debug)]
pub(crate) struct FoundDates {
    order: DateOrder,
    dates: BTreeMap<usize, Written>,
    undated: BTreeMap<usize, String>,
    /// Columns of the sample's dates with a value that is no date (`Mar 5 2024`, `soon`), which polars reads
    /// as text: named in the notes when it did, as the same value past the sample is.
    no_date: BTreeMap<usize, String>,
    /// Columns of three numbers that are no dates (`1.2.3`, see [`Written::no_year_among`]) among few
    /// dates or none: text, as polars would not read them, without a note.
    no_year: BTreeSet<usize>,
    /// Columns whose dates were seen written with month names (`Mar 5 2024`): their notes say so.
    named: BTreeSet<usize>,
    /// Whether a column of dates written with month names is read as dates, or kept as text.
    month_names: MonthNames,
    /// Columns of dates written with month names kept as text (`MonthNames::Text`): their first value and
    /// the strptime format that reads them, for their note.
    kept_named: BTreeMap<usize, (String, String)>,
    leaps: Leaps,
}

impl FoundDates {
    /// From the sample's `rows` (the header too when it is data), `width` columns wide; `order` reads the
    /// columns whose every date reads both ways, `month_names` says whether dates written with month names
    /// are read or kept as text.
    pub(crate) fn in_sample(
        rows: &[Vec<String>],
        width: usize,
        order: DateOrder,
        month_names: MonthNames,
    ) -> Self {
        let mut found = Self {
            order,
            dates: BTreeMap::new(),
            undated: BTreeMap::new(),
            no_date: BTreeMap::new(),
            no_year: BTreeSet::new(),
            named: BTreeSet::new(),
            month_names,
            kept_named: BTreeMap::new(),
            leaps: Leaps::default(),
        };
        for i in 0..width {
            let values = || rows.iter().filter_map(|row| row.get(i).map(String::as_str));
            if let Some(written) = Written::of_column(values()) {
                if found.keeps_as_text(i, &written, values().find(|v| !headers::is_null_text(v))) {
                    continue;
                }
                if written.named_example().is_some() {
                    found.named.insert(i);
                }
                found.dates.insert(i, written.assuming(order));
            } else if let Some((value, among_dates)) = Written::no_year_among(values()) {
                if among_dates {
                    found.undated.insert(i, value.to_owned());
                } else {
                    found.no_year.insert(i);
                }
            } else if let Some(value) = Written::unlike_others(values()) {
                // What most values are tells what the column holds (`Mar 5 2024` among ISO dates is not
                // a column of month names).
                let named = (values().filter(|v| !headers::is_null_text(v)))
                    .map(|v| Written::of(v).is_some_and(|w| w.named_example().is_some()))
                    .fold(0i64, |balance, named| balance + if named { 1 } else { -1 });
                if named > 0 {
                    found.named.insert(i);
                }
                found.undated.insert(i, value.to_owned());
            } else if let Some(value) = Written::no_date_among_dates(values()) {
                found.no_date.insert(i, value.to_owned());
            }
        }
        found
    }

    /// Polars' failure `message` widened column `index` to `to`: a value that breaks a column of dates it
    /// reads itself (ISO ones) makes it text, and is named in the notes, as in the sample.
    pub(crate) fn widened(&mut self, index: usize, to: &DataType, message: &str) {
        let Some((value, _)) = locate::bad_value(message) else {
            return;
        };
        if to.is_string() && message.contains("` as dtype `date") {
            // Polars quotes the field as written: `"Mar 5, 2024"` is the value Mar 5, 2024.
            let value = match value.strip_prefix('"').and_then(|v| v.strip_suffix('"')) {
                Some(inner) => inner.replace("\"\"", "\""),
                None => value,
            };
            self.undated.entry(index).or_insert(value);
        }
    }

    /// The first leap second and cut fraction of each column read here, by position (see [`Leaps`]).
    pub(crate) fn leaps(&self) -> BTreeMap<usize, Changed> {
        self.leaps.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Whether column `index` is read as dates here.
    pub(crate) fn contains(&self, index: usize) -> bool {
        self.dates.contains_key(&index)
    }

    /// The columns kept text for a value unlike the others, or for values that are no dates: polars must
    /// not read them as dates either.
    pub(crate) fn text_columns(&self) -> impl Iterator<Item = usize> + '_ {
        self.undated.keys().chain(&self.no_year).copied()
    }

    /// Whether column `index`, whose dates are `written` so (the first being `first`), is kept as text: dates
    /// written with month names unless the upload asked for them as dates (recorded for their note).
    fn keeps_as_text(&mut self, index: usize, written: &Written, first: Option<&str>) -> bool {
        let keep = self.month_names == MonthNames::Text && written.named_example().is_some();
        if keep {
            let first = first.unwrap_or_default().to_owned();
            self.kept_named.insert(index, (first, written.format()));
        }
        keep
    }

    /// Columns whose first values, past the inference rows, are such dates (`first`: the value that showed it).
    pub(crate) fn add_late(&mut self, late: &[(usize, Written)]) {
        let order = self.order;
        let late: Vec<&(usize, Written)> = (late.iter())
            .filter(|(i, w)| !self.keeps_as_text(*i, w, None))
            .collect();
        let named = late.iter().filter(|(_, w)| w.named_example().is_some());
        self.named.extend(named.map(|(i, _)| *i));
        self.dates
            .extend(late.iter().map(|(i, w)| (*i, w.assuming(order))));
    }

    /// After the values the formats did not read (`unread`): a column whose dates all read both ways until
    /// one is read that one's way, a column of whole seconds with a fraction once one has one; any other is
    /// text from now on. Returns the columns now text. A column takes at most those three steps, so this
    /// needs no budget.
    pub(crate) fn settle(&mut self, unread: &[(usize, String)]) -> Vec<usize> {
        let mut text = Vec::new();
        for (index, value) in unread {
            match self.dates.get(index).and_then(|w| w.settled_by(value)) {
                Some(settled) => {
                    self.dates.insert(*index, settled);
                }
                None => {
                    self.dates.remove(index);
                    self.undated.insert(*index, value.clone());
                    text.push(*index);
                }
            }
        }
        text
    }

    /// The columns converted after parsing, those in `text` aside.
    pub(crate) fn reading(&self, text: impl Fn(usize) -> bool) -> DateColumns {
        let columns = (self.dates.iter())
            .filter(|(i, _)| !text(**i))
            .map(|(i, written)| (*i, *written));
        DateColumns::new(columns.collect()).telling(&self.leaps)
    }

    /// What the upload's notes say about these columns (see [`super::notes`]), stored as `columns`; `line`
    /// finds a value's line in the column of that index.
    pub(crate) fn notes(
        &self,
        names: &[String],
        parquet: &Path,
        columns: &[ColumnStats],
        line: &dyn Fn(usize, &str) -> Option<u64>,
    ) -> PolarsResult<Vec<String>> {
        let text = |index: &usize| columns.get(*index).is_some_and(|c| c.dtype == "str");
        let mut undated = self.undated.clone();
        for (index, value) in self.no_date.iter().filter(|(i, _)| text(i)) {
            undated.entry(*index).or_insert_with(|| value.clone());
        }
        let mut notes = super::notes(&self.dates, &undated, &self.named, names, parquet, line)?;
        for (index, (value, format)) in self.kept_named.iter().filter(|(i, _)| text(i)) {
            let Some(name) = names.get(*index) else {
                continue;
            };
            let at = match line(*index, value) {
                Some(n) if !value.is_empty() => format!(" (`{value}`, line {n})"),
                _ if !value.is_empty() => format!(" (`{value}`)"),
                _ => String::new(),
            };
            notes.push(format!(
                "column `{name}` writes dates with month names{at}: kept as text, as written; upload with \
                 `?month_names=dates` (the page's \"Dates like Mar 5 2024\") to store them as dates, or read \
                 them in SQL with `STRPTIME(\"{name}\", '{format}')`."
            ));
        }
        Ok(notes)
    }
}

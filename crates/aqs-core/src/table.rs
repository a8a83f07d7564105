//! The table layer: the storage shapes every family's data takes, declared once per table and
//! implemented once per backend (`shared/design/families.md` §4).
//!
//! A family declares its tables as [`TableDef`] constants (`unique_devices::DEVICES`) and
//! turns its requests into reads of them; the backends store any table of a shape the same
//! way, so a new family of an existing shape adds no storage code.
//!
//! - **Series** (this module): rows keyed by text parts, then a [`Period`] (hour, day or
//!   month), then an optional text `sub` (a clustering column after the time, as Cassandra's
//!   `metric` of knowledge gap or the country of editors by country), holding a few numbers.
//!   A read takes one key and a range of periods of one granularity, and returns the rows in
//!   (period, sub) order.
//!
//! Writes are [`SeriesBatch`]es of one [`Dataset`], published atomically: readers see all of
//! a batch or none of it. Each dataset has its own generation, which a publication of that
//! dataset moves and no other does, so that response caches of other families stay warm.

use crate::dates::Period;
use crate::error::StoreResult;

/// A dataset: what one loader or importer publishes, with its own generation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Dataset {
    Pageviews,
    UniqueDevices,
    LegacyPagecounts,
    EditorsByCountry,
    KnowledgeGap,
    TopByCountry,
    TopPerCountry,
    MediaRequests,
    History,
}

impl Dataset {
    /// Every dataset, in a fixed order (stores index their generations by it).
    pub const ALL: [Dataset; 9] = [
        Dataset::Pageviews,
        Dataset::UniqueDevices,
        Dataset::LegacyPagecounts,
        Dataset::EditorsByCountry,
        Dataset::KnowledgeGap,
        Dataset::TopByCountry,
        Dataset::TopPerCountry,
        Dataset::MediaRequests,
        Dataset::History,
    ];

    /// The dataset's name in stores, reports and metrics.
    pub fn name(self) -> &'static str {
        match self {
            Dataset::Pageviews => "pageviews",
            Dataset::UniqueDevices => "unique_devices",
            Dataset::LegacyPagecounts => "legacy_pagecounts",
            Dataset::EditorsByCountry => "editors_by_country",
            Dataset::KnowledgeGap => "knowledge_gap",
            Dataset::TopByCountry => "top_by_country",
            Dataset::TopPerCountry => "top_per_country",
            Dataset::MediaRequests => "media_requests",
            Dataset::History => "mediawiki_history",
        }
    }

    /// The position of the dataset in [`Dataset::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }
}

/// How a value column's numbers are kept: [`Numbers`] holds each as 64 bits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueKind {
    /// An unsigned counter.
    U64,
    /// A floating-point number (its IEEE 754 bits).
    F64,
}

/// One value column of a table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ValueColumn {
    pub name: &'static str,
    pub kind: ValueKind,
}

impl ValueColumn {
    pub const fn u64(name: &'static str) -> ValueColumn {
        ValueColumn { name, kind: ValueKind::U64 }
    }

    pub const fn f64(name: &'static str) -> ValueColumn {
        ValueColumn { name, kind: ValueKind::F64 }
    }
}

/// The most value columns a table may have.
pub const MAX_VALUES: usize = 4;

/// The most value columns an entity table may have.
pub const MAX_ENTITY_VALUES: usize = 3;

/// How a table's rows are stored. Reads and writes are the same for every shape; the shape
/// tells a backend which layout suits the table's size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// Rows keyed by their text parts: any granularity, a `sub` column, any value kinds.
    Series,
    /// Daily rows of very many named entities (the last key column: a file path), stored as
    /// per article: one value per (entity, month) holding every day. Up to
    /// [`MAX_ENTITY_VALUES`] counters, no `sub`. The rows of one entity whose first key part
    /// is one of `groups` share one stored value; `groups[0]` is the total of the others and
    /// costs nothing when it is their sum. Of those, a row of a group other than the first
    /// whose counters are all zero reads as absent, and a day with any row reads the first
    /// group (as its total) too: loaders write the total of every (entity, day) and the other
    /// groups only when not zero. A first key part outside `groups` keeps rows as given.
    Entity { groups: &'static [&'static str] },
    /// Lists: the rows of one (key, period) are the entries of a list (a top list, the
    /// countries of a month), one per `sub`, read and replaced together. The embedded backend
    /// keeps a list as one value, its entry names as ids of a table of the names lists use.
    Ranked,
}

/// A declared table.
#[derive(Debug, PartialEq, Eq)]
pub struct TableDef {
    /// The table's name in stores (an LMDB key prefix, a ClickHouse `table` value): never
    /// reused for another table.
    pub name: &'static str,
    pub dataset: Dataset,
    pub shape: Shape,
    /// Whether rows are found by period: what a batch's `replace` ranges need. A table whose
    /// rows go only by a key part ([`TableWrite::delete_rows`]: the history tables keyed by
    /// load or snapshot) does without, and the embedded store saves the bytes of its period
    /// index; [`TableWrite::scan_series`] then reads the whole table. Entity tables keep
    /// their rows in month segments and have no such index either way.
    pub period_index: bool,
    /// The key columns, in key order.
    pub key: &'static [&'static str],
    /// The clustering column after the period, if the table has one.
    pub sub: Option<&'static str>,
    /// The value columns (at most [`MAX_VALUES`]).
    pub values: &'static [ValueColumn],
}

impl TableDef {
    pub fn is_entity(&self) -> bool {
        matches!(self.shape, Shape::Entity { .. })
    }
}

/// The values of a row, in the table's value column order; unused trailing slots are 0.
/// `F64` columns hold their number's bits ([`Numbers::f64`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Numbers(pub [u64; MAX_VALUES]);

impl Numbers {
    /// Counters, in column order.
    pub fn counters(values: &[u64]) -> Numbers {
        let mut n = Numbers::default();
        n.0[..values.len()].copy_from_slice(values);
        n
    }

    /// One floating-point value.
    pub fn float(value: f64) -> Numbers {
        Numbers::counters(&[value.to_bits()])
    }

    /// Column `i` as a float.
    pub fn f64(&self, i: usize) -> f64 {
        f64::from_bits(self.0[i])
    }
}

/// One stored row of a series table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeriesRow {
    /// The key parts, one per key column.
    pub key: Vec<String>,
    pub period: Period,
    /// The clustering value (empty when the table has no `sub` column).
    pub sub: String,
    pub values: Numbers,
}

/// A row as a read returns it: what follows the key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeriesEntry {
    pub period: Period,
    pub sub: String,
    pub values: Numbers,
}

/// What a batch does to one table: drop every row whose period lies in one of the `replace`
/// ranges (inclusive, of one granularity each), then write `rows` (a row replaces a stored
/// row with the same key, period and sub; of equal rows in one batch the last wins).
#[derive(Debug, Clone)]
pub struct SeriesChanges {
    pub table: &'static TableDef,
    pub replace: Vec<(Period, Period)>,
    pub rows: Vec<SeriesRow>,
}

impl SeriesChanges {
    /// The rows a store keeps. Those of a series table as given; an entity table's as its
    /// shape reads them ([`Shape::Entity`]): a group row other than the first with counters all
    /// zero is dropped, and an (entity, day) given rows of other groups but none of the first
    /// gets one, their sum. Every backend stores these, so all answer alike.
    pub fn stored_rows(&self) -> std::borrow::Cow<'_, [SeriesRow]> {
        let Shape::Entity { groups } = self.table.shape else {
            return std::borrow::Cow::Borrowed(&self.rows);
        };
        let grouped = |row: &SeriesRow| groups.iter().position(|g| *g == row.key[0]);
        // Loaders write each (entity, day)'s total first, then its other groups when not zero:
        // such rows are kept as they are, without a copy.
        let mut last_total: Option<&SeriesRow> = None;
        let kept_as_given = self.rows.iter().all(|row| match grouped(row) {
            None => true,
            Some(0) => {
                last_total = Some(row);
                true
            }
            Some(_) => {
                row.values != Numbers::default()
                    && last_total
                        .is_some_and(|t| t.period == row.period && t.key[1..] == row.key[1..])
            }
        });
        if kept_as_given {
            return std::borrow::Cow::Borrowed(&self.rows);
        }
        let mut out: Vec<SeriesRow> = Vec::with_capacity(self.rows.len());
        let mut totals: std::collections::BTreeMap<(Vec<String>, Period), (bool, Numbers)> =
            Default::default();
        for row in &self.rows {
            match grouped(row) {
                None => out.push(row.clone()),
                Some(g) => {
                    let entity = (row.key[1..].to_vec(), row.period);
                    let total = totals.entry(entity).or_default();
                    if g == 0 {
                        total.0 = true;
                        out.push(row.clone());
                    } else if row.values != Numbers::default() {
                        for (sum, v) in total.1.0.iter_mut().zip(row.values.0) {
                            *sum = sum.saturating_add(v);
                        }
                        out.push(row.clone());
                    }
                }
            }
        }
        for ((rest, period), (given, values)) in totals {
            if !given {
                let key = std::iter::once(groups[0].to_string()).chain(rest).collect();
                out.push(SeriesRow { key, period, sub: String::new(), values });
            }
        }
        std::borrow::Cow::Owned(out)
    }
}

/// What a loader or importer of one dataset publishes in one atomic step.
#[derive(Debug, Clone)]
pub struct SeriesBatch {
    pub dataset: Dataset,
    pub changes: Vec<SeriesChanges>,
}

impl SeriesBatch {
    /// Checks that every table belongs to the batch's dataset and every row fits its table,
    /// so that a store never writes half a batch it would refuse: the message names the table.
    pub fn check(&self) -> Result<(), String> {
        for change in &self.changes {
            let t = change.table;
            if t.dataset != self.dataset {
                return Err(format!("table {} is not of dataset {}", t.name, self.dataset.name()));
            }
            if !t.period_index && !change.replace.is_empty() {
                return Err(format!(
                    "table {} keeps no period index: its rows are replaced by key, not by period",
                    t.name
                ));
            }
            for (first, last) in &change.replace {
                if first.granularity() != last.granularity() {
                    return Err(format!("table {}: a replaced range mixes granularities", t.name));
                }
                if t.is_entity() && !matches!(first, Period::Day(_)) {
                    return Err(format!("table {} replaces days only", t.name));
                }
            }
            for row in &change.rows {
                if row.key.len() != t.key.len() {
                    return Err(format!(
                        "table {}: a row has {} key parts, the table {}",
                        t.name,
                        row.key.len(),
                        t.key.len()
                    ));
                }
                if t.sub.is_none() && !row.sub.is_empty() {
                    return Err(format!("table {} has no sub column", t.name));
                }
                if t.is_entity() && !matches!(row.period, Period::Day(_)) {
                    return Err(format!("table {} holds daily rows only", t.name));
                }
                if t.is_entity() && row.key.len() < 2 {
                    return Err(format!("table {} needs a key part before the entity", t.name));
                }
            }
        }
        Ok(())
    }

    /// The rows of every table.
    pub fn row_count(&self) -> u64 {
        self.changes.iter().map(|c| c.rows.len() as u64).sum()
    }
}

/// Reads of series tables, and the generations of datasets.
pub trait TableRead: Send + Sync {
    /// A number that changes whenever the dataset's stored data changes; cheap to read (the
    /// response cache asks it on every request).
    fn dataset_generation(&self, dataset: Dataset) -> StoreResult<u64>;

    /// The rows of `key` in `table` with periods from `first` to `last` (inclusive, one
    /// granularity), in (period, sub) order.
    fn series(
        &self,
        table: &'static TableDef,
        key: &[&str],
        first: Period,
        last: Period,
    ) -> StoreResult<Vec<SeriesEntry>>;
}

/// Which values of one key part [`TableWrite::delete_rows`] deletes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyMatch<'a> {
    /// The part is this text.
    Is(&'a str),
    /// The part starts with this text.
    StartsWith(&'a str),
}

impl KeyMatch<'_> {
    pub fn matches(self, part: &str) -> bool {
        match self {
            KeyMatch::Is(text) => part == text,
            KeyMatch::StartsWith(text) => part.starts_with(text),
        }
    }
}

/// Writes of series tables.
pub trait TableWrite: Send + Sync {
    /// Deletes every row of `table` whose key part number `part` matches, and moves the
    /// table's dataset generation: what dropping a MediaWiki history snapshot does (its rows
    /// are not served, so the deletion need not be one step with other tables'). Returns the
    /// rows (of a ranked table: the lists) deleted, where the backend counts them.
    fn delete_rows(
        &self,
        table: &'static TableDef,
        part: usize,
        matches: KeyMatch<'_>,
    ) -> StoreResult<u64>;

    /// Publishes a batch atomically and moves its dataset's generation; returns the rows
    /// written.
    fn publish_series(&self, batch: &SeriesBatch) -> StoreResult<u64>;

    /// Every row of `table` with a period from `first` to `last` (inclusive, one
    /// granularity), in key order: for roll-ups and tests.
    fn scan_series(
        &self,
        table: &'static TableDef,
        first: Period,
        last: Period,
    ) -> StoreResult<Vec<SeriesRow>>;

    /// Calls `f` with every key of the entity table `table` that has rows in `month`, and the
    /// sums of its rows' values over the month, in no particular order: the month roll-ups of
    /// tables too large to scan into memory (a backend streams them).
    fn entity_month_sums(
        &self,
        table: &'static TableDef,
        month: crate::dates::YearMonth,
        f: &mut dyn FnMut(&[String], Numbers) -> StoreResult<()>,
    ) -> StoreResult<()> {
        month_sums_by_scan(self, table, month, f)
    }
}

/// [`TableWrite::entity_month_sums`] through [`TableWrite::scan_series`]: the month's rows in
/// memory, summed per key.
pub fn month_sums_by_scan<S: TableWrite + ?Sized>(
    store: &S,
    table: &'static TableDef,
    month: crate::dates::YearMonth,
    f: &mut dyn FnMut(&[String], Numbers) -> StoreResult<()>,
) -> StoreResult<()> {
    let (first, last) = (Period::Day(month.first_day()), Period::Day(month.last_day()));
    let mut sums: std::collections::BTreeMap<Vec<String>, Numbers> = Default::default();
    for row in store.scan_series(table, first, last)? {
        let sum = sums.entry(row.key).or_default();
        for (s, v) in sum.0.iter_mut().zip(row.values.0) {
            *s = s.saturating_add(v);
        }
    }
    for (key, values) in sums {
        f(&key, values)?;
    }
    Ok(())
}

/// What the API reads: pageviews through its own trait, every other family through the table
/// layer. Every backend is one.
pub trait ReadStore: crate::pageviews::PageviewsRead + TableRead {}
impl<T: crate::pageviews::PageviewsRead + TableRead> ReadStore for T {}

/// What loaders and importers write (and read back, to replace what they wrote before):
/// pageviews through its own trait, every other family through the table layer. Every
/// backend is one.
pub trait WriteStore: crate::pageviews::PageviewsStore + TableWrite + TableRead {}
impl<T: crate::pageviews::PageviewsStore + TableWrite + TableRead> WriteStore for T {}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dates::Day;
    use crate::mediarequests::per_file::{PER_FILE, per_file_row};

    #[test]
    fn entity_rows_are_kept_as_given_when_a_loader_wrote_them_in_shape() {
        let day = Day::from_ymd(2024, 1, 1).unwrap();
        let in_shape = vec![
            per_file_row("all-referers", "/a", day, 5, 0),
            per_file_row("internal", "/a", day, 5, 0),
            per_file_row("en.wikipedia", "/a", day, 0, 0),
            per_file_row("all-referers", "/b", day, 1, 0),
        ];
        let change = SeriesChanges { table: &PER_FILE, replace: vec![], rows: in_shape.clone() };
        assert!(matches!(change.stored_rows(), std::borrow::Cow::Borrowed(_)));
        // A group without its total, and a zero group: normalised.
        let rows = vec![
            per_file_row("internal", "/a", day, 5, 0),
            per_file_row("external", "/a", day, 0, 0),
        ];
        let change = SeriesChanges { table: &PER_FILE, replace: vec![], rows };
        let stored = change.stored_rows();
        assert!(matches!(stored, std::borrow::Cow::Owned(_)));
        let keys: Vec<(&str, u64)> =
            stored.iter().map(|r| (r.key[0].as_str(), r.values.0[0])).collect();
        assert_eq!(keys, [("internal", 5), ("all-referers", 5)]);
    }
}

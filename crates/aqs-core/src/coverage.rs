//! Coverage: which periods of each series table its loads have written, so that a period
//! without a row can be told apart from a period never loaded (the zero-filled variants of
//! the series routes, docs/extensions.md).
//!
//! A load says what it covers by the ranges its batch replaces ([`SeriesChanges::replace`]):
//! a day's file replaces that day. [`with_coverage`] adds to a batch, in the same atomic
//! publication, one row per replaced period in its dataset's coverage table ([`table_of`]),
//! keyed by the covered table's name. Rows only add up: a reload writes the same rows again.
//! Every backend stores them like any other series rows, so coverage needs no backend code.

use crate::dates::{Day, Hour, Period, YearMonth};
use crate::error::StoreResult;
use crate::table::{
    Dataset, Numbers, SeriesBatch, SeriesChanges, SeriesRow, Shape, TableDef, TableRead,
    ValueColumn,
};
use std::collections::BTreeSet;

const LOADS: &[ValueColumn] = &[ValueColumn::u64("loads")];

const fn coverage(dataset: Dataset, name: &'static str) -> TableDef {
    TableDef {
        name,
        dataset,
        shape: Shape::Series,
        period_index: true,
        key: &["table"],
        sub: None,
        values: LOADS,
    }
}

/// The coverage tables, one per dataset, in [`Dataset::ALL`] order.
pub static TABLES: [TableDef; Dataset::ALL.len()] = [
    coverage(Dataset::Pageviews, "coverage_pageviews"),
    coverage(Dataset::UniqueDevices, "coverage_unique_devices"),
    coverage(Dataset::LegacyPagecounts, "coverage_legacy_pagecounts"),
    coverage(Dataset::EditorsByCountry, "coverage_editors_by_country"),
    coverage(Dataset::KnowledgeGap, "coverage_knowledge_gap"),
    coverage(Dataset::TopByCountry, "coverage_top_by_country"),
    coverage(Dataset::TopPerCountry, "coverage_top_per_country"),
    coverage(Dataset::MediaRequests, "coverage_media_requests"),
    coverage(Dataset::History, "coverage_mediawiki_history"),
];

/// The coverage table of a dataset.
pub fn table_of(dataset: Dataset) -> &'static TableDef {
    &TABLES[dataset.index()]
}

/// The most periods one replaced range is recorded as covering: a wider range (an import
/// that clears "everything") says nothing about which periods hold data, and adds none.
pub const MAX_PERIODS: u32 = 100_000;

/// Every period from `first` to `last` (inclusive, one granularity); none when the range is
/// empty or mixes granularities.
pub fn periods(first: Period, last: Period) -> impl Iterator<Item = Period> {
    let (kind, a, b) = Period::range_codes(first, last).unwrap_or((0, 1, 0));
    (a..=b).filter_map(move |code| Period::from_code(kind, code))
}

/// The coverage rows of a batch: one per period of each range it replaces (ranges of at
/// most [`MAX_PERIODS`]), or `None` when it replaces nothing.
pub fn changes(batch: &SeriesBatch) -> Option<SeriesChanges> {
    let mut covered: Vec<(&'static TableDef, Period)> = Vec::new();
    for change in &batch.changes {
        for &(first, last) in &change.replace {
            let Some((_, a, b)) = Period::range_codes(first, last) else { continue };
            if b - a < MAX_PERIODS {
                covered.extend(periods(first, last).map(|p| (change.table, p)));
            }
        }
    }
    covering(batch.dataset, covered)
}

/// The coverage rows saying that each (table, period) is loaded (tables of `dataset`), or
/// `None` for none: what an import of whole periods adds.
pub fn covering(
    dataset: Dataset,
    covered: impl IntoIterator<Item = (&'static TableDef, Period)>,
) -> Option<SeriesChanges> {
    let covered: BTreeSet<(&'static str, Period)> =
        covered.into_iter().map(|(table, period)| (table.name, period)).collect();
    if covered.is_empty() {
        return None;
    }
    let rows = covered
        .into_iter()
        .map(|(name, period)| SeriesRow {
            key: vec![name.to_string()],
            period,
            sub: String::new(),
            values: Numbers::counters(&[1]),
        })
        .collect();
    Some(SeriesChanges { table: table_of(dataset), replace: Vec::new(), rows })
}

/// The batch with its coverage rows added, and how many were added (a load's report counts
/// the rows of its data, not these).
pub fn with_coverage(mut batch: SeriesBatch) -> (SeriesBatch, u64) {
    match changes(&batch) {
        Some(change) => {
            let added = change.rows.len() as u64;
            batch.changes.push(change);
            (batch, added)
        }
        None => (batch, 0),
    }
}

/// The periods of `table` from `first` to `last` that a load has covered.
pub fn covered(
    store: &(impl TableRead + ?Sized),
    table: &TableDef,
    first: Period,
    last: Period,
) -> StoreResult<BTreeSet<Period>> {
    let rows = store.series(table_of(table.dataset), &[table.name], first, last)?;
    Ok(rows.into_iter().map(|row| row.period).collect())
}

/// The widest range of a granularity's periods any table holds (1900 to 2200): what "ever"
/// means when a route asks whether a key has any row.
pub fn all_time(like: Period) -> (Period, Period) {
    let first = Day::from_ymd(1900, 1, 1).unwrap_or(Day::from_epoch_days(0));
    let last = Day::from_ymd(2200, 12, 31).unwrap_or(Day::from_epoch_days(0));
    match like {
        Period::Hour(_) => {
            let hour = |day, h| Hour::new(day, h).map(Period::Hour);
            match (hour(first, 0), hour(last, 23)) {
                (Some(a), Some(b)) => (a, b),
                _ => (Period::Day(first), Period::Day(last)),
            }
        }
        Period::Day(_) => (Period::Day(first), Period::Day(last)),
        Period::Month(_) => {
            let (a, b): (YearMonth, YearMonth) = (first.year_month(), last.year_month());
            (Period::Month(a), Period::Month(b))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::memory::MemoryStore;
    use crate::table::TableWrite;
    use crate::unique_devices::DEVICES;

    fn day(d: u8) -> Period {
        Period::Day(Day::from_ymd(2024, 1, d).unwrap())
    }

    fn batch(replace: Vec<(Period, Period)>) -> SeriesBatch {
        let rows = vec![SeriesRow {
            key: vec!["en.wikipedia".into(), "all-sites".into()],
            period: day(2),
            sub: String::new(),
            values: Numbers::counters(&[5, 0, 5]),
        }];
        SeriesBatch {
            dataset: Dataset::UniqueDevices,
            changes: vec![SeriesChanges { table: &DEVICES, replace, rows }],
        }
    }

    #[test]
    fn replaced_periods_are_covered_and_nothing_else() {
        let store = MemoryStore::default();
        let (b, added) = with_coverage(batch(vec![(day(1), day(3)), (day(5), day(5))]));
        assert_eq!(added, 4);
        store.publish_series(&b).unwrap();
        let got = covered(&store, &DEVICES, day(1), day(31)).unwrap();
        assert_eq!(got.into_iter().collect::<Vec<_>>(), [day(1), day(2), day(3), day(5)]);
        // Another batch of the dataset adds to what is covered, and the rows stay as loaded.
        let (b, _) = with_coverage(batch(vec![(day(9), day(9))]));
        store.publish_series(&b).unwrap();
        assert_eq!(covered(&store, &DEVICES, day(1), day(31)).unwrap().len(), 5);
        let rows = store.series(&DEVICES, &["en.wikipedia", "all-sites"], day(1), day(31));
        assert_eq!(rows.unwrap().len(), 1);
    }

    #[test]
    fn nothing_replaced_or_everything_replaced_covers_nothing() {
        assert_eq!(with_coverage(batch(Vec::new())).1, 0);
        let (a, b) = all_time(day(1));
        assert_eq!(with_coverage(batch(vec![(a, b)])).1, 0);
        assert_eq!(periods(day(3), day(1)).count(), 0);
        assert_eq!(periods(day(1), Period::Month(YearMonth::new(2024, 1).unwrap())).count(), 0);
    }
}

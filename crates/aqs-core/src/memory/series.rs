//! The series shape in memory: one `BTreeMap` per table, keyed as the read orders rows.

use super::MemoryStore;
use crate::dates::Period;
use crate::error::{StoreError, StoreResult};
use crate::table::{
    Dataset, KeyMatch, Numbers, SeriesBatch, SeriesEntry, SeriesRow, TableDef, TableRead,
    TableWrite,
};
use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::Ordering;

type RowKey = (Vec<String>, Period, String);

/// The rows of every series table, by table name, and the generations of the datasets other
/// than pageviews (whose generation is the store's own counter).
#[derive(Default)]
pub(super) struct SeriesTables {
    tables: HashMap<&'static str, BTreeMap<RowKey, Numbers>>,
    generations: [u64; Dataset::ALL.len()],
}

fn in_range(period: &Period, first: &Period, last: &Period) -> bool {
    first <= period && period <= last && period.granularity() == first.granularity()
}

impl TableRead for MemoryStore {
    fn dataset_generation(&self, dataset: Dataset) -> StoreResult<u64> {
        if dataset == Dataset::Pageviews {
            return Ok(self.generation.load(Ordering::SeqCst));
        }
        let series = self.series.read().unwrap_or_else(|p| p.into_inner());
        Ok(series.generations[dataset.index()])
    }

    fn series(
        &self,
        table: &'static TableDef,
        key: &[&str],
        first: Period,
        last: Period,
    ) -> StoreResult<Vec<SeriesEntry>> {
        if Period::range_codes(first, last).is_none() {
            return Ok(Vec::new());
        }
        let series = self.series.read().unwrap_or_else(|p| p.into_inner());
        let Some(rows) = series.tables.get(table.name) else { return Ok(Vec::new()) };
        let key: Vec<String> = key.iter().map(|k| k.to_string()).collect();
        let from = (key.clone(), first, String::new());
        Ok(rows
            .range(from..)
            .take_while(|((k, period, _), _)| *k == key && *period <= last)
            .map(|((_, period, sub), values)| SeriesEntry {
                period: *period,
                sub: sub.clone(),
                values: *values,
            })
            .collect())
    }
}

impl TableWrite for MemoryStore {
    fn delete_rows(
        &self,
        table: &'static TableDef,
        part: usize,
        matches: KeyMatch<'_>,
    ) -> StoreResult<u64> {
        let mut series = self.series.write().unwrap_or_else(|p| p.into_inner());
        let Some(rows) = series.tables.get_mut(table.name) else { return Ok(0) };
        let before = rows.len();
        rows.retain(|(key, _, _), _| !key.get(part).is_some_and(|k| matches.matches(k)));
        let deleted = (before - rows.len()) as u64;
        series.generations[table.dataset.index()] += 1;
        Ok(deleted)
    }

    fn publish_series(&self, batch: &SeriesBatch) -> StoreResult<u64> {
        batch.check().map_err(StoreError::InvalidWrite)?;
        let mut series = self.series.write().unwrap_or_else(|p| p.into_inner());
        for change in &batch.changes {
            let rows = series.tables.entry(change.table.name).or_default();
            for (first, last) in &change.replace {
                rows.retain(|(_, period, _), _| !in_range(period, first, last));
            }
            for row in change.stored_rows().iter() {
                rows.insert((row.key.clone(), row.period, row.sub.clone()), row.values);
            }
        }
        series.generations[batch.dataset.index()] += 1;
        if batch.dataset == Dataset::Pageviews {
            self.generation.fetch_add(1, Ordering::SeqCst);
        }
        Ok(batch.row_count())
    }

    fn scan_series(
        &self,
        table: &'static TableDef,
        first: Period,
        last: Period,
    ) -> StoreResult<Vec<SeriesRow>> {
        let series = self.series.read().unwrap_or_else(|p| p.into_inner());
        let Some(rows) = series.tables.get(table.name) else { return Ok(Vec::new()) };
        Ok(rows
            .iter()
            .filter(|((_, period, _), _)| in_range(period, &first, &last))
            .map(|((key, period, sub), values)| SeriesRow {
                key: key.clone(),
                period: *period,
                sub: sub.clone(),
                values: *values,
            })
            .collect())
    }
}

//! The series shape in LMDB (`aqs_core::table`): every series table of every family in one
//! table, `series`, and an index by period, `series_periods` (docs/store-format.md, "Series
//! tables").
//!
//! - `series`: `table ‖ key parts ‖ period ‖ sub` → the values, as varints. The table and
//!   the key parts are varint ids of their texts (`texts.rs`); the sub is its text, escaped so
//!   that the byte order is the order of the texts (`0x00` → `0x00 0xFF`, ending with
//!   `0x00 0x01`); the period is its kind and a big-endian number
//!   (`Period::code`); a series table's days are kept a month to a value (`days.rs`). A read
//!   is one cursor range.
//! - `series_periods`: `table ‖ period ‖ key parts ‖ sub` → nothing: what a replaced range
//!   drops, found without scanning other periods. Tables declared without it
//!   (`TableDef::period_index`) are deleted by key and scanned whole.
//!
//! A publication is one write transaction, which also moves its dataset's generation (a
//! `meta` key per dataset), so readers in any process see all of it or none of it.

mod days;
mod keys;
mod rows;
mod texts;

use crate::codec::corrupt;
use crate::{EmbeddedStore, engine, u64_value};
use aqs_core::dates::Period;
use aqs_core::error::{StoreError, StoreResult};
use aqs_core::table::{
    Dataset, KeyMatch, Numbers, SeriesBatch, SeriesChanges, SeriesEntry, SeriesRow, Shape,
    TableDef, TableRead, TableWrite,
};
use heed::RoTxn;
use heed::WithoutTls;
use keys::{period_range, read_period, read_text};
use std::ops::Bound;
pub(crate) use texts::{KeyTexts, SharedTextIds};

/// The `meta` key of a dataset's generation (pageviews keeps the store's own, `generation`).
fn generation_key(dataset: Dataset) -> Vec<u8> {
    match dataset {
        Dataset::Pageviews => crate::META_GENERATION.to_vec(),
        other => format!("generation/{}", other.name()).into_bytes(),
    }
}

/// Moves a dataset's generation in a write transaction.
pub(crate) fn bump_generation(
    tables: &crate::Tables,
    wtxn: &mut heed::RwTxn,
    dataset: Dataset,
) -> StoreResult<()> {
    let key = generation_key(dataset);
    let generation = match tables.meta.get(wtxn, &key).map_err(engine)? {
        Some(bytes) => u64_value(bytes, "dataset generation")?,
        None => 0,
    };
    tables.meta.put(wtxn, &key, &(generation + 1).to_be_bytes()).map_err(engine)
}

/// Puts a row's `series_periods` key, if its table keeps that index.
fn index_period(
    tables: &crate::Tables,
    wtxn: &mut heed::RwTxn,
    table: &TableDef,
    by_period: &[u8],
) -> StoreResult<()> {
    match table.period_index {
        true => tables.series_periods.put(wtxn, by_period, &[]).map_err(engine),
        false => Ok(()),
    }
}

/// The stored values of `table` (their period or month of days, key parts and sub) whose key
/// part `part` `matches` picks, found through the period index, or through the values
/// themselves when the table keeps none (then those of a first key part that `matches` picks
/// are one range).
fn rows_matching(
    tables: &crate::Tables,
    texts: &mut KeyTexts,
    wtxn: &heed::RwTxn,
    table: &TableDef,
    part: usize,
    matches: KeyMatch<'_>,
) -> StoreResult<Vec<texts::SplitKey>> {
    let Some(prefix) = texts.prefix(wtxn, table, [])? else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    if table.period_index {
        for entry in tables.series_periods.prefix_iter(wtxn, &prefix).map_err(engine)? {
            let (k, _) = entry.map_err(engine)?;
            let (period, key, sub) = texts.split_key(wtxn, table, k, prefix.len(), true)?;
            if key.get(part).is_some_and(|p| matches.matches(p)) {
                out.push((period, key, sub));
            }
        }
        return Ok(out);
    }
    // The ranges to look in: the first key parts `matches` picks, or the whole table.
    let ids = match (part, matches) {
        (0, KeyMatch::Is(name)) => texts.find(wtxn, name)?.into_iter().collect(),
        (0, KeyMatch::StartsWith(start)) => texts.starting_with(wtxn, start)?,
        _ => Vec::new(),
    };
    let ranges: Vec<Vec<u8>> = match part {
        0 => ids
            .into_iter()
            .map(|id| {
                let mut range = prefix.clone();
                crate::codec::put_varint(&mut range, id.into());
                range
            })
            .collect(),
        _ => vec![prefix.clone()],
    };
    for range in ranges {
        for entry in tables.series.prefix_iter(wtxn, &range).map_err(engine)? {
            let (k, _) = entry.map_err(engine)?;
            let (period, key, sub) = texts.split_key(wtxn, table, k, prefix.len(), false)?;
            if key.get(part).is_some_and(|p| matches.matches(p)) {
                out.push((period, key, sub));
            }
        }
    }
    Ok(out)
}

/// Writes rows of a ranked table: each list they name is read (unless a replaced range
/// dropped it), its entries upserted (the last of equal rows wins), and written back whole.
fn write_lists(
    tables: &crate::Tables,
    texts: &mut KeyTexts,
    wtxn: &mut heed::RwTxn,
    table: &TableDef,
    rows: &[SeriesRow],
) -> StoreResult<()> {
    // The rows of each list (hashed: a list's key parts are long and alike), written in key
    // order.
    let mut grouped: rustc_hash::FxHashMap<(&[String], Period), Vec<&SeriesRow>> =
        Default::default();
    for row in rows {
        grouped.entry((&row.key, row.period)).or_default().push(row);
    }
    let mut lists: Vec<_> = grouped.into_iter().collect();
    lists.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    let mut known = crate::ranked::NameIds::new();
    let scope = texts.give(wtxn, table.name)?; // the scope of the table's list names
    for ((key, period), rows) in lists {
        let head =
            SeriesRow { key: key.to_vec(), period, sub: String::new(), values: Numbers::default() };
        let (main, by_period) = texts.row_keys(wtxn, table, &head)?;
        let mut list = match tables.series.get(wtxn, &main).map_err(engine)? {
            Some(bytes) => crate::ranked::decode(tables, wtxn, table, bytes)?,
            None => crate::ranked::List::new(),
        };
        for row in rows {
            list.insert(row.sub.clone(), row.values);
        }
        let value = crate::ranked::encode(tables, wtxn, table, scope, &list, &mut known)?;
        tables.series.put(wtxn, &main, &value).map_err(engine)?;
        index_period(tables, wtxn, table, &by_period)?;
    }
    Ok(())
}

impl EmbeddedStore {
    fn read_dataset_generation(
        &self,
        txn: &RoTxn<'_, WithoutTls>,
        dataset: Dataset,
    ) -> StoreResult<u64> {
        match self.inner.tables.meta.get(txn, &generation_key(dataset)).map_err(engine)? {
            Some(bytes) => u64_value(bytes, "dataset generation"),
            None => Ok(0),
        }
    }
}

impl TableRead for EmbeddedStore {
    fn dataset_generation(&self, dataset: Dataset) -> StoreResult<u64> {
        if dataset == Dataset::Pageviews {
            return self.current_generation();
        }
        let txn_id = self.inner.env.info().last_txn_id as u64;
        let mut known = self.inner.dataset_generations.lock().unwrap_or_else(|p| p.into_inner());
        if known.0 != txn_id || txn_id == 0 {
            let rtxn = self.inner.env.read_txn().map_err(engine)?;
            for d in Dataset::ALL {
                known.1[d.index()] = self.read_dataset_generation(&rtxn, d)?;
            }
            // The id of the transaction that read them: the environment's last id can name a
            // commit of another process that read transactions do not see yet, and the
            // generations must be read again until they do.
            known.0 = rtxn.id() as u64;
        }
        Ok(known.1[dataset.index()])
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
        if table.is_entity() {
            return crate::entity::read(self, table, key, first, last);
        }
        let rtxn = self.inner.env.read_txn().map_err(engine)?;
        let mut texts = KeyTexts::reading(&self.inner.tables, &self.inner.text_ids);
        let Some(prefix) = texts.prefix(&rtxn, table, key.iter().copied())? else {
            return Ok(Vec::new());
        };
        let (from, to) = period_range(&prefix, table, first, last);
        let bounds = (Bound::Included(from.as_slice()), Bound::Excluded(to.as_slice()));
        let mut out = Vec::new();
        let tables = &self.inner.tables;
        for entry in tables.series.range(&rtxn, &bounds).map_err(engine)? {
            let (k, v) = entry.map_err(engine)?;
            let mut at = prefix.len();
            let slot = read_period(k, &mut at)?;
            let sub = read_text(k, &mut at)?;
            rows::entries_of(tables, &rtxn, table, (slot, sub), v, first, last, &mut out)?;
        }
        // A month's days of several subs come a month at a time: in period, then sub order.
        if table.shape == Shape::Series && matches!(first, Period::Day(_)) {
            out.sort_by(|a, b| (a.period, &a.sub).cmp(&(b.period, &b.sub)));
        }
        Ok(out)
    }
}

impl TableWrite for EmbeddedStore {
    fn delete_rows(
        &self,
        table: &'static TableDef,
        part: usize,
        matches: KeyMatch<'_>,
    ) -> StoreResult<u64> {
        if table.is_entity() {
            return crate::reclaim::forget_rows(self, table, part, matches);
        }
        let tables = &self.inner.tables;
        let mut wtxn = self.inner.env.write_txn().map_err(engine)?;
        let mut texts = KeyTexts::new(tables);
        let doomed = rows_matching(tables, &mut texts, &wtxn, table, part, matches)?;
        let mut deleted = 0;
        for (slot, key, sub) in doomed {
            let (main, by_period) = texts.slot_keys(&mut wtxn, table, &key, slot, &sub)?;
            if let Some(value) = tables.series.get(&wtxn, &main).map_err(engine)? {
                deleted += rows::row_count(slot, value)?;
            }
            tables.series.delete(&mut wtxn, &main).map_err(engine)?;
            tables.series_periods.delete(&mut wtxn, &by_period).map_err(engine)?;
        }
        bump_generation(tables, &mut wtxn, table.dataset)?;
        wtxn.commit().map_err(engine)?;
        Ok(deleted)
    }

    fn publish_series(&self, batch: &SeriesBatch) -> StoreResult<u64> {
        batch.check().map_err(StoreError::InvalidWrite)?;
        let tables = &self.inner.tables;
        let entities: Vec<&SeriesChanges> =
            batch.changes.iter().filter(|c| c.table.is_entity()).collect();
        if !entities.is_empty() {
            // Segment table handles are opened while no write transaction is.
            self.refresh_slots()?;
        }
        let mut wtxn = self.inner.env.write_txn().map_err(engine)?;
        let mut state = crate::write::WriteState::read(tables, &wtxn)?;
        let mut texts = KeyTexts::new(tables);
        for change in batch.changes.iter().filter(|c| !c.table.is_entity()) {
            let table = change.table;
            for &(first, last) in &change.replace {
                let Some(prefix) = texts.prefix(&wtxn, table, [])? else {
                    continue; // the table has no rows
                };
                rows::replace_range(tables, &mut texts, &mut wtxn, table, &prefix, (first, last))?;
            }
            match table.shape {
                Shape::Ranked => write_lists(tables, &mut texts, &mut wtxn, table, &change.rows)?,
                _ => rows::write_rows(tables, &mut texts, &mut wtxn, table, &change.rows)?,
            }
        }
        bump_generation(tables, &mut wtxn, batch.dataset)?;
        if entities.is_empty() {
            if let Some(pause) = self.inner.pause_before_commit {
                std::thread::sleep(pause);
            }
            wtxn.commit().map_err(engine)?;
        } else {
            let written = crate::entity::write(self, &mut wtxn, &mut state, &entities)?;
            self.commit(wtxn, &state, None)?;
            self.merge_months(&written, false, None)?;
        }
        Ok(batch.row_count())
    }

    fn scan_series(
        &self,
        table: &'static TableDef,
        first: Period,
        last: Period,
    ) -> StoreResult<Vec<SeriesRow>> {
        if Period::range_codes(first, last).is_none() {
            return Ok(Vec::new());
        }
        if table.is_entity() {
            return crate::entity::scan(self, table, first, last);
        }
        let tables = &self.inner.tables;
        let rtxn = self.inner.env.read_txn().map_err(engine)?;
        let mut texts = KeyTexts::reading(tables, &self.inner.text_ids);
        let Some(prefix) = texts.prefix(&rtxn, table, [])? else {
            return Ok(Vec::new());
        };
        let (from, to) = period_range(&prefix, table, first, last);
        let bounds = (Bound::Included(from.as_slice()), Bound::Excluded(to.as_slice()));
        let mut found = Vec::new();
        if table.period_index {
            for entry in tables.series_periods.range(&rtxn, &bounds).map_err(engine)? {
                let (k, _) = entry.map_err(engine)?;
                let (slot, key, sub) = texts.split_key(&rtxn, table, k, prefix.len(), true)?;
                let main = texts::main_key_of(k, prefix.len(), &sub)?;
                let value = tables.series.get(&rtxn, &main).map_err(engine)?;
                found.push((key, slot, sub, value.ok_or_else(|| corrupt("series period index"))?));
            }
        } else {
            // No index by period: the whole table, its values of the range kept.
            let (kind, a) = days::Slot::of(table, first).code();
            let (_, b) = days::Slot::of(table, last).code();
            for entry in tables.series.prefix_iter(&rtxn, &prefix).map_err(engine)? {
                let (k, value) = entry.map_err(engine)?;
                let (slot, key, sub) = texts.split_key(&rtxn, table, k, prefix.len(), false)?;
                let (slot_kind, code) = slot.code();
                if slot_kind == kind && (a..=b).contains(&code) {
                    found.push((key, slot, sub, value));
                }
            }
        }
        let mut out = Vec::new();
        let mut entries = Vec::new();
        for (key, slot, sub, value) in found {
            entries.clear();
            rows::entries_of(tables, &rtxn, table, (slot, sub), value, first, last, &mut entries)?;
            for e in entries.drain(..) {
                let (period, sub, values) = (e.period, e.sub, e.values);
                out.push(SeriesRow { key: key.clone(), period, sub, values });
            }
        }
        out.sort_by(|a, b| (&a.key, a.period, &a.sub).cmp(&(&b.key, b.period, &b.sub)));
        Ok(out)
    }

    fn entity_month_sums(
        &self,
        table: &'static TableDef,
        month: aqs_core::dates::YearMonth,
        f: &mut dyn FnMut(&[String], Numbers) -> StoreResult<()>,
    ) -> StoreResult<()> {
        match table.is_entity() {
            true => crate::entity::month_sums(self, table, month, f),
            false => aqs_core::table::month_sums_by_scan(self, table, month, f),
        }
    }
}

#[cfg(test)]
mod tests;

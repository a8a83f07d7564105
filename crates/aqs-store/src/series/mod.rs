//! The series shape in LMDB (`aqs_core::table`): every series table of every family in one
//! table, `series`, and an index by period, `series_periods` (docs/store-format.md, "Series
//! tables").
//!
//! - `series`: `table ‖ key parts ‖ period ‖ sub` → the values, as varints. The table and
//!   the key parts are varint ids of their texts (`texts.rs`); the sub is its text, escaped so
//!   that the byte order is the order of the texts (`0x00` → `0x00 0xFF`, ending with
//!   `0x00 0x01`); the period is its kind and a big-endian number
//!   ([`crate::pageviews::period_code`]). A read is one cursor range.
//! - `series_periods`: `table ‖ period ‖ key parts ‖ sub` → nothing: what a replaced range
//!   drops, found without scanning other periods. Tables declared without it
//!   (`TableDef::period_index`) are deleted by key and scanned whole.
//!
//! A publication is one write transaction, which also moves its dataset's generation (a
//! `meta` key per dataset), so readers in any process see all of it or none of it.

mod keys;
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
use keys::{decode_values, encode_values, period_range, read_period, read_text};
use std::ops::Bound;
pub(crate) use texts::KeyTexts;

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

/// The rows of `table` (key parts, period and sub; no values) whose key part `part`
/// `matches` picks, found through the period index, or through the rows themselves when the
/// table keeps none (then the rows of a first key part that `matches` picks are one range).
fn rows_matching(
    tables: &crate::Tables,
    texts: &mut KeyTexts,
    wtxn: &heed::RwTxn,
    table: &TableDef,
    part: usize,
    matches: KeyMatch<'_>,
) -> StoreResult<Vec<SeriesRow>> {
    let Some(prefix) = texts.prefix(wtxn, table, [])? else {
        return Ok(Vec::new());
    };
    let row = |(period, key, sub)| SeriesRow { key, period, sub, values: Numbers::default() };
    let mut out = Vec::new();
    if table.period_index {
        for entry in tables.series_periods.prefix_iter(wtxn, &prefix).map_err(engine)? {
            let (k, _) = entry.map_err(engine)?;
            let (period, key, sub) = texts.split_key(wtxn, table, k, prefix.len(), true)?;
            if key.get(part).is_some_and(|p| matches.matches(p)) {
                out.push(row((period, key, sub)));
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
                out.push(row((period, key, sub)));
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
    let scope = texts.give(wtxn, table.name)?;
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
        let mut texts = KeyTexts::new(&self.inner.tables);
        let Some(prefix) = texts.prefix(&rtxn, table, key.iter().copied())? else {
            return Ok(Vec::new());
        };
        let (from, to) = period_range(&prefix, first, last);
        let bounds = (Bound::Included(from.as_slice()), Bound::Excluded(to.as_slice()));
        let mut out = Vec::new();
        for entry in self.inner.tables.series.range(&rtxn, &bounds).map_err(engine)? {
            let (k, v) = entry.map_err(engine)?;
            let mut at = prefix.len();
            let period = read_period(k, &mut at)?;
            let sub = read_text(k, &mut at)?;
            // A ranked table's list of a period is one row, under an empty sub.
            if table.shape == Shape::Ranked {
                let list = crate::ranked::decode(&self.inner.tables, &rtxn, table, v)?;
                out.extend(crate::ranked::entries(period, list));
                continue;
            }
            out.push(SeriesEntry { period, sub, values: decode_values(v)? });
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
            // Entity rows live in the month segments of every key: they stay, unread once no
            // key names them (docs/store-format.md).
            return Ok(0);
        }
        let tables = &self.inner.tables;
        let mut wtxn = self.inner.env.write_txn().map_err(engine)?;
        let mut texts = KeyTexts::new(tables);
        let doomed = rows_matching(tables, &mut texts, &wtxn, table, part, matches)?;
        for row in &doomed {
            let (main, by_period) = texts.row_keys(&mut wtxn, table, row)?;
            tables.series.delete(&mut wtxn, &main).map_err(engine)?;
            tables.series_periods.delete(&mut wtxn, &by_period).map_err(engine)?;
        }
        bump_generation(tables, &mut wtxn, table.dataset)?;
        wtxn.commit().map_err(engine)?;
        Ok(doomed.len() as u64)
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
                let (from, to) = period_range(&prefix, first, last);
                let mut dropped = Vec::new();
                let bounds = (Bound::Included(from.as_slice()), Bound::Excluded(to.as_slice()));
                for entry in tables.series_periods.range(&wtxn, &bounds).map_err(engine)? {
                    let (k, _) = entry.map_err(engine)?;
                    dropped.push(k.to_vec());
                }
                for k in dropped {
                    let (period, key, sub) =
                        texts.split_key(&wtxn, table, &k, prefix.len(), true)?;
                    let row = SeriesRow { key, period, sub, values: Numbers::default() };
                    let (main, _) = texts.row_keys(&mut wtxn, table, &row)?;
                    tables.series.delete(&mut wtxn, &main).map_err(engine)?;
                    tables.series_periods.delete(&mut wtxn, &k).map_err(engine)?;
                }
            }
            if table.shape == Shape::Ranked {
                write_lists(tables, &mut texts, &mut wtxn, table, &change.rows)?;
                continue;
            }
            for row in &change.rows {
                let (main, by_period) = texts.row_keys(&mut wtxn, table, row)?;
                tables
                    .series
                    .put(&mut wtxn, &main, &encode_values(table, &row.values))
                    .map_err(engine)?;
                index_period(tables, &mut wtxn, table, &by_period)?;
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
        let Some((kind, a, b)) = Period::range_codes(first, last) else {
            return Ok(Vec::new());
        };
        if table.is_entity() {
            return crate::entity::scan(self, table, first, last);
        }
        let tables = &self.inner.tables;
        let rtxn = self.inner.env.read_txn().map_err(engine)?;
        let mut texts = KeyTexts::new(tables);
        let Some(prefix) = texts.prefix(&rtxn, table, [])? else {
            return Ok(Vec::new());
        };
        let (from, to) = period_range(&prefix, first, last);
        let bounds = (Bound::Included(from.as_slice()), Bound::Excluded(to.as_slice()));
        let mut found = Vec::new();
        if table.period_index {
            for entry in tables.series_periods.range(&rtxn, &bounds).map_err(engine)? {
                let (k, _) = entry.map_err(engine)?;
                let (period, key, sub) = texts.split_key(&rtxn, table, k, prefix.len(), true)?;
                let main = texts::main_key_of(k, prefix.len(), &sub)?;
                let row = SeriesRow { key, period, sub, values: Numbers::default() };
                let value = tables.series.get(&rtxn, &main).map_err(engine)?;
                found.push((row, value.ok_or_else(|| corrupt("series period index"))?));
            }
        } else {
            // No index by period: the whole table, its rows of the range kept.
            for entry in tables.series.prefix_iter(&rtxn, &prefix).map_err(engine)? {
                let (k, value) = entry.map_err(engine)?;
                let (period, key, sub) = texts.split_key(&rtxn, table, k, prefix.len(), false)?;
                let (row_kind, code) = period.code();
                if row_kind == kind && (a..=b).contains(&code) {
                    found.push((SeriesRow { key, period, sub, values: Numbers::default() }, value));
                }
            }
        }
        let mut out = Vec::new();
        for (mut row, value) in found {
            if table.shape == Shape::Ranked {
                for entry in crate::ranked::entries(
                    row.period,
                    crate::ranked::decode(tables, &rtxn, table, value)?,
                ) {
                    out.push(SeriesRow {
                        key: row.key.clone(),
                        period: entry.period,
                        sub: entry.sub,
                        values: entry.values,
                    });
                }
                continue;
            }
            row.values = decode_values(value)?;
            out.push(row);
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

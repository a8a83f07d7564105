//! The series shape in LMDB (`aqs_core::table`): every series table of every family in one
//! table, `series`, and an index by period, `series_periods` (docs/store-format.md, "Series
//! tables").
//!
//! - `series`: `table ‖ key parts ‖ period ‖ sub` → the values, as varints. Text parts are
//!   escaped so that the byte order is the order of the parts (`0x00` → `0x00 0xFF`, each part
//!   ends with `0x00 0x01`); the period is its kind and a big-endian number
//!   ([`crate::pageviews::period_code`]). A read is one cursor range.
//! - `series_periods`: `table ‖ period ‖ key parts ‖ sub` → nothing: what a replaced range
//!   drops, found without scanning other periods.
//!
//! A publication is one write transaction, which also moves its dataset's generation (a
//! `meta` key per dataset), so readers in any process see all of it or none of it.

use crate::codec::{Reader, corrupt, put_varint};
use crate::pageviews::{decode_period, period_code};
use crate::{EmbeddedStore, engine, u64_value};
use aqs_core::dates::Period;
use aqs_core::error::{StoreError, StoreResult};
use aqs_core::table::{
    Dataset, KeyMatch, MAX_VALUES, Numbers, SeriesBatch, SeriesChanges, SeriesEntry, SeriesRow,
    Shape, TableDef, TableRead, TableWrite,
};
use heed::RoTxn;
use heed::WithoutTls;
use std::ops::Bound;

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

pub(crate) fn put_text(out: &mut Vec<u8>, text: &str) {
    for &b in text.as_bytes() {
        out.push(b);
        if b == 0 {
            out.push(0xFF);
        }
    }
    out.extend_from_slice(&[0, 1]);
}

fn read_text(bytes: &[u8], at: &mut usize) -> StoreResult<String> {
    let mut text = Vec::new();
    loop {
        match bytes.get(*at..*at + 1) {
            Some([0]) => {
                let next = bytes.get(*at + 1).copied();
                *at += 2;
                match next {
                    Some(0xFF) => text.push(0),
                    Some(1) => break,
                    _ => return Err(corrupt("series key text")),
                }
            }
            Some([b]) => {
                text.push(*b);
                *at += 1;
            }
            _ => return Err(corrupt("series key text")),
        }
    }
    String::from_utf8(text).map_err(|_| corrupt("series key text"))
}

fn put_period(out: &mut Vec<u8>, period: Period) {
    let (kind, value) = period_code(period);
    out.push(kind);
    out.extend_from_slice(&value.to_be_bytes());
}

fn read_period(bytes: &[u8], at: &mut usize) -> StoreResult<Period> {
    let part = bytes.get(*at..*at + 5).ok_or_else(|| corrupt("series period"))?;
    *at += 5;
    let value = u32::from_be_bytes(part[1..].try_into().map_err(|_| corrupt("series period"))?);
    decode_period(part[0], value)
}

fn key_prefix<'a>(table: &TableDef, key: impl IntoIterator<Item = &'a str>) -> Vec<u8> {
    let mut out = Vec::with_capacity(64);
    put_text(&mut out, table.name);
    for part in key {
        put_text(&mut out, part);
    }
    out
}

fn encode_values(table: &TableDef, values: &Numbers) -> Vec<u8> {
    let mut out = Vec::with_capacity(10 * table.values.len());
    for v in &values.0[..table.values.len()] {
        put_varint(&mut out, *v);
    }
    out
}

fn decode_values(bytes: &[u8]) -> StoreResult<Numbers> {
    let mut reader = Reader::new(bytes);
    let mut values = Numbers::default();
    let mut i = 0;
    while !reader.is_empty() {
        let slot = values.0.get_mut(i).ok_or_else(|| corrupt("series values"))?;
        *slot = reader.varint()?;
        i += 1;
    }
    debug_assert!(i <= MAX_VALUES);
    Ok(values)
}

/// The key of a row in `series` and in `series_periods`.
fn row_keys(table: &TableDef, row: &SeriesRow) -> (Vec<u8>, Vec<u8>) {
    let mut main = key_prefix(table, row.key.iter().map(String::as_str));
    put_period(&mut main, row.period);
    put_text(&mut main, &row.sub);
    let mut by_period = key_prefix(table, []);
    put_period(&mut by_period, row.period);
    for part in &row.key {
        put_text(&mut by_period, part);
    }
    put_text(&mut by_period, &row.sub);
    (main, by_period)
}

/// Decodes a `series_periods` key (after the table's prefix) into the row's key parts,
/// period and sub.
fn split_period_key(
    table: &TableDef,
    bytes: &[u8],
    mut at: usize,
) -> StoreResult<(Period, Vec<String>, String)> {
    let period = read_period(bytes, &mut at)?;
    let key = (0..table.key.len()).map(|_| read_text(bytes, &mut at)).collect::<Result<_, _>>()?;
    let sub = read_text(bytes, &mut at)?;
    Ok((period, key, sub))
}

/// Writes rows of a ranked table: each list they name is read (unless a replaced range
/// dropped it), its entries upserted (the last of equal rows wins), and written back whole.
fn write_lists(
    tables: &crate::Tables,
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
    for ((key, period), rows) in lists {
        let head =
            SeriesRow { key: key.to_vec(), period, sub: String::new(), values: Numbers::default() };
        let (main, by_period) = row_keys(table, &head);
        let mut list = match tables.series.get(wtxn, &main).map_err(engine)? {
            Some(bytes) => crate::ranked::decode(tables, wtxn, table, bytes)?,
            None => crate::ranked::List::new(),
        };
        for row in rows {
            list.insert(row.sub.clone(), row.values);
        }
        let value = crate::ranked::encode(tables, wtxn, table, &list, &mut known)?;
        tables.series.put(wtxn, &main, &value).map_err(engine)?;
        tables.series_periods.put(wtxn, &by_period, &[]).map_err(engine)?;
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
        let prefix = key_prefix(table, key.iter().copied());
        let (mut from, mut to) = (prefix.clone(), prefix.clone());
        put_period(&mut from, first);
        put_period(&mut to, last);
        to.push(0xFF); // after every sub of the last period
        let rtxn = self.inner.env.read_txn().map_err(engine)?;
        let bounds = (Bound::Included(from.as_slice()), Bound::Excluded(to.as_slice()));
        let mut out = Vec::new();
        for entry in self.inner.tables.series.range(&rtxn, &bounds).map_err(engine)? {
            let (k, v) = entry.map_err(engine)?;
            let mut at = prefix.len();
            let period = read_period(k, &mut at)?;
            let sub = read_text(k, &mut at)?;
            // Lists are kept under an empty sub; rows a store kept per entry before lists
            // existed (their sub the entry's name) read as they were written.
            if table.shape == Shape::Ranked && sub.is_empty() {
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
        let prefix = key_prefix(table, []);
        let mut doomed = Vec::new();
        for entry in tables.series_periods.prefix_iter(&wtxn, &prefix).map_err(engine)? {
            let (k, _) = entry.map_err(engine)?;
            let (period, key, sub) = split_period_key(table, k, prefix.len())?;
            if key.get(part).is_some_and(|p| matches.matches(p)) {
                doomed.push(SeriesRow { key, period, sub, values: Numbers::default() });
            }
        }
        for row in &doomed {
            let (main, by_period) = row_keys(table, row);
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
        for change in batch.changes.iter().filter(|c| !c.table.is_entity()) {
            let table = change.table;
            for &(first, last) in &change.replace {
                let prefix = key_prefix(table, []);
                let (mut from, mut to) = (prefix.clone(), prefix.clone());
                put_period(&mut from, first);
                put_period(&mut to, last);
                to.push(0xFF);
                let mut dropped = Vec::new();
                let bounds = (Bound::Included(from.as_slice()), Bound::Excluded(to.as_slice()));
                for entry in tables.series_periods.range(&wtxn, &bounds).map_err(engine)? {
                    let (k, _) = entry.map_err(engine)?;
                    dropped.push(k.to_vec());
                }
                for k in dropped {
                    let (period, key, sub) = split_period_key(table, &k, prefix.len())?;
                    let row = SeriesRow { key, period, sub, values: Numbers::default() };
                    let (main, _) = row_keys(table, &row);
                    tables.series.delete(&mut wtxn, &main).map_err(engine)?;
                    tables.series_periods.delete(&mut wtxn, &k).map_err(engine)?;
                }
            }
            if table.shape == Shape::Ranked {
                write_lists(tables, &mut wtxn, table, &change.rows)?;
                continue;
            }
            for row in &change.rows {
                let (main, by_period) = row_keys(table, row);
                tables
                    .series
                    .put(&mut wtxn, &main, &encode_values(table, &row.values))
                    .map_err(engine)?;
                tables.series_periods.put(&mut wtxn, &by_period, &[]).map_err(engine)?;
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
        let prefix = key_prefix(table, []);
        let (mut from, mut to) = (prefix.clone(), prefix.clone());
        put_period(&mut from, first);
        put_period(&mut to, last);
        to.push(0xFF);
        let bounds = (Bound::Included(from.as_slice()), Bound::Excluded(to.as_slice()));
        let mut out = Vec::new();
        for entry in tables.series_periods.range(&rtxn, &bounds).map_err(engine)? {
            let (k, _) = entry.map_err(engine)?;
            let (period, key, sub) = split_period_key(table, k, prefix.len())?;
            let mut row = SeriesRow { key, period, sub, values: Numbers::default() };
            let (main, _) = row_keys(table, &row);
            let value = tables.series.get(&rtxn, &main).map_err(engine)?;
            let value = value.ok_or_else(|| corrupt("series period index"))?;
            if table.shape == Shape::Ranked && row.sub.is_empty() {
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
mod tests {
    use super::*;

    #[test]
    fn ranked_rows_stored_one_per_entry_before_lists_still_read() {
        use aqs_core::mediarequests::{TOP_FILES, TopFile, top_rows};
        let dir = tempfile::tempdir().unwrap();
        let options = crate::StoreOptions { map_size: 1 << 26, ..Default::default() };
        let store = EmbeddedStore::open_with(dir.path(), &options).unwrap();
        let day = Period::Day(aqs_core::dates::Day::from_ymd(2019, 5, 1).unwrap());
        let f = |p: &str, requests, rank| TopFile { file_path: p.into(), requests, rank };
        let old = top_rows("all-referers", "image", day, &[f("/a", 9, 1), f("/b", 5, 2)]);
        // As a store wrote them before lists: a row per entry, its name as the sub.
        let tables = &store.inner.tables;
        let mut wtxn = store.inner.env.write_txn().unwrap();
        for row in &old {
            let (main, by_period) = row_keys(&TOP_FILES, row);
            tables.series.put(&mut wtxn, &main, &encode_values(&TOP_FILES, &row.values)).unwrap();
            tables.series_periods.put(&mut wtxn, &by_period, &[]).unwrap();
        }
        wtxn.commit().unwrap();
        let key = ["all-referers", "image"];
        let got = store.series(&TOP_FILES, &key, day, day).unwrap();
        let names: Vec<(&str, u64)> = got.iter().map(|e| (e.sub.as_str(), e.values.0[0])).collect();
        assert_eq!(names, [("/a", 9), ("/b", 5)]);
        let scanned = store.scan_series(&TOP_FILES, day, day).unwrap();
        assert_eq!(scanned.iter().map(|r| r.sub.as_str()).collect::<Vec<_>>(), ["/a", "/b"]);
    }

    #[test]
    fn text_parts_keep_their_order_and_round_trip() {
        let parts = ["", "a", "a\u{0}", "a\u{0}b", "ab", "b", "é"];
        let encoded: Vec<Vec<u8>> = parts
            .iter()
            .map(|p| {
                let mut out = Vec::new();
                put_text(&mut out, p);
                out
            })
            .collect();
        let mut sorted = encoded.clone();
        sorted.sort();
        assert_eq!(sorted, encoded, "byte order is text order");
        for (part, bytes) in parts.iter().zip(&encoded) {
            let mut at = 0;
            assert_eq!(read_text(bytes, &mut at).unwrap(), *part);
            assert_eq!(at, bytes.len());
        }
        assert!(read_text(b"ab", &mut 0).is_err(), "unterminated");
        assert!(read_text(&[b'a', 0, 7], &mut 0).is_err(), "bad escape");
    }
}

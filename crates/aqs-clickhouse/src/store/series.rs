//! The series shape on ClickHouse (`aqs_core::table`): every series table in one table,
//! `series`, committed through `series_batches` (`schema/0002_series.sql`).
//!
//! A publication inserts its rows under a new batch id, then commits with one row in
//! `series_batches` that names the dataset and the period ranges it replaced. Readers keep,
//! per (period, sub), the newest row of a committed batch that no later committed batch of a
//! replaced range covers; rows made unreachable are deleted in the background.

use super::{ClickHouseStore, next_batch_id, splitmix};
use crate::client::{RowReader, RowWriter, quote};
use crate::schema::now_seconds;
use aqs_core::dates::Period;
use aqs_core::error::{StoreError, StoreResult};
use aqs_core::table::{
    Dataset, KeyMatch, MAX_VALUES, Numbers, SeriesBatch, SeriesEntry, SeriesRow, TableDef,
    TableRead, TableWrite,
};
use std::collections::{HashMap, HashSet};

/// What readers know of the committed series batches.
#[derive(Debug, Default)]
pub(crate) struct SeriesSnapshot {
    committed: HashSet<u64>,
    /// Per table, the replaced ranges: (kind, first code, last code, batch).
    replaced: HashMap<String, Vec<(u8, u32, u32, u64)>>,
    generations: [u64; Dataset::ALL.len()],
    max_batch: u64,
}

impl SeriesSnapshot {
    /// The ranges of `table` that overlap codes `first..=last` of `kind`.
    fn floors(&self, table: &str, kind: u8, first: u32, last: u32) -> Vec<(u32, u32, u64)> {
        self.replaced
            .get(table)
            .into_iter()
            .flatten()
            .filter(|(k, a, b, _)| *k == kind && *a <= last && *b >= first)
            .map(|&(_, a, b, batch)| (a, b, batch))
            .collect()
    }

    fn visible(&self, floors: &[(u32, u32, u64)], code: u32, batch: u64) -> bool {
        self.committed.contains(&batch)
            && floors.iter().all(|&(a, b, floor)| code < a || code > b || batch >= floor)
    }
}

fn dataset_of(name: &str) -> Option<Dataset> {
    Dataset::ALL.into_iter().find(|d| d.name() == name)
}

impl ClickHouseStore {
    /// Reads the committed series batches again (part of [`ClickHouseStore::refresh`]).
    pub(crate) fn refresh_series(&self) -> StoreResult<()> {
        let rows = self.select(&format!(
            "SELECT batch, dataset, replaced_tables, replaced_kinds, replaced_firsts, replaced_lasts \
             FROM {} FORMAT RowBinary",
            self.table("series_batches")
        ))?;
        let mut r = RowReader::new(&rows);
        let mut snapshot = SeriesSnapshot::default();
        let mut mixes = [0u64; Dataset::ALL.len()];
        let mut counts = [0u64; Dataset::ALL.len()];
        while !r.is_empty() {
            let batch = r.u64()?;
            let dataset = r.string()?;
            let tables = (0..r.varint()?).map(|_| r.string()).collect::<StoreResult<Vec<_>>>()?;
            let kinds = (0..r.varint()?).map(|_| r.u8()).collect::<StoreResult<Vec<_>>>()?;
            let firsts = (0..r.varint()?).map(|_| r.u32()).collect::<StoreResult<Vec<_>>>()?;
            let lasts = (0..r.varint()?).map(|_| r.u32()).collect::<StoreResult<Vec<_>>>()?;
            let n = tables.len();
            if kinds.len() != n || firsts.len() != n || lasts.len() != n {
                return Err(StoreError::Corrupt(format!(
                    "series batch {batch}: replaced arrays differ in length"
                )));
            }
            for (i, table) in tables.into_iter().enumerate() {
                let range = (kinds[i], firsts[i], lasts[i], batch);
                snapshot.replaced.entry(table).or_default().push(range);
            }
            if snapshot.committed.insert(batch)
                && let Some(d) = dataset_of(&dataset)
            {
                mixes[d.index()] = mixes[d.index()].wrapping_add(splitmix(batch));
                counts[d.index()] += 1;
            }
            snapshot.max_batch = snapshot.max_batch.max(batch);
        }
        for i in 0..mixes.len() {
            snapshot.generations[i] = mixes[i] ^ counts[i].rotate_left(48);
        }
        *self.inner.series.write().unwrap_or_else(|p| p.into_inner()) =
            std::sync::Arc::new(snapshot);
        Ok(())
    }

    fn series_snapshot(&self) -> std::sync::Arc<SeriesSnapshot> {
        std::sync::Arc::clone(&self.inner.series.read().unwrap_or_else(|p| p.into_inner()))
    }

    fn insert_series(&self, batch: u64, table: &TableDef, rows: &[&SeriesRow]) -> StoreResult<()> {
        if rows.is_empty() {
            return Ok(());
        }
        let mut out = RowWriter::default();
        for row in rows {
            out.string(table.name.as_bytes());
            out.varint(row.key.len() as u64);
            for part in &row.key {
                out.string(part.as_bytes());
            }
            let (kind, code) = row.period.code();
            out.u8(kind);
            out.u32(code);
            out.string(row.sub.as_bytes());
            out.u64(batch);
            for v in row.values.0 {
                out.u64(v);
            }
        }
        self.inner.client.insert(
            &self.table("series"),
            "name, key, kind, period, sub, batch, v0, v1, v2, v3",
            &out.bytes,
        )
    }
}

/// Reads `(code, sub, batch, values)` rows.
fn read_rows(
    bytes: &[u8],
    mut each: impl FnMut(&mut RowReader) -> StoreResult<()>,
) -> StoreResult<()> {
    let mut r = RowReader::new(bytes);
    while !r.is_empty() {
        each(&mut r)?;
    }
    Ok(())
}

fn read_values(r: &mut RowReader) -> StoreResult<Numbers> {
    let mut values = Numbers::default();
    for slot in values.0.iter_mut().take(MAX_VALUES) {
        *slot = r.u64()?;
    }
    Ok(values)
}

fn period_of(kind: u8, code: u32) -> StoreResult<Period> {
    Period::from_code(kind, code).ok_or_else(|| StoreError::Corrupt("series period kind".into()))
}

fn key_literal<'a>(key: impl IntoIterator<Item = &'a str>) -> String {
    let parts: Vec<String> = key.into_iter().map(quote).collect();
    format!("[{}]", parts.join(", "))
}

impl ClickHouseStore {
    /// The rows of `table` (of one key, or of every key) with periods `first..=last`, in
    /// (key, period, sub) order: of each row's stored versions, the newest one that is
    /// visible (committed, and not older than a committed replacement of its period).
    fn visible_rows(
        &self,
        table: &'static TableDef,
        key: Option<&[&str]>,
        first: Period,
        last: Period,
    ) -> StoreResult<Vec<SeriesRow>> {
        let Some((kind, a, b)) = Period::range_codes(first, last) else { return Ok(Vec::new()) };
        let snapshot = self.series_snapshot();
        let floors = snapshot.floors(table.name, kind, a, b);
        let sql = format!(
            "SELECT key, period, sub, batch, v0, v1, v2, v3 FROM {} WHERE name = {}{} \
             AND kind = {kind} AND period BETWEEN {a} AND {b} ORDER BY key, period, sub, batch FORMAT RowBinary",
            self.table("series"),
            quote(table.name),
            key.map(|k| format!(" AND key = {}", key_literal(k.iter().copied())))
                .unwrap_or_default(),
        );
        let rows = match key {
            Some(_) => self.point_select(&sql)?,
            None => self.select(&sql)?,
        };
        let mut out: Vec<SeriesRow> = Vec::new();
        read_rows(&rows, |r| {
            let key = (0..r.varint()?).map(|_| r.string()).collect::<StoreResult<Vec<_>>>()?;
            let code = r.u32()?;
            let sub = r.string()?;
            let batch = r.u64()?;
            let values = read_values(r)?;
            if !snapshot.visible(&floors, code, batch) {
                return Ok(());
            }
            // Versions of one row come oldest batch first: the newest visible one wins.
            let period = period_of(kind, code)?;
            match out.last_mut() {
                Some(prev) if prev.key == key && prev.period == period && prev.sub == sub => {
                    prev.values = values
                }
                _ => out.push(SeriesRow { key, period, sub, values }),
            }
            Ok(())
        })?;
        Ok(out)
    }
}

impl TableRead for ClickHouseStore {
    fn dataset_generation(&self, dataset: Dataset) -> StoreResult<u64> {
        if dataset == Dataset::Pageviews {
            return Ok(self.snapshot().generation);
        }
        Ok(self.series_snapshot().generations[dataset.index()])
    }

    fn series(
        &self,
        table: &'static TableDef,
        key: &[&str],
        first: Period,
        last: Period,
    ) -> StoreResult<Vec<SeriesEntry>> {
        let rows = self.visible_rows(table, Some(key), first, last)?;
        Ok(rows
            .into_iter()
            .map(|r| SeriesEntry { period: r.period, sub: r.sub, values: r.values })
            .collect())
    }
}

impl TableWrite for ClickHouseStore {
    fn delete_rows(
        &self,
        table: &'static TableDef,
        part: usize,
        matches: KeyMatch<'_>,
    ) -> StoreResult<u64> {
        let at = format!("key[{}]", part + 1);
        let test = match matches {
            KeyMatch::Is(text) => format!("{at} = {}", quote(text)),
            KeyMatch::StartsWith(text) => format!("startsWith({at}, {})", quote(text)),
        };
        let condition = format!("name = {} AND {test}", quote(table.name));
        let deleted = self.delete_where("series", &condition)?;
        // An empty batch moves the dataset's generation (response caches drop their answers).
        self.publish_series(&SeriesBatch { dataset: table.dataset, changes: Vec::new() })?;
        Ok(deleted)
    }

    fn publish_series(&self, batch: &SeriesBatch) -> StoreResult<u64> {
        batch.check().map_err(StoreError::InvalidWrite)?;
        self.refresh()?;
        let id = next_batch_id(self.snapshot().max_batch.max(self.series_snapshot().max_batch));
        let mut replaced = Vec::new();
        for change in &batch.changes {
            // Of equal rows in one batch the last wins: they would share the batch id.
            let stored = change.stored_rows();
            let mut last: HashMap<(&[String], Period, &str), usize> = HashMap::new();
            for (i, row) in stored.iter().enumerate() {
                last.insert((&row.key, row.period, &row.sub), i);
            }
            let mut kept: Vec<usize> = last.into_values().collect();
            kept.sort_unstable();
            let rows: Vec<&SeriesRow> = kept.iter().map(|&i| &stored[i]).collect();
            for chunk in rows.chunks(super::INSERT_CHUNK_ROWS) {
                self.insert_series(id, change.table, chunk)?;
            }
            for (first, last) in &change.replace {
                let ((kind, a), (_, b)) = (first.code(), last.code());
                replaced.push((change.table.name, kind, a, b));
            }
        }
        let mut row = RowWriter::default();
        row.u64(id);
        row.string(batch.dataset.name().as_bytes());
        row.u32(now_seconds());
        row.varint(replaced.len() as u64);
        for (table, ..) in &replaced {
            row.string(table.as_bytes());
        }
        row.varint(replaced.len() as u64);
        for (_, kind, ..) in &replaced {
            row.u8(*kind);
        }
        row.varint(replaced.len() as u64);
        for (_, _, first, _) in &replaced {
            row.u32(*first);
        }
        row.varint(replaced.len() as u64);
        for (.., last) in &replaced {
            row.u32(*last);
        }
        row.u64(batch.row_count());
        self.inner.client.insert(
            &self.table("series_batches"),
            "batch, dataset, committed, replaced_tables, replaced_kinds, replaced_firsts, replaced_lasts, rows",
            &row.bytes,
        )?;
        self.refresh()?;
        for (table, kind, a, b) in replaced {
            let condition = format!(
                "name = {} AND kind = {kind} AND period BETWEEN {a} AND {b} AND batch < {id}",
                quote(table)
            );
            if let Err(e) = self.clean_up_where("series", &condition) {
                tracing::warn!(error = %e, "replaced series rows were not deleted (they stay hidden)");
            }
        }
        Ok(batch.row_count())
    }

    fn scan_series(
        &self,
        table: &'static TableDef,
        first: Period,
        last: Period,
    ) -> StoreResult<Vec<SeriesRow>> {
        self.visible_rows(table, None, first, last)
    }
}

//! The texts of series keys by number (docs/store-format.md, "Series tables"): a row's key
//! names its table and each key part by the varint id of the text in `series_part_ids`
//! (`:` ‖ text → u32 BE id, the colon so that the empty text is a key too; the way back in
//! `series_parts`, u32 BE id → text), so a key of six parts takes a dozen bytes where the
//! texts took eighty. The ids are shared by every table (the snapshot `2024-12` or the project
//! `en.wikipedia` is one id wherever it appears) and, once committed with the write that gave
//! them, never change nor go to another text.
//!
//! LEB128 varints are prefix-free, so the ids of a key's first parts are the prefix of all its
//! rows, and a range of them is one cursor range as when the texts themselves were the key.

use super::days::Slot;
use super::keys::{put_period, put_text, read_period, read_text};
use crate::codec::{Reader, corrupt, put_varint};
use crate::{Tables, engine, u32_value};
use aqs_core::error::{StoreError, StoreResult};
use aqs_core::table::{SeriesRow, TableDef};
use heed::{RoTxn, RwTxn};
use rustc_hash::FxHashMap;

const META_NEXT_PART: &[u8] = b"next_series_part";

/// The `series_part_ids` key of a text (or of the texts that start so).
fn id_key(text: &str) -> Vec<u8> {
    [b":", text.as_bytes()].concat()
}

/// A row's period (or month of days), key parts and sub, read back from a key.
pub(crate) type SplitKey = (Slot, Vec<String>, String);

/// The ids of key texts that committed transactions hold, shared by a store's readers: an id
/// once committed is never changed nor given to another text.
pub(crate) type SharedTextIds = std::sync::RwLock<FxHashMap<String, u32>>;

/// Looks up (and, for writes, gives) the ids of key texts, remembering them for the rest of
/// one transaction.
pub(crate) struct KeyTexts<'t> {
    tables: &'t Tables,
    /// For a read transaction: the ids other reads found, and where to keep those it finds.
    shared: Option<&'t SharedTextIds>,
    /// Only the ids found: a text without one may be given one by another `KeyTexts` of the
    /// same write transaction (a list's names' scope), so it is looked up again.
    ids: FxHashMap<String, u32>,
    texts: FxHashMap<u32, String>,
}

impl<'t> KeyTexts<'t> {
    pub(crate) fn new(tables: &'t Tables) -> KeyTexts<'t> {
        KeyTexts { tables, shared: None, ids: FxHashMap::default(), texts: FxHashMap::default() }
    }

    /// Lookups of a read transaction, through and into `shared` (what it finds is committed).
    pub(crate) fn reading(tables: &'t Tables, shared: &'t SharedTextIds) -> KeyTexts<'t> {
        KeyTexts { shared: Some(shared), ..KeyTexts::new(tables) }
    }

    /// The id of `text`, if the store has given it one.
    pub(crate) fn find(&mut self, txn: &RoTxn, text: &str) -> StoreResult<Option<u32>> {
        if let Some(id) = self.ids.get(text) {
            return Ok(Some(*id));
        }
        let shared = self.shared.map(|s| s.read().unwrap_or_else(|p| p.into_inner()));
        if let Some(&id) = shared.as_ref().and_then(|s| s.get(text)) {
            return Ok(Some(id));
        }
        drop(shared);
        let Some(bytes) = self.tables.series_part_ids.get(txn, &id_key(text)).map_err(engine)?
        else {
            return Ok(None);
        };
        let id = u32_value(bytes, "series key text id")?;
        self.ids.insert(text.to_string(), id);
        if let Some(shared) = self.shared {
            shared.write().unwrap_or_else(|p| p.into_inner()).insert(text.to_string(), id);
        }
        Ok(Some(id))
    }

    /// The id of `text`, given one in `wtxn` when it has none.
    pub(crate) fn give(&mut self, wtxn: &mut RwTxn, text: &str) -> StoreResult<u32> {
        if let Some(id) = self.find(wtxn, text)? {
            return Ok(id);
        }
        let tables = self.tables;
        let id = match tables.meta.get(wtxn, META_NEXT_PART).map_err(engine)? {
            Some(bytes) => u32_value(bytes, "next series key text")?,
            None => 0,
        };
        let next = id
            .checked_add(1)
            .ok_or_else(|| StoreError::Limit("series key texts exhausted".into()))?;
        tables.meta.put(wtxn, META_NEXT_PART, &next.to_be_bytes()).map_err(engine)?;
        tables.series_part_ids.put(wtxn, &id_key(text), &id.to_be_bytes()).map_err(engine)?;
        tables.series_parts.put(wtxn, &id.to_be_bytes(), text.as_bytes()).map_err(engine)?;
        self.ids.insert(text.to_string(), id);
        self.texts.insert(id, text.to_string());
        Ok(id)
    }

    /// The text of an id a key holds.
    fn text(&mut self, txn: &RoTxn, id: u32) -> StoreResult<String> {
        if let Some(text) = self.texts.get(&id) {
            return Ok(text.clone());
        }
        let bytes = self
            .tables
            .series_parts
            .get(txn, &id.to_be_bytes())
            .map_err(engine)?
            .ok_or_else(|| corrupt("a series key names an unknown text"))?;
        let text = std::str::from_utf8(bytes).map_err(|_| corrupt("series key text"))?;
        self.texts.insert(id, text.to_string());
        Ok(text.to_string())
    }

    /// The ids of every text that starts with `start`.
    pub(crate) fn starting_with(&mut self, txn: &RoTxn, start: &str) -> StoreResult<Vec<u32>> {
        let mut out = Vec::new();
        for entry in self.tables.series_part_ids.prefix_iter(txn, &id_key(start)).map_err(engine)? {
            let (_, id) = entry.map_err(engine)?;
            out.push(u32_value(id, "series key text id")?);
        }
        Ok(out)
    }

    /// The prefix of the rows of `table` whose first key parts are `parts`, or `None` when
    /// one of the texts has no id (then no row has them).
    pub(crate) fn prefix<'a>(
        &mut self,
        txn: &RoTxn,
        table: &TableDef,
        parts: impl IntoIterator<Item = &'a str>,
    ) -> StoreResult<Option<Vec<u8>>> {
        let mut out = Vec::with_capacity(16);
        for text in std::iter::once(table.name).chain(parts) {
            match self.find(txn, text)? {
                Some(id) => put_varint(&mut out, id.into()),
                None => return Ok(None),
            }
        }
        Ok(Some(out))
    }

    /// The key of a row in `series` and in `series_periods`, its texts given ids if new.
    pub(crate) fn row_keys(
        &mut self,
        wtxn: &mut RwTxn,
        table: &TableDef,
        row: &SeriesRow,
    ) -> StoreResult<(Vec<u8>, Vec<u8>)> {
        self.slot_keys(wtxn, table, &row.key, Slot::of(table, row.period), &row.sub)
    }

    /// The key in `series` and in `series_periods` of a slot (a row's period, or a month of
    /// days) of `key` and `sub`, its texts given ids if new.
    pub(crate) fn slot_keys(
        &mut self,
        wtxn: &mut RwTxn,
        table: &TableDef,
        key: &[String],
        slot: Slot,
        sub: &str,
    ) -> StoreResult<(Vec<u8>, Vec<u8>)> {
        let table_id = self.give(wtxn, table.name)?;
        let mut parts = Vec::with_capacity(2 * key.len());
        for part in key {
            put_varint(&mut parts, self.give(wtxn, part)?.into());
        }
        let mut main = Vec::with_capacity(parts.len() + sub.len() + 12);
        put_varint(&mut main, table_id.into());
        let mut by_period = main.clone();
        main.extend_from_slice(&parts);
        put_period(&mut main, slot);
        put_text(&mut main, sub);
        put_period(&mut by_period, slot);
        by_period.extend_from_slice(&parts);
        put_text(&mut by_period, sub);
        Ok((main, by_period))
    }

    fn read_parts(
        &mut self,
        txn: &RoTxn,
        table: &TableDef,
        bytes: &[u8],
        at: &mut usize,
    ) -> StoreResult<Vec<String>> {
        let mut r = Reader::new(bytes.get(*at..).ok_or_else(|| corrupt("series key"))?);
        let mut parts = Vec::with_capacity(table.key.len());
        for _ in 0..table.key.len() {
            let id = u32::try_from(r.varint()?).map_err(|_| corrupt("series key text id"))?;
            parts.push(self.text(txn, id)?);
        }
        *at += r.position();
        Ok(parts)
    }

    /// A `series` key (after the table's id, `at` bytes), or a `series_periods` key when
    /// `by_period`, as the row's period, key parts and sub.
    pub(crate) fn split_key(
        &mut self,
        txn: &RoTxn,
        table: &TableDef,
        bytes: &[u8],
        mut at: usize,
        by_period: bool,
    ) -> StoreResult<SplitKey> {
        let mut period = None;
        if by_period {
            period = Some(read_period(bytes, &mut at)?);
        }
        let key = self.read_parts(txn, table, bytes, &mut at)?;
        let period = match period {
            Some(period) => period,
            None => read_period(bytes, &mut at)?,
        };
        let sub = read_text(bytes, &mut at)?;
        Ok((period, key, sub))
    }
}

/// The `series` key of a row from its `series_periods` key (the table's id `at` bytes, then
/// the period, the parts and the sub): the same pieces in the other order.
pub(crate) fn main_key_of(index_key: &[u8], at: usize, sub: &str) -> StoreResult<Vec<u8>> {
    let sub_len = sub.len() + sub.bytes().filter(|b| *b == 0).count() + 2;
    let parts_end = index_key.len().checked_sub(sub_len).ok_or_else(|| corrupt("series key"))?;
    let (head, period, parts, tail) = (
        index_key.get(..at),
        index_key.get(at..at + 5),
        index_key.get(at + 5..parts_end),
        &index_key[parts_end..],
    );
    let (Some(head), Some(period), Some(parts)) = (head, period, parts) else {
        return Err(corrupt("series key"));
    };
    Ok([head, parts, period, tail].concat())
}

//! The ranked shape (`aqs_core::table::Shape::Ranked`: top lists, the countries of a month)
//! in LMDB: a list, every row of one (table, key, period), is one value of the `series` table
//! (under the row key of an empty `sub`, indexed in `series_periods` like a series row, so
//! replaced periods drop whole lists), and the entries' names are ids of a table of listed
//! names (docs/store-format.md, "Ranked tables").
//!
//! Value: varint entry count, then per entry in name order: varint name id, one varint per
//! value column. Names: `list_names` (u32 BE id → the name's bytes) and `list_ids` (table
//! name, escaped as in series keys, ‖ name → u32 BE id); a name used by many lists (the same
//! file on the media top list day after day) is stored once. Pageviews top lists: `top/`.

use crate::codec::{Reader, corrupt, put_varint};
use crate::{Tables, engine, u32_value};
use aqs_core::error::{StoreError, StoreResult};
use aqs_core::table::{Numbers, SeriesEntry, TableDef};
use heed::{RoTxn, RwTxn};
use std::collections::BTreeMap;

const META_NEXT_NAME: &[u8] = b"next_list_name";

fn name_key(scope: &str, name: &str) -> Vec<u8> {
    let mut key = Vec::with_capacity(scope.len() + name.len() + 4);
    crate::series::put_text(&mut key, scope);
    key.extend_from_slice(name.as_bytes());
    key
}

/// The id of a listed name of `scope` (a table's name; `top/<project id>` for pageviews top
/// lists), given one when it is new.
pub(crate) fn name_id(
    tables: &Tables,
    wtxn: &mut RwTxn,
    scope: &str,
    name: &str,
) -> StoreResult<u32> {
    let key = name_key(scope, name);
    if let Some(id) = tables.list_ids.get(wtxn, &key).map_err(engine)? {
        return u32_value(id, "list name id");
    }
    let id = match tables.meta.get(wtxn, META_NEXT_NAME).map_err(engine)? {
        Some(bytes) => u32_value(bytes, "next list name")?,
        None => 0,
    };
    let next = id.checked_add(1).ok_or_else(|| StoreError::Limit("list names exhausted".into()))?;
    tables.meta.put(wtxn, META_NEXT_NAME, &next.to_be_bytes()).map_err(engine)?;
    tables.list_ids.put(wtxn, &key, &id.to_be_bytes()).map_err(engine)?;
    tables.list_names.put(wtxn, &id.to_be_bytes(), name.as_bytes()).map_err(engine)?;
    Ok(id)
}

/// A stored list: its entries by name.
pub(crate) type List = BTreeMap<String, Numbers>;

/// The ids of the names a write has looked up, so that a name in many lists of one write
/// is looked up once.
pub(crate) type NameIds = std::collections::HashMap<String, u32>;

pub(crate) fn encode(
    tables: &Tables,
    wtxn: &mut RwTxn,
    table: &TableDef,
    list: &List,
    known: &mut NameIds,
) -> StoreResult<Vec<u8>> {
    let width = table.values.len();
    let mut out = Vec::with_capacity(8 * list.len());
    put_varint(&mut out, list.len() as u64);
    for (name, values) in list {
        let id = match known.get(name) {
            Some(id) => *id,
            None => {
                let id = name_id(tables, wtxn, table.name, name)?;
                known.insert(name.clone(), id);
                id
            }
        };
        put_varint(&mut out, id.into());
        for v in &values.0[..width] {
            put_varint(&mut out, *v);
        }
    }
    Ok(out)
}

pub(crate) fn decode(
    tables: &Tables,
    txn: &RoTxn,
    table: &TableDef,
    bytes: &[u8],
) -> StoreResult<List> {
    let width = table.values.len();
    let mut r = Reader::new(bytes);
    let mut list = List::new();
    for _ in 0..r.varint()? {
        let name = read_name(tables, txn, &mut r)?;
        let mut values = Numbers::default();
        for v in values.0.iter_mut().take(width) {
            *v = r.varint()?;
        }
        list.insert(name, values);
    }
    if !r.is_empty() {
        return Err(corrupt("trailing bytes after a list"));
    }
    Ok(list)
}

/// The entries of one stored list as rows of its period, in name order.
pub(crate) fn entries(
    period: aqs_core::dates::Period,
    list: List,
) -> impl Iterator<Item = SeriesEntry> {
    list.into_iter().map(move |(sub, values)| SeriesEntry { period, sub, values })
}

pub(crate) fn read_name(tables: &Tables, txn: &RoTxn, r: &mut Reader<'_>) -> StoreResult<String> {
    let id = u32::try_from(r.varint()?).map_err(|_| corrupt("list name id"))?;
    let name = tables
        .list_names
        .get(txn, &id.to_be_bytes())
        .map_err(engine)?
        .ok_or_else(|| corrupt("a list names an unknown id"))?;
    Ok(std::str::from_utf8(name).map_err(|_| corrupt("list name"))?.to_string())
}

pub(crate) fn zigzag(n: i64) -> u64 {
    ((n << 1) ^ (n >> 63)) as u64
}

pub(crate) fn unzigzag(n: u64) -> i64 {
    ((n >> 1) as i64) ^ -((n & 1) as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zigzag_round_trips() {
        for n in [0i64, 1, -1, 1000, -1000, i64::MAX / 2, i64::MIN / 2] {
            assert_eq!(unzigzag(zigzag(n)), n);
        }
        assert_eq!(zigzag(0), 0);
        assert_eq!(zigzag(-1), 1);
    }
}

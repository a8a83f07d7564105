//! The ranked shape (`aqs_core::table::Shape::Ranked`: top lists, the countries of a month)
//! in LMDB: a list, every row of one (table, key, period), is one value of the `series` table
//! (under the row key of an empty `sub`, indexed in `series_periods` like a series row, so
//! replaced periods drop whole lists), and the entries' names are ids of a table of listed
//! names (docs/store-format.md, "Ranked tables").
//!
//! Value: varint entry count, then per entry in the order of the names' ids: varint id less
//! the previous entry's (the first: the id), one varint per value column. Names: `list_names` (u32 BE id → the name's bytes) and `list_ids` (a hash of
//! the scope and the name → u32 BE id, below); a name used by many lists (the same file on the
//! media top list day after day) is stored once. Pageviews top lists: `top/`.

use crate::codec::{Reader, corrupt, put_varint};
use crate::series::KeyTexts;
use crate::{Tables, engine, u32_value};
use aqs_core::error::{StoreError, StoreResult};
use aqs_core::table::{Numbers, SeriesEntry, TableDef};
use heed::{RoTxn, RwTxn};
use std::collections::BTreeMap;
use std::hash::Hasher;

const META_NEXT_NAME: &[u8] = b"next_list_name";

/// The `list_ids` key of a name of a scope (the id of the scope's text in `series_parts`):
/// the 8 bytes of a SipHash-1-3 of both, where the texts took 40 bytes; checked against the
/// name `list_names` holds, since two names may share a hash.
fn hashed_key(scope: u32, name: &str) -> Vec<u8> {
    let mut hasher = siphasher::sip::SipHasher13::new();
    hasher.write(&scope.to_be_bytes());
    hasher.write(name.as_bytes());
    hasher.finish().to_be_bytes().to_vec()
}

/// The key of a name whose hash another name of its scope has (about one pair in 2^64).
fn full_key(scope: u32, name: &str) -> Vec<u8> {
    [&[0xFF][..], &scope.to_be_bytes(), name.as_bytes()].concat()
}

/// The id of a scope of listed names (a table's name; `top/<project id>` for pageviews top
/// lists): the id of its text in `series_parts`.
pub(crate) fn scope_id(tables: &Tables, wtxn: &mut RwTxn, scope: &str) -> StoreResult<u32> {
    KeyTexts::new(tables).give(wtxn, scope)
}

/// The id of a listed name of the scope with id `scope`, given one when it is new.
pub(crate) fn name_id(
    tables: &Tables,
    wtxn: &mut RwTxn,
    scope: u32,
    name: &str,
) -> StoreResult<u32> {
    scoped_name_id(tables, wtxn, scope, name, hashed_key)
}

/// The id of `name` in the scope with id `scope`: under its hashed key, or under its full
/// key when another name holds that one (keys are never deleted, so a name whose hashed key
/// is free has no id yet).
fn scoped_name_id(
    tables: &Tables,
    wtxn: &mut RwTxn,
    scope: u32,
    name: &str,
    hash: fn(u32, &str) -> Vec<u8>,
) -> StoreResult<u32> {
    for key in [hash(scope, name), full_key(scope, name)] {
        let Some(id) = tables.list_ids.get(wtxn, &key).map_err(engine)? else {
            return new_name(tables, wtxn, &key, name);
        };
        let id = u32_value(id, "list name id")?;
        let held = tables.list_names.get(wtxn, &id.to_be_bytes()).map_err(engine)?;
        if held == Some(name.as_bytes()) {
            return Ok(id);
        }
    }
    Err(StoreError::Limit(format!("list name {name:?}: its hashed and full keys are both taken")))
}

fn new_name(tables: &Tables, wtxn: &mut RwTxn, key: &[u8], name: &str) -> StoreResult<u32> {
    let id = match tables.meta.get(wtxn, META_NEXT_NAME).map_err(engine)? {
        Some(bytes) => u32_value(bytes, "next list name")?,
        None => 0,
    };
    let next = id.checked_add(1).ok_or_else(|| StoreError::Limit("list names exhausted".into()))?;
    tables.meta.put(wtxn, META_NEXT_NAME, &next.to_be_bytes()).map_err(engine)?;
    tables.list_ids.put(wtxn, key, &id.to_be_bytes()).map_err(engine)?;
    tables.list_names.put(wtxn, &id.to_be_bytes(), name.as_bytes()).map_err(engine)?;
    Ok(id)
}

/// A stored list: its entries by name.
pub(crate) type List = BTreeMap<String, Numbers>;

/// The ids of the names a write has looked up, so that a name in many lists of one write
/// is looked up once.
pub(crate) type NameIds = std::collections::HashMap<String, u32>;

/// A list's value; `scope` is the id of the table's name (`series_parts`).
pub(crate) fn encode(
    tables: &Tables,
    wtxn: &mut RwTxn,
    table: &TableDef,
    scope: u32,
    list: &List,
    known: &mut NameIds,
) -> StoreResult<Vec<u8>> {
    let width = table.values.len();
    let mut by_id = Vec::with_capacity(list.len());
    for (name, values) in list {
        let id = match known.get(name) {
            Some(id) => *id,
            None => {
                let id = name_id(tables, wtxn, scope, name)?;
                known.insert(name.clone(), id);
                id
            }
        };
        by_id.push((id, values));
    }
    by_id.sort_unstable_by_key(|(id, _)| *id);
    let mut out = Vec::with_capacity(8 * list.len());
    put_varint(&mut out, list.len() as u64);
    let mut previous = 0;
    for (id, values) in by_id {
        put_varint(&mut out, (id - previous).into());
        previous = id;
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
    let count = r.varint()?;
    let mut entries = Vec::with_capacity(count.min(1 << 16) as usize);
    let mut id = 0u32;
    for _ in 0..count {
        let step = u32::try_from(r.varint()?).map_err(|_| corrupt("list name id"))?;
        id = id.checked_add(step).ok_or_else(|| corrupt("list name id"))?;
        let name = name_of(tables, txn, id)?;
        let mut values = Numbers::default();
        for v in values.0.iter_mut().take(width) {
            *v = r.varint()?;
        }
        entries.push((name, values));
    }
    if !r.is_empty() {
        return Err(corrupt("trailing bytes after a list"));
    }
    // In id order, names come unsorted: sorted once, the map is built in one pass.
    entries.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    Ok(entries.into_iter().collect())
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
    name_of(tables, txn, id)
}

fn name_of(tables: &Tables, txn: &RoTxn, id: u32) -> StoreResult<String> {
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
    fn names_sharing_a_hash_get_ids_of_their_own() {
        let (_dir, store) = crate::test_store();
        let tables = &store.inner.tables;
        let same = |_: u32, _: &str| vec![7u8; 8];
        let mut wtxn = store.inner.env.write_txn().unwrap();
        let id = |wtxn: &mut RwTxn, scope, name| scoped_name_id(tables, wtxn, scope, name, same);
        let a = id(&mut wtxn, 1, "a").unwrap();
        let b = id(&mut wtxn, 1, "b").unwrap();
        assert_ne!(a, b, "the second name under its full key");
        assert_eq!((id(&mut wtxn, 1, "a").unwrap(), id(&mut wtxn, 1, "b").unwrap()), (a, b));
        let other_scope = id(&mut wtxn, 2, "b").unwrap();
        assert!(![a, b].contains(&other_scope), "scopes apart");
        let c = id(&mut wtxn, 1, "c").unwrap();
        assert!(![a, b, other_scope].contains(&c));
        // A name whose full key is another name's hash (never seen: 2^-64 a pair) is refused.
        let taken = |scope: u32, _: &str| full_key(scope, "z");
        scoped_name_id(tables, &mut wtxn, 3, "y", taken).unwrap();
        let err = scoped_name_id(tables, &mut wtxn, 3, "z", taken).unwrap_err();
        assert!(
            err.to_string().contains("\"z\": its hashed and full keys are both taken"),
            "{err}"
        );
        // The real hash: one id a name, found again.
        let x = name_id(tables, &mut wtxn, 1, "x").unwrap();
        assert_eq!(name_id(tables, &mut wtxn, 1, "x").unwrap(), x);
        assert_eq!(hashed_key(1, "x").len(), 8);
        assert_ne!(hashed_key(1, "x"), hashed_key(2, "x"));
    }

    #[test]
    fn zigzag_round_trips() {
        for n in [0i64, 1, -1, 1000, -1000, i64::MAX / 2, i64::MIN / 2] {
            assert_eq!(unzigzag(zigzag(n)), n);
        }
        assert_eq!(zigzag(0), 0);
        assert_eq!(zigzag(-1), 1);
    }
}

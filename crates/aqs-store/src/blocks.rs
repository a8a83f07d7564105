//! The entries of a segment table (docs/store-format.md, "Blocks of articles").
//!
//! A segment written by this build keeps the articles of one block of ids per LMDB entry: key
//! the block number (article id ÷ 4, u32 BE), value a byte whose bit `i` says article
//! `4 × block + i` is present, then per present article in id order a varint length and its
//! month value. LMDB spends 14 bytes of key, node and pointer per entry: per article that was
//! more than its month of counters in a one-day segment. A read is one `get` of the block's
//! key. Segments written before (`Segment::blocked` false) keep one entry per article, keyed by
//! its id; both are read.

use crate::codec::{Reader, article_id_key, corrupt, put_varint, split_article_id_key};
use crate::{Table, engine};
use aqs_core::error::StoreResult;
use heed::{PutFlags, RoTxn, RwTxn};

/// log2 of the articles of a block: four articles of a month (about 100 bytes each on the
/// generated data) fill about a tenth of a page, so pages stay full and no block needs the
/// overflow pages LMDB gives values past about 2 KB.
const BLOCK_SHIFT: u32 = 2;
const BLOCK_MASK: u32 = (1 << BLOCK_SHIFT) - 1;
/// The article ids of a block.
pub(crate) const BLOCK_IDS: u64 = 1 << BLOCK_SHIFT;

fn block_key(article: u32) -> [u8; 4] {
    article_id_key(article >> BLOCK_SHIFT)
}

/// Appends articles in ascending id order to an empty segment table, with `MDB_APPEND`.
pub(crate) struct Appender {
    table: Table,
    blocked: bool,
    /// The open block's number and present articles, if one is open.
    block: Option<(u32, u8)>,
    last: Option<u32>,
    value: Vec<u8>,
}

impl Appender {
    pub fn new(table: Table, blocked: bool) -> Appender {
        Appender { table, blocked, block: None, last: None, value: Vec::new() }
    }

    pub fn push(&mut self, wtxn: &mut RwTxn, article: u32, bytes: &[u8]) -> StoreResult<()> {
        if !self.blocked {
            let key = article_id_key(article);
            return self.table.put_with_flags(wtxn, PutFlags::APPEND, &key, bytes).map_err(engine);
        }
        if self.last.is_some_and(|last| article <= last) {
            return Err(corrupt("segment articles appended out of order"));
        }
        self.last = Some(article);
        let number = article >> BLOCK_SHIFT;
        if self.block.is_some_and(|(open, _)| open != number) {
            self.flush(wtxn)?;
        }
        let (_, present) = self.block.get_or_insert((number, 0));
        *present |= 1 << (article & BLOCK_MASK);
        put_varint(&mut self.value, bytes.len() as u64);
        self.value.extend_from_slice(bytes);
        Ok(())
    }

    /// Writes the open block; call it before the transaction commits.
    pub fn flush(&mut self, wtxn: &mut RwTxn) -> StoreResult<()> {
        if let Some((number, present)) = self.block.take() {
            let value = block_value(present, &self.value);
            let key = article_id_key(number);
            self.table.put_with_flags(wtxn, PutFlags::APPEND, &key, &value).map_err(engine)?;
            self.value.clear();
        }
        Ok(())
    }
}

/// A block's stored value: the presence byte, then its articles' lengths and values.
fn block_value(present: u8, articles: &[u8]) -> Vec<u8> {
    let mut value = Vec::with_capacity(1 + articles.len());
    value.push(present);
    value.extend_from_slice(articles);
    value
}

/// Deletes from a segment table the articles `gone` picks among those of the entries holding
/// ids from `from` to `until` (exclusive): an entry left empty is deleted, another written
/// again without them. Each removed article's value goes to `removed`. Stops after `limit`
/// entries; returns the entries read and the id to go on from, if any may be left.
pub(crate) fn remove_articles(
    table: &Table,
    wtxn: &mut RwTxn,
    (from, until, blocked): (u32, u32, bool),
    gone: &dyn Fn(u32) -> bool,
    limit: usize,
    removed: &mut dyn FnMut(&[u8]) -> StoreResult<()>,
) -> StoreResult<(usize, Option<u32>)> {
    if from >= until {
        return Ok((0, None));
    }
    let (first, last) = (start_key(from, blocked), start_key(until - 1, blocked));
    let range = (std::ops::Bound::Included(&first[..]), std::ops::Bound::Included(&last[..]));
    let mut stored: Vec<(Vec<u8>, Vec<u8>)> = Vec::new();
    for entry in table.range(wtxn, &range).map_err(engine)? {
        let (key, value) = entry.map_err(engine)?;
        stored.push((key.to_vec(), value.to_vec()));
        if stored.len() == limit {
            break;
        }
    }
    let mut articles = Vec::new();
    for (key, value) in &stored {
        entries(key, value, blocked, &mut articles)?;
        if !articles.iter().any(|(a, _)| gone(*a)) {
            continue;
        }
        let (mut present, mut kept) = (0u8, Vec::new());
        for &(article, bytes) in &articles {
            if gone(article) {
                removed(bytes)?;
            } else {
                present |= 1 << (article & BLOCK_MASK);
                put_varint(&mut kept, bytes.len() as u64);
                kept.extend_from_slice(bytes);
            }
        }
        match present {
            0 => table.delete(wtxn, key).map(drop),
            _ => table.put(wtxn, key, &block_value(present, &kept)),
        }
        .map_err(engine)?;
    }
    // The next entry's first id (a block's articles all come after its key's).
    let next = match (stored.len() == limit, stored.last()) {
        (true, Some((key, _))) => {
            let n = split_article_id_key(key)?;
            let next =
                if blocked { (n + 1).checked_mul(1 << BLOCK_SHIFT) } else { n.checked_add(1) };
            next.filter(|n| *n < until)
        }
        _ => None,
    };
    Ok((stored.len(), next))
}

/// The articles of one stored entry: (article, value) in id order.
pub(crate) fn entries<'a>(
    key: &[u8],
    value: &'a [u8],
    blocked: bool,
    out: &mut Vec<(u32, &'a [u8])>,
) -> StoreResult<()> {
    out.clear();
    let first = split_article_id_key(key)?;
    if !blocked {
        out.push((first, value));
        return Ok(());
    }
    let base = first.checked_mul(1 << BLOCK_SHIFT).ok_or_else(|| corrupt("block number"))?;
    let mut r = Reader::new(value);
    let present = r.bytes(1)?[0];
    if present == 0 || u32::from(present) >> (1 << BLOCK_SHIFT) != 0 {
        return Err(corrupt("a block's articles"));
    }
    for i in 0..1u32 << BLOCK_SHIFT {
        if present & 1 << i != 0 {
            let len = usize::try_from(r.varint()?).map_err(|_| corrupt("block value length"))?;
            out.push((base + i, r.bytes(len)?));
        }
    }
    if !r.is_empty() {
        return Err(corrupt("trailing bytes after a block"));
    }
    Ok(())
}

/// The stored value of `article` in a segment table.
pub(crate) fn get<'t>(
    table: &Table,
    txn: &'t RoTxn,
    article: u32,
    blocked: bool,
) -> StoreResult<Option<&'t [u8]>> {
    if !blocked {
        return table.get(txn, &article_id_key(article)).map_err(engine);
    }
    let Some(value) = table.get(txn, &block_key(article)).map_err(engine)? else {
        return Ok(None);
    };
    let mut r = Reader::new(value);
    let present = r.bytes(1)?[0];
    let slot = article & BLOCK_MASK;
    if present & 1 << slot == 0 {
        return Ok(None);
    }
    for i in 0..slot {
        if present & 1 << i != 0 {
            let len = usize::try_from(r.varint()?).map_err(|_| corrupt("block value length"))?;
            r.bytes(len)?;
        }
    }
    let len = usize::try_from(r.varint()?).map_err(|_| corrupt("block value length"))?;
    Ok(Some(r.bytes(len)?))
}

/// The key of the first entry to read for articles from `article` on: the block holding it.
pub(crate) fn start_key(article: u32, blocked: bool) -> [u8; 4] {
    match blocked {
        true => block_key(article),
        false => article_id_key(article),
    }
}

/// The highest article id in a segment table (0 when empty).
pub(crate) fn last_article(table: &Table, txn: &RoTxn, blocked: bool) -> StoreResult<u32> {
    let Some((key, value)) = table.last(txn).map_err(engine)? else { return Ok(0) };
    let mut found = Vec::new();
    entries(key, value, blocked, &mut found)?;
    Ok(found.last().map_or(0, |(id, _)| *id))
}

/// How many articles a segment table holds.
#[cfg(test)]
pub(crate) fn articles(table: &Table, txn: &RoTxn, blocked: bool) -> u64 {
    let mut found = Vec::new();
    let mut count = 0;
    for entry in table.iter(txn).unwrap() {
        let (key, value) = entry.unwrap();
        entries(key, value, blocked, &mut found).unwrap();
        count += found.len() as u64;
    }
    count
}

/// Deletes the entries holding only articles below `end`: the block holding `end` stays
/// (the merge that deletes them reads the rest of it next).
pub(crate) fn delete_below(
    table: &Table,
    wtxn: &mut RwTxn,
    end: u32,
    blocked: bool,
) -> StoreResult<()> {
    let upper = start_key(end, blocked);
    let range = (std::ops::Bound::Unbounded, std::ops::Bound::Excluded(&upper[..]));
    table.delete_range(wtxn, &range).map_err(engine)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn value(article: u32) -> Vec<u8> {
        vec![article as u8; (article % 7) as usize + 1]
    }

    #[test]
    fn blocks_and_single_entries_read_alike_and_deletes_keep_straddling_blocks() {
        let dir = tempfile::tempdir().unwrap();
        let options = crate::StoreOptions { map_size: 1 << 26, ..Default::default() };
        let store = crate::EmbeddedStore::open_with(dir.path(), &options).unwrap();
        let env = &store.inner.env;
        let mut wtxn = env.write_txn().unwrap();
        let ids: Vec<u32> = (0..100).map(|i| i * 3 + 1).collect();
        let mut tables = Vec::new();
        for (name, blocked) in [("blocked", true), ("single", false)] {
            let table: Table = env.create_database(&mut wtxn, Some(name)).unwrap();
            let mut appender = Appender::new(table, blocked);
            for &id in &ids {
                appender.push(&mut wtxn, id, &value(id)).unwrap();
            }
            assert!(blocked || appender.push(&mut wtxn, 1, b"x").is_err(), "order is checked");
            appender.flush(&mut wtxn).unwrap();
            tables.push((table, blocked));
        }
        let (blocked, single) = (tables[0].0, tables[1].0);
        assert_eq!(blocked.len(&wtxn).unwrap(), 75, "ids 1, 4, 7, … in blocks of four ids");
        assert_eq!(single.len(&wtxn).unwrap(), 100);
        for (table, is_blocked) in [(blocked, true), (single, false)] {
            for id in 0..310 {
                let expected = ids.contains(&id).then(|| value(id));
                let found = get(&table, &wtxn, id, is_blocked).unwrap().map(<[u8]>::to_vec);
                assert_eq!(found, expected, "article {id}");
            }
            assert_eq!(last_article(&table, &wtxn, is_blocked).unwrap(), 298);
            assert_eq!(articles(&table, &wtxn, is_blocked), 100);
        }
        // Below 101: the block of 100..103 (100 and 103) stays whole.
        delete_below(&blocked, &mut wtxn, 101, true).unwrap();
        assert!(get(&blocked, &wtxn, 100, true).unwrap().is_some());
        assert!(get(&blocked, &wtxn, 97, true).unwrap().is_none());
        assert_eq!(articles(&blocked, &wtxn, true), 67);
        delete_below(&single, &mut wtxn, 101, false).unwrap();
        assert_eq!(articles(&single, &wtxn, false), 66);
    }

    #[test]
    fn removed_articles_go_and_their_block_neighbours_stay() {
        let (_dir, store) = crate::test_store();
        let env = &store.inner.env;
        let mut wtxn = env.write_txn().unwrap();
        let ids: Vec<u32> = (0..100).map(|i| i * 3 + 1).collect();
        for (name, blocked) in [("blocked", true), ("single", false)] {
            let table: Table = env.create_database(&mut wtxn, Some(name)).unwrap();
            let mut appender = Appender::new(table, blocked);
            for &id in &ids {
                appender.push(&mut wtxn, id, &value(id)).unwrap();
            }
            appender.flush(&mut wtxn).unwrap();
            // The even ids from 10 to 39 go, three entries at a time.
            let gone = |id: u32| (10..40).contains(&id) && id % 2 == 0;
            let (mut at, mut removed, mut calls) = (Some(10), Vec::new(), 0);
            while let Some(from) = at {
                let mut note = |bytes: &[u8]| {
                    removed.push(bytes.to_vec());
                    Ok(())
                };
                let done =
                    remove_articles(&table, &mut wtxn, (from, 40, blocked), &gone, 3, &mut note);
                at = done.unwrap().1;
                calls += 1;
            }
            let want: Vec<Vec<u8>> = ids.iter().filter(|i| gone(**i)).map(|i| value(*i)).collect();
            assert_eq!(removed, want, "{name}");
            assert!(calls > 1, "{name}: the limit cuts the work up");
            for id in 0..310 {
                let expected = (ids.contains(&id) && !gone(id)).then(|| value(id));
                let found = get(&table, &wtxn, id, blocked).unwrap().map(<[u8]>::to_vec);
                assert_eq!(found, expected, "{name}: article {id}");
            }
            assert_eq!(articles(&table, &wtxn, blocked), 100 - want.len() as u64);
        }
    }

    #[test]
    fn damaged_blocks_are_errors() {
        let mut out = Vec::new();
        let key = 5u32.to_be_bytes();
        assert!(entries(&key, &[0b1, 5, 1], true, &mut out).is_err(), "truncated value");
        assert!(entries(&key, &[0b1, 1, 9, 7], true, &mut out).is_err(), "trailing bytes");
        assert!(entries(&key, &[0], true, &mut out).is_err(), "no article");
        assert!(entries(&key, &[0b1_0000], true, &mut out).is_err(), "a fifth article");
        assert!(entries(&key, &[], true, &mut out).is_err(), "empty");
        entries(&key, &[0b101, 1, 9, 0], true, &mut out).unwrap();
        assert_eq!(out, vec![(20, &[9u8][..]), (22, &[][..])]);
    }
}

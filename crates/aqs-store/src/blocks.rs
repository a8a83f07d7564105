//! The entries of a segment table (docs/store-format.md, "Blocks of articles").
//!
//! A segment written by this build keeps the articles of one block of ids per LMDB entry: key
//! the block number (article id ÷ the block's ids, u32 BE), value the block's presence mask
//! (one byte for up to eight ids, four for 32; little-endian) whose bit `i` says article
//! `first id of the block + i` is present, then per present article in id order a varint
//! length and its month value. LMDB spends 14 bytes of key, node and pointer per entry: per
//! article that was more than its month of counters in a one-day segment. A read is one `get`
//! of the block's key. A segment's block size is its [`Shift`] (log2 of its ids); segments
//! written before blocks (shift 0) keep one entry per article, keyed by its id; all are read.

use crate::codec::{Reader, article_id_key, corrupt, put_varint, split_article_id_key};
use crate::{Table, engine};
use aqs_core::error::StoreResult;
use heed::{PutFlags, RoTxn, RwTxn};

/// log2 of the article ids of a segment's blocks; 0: one entry per article.
pub(crate) type Shift = u8;

/// Per-article pageviews: four articles of a month (about 100 bytes each on the generated
/// data) fill about a tenth of a page, so pages stay full and no block needs the overflow
/// pages LMDB gives values past about 2 KB.
pub(crate) const ARTICLE_SHIFT: Shift = 2;

/// The MediaWiki history's entity tables (per page, per editor): a name's month is about 12
/// bytes in a sparse history and few of a block's names have one, so blocks of 32 ids spread
/// LMDB's 14 bytes an entry over several names (a quarter less stored on the sparse generated
/// history). Media requests per file keep four: a file's month is an article's size.
pub(crate) const HISTORY_SHIFT: Shift = 5;

/// The bytes of a block's presence mask.
fn presence_len(shift: Shift) -> usize {
    ((1usize << shift) / 8).max(1)
}

/// The articles of a block of `shift` as a mask of as many bits.
fn all_present(shift: Shift) -> u64 {
    (1u64 << (1u32 << shift)) - 1
}

fn block_key(article: u32, shift: Shift) -> [u8; 4] {
    article_id_key(article >> shift)
}

/// A block's presence mask, from the start of its value.
fn read_presence(r: &mut Reader<'_>, shift: Shift) -> StoreResult<u32> {
    let mut mask = [0u8; 4];
    let len = presence_len(shift);
    mask[..len].copy_from_slice(r.bytes(len)?);
    let present = u32::from_le_bytes(mask);
    if present == 0 || u64::from(present) & !all_present(shift) != 0 {
        return Err(corrupt("a block's articles"));
    }
    Ok(present)
}

/// Appends articles in ascending id order to an empty segment table, with `MDB_APPEND`.
pub(crate) struct Appender {
    table: Table,
    shift: Shift,
    /// The open block's number and present articles, if one is open.
    block: Option<(u32, u32)>,
    last: Option<u32>,
    value: Vec<u8>,
}

impl Appender {
    pub fn new(table: Table, shift: Shift) -> Appender {
        Appender { table, shift, block: None, last: None, value: Vec::new() }
    }

    pub fn push(&mut self, wtxn: &mut RwTxn, article: u32, bytes: &[u8]) -> StoreResult<()> {
        if self.shift == 0 {
            let key = article_id_key(article);
            return self.table.put_with_flags(wtxn, PutFlags::APPEND, &key, bytes).map_err(engine);
        }
        if self.last.is_some_and(|last| article <= last) {
            return Err(corrupt("segment articles appended out of order"));
        }
        self.last = Some(article);
        let number = article >> self.shift;
        if self.block.is_some_and(|(open, _)| open != number) {
            self.flush(wtxn)?;
        }
        let (_, present) = self.block.get_or_insert((number, 0));
        *present |= 1 << (article & ((1 << self.shift) - 1));
        put_varint(&mut self.value, bytes.len() as u64);
        self.value.extend_from_slice(bytes);
        Ok(())
    }

    /// Writes the open block; call it before the transaction commits.
    pub fn flush(&mut self, wtxn: &mut RwTxn) -> StoreResult<()> {
        if let Some((number, present)) = self.block.take() {
            let value = block_value(present, self.shift, &self.value);
            let key = article_id_key(number);
            self.table.put_with_flags(wtxn, PutFlags::APPEND, &key, &value).map_err(engine)?;
            self.value.clear();
        }
        Ok(())
    }
}

/// A block's stored value: the presence mask, then its articles' lengths and values.
fn block_value(present: u32, shift: Shift, articles: &[u8]) -> Vec<u8> {
    let len = presence_len(shift);
    let mut value = Vec::with_capacity(len + articles.len());
    value.extend_from_slice(&present.to_le_bytes()[..len]);
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
    (from, until, shift): (u32, u32, Shift),
    gone: &dyn Fn(u32) -> bool,
    limit: usize,
    removed: &mut dyn FnMut(&[u8]) -> StoreResult<()>,
) -> StoreResult<(usize, Option<u32>)> {
    if from >= until {
        return Ok((0, None));
    }
    let (first, last) = (start_key(from, shift), start_key(until - 1, shift));
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
        entries(key, value, shift, &mut articles)?;
        if !articles.iter().any(|(a, _)| gone(*a)) {
            continue;
        }
        let (mut present, mut kept) = (0u32, Vec::new());
        for &(article, bytes) in &articles {
            if gone(article) {
                removed(bytes)?;
            } else {
                present |= 1 << (article & ((1 << shift) - 1));
                put_varint(&mut kept, bytes.len() as u64);
                kept.extend_from_slice(bytes);
            }
        }
        match present {
            0 => table.delete(wtxn, key).map(drop),
            _ => table.put(wtxn, key, &block_value(present, shift, &kept)),
        }
        .map_err(engine)?;
    }
    // The next entry's first id (a block's articles all come after its key's).
    let next = match (stored.len() == limit, stored.last()) {
        (true, Some((key, _))) => {
            let n = u64::from(split_article_id_key(key)?);
            u32::try_from((n + 1) << shift).ok().filter(|n| *n < until)
        }
        _ => None,
    };
    Ok((stored.len(), next))
}

/// The articles of one stored entry: (article, value) in id order.
pub(crate) fn entries<'a>(
    key: &[u8],
    value: &'a [u8],
    shift: Shift,
    out: &mut Vec<(u32, &'a [u8])>,
) -> StoreResult<()> {
    out.clear();
    let first = split_article_id_key(key)?;
    if shift == 0 {
        out.push((first, value));
        return Ok(());
    }
    let base = u32::try_from(u64::from(first) << shift).map_err(|_| corrupt("block number"))?;
    let mut r = Reader::new(value);
    let present = read_presence(&mut r, shift)?;
    for i in 0..1u32 << shift {
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
    shift: Shift,
) -> StoreResult<Option<&'t [u8]>> {
    if shift == 0 {
        return table.get(txn, &article_id_key(article)).map_err(engine);
    }
    let Some(value) = table.get(txn, &block_key(article, shift)).map_err(engine)? else {
        return Ok(None);
    };
    let mut r = Reader::new(value);
    let present = read_presence(&mut r, shift)?;
    let slot = article & ((1 << shift) - 1);
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
pub(crate) fn start_key(article: u32, shift: Shift) -> [u8; 4] {
    match shift {
        0 => article_id_key(article),
        _ => block_key(article, shift),
    }
}

/// The highest article id in a segment table (0 when empty).
pub(crate) fn last_article(table: &Table, txn: &RoTxn, shift: Shift) -> StoreResult<u32> {
    let Some((key, value)) = table.last(txn).map_err(engine)? else { return Ok(0) };
    let mut found = Vec::new();
    entries(key, value, shift, &mut found)?;
    Ok(found.last().map_or(0, |(id, _)| *id))
}

/// How many articles a segment table holds.
#[cfg(test)]
pub(crate) fn articles(table: &Table, txn: &RoTxn, shift: Shift) -> u64 {
    let mut found = Vec::new();
    let mut count = 0;
    for entry in table.iter(txn).unwrap() {
        let (key, value) = entry.unwrap();
        entries(key, value, shift, &mut found).unwrap();
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
    shift: Shift,
) -> StoreResult<()> {
    let upper = start_key(end, shift);
    let range = (std::ops::Bound::Unbounded, std::ops::Bound::Excluded(&upper[..]));
    table.delete_range(wtxn, &range).map_err(engine)?;
    Ok(())
}

/// For tests: rewrites every segment with blocks of `shift` (0: one entry per article), as
/// older builds wrote them.
#[cfg(test)]
pub(crate) fn rewrite_segments(store: &crate::EmbeddedStore, shift: Shift) {
    store.refresh_slots().unwrap();
    let opened = store.inner.slots.opened();
    let mut wtxn = store.inner.env.write_txn().unwrap();
    let mut state = crate::write::WriteState::read(&store.inner.tables, &wtxn).unwrap();
    for segment in &mut state.manifest.segments {
        let table = opened[segment.slot as usize];
        let mut rows: Vec<(u32, Vec<u8>)> = Vec::new();
        let mut found = Vec::new();
        for entry in table.iter(&wtxn).unwrap() {
            let (key, value) = entry.unwrap();
            entries(key, value, segment.shift, &mut found).unwrap();
            rows.extend(found.iter().map(|(id, v)| (*id, v.to_vec())));
        }
        table.clear(&mut wtxn).unwrap();
        let mut appender = Appender::new(table, shift);
        for (id, value) in rows {
            appender.push(&mut wtxn, id, &value).unwrap();
        }
        appender.flush(&mut wtxn).unwrap();
        segment.shift = shift;
    }
    store.commit(wtxn, &state, None).unwrap();
}

#[cfg(test)]
mod tests {
    use super::*;

    fn value(article: u32) -> Vec<u8> {
        vec![article as u8; (article % 7) as usize + 1]
    }

    /// The ids of the tests below: 1, 4, 7, … 298.
    fn ids() -> Vec<u32> {
        (0..100).map(|i| i * 3 + 1).collect()
    }

    /// A new table `name` holding [`ids`] in blocks of `shift`.
    fn filled(
        env: &heed::Env<heed::WithoutTls>,
        wtxn: &mut RwTxn,
        name: &str,
        shift: Shift,
    ) -> Table {
        let table: Table = env.create_database(wtxn, Some(name)).unwrap();
        let mut appender = Appender::new(table, shift);
        for id in ids() {
            appender.push(wtxn, id, &value(id)).unwrap();
        }
        let refused = appender.push(wtxn, 1, b"x").is_err();
        assert!(refused, "{name}: order is checked");
        appender.flush(wtxn).unwrap();
        table
    }

    #[test]
    fn blocks_and_single_entries_read_alike_and_deletes_keep_straddling_blocks() {
        let (_dir, store) = crate::test_store();
        let env = &store.inner.env;
        let mut wtxn = env.write_txn().unwrap();
        let ids = ids();
        for (name, shift, entries) in [("four", 2, 75), ("single", 0, 100), ("wide", 5, 10)] {
            let table = filled(env, &mut wtxn, name, shift);
            assert_eq!(table.len(&wtxn).unwrap(), entries, "{name}: ids 1, 4, 7, … in blocks");
            for id in 0..310 {
                let expected = ids.contains(&id).then(|| value(id));
                let found = get(&table, &wtxn, id, shift).unwrap().map(<[u8]>::to_vec);
                assert_eq!(found, expected, "{name}: article {id}");
            }
            assert_eq!(last_article(&table, &wtxn, shift).unwrap(), 298);
            assert_eq!(articles(&table, &wtxn, shift), 100);
            // Below 101: the block holding 101 stays whole (of four ids: 100 and 103).
            delete_below(&table, &mut wtxn, 101, shift).unwrap();
            let kept = ids.iter().filter(|id| **id >> shift >= 101 >> shift).count() as u64;
            assert_eq!(articles(&table, &wtxn, shift), kept, "{name}");
            assert_eq!(get(&table, &wtxn, 100, shift).unwrap().is_some(), shift > 0, "{name}");
            assert!(get(&table, &wtxn, 1, shift).unwrap().is_none(), "{name}");
        }
    }

    #[test]
    fn removed_articles_go_and_their_block_neighbours_stay() {
        let (_dir, store) = crate::test_store();
        let env = &store.inner.env;
        let mut wtxn = env.write_txn().unwrap();
        let ids = ids();
        for (name, shift) in [("four", 2), ("single", 0), ("wide", 5)] {
            let table = filled(env, &mut wtxn, name, shift);
            // The even ids from 10 to 39 go, three entries at a time.
            let gone = |id: u32| (10..40).contains(&id) && id % 2 == 0;
            let (mut at, mut removed, mut calls) = (Some(10), Vec::new(), 0);
            while let Some(from) = at {
                let mut note = |bytes: &[u8]| {
                    removed.push(bytes.to_vec());
                    Ok(())
                };
                let done =
                    remove_articles(&table, &mut wtxn, (from, 40, shift), &gone, 3, &mut note);
                at = done.unwrap().1;
                calls += 1;
            }
            let want: Vec<Vec<u8>> = ids.iter().filter(|i| gone(**i)).map(|i| value(*i)).collect();
            assert_eq!(removed, want, "{name}");
            assert!(calls > 1 || shift == 5, "{name}: the limit cuts the work up");
            for id in 0..310 {
                let expected = (ids.contains(&id) && !gone(id)).then(|| value(id));
                let found = get(&table, &wtxn, id, shift).unwrap().map(<[u8]>::to_vec);
                assert_eq!(found, expected, "{name}: article {id}");
            }
            assert_eq!(articles(&table, &wtxn, shift), 100 - want.len() as u64);
        }
    }

    #[test]
    fn damaged_blocks_are_errors() {
        let mut out = Vec::new();
        let key = 5u32.to_be_bytes();
        assert!(entries(&key, &[0b1, 5, 1], 2, &mut out).is_err(), "truncated value");
        assert!(entries(&key, &[0b1, 1, 9, 7], 2, &mut out).is_err(), "trailing bytes");
        assert!(entries(&key, &[0], 2, &mut out).is_err(), "no article");
        assert!(entries(&key, &[0b1_0000], 2, &mut out).is_err(), "a fifth article");
        assert!(entries(&key, &[], 2, &mut out).is_err(), "empty");
        entries(&key, &[0b101, 1, 9, 0], 2, &mut out).unwrap();
        assert_eq!(out, vec![(20, &[9u8][..]), (22, &[][..])]);
        // Blocks of 32 ids: a mask of four bytes.
        assert!(entries(&key, &[1, 0, 0], 5, &mut out).is_err(), "a short mask");
        entries(&key, &[0, 0, 0, 0x80, 1, 7], 5, &mut out).unwrap();
        assert_eq!(out, vec![(5 * 32 + 31, &[7u8][..])]);
        let key = u32::MAX.to_be_bytes();
        assert!(entries(&key, &[1, 0, 0, 0, 0], 5, &mut out).is_err(), "a block past 2^32 ids");
    }
}

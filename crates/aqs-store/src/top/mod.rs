//! Pageviews top lists (the `top` table; docs/store-format.md, "Top lists").
//!
//! `u8` kind, then varint entry count and per entry, in list order, the entry's title as a
//! varint id, its rank less its position (from 1) and its views less the previous entry's
//! (zigzag varints; the first entry's views as they are):
//!
//! * kind 4, what a load writes: the value is `4`, a varint count of continuation parts, a
//!   flags byte and then the list; the ids are dictionary article ids, whose titles are in the
//!   store's names file (`dictionary/names.rs`). Flag 4: the ranks are SQL `rank()` by views
//!   (ties share a rank, the next skips: what loads write), flag 1: every rank is its
//!   position; with either, no rank is stored. Flag 2: views never rise, and each entry stores
//!   the fall as a plain varint. A
//!   list longer than [`PART`] bytes continues in values under the key ‖ part number (u16 BE),
//!   each of at most [`PART`] bytes: one full LMDB overflow page, where a 4.5 KB list in one
//!   value took two pages and left half of the second empty.
//! * kind 3: as kind 2, but with `list_names` holding the titles under `0xFF ‖ article id`
//!   (u32 BE), written before the names file; still read.
//! * kind 2: the id is one of `list_names` (scope `top/<project id>`, through `list_ids`), for
//!   lists naming a title the dictionary does not hold (an imported top list).
//! * kind 1: the legacy row whose `articles` text is not JSON; kind 0: titles inline, what
//!   stores wrote before kind 2, still read.

use crate::codec::{Reader, corrupt, put_varint};
use crate::dictionary::file::Dictionary;
use crate::dictionary::names::Names;
use crate::ranked::{name_id, read_name, unzigzag, zigzag};
use crate::write::WriteState;
use crate::{Tables, engine};
use aqs_core::error::{StoreError, StoreResult};
use aqs_core::pageviews::{TopArticles, TopEntry};
use heed::{RoTxn, RwTxn};
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

/// The most bytes of one stored value of a list: what fills one 4 KiB LMDB overflow page
/// after its 16-byte header.
pub(crate) const PART: usize = 4080;
const RANKS_ARE_POSITIONS: u8 = 1;
const VIEWS_FALL: u8 = 2;
const RANKS_BY_VIEWS: u8 = 4;
const RANKS_OMITTED: u8 = RANKS_ARE_POSITIONS | RANKS_BY_VIEWS;

/// The rank of entry `i` under SQL `rank()` by views (what loads write: ties share a rank,
/// the next one skips), given the entry before it.
fn rank_by_views(i: usize, views: u64, previous: Option<(u64, u32)>) -> u32 {
    match previous {
        Some((previous_views, rank)) if previous_views == views => rank,
        _ => i as u32 + 1,
    }
}

/// The `list_names` key of a listed article's title (kind 3).
fn title_key(article: u32) -> [u8; 5] {
    let id = article.to_be_bytes();
    [0xFF, id[0], id[1], id[2], id[3]]
}

fn part_key(key: &[u8], part: u16) -> Vec<u8> {
    let mut k = key.to_vec();
    k.extend_from_slice(&part.to_be_bytes());
    k
}

/// The names a write's top lists bring: titles the names file lacks, by article id.
pub(crate) struct TopNames {
    old: Arc<Names>,
    new: BTreeMap<u32, Vec<u8>>,
}

impl TopNames {
    pub fn new(old: Arc<Names>) -> TopNames {
        TopNames { old, new: BTreeMap::new() }
    }

    fn note(&mut self, id: u32, title: &str) -> StoreResult<()> {
        if !self.new.contains_key(&id) && self.old.get(id)?.is_none() {
            self.new.insert(id, title.as_bytes().to_vec());
        }
        Ok(())
    }

    /// Writes the next names file when the lists named new titles, and names it in `state`
    /// (saved by the caller's commit, after which the old file goes).
    pub fn finish(self, store: &Path, state: &mut WriteState) -> StoreResult<()> {
        if !self.new.is_empty() {
            state.names = self.old.write_next(store, &self.new)?;
            state.retired_names = Some(self.old.number);
        }
        Ok(())
    }
}

/// Stores `articles` under `key`, replacing what was there.
pub(crate) fn put(
    tables: &Tables,
    wtxn: &mut RwTxn,
    (project, dictionary, names): (u16, &Dictionary, &mut TopNames),
    key: &[u8],
    articles: &TopArticles,
) -> StoreResult<()> {
    if let Some(old) = tables.top.get(wtxn, key).map_err(engine)? {
        let parts = continuation_parts(old)?;
        for part in 1..=parts {
            tables.top.delete(wtxn, &part_key(key, part)).map_err(engine)?;
        }
    }
    let value = encode(tables, wtxn, (project, dictionary, names), articles)?;
    let Some(list) = value.strip_prefix(&[4]) else {
        return tables.top.put(wtxn, key, &value).map_err(engine);
    };
    let first = PART - 4;
    let parts = list.len().saturating_sub(first).div_ceil(PART);
    let parts =
        u16::try_from(parts).map_err(|_| StoreError::Limit("a top list over 256 MB".into()))?;
    let mut head = vec![4];
    put_varint(&mut head, parts.into());
    head.extend_from_slice(&list[..list.len().min(first)]);
    tables.top.put(wtxn, key, &head).map_err(engine)?;
    for (i, chunk) in list.get(first..).unwrap_or_default().chunks(PART).enumerate() {
        tables.top.put(wtxn, &part_key(key, i as u16 + 1), chunk).map_err(engine)?;
    }
    Ok(())
}

/// The continuation parts of a stored value (0 but for kind 4).
fn continuation_parts(value: &[u8]) -> StoreResult<u16> {
    let mut r = Reader::new(value);
    if r.bytes(1)? != [4] {
        return Ok(0);
    }
    u16::try_from(r.varint()?).map_err(|_| corrupt("top list parts"))
}

/// The list stored under `key`.
pub(crate) fn get(
    tables: &Tables,
    txn: &RoTxn,
    names: &Names,
    key: &[u8],
) -> StoreResult<Option<TopArticles>> {
    let Some(value) = tables.top.get(txn, key).map_err(engine)? else { return Ok(None) };
    let parts = continuation_parts(value)?;
    if parts == 0 {
        return decode(tables, txn, names, value).map(Some);
    }
    let mut bytes = value.to_vec();
    for part in 1..=parts {
        let more = tables.top.get(txn, &part_key(key, part)).map_err(engine)?;
        bytes.extend_from_slice(more.ok_or_else(|| corrupt("a top list part is missing"))?);
    }
    decode(tables, txn, names, &bytes).map(Some)
}

/// The value of a list: kind 4 (without its part count) when the dictionary holds every title.
fn encode(
    tables: &Tables,
    wtxn: &mut RwTxn,
    (project, dictionary, names): (u16, &Dictionary, &mut TopNames),
    articles: &TopArticles,
) -> StoreResult<Vec<u8>> {
    let TopArticles::List(entries) = articles else { return Ok(vec![1]) };
    let mut articles = Vec::with_capacity(entries.len());
    for e in entries {
        match dictionary.get(project, e.article.as_bytes())? {
            Some(id) => articles.push(id),
            None => break,
        }
    }
    let by_article = articles.len() == entries.len();
    let scope = match by_article {
        true => 0,
        false => crate::ranked::scope_id(tables, wtxn, &format!("top/{project}"))?,
    };
    let mut out = Vec::with_capacity(2 + 6 * entries.len());
    let mut flags = 0;
    if by_article {
        out.push(4);
        let mut previous = None;
        let by_views = entries.iter().enumerate().all(|(i, e)| {
            let rank = rank_by_views(i, e.views, previous);
            previous = Some((e.views, rank));
            e.rank == rank
        });
        if by_views {
            flags |= RANKS_BY_VIEWS;
        } else if entries.iter().enumerate().all(|(i, e)| e.rank as usize == i + 1) {
            flags |= RANKS_ARE_POSITIONS;
        }
        if entries.windows(2).all(|w| w[0].views >= w[1].views) {
            flags |= VIEWS_FALL;
        }
        out.push(flags);
    } else {
        out.push(2);
    }
    put_varint(&mut out, entries.len() as u64);
    let mut previous = 0i64;
    for (i, e) in entries.iter().enumerate() {
        let id = match by_article {
            true => {
                names.note(articles[i], &e.article)?;
                articles[i]
            }
            false => name_id(tables, wtxn, scope, &e.article)?,
        };
        put_varint(&mut out, id.into());
        if flags & RANKS_OMITTED == 0 {
            put_varint(&mut out, zigzag(i64::from(e.rank) - (i as i64 + 1)));
        }
        let views = i64::try_from(e.views).map_err(|_| {
            StoreError::InvalidWrite(format!("top list views over 2^63: {}", e.views))
        })?;
        put_varint(
            &mut out,
            match (i, flags & VIEWS_FALL != 0) {
                (0, _) => views as u64,
                (_, true) => (previous - views) as u64,
                (_, false) => zigzag(previous - views),
            },
        );
        previous = views;
    }
    Ok(out)
}

fn decode(tables: &Tables, txn: &RoTxn, names: &Names, bytes: &[u8]) -> StoreResult<TopArticles> {
    let mut r = Reader::new(bytes);
    let kind = r.bytes(1)?[0];
    let flags = match kind {
        0 => return crate::pageviews::decode_inline_top(&mut r),
        1 => return Ok(TopArticles::InvalidLegacyJson),
        2 | 3 => 0,
        4 => {
            r.varint()?;
            r.bytes(1)?[0]
        }
        _ => return Err(corrupt("top list kind")),
    };
    let count = r.varint()?;
    let mut entries = Vec::with_capacity(count.min(10_000) as usize);
    let mut previous = 0i64;
    let mut previous_entry = None;
    for i in 0..count {
        let article = match kind {
            2 => read_name(tables, txn, &mut r)?,
            _ => {
                let id = u32::try_from(r.varint()?).map_err(|_| corrupt("top list article"))?;
                let title = match kind {
                    3 => tables.list_names.get(txn, &title_key(id)).map_err(engine)?,
                    _ => names.get(id)?,
                };
                let title =
                    title.ok_or_else(|| corrupt("a top list names an article without a title"))?;
                std::str::from_utf8(title).map_err(|_| corrupt("top list title"))?.to_string()
            }
        };
        let stored_rank = match flags & RANKS_OMITTED {
            0 => Some(unzigzag(r.varint()?) + i as i64 + 1),
            _ => None,
        };
        let views = match (i, flags & VIEWS_FALL != 0) {
            (0, _) => i64::try_from(r.varint()?).map_err(|_| corrupt("top list views"))?,
            (_, true) => {
                previous - i64::try_from(r.varint()?).map_err(|_| corrupt("top list views"))?
            }
            (_, false) => previous - unzigzag(r.varint()?),
        };
        previous = views;
        let views = u64::try_from(views).map_err(|_| corrupt("top list views"))?;
        let rank = match stored_rank {
            Some(rank) => u32::try_from(rank).map_err(|_| corrupt("top list rank"))?,
            None if flags & RANKS_BY_VIEWS != 0 => rank_by_views(i as usize, views, previous_entry),
            None => u32::try_from(i + 1).map_err(|_| corrupt("top list rank"))?,
        };
        previous_entry = Some((views, rank));
        entries.push(TopEntry { article, views, rank });
    }
    if !r.is_empty() {
        return Err(corrupt("trailing bytes after a top list"));
    }
    Ok(TopArticles::List(entries))
}

#[cfg(test)]
mod tests;

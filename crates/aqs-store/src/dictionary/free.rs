//! Article ids and project ids given back ([`crate::reclaim`]) and handed out again.
//!
//! - Free article ids are ranges kept in `meta` (`free_articles`); new titles take the lowest
//!   free id before the next never-used one ([`super::NewIds`]). In `article_projects` a free
//!   range starts with an entry of an empty value (no project), so that a run ends where the
//!   free ids begin.
//! - Free project ids are a list in `meta` (`free_projects`); a new project takes the lowest.
//!   Once any project id has been freed, `next_project` holds the next never-used one (before,
//!   the ids in use are exactly `0..` the number of projects).

use crate::codec::{Reader, corrupt, put_varint};
use crate::{Tables, engine};
use aqs_core::error::{StoreError, StoreResult};
use heed::{RoTxn, RwTxn};

pub(crate) const META_FREE_ARTICLES: &[u8] = b"free_articles";
const META_FREE_PROJECTS: &[u8] = b"free_projects";
const META_NEXT_PROJECT: &[u8] = b"next_project";

/// Ascending, disjoint and non-adjacent ranges `start..end` of ids.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Ranges(pub Vec<(u32, u32)>);

impl Ranges {
    pub fn encode(&self, out: &mut Vec<u8>) {
        put_varint(out, self.0.len() as u64);
        let mut end = 0;
        for &(s, e) in &self.0 {
            put_varint(out, u64::from(s - end));
            put_varint(out, u64::from(e - s));
            end = e;
        }
    }

    pub fn decode(r: &mut Reader) -> StoreResult<Ranges> {
        let count = r.varint()?;
        let mut out = Vec::new();
        let mut end = 0u64;
        for _ in 0..count {
            let start = end + r.varint()?;
            end = start + r.varint()?;
            let (Ok(s), Ok(e)) = (u32::try_from(start), u32::try_from(end)) else {
                return Err(corrupt("id range"));
            };
            if s >= e || out.last().is_some_and(|&(_, last)| last >= s) {
                return Err(corrupt("id ranges out of order"));
            }
            out.push((s, e));
        }
        Ok(Ranges(out))
    }

    /// Adds `start..end`, joining the ranges it touches. Ids added in order (a write numbering
    /// its new titles) extend the last range in place.
    pub fn add(&mut self, start: u32, end: u32) {
        if start >= end {
            return;
        }
        let v = &mut self.0;
        match v.last_mut() {
            Some(last) if last.1 == start => return last.1 = end,
            Some(last) if last.1 < start => return v.push((start, end)),
            None => return v.push((start, end)),
            Some(_) => {}
        }
        let from = v.partition_point(|r| r.1 < start);
        let to = v.partition_point(|r| r.0 <= end);
        let (mut s, mut e) = (start, end);
        if from < to {
            s = s.min(v[from].0);
            e = e.max(v[to - 1].1);
        }
        v.splice(from..to, [(s, e)]);
    }

    /// The ranges without the ids of `other`.
    pub fn without(&self, other: &Ranges) -> Ranges {
        let mut out = Vec::with_capacity(self.0.len());
        for &(mut s, e) in &self.0 {
            let first = other.0.partition_point(|r| r.1 <= s);
            for &(os, oe) in other.0[first..].iter().take_while(|r| r.0 < e) {
                if os > s {
                    out.push((s, os));
                }
                s = s.max(oe);
            }
            if s < e {
                out.push((s, e));
            }
        }
        Ranges(out)
    }

    pub fn contains(&self, id: u32) -> bool {
        let at = self.0.partition_point(|r| r.1 <= id);
        self.0.get(at).is_some_and(|r| r.0 <= id)
    }

    /// The lowest id, taken out.
    pub fn take_first(&mut self) -> Option<u32> {
        let first = self.0.first_mut()?;
        let id = first.0;
        first.0 += 1;
        if first.0 == first.1 {
            self.0.remove(0);
        }
        Some(id)
    }

    pub fn first(&self) -> Option<u32> {
        self.0.first().map(|r| r.0)
    }

    /// How many ids the ranges hold.
    pub fn ids(&self) -> u64 {
        self.0.iter().map(|&(s, e)| u64::from(e - s)).sum()
    }
}

/// The free article ids `meta` records.
pub(crate) fn free_articles(tables: &Tables, txn: &RoTxn) -> StoreResult<Ranges> {
    match tables.meta.get(txn, META_FREE_ARTICLES).map_err(engine)? {
        Some(bytes) => Ranges::decode(&mut Reader::new(bytes)),
        None => Ok(Ranges::default()),
    }
}

pub(crate) fn store_free_articles(
    tables: &Tables,
    wtxn: &mut RwTxn,
    free: &Ranges,
) -> StoreResult<()> {
    let mut bytes = Vec::new();
    free.encode(&mut bytes);
    tables.meta.put(wtxn, META_FREE_ARTICLES, &bytes).map_err(engine)
}

fn free_projects(tables: &Tables, txn: &RoTxn) -> StoreResult<Vec<u16>> {
    let bytes = tables.meta.get(txn, META_FREE_PROJECTS).map_err(engine)?.unwrap_or_default();
    if bytes.len() % 2 != 0 {
        return Err(corrupt("free project ids"));
    }
    Ok(bytes.chunks_exact(2).map(|c| u16::from_be_bytes([c[0], c[1]])).collect())
}

pub(crate) fn free_project_count(tables: &Tables, txn: &RoTxn) -> StoreResult<u64> {
    Ok(free_projects(tables, txn)?.len() as u64)
}

fn store_free_projects(tables: &Tables, wtxn: &mut RwTxn, ids: &[u16]) -> StoreResult<()> {
    let bytes: Vec<u8> = ids.iter().flat_map(|id| id.to_be_bytes()).collect();
    tables.meta.put(wtxn, META_FREE_PROJECTS, &bytes).map_err(engine)
}

/// The next never-used project id.
fn next_project(tables: &Tables, txn: &RoTxn) -> StoreResult<u32> {
    match tables.meta.get(txn, META_NEXT_PROJECT).map_err(engine)? {
        Some(bytes) => crate::u32_value(bytes, "next project"),
        None => Ok(tables.projects.len(txn).map_err(engine)? as u32),
    }
}

/// The id a new project takes: the lowest free one, or the next never used.
pub(crate) fn new_project_id(tables: &Tables, wtxn: &mut RwTxn) -> StoreResult<u16> {
    let mut free = free_projects(tables, wtxn)?;
    if !free.is_empty() {
        let id = free.remove(0);
        store_free_projects(tables, wtxn, &free)?;
        return Ok(id);
    }
    let next = next_project(tables, wtxn)?;
    let id =
        u16::try_from(next).map_err(|_| StoreError::Limit("more than 65536 projects".into()))?;
    tables.meta.put(wtxn, META_NEXT_PROJECT, &(next + 1).to_be_bytes()).map_err(engine)?;
    Ok(id)
}

/// Records the next never-used project id before any `projects` entry is deleted (until then
/// it is the number of entries).
pub(crate) fn keep_next_project(tables: &Tables, wtxn: &mut RwTxn) -> StoreResult<()> {
    let next = next_project(tables, wtxn)?;
    tables.meta.put(wtxn, META_NEXT_PROJECT, &next.to_be_bytes()).map_err(engine)
}

/// Gives project ids back: a later new project takes them.
pub(crate) fn give_back_projects(
    tables: &Tables,
    wtxn: &mut RwTxn,
    ids: &[u16],
) -> StoreResult<()> {
    let mut free = free_projects(tables, wtxn)?;
    free.extend_from_slice(ids);
    free.sort_unstable();
    free.dedup();
    store_free_projects(tables, wtxn, &free)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_join_what_they_touch_and_hand_out_the_lowest_id() {
        let mut r = Ranges::default();
        r.add(10, 20);
        r.add(30, 40);
        r.add(20, 25);
        assert_eq!(r.0, [(10, 25), (30, 40)], "adjacent ranges are one");
        r.add(5, 6);
        r.add(24, 31);
        assert_eq!(r.0, [(5, 6), (10, 40)], "added before the last range");
        let mut appended = Ranges::default();
        for id in [3, 4, 5, 9, 10] {
            appended.add(id, id + 1);
        }
        assert_eq!(appended.0, [(3, 6), (9, 11)], "ids in order extend the last range");
        r.add(7, 7);
        assert_eq!(r.without(&Ranges(vec![(12, 20)])).0, [(5, 6), (10, 12), (20, 40)]);
        assert_eq!(r.without(&Ranges(vec![(0, 10), (39, 99)])).0, [(10, 39)]);
        let holes = Ranges(vec![(1, 6), (11, 12), (15, 17), (38, 45)]);
        assert_eq!(r.without(&holes).0, [(10, 11), (12, 15), (17, 38)]);
        assert_eq!(r.without(&Ranges::default()), r);
        assert_eq!(r.ids(), 31);
        assert!(r.contains(5) && !r.contains(6) && r.contains(10) && r.contains(39));
        assert!(!r.contains(40) && !r.contains(0));
        let mut bytes = Vec::new();
        r.encode(&mut bytes);
        assert_eq!(Ranges::decode(&mut Reader::new(&bytes)).unwrap(), r);
        assert_eq!(r.take_first(), Some(5));
        assert_eq!((r.take_first(), r.first()), (Some(10), Some(11)));
        assert_eq!(r.0, [(11, 40)]);
    }

    #[test]
    fn damaged_ranges_are_errors() {
        for bytes in [&[2u8, 0, 5, 0, 1][..], &[1, 0, 0], &[1, 0xff, 0xff, 0xff, 0xff, 0x1f, 1]] {
            assert!(Ranges::decode(&mut Reader::new(bytes)).is_err(), "{bytes:?}");
        }
    }
}

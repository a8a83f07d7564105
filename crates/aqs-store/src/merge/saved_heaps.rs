//! The top-list candidates a whole-month merge has collected so far, kept in the store when
//! the merge stops between chunks (its budget spent), so that the load that finishes the
//! merge has the whole month's candidates and the month's roll-up never reads the month
//! again (issue 12: the month's last day).
//!
//! Meta key `merge_heaps`: u32 target segment id, u32 the target's `until` (the ids the
//! candidates cover: every chunk committed before the stop), then per project: u16 project id,
//! varint heaps, per heap varint seen, varint entries, per entry varint views, varint article
//! id. Written in a transaction of its own right after the last chunk's: a process killed in
//! between leaves a record whose `until` does not match, which is dropped, and the roll-up
//! then reads the month as it did before.

use crate::codec::{Reader, put_varint};
use crate::month_tops::{Heap, ProjectHeaps};
use crate::segments::Segment;
use crate::{EmbeddedStore, engine};
use aqs_core::error::StoreResult;
use std::cmp::Reverse;

const META_MERGE_HEAPS: &[u8] = b"merge_heaps";

fn encode(target: &Segment, heaps: &ProjectHeaps) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend_from_slice(&target.id.to_le_bytes());
    out.extend_from_slice(&target.until.to_le_bytes());
    for (project, heaps) in heaps {
        out.extend_from_slice(&project.to_le_bytes());
        put_varint(&mut out, heaps.len() as u64);
        for heap in heaps {
            put_varint(&mut out, heap.seen);
            put_varint(&mut out, heap.entries.len() as u64);
            for Reverse((views, id)) in &heap.entries {
                put_varint(&mut out, *views);
                put_varint(&mut out, u64::from(*id));
            }
        }
    }
    out
}

fn u32_at(bytes: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(bytes.get(at..at + 4)?.try_into().ok()?))
}

/// The heaps of `bytes` if they were saved for `target` as it stands.
fn decode(bytes: &[u8], target: &Segment) -> StoreResult<Option<ProjectHeaps>> {
    if u32_at(bytes, 0) != Some(target.id) || u32_at(bytes, 4) != Some(target.until) {
        return Ok(None);
    }
    let corrupt = || crate::codec::corrupt("saved merge candidates");
    let mut reader = Reader::new(&bytes[8..]);
    let mut heaps = ProjectHeaps::new();
    while !reader.is_empty() {
        let project = u16::from_le_bytes(reader.bytes(2)?.try_into().map_err(|_| corrupt())?);
        let count = reader.varint()?;
        let mut list = Vec::new();
        for _ in 0..count {
            let seen = reader.varint()?;
            let len = reader.varint()?;
            let mut entries = std::collections::BinaryHeap::new();
            for _ in 0..len {
                let views = reader.varint()?;
                entries.push(Reverse((views, reader.u32()?)));
            }
            list.push(Heap { entries, seen });
        }
        heaps.insert(project, list);
    }
    Ok(Some(heaps))
}

impl EmbeddedStore {
    /// Keeps the candidates a merge into `target` collected so far.
    pub(super) fn save_merge_heaps(
        &self,
        target: &Segment,
        heaps: &ProjectHeaps,
    ) -> StoreResult<()> {
        let mut wtxn = self.inner.env.write_txn().map_err(engine)?;
        let bytes = encode(target, heaps);
        self.inner.tables.meta.put(&mut wtxn, META_MERGE_HEAPS, &bytes).map_err(engine)?;
        wtxn.commit().map_err(engine)
    }

    /// The candidates saved for `target` as it stands, taken out of the store; a record of
    /// an earlier point of the same merge is removed, one of another merge left alone.
    pub(super) fn take_merge_heaps(&self, target: &Segment) -> StoreResult<Option<ProjectHeaps>> {
        let found = {
            let rtxn = self.read_txn()?;
            match self.inner.tables.meta.get(&rtxn, META_MERGE_HEAPS).map_err(engine)? {
                Some(bytes) if u32_at(bytes, 0) == Some(target.id) => decode(bytes, target)?,
                _ => return Ok(None),
            }
        };
        let mut wtxn = self.inner.env.write_txn().map_err(engine)?;
        self.inner.tables.meta.delete(&mut wtxn, META_MERGE_HEAPS).map_err(engine)?;
        wtxn.commit().map_err(engine)?;
        Ok(found)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heaps_round_trip_for_their_target_only() {
        let mut heaps = ProjectHeaps::new();
        let mut heap = Heap { entries: Default::default(), seen: 7 };
        heap.entries.push(Reverse((300, 2)));
        heap.entries.push(Reverse((5, 1 << 30)));
        heaps.insert(3, vec![heap, Heap { entries: Default::default(), seen: 0 }]);
        let month = aqs_core::dates::YearMonth::new(2024, 7).unwrap();
        let mut target = Segment::new(crate::segments::PER_ARTICLE, (9, 1), month, 0, 0);
        target.until = 4096;
        let bytes = encode(&target, &heaps);
        let back = decode(&bytes, &target).unwrap().unwrap();
        let heap = &back[&3];
        assert_eq!((heap.len(), heap[0].seen, heap[1].entries.len()), (2, 7, 0));
        let mut entries: Vec<_> = heap[0].entries.iter().map(|r| r.0).collect();
        entries.sort();
        assert_eq!(entries, [(5, 1 << 30), (300, 2)]);
        // The merge went on (or another one is under way): not these candidates.
        target.until = 8192;
        assert!(decode(&bytes, &target).unwrap().is_none());
        assert!(decode(&bytes[..bytes.len() - 1], &Segment { until: 4096, ..target }).is_err());
    }
}

//! One chunk of a merge: the merged segments' entries of a range of article ids, resolved as a
//! read resolves them, appended to the merge's new segment.
//!
//! The chunk's ids are split into blocks that producer threads (one per core, up to four) take
//! in turn, each through a read transaction of its own, decoding, resolving and encoding each
//! article's month; the writing thread appends the blocks in order with `MDB_APPEND`. The read
//! transactions end with the chunk, so the pages the chunk's transaction frees can be reused by
//! the next one.

use crate::codec::put_raw_month;
use crate::dictionary::free::Ranges;
use crate::month_tops::{Collector, MERGE_LIMIT, ProjectHeaps};
use crate::scan::SegmentScan;
use crate::segments::Segment;
use crate::{EmbeddedStore, Table, engine};
use aqs_core::dates::YearMonth;
use aqs_core::error::{StoreError, StoreResult};
use heed::RwTxn;
use std::ops::Range;
use std::sync::mpsc::{SyncSender, sync_channel};

/// What a chunk found: its day mask and, when asked for, its top-list candidates (one part per
/// producer).
pub(super) struct ChunkResult {
    pub days: u64,
    pub heaps: Vec<ProjectHeaps>,
}

impl EmbeddedStore {
    /// Appends the resolved entries of `newest` (the merged segments, newest first) with ids
    /// in `ids` to `target` (in blocks of `shift`), in `wtxn`, but for the ids of
    /// `reclaimed` (no dictionary names them: `reclaim.rs`). `opened` are the slot tables'
    /// handles.
    pub(super) fn merge_chunk(
        &self,
        wtxn: &mut RwTxn,
        (opened, target, shift): (&[Table], Table, crate::blocks::Shift),
        (month, newest): (YearMonth, &[Segment]),
        ids: Range<u64>,
        (collect, reclaimed): (bool, &Ranges),
    ) -> StoreResult<ChunkResult> {
        let producers =
            std::thread::available_parallelism().map_or(1, |n| n.get()).clamp(1, 4) as u64;
        let block_ids = (ids.end - ids.start).div_ceil(producers * 4).max(MIN_BLOCK_IDS);
        let blocks = (ids.end - ids.start).div_ceil(block_ids);
        let block = |b: u64| {
            let start = ids.start + b * block_ids;
            start..(start + block_ids).min(ids.end)
        };
        let tables = &self.inner.tables;
        std::thread::scope(|scope| -> StoreResult<ChunkResult> {
            let env = &self.inner.env;
            let mut receivers = Vec::new();
            let mut handles = Vec::new();
            for first in 0..producers.min(blocks) {
                let (tx, rx) = sync_channel::<Chunk>(4);
                receivers.push(rx);
                handles.push(scope.spawn(move || -> StoreResult<(u64, Option<ProjectHeaps>)> {
                    let rtxn = env.read_txn().map_err(engine)?;
                    let mut collector = match collect {
                        true => Some(Collector::new(tables, &rtxn, MERGE_LIMIT)?),
                        false => None,
                    };
                    let mut days = 0;
                    for b in (first..blocks).step_by(producers as usize) {
                        let scan =
                            SegmentScan::open(opened, &rtxn, month, newest.iter(), block(b))?;
                        days |= produce(scan, month, &tx, collector.as_mut(), reclaimed)?;
                    }
                    Ok((days, collector.map(Collector::into_heaps)))
                }));
            }
            // Blocks in order: block b comes from producer b % producers.
            let mut appended: StoreResult<()> = Ok(());
            let mut appender = crate::blocks::Appender::new(target, shift);
            'blocks: for b in 0..blocks {
                let rx = &receivers[(b % producers) as usize];
                loop {
                    let Ok(chunk) = rx.recv() else { break 'blocks };
                    let mut start = 0;
                    for &(article, end) in &chunk.entries {
                        let value = &chunk.bytes[start..end as usize];
                        start = end as usize;
                        if let Err(e) = appender.push(wtxn, article, value) {
                            appended = Err(e);
                            break 'blocks;
                        }
                    }
                    if chunk.last {
                        break;
                    }
                }
            }
            drop(receivers);
            let results: Vec<_> = handles.into_iter().map(|h| h.join()).collect();
            appended?;
            appender.flush(wtxn)?;
            let mut out = ChunkResult { days: 0, heaps: Vec::new() };
            for result in results {
                let (days, heaps) =
                    result.map_err(|_| StoreError::Engine("a merge thread panicked".into()))??;
                out.days |= days;
                out.heaps.extend(heaps);
            }
            Ok(out)
        })
    }
}

/// Encoded values of one block for the appending thread: `entries[i]` = (article, end of its
/// value in `bytes`); `last` on a block's final chunk.
struct Chunk {
    entries: Vec<(u32, u32)>,
    bytes: Vec<u8>,
    last: bool,
}

impl Chunk {
    fn new() -> Chunk {
        Chunk { entries: Vec::new(), bytes: Vec::with_capacity(CHUNK_BYTES + 4096), last: false }
    }
}

const CHUNK_BYTES: usize = 1 << 20;
/// The fewest article ids a producer takes at a time.
const MIN_BLOCK_IDS: u64 = if cfg!(test) { 4 } else { 1024 };

/// Encodes the articles of one block of the merge's inputs, resolved as a read resolves them
/// ([`SegmentScan`]), and sends them in chunks, the last one marked; leaves out the articles
/// of `reclaimed`. Returns the block's day mask.
fn produce(
    mut scan: SegmentScan<'_>,
    month: YearMonth,
    tx: &SyncSender<Chunk>,
    mut collector: Option<&mut Collector>,
    reclaimed: &Ranges,
) -> StoreResult<u64> {
    let (mut rows, mut scratch) = (Vec::new(), Vec::new());
    let mut chunk = Chunk::new();
    let mut days = 0u64;
    let send = |chunk: Chunk| {
        tx.send(chunk).map_err(|_| StoreError::Engine("the merge's writer stopped".into()))
    };
    while let Some(article) = scan.next_raw(&mut rows)? {
        if reclaimed.contains(article) {
            continue;
        }
        // Rows come segment by segment; a value holds its days in order.
        rows.sort_unstable_by_key(|r| r.day);
        days |= rows.iter().fold(0, |m, r| m | 1u64 << r.day);
        if let Some(collector) = collector.as_deref_mut() {
            collector.offer(article, &rows)?;
        }
        put_raw_month(&mut chunk.bytes, month, &rows, &mut scratch);
        chunk.entries.push((article, chunk.bytes.len() as u32));
        if chunk.bytes.len() >= CHUNK_BYTES {
            send(std::mem::replace(&mut chunk, Chunk::new()))?;
        }
    }
    chunk.last = true;
    send(chunk)?;
    Ok(days)
}

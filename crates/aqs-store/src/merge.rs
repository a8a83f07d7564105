//! Per-article segments: appending a new one, and merging a month's segments into one
//! (docs/store-format.md, "Per-article data: segments").
//!
//! A write publishes its new segment first; the merges its policy calls for run right after,
//! in a transaction of their own ([`EmbeddedStore::merge_months`]): they change no value a
//! read returns, so the data is served as soon as it is written, and a merge cut short leaves
//! a store that reads the same (the next write merges again). A cascade of merges (two one-day
//! segments, then the result with a two-day one, ...) is done as one merge of all of them.
//! The merge reads its segments through read transactions on one thread per core, each taking
//! blocks of article ids in turn (decoding, resolving and encoding each article's month), while
//! the writing thread appends the blocks in order.

use crate::codec::{article_id_key, put_month_entries, put_raw_month, split_article_id_key};
use crate::month_tops::{self, Collector, MERGE_LIMIT, ProjectHeaps};
use crate::scan::SegmentScan;
use crate::segments::{EntityTable, Manifest, PER_ARTICLE, Segment, full_month_mask};
use crate::slots::{allocate, release};
use crate::write::WriteState;
use crate::{EmbeddedStore, engine};
use aqs_core::dates::{Day, YearMonth};
use aqs_core::error::{StoreError, StoreResult};
use aqs_core::pageviews::ArticleViews;
use heed::{PutFlags, RwTxn};
use std::sync::mpsc::{SyncSender, sync_channel};

/// Writes one new segment from `(article, day, views)` rows sorted by article, then day, into
/// a free slot, with `MDB_APPEND`.
pub(crate) fn append_segment(
    store: &EmbeddedStore,
    wtxn: &mut RwTxn,
    state: &mut WriteState,
    (table_id, month): (EntityTable, YearMonth),
    covers: u64,
    rows: &[(u32, Day, ArticleViews)],
) -> StoreResult<()> {
    let id = state.new_segment_id()?;
    let opened = store.inner.slots.opened();
    let (slot, table) = allocate(&store.inner.env, &opened, wtxn, state)?;
    let first = month.first_day().epoch_days();
    let (mut days, mut value, mut entries) = (0u64, Vec::new(), Vec::new());
    for run in rows.chunk_by(|a, b| a.0 == b.0) {
        entries.clear();
        entries.extend(run.iter().map(|(_, day, views)| (*day, *views)));
        value.clear();
        put_month_entries(&mut value, month, &entries);
        days |= entries.iter().fold(0, |m, (d, _)| m | 1u64 << (d.epoch_days() - first));
        table
            .put_with_flags(wtxn, PutFlags::APPEND, &article_id_key(run[0].0), &value)
            .map_err(engine)?;
    }
    state.manifest.segments.push(Segment { table: table_id, id, slot, month, days, covers });
    Ok(())
}

/// The segments of `month` that the merge policy, applied until it asks for nothing more,
/// merges: the newest few, or all of them (oldest first).
pub(crate) fn merge_plan(
    manifest: &Manifest,
    table: EntityTable,
    month: YearMonth,
) -> Option<Vec<Segment>> {
    let mut simulated = manifest.clone();
    let mut next_id = simulated.segments.iter().map(|s| s.id).max().unwrap_or(0) + 1;
    let mut merged: Vec<Segment> = Vec::new();
    while let Some(picked) = simulated.merge_candidates(table, month) {
        for segment in &picked {
            if manifest.segments.contains(segment) && !merged.contains(segment) {
                merged.push(*segment);
            }
        }
        simulated.segments.retain(|s| !picked.contains(s));
        let (days, covers) = picked.iter().fold((0, 0), |(d, c), s| (d | s.days, c | s.covers));
        simulated.segments.push(Segment {
            table,
            id: next_id,
            slot: u32::MAX,
            month,
            days,
            covers,
        });
        next_id += 1;
    }
    merged.sort_by_key(|s| s.id);
    (merged.len() > 1).then_some(merged)
}

impl EmbeddedStore {
    /// Runs the merges the policy asks for in `months` (every month's segments into one with
    /// `all`), in one transaction; does nothing when nothing is to be done.
    pub(crate) fn merge_months(
        &self,
        months: &[(EntityTable, YearMonth)],
        all: bool,
    ) -> StoreResult<()> {
        let inner = &self.inner;
        // Open the handles of every committed slot while no write transaction is open.
        self.refresh_slots()?;
        let mut wtxn = inner.env.write_txn().map_err(engine)?;
        let mut state = WriteState::read(&inner.tables, &wtxn)?;
        let mut changed = false;
        let mut articles_merged = false;
        let mut collected = None;
        for &(table, month) in months {
            let plan = match all {
                true => Some(state.manifest.newest_first(table, month).rev().copied().collect())
                    .filter(|p: &Vec<Segment>| p.len() > 1),
                false => merge_plan(&state.manifest, table, month),
            };
            if let Some(picked) = plan {
                // A complete month merged whole: the merge reads every article's month, so it
                // also collects the month's top-list candidates for the roll-up that follows.
                let whole = state.manifest.newest_first(table, month).count() == picked.len();
                let covers = picked.iter().fold(0, |m, s| m | s.covers);
                let collect =
                    table == PER_ARTICLE && whole && covers == full_month_mask(month) && !all;
                let heaps = self.merge(&mut wtxn, &mut state, &picked, collect)?;
                if let Some(heaps) = heaps {
                    collected = Some((month, heaps));
                }
                changed = true;
                articles_merged |= table == PER_ARTICLE;
            }
        }
        let tops = match collected {
            Some((month, heaps)) => {
                let names = month_tops::project_names(&inner.tables, &wtxn)?;
                let dictionary = self.dictionary(state.dictionary)?;
                Some((month, month_tops::titled(&dictionary, &names, heaps)?))
            }
            None => None,
        };
        if changed {
            // A merge changes no value; the pageviews generation moves as it always did, so
            // that nothing cached spans the rewrite of the month.
            self.commit(
                wtxn,
                &state,
                articles_merged.then_some(aqs_core::table::Dataset::Pageviews),
            )?;
        }
        if let Some((month, candidates)) = tops {
            let generation = self.current_generation()?;
            *inner.month_tops.lock().unwrap_or_else(|p| p.into_inner()) =
                Some(month_tops::CachedTops { month, limit: MERGE_LIMIT, generation, candidates });
        }
        Ok(())
    }

    /// Merges `picked` (committed segments of one month, oldest first) into a new segment and
    /// empties their tables.
    /// With `collect`, also returns the month's top-list candidates (`MERGE_LIMIT` per project
    /// and access).
    fn merge(
        &self,
        wtxn: &mut RwTxn,
        state: &mut WriteState,
        picked: &[Segment],
        collect: bool,
    ) -> StoreResult<Option<ProjectHeaps>> {
        let (table_id, month) = (picked[0].table, picked[0].month);
        let id = state.new_segment_id()?;
        let opened = self.inner.slots.opened();
        let newest: Vec<Segment> = picked.iter().rev().copied().collect();
        let (slot, table) = allocate(&self.inner.env, &opened, wtxn, state)?;
        let read = self.read_txn()?;
        let mut last_id = 0u32;
        for segment in picked {
            let input = opened.get(segment.slot as usize).ok_or_else(|| {
                StoreError::Corrupt(format!("no table for slot {}", segment.slot))
            })?;
            if let Some((key, _)) = input.last(&read).map_err(engine)? {
                last_id = last_id.max(split_article_id_key(key)?);
            }
        }
        drop(read);
        let blocks = last_id / BLOCK_IDS + 1;
        let producers =
            std::thread::available_parallelism().map_or(1, |n| n.get()).clamp(1, 4) as u32;
        let tables = &self.inner.tables;
        let (days, heaps) =
            std::thread::scope(|scope| -> StoreResult<(u64, Option<ProjectHeaps>)> {
                let env = &self.inner.env;
                let mut receivers = Vec::new();
                let mut handles = Vec::new();
                for first in 0..producers {
                    let (tx, rx) = sync_channel::<Chunk>(4);
                    receivers.push(rx);
                    let (opened, newest) = (&opened, &newest);
                    handles.push(scope.spawn(
                        move || -> StoreResult<(u64, Option<ProjectHeaps>)> {
                            let rtxn = env.read_txn().map_err(engine)?;
                            let mut collector = match collect {
                                true => Some(Collector::new(tables, &rtxn, MERGE_LIMIT)?),
                                false => None,
                            };
                            let mut days = 0;
                            for block in (first..blocks).step_by(producers as usize) {
                                let ids = u64::from(block * BLOCK_IDS)
                                    ..u64::from(block * BLOCK_IDS) + u64::from(BLOCK_IDS);
                                let scan =
                                    SegmentScan::open(opened, &rtxn, month, newest.iter(), ids)?;
                                days |= produce(scan, month, &tx, collector.as_mut())?;
                            }
                            Ok((days, collector.map(Collector::into_heaps)))
                        },
                    ));
                }
                // Blocks in order: block b comes from producer b % producers.
                let mut appended: StoreResult<()> = Ok(());
                'blocks: for block in 0..blocks {
                    let rx = &receivers[(block % producers) as usize];
                    loop {
                        let Ok(chunk) = rx.recv() else { break 'blocks };
                        let mut start = 0;
                        for &(article, end) in &chunk.entries {
                            let value = &chunk.bytes[start..end as usize];
                            start = end as usize;
                            let key = article_id_key(article);
                            if let Err(e) =
                                table.put_with_flags(wtxn, PutFlags::APPEND, &key, value)
                            {
                                appended = Err(engine(e));
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
                let (mut days, mut parts) = (0, Vec::new());
                for result in results {
                    let (d, heaps) = result
                        .map_err(|_| StoreError::Engine("a merge thread panicked".into()))??;
                    days |= d;
                    parts.extend(heaps);
                }
                let heaps = collect.then(|| month_tops::combine(parts, MERGE_LIMIT));
                Ok((days, heaps))
            })?;
        for segment in picked {
            release(&self.inner.env, &opened, wtxn, segment.slot)?;
        }
        state.manifest.segments.retain(|s| !picked.contains(s));
        let covers = picked.iter().fold(0, |m, s| m | s.covers);
        state.manifest.segments.push(Segment { table: table_id, id, slot, month, days, covers });
        Ok(heaps)
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
/// Article ids per block: the producers take blocks in turn.
const BLOCK_IDS: u32 = if cfg!(test) { 16 } else { 1 << 16 };

/// Encodes the articles of one block of the merge's inputs, resolved as a read resolves them
/// ([`SegmentScan`]), and sends them in chunks, the last one marked. Returns the block's day
/// mask.
fn produce(
    mut scan: SegmentScan<'_>,
    month: YearMonth,
    tx: &SyncSender<Chunk>,
    mut collector: Option<&mut Collector>,
) -> StoreResult<u64> {
    let (mut rows, mut scratch) = (Vec::new(), Vec::new());
    let mut chunk = Chunk::new();
    let mut days = 0u64;
    let send = |chunk: Chunk| {
        tx.send(chunk).map_err(|_| StoreError::Engine("the merge's writer stopped".into()))
    };
    while let Some(article) = scan.next_raw(&mut rows)? {
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

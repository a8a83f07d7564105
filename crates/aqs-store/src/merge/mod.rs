//! Per-article segments: appending a new one, and merging a month's segments into one
//! (docs/store-format.md, "Per-article data: segments").
//!
//! A write publishes its new segment first; the merges its policy calls for run right after,
//! in a transaction of their own ([`EmbeddedStore::merge_months`]): they change no value a
//! read returns, so the data is served as soon as it is written, and a merge cut short leaves
//! a store that reads the same (the next write merges again). A cascade of merges (two one-day
//! segments, then the result with a two-day one, ...) is done as one merge of all of them.
//!
//! A merge is committed in chunks of article ids ([`CHUNKS`] per merge, fewer for a merge
//! of few entries: [`MIN_CHUNK_ENTRIES`]): each chunk's
//! transaction appends the chunk's merged entries to the new segment, deletes them from the
//! merged segments, and moves the boundary between the two in the manifest (the new segment
//! applies below it, the merged ones from it on: `Segment::applies`). The pages a chunk frees
//! are reused by the next chunks, so a merge grows the file by a few chunks instead of the
//! size of the month, and a load leaves few free pages behind. A merge cut short between
//! chunks is finished by the next one ([`Manifest::unfinished`]): so is one a write stops
//! when its merge budget is spent (`aqs load --merge-seconds`), which bounds the time a day's
//! load spends merging and spreads a month's merges over the days that follow.

mod chunk;
mod pending;
mod saved_heaps;

use crate::codec::put_month_entries;
use crate::month_tops::{self, MERGE_LIMIT, ProjectHeaps};
use crate::segments::{EntityTable, Manifest, PER_ARTICLE, Segment, full_month_mask};
use crate::slots::{allocate, release, write_table};
use crate::write::WriteState;
use crate::{EmbeddedStore, engine};
use aqs_core::dates::{Day, YearMonth};
use aqs_core::error::{StoreError, StoreResult};
use aqs_core::pageviews::ArticleViews;
use aqs_core::table::Dataset;
use heed::RwTxn;
use std::time::Instant;

/// How many transactions a merge is cut into (fewer for a month of few articles).
const CHUNKS: u64 = 64;
/// The least time a write given a time to stop merging by (`DayPublishOptions::merge_until`)
/// still merges, so that merges go on even when its load took longer than it aimed at.
pub const MIN_MERGE: std::time::Duration =
    std::time::Duration::from_secs(if cfg!(test) { 0 } else { 15 });
/// The fewest article ids of a chunk.
const MIN_CHUNK_IDS: u64 = if cfg!(test) { 6 } else { 1024 };
/// The fewest stored entries (blocks of articles) of a chunk, on average: a small merge (a
/// wiki's month of a few thousand pages, its ids spread over the dictionary) is one or a few
/// synced transactions, not [`CHUNKS`].
const MIN_CHUNK_ENTRIES: u64 = if cfg!(test) { 1 } else { 16_384 };

/// The article ids of a merge's chunks, for sources of `entries` stored entries whose
/// highest id is `last_id`: [`CHUNKS`] chunks, fewer when they would hold under
/// `min_entries` each; whole blocks of the new segment's `shift` (a block is written by one
/// chunk).
fn chunk_ids(last_id: u64, entries: u64, min_entries: u64, shift: crate::blocks::Shift) -> u64 {
    let chunks = entries.div_ceil(min_entries).clamp(1, CHUNKS);
    let ids = (last_id + 1).div_ceil(chunks).max(MIN_CHUNK_IDS);
    ids.next_multiple_of(1 << shift)
}

/// Writes one new segment from `(article, day, views)` rows sorted by article, then day, into
/// a free slot, with `MDB_APPEND`.
pub(crate) fn append_segment(
    store: &EmbeddedStore,
    wtxn: &mut RwTxn,
    state: &mut WriteState,
    (table_id, month, shift): (EntityTable, YearMonth, crate::blocks::Shift),
    covers: u64,
    rows: &[(u32, Day, ArticleViews)],
) -> StoreResult<()> {
    let id = state.new_segment_id()?;
    let opened = store.inner.slots.opened();
    let (slot, table) = allocate(&store.inner.env, &opened, wtxn, state)?;
    let mut appender = crate::blocks::Appender::new(table, shift);
    let first = month.first_day().epoch_days();
    let (mut days, mut value, mut entries) = (0u64, Vec::new(), Vec::new());
    for run in rows.chunk_by(|a, b| a.0 == b.0) {
        entries.clear();
        entries.extend(run.iter().map(|(_, day, views)| (*day, *views)));
        value.clear();
        put_month_entries(&mut value, month, &entries);
        days |= entries.iter().fold(0, |m, (d, _)| m | 1u64 << (d.epoch_days() - first));
        appender.push(wtxn, run[0].0, &value)?;
    }
    appender.flush(wtxn)?;
    let segment = Segment::new(table_id, (id, slot), month, days, covers);
    state.manifest.segments.push(Segment { shift, ..segment });
    Ok(())
}

/// The segments of `month` that the merge policy, applied until it asks for nothing more,
/// merges: the newest few, or all of them (oldest first).
pub(crate) fn merge_plan(
    manifest: &Manifest,
    table: EntityTable,
    month: YearMonth,
    small: bool,
) -> Option<Vec<Segment>> {
    let mut simulated = manifest.clone();
    let mut next_id = simulated.segments.iter().map(|s| s.id).max().unwrap_or(0) + 1;
    let mut merged: Vec<Segment> = Vec::new();
    while let Some(picked) = simulated.merge_candidates(table, month, small) {
        for segment in &picked {
            if manifest.segments.contains(segment) && !merged.contains(segment) {
                merged.push(*segment);
            }
        }
        simulated.segments.retain(|s| !picked.contains(s));
        let (days, covers) = picked.iter().fold((0, 0), |(d, c), s| (d | s.days, c | s.covers));
        simulated.segments.push(Segment::new(table, (next_id, u32::MAX), month, days, covers));
        next_id += 1;
    }
    merged.sort_by_key(|s| s.id);
    (merged.len() > 1).then_some(merged)
}

impl EmbeddedStore {
    /// Runs the merges the policy asks for in `months` (every month's segments into one with
    /// `all`), first the merges of other months that an earlier run left under way or, its
    /// budget spent, never started (a month's last merge, cut short, goes on with the next
    /// month's first day); does nothing when nothing is to be done. Without `all`, stops
    /// between chunks once the store's merge budget ([`EmbeddedStore::set_merge_budget`]) is
    /// spent, or once `until` has passed (though never before [`MIN_MERGE`]), and returns
    /// `false`: what is left, the next write's merges finish.
    pub(crate) fn merge_months(
        &self,
        months: &[(EntityTable, YearMonth)],
        all: bool,
        until: Option<Instant>,
    ) -> StoreResult<bool> {
        let now = Instant::now();
        let deadline = match all {
            true => None,
            false => {
                let budget = self.merge_budget().map(|budget| now + budget);
                let until = until.map(|u| u.max(now + MIN_MERGE));
                budget.into_iter().chain(until).min()
            }
        };
        let manifest = self.write_state()?.manifest;
        // Merges of other months first: those left under way, and those an earlier write's
        // spent budget never started (a complete month's whole merge, which its roll-up waits
        // for).
        let mut todo: Vec<(EntityTable, YearMonth)> = Vec::new();
        for (t, m) in manifest.parts() {
            if months.contains(&(t, m)) {
                continue;
            }
            let planned = || -> StoreResult<bool> {
                let small = self.is_small(&manifest, t, m)?;
                Ok(merge_plan(&manifest, t, m, small).is_some())
            };
            if manifest.unfinished(t, m).is_some() || (!all && planned()?) {
                todo.push((t, m));
            }
        }
        todo.extend_from_slice(months);
        for (table, month) in todo {
            let manifest = self.write_state()?.manifest;
            if let Some(unfinished) = manifest.unfinished(table, month) {
                // A whole-month merge stopped by its budget goes on collecting candidates
                // from where it saved them.
                let saved = self.take_merge_heaps(&unfinished.target)?;
                let (sources, target) = (unfinished.sources, Some(unfinished.target));
                match self.merge(sources, target, saved, (None, deadline))? {
                    Merged::Stopped => return Ok(false),
                    Merged::Done(Some(heaps)) => self.cache_month_tops(month, heaps)?,
                    Merged::Done(None) => {}
                }
            }
            let manifest = self.write_state()?.manifest;
            let plan = match all {
                true => Some(manifest.newest_first(table, month).rev().copied().collect())
                    .filter(|p: &Vec<Segment>| p.len() > 1),
                false => {
                    merge_plan(&manifest, table, month, self.is_small(&manifest, table, month)?)
                }
            };
            let Some(picked) = plan else { continue };
            // A complete month merged whole: the merge reads every article's month, so it also
            // collects the month's top-list candidates for the roll-up that follows.
            let whole = manifest.newest_first(table, month).count() == picked.len();
            let covers = picked.iter().fold(0, |m, s| m | s.covers);
            let collect = table == PER_ARTICLE && whole && covers == full_month_mask(month) && !all;
            let heaps = collect.then(ProjectHeaps::new);
            match self.merge(picked, None, heaps, (None, deadline))? {
                Merged::Stopped => return Ok(false),
                Merged::Done(Some(heaps)) => self.cache_month_tops(month, heaps)?,
                Merged::Done(None) => {}
            }
        }
        Ok(true)
    }

    /// For tests: starts merging every segment of a month, and stops after `chunks` chunks.
    #[cfg(test)]
    pub(crate) fn merge_some(&self, table: EntityTable, month: YearMonth, chunks: u32) {
        let manifest = self.write_state().expect("a state").manifest;
        let all: Vec<Segment> = manifest.newest_first(table, month).rev().copied().collect();
        let merged = self.merge(all, None, None, (Some(chunks), None)).expect("merged");
        assert!(matches!(merged, Merged::Stopped), "the merge is left under way");
    }

    /// Keeps the candidates a whole-month merge collected for the month's roll-up.
    fn cache_month_tops(&self, month: YearMonth, heaps: ProjectHeaps) -> StoreResult<()> {
        let (names, dictionary) = {
            let rtxn = self.read_txn()?;
            let state = WriteState::read(&self.inner.tables, &rtxn)?;
            (month_tops::project_names(&self.inner.tables, &rtxn)?, state.dictionary)
        };
        let dictionary = self.dictionary(dictionary)?;
        let candidates = month_tops::titled(&dictionary, &names, heaps)?;
        let segments = month_tops::month_segments(self, month)?;
        let cached = month_tops::CachedTops { month, limit: MERGE_LIMIT, segments, candidates };
        *self.inner.month_tops.lock().unwrap_or_else(|p| p.into_inner()) = Some(cached);
        Ok(())
    }

    fn write_state(&self) -> StoreResult<WriteState> {
        let rtxn = self.read_txn()?;
        WriteState::read(&self.inner.tables, &rtxn)
    }

    /// Whether a month's segments take less than the store's `small_month_bytes`.
    fn is_small(
        &self,
        manifest: &Manifest,
        table: EntityTable,
        month: YearMonth,
    ) -> StoreResult<bool> {
        self.refresh_slots()?;
        let opened = self.inner.slots.opened();
        let rtxn = self.read_txn()?;
        let mut bytes = 0u64;
        for segment in manifest.newest_first(table, month) {
            let Some(t) = opened.get(segment.slot as usize) else { return Ok(false) };
            let stat = t.stat(&rtxn).map_err(engine)?;
            let pages = stat.branch_pages + stat.leaf_pages + stat.overflow_pages;
            bytes += pages as u64 * u64::from(stat.page_size);
        }
        Ok(bytes < self.inner.small_month_bytes)
    }

    /// Merges `sources` (committed segments of one month, oldest first) into one segment, chunk
    /// by chunk, or finishes the merge into `target` that an earlier run left under way. With
    /// `heaps` (the candidates of the chunks before, or none yet), also collects the month's
    /// top-list candidates (`MERGE_LIMIT` per project and access) and returns them. Stops
    /// before a chunk once `deadline` has passed, or after `stop_after` chunks (a test
    /// stopping as a killed process would), leaving the merge under way and the candidates so
    /// far saved for the run that goes on.
    fn merge(
        &self,
        mut sources: Vec<Segment>,
        mut target: Option<Segment>,
        mut heaps: Option<ProjectHeaps>,
        (stop_after, deadline): (Option<u32>, Option<Instant>),
    ) -> StoreResult<Merged> {
        let collect = heaps.is_some();
        let inner = &self.inner;
        let (table_id, month) = (sources[0].table, sources[0].month);
        let dataset = (table_id == PER_ARTICLE).then_some(Dataset::Pageviews);
        self.refresh_slots()?;
        let (last_id, entries) = {
            let (opened, read) = (inner.slots.opened(), self.read_txn()?);
            let (mut last, mut entries) = (0u32, 0u64);
            for segment in &sources {
                let input = opened.get(segment.slot as usize).ok_or_else(|| {
                    StoreError::Corrupt(format!("no table for slot {}", segment.slot))
                })?;
                last = last.max(crate::blocks::last_article(input, &read, segment.shift)?);
                entries += input.stat(&read).map_err(engine)?.entries as u64;
            }
            (u64::from(last), entries)
        };
        // The blocks of the newest source written in blocks: what its table is written in now.
        let newest = sources.iter().rev().map(|s| s.shift).find(|s| *s > 0);
        let shift = target.map_or(newest.unwrap_or(crate::blocks::ARTICLE_SHIFT), |t| t.shift);
        let chunk_ids = chunk_ids(last_id, entries, MIN_CHUNK_ENTRIES, shift);
        let mut start = target.map_or(0, |t| u64::from(t.until));
        for _ in 0..stop_after.unwrap_or(u32::MAX) {
            if deadline.is_some_and(|d| Instant::now() >= d) {
                break;
            }
            let end = start + chunk_ids;
            let last = end > last_id;
            self.refresh_slots()?;
            let opened = inner.slots.opened();
            let mut wtxn = inner.env.write_txn().map_err(engine)?;
            let mut state = WriteState::read(&inner.tables, &wtxn)?;
            // Another process may have finished (or be finishing) this merge meanwhile.
            let current = |s: &Segment| state.manifest.segments.contains(s);
            if !sources.iter().all(current) || target.is_some_and(|t| !current(&t)) {
                return Ok(Merged::Done(None));
            }
            let mut into = match target {
                Some(t) => t,
                None => {
                    let id = state.new_segment_id()?;
                    let (slot, _) = allocate(&inner.env, &opened, &mut wtxn, &mut state)?;
                    let covers = sources.iter().fold(0, |m, s| m | s.covers);
                    let mut t = Segment::new(table_id, (id, slot), month, 0, covers);
                    (t.until, t.shift) = (0, shift);
                    state.manifest.segments.push(t);
                    t
                }
            };
            let output = write_table(&inner.env, &opened, &mut wtxn, into.slot)?;
            // Read in this transaction: a chunk after ids were forgotten leaves them out.
            let reclaimed = crate::reclaim::pending_ids(&inner.tables, &wtxn)?;
            let newest: Vec<Segment> = sources.iter().rev().copied().collect();
            let found = self.merge_chunk(
                &mut wtxn,
                (&opened, output, into.shift),
                (month, &newest),
                start..end.min(last_id + 1),
                (collect, &reclaimed),
            )?;
            if collect {
                let parts = heaps.take().into_iter().chain(found.heaps).collect();
                heaps = Some(month_tops::combine(parts, MERGE_LIMIT));
            }
            into.days |= found.days;
            let key = u32::try_from(end).map_or(u32::MAX, |id| id);
            for segment in &mut sources {
                if last {
                    release(&inner.env, &opened, &mut wtxn, segment.slot)?;
                } else {
                    let input = write_table(&inner.env, &opened, &mut wtxn, segment.slot)?;
                    crate::blocks::delete_below(&input, &mut wtxn, key, segment.shift)?;
                    segment.from = key;
                }
            }
            into.until = if last { u32::MAX } else { key };
            let segments = &mut state.manifest.segments;
            segments.retain(|s| !sources.iter().any(|m| m.id == s.id) && s.id != into.id);
            if !last {
                segments.extend(sources.iter().copied());
            }
            segments.push(into);
            segments.sort_by_key(|s| s.id);
            // A merge changes no value; the pageviews generation moves once, at the end, as it
            // always did, so that nothing cached spans the rewrite of the month.
            self.commit(wtxn, &state, dataset.filter(|_| last))?;
            if last {
                return Ok(Merged::Done(heaps));
            }
            (target, start) = (Some(into), end);
        }
        if let (Some(target), Some(heaps)) = (&target, &heaps) {
            self.save_merge_heaps(target, heaps)?;
        }
        Ok(Merged::Stopped)
    }
}

/// How a call of `merge` ended.
enum Merged {
    /// Merged (or found merged by another process), with the candidates it collected.
    Done(Option<ProjectHeaps>),
    /// Stopped between chunks, the merge left under way.
    Stopped,
}

#[cfg(test)]
mod tests;

//! Per-article segments: appending a new one, and merging a month's segments into one
//! (docs/store-format.md, "Per-article data: segments").

use crate::codec::{put_month_entries, read_month_entries, series_key, split_series_key};
use crate::pageviews::inclusive;
use crate::segments::Segment;
use crate::write::WriteState;
use crate::{Tables, engine};
use aqs_core::dates::{Day, YearMonth};
use aqs_core::error::StoreResult;
use aqs_core::pageviews::ArticleViews;
use heed::{PutFlags, RoTxn, RwTxn};

/// Writes one new segment from `(article, day, views)` rows sorted by article, then day, with
/// `MDB_APPEND`: its id is the largest ever, so its keys land at the end of the table.
pub(crate) fn append_segment(
    tables: &Tables,
    wtxn: &mut RwTxn,
    state: &mut WriteState,
    month: YearMonth,
    covers: u64,
    rows: &[(u32, Day, ArticleViews)],
) -> StoreResult<()> {
    let id = state.new_segment_id()?;
    let first = month.first_day().epoch_days();
    let (mut days, mut value, mut entries) = (0u64, Vec::new(), Vec::new());
    for run in rows.chunk_by(|a, b| a.0 == b.0) {
        entries.clear();
        entries.extend(run.iter().map(|(_, day, views)| (*day, *views)));
        value.clear();
        put_month_entries(&mut value, month, &entries);
        days |= entries.iter().fold(0, |m, (d, _)| m | 1u64 << (d.epoch_days() - first));
        tables
            .series
            .put_with_flags(wtxn, PutFlags::APPEND, &series_key(id, run[0].0), &value)
            .map_err(engine)?;
    }
    state.manifest.segments.push(Segment { id, month, days, covers });
    Ok(())
}

/// Entries read from one segment at a time while merging, to bound memory (small in unit
/// tests, so that they cross chunk boundaries).
const MERGE_CHUNK: usize = if cfg!(test) { 7 } else { 65_536 };

/// One merged segment's entries, read in article order a chunk at a time.
struct Run {
    segment: Segment,
    entries: std::collections::VecDeque<(u32, Vec<u8>)>,
    /// The next article id to read from, or `None` once the segment is exhausted.
    next: Option<u32>,
}

impl Run {
    fn refill(&mut self, tables: &Tables, txn: &RoTxn) -> StoreResult<()> {
        let Some(from) = self.next.filter(|_| self.entries.is_empty()) else { return Ok(()) };
        let (start, end) =
            (series_key(self.segment.id, from), series_key(self.segment.id, u32::MAX));
        self.next = None;
        for entry in tables.series.range(txn, &inclusive(&start, &end)).map_err(engine)? {
            let (key, value) = entry.map_err(engine)?;
            let article = split_series_key(key)?.1;
            if self.entries.len() == MERGE_CHUNK {
                self.next = Some(article);
                break;
            }
            self.entries.push_back((article, value.to_vec()));
        }
        Ok(())
    }

    fn head(&self) -> Option<u32> {
        self.entries.front().map(|(a, _)| *a)
    }
}

/// Merges some of a month's segments (oldest first: a contiguous newest run, or all) into
/// one, streaming them in article order: each article's rows are resolved as a read
/// resolves them (newest first, replaced days hidden), re-encoded and appended.
fn merge(
    tables: &Tables,
    wtxn: &mut RwTxn,
    state: &mut WriteState,
    picked: &[Segment],
) -> StoreResult<()> {
    let month = picked[0].month;
    let first = month.first_day().epoch_days();
    let id = state.new_segment_id()?;
    // Newest first.
    let mut runs: Vec<Run> = picked
        .iter()
        .rev()
        .map(|segment| Run { segment: *segment, entries: Default::default(), next: Some(0) })
        .collect();
    let (mut days, mut value) = (0u64, Vec::new());
    loop {
        for run in &mut runs {
            run.refill(tables, wtxn)?;
        }
        let Some(article) = runs.iter().filter_map(Run::head).min() else { break };
        let mut rows = Vec::new();
        let mut resolved = 0u64;
        for run in &mut runs {
            if run.head() == Some(article) {
                let (_, bytes) = run.entries.pop_front().expect("head exists");
                for (day, views) in read_month_entries(&bytes, month)? {
                    let bit = 1u64 << (day.epoch_days() - first);
                    if resolved & bit == 0 {
                        rows.push((day, views));
                    }
                    resolved |= bit;
                }
            }
            resolved |= run.segment.covers;
        }
        if rows.is_empty() {
            continue;
        }
        rows.sort_by_key(|(d, _)| *d);
        days |= rows.iter().fold(0, |m, (d, _)| m | 1u64 << (d.epoch_days() - first));
        value.clear();
        put_month_entries(&mut value, month, &rows);
        tables
            .series
            .put_with_flags(wtxn, PutFlags::APPEND, &series_key(id, article), &value)
            .map_err(engine)?;
    }
    for seg in picked {
        let (start, end) = (series_key(seg.id, 0), series_key(seg.id, u32::MAX));
        tables.series.delete_range(wtxn, &inclusive(&start, &end)).map_err(engine)?;
    }
    state.manifest.segments.retain(|s| !picked.contains(s));
    let covers = picked.iter().fold(0, |m, s| m | s.covers);
    state.manifest.segments.push(Segment { id, month, days, covers });
    Ok(())
}

pub(crate) fn compact_month(
    tables: &Tables,
    wtxn: &mut RwTxn,
    state: &mut WriteState,
    month: YearMonth,
) -> StoreResult<()> {
    while let Some(picked) = state.manifest.merge_candidates(month) {
        merge(tables, wtxn, state, &picked)?;
    }
    Ok(())
}

pub(crate) fn merge_all(
    tables: &Tables,
    wtxn: &mut RwTxn,
    state: &mut WriteState,
    month: YearMonth,
) -> StoreResult<()> {
    let picked: Vec<Segment> =
        state.manifest.segments.iter().filter(|s| s.month == month).copied().collect();
    if picked.len() > 1 {
        merge(tables, wtxn, state, &picked)?;
    }
    Ok(())
}

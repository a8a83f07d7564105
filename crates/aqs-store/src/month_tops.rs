//! Candidates for a month's top lists (`PageviewsWrite::month_top_candidates`), in memory
//! bounded by the number of candidates, not by the month: the month's segments are scanned in
//! article-id order, each article's user views summed over its days, and the largest kept in
//! one bounded heap per (project, access); the run table gives each id its project. Only the
//! kept ids are then looked up in the dictionary, one pass per project, for their titles.

use crate::dictionary::ProjectOfId;
use crate::scan::SegmentScan;
use crate::{EmbeddedStore, codec, engine, u32_value};
use aqs_core::dates::YearMonth;
use aqs_core::error::StoreResult;
use aqs_core::pageviews::{TOP_ACCESSES, TopCandidates, access_views};
use aqs_core::project::Project;
use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};

/// The largest `limit` (views, article id) pairs of one project and access.
struct Heap {
    entries: BinaryHeap<Reverse<(u64, u32)>>,
    seen: u64,
}

impl Heap {
    fn offer(&mut self, limit: usize, views: u64, id: u32) {
        self.seen += 1;
        self.keep(limit, views, id);
    }

    fn keep(&mut self, limit: usize, views: u64, id: u32) {
        if self.entries.len() < limit {
            self.entries.push(Reverse((views, id)));
        } else if let Some(mut least) = self.entries.peek_mut() {
            if views > least.0.0 {
                *least = Reverse((views, id));
            }
        }
    }
}

/// Article ids per block: the scanning threads take blocks in turn.
const BLOCK_IDS: u64 = 1 << 18;

/// Heaps of one project: one per access of [`TOP_ACCESSES`].
type ProjectHeaps = HashMap<u16, Vec<Heap>>;

pub(crate) fn candidates(
    store: &EmbeddedStore,
    month: YearMonth,
    limit: usize,
) -> StoreResult<Vec<TopCandidates>> {
    let (rtxn, snapshot) = store.read_snapshot()?;
    let tables = &store.inner.tables;
    let next_article = u64::from(crate::write::WriteState::read(tables, &rtxn)?.next_article);
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).clamp(1, 4) as u64;
    // Each thread scans every `threads`-th block with a read transaction of its own.
    let per_thread: Vec<StoreResult<ProjectHeaps>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|first| {
                let snapshot = &snapshot;
                scope.spawn(move || -> StoreResult<ProjectHeaps> {
                    let rtxn = store.read_txn()?;
                    let mut project_of = ProjectOfId::read(tables, &rtxn)?;
                    let mut heaps = ProjectHeaps::new();
                    let mut rows = Vec::new();
                    let blocks = next_article.div_ceil(BLOCK_IDS).max(1);
                    for block in (first..blocks).step_by(threads as usize) {
                        let ids = block * BLOCK_IDS..(block + 1) * BLOCK_IDS;
                        let segments = snapshot.manifest.newest_first(month);
                        let mut scan =
                            SegmentScan::open(&snapshot.slots, &rtxn, month, segments, ids)?;
                        while let Some(id) = scan.next_raw(&mut rows)? {
                            offer(&mut heaps, &mut project_of, limit, id, &rows)?;
                        }
                    }
                    Ok(heaps)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|_| Err(codec::corrupt("a scan thread panicked"))))
            .collect()
    });
    let mut heaps = ProjectHeaps::new();
    for part in per_thread {
        for (project, part_heaps) in part? {
            match heaps.entry(project) {
                std::collections::hash_map::Entry::Vacant(v) => {
                    v.insert(part_heaps);
                }
                std::collections::hash_map::Entry::Occupied(mut o) => {
                    for (heap, part) in o.get_mut().iter_mut().zip(part_heaps) {
                        heap.seen += part.seen;
                        for Reverse((views, id)) in part.entries {
                            heap.keep(limit, views, id);
                        }
                    }
                }
            }
        }
    }
    titled(store, &rtxn, &snapshot, heaps)
}

/// Sums one article's user views over its rows and offers them to its project's heaps.
fn offer(
    heaps: &mut ProjectHeaps,
    project_of: &mut ProjectOfId,
    limit: usize,
    id: u32,
    rows: &[crate::codec::RawDay],
) -> StoreResult<()> {
    let mut user = [0u64; 3];
    for row in rows {
        for (sum, v) in user.iter_mut().zip(row.user_views()) {
            *sum += v;
        }
    }
    if user == [0; 3] {
        return Ok(());
    }
    let project = project_of
        .project(id)
        .ok_or_else(|| codec::corrupt("an article id without a project run"))?;
    let project_heaps = heaps.entry(project).or_insert_with(|| {
        TOP_ACCESSES.iter().map(|_| Heap { entries: BinaryHeap::new(), seen: 0 }).collect()
    });
    for (heap, (_, slot)) in project_heaps.iter_mut().zip(TOP_ACCESSES) {
        let views = access_views(&user, slot);
        if views > 0 {
            heap.offer(limit, views, id);
        }
    }
    Ok(())
}

/// The candidates with their titles, looked up in one pass over each project's dictionary.
fn titled(
    store: &EmbeddedStore,
    rtxn: &heed::RoTxn<'_, heed::WithoutTls>,
    snapshot: &crate::Snapshot,
    heaps: ProjectHeaps,
) -> StoreResult<Vec<TopCandidates>> {
    let tables = &store.inner.tables;
    let names: HashMap<u16, &String> =
        snapshot.project_ids.iter().map(|(name, id)| (*id, name)).collect();
    let mut out = Vec::new();
    let mut projects: Vec<(u16, Vec<Heap>)> = heaps.into_iter().collect();
    projects
        .sort_by_key(|(id, _)| names.get(id).map(|n| n.as_str()).unwrap_or_default().to_string());
    for (pid, project_heaps) in projects {
        let name = names.get(&pid).ok_or_else(|| codec::corrupt("unknown project id"))?;
        let mut titles: HashMap<u32, String> = project_heaps
            .iter()
            .flat_map(|h| h.entries.iter().map(|Reverse((_, id))| (*id, String::new())))
            .collect();
        for entry in tables.articles.prefix_iter(rtxn, &pid.to_be_bytes()).map_err(engine)? {
            let (key, id) = entry.map_err(engine)?;
            if let Some(title) = titles.get_mut(&u32_value(id, "article id")?) {
                *title = std::str::from_utf8(&key[2..])
                    .map_err(|_| codec::corrupt("title is not UTF-8"))?
                    .to_string();
            }
        }
        for (heap, (access, _)) in project_heaps.into_iter().zip(TOP_ACCESSES) {
            if heap.entries.is_empty() {
                continue;
            }
            let truncated = heap.seen > heap.entries.len() as u64;
            let entries = heap
                .entries
                .into_iter()
                .map(|Reverse((views, id))| (titles[&id].clone(), views))
                .collect();
            let project = Project::from_stored(name.to_string());
            out.push(TopCandidates { project, access, entries, truncated });
        }
    }
    Ok(out)
}

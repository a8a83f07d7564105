//! Candidates for a month's top lists (`PageviewsWrite::month_top_candidates`), in memory
//! bounded by the number of candidates, not by the month: the month's segments are scanned in
//! article-id order, each article's user views summed over its days, and the largest kept in
//! one bounded heap per (project, access); the run table gives each id its project. Only the
//! kept ids are then looked up in the dictionary, one pass per project, for their titles.
//!
//! The merge that makes a complete month one segment reads every article's month anyway: it
//! fills the same heaps as it goes ([`Collector`]), and the roll-up that follows in the same
//! process takes them from [`CachedTops`] instead of reading the month again.

use crate::dictionary::ProjectOfId;
use crate::scan::SegmentScan;
use crate::segments::PER_ARTICLE;
use crate::{EmbeddedStore, codec, engine};
use aqs_core::dates::YearMonth;
use aqs_core::error::StoreResult;
use aqs_core::pageviews::{TOP_ACCESSES, TopCandidates, access_views};
use aqs_core::project::Project;
use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};

/// The largest `limit` (views, article id) pairs of one project and access.
pub(crate) struct Heap {
    pub(crate) entries: BinaryHeap<Reverse<(u64, u32)>>,
    pub(crate) seen: u64,
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
pub(crate) type ProjectHeaps = HashMap<u16, Vec<Heap>>;

/// The heaps the merge of a complete month filled, with the month's segments the merge left:
/// they hold while those do, whatever is written to other months meanwhile (the next day's
/// merges, another family's load).
pub(crate) struct CachedTops {
    pub month: YearMonth,
    pub limit: usize,
    pub segments: Vec<crate::segments::Segment>,
    pub candidates: Vec<TopCandidates>,
}

/// The per-article segments of `month` as they stand.
pub(crate) fn month_segments(
    store: &EmbeddedStore,
    month: YearMonth,
) -> StoreResult<Vec<crate::segments::Segment>> {
    let rtxn = store.read_txn()?;
    let manifest = crate::write::WriteState::read(&store.inner.tables, &rtxn)?.manifest;
    Ok(manifest.newest_first(PER_ARTICLE, month).copied().collect())
}

/// How many candidates per project and access a month's merge keeps for the roll-up (a
/// roll-up asks for 1,001 and a few more).
pub(crate) const MERGE_LIMIT: usize = 2048;

/// Heaps filled from articles in ascending id order (one per thread).
pub(crate) struct Collector {
    heaps: ProjectHeaps,
    project_of: ProjectOfId,
    limit: usize,
}

impl Collector {
    pub fn new(
        tables: &crate::Tables,
        txn: &heed::RoTxn<'_, heed::WithoutTls>,
        limit: usize,
    ) -> StoreResult<Collector> {
        Ok(Collector {
            heaps: ProjectHeaps::new(),
            project_of: ProjectOfId::read(tables, txn)?,
            limit,
        })
    }

    pub fn into_heaps(self) -> ProjectHeaps {
        self.heaps
    }

    /// Offers an article's month (its resolved rows).
    pub fn offer(&mut self, id: u32, rows: &[crate::codec::RawDay]) -> StoreResult<()> {
        offer(&mut self.heaps, &mut self.project_of, self.limit, id, rows)
    }
}

pub(crate) fn candidates(
    store: &EmbeddedStore,
    month: YearMonth,
    limit: usize,
) -> StoreResult<Vec<TopCandidates>> {
    if let Some(cached) = store.cached_tops(month, limit)? {
        return Ok(cached);
    }
    // Each thread reads through a transaction of its own; should another process commit
    // between them, the snapshot is taken again.
    loop {
        let (rtxn, snapshot) = store.read_snapshot()?;
        let tables = &store.inner.tables;
        let next_article = u64::from(crate::write::WriteState::read(tables, &rtxn)?.next_article);
        let threads =
            std::thread::available_parallelism().map_or(1, |n| n.get()).clamp(1, 4) as u64;
        let per_thread: Vec<StoreResult<Option<ProjectHeaps>>> = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..threads)
                .map(|first| {
                    let snapshot = &snapshot;
                    scope.spawn(move || {
                        let blocks = (first..next_article.div_ceil(BLOCK_IDS).max(1))
                            .step_by(threads as usize);
                        scan_blocks(store, snapshot, month, limit, blocks)
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().unwrap_or_else(|_| Err(codec::corrupt("a scan thread panicked"))))
                .collect()
        });
        let Some(parts) = per_thread.into_iter().collect::<StoreResult<Option<Vec<_>>>>()? else {
            continue;
        };
        let names = snapshot.project_ids.iter().map(|(name, id)| (*id, name.clone())).collect();
        return titled(&snapshot.dictionary, &names, combine(parts, limit));
    }
}

/// The heaps of the month's articles in `blocks` (of [`BLOCK_IDS`] ids), read through a new
/// transaction; `None` when the store changed since `snapshot`.
fn scan_blocks(
    store: &EmbeddedStore,
    snapshot: &crate::Snapshot,
    month: YearMonth,
    limit: usize,
    blocks: impl Iterator<Item = u64>,
) -> StoreResult<Option<ProjectHeaps>> {
    let tables = &store.inner.tables;
    let rtxn = store.read_txn()?;
    if crate::read_segments_generation(tables, &rtxn)? != snapshot.generation {
        return Ok(None);
    }
    let mut collector = Collector::new(tables, &rtxn, limit)?;
    let mut rows = Vec::new();
    for block in blocks {
        let ids = block * BLOCK_IDS..(block + 1) * BLOCK_IDS;
        let segments = snapshot.manifest.newest_first(PER_ARTICLE, month);
        let mut scan = SegmentScan::open(&snapshot.slots, &rtxn, month, segments, ids)?;
        while let Some(id) = scan.next_raw(&mut rows)? {
            collector.offer(id, &rows)?;
        }
    }
    Ok(Some(collector.heaps))
}

/// The candidates the merge of a complete month collected, when nothing changed since and
/// they are enough for `limit`.
impl EmbeddedStore {
    pub(crate) fn cached_tops(
        &self,
        month: YearMonth,
        limit: usize,
    ) -> StoreResult<Option<Vec<TopCandidates>>> {
        let segments = month_segments(self, month)?;
        let cache = self.inner.month_tops.lock().unwrap_or_else(|p| p.into_inner());
        let Some(cached) = cache.as_ref() else { return Ok(None) };
        if cached.month != month || cached.limit < limit || cached.segments != segments {
            return Ok(None);
        }
        let mut out = cached.candidates.clone();
        for c in &mut out {
            if c.entries.len() > limit {
                c.entries.sort_unstable_by_key(|e| Reverse(e.1));
                c.entries.truncate(limit);
                c.truncated = true;
            }
        }
        Ok(Some(out))
    }
}

/// The heaps of several threads as one.
pub(crate) fn combine(parts: Vec<ProjectHeaps>, limit: usize) -> ProjectHeaps {
    let mut heaps = ProjectHeaps::new();
    for part in parts {
        for (project, part_heaps) in part {
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
    heaps
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

/// The candidates with their titles, looked up in one pass over each project's dictionary;
/// `names` maps project ids to names.
pub(crate) fn titled(
    dictionary: &crate::Dictionary,
    names: &HashMap<u16, String>,
    heaps: ProjectHeaps,
) -> StoreResult<Vec<TopCandidates>> {
    let mut out = Vec::new();
    let mut projects: Vec<(u16, Vec<Heap>)> = heaps.into_iter().collect();
    projects.sort_by_key(|(id, _)| names.get(id).cloned().unwrap_or_default());
    for (pid, project_heaps) in projects {
        let name = names.get(&pid).ok_or_else(|| codec::corrupt("unknown project id"))?;
        let mut titles: HashMap<u32, String> = project_heaps
            .iter()
            .flat_map(|h| h.entries.iter().map(|Reverse((_, id))| (*id, String::new())))
            .collect();
        dictionary.for_each_in(pid, |key, id| {
            if let Some(title) = titles.get_mut(&id) {
                *title = std::str::from_utf8(key)
                    .map_err(|_| codec::corrupt("title is not UTF-8"))?
                    .to_string();
            }
            Ok(())
        })?;
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

/// Every project's id and name, as `txn` sees them.
pub(crate) fn project_names(
    tables: &crate::Tables,
    txn: &heed::RoTxn<'_, heed::WithoutTls>,
) -> StoreResult<HashMap<u16, String>> {
    let mut names = HashMap::new();
    for entry in tables.projects.iter(txn).map_err(engine)? {
        let (name, id) = entry.map_err(engine)?;
        let name = std::str::from_utf8(name).map_err(|_| codec::corrupt("project name"))?;
        names.insert(crate::dictionary::project_id_value(id)?, name.to_string());
    }
    Ok(names)
}

#[cfg(test)]
mod tests {
    use crate::{EmbeddedStore, StoreOptions};
    use aqs_core::dates::YearMonth;
    use aqs_core::pageviews::{
        ArticleDay, ArticleViews, PageviewsBatch, PageviewsWrite, TopCandidates,
    };
    use aqs_core::params::{Access, Agent};
    use aqs_core::project::Project;

    fn sorted(mut c: Vec<TopCandidates>) -> Vec<TopCandidates> {
        c.sort_by(|a, b| (&a.project, a.access).cmp(&(&b.project, b.access)));
        for x in &mut c {
            x.entries.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        }
        c
    }

    #[test]
    fn the_merge_of_a_complete_month_collects_what_a_scan_finds() {
        let dir = tempfile::tempdir().unwrap();
        let options = StoreOptions { map_size: 1 << 28, ..Default::default() };
        let store = EmbeddedStore::open_with(dir.path(), &options).unwrap();
        let month = YearMonth::new(2023, 2).unwrap();
        for (d, day) in month.days().enumerate() {
            let mut article_days = Vec::new();
            for (p, project) in ["de.wikipedia", "en.wikipedia"].iter().enumerate() {
                let rows = (0..30u32)
                    .map(|a| {
                        let mut v = ArticleViews::default();
                        // Distinct monthly sums, no ties at any cut.
                        v.add(Access::Desktop, Agent::User, a * 97 + p as u32 * 13 + d as u32 % 3);
                        v.add(Access::MobileWeb, Agent::User, (a * 31) % 17 * 100 + a);
                        v.add(Access::Desktop, Agent::Spider, 50);
                        (format!("A{a:02}"), v)
                    })
                    .collect();
                article_days.push(ArticleDay {
                    day,
                    project: Project::from_stored(*project),
                    rows,
                });
            }
            let batch = PageviewsBatch {
                replace_article_days: vec![day],
                article_days,
                ..Default::default()
            };
            store.write(&batch).unwrap();
        }
        assert!(store.inner.month_tops.lock().unwrap().is_some(), "the last merge collected");
        let collected = sorted(store.month_top_candidates(month, 5).unwrap());
        *store.inner.month_tops.lock().unwrap() = None;
        let scanned = sorted(store.month_top_candidates(month, 5).unwrap());
        assert_eq!(collected, scanned);
        assert_eq!(collected.len(), 2 * 3, "two projects, three accesses with user views");
        assert!(collected.iter().all(|c| c.entries.len() == 5 && c.truncated));
    }

    #[test]
    fn a_scan_begun_after_another_commit_asks_for_a_new_snapshot() {
        let dir = tempfile::tempdir().unwrap();
        let options = StoreOptions { map_size: 1 << 28, ..Default::default() };
        let store = EmbeddedStore::open_with(dir.path(), &options).unwrap();
        let month = YearMonth::new(2023, 2).unwrap();
        let write = |views: u32| {
            let mut v = ArticleViews::default();
            v.add(Access::Desktop, Agent::User, views);
            let day = month.first_day();
            let rows = vec![("A".to_string(), v)];
            let article_days = vec![ArticleDay { day, project: Project::from_stored("x"), rows }];
            let batch = PageviewsBatch {
                replace_article_days: vec![day],
                article_days,
                ..Default::default()
            };
            store.write(&batch).unwrap();
        };
        write(5);
        let (rtxn, snapshot) = store.read_snapshot().unwrap();
        drop(rtxn);
        let found = super::scan_blocks(&store, &snapshot, month, 3, 0..1).unwrap();
        assert!(found.is_some_and(|heaps| heaps.len() == 1), "the same snapshot is scanned");
        write(7);
        assert!(super::scan_blocks(&store, &snapshot, month, 3, 0..1).unwrap().is_none());
        let candidates = store.month_top_candidates(month, 3).unwrap();
        assert_eq!(candidates[0].entries[0].1, 7, "the retry reads the new day");
        // A write of an entity table moves the segments' generation and not the pageviews
        // one: a snapshot taken after it is current, and a scan of it finds the month.
        use aqs_core::mediarequests::per_file::{PER_FILE, per_file_row};
        use aqs_core::table::{SeriesBatch, SeriesChanges, TableWrite};
        let row = per_file_row("all-referers", "/f.jpg", month.first_day(), 1, 0);
        let changes = vec![SeriesChanges { table: &PER_FILE, replace: vec![], rows: vec![row] }];
        store.publish_series(&SeriesBatch { dataset: PER_FILE.dataset, changes }).unwrap();
        let (rtxn, snapshot) = store.read_snapshot().unwrap();
        drop(rtxn);
        assert!(super::scan_blocks(&store, &snapshot, month, 3, 0..1).unwrap().is_some());
        assert_eq!(store.month_top_candidates(month, 3).unwrap()[0].entries[0].1, 7);
    }
}

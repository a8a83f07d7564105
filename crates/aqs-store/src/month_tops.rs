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
        if self.entries.len() < limit {
            self.entries.push(Reverse((views, id)));
        } else if let Some(mut least) = self.entries.peek_mut() {
            if views > least.0.0 {
                *least = Reverse((views, id));
            }
        }
    }
}

pub(crate) fn candidates(
    store: &EmbeddedStore,
    month: YearMonth,
    limit: usize,
) -> StoreResult<Vec<TopCandidates>> {
    let rtxn = store.read_txn()?;
    let snapshot = store.snapshot(&rtxn)?;
    let tables = &store.inner.tables;
    let mut project_of = ProjectOfId::read(tables, &rtxn)?;
    let mut heaps: HashMap<u16, Vec<Heap>> = HashMap::new();
    let mut scan = SegmentScan::month(&snapshot.slots, &rtxn, &snapshot.manifest, month)?;
    let mut rows = Vec::new();
    while let Some(id) = scan.next_raw(&mut rows)? {
        let mut user = [0u64; 3];
        for row in &rows {
            for (sum, v) in user.iter_mut().zip(row.user_views()) {
                *sum += v;
            }
        }
        if user == [0; 3] {
            continue;
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
    }
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
        for entry in tables.articles.prefix_iter(&rtxn, &pid.to_be_bytes()).map_err(engine)? {
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

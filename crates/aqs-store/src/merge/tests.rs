//! Merges committed chunk by chunk: a merge stopped between chunks reads as before, and the
//! next merge finishes it.

use super::Merged;
use crate::segments::PER_ARTICLE;
use crate::{EmbeddedStore, StoreOptions};
use aqs_core::dates::{Day, YearMonth};
use aqs_core::pageviews::{
    ArticleDay, ArticleViews, PageviewsBatch, PageviewsRead, PageviewsWrite,
};
use aqs_core::params::{Access, Agent};
use aqs_core::project::Project;

const ARTICLES: u32 = 40;

fn write_day(store: &EmbeddedStore, day: Day, bump: u32) {
    let rows = (0..ARTICLES)
        .filter(|a| (a + u32::from(day.day())) % 4 != 0)
        .map(|a| {
            let mut views = ArticleViews::default();
            views.add(Access::Desktop, Agent::User, a * 100 + u32::from(day.day()) + bump);
            views.add(Access::MobileWeb, Agent::Spider, a);
            (format!("A{a:03}"), views)
        })
        .collect();
    let project = Project::from_stored("en.wikipedia");
    let batch = PageviewsBatch {
        replace_article_days: vec![day],
        article_days: vec![ArticleDay { day, project, rows }],
        ..Default::default()
    };
    store.write(&batch).unwrap();
}

/// Every article's series over the month, and the rows of each day.
fn everything(store: &EmbeddedStore, month: YearMonth) -> Vec<String> {
    let project = Project::from_stored("en.wikipedia");
    let mut out = Vec::new();
    for a in 0..ARTICLES {
        let title = format!("A{a:03}");
        let series = store.article_series(&project, &title, month.first_day(), month.last_day());
        out.push(format!("{a}: {:?}", series.unwrap()));
    }
    for day in month.days() {
        out.push(format!("{day}: {:?}", store.article_day(day).unwrap()));
    }
    out
}

#[test]
fn a_merge_stopped_between_chunks_reads_the_same_and_the_next_merge_finishes_it() {
    stopped_merge(false);
}

#[test]
fn segments_of_older_builds_read_and_merge_alike() {
    stopped_merge(true);
}

fn stopped_merge(older: bool) {
    let dir = tempfile::tempdir().unwrap();
    let options = StoreOptions { map_size: 1 << 28, small_month_bytes: 0, ..Default::default() };
    let store = EmbeddedStore::open_with(dir.path(), &options).unwrap();
    let month = YearMonth::new(2024, 3).unwrap();
    let days: Vec<Day> = month.days().collect();
    for &day in &days[..3] {
        write_day(&store, day, 0);
    }
    let before = everything(&store, month);
    if older {
        crate::blocks::rewrite_segments(&store, 0);
        assert_eq!(everything(&store, month), before, "one entry per article reads the same");
        let manifest = store.write_state().unwrap().manifest;
        assert!(manifest.segments.iter().all(|s| s.shift == 0));
    }
    let count = store.article_day_count().unwrap();
    let manifest = store.write_state().unwrap().manifest;
    let sources: Vec<_> = manifest.newest_first(PER_ARTICLE, month).rev().copied().collect();
    assert_eq!(sources.len(), 2, "a binary counter: two days and one");

    assert!(matches!(store.merge(sources, None, None, (Some(2), None)).unwrap(), Merged::Stopped));
    let manifest = store.write_state().unwrap().manifest;
    let unfinished = manifest.unfinished(PER_ARTICLE, month).expect("a merge under way");
    assert_eq!(unfinished.sources.len(), 2);
    assert!(unfinished.target.until > 0 && unfinished.target.until < ARTICLES);
    assert_eq!(everything(&store, month), before, "halfway, reads are unchanged");
    assert_eq!(store.article_day_count().unwrap(), count);

    // A day written on top of the unfinished merge replaces its rows on both sides.
    write_day(&store, days[1], 7);
    let mut expected = everything(&store, month);
    assert_ne!(expected, before);
    store.merge_months(&[(PER_ARTICLE, month)], false, None).unwrap();
    let manifest = store.write_state().unwrap().manifest;
    assert!(manifest.unfinished(PER_ARTICLE, month).is_none());
    assert!(manifest.segments.iter().all(|s| s.is_whole()));
    assert_eq!(everything(&store, month), expected, "after the merge is finished");

    // The month then goes on as usual, down to one segment when complete.
    for &day in &days[3..] {
        write_day(&store, day, 0);
    }
    expected = everything(&store, month);
    let manifest = store.write_state().unwrap().manifest;
    assert_eq!(manifest.segments.len(), 1);
    let (rtxn, snapshot) = store.read_snapshot().unwrap();
    let entries: u64 = snapshot
        .slots
        .iter()
        .map(|t| crate::blocks::articles(t, &rtxn, crate::blocks::ARTICLE_SHIFT))
        .sum();
    assert_eq!(entries, u64::from(ARTICLES), "merged-away tables are empty");
    drop(rtxn);
    assert_eq!(everything(&store, month), expected);
}

#[test]
fn a_small_month_is_kept_in_one_segment() {
    let dir = tempfile::tempdir().unwrap();
    let store = EmbeddedStore::open_with(dir.path(), &StoreOptions::default()).unwrap();
    let month = YearMonth::new(2024, 3).unwrap();
    let days: Vec<Day> = month.days().collect();
    for &day in &days[..5] {
        write_day(&store, day, 0);
        let manifest = store.write_state().unwrap().manifest;
        assert_eq!(manifest.newest_first(PER_ARTICLE, month).count(), 1, "{day}");
    }
}

#[test]
fn a_merge_reuses_the_pages_its_chunks_free() {
    let dir = tempfile::tempdir().unwrap();
    let options = StoreOptions { map_size: 1 << 28, small_month_bytes: 0, ..Default::default() };
    let store = EmbeddedStore::open_with(dir.path(), &options).unwrap();
    let month = YearMonth::new(2024, 3).unwrap();
    let project = Project::from_stored("en.wikipedia");
    let write = |day: Day, articles: u32| {
        let rows = (0..articles)
            .map(|a| {
                let mut views = ArticleViews::default();
                views.add(Access::Desktop, Agent::User, a + u32::from(day.day()));
                (format!("T{a:05}"), views)
            })
            .collect();
        let article_days = vec![ArticleDay { day, project: project.clone(), rows }];
        let batch =
            PageviewsBatch { replace_article_days: vec![day], article_days, ..Default::default() };
        store.write(&batch).unwrap();
    };
    for day in month.days().take(3) {
        write(day, 20_000);
    }
    // A larger day of the next month takes the pages the first merge freed, so that what the
    // merge below needs comes from its own chunks or from the end of the file.
    write(month.next().first_day(), 60_000);
    let manifest = store.write_state().unwrap().manifest;
    let sources: Vec<_> = manifest.newest_first(PER_ARTICLE, month).rev().copied().collect();
    assert_eq!(sources.len(), 2, "a binary counter: two days and one");
    let pages = || store.inner.env.info().last_page_number;
    let before = pages();
    assert!(matches!(store.merge(sources, None, None, (None, None)).unwrap(), Merged::Done(None)));
    let grown = pages() - before;
    let (rtxn, snapshot) = store.read_snapshot().unwrap();
    let merged = snapshot.manifest.segments[0];
    let stat = snapshot.slots[merged.slot as usize].stat(&rtxn).unwrap();
    let written = stat.leaf_pages + stat.branch_pages + stat.overflow_pages;
    // In one transaction the new segment cannot take the merged segments' pages (free only once
    // it commits): the file grew by about half the new segment here (68 of 145 pages).
    assert!(written > 40, "a segment of {written} pages");
    assert!(grown * 4 < written, "the file grew by {grown} pages for a segment of {written}");
}

#[test]
fn a_spent_merge_budget_leaves_merges_for_the_next_write_and_reads_the_same() {
    let dir = tempfile::tempdir().unwrap();
    let options = StoreOptions { map_size: 1 << 28, small_month_bytes: 0, ..Default::default() };
    let store = EmbeddedStore::open_with(dir.path(), &options).unwrap();
    let reference_dir = tempfile::tempdir().unwrap();
    let reference = EmbeddedStore::open_with(reference_dir.path(), &options).unwrap();
    let month = YearMonth::new(2024, 3).unwrap();
    let segments = |store: &EmbeddedStore| {
        let manifest = store.write_state().unwrap().manifest;
        manifest.newest_first(PER_ARTICLE, month).count()
    };
    // No time at all for merges: every day stays a segment of its own, and each write says so.
    store.set_merge_budget(Some(std::time::Duration::ZERO));
    for day in month.days().take(4) {
        write_day(&store, day, 0);
        write_day(&reference, day, 0);
        assert_eq!(everything(&store, month), everything(&reference, month), "after {day}");
    }
    assert_eq!(segments(&store), 4, "no merge ran");
    assert_eq!(segments(&reference), 1, "four days merged: a binary counter's one segment");
    let day = month.days().nth(4).unwrap();
    let project = Project::from_stored("en.wikipedia");
    let batch = PageviewsBatch {
        article_days: vec![ArticleDay { day, project, rows: vec![] }],
        replace_article_days: vec![day],
        ..Default::default()
    };
    assert!(store.write(&batch).unwrap().merge_deferred);

    // A budget again: the next write merges what the policy asks for, the deferred included.
    store.set_merge_budget(None);
    write_day(&store, month.days().nth(5).unwrap(), 0);
    write_day(&reference, month.days().nth(5).unwrap(), 0);
    assert_eq!(everything(&store, month), everything(&reference, month));
    assert!(segments(&store) <= 2, "{} segments", segments(&store));
}

#[test]
fn a_merge_left_under_way_goes_on_with_the_next_write_of_another_month() {
    let dir = tempfile::tempdir().unwrap();
    let options = StoreOptions { map_size: 1 << 28, small_month_bytes: 0, ..Default::default() };
    let store = EmbeddedStore::open_with(dir.path(), &options).unwrap();
    let march = YearMonth::new(2024, 3).unwrap();
    store.set_merge_budget(Some(std::time::Duration::ZERO));
    for day in march.days().take(3) {
        write_day(&store, day, 0);
    }
    let before = everything(&store, march);
    let manifest = store.write_state().unwrap().manifest;
    let sources: Vec<_> = manifest.newest_first(PER_ARTICLE, march).rev().copied().collect();
    assert_eq!(sources.len(), 3);
    // Cut short after one chunk, as a spent budget would.
    assert!(matches!(store.merge(sources, None, None, (Some(1), None)).unwrap(), Merged::Stopped));
    assert!(store.write_state().unwrap().manifest.unfinished(PER_ARTICLE, march).is_some());

    store.set_merge_budget(None);
    write_day(&store, YearMonth::new(2024, 4).unwrap().first_day(), 0);
    let manifest = store.write_state().unwrap().manifest;
    assert!(manifest.unfinished(PER_ARTICLE, march).is_none(), "April's write finished March's");
    assert_eq!(manifest.newest_first(PER_ARTICLE, march).count(), 1);
    assert_eq!(everything(&store, march), before);
}

/// A complete month in one segment per day, no merge run yet (budget zero).
fn unmerged_month(dir: &std::path::Path, month: YearMonth) -> EmbeddedStore {
    let options = StoreOptions { map_size: 1 << 28, small_month_bytes: 0, ..Default::default() };
    let store = EmbeddedStore::open_with(dir, &options).unwrap();
    store.set_merge_budget(Some(std::time::Duration::ZERO));
    for day in month.days() {
        write_day(&store, day, 0);
    }
    store
}

fn sorted(mut candidates: Vec<aqs_core::pageviews::TopCandidates>) -> Vec<String> {
    candidates.sort_by(|a, b| (a.project.as_str(), a.access).cmp(&(b.project.as_str(), b.access)));
    for c in &mut candidates {
        c.entries.sort();
    }
    candidates.iter().map(|c| format!("{c:?}")).collect()
}

/// A whole-month merge that its budget stops keeps the candidates of the chunks it merged;
/// the write that finishes it has the whole month's, as one uninterrupted merge would, and
/// the roll-up takes them without reading the month. Without the saved candidates (a process
/// killed between a chunk and the save) the merge still finishes and the roll-up reads the
/// month: the same candidates.
#[test]
fn a_whole_month_merge_stopped_by_its_budget_keeps_its_candidates_for_the_roll_up() {
    use crate::month_tops::ProjectHeaps;
    let month = YearMonth::new(2024, 3).unwrap();
    for saved in [true, false] {
        let dir = tempfile::tempdir().unwrap();
        let store = unmerged_month(dir.path(), month);
        let manifest = store.write_state().unwrap().manifest;
        let sources: Vec<_> = manifest.newest_first(PER_ARTICLE, month).rev().copied().collect();
        assert_eq!(sources.len(), 31, "no merge ran");
        let scanned = sorted(store.month_top_candidates(month, 20).unwrap());
        assert!(!scanned.is_empty());

        let stopped = store.merge(sources, None, Some(ProjectHeaps::new()), (Some(2), None));
        assert!(matches!(stopped.unwrap(), Merged::Stopped));
        let target = store.write_state().unwrap().manifest.unfinished(PER_ARTICLE, month);
        let target = target.expect("a merge under way").target;
        assert!(target.until > 0 && target.until < ARTICLES, "stopped halfway");
        if !saved {
            assert!(store.take_merge_heaps(&target).unwrap().is_some());
        }
        store.set_merge_budget(None);
        store.merge_months(&[(PER_ARTICLE, month)], false, None).unwrap();
        let manifest = store.write_state().unwrap().manifest;
        assert_eq!(manifest.newest_first(PER_ARTICLE, month).count(), 1, "merged whole");
        assert_eq!(store.cached_tops(month, 20).unwrap().is_some(), saved);
        assert_eq!(sorted(store.month_top_candidates(month, 20).unwrap()), scanned);
        if saved {
            // The next month's writes leave them be; a write of the month does not.
            write_day(&store, YearMonth::new(2024, 4).unwrap().first_day(), 0);
            assert!(store.cached_tops(month, 20).unwrap().is_some(), "April changes no March");
            store.set_merge_budget(Some(std::time::Duration::ZERO));
            write_day(&store, month.first_day(), 3);
            assert!(store.cached_tops(month, 20).unwrap().is_none(), "March 1 rewritten");
        }
    }
}

/// A write given a time to stop merging by stops there as with a spent budget (in these
/// tests there is no least merge time), and the earlier of that time and the budget's counts.
#[test]
fn a_time_to_stop_merging_by_stops_merges_like_a_spent_budget() {
    use std::time::{Duration, Instant};
    let dir = tempfile::tempdir().unwrap();
    let options = StoreOptions { map_size: 1 << 28, small_month_bytes: 0, ..Default::default() };
    let store = EmbeddedStore::open_with(dir.path(), &options).unwrap();
    let month = YearMonth::new(2024, 3).unwrap();
    let segments =
        || store.write_state().unwrap().manifest.newest_first(PER_ARTICLE, month).count();
    store.set_merge_budget(Some(Duration::ZERO));
    for day in month.days().take(4) {
        write_day(&store, day, 0);
    }
    let before = everything(&store, month);
    assert_eq!(segments(), 4);
    let parts = [(PER_ARTICLE, month)];
    let later = Instant::now() + Duration::from_secs(600);
    assert!(!store.merge_months(&parts, false, Some(later)).unwrap(), "the budget is spent");
    store.set_merge_budget(None);
    assert!(!store.merge_months(&parts, false, Some(Instant::now())).unwrap(), "the time is up");
    assert_eq!(segments(), 4, "no merge ran");
    assert!(store.merge_months(&parts, false, Some(later)).unwrap());
    assert_eq!(segments(), 1, "four days merged");
    assert_eq!(everything(&store, month), before);
}

#[test]
fn a_merge_of_few_entries_is_few_chunks() {
    // A wiki's month of 3,000 pages, their ids spread over a dictionary of a million names:
    // one transaction (one sync), not 64.
    let ids = super::chunk_ids(999_999, 3_000, 16_384, 2);
    assert!(ids >= 1_000_000, "{ids}");
    // 100,000 entries: 7 chunks; a month of pageviews (15 M blocks): 64.
    assert_eq!(1_000_000u64.div_ceil(super::chunk_ids(999_999, 100_000, 16_384, 2)), 7);
    assert_eq!(60_000_000u64.div_ceil(super::chunk_ids(59_999_999, 15_000_000, 16_384, 5)), 64);
    // Chunks end between the new segment's blocks.
    assert_eq!(super::chunk_ids(999, 500, 1, 2), 16, "1,000 ids in 64 chunks");
    assert_eq!(super::chunk_ids(999, 500, 1, 5), 32);
}

use crate::{EmbeddedStore, StoreOptions, engine};
use aqs_core::dates::{Day, TopPeriod};
use aqs_core::pageviews::{
    ArticleDay, ArticleViews, PageviewsBatch, PageviewsRead, PageviewsWrite, TopArticles, TopEntry,
    TopRow,
};
use aqs_core::params::{Access, Agent};
use aqs_core::project::Project;

fn list(titles: &[&str]) -> TopArticles {
    let entries = titles.iter().enumerate().map(|(i, t)| TopEntry {
        article: t.to_string(),
        views: 1000 - 10 * i as u64,
        rank: i as u32 + 1,
    });
    TopArticles::List(entries.collect())
}

/// The stored kind of the top list of `day`, and the list as read.
fn stored(store: &EmbeddedStore, project: &Project, day: Day) -> (u8, TopArticles) {
    let period = TopPeriod::Day(day);
    let read = store.top(project, Access::AllAccess, period).unwrap().unwrap();
    let rtxn = store.read_txn().unwrap();
    let key = crate::pageviews::top_key(0, Access::AllAccess, period);
    let value = store.inner.tables.top.get(&rtxn, &key).map_err(engine).unwrap().unwrap();
    (value[0], read)
}

#[test]
fn lists_of_loaded_titles_name_them_by_article_id_and_others_by_list_name() {
    let dir = tempfile::tempdir().unwrap();
    let options = StoreOptions { map_size: 1 << 28, ..Default::default() };
    let store = EmbeddedStore::open_with(dir.path(), &options).unwrap();
    let project = Project::from_stored("en.wikipedia");
    let day = Day::from_ymd(2024, 3, 1).unwrap();
    let mut views = ArticleViews::default();
    views.add(Access::Desktop, Agent::User, 5);
    let titles = ["Ä_(x)", "Main_Page", "B,\"c\""];
    let rows = titles.iter().map(|t| (t.to_string(), views)).collect();
    let loaded = list(&["Main_Page", "Ä_(x)", "B,\"c\""]);
    let top = |day, articles: &TopArticles| TopRow {
        project: project.clone(),
        access: Access::AllAccess,
        period: TopPeriod::Day(day),
        articles: articles.clone(),
    };
    let batch = PageviewsBatch {
        replace_article_days: vec![day],
        article_days: vec![ArticleDay { day, project: project.clone(), rows }],
        top_rows: vec![top(day, &loaded)],
        ..Default::default()
    };
    store.write(&batch).unwrap();
    assert_eq!(stored(&store, &project, day), (4, loaded.clone()));

    // An imported list naming a title no load brought.
    let next = day.add_days(1);
    let imported = list(&["Main_Page", "Not_loaded"]);
    let batch = PageviewsBatch { top_rows: vec![top(next, &imported)], ..Default::default() };
    store.write(&batch).unwrap();
    assert_eq!(stored(&store, &project, next), (2, imported));
    assert_eq!(stored(&store, &project, day), (4, loaded), "the first list is unchanged");
}

/// A store holding `titles` of en.wikipedia (as loaded on `day`).
fn store_with(dir: &std::path::Path, day: Day, titles: &[String]) -> EmbeddedStore {
    let options = StoreOptions { map_size: 1 << 28, ..Default::default() };
    let store = EmbeddedStore::open_with(dir, &options).unwrap();
    let mut views = ArticleViews::default();
    views.add(Access::Desktop, Agent::User, 5);
    let rows = titles.iter().map(|t| (t.clone(), views)).collect();
    let project = Project::from_stored("en.wikipedia");
    let batch = PageviewsBatch {
        article_days: vec![ArticleDay { day, project, rows }],
        ..Default::default()
    };
    store.write(&batch).unwrap();
    store
}

fn put_list(store: &EmbeddedStore, day: Day, articles: TopArticles) {
    let row = TopRow {
        project: Project::from_stored("en.wikipedia"),
        access: Access::AllAccess,
        period: TopPeriod::Day(day),
        articles,
    };
    store.write(&PageviewsBatch { top_rows: vec![row], ..Default::default() }).unwrap();
}

fn top_entries(store: &EmbeddedStore) -> u64 {
    let rtxn = store.read_txn().unwrap();
    store.inner.tables.top.len(&rtxn).map_err(engine).unwrap()
}

fn names_files(dir: &std::path::Path) -> Vec<String> {
    let mut files: Vec<String> = std::fs::read_dir(dir.join("dictionary"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.ends_with(".names"))
        .collect();
    files.sort();
    files
}

#[test]
fn a_long_list_is_stored_in_page_sized_parts_and_replaced_whole() {
    let dir = tempfile::tempdir().unwrap();
    let day = Day::from_ymd(2024, 3, 1).unwrap();
    let titles: Vec<String> = (0..1500).map(|i| format!("Article_{i:05}_ü")).collect();
    let store = store_with(dir.path(), day, &titles);
    let project = Project::from_stored("en.wikipedia");

    // 1,000 entries with falling views (large steps: several bytes each) and positional ranks.
    let long: Vec<TopEntry> = (0..1000u64)
        .map(|i| TopEntry {
            article: titles[(i * 7 % 1500) as usize].clone(),
            views: 10_000_000_000 - i * i * 9_999,
            rank: i as u32 + 1,
        })
        .collect();
    let long = TopArticles::List(long);
    put_list(&store, day, long.clone());
    let (kind, read) = stored(&store, &project, day);
    assert_eq!((kind, &read), (4, &long));
    let rtxn = store.read_txn().unwrap();
    let key = crate::pageviews::top_key(0, Access::AllAccess, TopPeriod::Day(day));
    let head = store.inner.tables.top.get(&rtxn, &key).map_err(engine).unwrap().unwrap();
    let parts = super::continuation_parts(head).unwrap();
    assert!(parts >= 1, "a list of 1,000 such entries takes more than one part");
    assert!(head.len() <= super::PART);
    let mut total = head.len();
    for part in 1..=parts {
        let bytes = store.inner.tables.top.get(&rtxn, &super::part_key(&key, part));
        let bytes = bytes.map_err(engine).unwrap().expect("each part is stored");
        assert!(bytes.len() <= super::PART);
        total += bytes.len();
    }
    drop(rtxn);
    assert_eq!(top_entries(&store), 1 + u64::from(parts));
    // Ids, the first views whole, the falls, no ranks: well under the JSON's size.
    assert!(total < 1000 * 10, "{total} bytes");

    // Replaced by a short list, with ranks that are not positions and views that rise: the
    // parts go, and both flags are off.
    let short = TopArticles::List(vec![
        TopEntry { article: titles[3].clone(), views: 5, rank: 1 },
        TopEntry { article: titles[4].clone(), views: 5, rank: 1 },
        TopEntry { article: titles[5].clone(), views: 9, rank: 3 },
    ]);
    put_list(&store, day, short.clone());
    assert_eq!(stored(&store, &project, day), (4, short));
    assert_eq!(top_entries(&store), 1, "no part of the long list is left");
}

#[test]
fn listed_titles_live_in_one_names_file_that_each_new_title_replaces() {
    let dir = tempfile::tempdir().unwrap();
    let day = Day::from_ymd(2024, 3, 1).unwrap();
    let titles: Vec<String> = ["A", "B", "C", "D"].iter().map(|t| t.to_string()).collect();
    let store = store_with(dir.path(), day, &titles);
    let project = Project::from_stored("en.wikipedia");
    assert!(names_files(dir.path()).is_empty(), "no list yet, no file");

    put_list(&store, day, list(&["B", "A"]));
    assert_eq!(names_files(dir.path()), ["0000000001.names"]);
    // The same titles again: no new file.
    put_list(&store, day.add_days(1), list(&["A", "B"]));
    assert_eq!(names_files(dir.path()), ["0000000001.names"]);
    // A new title: the next file, and the old one gone once that commit is done.
    put_list(&store, day.add_days(2), list(&["D", "A"]));
    assert_eq!(names_files(dir.path()), ["0000000002.names"]);
    let sizes = store.table_sizes().unwrap();
    let names = sizes.iter().find(|t| t.name == "top_names").unwrap();
    assert_eq!(names.entries, 3);
    for (offset, expected) in
        [(0, list(&["B", "A"])), (1, list(&["A", "B"])), (2, list(&["D", "A"]))]
    {
        assert_eq!(stored(&store, &project, day.add_days(offset)), (4, expected));
    }
    // Another process (a fresh handle) reads them through the file `meta` names.
    drop(store);
    let again = EmbeddedStore::open(dir.path()).unwrap();
    assert_eq!(stored(&again, &project, day.add_days(2)).1, list(&["D", "A"]));
}

#[test]
fn lists_written_with_titles_in_list_names_still_read() {
    let dir = tempfile::tempdir().unwrap();
    let day = Day::from_ymd(2024, 3, 1).unwrap();
    let store = store_with(dir.path(), day, &["X".to_string()]);
    // Kind 3, as stores wrote it before the names file: article 0 titled in `list_names`.
    let mut value = vec![3];
    crate::codec::put_varint(&mut value, 2);
    for (id, rank_less_position, views) in [(0u64, 0u64, 70u64), (0, 1, 6)] {
        for v in [id, rank_less_position, views] {
            crate::codec::put_varint(&mut value, v);
        }
    }
    let key = crate::pageviews::top_key(0, Access::AllAccess, TopPeriod::Day(day));
    let mut wtxn = store.inner.env.write_txn().unwrap();
    let tables = &store.inner.tables;
    tables.list_names.put(&mut wtxn, &super::title_key(0), b"Old_title").unwrap();
    tables.top.put(&mut wtxn, &key, &value).unwrap();
    wtxn.commit().unwrap();
    let project = Project::from_stored("en.wikipedia");
    let read = store.top(&project, Access::AllAccess, TopPeriod::Day(day)).unwrap().unwrap();
    let expected = TopArticles::List(vec![
        TopEntry { article: "Old_title".into(), views: 70, rank: 1 },
        // Rank 2 + the zigzag of 1 (-1): 1; views 70 less the zigzag of 6 (3): 67.
        TopEntry { article: "Old_title".into(), views: 67, rank: 1 },
    ]);
    assert_eq!(read, expected);
}

#[test]
fn ranks_that_follow_from_the_views_or_the_positions_are_not_stored() {
    let dir = tempfile::tempdir().unwrap();
    let day = Day::from_ymd(2024, 3, 1).unwrap();
    let titles: Vec<String> = ["A", "B", "C", "D"].iter().map(|t| t.to_string()).collect();
    let store = store_with(dir.path(), day, &titles);
    let project = Project::from_stored("en.wikipedia");
    let entries = |ranks_views: &[(u32, u64)]| {
        let entries = ranks_views.iter().zip(&titles).map(|((rank, views), title)| TopEntry {
            article: title.clone(),
            views: *views,
            rank: *rank,
        });
        TopArticles::List(entries.collect())
    };
    // (ranks and views, the flags byte)
    let cases = [
        // SQL rank(): ties share a rank, the next skips (what loads write).
        (vec![(1, 9), (2, 7), (2, 7), (4, 1)], super::RANKS_BY_VIEWS | super::VIEWS_FALL),
        // Positions although two views tie.
        (vec![(1, 9), (2, 7), (3, 7), (4, 1)], super::RANKS_ARE_POSITIONS | super::VIEWS_FALL),
        // Neither (an import may say anything).
        (vec![(1, 9), (1, 7), (3, 7), (3, 1)], super::VIEWS_FALL),
    ];
    let mut sizes = Vec::new();
    for (offset, (ranks_views, flags)) in cases.into_iter().enumerate() {
        let day = day.add_days(offset as i32);
        let list = entries(&ranks_views);
        put_list(&store, day, list.clone());
        assert_eq!(stored(&store, &project, day), (4, list), "case {offset}");
        let rtxn = store.read_txn().unwrap();
        let key = crate::pageviews::top_key(0, Access::AllAccess, TopPeriod::Day(day));
        let value = store.inner.tables.top.get(&rtxn, &key).map_err(engine).unwrap().unwrap();
        assert_eq!(value[2], flags, "case {offset}: the flags after the kind and part count");
        sizes.push(value.len());
    }
    // Four one-byte ranks more where they are stored.
    assert_eq!(sizes[0], sizes[1]);
    assert_eq!(sizes[2], sizes[0] + 4);
}

//! The embedded store: the shared conformance suite, a property test against the in-memory
//! reference store, and the format-version check.

use aqs_core::StoreError;
use aqs_core::dates::{Day, YearMonth};
use aqs_core::memory::MemoryStore;
use aqs_core::pageviews::{
    ArticleDay, ArticleViews, PageviewsBatch, PageviewsRead, PageviewsWrite, WriteSummary,
};
use aqs_core::params::{Access, Agent};
use aqs_core::project::Project;
use aqs_store::{EmbeddedStore, StoreOptions};
use proptest::prelude::*;

/// A fresh store in a temporary directory that lives as long as the store value.
struct TempStore {
    store: EmbeddedStore,
    _dir: tempfile::TempDir,
}

impl std::ops::Deref for TempStore {
    type Target = EmbeddedStore;
    fn deref(&self) -> &EmbeddedStore {
        &self.store
    }
}

fn temp_store() -> TempStore {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = EmbeddedStore::open_with(
        dir.path(),
        &StoreOptions { map_size: 1 << 30, ..StoreOptions::default() },
    )
    .expect("open");
    TempStore { store, _dir: dir }
}

mod conformance {
    use super::*;
    aqs_core::pageviews_conformance!(temp_store().store.clone());
    aqs_core::series_conformance!(Box::new(temp_store().store.clone()));
}

#[test]
fn a_store_of_another_format_version_is_refused_with_a_clear_message() {
    let dir = tempfile::tempdir().unwrap();
    let store = EmbeddedStore::open(dir.path()).unwrap();
    aqs_store::set_format_version_for_tests(&store, 99).unwrap();
    drop(store);
    let err = EmbeddedStore::open(dir.path()).err().expect("refused");
    assert!(
        matches!(
            err,
            StoreError::UnsupportedFormat { found: 99, supported: aqs_store::FORMAT_VERSION, .. }
        ),
        "{err}"
    );
    assert!(err.to_string().contains("unsupported store format version 99"), "{err}");
}

#[test]
fn a_store_of_the_format_before_opens_as_it_is_and_is_marked_as_this_one() {
    use heed::types::Bytes;
    let dir = tempfile::tempdir().unwrap();
    let d = Day::from_ymd(2024, 1, 1).unwrap();
    let mut v = ArticleViews::default();
    v.add(Access::Desktop, Agent::User, 3);
    {
        let store = EmbeddedStore::open(dir.path()).unwrap();
        let day =
            ArticleDay { day: d, project: Project::from_stored("x"), rows: vec![("A".into(), v)] };
        store.write(&PageviewsBatch { article_days: vec![day], ..Default::default() }).unwrap();
        aqs_store::set_format_version_for_tests(&store, aqs_store::FORMAT_VERSION - 1).unwrap();
    }
    {
        let store = EmbeddedStore::open(dir.path()).unwrap();
        assert_eq!(
            store.article_series(&Project::from_stored("x"), "A", d, d).unwrap(),
            vec![(d, v)]
        );
    }
    let mut options = heed::EnvOpenOptions::new();
    options.max_dbs(16);
    // SAFETY: the stores above were dropped; nothing else maps it.
    #[allow(unsafe_code)]
    let env = unsafe { options.open(dir.path()) }.unwrap();
    let rtxn = env.read_txn().unwrap();
    let meta: heed::Database<Bytes, Bytes> =
        env.open_database(&rtxn, Some("meta")).unwrap().unwrap();
    let version = meta.get(&rtxn, b"format_version").unwrap().unwrap();
    assert_eq!(version, aqs_store::FORMAT_VERSION.to_be_bytes(), "marked as this build's");
}

#[test]
fn a_store_of_another_format_gets_no_table_it_lacks() {
    use heed::types::Bytes;
    let dir = tempfile::tempdir().unwrap();
    // An older store: its `meta` says version 3, and it has none of the newer tables.
    {
        let mut options = heed::EnvOpenOptions::new();
        options.max_dbs(16);
        // SAFETY: a fresh directory no other process or handle maps.
        #[allow(unsafe_code)]
        let env = unsafe { options.open(dir.path()) }.unwrap();
        let mut wtxn = env.write_txn().unwrap();
        let meta: heed::Database<Bytes, Bytes> =
            env.create_database(&mut wtxn, Some("meta")).unwrap();
        meta.put(&mut wtxn, b"format_version", &3u32.to_be_bytes()).unwrap();
        wtxn.commit().unwrap();
    }
    let err = EmbeddedStore::open(dir.path()).err().expect("refused");
    assert!(err.to_string().contains("unsupported store format version 3"), "{err}");
    let mut options = heed::EnvOpenOptions::new();
    options.max_dbs(16);
    // SAFETY: the store above was dropped; nothing else maps it.
    #[allow(unsafe_code)]
    let env = unsafe { options.open(dir.path()) }.unwrap();
    let rtxn = env.read_txn().unwrap();
    let parts: Option<heed::Database<Bytes, Bytes>> =
        env.open_database(&rtxn, Some("series_parts")).unwrap();
    assert!(parts.is_none(), "the refused store was not given a table");
}

#[test]
fn opening_one_directory_twice_shares_the_store() {
    let s = temp_store();
    let again = EmbeddedStore::open(s.path()).unwrap();
    let d = Day::from_ymd(2024, 1, 1).unwrap();
    let mut v = ArticleViews::default();
    v.add(Access::Desktop, Agent::User, 3);
    again
        .write(&PageviewsBatch {
            article_days: vec![ArticleDay {
                day: d,
                project: Project::from_stored("x"),
                rows: vec![("A".into(), v)],
            }],
            ..Default::default()
        })
        .unwrap();
    assert_eq!(s.article_series(&Project::from_stored("x"), "A", d, d).unwrap(), vec![(d, v)]);
}

#[test]
fn a_complete_month_is_one_segment_and_reads_stay_correct() {
    let s = temp_store();
    let month = YearMonth::new(2024, 2).unwrap();
    let p = Project::from_stored("en.wikipedia");
    for (i, day) in month.days().enumerate() {
        let mut v = ArticleViews::default();
        v.add(Access::MobileWeb, Agent::User, i as u32 + 1);
        s.write(&PageviewsBatch {
            replace_article_days: vec![day],
            article_days: vec![ArticleDay {
                day,
                project: p.clone(),
                rows: vec![("A".into(), v), (format!("T{i}"), v)],
            }],
            ..Default::default()
        })
        .unwrap();
    }
    let series = s.article_series(&p, "A", month.first_day(), month.last_day()).unwrap();
    assert_eq!(series.len(), 29);
    assert_eq!(s.article_day_count().unwrap(), 29 * 2);
    let sizes = s.table_sizes().unwrap();
    assert_eq!(sizes.iter().find(|t| t.name == "articles").unwrap().entries, 30);
    assert_eq!(
        sizes.iter().find(|t| t.name == "series").unwrap().entries,
        8,
        "one segment after the month completes: its 30 articles in blocks of four ids"
    );
    assert!(
        series
            .iter()
            .enumerate()
            .all(|(i, (_, v))| v.get(Access::AllAccess, Agent::AllAgents) == i as u32 + 1)
    );
    let before = s.used_bytes().unwrap();
    s.compact().unwrap();
    assert_eq!(s.article_series(&p, "A", month.first_day(), month.last_day()).unwrap(), series);
    assert!(s.used_bytes().unwrap() <= before);
}

#[test]
fn a_compacted_copy_reads_the_same_and_holds_no_free_pages() {
    let s = temp_store();
    let p = Project::from_stored("en.wikipedia");
    let month = YearMonth::new(2024, 2).unwrap();
    for (i, day) in month.days().enumerate().take(20) {
        let rows: Vec<(String, ArticleViews)> = (0..300)
            .map(|a| {
                let mut v = ArticleViews::default();
                v.add(Access::Desktop, Agent::User, 1 + (a + i as u32) % 7);
                (format!("Title_{a:04}"), v)
            })
            .collect();
        s.write(&PageviewsBatch {
            replace_article_days: vec![day],
            article_days: vec![ArticleDay { day, project: p.clone(), rows }],
            ..Default::default()
        })
        .unwrap();
    }
    let dest = tempfile::tempdir().unwrap();
    let out = dest.path().join("compacted");
    s.compact_into(&out).unwrap();
    let copy = EmbeddedStore::open(&out).unwrap();
    for a in [0, 150, 299] {
        let t = format!("Title_{a:04}");
        assert_eq!(
            copy.article_series(&p, &t, month.first_day(), month.last_day()).unwrap(),
            s.article_series(&p, &t, month.first_day(), month.last_day()).unwrap()
        );
    }
    assert_eq!(copy.article_day_count().unwrap(), 20 * 300);
    assert!(
        copy.file_bytes().unwrap() < s.file_bytes().unwrap(),
        "{} >= {}",
        copy.file_bytes().unwrap(),
        s.file_bytes().unwrap()
    );
    assert!(s.compact_into(&out).is_err(), "an existing store is never overwritten");
}

/// A table written in the middle a month at a time (as a history load writes its top lists)
/// splits its pages; the compacted copy holds the same entries in full pages.
#[test]
fn a_compacted_copy_packs_tables_written_out_of_order() {
    use aqs_core::conformance::series::COUNTS;
    use aqs_core::dates::Period;
    use aqs_core::table::{Numbers, SeriesBatch, SeriesChanges, SeriesRow, TableRead, TableWrite};
    let s = temp_store();
    let months: Vec<YearMonth> = (1..=12).map(|m| YearMonth::new(2024, m).unwrap()).collect();
    for month in &months {
        let rows = (0..300)
            .map(|k| SeriesRow {
                key: vec![format!("p{k:03}"), "all-sites".into()],
                period: Period::Month(*month),
                sub: String::new(),
                values: Numbers::counters(&[k, u64::from(month.month())]),
            })
            .collect();
        let changes = vec![SeriesChanges { table: &COUNTS, replace: Vec::new(), rows }];
        s.publish_series(&SeriesBatch { dataset: COUNTS.dataset, changes }).unwrap();
    }
    let dest = tempfile::tempdir().unwrap();
    let out = dest.path().join("packed");
    s.compact_into(&out).unwrap();
    let copy = EmbeddedStore::open(&out).unwrap();
    let (first, last) = (Period::Month(months[0]), Period::Month(months[11]));
    for k in [0, 150, 299] {
        let key = format!("p{k:03}");
        let read = |store: &EmbeddedStore| {
            store.series(&COUNTS, &[&key, "all-sites"], first, last).unwrap()
        };
        assert_eq!(read(&copy).len(), 12);
        assert_eq!(read(&copy), read(&s), "{key}");
    }
    let bytes = |store: &EmbeddedStore| {
        let sizes = store.table_sizes().unwrap();
        sizes.iter().find(|t| t.name == "series_tables").map(|t| (t.bytes, t.entries)).unwrap()
    };
    let (packed, written) = (bytes(&copy), bytes(&s));
    assert_eq!(packed.1, written.1, "the same entries");
    assert!(packed.0 * 5 < written.0 * 4, "full pages: {packed:?} against {written:?}");
}

#[test]
fn a_small_batch_against_a_large_dictionary_finds_and_adds_titles() {
    let s = temp_store();
    let p = Project::from_stored("en.wikipedia");
    let d = Day::from_ymd(2024, 1, 1).unwrap();
    let mut v = ArticleViews::default();
    v.add(Access::Desktop, Agent::User, 1);
    let rows: Vec<(String, ArticleViews)> = (0..500).map(|i| (format!("T{i:04}"), v)).collect();
    s.write(&PageviewsBatch {
        article_days: vec![ArticleDay { day: d, project: p.clone(), rows }],
        ..Default::default()
    })
    .unwrap();
    // Two rows against 500 titles: looked up one by one; one exists, one is new (in the middle).
    let mut w = ArticleViews::default();
    w.add(Access::MobileWeb, Agent::Spider, 7);
    let rows = vec![("T0100".to_string(), w), ("T0100a".to_string(), w)];
    s.write(&PageviewsBatch {
        article_days: vec![ArticleDay { day: d.next(), project: p.clone(), rows }],
        ..Default::default()
    })
    .unwrap();
    assert_eq!(s.article_series(&p, "T0100", d, d.next()).unwrap(), vec![(d, v), (d.next(), w)]);
    assert_eq!(s.article_series(&p, "T0100a", d, d.next()).unwrap(), vec![(d.next(), w)]);
    assert_eq!(s.article_series(&p, "T0101", d, d.next()).unwrap(), vec![(d, v)]);
}

#[test]
fn a_daily_load_appends_instead_of_rewriting_the_store() {
    let s = temp_store();
    let p = Project::from_stored("en.wikipedia");
    let titles: Vec<String> = (0..1000).map(|i| format!("Article_number_{i:05}")).collect();
    let day_batch = |day: Day| {
        let rows = titles
            .iter()
            .enumerate()
            .map(|(i, t)| {
                let mut v = ArticleViews::default();
                v.add(Access::Desktop, Agent::User, 1 + (i as u32 % 50));
                v.add(Access::MobileWeb, Agent::Spider, 1);
                (t.clone(), v)
            })
            .collect();
        PageviewsBatch {
            replace_article_days: vec![day],
            article_days: vec![ArticleDay { day, project: p.clone(), rows }],
            ..Default::default()
        }
    };
    for month in 1..=3 {
        for day in YearMonth::new(2024, month).unwrap().days() {
            s.write(&day_batch(day)).unwrap();
        }
    }
    let (used, file) = (s.used_bytes().unwrap(), s.file_bytes().unwrap());
    s.write(&day_batch(Day::from_ymd(2024, 4, 1).unwrap())).unwrap();
    let grown = s.used_bytes().unwrap() - used;
    // A lone day pays its keys (about 18 bytes per article) until its month is merged, so it
    // costs about a sixth of a compacted month; it must not cost anything like the store.
    assert!(grown * 10 < used, "a day grew the store by {grown} of {used} bytes");
    assert!(s.file_bytes().unwrap() - file < file / 4, "the file grew by more than a quarter");
}

// ---------------------------------------------------------------------------------------------
// Property test: random batches applied to both stores give the same reads.

#[derive(Debug, Clone)]
enum Op {
    /// Replace a day with these (article, counter) rows.
    LoadDay { day: u8, rows: Vec<(u8, u32, u8)> },
    /// Upsert rows without replacing.
    Import { day: u8, rows: Vec<(u8, u32, u8)> },
}

const FIRST: (i32, u8, u8) = (2024, 1, 20);

fn day_n(n: u8) -> Day {
    Day::from_ymd(FIRST.0, FIRST.1, FIRST.2).unwrap().add_days(i32::from(n))
}

fn article_rows(rows: &[(u8, u32, u8)]) -> Vec<ArticleDay> {
    let mut by_project: std::collections::BTreeMap<String, Vec<(String, ArticleViews)>> =
        Default::default();
    for &(article, views, column) in rows {
        let project = if article % 3 == 0 { "de.wikipedia" } else { "en.wikipedia" };
        let mut v = ArticleViews::default();
        let access = Access::CONCRETE[usize::from(column % 3)];
        let agent = Agent::CONCRETE[usize::from(column / 3 % 3)];
        v.add(access, agent, views);
        if column >= 9 {
            v.0[0] += 1; // an imported row whose rollup is not the sum
        }
        let list = by_project.entry(project.to_string()).or_default();
        list.retain(|(t, _)| *t != format!("Title_{article}"));
        list.push((format!("Title_{article}"), v));
    }
    by_project
        .into_iter()
        .map(|(p, mut rows)| {
            rows.sort_by(|a, b| a.0.cmp(&b.0));
            ArticleDay { day: day_n(0), project: Project::from_stored(p), rows }
        })
        .collect()
}

fn op_strategy() -> impl Strategy<Value = Op> {
    let rows = proptest::collection::vec((0u8..12, 0u32..100_000, 0u8..12), 0..8);
    prop_oneof![
        (0u8..45, rows.clone()).prop_map(|(day, rows)| Op::LoadDay { day, rows }),
        (0u8..45, rows).prop_map(|(day, rows)| Op::Import { day, rows }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn embedded_store_reads_like_the_reference(ops in proptest::collection::vec(op_strategy(), 1..40)) {
        let real = temp_store();
        let model = MemoryStore::new();
        for op in &ops {
            let (day, rows, replace) = match op {
                Op::LoadDay { day, rows } => (*day, rows, true),
                Op::Import { day, rows } => (*day, rows, false),
            };
            let mut days = article_rows(rows);
            for d in &mut days { d.day = day_n(day); }
            let batch = PageviewsBatch {
                replace_article_days: if replace { vec![day_n(day)] } else { vec![] },
                article_days: days,
                ..Default::default()
            };
            let (a, b) = (real.write(&batch).unwrap(), model.write(&batch).unwrap());
            let rows = |s: WriteSummary| (s.article_rows, s.project_rows, s.top_rows);
            prop_assert_eq!(rows(a), rows(b));
        }
        for article in 0..12u8 {
            for project in ["en.wikipedia", "de.wikipedia"] {
                let p = Project::from_stored(project);
                let title = format!("Title_{article}");
                for (first, last) in [(0, 44), (5, 15), (11, 12), (30, 31)] {
                    prop_assert_eq!(
                        real.article_series(&p, &title, day_n(first), day_n(last)).unwrap(),
                        model.article_series(&p, &title, day_n(first), day_n(last)).unwrap()
                    );
                }
            }
        }
        prop_assert_eq!(real.article_days_loaded().unwrap(), model.article_days_loaded().unwrap());
        for d in [0u8, 11, 12, 40] {
            prop_assert_eq!(real.article_day(day_n(d)).unwrap(), model.article_day(day_n(d)).unwrap());
        }
    }
}

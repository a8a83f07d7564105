//! The ClickHouse backend against a real server: the shared conformance suite, a property test
//! against the in-memory reference store, atomic and idempotent batches, hostile titles, and
//! `init`. Needs `--features clickhouse-tests` and a server at `AQS_TEST_CLICKHOUSE_URL`
//! (scripts/test.sh starts one); every test works in a database of its own, dropped after.
#![cfg(feature = "clickhouse-tests")]

use aqs_clickhouse::client::Client;
use aqs_clickhouse::schema::{current_version, drop_database};
use aqs_clickhouse::{ClickHouseStore, SCHEMA_VERSION, init};
use aqs_core::dates::{Day, TopPeriod, YearMonth};
use aqs_core::error::StoreResult;
use aqs_core::memory::MemoryStore;
use aqs_core::pageviews::{
    ArticleDay, ArticleViews, DayPublish, DayPublishOptions, PageviewsBatch, PageviewsRead,
    PageviewsWrite, Period, ProjectRow, TopArticles, TopCandidates, WriteSummary,
};
use aqs_core::params::{Access, Agent};
use aqs_core::project::Project;
use std::sync::atomic::{AtomicU32, Ordering};

pub fn url() -> String {
    std::env::var("AQS_TEST_CLICKHOUSE_URL").unwrap_or_else(|_| "http://127.0.0.1:18123".into())
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

/// A fresh database name for one test.
pub fn fresh_name(what: &str) -> String {
    format!("aqs_t_{what}_{}_{}", std::process::id(), COUNTER.fetch_add(1, Ordering::SeqCst))
}

/// A store in a database of its own, dropped with the value.
pub struct TempDb {
    pub store: ClickHouseStore,
}

impl TempDb {
    #[allow(clippy::new_without_default)]
    pub fn new() -> TempDb {
        let db = fresh_name("store");
        let client = Client::new(&url()).expect("client");
        init(&client, &db, None, &[]).expect("init");
        TempDb { store: ClickHouseStore::open(&url(), &db).expect("open") }
    }
}

impl std::ops::Deref for TempDb {
    type Target = ClickHouseStore;

    fn deref(&self) -> &ClickHouseStore {
        &self.store
    }
}

impl Drop for TempDb {
    fn drop(&mut self) {
        let _ = drop_database(self.store.client(), self.store.database());
    }
}

impl PageviewsRead for TempDb {
    fn article_days_loaded(&self) -> StoreResult<Vec<Day>> {
        self.store.article_days_loaded()
    }

    fn generation(&self) -> StoreResult<u64> {
        self.store.generation()
    }
    fn article_series(
        &self,
        p: &Project,
        a: &str,
        f: Day,
        l: Day,
    ) -> StoreResult<Vec<(Day, ArticleViews)>> {
        self.store.article_series(p, a, f, l)
    }
    fn project_series(
        &self,
        p: &Project,
        a: Access,
        g: Agent,
        f: Period,
        l: Period,
    ) -> StoreResult<Vec<(Period, u64)>> {
        self.store.project_series(p, a, g, f, l)
    }
    fn top(&self, p: &Project, a: Access, t: TopPeriod) -> StoreResult<Option<TopArticles>> {
        self.store.top(p, a, t)
    }
}

impl PageviewsWrite for TempDb {
    fn write(&self, batch: &PageviewsBatch) -> StoreResult<WriteSummary> {
        self.store.write(batch)
    }
    fn begin_day<'s>(
        &'s self,
        options: DayPublishOptions<'s>,
    ) -> StoreResult<Box<dyn DayPublish + 's>> {
        self.store.begin_day(options)
    }
    fn month_top_candidates(
        &self,
        month: YearMonth,
        limit: usize,
    ) -> StoreResult<Vec<TopCandidates>> {
        self.store.month_top_candidates(month, limit)
    }
    fn article_day(&self, day: Day) -> StoreResult<Vec<ArticleDay>> {
        self.store.article_day(day)
    }
    fn project_day(&self, day: Day) -> StoreResult<Vec<ProjectRow>> {
        self.store.project_day(day)
    }
}

mod conformance {
    use super::*;
    aqs_core::pageviews_conformance!(TempDb::new());
    aqs_core::series_conformance!(TempDb::new());
    mod feature_usage {
        use super::*;
        aqs_core::feature_usage_conformance!(TempDb::new());
    }
}

fn day(y: i32, m: u8, d: u8) -> Day {
    Day::from_ymd(y, m, d).unwrap()
}

fn views(n: u32) -> ArticleViews {
    let mut v = ArticleViews::default();
    v.add(Access::Desktop, Agent::User, n);
    v.add(Access::MobileWeb, Agent::Spider, n / 2);
    v
}

#[test]
fn init_is_idempotent_and_open_refuses_an_empty_database() {
    let client = Client::new(&url()).unwrap();
    let db = fresh_name("init");
    let first = init(&client, &db, None, &[]).unwrap();
    assert_eq!(first.applied, vec![1, 2, 3]);
    let again = init(&client, &db, None, &[]).unwrap();
    assert!(again.applied.is_empty());
    assert_eq!(current_version(&client, &db).unwrap(), SCHEMA_VERSION);
    drop_database(&client, &db).unwrap();

    let empty = fresh_name("empty");
    client.query(&format!("CREATE DATABASE {empty}")).unwrap();
    let error = ClickHouseStore::open(&url(), &empty).unwrap_err().to_string();
    assert!(error.contains("aqs clickhouse init"), "{error}");
    drop_database(&client, &empty).unwrap();
    // Names are checked, not pasted.
    assert!(init(&client, "x; DROP DATABASE system", None, &[]).is_err());
    // Cluster mode on a server without ZooKeeper needs the node list.
    let error = init(&client, &fresh_name("c"), Some("two_shards"), &[]).unwrap_err().to_string();
    assert!(error.contains("--node"), "{error}");
}

#[test]
fn a_version_1_database_is_upgraded_by_init_and_keeps_its_data() {
    use aqs_clickhouse::schema::{Layout, fill, statements};
    let client = Client::new(&url()).unwrap();
    let db = fresh_name("v1");
    client.query(&format!("CREATE DATABASE {db}")).unwrap();
    for statement in statements(include_str!("../schema/0001_pageviews.sql")) {
        client.query(&fill(&statement, &db, &Layout::Single)).unwrap();
    }
    client
        .query(&format!("INSERT INTO {db}.aqs_schema (version, applied, cluster, nodes) VALUES (1, now(), '', [])"))
        .unwrap();
    let error = ClickHouseStore::open(&url(), &db).unwrap_err().to_string();
    assert!(error.contains("run `aqs clickhouse init` to upgrade"), "{error}");
    // Pageviews written by version 1 (through the tables directly: this build cannot open it).
    client
        .query(&format!(
            "INSERT INTO {db}.pageviews_per_project (project, access, agent, granularity, period_start, batch, views) \
             VALUES ('en.wikipedia', 'all-access', 'all-agents', 'daily', toDateTime('2024-01-01 00:00:00', 'UTC'), 1, 42)"
        ))
        .unwrap();
    client
        .query(&format!(
            "INSERT INTO {db}.aqs_batches (batch, committed, replace_article_days, replace_project_days, article_rows, project_rows, top_rows) \
             VALUES (1, now(), [], [], 0, 1, 0)"
        ))
        .unwrap();
    let upgraded = init(&client, &db, None, &[]).unwrap();
    assert_eq!(upgraded.applied, vec![2, 3]);
    let store = ClickHouseStore::open(&url(), &db).unwrap();
    let d = Period::Day(day(2024, 1, 1));
    let views = store
        .project_series(
            &Project::from_stored("en.wikipedia"),
            Access::AllAccess,
            Agent::AllAgents,
            d,
            d,
        )
        .unwrap();
    assert_eq!(views, vec![(d, 42)]);
    use aqs_core::table::TableRead;
    assert_eq!(store.dataset_generation(aqs_core::table::Dataset::UniqueDevices).unwrap(), 0);
    drop(store);
    drop_database(&client, &db).unwrap();
}

#[test]
fn hostile_titles_are_data_not_sql() {
    let db = TempDb::new();
    let d = day(2024, 1, 1);
    let titles = [
        "O'Brien",
        r"back\slash",
        r"\'",
        "x' OR '1'='1",
        "'; DROP TABLE pageviews_per_article; --",
        "tab\there",
        "new\nline",
        "nul\0byte",
        "日本語",
        "%27",
    ];
    let mut rows: Vec<(String, ArticleViews)> =
        titles.iter().enumerate().map(|(i, t)| (t.to_string(), views(i as u32 + 1))).collect();
    rows.sort_by(|a, b| a.0.cmp(&b.0));
    let en = Project::from_stored("en.wikipedia");
    db.write(&PageviewsBatch {
        replace_article_days: vec![d],
        article_days: vec![ArticleDay { day: d, project: en.clone(), rows }],
        ..Default::default()
    })
    .unwrap();
    for (i, title) in titles.iter().enumerate() {
        assert_eq!(
            db.article_series(&en, title, d, d).unwrap(),
            vec![(d, views(i as u32 + 1))],
            "{title:?}"
        );
    }
    assert!(db.article_series(&en, "x' OR '1'='1' --", d, d).unwrap().is_empty());
    assert!(
        db.article_series(&Project::from_stored("en.wikipedia' OR 1=1 --"), "O'Brien", d, d)
            .unwrap()
            .is_empty()
    );
    assert_eq!(db.article_days_loaded().unwrap(), vec![d]);
}

#[test]
fn a_failed_load_is_invisible_and_a_reload_replaces_the_day() {
    let db = TempDb::new();
    let d = day(2024, 1, 1);
    let en = Project::from_stored("en.wikipedia");
    let batch = |n: u32| PageviewsBatch {
        replace_article_days: vec![d],
        article_days: vec![ArticleDay {
            day: d,
            project: en.clone(),
            rows: vec![("A".into(), views(n))],
        }],
        ..Default::default()
    };
    db.write(&batch(1)).unwrap();
    let generation = db.generation().unwrap();
    // A load that died after writing rows and before its commit: rows with a batch id that
    // aqs_batches does not hold.
    let columns = aqs_clickhouse::store::article_columns();
    db.store
        .client()
        .query(&format!(
            "INSERT INTO {}.pageviews_per_article (project, article, day, batch, {columns}) VALUES ('en.wikipedia', 'A', '2024-01-01', 18446744073709551000, {})",
            db.store.database(),
            ["99"; 16].join(", ")
        ))
        .unwrap();
    db.store.refresh().unwrap();
    assert_eq!(db.article_series(&en, "A", d, d).unwrap(), vec![(d, views(1))]);
    assert_eq!(db.generation().unwrap(), generation, "uncommitted rows change nothing");
    // Loading the same day again replaces it, idempotently.
    db.write(&batch(2)).unwrap();
    db.write(&batch(2)).unwrap();
    assert_eq!(db.article_series(&en, "A", d, d).unwrap(), vec![(d, views(2))]);
    assert_ne!(db.generation().unwrap(), generation);
}

#[test]
fn a_second_process_sees_a_load_through_the_watcher() {
    let db = TempDb::new();
    let reader = ClickHouseStore::open(&url(), db.store.database()).unwrap();
    reader.watch(std::time::Duration::from_millis(50));
    let before = reader.generation().unwrap();
    let d = day(2024, 1, 1);
    let en = Project::from_stored("en.wikipedia");
    db.write(&PageviewsBatch {
        article_days: vec![ArticleDay {
            day: d,
            project: en.clone(),
            rows: vec![("A".into(), views(3))],
        }],
        ..Default::default()
    })
    .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while reader.generation().unwrap() == before {
        assert!(std::time::Instant::now() < deadline, "the reader never saw the load");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    assert_eq!(reader.article_series(&en, "A", d, d).unwrap(), vec![(d, views(3))]);
}

mod property {
    use super::*;
    use proptest::prelude::*;

    /// One batch: (day offset to replace, whether to replace, rows (day offset, title, views)).
    type Batch = (u8, bool, Vec<(u8, u8, u32)>);

    fn batch_strategy() -> impl Strategy<Value = Vec<Batch>> {
        // Batches of (day offset to replace, whether to replace, rows (day, title, views)).
        prop::collection::vec(
            (0u8..4, any::<bool>(), prop::collection::vec((0u8..4, 0u8..5, 0u32..1000), 0..12)),
            1..5,
        )
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 12, .. ProptestConfig::default() })]
        #[test]
        fn clickhouse_answers_as_the_reference_store(batches in batch_strategy()) {
            let db = TempDb::new();
            let memory = MemoryStore::new();
            let base = day(2024, 2, 27);
            let en = Project::from_stored("en.wikipedia");
            for (replace, replacing, rows) in &batches {
                let mut article_days = Vec::new();
                for (offset, title, n) in rows {
                    article_days.push(ArticleDay {
                        day: base.add_days(i32::from(*offset)),
                        project: en.clone(),
                        rows: vec![(format!("T'{title}"), views(*n))],
                    });
                }
                let batch = PageviewsBatch {
                    replace_article_days: if *replacing { vec![base.add_days(i32::from(*replace))] } else { vec![] },
                    article_days,
                    ..Default::default()
                };
                db.write(&batch).unwrap();
                memory.write(&batch).unwrap();
            }
            for title in 0..5 {
                let t = format!("T'{title}");
                prop_assert_eq!(
                    db.article_series(&en, &t, base, base.add_days(3)).unwrap(),
                    memory.article_series(&en, &t, base, base.add_days(3)).unwrap()
                );
            }
            prop_assert_eq!(db.article_days_loaded().unwrap(), memory.article_days_loaded().unwrap());
            for offset in 0..4 {
                let d = base.add_days(offset);
                prop_assert_eq!(db.article_day(d).unwrap(), memory.article_day(d).unwrap());
            }
        }
    }
}

/// Waits until ClickHouse has run every mutation of a database.
fn mutations_done(store: &ClickHouseStore) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let pending = store
            .client()
            .query(&format!(
                "SELECT count() FROM system.mutations WHERE database = '{}' AND is_done = 0 FORMAT TSV",
                store.database()
            ))
            .unwrap();
        if String::from_utf8_lossy(&pending).trim() == "0" {
            return;
        }
        assert!(std::time::Instant::now() < deadline, "mutations still running after 30 s");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

fn count(store: &ClickHouseStore, sql: &str) -> u64 {
    let text = store.client().query(&format!("{sql} FORMAT TSV")).unwrap();
    String::from_utf8_lossy(&text).trim().parse().unwrap()
}

#[test]
fn clean_up_deletes_replaced_rows_and_nothing_else() {
    let db = TempDb::new();
    let d = day(2024, 3, 1);
    let en = Project::from_stored("en.wikipedia");
    let (aa, ag) = (Access::AllAccess, Agent::AllAgents);
    let march = Period::Month(aqs_core::dates::YearMonth::new(2024, 3).unwrap());
    let row =
        |period, views| ProjectRow { project: en.clone(), access: aa, agent: ag, period, views };
    let first = PageviewsBatch {
        replace_article_days: vec![d],
        article_days: vec![ArticleDay {
            day: d,
            project: en.clone(),
            rows: vec![("A".into(), views(1))],
        }],
        replace_project_days: vec![d],
        project_rows: vec![row(Period::Day(d), 1), row(march, 31), row(Period::Day(d.next()), 2)],
        ..Default::default()
    };
    db.write(&first).unwrap();
    let second = PageviewsBatch {
        replace_article_days: vec![d],
        article_days: vec![ArticleDay {
            day: d,
            project: en.clone(),
            rows: vec![("B".into(), views(5))],
        }],
        replace_project_days: vec![d],
        project_rows: vec![row(Period::Day(d), 10)],
        ..Default::default()
    };
    db.write(&second).unwrap();
    mutations_done(&db.store);
    let name = db.store.database();
    // The replaced day's old rows are gone from disk, not just hidden...
    assert_eq!(count(&db.store, &format!("SELECT count() FROM {name}.pageviews_per_article")), 1);
    assert_eq!(count(&db.store, &format!("SELECT count() FROM {name}.pageviews_per_project")), 3);
    // ...and the month that starts on that day, and the next day, are kept.
    assert_eq!(db.project_series(&en, aa, ag, march, march).unwrap(), vec![(march, 31)]);
    assert_eq!(
        db.project_series(&en, aa, ag, Period::Day(d), Period::Day(d.next())).unwrap(),
        vec![(Period::Day(d), 10), (Period::Day(d.next()), 2)]
    );
    assert!(db.article_series(&en, "A", d, d).unwrap().is_empty());
    assert_eq!(db.article_series(&en, "B", d, d).unwrap(), vec![(d, views(5))]);
}

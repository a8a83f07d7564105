//! The store conformance suite: the behaviour every backend must share with the in-memory
//! reference store. A backend's tests call [`pageviews_conformance!`] with an expression that
//! makes a fresh, empty store; the macro expands to one `#[test]` per case.

use crate::dates::{Day, Hour, TopPeriod, YearMonth};
use crate::pageviews::{
    ArticleDay, ArticleViews, PageviewsBatch, PageviewsStore, Period, ProjectRow, TopArticles,
    TopEntry, TopRow,
};
use crate::params::{Access, Agent};
use crate::project::Project;

pub mod entity;
pub mod feature_usage;
pub mod history;
mod many;
mod publish;
mod ranges;
pub mod ranked;
pub mod series;
pub use many::many_articles_read_as_each_one_alone;
pub use publish::{
    a_dropped_or_refused_publication_publishes_nothing, a_streamed_day_keeps_the_other_agents,
    a_streamed_day_replaces_the_day_whole, month_top_candidates_rank_the_months_user_views,
};
pub use ranges::reads_past_the_epoch_or_far_ahead_answer_what_is_inside;

/// Expands to one test per conformance case, each on a fresh store from `$make`.
#[macro_export]
macro_rules! pageviews_conformance {
    ($make:expr) => {
        $crate::pageviews_conformance!(@cases $make;
            article_series_round_trip, article_series_omits_missing_days_and_respects_bounds,
            replacing_a_day_drops_its_old_rows, rows_without_a_replaced_day_are_upserted,
            titles_are_stored_byte_exact, imported_rollups_are_kept_as_is,
            project_series_by_granularity, replacing_project_days_keeps_months,
            top_lists_round_trip, scans_for_loaders, large_counters_round_trip,
            the_last_of_duplicate_rows_in_a_batch_wins,
            a_streamed_day_replaces_the_day_whole, a_streamed_day_keeps_the_other_agents,
            a_dropped_or_refused_publication_publishes_nothing,
            month_top_candidates_rank_the_months_user_views,
            reads_past_the_epoch_or_far_ahead_answer_what_is_inside,
            many_articles_read_as_each_one_alone);
    };
    (@cases $make:expr; $($case:ident),+) => {
        $(
            #[test]
            fn $case() {
                let store = $make;
                $crate::conformance::$case(&store);
            }
        )+
    };
}

pub fn day(y: i32, m: u8, d: u8) -> Day {
    Day::from_ymd(y, m, d).expect("valid test date")
}

pub fn project(name: &str) -> Project {
    Project::from_stored(name)
}

pub fn views(desktop_user: u32, mobile_web_spider: u32, mobile_app_automated: u32) -> ArticleViews {
    let mut v = ArticleViews::default();
    v.add(Access::Desktop, Agent::User, desktop_user);
    v.add(Access::MobileWeb, Agent::Spider, mobile_web_spider);
    v.add(Access::MobileApp, Agent::Automated, mobile_app_automated);
    v
}

pub(crate) fn article_day(d: Day, p: &str, rows: &[(&str, ArticleViews)]) -> ArticleDay {
    let mut rows: Vec<(String, ArticleViews)> =
        rows.iter().map(|(t, v)| (t.to_string(), *v)).collect();
    rows.sort_by(|a, b| a.0.cmp(&b.0));
    ArticleDay { day: d, project: project(p), rows }
}

pub(crate) fn write(store: &dyn PageviewsStore, batch: PageviewsBatch) {
    store.write(&batch).expect("write succeeds");
}

pub(crate) fn series(
    store: &dyn PageviewsStore,
    p: &str,
    title: &str,
    first: Day,
    last: Day,
) -> Vec<(Day, ArticleViews)> {
    store.article_series(&project(p), title, first, last).expect("read succeeds")
}

pub fn article_series_round_trip(store: &dyn PageviewsStore) {
    let before = store.generation().unwrap();
    let (d1, d2) = (day(2024, 3, 1), day(2024, 3, 2));
    write(
        store,
        PageviewsBatch {
            replace_article_days: vec![d1, d2],
            article_days: vec![
                article_day(
                    d1,
                    "en.wikipedia",
                    &[("Main_Page", views(100, 5, 1)), ("Foo", views(1, 0, 0))],
                ),
                article_day(d2, "en.wikipedia", &[("Main_Page", views(120, 6, 0))]),
                article_day(d1, "de.wikipedia", &[("Main_Page", views(7, 0, 0))]),
            ],
            ..Default::default()
        },
    );
    assert_eq!(
        series(store, "en.wikipedia", "Main_Page", d1, d2),
        vec![(d1, views(100, 5, 1)), (d2, views(120, 6, 0))]
    );
    assert_eq!(series(store, "de.wikipedia", "Main_Page", d1, d2), vec![(d1, views(7, 0, 0))]);
    assert_eq!(series(store, "en.wikipedia", "Foo", d1, d2), vec![(d1, views(1, 0, 0))]);
    assert!(series(store, "en.wikipedia", "Bar", d1, d2).is_empty());
    assert!(series(store, "fr.wikipedia", "Main_Page", d1, d2).is_empty());
    assert_ne!(store.generation().unwrap(), before, "a write changes the generation");
}

pub fn article_series_omits_missing_days_and_respects_bounds(store: &dyn PageviewsStore) {
    // Days across a month and a year boundary, with gaps.
    let days =
        [day(2023, 12, 30), day(2024, 1, 1), day(2024, 1, 31), day(2024, 2, 1), day(2024, 2, 29)];
    for (i, d) in days.iter().enumerate() {
        write(
            store,
            PageviewsBatch {
                replace_article_days: vec![*d],
                article_days: vec![article_day(
                    *d,
                    "en.wikipedia",
                    &[("A", views(i as u32 + 1, 0, 0))],
                )],
                ..Default::default()
            },
        );
    }
    let all = series(store, "en.wikipedia", "A", day(2023, 1, 1), day(2025, 1, 1));
    assert_eq!(all.iter().map(|(d, _)| *d).collect::<Vec<_>>(), days.to_vec());
    let inner = series(store, "en.wikipedia", "A", day(2024, 1, 1), day(2024, 2, 1));
    assert_eq!(
        inner.iter().map(|(d, v)| (*d, v.0[0])).collect::<Vec<_>>(),
        vec![(days[1], 2), (days[2], 3), (days[3], 4)]
    );
    assert!(series(store, "en.wikipedia", "A", day(2024, 1, 2), day(2024, 1, 30)).is_empty());
    assert!(series(store, "en.wikipedia", "A", day(2024, 2, 1), day(2024, 1, 1)).is_empty());
}

pub fn replacing_a_day_drops_its_old_rows(store: &dyn PageviewsStore) {
    let (d1, d2) = (day(2024, 3, 1), day(2024, 3, 2));
    write(
        store,
        PageviewsBatch {
            replace_article_days: vec![d1, d2],
            article_days: vec![
                article_day(d1, "en.wikipedia", &[("A", views(1, 0, 0)), ("B", views(2, 0, 0))]),
                article_day(d2, "en.wikipedia", &[("B", views(3, 0, 0))]),
            ],
            ..Default::default()
        },
    );
    write(
        store,
        PageviewsBatch {
            replace_article_days: vec![d1],
            article_days: vec![article_day(d1, "en.wikipedia", &[("A", views(10, 0, 0))])],
            ..Default::default()
        },
    );
    assert_eq!(series(store, "en.wikipedia", "A", d1, d2), vec![(d1, views(10, 0, 0))]);
    assert_eq!(series(store, "en.wikipedia", "B", d1, d2), vec![(d2, views(3, 0, 0))]);
    assert_eq!(store.article_days_loaded().unwrap(), vec![d1, d2]);
}

pub fn rows_without_a_replaced_day_are_upserted(store: &dyn PageviewsStore) {
    let d1 = day(2024, 3, 1);
    write(
        store,
        PageviewsBatch {
            replace_article_days: vec![d1],
            article_days: vec![article_day(
                d1,
                "en.wikipedia",
                &[("A", views(1, 0, 0)), ("B", views(2, 0, 0))],
            )],
            ..Default::default()
        },
    );
    write(
        store,
        PageviewsBatch {
            article_days: vec![article_day(
                d1,
                "en.wikipedia",
                &[("B", views(20, 0, 0)), ("C", views(3, 0, 0))],
            )],
            ..Default::default()
        },
    );
    assert_eq!(series(store, "en.wikipedia", "A", d1, d1), vec![(d1, views(1, 0, 0))]);
    assert_eq!(series(store, "en.wikipedia", "B", d1, d1), vec![(d1, views(20, 0, 0))]);
    assert_eq!(series(store, "en.wikipedia", "C", d1, d1), vec![(d1, views(3, 0, 0))]);
}

pub fn titles_are_stored_byte_exact(store: &dyn PageviewsStore) {
    let d1 = day(2024, 3, 1);
    let titles = [
        "AC/DC",
        "Are_You_the_One?",
        "100%_Pure",
        "\"Quoted\"_\\back",
        "Ünïcødé_日本語",
        "Talk:Foo",
        "-",
        "a",
        "A",
        "x".repeat(500).leak(),
    ];
    let rows: Vec<(&str, ArticleViews)> =
        titles.iter().enumerate().map(|(i, t)| (*t, views(i as u32 + 1, 0, 0))).collect();
    write(
        store,
        PageviewsBatch {
            replace_article_days: vec![d1],
            article_days: vec![article_day(d1, "en.wikipedia", &rows)],
            ..Default::default()
        },
    );
    for (i, t) in titles.iter().enumerate() {
        assert_eq!(
            series(store, "en.wikipedia", t, d1, d1),
            vec![(d1, views(i as u32 + 1, 0, 0))],
            "{t}"
        );
    }
    assert!(series(store, "en.wikipedia", "ac/dc", d1, d1).is_empty());
}

pub fn imported_rollups_are_kept_as_is(store: &dyn PageviewsStore) {
    let d1 = day(2015, 7, 1);
    let mut odd = ArticleViews::default();
    for (i, c) in odd.0.iter_mut().enumerate() {
        *c = (i as u32 + 1) * 1000;
    }
    write(
        store,
        PageviewsBatch {
            article_days: vec![article_day(
                d1,
                "en.wikipedia",
                &[("Imported", odd), ("Zero", ArticleViews::default())],
            )],
            ..Default::default()
        },
    );
    assert_eq!(series(store, "en.wikipedia", "Imported", d1, d1), vec![(d1, odd)]);
    assert_eq!(series(store, "en.wikipedia", "Zero", d1, d1), vec![(d1, ArticleViews::default())]);
}

fn prow(p: &str, access: Access, agent: Agent, period: Period, views: u64) -> ProjectRow {
    ProjectRow { project: project(p), access, agent, period, views }
}

fn hour(d: Day, h: u8) -> Period {
    Period::Hour(Hour::new(d, h).expect("valid hour"))
}

pub fn project_series_by_granularity(store: &dyn PageviewsStore) {
    let (d1, d2) = (day(2024, 2, 29), day(2024, 3, 1));
    let (aa, ag) = (Access::AllAccess, Agent::AllAgents);
    let march = Period::Month(YearMonth::new(2024, 3).unwrap());
    write(
        store,
        PageviewsBatch {
            project_rows: vec![
                prow("en.wikipedia", aa, ag, hour(d1, 23), 10),
                prow("en.wikipedia", aa, ag, hour(d2, 0), 11),
                prow("en.wikipedia", aa, ag, hour(d2, 1), 12),
                prow("en.wikipedia", aa, ag, Period::Day(d1), 100),
                prow("en.wikipedia", aa, ag, Period::Day(d2), 200),
                prow("en.wikipedia", aa, ag, march, 3000),
                prow("en.wikipedia", Access::Desktop, Agent::User, Period::Day(d2), 50),
                prow("all-projects", aa, ag, Period::Day(d2), 9_007_199_254_740_991),
            ],
            ..Default::default()
        },
    );
    let read = |p: &str, access, agent, first, last| {
        store.project_series(&project(p), access, agent, first, last).unwrap()
    };
    assert_eq!(
        read("en.wikipedia", aa, ag, hour(d1, 23), hour(d2, 0)),
        vec![(hour(d1, 23), 10), (hour(d2, 0), 11)]
    );
    assert_eq!(
        read("en.wikipedia", aa, ag, Period::Day(d1), Period::Day(d2)),
        vec![(Period::Day(d1), 100), (Period::Day(d2), 200)]
    );
    assert_eq!(read("en.wikipedia", aa, ag, march, march), vec![(march, 3000)]);
    assert_eq!(
        read("en.wikipedia", Access::Desktop, Agent::User, Period::Day(d1), Period::Day(d2)),
        vec![(Period::Day(d2), 50)]
    );
    assert_eq!(
        read("all-projects", aa, ag, Period::Day(d2), Period::Day(d2)),
        vec![(Period::Day(d2), 9_007_199_254_740_991)]
    );
    assert!(read("en.wikipedia", aa, Agent::Spider, Period::Day(d1), Period::Day(d2)).is_empty());
}

pub fn replacing_project_days_keeps_months(store: &dyn PageviewsStore) {
    let d1 = day(2024, 3, 1);
    let (aa, ag) = (Access::AllAccess, Agent::AllAgents);
    let march = Period::Month(YearMonth::new(2024, 3).unwrap());
    write(
        store,
        PageviewsBatch {
            project_rows: vec![
                prow("en.wikipedia", aa, ag, hour(d1, 5), 1),
                prow("de.wikipedia", aa, ag, Period::Day(d1), 2),
                prow("en.wikipedia", aa, ag, march, 3),
                prow("en.wikipedia", aa, ag, Period::Day(d1.next()), 4),
            ],
            ..Default::default()
        },
    );
    write(
        store,
        PageviewsBatch {
            replace_project_days: vec![d1],
            project_rows: vec![prow("en.wikipedia", aa, ag, Period::Day(d1), 20)],
            ..Default::default()
        },
    );
    let mut rows = store.project_day(d1).unwrap();
    rows.sort_by_key(|r| (r.project.clone(), r.period));
    assert_eq!(rows, vec![prow("en.wikipedia", aa, ag, Period::Day(d1), 20)]);
    let read =
        |first, last| store.project_series(&project("en.wikipedia"), aa, ag, first, last).unwrap();
    assert_eq!(read(march, march), vec![(march, 3)]);
    assert_eq!(
        read(Period::Day(d1.next()), Period::Day(d1.next())),
        vec![(Period::Day(d1.next()), 4)]
    );
}

pub fn top_lists_round_trip(store: &dyn PageviewsStore) {
    let d1 = day(2015, 10, 10);
    let month = TopPeriod::Month(YearMonth::new(2015, 10).unwrap());
    let list = TopArticles::List(vec![
        TopEntry { article: "Main_Page".into(), views: 18_793_503, rank: 1 },
        TopEntry { article: "AC/DC \"x\" \\ y".into(), views: 1000, rank: 2 },
        TopEntry { article: "Bar".into(), views: 1000, rank: 2 },
    ]);
    write(
        store,
        PageviewsBatch {
            top_rows: vec![
                TopRow {
                    project: project("en.wikipedia"),
                    access: Access::AllAccess,
                    period: TopPeriod::Day(d1),
                    articles: list.clone(),
                },
                TopRow {
                    project: project("en.wikipedia"),
                    access: Access::Desktop,
                    period: month,
                    articles: TopArticles::InvalidLegacyJson,
                },
            ],
            ..Default::default()
        },
    );
    let top = |access, period| store.top(&project("en.wikipedia"), access, period).unwrap();
    assert_eq!(top(Access::AllAccess, TopPeriod::Day(d1)), Some(list));
    assert_eq!(top(Access::Desktop, month), Some(TopArticles::InvalidLegacyJson));
    assert_eq!(top(Access::Desktop, TopPeriod::Day(d1)), None);
    assert_eq!(top(Access::AllAccess, month), None);
    let replacement = TopArticles::List(vec![TopEntry { article: "X".into(), views: 5, rank: 1 }]);
    write(
        store,
        PageviewsBatch {
            top_rows: vec![TopRow {
                project: project("en.wikipedia"),
                access: Access::AllAccess,
                period: TopPeriod::Day(d1),
                articles: replacement.clone(),
            }],
            ..Default::default()
        },
    );
    assert_eq!(top(Access::AllAccess, TopPeriod::Day(d1)), Some(replacement));
}

pub fn scans_for_loaders(store: &dyn PageviewsStore) {
    let (d1, d2) = (day(2024, 3, 1), day(2024, 3, 2));
    let en = article_day(d1, "en.wikipedia", &[("A", views(1, 2, 3)), ("B", views(4, 0, 0))]);
    let de = article_day(d1, "de.wikipedia", &[("C", views(5, 0, 0))]);
    write(
        store,
        PageviewsBatch {
            replace_article_days: vec![d1, d2],
            article_days: vec![
                en.clone(),
                de.clone(),
                article_day(d2, "en.wikipedia", &[("A", views(9, 0, 0))]),
            ],
            ..Default::default()
        },
    );
    assert_eq!(store.article_day(d1).unwrap(), vec![de, en]);
    assert!(store.article_day(day(2024, 3, 3)).unwrap().is_empty());
    assert_eq!(store.article_days_loaded().unwrap(), vec![d1, d2]);
}

pub fn large_counters_round_trip(store: &dyn PageviewsStore) {
    let d1 = day(2024, 3, 1);
    let mut big = ArticleViews::default();
    big.add(Access::Desktop, Agent::User, u32::MAX / 2);
    big.add(Access::MobileWeb, Agent::User, u32::MAX / 2);
    write(
        store,
        PageviewsBatch {
            replace_article_days: vec![d1],
            article_days: vec![article_day(d1, "en.wikipedia", &[("Big", big)])],
            ..Default::default()
        },
    );
    assert_eq!(series(store, "en.wikipedia", "Big", d1, d1), vec![(d1, big)]);
}

pub fn the_last_of_duplicate_rows_in_a_batch_wins(store: &dyn PageviewsStore) {
    let (d1, d2) = (day(2024, 3, 1), day(2024, 3, 2));
    let one = |d, v| ArticleDay {
        day: d,
        project: project("en.wikipedia"),
        rows: vec![("Twice".to_string(), v)],
    };
    write(
        store,
        PageviewsBatch {
            article_days: vec![
                one(d1, views(1, 0, 0)),
                one(d2, views(2, 0, 0)),
                one(d1, views(3, 0, 0)),
            ],
            ..Default::default()
        },
    );
    assert_eq!(
        series(store, "en.wikipedia", "Twice", d1, d2),
        vec![(d1, views(3, 0, 0)), (d2, views(2, 0, 0))]
    );
}

//! Conformance cases of what loads use: the streamed day publication and the month scan of top
//! lists.

use super::{article_day, day, project, series, views, write};
use crate::dates::{Hour, TopPeriod, YearMonth};
use crate::lists::Disallowed;
use crate::pageviews::{
    ArticleViews, DayPublishOptions, PageviewsBatch, PageviewsStore, Period, ProjectRow,
    TopArticles, TopEntry, TopRow,
};
use crate::params::{Access, Agent};

fn options<'a>(
    d: crate::dates::Day,
    agents: &'a [Agent],
    list: &'a Disallowed,
) -> DayPublishOptions<'a> {
    DayPublishOptions { day: d, agents, disallowed: list, memory_bytes: 1 << 20, merge_until: None }
}

fn hourly(p: &str, d: crate::dates::Day, views: u64) -> ProjectRow {
    let period = Period::Hour(Hour::new(d, 3).expect("hour 3"));
    ProjectRow { project: project(p), access: Access::AllAccess, agent: Agent::User, period, views }
}

fn top_of(p: &str, d: crate::dates::Day, article: &str) -> TopRow {
    TopRow {
        project: project(p),
        access: Access::AllAccess,
        period: TopPeriod::Day(d),
        articles: TopArticles::List(vec![TopEntry { article: article.into(), views: 1, rank: 1 }]),
    }
}

pub fn a_streamed_day_replaces_the_day_whole(store: &dyn PageviewsStore) {
    let (d1, d2) = (day(2024, 3, 1), day(2024, 3, 2));
    let old = views(1, 1, 1);
    write(
        store,
        PageviewsBatch {
            replace_article_days: vec![d1, d2],
            article_days: vec![
                article_day(d1, "en.wikipedia", &[("A", old), ("B", old), ("Gone", old)]),
                article_day(d1, "de.wikipedia", &[("C", old)]),
                article_day(d2, "en.wikipedia", &[("A", old)]),
            ],
            replace_project_days: vec![d1],
            project_rows: vec![hourly("en.wikipedia", d1, 5)],
            top_rows: vec![top_of("en.wikipedia", d1, "A")],
        },
    );
    let list = Disallowed::default();
    let all = Agent::CONCRETE;
    let mut day1 = store.begin_day(options(d1, &all, &list)).expect("begin");
    day1.add_rows(&project("de.wikipedia"), &[("C2", views(2, 0, 0))]).expect("add");
    day1.add_rows(&project("en.wikipedia"), &[("A", views(10, 0, 0))]).expect("add");
    day1.add_rows(&project("en.wikipedia"), &[("New", views(0, 3, 0))]).expect("add");
    assert_eq!(
        series(store, "en.wikipedia", "A", d1, d1),
        vec![(d1, old)],
        "nothing shows before the commit"
    );
    let rest = PageviewsBatch {
        replace_project_days: vec![d1],
        project_rows: vec![hourly("en.wikipedia", d1, 7)],
        top_rows: vec![top_of("en.wikipedia", d1, "New")],
        ..Default::default()
    };
    let summary = day1.commit(&rest).expect("commit");
    assert_eq!((summary.article_rows, summary.project_rows, summary.top_rows), (3, 1, 1));
    assert_eq!(series(store, "en.wikipedia", "A", d1, d2), vec![(d1, views(10, 0, 0)), (d2, old)]);
    assert_eq!(series(store, "en.wikipedia", "New", d1, d1), vec![(d1, views(0, 3, 0))]);
    for (p, t) in [("en.wikipedia", "B"), ("en.wikipedia", "Gone"), ("de.wikipedia", "C")] {
        assert!(series(store, p, t, d1, d2).is_empty(), "{p} {t}: the day is replaced whole");
    }
    assert_eq!(series(store, "de.wikipedia", "C2", d1, d1), vec![(d1, views(2, 0, 0))]);
    assert_eq!(store.article_days_loaded().unwrap(), vec![d1, d2]);
    let hour = Period::Hour(Hour::new(d1, 3).unwrap());
    let en = project("en.wikipedia");
    let hours = store.project_series(&en, Access::AllAccess, Agent::User, hour, hour).unwrap();
    assert_eq!(hours, vec![(hour, 7)]);
    let top = store.top(&en, Access::AllAccess, TopPeriod::Day(d1)).unwrap();
    assert_eq!(top, Some(top_of("en.wikipedia", d1, "New").articles));
}

fn agent_views(entries: &[(Access, Agent, u32)]) -> ArticleViews {
    let mut v = ArticleViews::default();
    for (access, agent, n) in entries {
        v.add(*access, *agent, *n);
    }
    v
}

pub fn a_streamed_day_keeps_the_other_agents(store: &dyn PageviewsStore) {
    let (d1, d2) = (day(2024, 3, 1), day(2024, 3, 2));
    let (desktop, web) = (Access::Desktop, Access::MobileWeb);
    let a = agent_views(&[(desktop, Agent::User, 10), (web, Agent::Spider, 5)]);
    let spider_only = agent_views(&[(web, Agent::Spider, 7)]);
    let user_only = agent_views(&[(desktop, Agent::User, 4)]);
    write(
        store,
        PageviewsBatch {
            replace_article_days: vec![d1, d2],
            article_days: vec![
                article_day(
                    d1,
                    "en.wikipedia",
                    &[("A", a), ("B", spider_only), ("Hidden", spider_only), ("Z", user_only)],
                ),
                article_day(d1, "fr.wikipedia", &[("F", spider_only)]),
                article_day(d2, "en.wikipedia", &[("Z", user_only)]),
            ],
            ..Default::default()
        },
    );
    let list = Disallowed::parse("en.wikipedia\tHIDDEN\n", "test").unwrap();
    let mut day1 = store.begin_day(options(d1, &[Agent::User], &list)).expect("begin");
    let new_a = agent_views(&[(desktop, Agent::User, 20)]);
    let new_n = agent_views(&[(web, Agent::User, 1)]);
    day1.add_rows(&project("en.wikipedia"), &[("A", new_a), ("N", new_n)]).expect("add");
    day1.commit(&PageviewsBatch::default()).expect("commit");
    let expected_a = agent_views(&[(desktop, Agent::User, 20), (web, Agent::Spider, 5)]);
    assert_eq!(series(store, "en.wikipedia", "A", d1, d1), vec![(d1, expected_a)]);
    assert_eq!(series(store, "en.wikipedia", "B", d1, d1), vec![(d1, spider_only)], "kept");
    assert_eq!(series(store, "fr.wikipedia", "F", d1, d1), vec![(d1, spider_only)], "kept");
    assert_eq!(series(store, "en.wikipedia", "N", d1, d1), vec![(d1, new_n)]);
    assert!(series(store, "en.wikipedia", "Hidden", d1, d1).is_empty(), "disallowed");
    assert_eq!(
        series(store, "en.wikipedia", "Z", d1, d2),
        vec![(d2, user_only)],
        "its only agent replaced by nothing: no row left on d1"
    );
}

pub fn a_dropped_or_refused_publication_publishes_nothing(store: &dyn PageviewsStore) {
    let d1 = day(2024, 3, 1);
    let old = views(1, 0, 0);
    write(
        store,
        PageviewsBatch {
            replace_article_days: vec![d1],
            article_days: vec![article_day(d1, "en.wikipedia", &[("A", old)])],
            ..Default::default()
        },
    );
    let generation = store.generation().unwrap();
    let list = Disallowed::default();
    let all = Agent::CONCRETE;
    let unchanged = |what: &str| {
        assert_eq!(series(store, "en.wikipedia", "A", d1, d1), vec![(d1, old)], "{what}");
        assert!(series(store, "en.wikipedia", "B", d1, d1).is_empty(), "{what}");
        assert_eq!(store.generation().unwrap(), generation, "{what}");
    };
    let mut dropped = store.begin_day(options(d1, &all, &list)).expect("begin");
    dropped.add_rows(&project("en.wikipedia"), &[("B", views(5, 0, 0))]).expect("add");
    drop(dropped);
    unchanged("dropped");

    let mut refused = store.begin_day(options(d1, &all, &list)).expect("begin");
    let backwards = [("B", views(5, 0, 0)), ("A", views(5, 0, 0))];
    assert!(refused.add_rows(&project("en.wikipedia"), &backwards).is_err(), "titles descending");
    drop(refused);
    unchanged("titles out of order");

    let mut refused = store.begin_day(options(d1, &all, &list)).expect("begin");
    refused.add_rows(&project("en.wikipedia"), &[("B", views(5, 0, 0))]).expect("add");
    let projects = refused.add_rows(&project("de.wikipedia"), &[("C", views(5, 0, 0))]);
    assert!(projects.is_err(), "projects descending");
    drop(refused);
    unchanged("projects out of order");

    // The store takes the next publication as usual.
    let mut next = store.begin_day(options(d1, &all, &list)).expect("begin");
    next.add_rows(&project("en.wikipedia"), &[("B", views(5, 0, 0))]).expect("add");
    next.commit(&PageviewsBatch::default()).expect("commit");
    assert_eq!(series(store, "en.wikipedia", "B", d1, d1), vec![(d1, views(5, 0, 0))]);
    assert!(series(store, "en.wikipedia", "A", d1, d1).is_empty());
}

pub fn month_top_candidates_rank_the_months_user_views(store: &dyn PageviewsStore) {
    let month = YearMonth::new(2024, 2).unwrap();
    let (d1, d2, d3) = (day(2024, 2, 1), day(2024, 2, 2), day(2024, 2, 29));
    let user = |desktop: u32, web: u32| {
        agent_views(&[
            (Access::Desktop, Agent::User, desktop),
            (Access::MobileWeb, Agent::User, web),
            (Access::Desktop, Agent::Spider, 1000),
        ])
    };
    let rows = |d, r: &[(&str, ArticleViews)]| article_day(d, "en.wikipedia", r);
    write(
        store,
        PageviewsBatch {
            replace_article_days: vec![d1, d2, d3],
            article_days: vec![
                // Replaced below: these views must not count.
                rows(d1, &[("T1", user(900, 0)), ("T5", user(900, 0))]),
                rows(d2, &[("T1", user(10, 1)), ("T2", user(20, 2)), ("T3", user(1, 30))]),
                rows(d3, &[("T1", user(15, 0)), ("T4", user(2, 0))]),
                article_day(d2, "de.wikipedia", &[("D", user(0, 4))]),
                article_day(day(2024, 3, 1), "en.wikipedia", &[("T4", user(5000, 0))]),
            ],
            ..Default::default()
        },
    );
    let spiders_only = agent_views(&[(Access::Desktop, Agent::Spider, 99_999)]);
    write(
        store,
        PageviewsBatch {
            replace_article_days: vec![d1],
            article_days: vec![rows(d1, &[("T5", user(3, 0)), ("Spidered", spiders_only)])],
            ..Default::default()
        },
    );
    let mut candidates = store.month_top_candidates(month, 3).expect("candidates");
    candidates.sort_by(|a, b| (&a.project, a.access).cmp(&(&b.project, b.access)));
    type Found = (String, Access, Vec<(String, u64)>, bool);
    let found: Vec<Found> = candidates
        .into_iter()
        .map(|mut c| {
            c.entries.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
            (c.project.as_str().to_string(), c.access, c.entries, c.truncated)
        })
        .collect();
    let e = |r: &[(&str, u64)]| r.iter().map(|(t, v)| (t.to_string(), *v)).collect::<Vec<_>>();
    let de = "de.wikipedia".to_string();
    let en = "en.wikipedia".to_string();
    assert_eq!(
        found,
        vec![
            (de.clone(), Access::AllAccess, e(&[("D", 4)]), false),
            (de, Access::MobileWeb, e(&[("D", 4)]), false),
            (en.clone(), Access::AllAccess, e(&[("T3", 31), ("T1", 26), ("T2", 22)]), true),
            (en.clone(), Access::Desktop, e(&[("T1", 25), ("T2", 20), ("T5", 3)]), true),
            (en, Access::MobileWeb, e(&[("T3", 30), ("T2", 2), ("T1", 1)]), false),
        ]
    );
}

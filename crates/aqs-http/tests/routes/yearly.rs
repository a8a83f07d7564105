//! `/ext/v1/pageviews/top/{project}/{access}/{year}` (docs/extensions.md): a year's list
//! against the sums of the stored days, worked out here by brute force.

use crate::{day, send};
use aqs_core::dates::{Day, TopPeriod, YearMonth};
use aqs_core::memory::MemoryStore;
use aqs_core::pageviews::{
    ArticleDay, ArticleViews, PageviewsBatch, PageviewsWrite, Period, ProjectRow, TopArticles,
    TopEntry, TopRow,
};
use aqs_core::params::{Access, Agent};
use aqs_core::project::Project;
use aqs_http::{AppState, StoreCalls, router};
use axum::http::StatusCode;
use std::collections::BTreeMap;
use std::sync::Arc;

const TITLES: usize = 40;

/// Views of article `a` on `d`: user views on desktop and mobile web, and spider views that
/// no top list counts. "Tiny" has one desktop user view on the 1st of each month.
fn views(a: usize, d: Day) -> ArticleViews {
    let mut v = ArticleViews::default();
    let n = |salt: u32| {
        ((a as u32 * 7919 + d.epoch_days() as u32 * 104_729 + salt) % 97) * (1 + (a as u32 % 5))
    };
    v.add(Access::Desktop, Agent::User, n(1));
    v.add(Access::MobileWeb, Agent::User, n(2));
    v.add(Access::Desktop, Agent::Spider, 10_000);
    v
}

fn title(a: usize) -> String {
    format!("Article_{a:02}")
}

/// Per access, per month: the user views of each article.
type Sums = BTreeMap<(Access, YearMonth), BTreeMap<String, u64>>;

/// January to March 2023 of de.wikipedia, with top lists of January and February (what the
/// monthly roll-up stores: every article with views, as fewer than 1,000 have them), and
/// the brute-force sums.
fn store(skip_tiny_in: Option<u8>) -> (MemoryStore, Sums) {
    let project = Project::normalize("de.wikipedia").unwrap();
    let mut batch = PageviewsBatch::default();
    let mut sums = Sums::new();
    let mut d = day("20230101");
    while d <= day("20230331") {
        let mut rows: Vec<(String, ArticleViews)> =
            (0..TITLES).map(|a| (title(a), views(a, d))).collect();
        if d.day() == 1 {
            let mut tiny = ArticleViews::default();
            tiny.add(Access::Desktop, Agent::User, 1);
            rows.push(("Tiny".to_string(), tiny));
        }
        rows.sort_by(|a, b| a.0.cmp(&b.0));
        for (t, v) in &rows {
            for access in [Access::AllAccess, Access::Desktop] {
                let month = sums.entry((access, d.year_month())).or_default();
                *month.entry(t.clone()).or_default() += u64::from(v.get(access, Agent::User));
            }
        }
        batch.article_days.push(ArticleDay { day: d, project: project.clone(), rows });
        // The project's daily row, as a load writes it (it makes the project known).
        batch.project_rows.push(ProjectRow {
            project: project.clone(),
            access: Access::AllAccess,
            agent: Agent::AllAgents,
            period: Period::Day(d),
            views: 1,
        });
        d = d.next();
    }
    for ((access, month), views) in &sums {
        if month.month() == 3 {
            continue;
        }
        let mut list: Vec<(&String, &u64)> = views
            .iter()
            .filter(|(t, v)| {
                **v > 0 && !(t.as_str() == "Tiny" && skip_tiny_in == Some(month.month()))
            })
            .collect();
        list.sort_by(|a, b| b.1.cmp(a.1).then_with(|| a.0.cmp(b.0)));
        let entries = list
            .iter()
            .enumerate()
            .map(|(i, (t, v))| TopEntry { article: (*t).clone(), views: **v, rank: i as u32 + 1 })
            .collect();
        batch.top_rows.push(TopRow {
            project: project.clone(),
            access: *access,
            period: TopPeriod::Month(*month),
            articles: TopArticles::List(entries),
        });
    }
    let store = MemoryStore::new();
    store.write(&batch).unwrap();
    (store, sums)
}

async fn get(store: MemoryStore, uri: &str) -> crate::Answer {
    let app = router(AppState::new(Arc::new(store), StoreCalls::Inline));
    send(app, "GET", uri, &[]).await
}

/// The year's list by brute force: January and February summed, ranked.
fn expected(sums: &Sums, access: Access) -> Vec<(String, u64)> {
    let mut year: BTreeMap<String, u64> = BTreeMap::new();
    for ((a, month), views) in sums {
        if *a == access && month.month() <= 2 {
            for (t, v) in views {
                *year.entry(t.clone()).or_default() += v;
            }
        }
    }
    let mut list: Vec<(String, u64)> = year.into_iter().filter(|(_, v)| *v > 0).collect();
    list.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    list
}

fn answered(json: &serde_json::Value) -> Vec<(String, u64)> {
    json["items"][0]["articles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["article"].as_str().unwrap().to_string(), e["views"].as_u64().unwrap()))
        .collect()
}

#[tokio::test]
async fn a_years_list_is_the_sum_of_its_listed_months_days() {
    for (access, path) in [(Access::AllAccess, "all-access"), (Access::Desktop, "desktop")] {
        let (store, sums) = store(None);
        let answer =
            get(store, &format!("/ext/v1/pageviews/top/de.wikipedia.org/{path}/2023")).await;
        assert_eq!(answer.status, StatusCode::OK, "{}", String::from_utf8_lossy(&answer.body));
        let json = answer.json();
        let item = &json["items"][0];
        assert_eq!(item["project"], "de.wikipedia");
        assert_eq!(item["year"], "2023");
        // March has days but no list: it is not summed.
        assert_eq!(item["months"], serde_json::json!(["2023-01", "2023-02"]));
        assert_eq!(item["complete"], true, "{item}");
        assert_eq!(item["threshold"], 0);
        assert_eq!(answered(&json), expected(&sums, access), "{path}");
        let ranks: Vec<u64> = item["articles"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["rank"].as_u64().unwrap())
            .collect();
        assert_eq!(ranks[0], 1);
        assert!(ranks.windows(2).all(|w| w[0] <= w[1]));
    }
}

#[tokio::test]
async fn when_only_the_head_is_certain_the_answer_says_so() {
    // February's list without Tiny: its least entry bounds what is missing, so only the
    // articles above the sum of the bounds are certain.
    let (store, sums) = store(Some(2));
    let answer = get(store, "/ext/v1/pageviews/top/de.wikipedia/desktop/2023").await;
    let json = answer.json();
    let item = &json["items"][0];
    let threshold = item["threshold"].as_u64().unwrap();
    assert!(threshold > 0);
    assert_eq!(item["complete"], false);
    let head: Vec<(String, u64)> =
        expected(&sums, Access::Desktop).into_iter().filter(|(_, v)| *v > threshold).collect();
    assert!(!head.is_empty());
    assert_eq!(answered(&json), head);
}

#[tokio::test]
async fn the_404s_say_why_and_bad_input_is_a_400() {
    let reason = |json: serde_json::Value| json["reason"].as_str().unwrap().to_string();
    let answer = get(store(None).0, "/ext/v1/pageviews/top/de.wikipedia/all-access/2022").await;
    assert_eq!(answer.status, StatusCode::NOT_FOUND);
    assert_eq!(reason(answer.json()), "range-not-loaded");
    let answer = get(store(None).0, "/ext/v1/pageviews/top/xx.wikipedia/all-access/2023").await;
    assert_eq!(reason(answer.json()), "project-unknown");
    for bad in [
        "de.wikipedia/all-agents/2023",
        "de.wikipedia/all-access/23",
        "all-projects/all-access/2023",
    ] {
        let answer = get(store(None).0, &format!("/ext/v1/pageviews/top/{bad}")).await;
        assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{bad}");
    }
}

/// Media files: user requests of `all-referers` on each day of January to March 2023, top
/// lists of January and February (every file with requests, most first), the sums by brute
/// force.
fn media_store() -> (MemoryStore, BTreeMap<String, u64>) {
    use aqs_core::mediarequests::per_file::{PER_FILE, per_file_row};
    use aqs_core::mediarequests::{TOP_FILES, TopFile, top_rows};
    use aqs_core::table::{SeriesBatch, SeriesChanges, TableWrite};
    let path = |f: usize| format!("/wikipedia/commons/a/a{f}/File_{f}.jpg");
    let mut rows = Vec::new();
    let mut months: BTreeMap<u8, BTreeMap<String, u64>> = BTreeMap::new();
    let mut d = day("20230101");
    while d <= day("20230331") {
        for f in 0..30usize {
            let user = (f as u64 * 31 + u64::from(d.day()) * 17) % 23 + u64::from(f == 3);
            rows.push(per_file_row("all-referers", &path(f), d, user, 500));
            *months.entry(d.month()).or_default().entry(path(f)).or_default() += user;
        }
        d = d.next();
    }
    let mut tops = Vec::new();
    let mut year: BTreeMap<String, u64> = BTreeMap::new();
    for (m, files) in &months {
        if *m == 3 {
            continue;
        }
        let mut list: Vec<(&String, &u64)> = files.iter().filter(|(_, n)| **n > 0).collect();
        list.sort_by(|a, b| b.1.cmp(a.1).then_with(|| a.0.cmp(b.0)));
        let files: Vec<TopFile> = list
            .iter()
            .enumerate()
            .map(|(i, (p, n))| TopFile {
                file_path: (*p).clone(),
                requests: **n,
                rank: i as u64 + 1,
            })
            .collect();
        let period = aqs_core::dates::Period::Month(YearMonth::new(2023, *m).unwrap());
        tops.extend(top_rows("all-referers", "image", period, &files));
        for (p, n) in files.iter().map(|f| (&f.file_path, f.requests)) {
            *year.entry(p.clone()).or_default() += n;
        }
    }
    let store = MemoryStore::new();
    let changes = vec![
        SeriesChanges { table: &PER_FILE, replace: vec![], rows },
        SeriesChanges { table: &TOP_FILES, replace: vec![], rows: tops },
    ];
    store.publish_series(&SeriesBatch { dataset: PER_FILE.dataset, changes }).unwrap();
    (store, year)
}

#[tokio::test]
async fn a_years_top_files_are_the_sums_of_the_listed_months_days() {
    let (store, year) = media_store();
    let answer = get(store, "/ext/v1/mediarequests/top/all-referers/image/2023").await;
    assert_eq!(answer.status, StatusCode::OK, "{}", String::from_utf8_lossy(&answer.body));
    let json = answer.json();
    let item = &json["items"][0];
    assert_eq!(item["months"], serde_json::json!(["2023-01", "2023-02"]));
    let threshold = item["threshold"].as_u64().unwrap();
    let mut expected: Vec<(String, u64)> =
        year.into_iter().filter(|(_, n)| *n > threshold).collect();
    expected.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    let got: Vec<(String, u64)> = item["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["file_path"].as_str().unwrap().to_string(), f["requests"].as_u64().unwrap()))
        .collect();
    assert_eq!(got.len(), 30, "every file is above the threshold here");
    assert_eq!(got, expected);
    assert_eq!(item["complete"], threshold == 0);
    let answer = get(media_store().0, "/ext/v1/mediarequests/top/all-referers/image/2022").await;
    assert_eq!(answer.json()["reason"], "range-not-loaded");
    let answer = get(media_store().0, "/ext/v1/mediarequests/top/all-referers/image/23").await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);
    // A referer is a project or a referer class, as in the original top route: unknown ones
    // have no list.
    let answer = get(media_store().0, "/ext/v1/mediarequests/top/nowhere/image/2023").await;
    assert_eq!(answer.json()["reason"], "range-not-loaded");
}

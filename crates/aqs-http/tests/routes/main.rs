//! Route tests: the router over the in-memory reference store, called without a socket.
//! Laid out like the URL tree; `cases.json` holds compatibility cases as data.

mod cache;
mod cases;
mod editors_by_country;
mod ext;
mod filled;
mod knowledge_gap;
mod legacy_pagecounts;
mod mediarequests;
mod mediarequests_per_file;
mod ops;
mod pageviews;
mod ui;
mod unique_devices;
mod yearly;

use aqs_core::dates::{Day, Hour, TopPeriod, YearMonth};
use aqs_core::memory::MemoryStore;
use aqs_core::pageviews::{
    ArticleDay, ArticleViews, PageviewsBatch, PageviewsWrite, Period, ProjectRow, TopArticles,
    TopEntry, TopRow,
};
use aqs_core::params::{Access, Agent};
use aqs_core::project::Project;
use aqs_core::table::{ReadStore, SeriesBatch, TableWrite};
use aqs_http::{AppState, StoreCalls, router};
use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use std::sync::Arc;
use tower::ServiceExt;

fn day(s: &str) -> Day {
    Day::parse_compact(s).unwrap()
}

fn views(pairs: &[(Access, Agent, u32)]) -> ArticleViews {
    let mut v = ArticleViews::default();
    for &(access, agent, n) in pairs {
        v.add(access, agent, n);
    }
    v
}

/// The data every route test sees, in the reference store.
pub fn seeded_store() -> MemoryStore {
    let store = MemoryStore::new();
    store.write(&seeded_batch()).unwrap();
    for batch in seeded_series() {
        // With what each batch covers, as a load records it (`aqs_core::coverage`).
        store.publish_series(&aqs_core::coverage::with_coverage(batch).0).unwrap();
    }
    store
}

/// The series rows every route test sees (the families other than pageviews): one batch per
/// family, each described in its test module.
pub fn seeded_series() -> Vec<SeriesBatch> {
    vec![
        unique_devices::seeded(),
        legacy_pagecounts::seeded(),
        knowledge_gap::seeded(),
        editors_by_country::seeded(),
        pageviews::top_by_country::seeded(),
        pageviews::top_per_country::seeded(),
        mediarequests::seeded(),
        mediarequests_per_file::seeded(),
    ]
}

/// The store route tests run against: the reference store, or, with the `clickhouse-tests`
/// feature, the same data in ClickHouse (`AQS_TEST_CLICKHOUSE_URL`), loaded once per run.
pub fn backend() -> Arc<dyn ReadStore> {
    #[cfg(feature = "clickhouse-tests")]
    {
        use std::sync::OnceLock;
        static STORE: OnceLock<Arc<aqs_clickhouse::ClickHouseStore>> = OnceLock::new();
        let store = STORE.get_or_init(|| {
            let url = std::env::var("AQS_TEST_CLICKHOUSE_URL")
                .unwrap_or_else(|_| "http://127.0.0.1:18123".into());
            let client = aqs_clickhouse::client::Client::new(&url).unwrap();
            let db = "aqs_route_tests";
            aqs_clickhouse::schema::drop_database(&client, db).unwrap();
            aqs_clickhouse::init(&client, db, None, &[]).unwrap();
            let store = aqs_clickhouse::ClickHouseStore::open(&url, db).unwrap();
            store.write(&seeded_batch()).unwrap();
            for batch in seeded_series() {
                store.publish_series(&aqs_core::coverage::with_coverage(batch).0).unwrap();
            }
            Arc::new(store)
        });
        store.clone()
    }
    #[cfg(not(feature = "clickhouse-tests"))]
    {
        Arc::new(seeded_store())
    }
}

/// The data every route test sees, as one batch.
pub fn seeded_batch() -> PageviewsBatch {
    use Access::*;
    use Agent::*;
    let en = Project::from_stored("en.wikipedia");
    let mut article_days = Vec::new();
    // Main_Page: June and July 2015 every day, and 2015-11-20 .. 2016-01-03.
    let mut days: Vec<Day> = (0..61).map(|i| day("20150601").add_days(i)).collect();
    days.extend((0..45).map(|i| day("20151120").add_days(i)));
    for (i, d) in days.iter().enumerate() {
        let n = i as u32 + 1;
        let mut rows = vec![(
            "Main_Page".to_string(),
            views(&[
                (Desktop, User, 100 * n),
                (MobileWeb, User, 10 * n),
                (Desktop, Spider, n),
                (MobileApp, Automated, 2),
            ]),
        )];
        if *d == day("20150701") {
            rows.push(("AC/DC".to_string(), views(&[(Desktop, User, 5)])));
            rows.push(("Foo_bar:_100%_?".to_string(), views(&[(MobileWeb, Spider, 3)])));
            rows.push(("Ünïcødé_日本語".to_string(), views(&[(MobileApp, User, 7)])));
            rows.push(("Literal%20Percent".to_string(), views(&[(Desktop, User, 11)])));
        }
        rows.sort_by(|a, b| a.0.cmp(&b.0));
        article_days.push(ArticleDay { day: *d, project: en.clone(), rows });
    }
    let mut imported = ArticleViews::default();
    imported.0[0] = 9; // an imported row: all-access/all-agents only, desktop/user null
    article_days.push(ArticleDay {
        day: day("20150702"),
        project: en.clone(),
        rows: vec![("Imported".into(), imported)],
    });
    let mut project_rows = Vec::new();
    for h in 0..3 {
        project_rows.push(ProjectRow {
            project: en.clone(),
            access: AllAccess,
            agent: AllAgents,
            period: Period::Hour(Hour::new(day("20151001"), h).unwrap()),
            views: 1000 + u64::from(h),
        });
    }
    for (i, m) in [(2016, 1), (2016, 2), (2016, 3), (2016, 4)].iter().enumerate() {
        project_rows.push(ProjectRow {
            project: en.clone(),
            access: AllAccess,
            agent: AllAgents,
            period: Period::Month(YearMonth::new(m.0, m.1).unwrap()),
            views: 9_007_199_254_740_991 - i as u64,
        });
    }
    project_rows.push(ProjectRow {
        project: en.clone(),
        access: Desktop,
        agent: User,
        period: Period::Day(day("20151001")),
        views: 0,
    });
    project_rows.push(ProjectRow {
        project: Project::all_projects(),
        access: AllAccess,
        agent: AllAgents,
        period: Period::Day(day("20151001")),
        views: 123,
    });
    let top = TopArticles::List(vec![
        TopEntry { article: "Main_Page".into(), views: 18_793_503, rank: 1 },
        TopEntry { article: "Bar".into(), views: 1000, rank: 3 },
        TopEntry { article: "AC/DC \"Back\" \\ in black".into(), views: 1000, rank: 2 },
    ]);
    let top_rows = vec![
        TopRow {
            project: en.clone(),
            access: AllAccess,
            period: TopPeriod::Day(day("20151010")),
            articles: top.clone(),
        },
        TopRow {
            project: en.clone(),
            access: Desktop,
            period: TopPeriod::Month(YearMonth::new(2015, 10).unwrap()),
            articles: top,
        },
        TopRow {
            project: en,
            access: AllAccess,
            period: TopPeriod::Day(day("20151011")),
            articles: TopArticles::InvalidLegacyJson,
        },
    ];
    PageviewsBatch { article_days, project_rows, top_rows, ..Default::default() }
}

pub struct Answer {
    pub status: StatusCode,
    /// `x-request-id`, kept apart from `headers` (it differs on every request).
    pub request_id: Option<String>,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Answer {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }

    /// Status, headers (sorted) and the body exactly as served (key order visible), for snapshots.
    pub fn snapshot(&self) -> String {
        let mut out = format!("{}\n", self.status);
        for (name, value) in &self.headers {
            out.push_str(&format!("{name}: {value}\n"));
        }
        out.push('\n');
        if self.body.is_empty() {
            out.push_str("<empty body>");
        } else {
            out.push_str(&String::from_utf8_lossy(&self.body));
        }
        out
    }
}

/// Sends one request to a router.
pub async fn send(app: axum::Router, method: &str, uri: &str, headers: &[(&str, &str)]) -> Answer {
    let mut request = Request::builder().method(method).uri(uri);
    for (n, v) in headers {
        request = request.header(*n, *v);
    }
    let response = app.oneshot(request.body(Body::empty()).unwrap()).await.unwrap();
    let status = response.status();
    let request_id =
        response.headers().get("x-request-id").map(|v| v.to_str().unwrap().to_string());
    let mut headers: Vec<(String, String)> = response
        .headers()
        .iter()
        .filter(|(n, _)| n.as_str() != "x-request-id")
        .map(|(n, v)| (n.to_string(), v.to_str().unwrap_or("<binary>").to_string()))
        .collect();
    headers.sort();
    let body = response.into_body().collect().await.unwrap().to_bytes().to_vec();
    Answer { status, request_id, headers, body }
}

pub async fn call_with(method: &str, uri: &str, headers: &[(&str, &str)]) -> Answer {
    call_on(StoreCalls::Inline, method, uri, headers).await
}

pub async fn call_on(
    store_calls: StoreCalls,
    method: &str,
    uri: &str,
    headers: &[(&str, &str)],
) -> Answer {
    let app = router(AppState::new(backend(), store_calls));
    send(app, method, uri, headers).await
}

pub async fn get(uri: &str) -> Answer {
    call_with("GET", uri, &[]).await
}

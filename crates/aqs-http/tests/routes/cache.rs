//! The response cache: same answers, invalidated by writes, bounded.

use super::{seeded_store, send};
use aqs_core::dates::{Day, TopPeriod};
use aqs_core::pageviews::{PageviewsBatch, PageviewsWrite, TopArticles, TopEntry, TopRow};
use aqs_core::params::Access;
use aqs_core::project::Project;
use aqs_http::cache::ResponseCache;
use aqs_http::{AppState, StoreCalls, router};
use std::sync::Arc;

const TOP: &str = "/metrics/pageviews/top/en.wikipedia/all-access/2015/10/10";

fn app(store: Arc<aqs_core::memory::MemoryStore>, cache: &Arc<ResponseCache>) -> axum::Router {
    router(AppState {
        pageviews: store,
        store_calls: StoreCalls::Inline,
        cache: Some(Arc::clone(cache)),
    })
}

#[tokio::test]
async fn cached_answers_are_the_answers_and_a_write_invalidates_them() {
    let store = Arc::new(seeded_store());
    let cache = Arc::new(ResponseCache::new(1 << 20));
    let uncached = send(
        router(AppState { pageviews: store.clone(), store_calls: StoreCalls::Inline, cache: None }),
        "GET",
        TOP,
        &[],
    )
    .await;
    let first = send(app(store.clone(), &cache), "GET", TOP, &[]).await;
    assert_eq!(cache.len(), 1);
    let second = send(app(store.clone(), &cache), "GET", TOP, &[]).await;
    for answer in [&first, &second] {
        assert_eq!(
            (&answer.status, &answer.headers, &answer.body),
            (&uncached.status, &uncached.headers, &uncached.body)
        );
    }
    // Errors are not cached.
    send(
        app(store.clone(), &cache),
        "GET",
        "/metrics/pageviews/top/en.wikipedia/all-access/2015/10/31",
        &[],
    )
    .await;
    assert_eq!(cache.len(), 1);

    let list = TopArticles::List(vec![TopEntry { article: "Replaced".into(), views: 1, rank: 1 }]);
    let row = TopRow {
        project: Project::from_stored("en.wikipedia"),
        access: Access::AllAccess,
        period: TopPeriod::Day(Day::from_ymd(2015, 10, 10).unwrap()),
        articles: list,
    };
    store.write(&PageviewsBatch { top_rows: vec![row], ..Default::default() }).unwrap();
    let after = send(app(store, &cache), "GET", TOP, &[]).await;
    assert_eq!(after.json()["items"][0]["articles"][0]["article"], "Replaced");
    assert_ne!(after.header("etag"), first.header("etag"));
}

#[tokio::test]
async fn the_cache_stays_within_its_capacity() {
    let store = Arc::new(seeded_store());
    let cache = Arc::new(ResponseCache::new(16 * 1024));
    for day in 1..=28 {
        let uri = format!(
            "/metrics/pageviews/per-article/en.wikipedia/all-access/all-agents/Main_Page/daily/201506{day:02}/20150731"
        );
        assert_eq!(send(app(store.clone(), &cache), "GET", &uri, &[]).await.status, 200);
        assert!(cache.weight() <= cache.capacity(), "{} > {}", cache.weight(), cache.capacity());
    }
    assert!(cache.len() < 28, "old entries were evicted");
}

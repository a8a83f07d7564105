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
    router(AppState::new(store, StoreCalls::Inline).with_cache(Arc::clone(cache)))
}

#[tokio::test]
async fn cached_answers_are_the_answers_and_a_write_invalidates_them() {
    let store = Arc::new(seeded_store());
    let cache = Arc::new(ResponseCache::new(1 << 20));
    let uncached =
        send(router(AppState::new(store.clone(), StoreCalls::Inline)), "GET", TOP, &[]).await;
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

fn gunzip(body: &[u8]) -> Vec<u8> {
    let mut plain = Vec::new();
    std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(body), &mut plain).unwrap();
    plain
}

#[tokio::test]
async fn gzip_clients_get_the_same_answer_compressed_once() {
    use aqs_http::cache::GZIP_AFTER_HITS;
    let store = Arc::new(seeded_store());
    let cache = Arc::new(ResponseCache::new(1 << 20));
    let gz = [("accept-encoding", "deflate, gzip;q=0.8")];
    let uncached =
        send(router(AppState::new(store.clone(), StoreCalls::Inline)), "GET", TOP, &gz).await;
    // An identity client first: the entry holds the plain body only.
    let plain = send(app(store.clone(), &cache), "GET", TOP, &[]).await;
    assert_eq!(plain.header("content-encoding"), None);
    assert_eq!(plain.header("vary"), Some("accept-encoding"));
    let plain_weight = cache.weight();
    // Without the cache, a body this small is sent as it is, as on a miss.
    assert_eq!(uncached.header("content-encoding"), None);
    assert_eq!(uncached.header("vary"), Some("accept-encoding"));
    assert_eq!(uncached.body, plain.body);
    // Gzip clients get it plain until they have asked for it GZIP_AFTER_HITS times; then the
    // gzipped body is added to the entry, once.
    for _ in 1..GZIP_AFTER_HITS {
        let answer = send(app(store.clone(), &cache), "GET", TOP, &gz).await;
        assert_eq!(answer.header("content-encoding"), None);
        assert_eq!(answer.body, plain.body);
        assert_eq!(cache.weight(), plain_weight);
    }
    let first = send(app(store.clone(), &cache), "GET", TOP, &gz).await;
    let with_gzip = cache.weight();
    assert!(with_gzip > plain_weight);
    let second = send(app(store.clone(), &cache), "GET", TOP, &gz).await;
    assert_eq!(cache.weight(), with_gzip);
    assert_eq!(cache.len(), 1);
    for answer in [&first, &second] {
        assert_eq!(answer.status, 200);
        assert_eq!(answer.header("content-encoding"), Some("gzip"));
        assert_eq!(answer.header("vary"), Some("accept-encoding"));
        assert_eq!(answer.header("etag"), plain.header("etag"));
        assert_eq!(gunzip(&answer.body), plain.body);
    }
    assert_eq!(first.body, second.body);
    // A client that refuses gzip, after all that, gets the plain body.
    let refused =
        send(app(store, &cache), "GET", TOP, &[("accept-encoding", "gzip;q=0, br")]).await;
    assert_eq!(refused.header("content-encoding"), None);
    assert_eq!(refused.body, plain.body);
}

#[test]
fn accept_encoding_is_read_like_http_says() {
    use aqs_http::cache::accepts_gzip;
    use axum::http::{HeaderMap, HeaderValue};
    let cases = [
        ("gzip", true),
        ("GZip", true),
        ("deflate, gzip;q=0.5", true),
        ("br;q=1.0, gzip; q=0.001", true),
        ("*", true),
        ("gzip;q=0", false),
        ("gzip;q=0.0, deflate", false),
        ("*;q=0", false),
        ("identity", false),
        ("deflate, br", false),
        ("x-gzip-like", false),
        ("", false),
    ];
    for (value, expected) in cases {
        let mut headers = HeaderMap::new();
        headers.insert("accept-encoding", HeaderValue::from_static(value));
        assert_eq!(accepts_gzip(&headers), expected, "{value:?}");
    }
    assert!(!accepts_gzip(&HeaderMap::new()));
}

#[tokio::test]
async fn small_answers_are_gzipped_once_asked_for_often_and_large_ones_at_once() {
    use aqs_http::cache::{GZIP_AFTER_HITS, GZIP_ON_MISS_BYTES};
    let store = Arc::new(seeded_store());
    let cache = Arc::new(ResponseCache::new(1 << 20));
    let gz = [("accept-encoding", "gzip")];
    let small = "/metrics/pageviews/per-article/en.wikipedia/all-access/all-agents/Main_Page/daily/20150601/20150603";
    let first = send(app(store.clone(), &cache), "GET", small, &gz).await;
    assert!(first.body.len() < GZIP_ON_MISS_BYTES);
    assert_eq!(first.header("content-encoding"), None);
    assert_eq!(first.header("vary"), Some("accept-encoding"));
    for _ in 2..GZIP_AFTER_HITS {
        let again = send(app(store.clone(), &cache), "GET", small, &gz).await;
        assert_eq!(again.header("content-encoding"), None);
    }
    let last = send(app(store.clone(), &cache), "GET", small, &gz).await;
    assert_eq!(last.header("content-encoding"), Some("gzip"));
    assert_eq!(gunzip(&last.body), first.body);

    let large = "/metrics/pageviews/per-article/en.wikipedia/all-access/all-agents/Main_Page/daily/20150601/20150731";
    let plain = send(app(store.clone(), &cache), "GET", large, &[]).await;
    assert!(plain.body.len() >= GZIP_ON_MISS_BYTES, "{} bytes", plain.body.len());
    let fresh = Arc::new(ResponseCache::new(1 << 20));
    let first = send(app(store, &fresh), "GET", large, &gz).await;
    assert_eq!(first.header("content-encoding"), Some("gzip"));
    assert_eq!(gunzip(&first.body), plain.body);
}

/// The `aqs_response_cache_lookups_total` count of `outcome` that the app's `/metrics` reports.
async fn lookups(app: &axum::Router, outcome: &str) -> u64 {
    let text = String::from_utf8(send(app.clone(), "GET", "/metrics", &[]).await.body).unwrap();
    let prefix = format!("aqs_response_cache_lookups_total{{outcome=\"{outcome}\"}} ");
    text.lines().find_map(|l| l.strip_prefix(&prefix)).map_or(0, |n| n.parse().unwrap())
}

#[tokio::test]
async fn a_load_of_one_dataset_leaves_the_others_answers_cached() {
    use aqs_core::dates::Period;
    use aqs_core::table::{SeriesBatch, SeriesChanges, SeriesRow, TableWrite};
    use aqs_core::unique_devices::{DEVICES, Devices};
    const DEVICES_URL: &str =
        "/metrics/unique-devices/en.wikipedia/all-sites/daily/20160101/20160101";
    let store = Arc::new(seeded_store());
    let cache = Arc::new(ResponseCache::new(1 << 20));
    let app = app(store.clone(), &cache);
    send(app.clone(), "GET", TOP, &[]).await;
    let before = send(app.clone(), "GET", DEVICES_URL, &[]).await;
    assert_eq!(lookups(&app, "hit").await, 0);
    let row = SeriesRow {
        key: vec!["en.wikipedia".into(), "all-sites".into()],
        period: Period::Day(Day::from_ymd(2016, 1, 1).unwrap()),
        sub: String::new(),
        values: Devices { devices: 7, offset: 1, underestimate: 6 }.numbers(),
    };
    let changes = SeriesChanges { table: &DEVICES, replace: vec![], rows: vec![row] };
    store
        .publish_series(&SeriesBatch { dataset: DEVICES.dataset, changes: vec![changes] })
        .unwrap();
    // Pageviews did not change: its answer comes from the cache.
    send(app.clone(), "GET", TOP, &[]).await;
    assert_eq!(lookups(&app, "hit").await, 1);
    // Unique devices did: its cached answer is dropped and the new row served.
    let after = send(app.clone(), "GET", DEVICES_URL, &[]).await;
    assert_eq!(lookups(&app, "hit").await, 1);
    assert_ne!(before.json()["items"][0]["devices"], 7);
    assert_eq!(after.json()["items"][0]["devices"], 7);
}

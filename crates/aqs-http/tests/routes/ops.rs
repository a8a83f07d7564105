//! Production serving: throttling, overload, 304s, HEAD, observability, docs and live lists.

use super::{backend, send};
use aqs_core::StoreError;
use aqs_core::dates::{Day, TopPeriod};
use aqs_core::lists::{Allowlist, Disallowed};
use aqs_core::pageviews::{ArticleViews, PageviewsRead, Period, TopArticles};
use aqs_core::params::{Access, Agent};
use aqs_core::project::Project;
use aqs_core::table::{Dataset, ReadStore, SeriesEntry, TableDef, TableRead};
use aqs_http::cache::ResponseCache;
use aqs_http::{AppState, Lists, ServeOptions, StoreCalls, ThrottleConfig, ThrottleMode, router};
use axum::http::StatusCode;
use std::sync::Arc;
use std::time::Duration;

const ARTICLE: &str = "/metrics/pageviews/per-article/en.wikipedia/all-access/all-agents/Main_Page/daily/20150601/20150603";
const TOP: &str = "/metrics/pageviews/top/en.wikipedia/all-access/2015/10/10";

fn with_options(options: ServeOptions) -> axum::Router {
    router(AppState::with_options(backend(), StoreCalls::Inline, options, Arc::default()))
}

fn throttled(mode: ThrottleMode, limit: u32) -> axum::Router {
    with_options(ServeOptions {
        throttle: ThrottleConfig {
            mode,
            limits: vec![("pageviews/top".into(), limit)],
            // Tests have no TCP peer (0.0.0.0): trust it, and name clients in X-Forwarded-For.
            trusted_proxies: vec!["0.0.0.0/32".parse().unwrap()],
            ..ThrottleConfig::default()
        },
        ..ServeOptions::default()
    })
}

#[tokio::test]
async fn a_client_over_its_limit_gets_429_and_others_do_not() {
    let app = throttled(ThrottleMode::Enforce, 3);
    let a = [("x-forwarded-for", "192.0.2.1")];
    for _ in 0..3 {
        assert_eq!(send(app.clone(), "GET", TOP, &a).await.status, StatusCode::OK);
    }
    let refused = send(app.clone(), "GET", TOP, &a).await;
    assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(refused.header("retry-after"), Some("1"));
    assert_eq!(refused.header("content-type"), Some("application/problem+json"));
    assert_eq!(
        refused.header("cache-control"),
        Some("private, max-age=0, s-maxage=0, must-revalidate")
    );
    assert_eq!(refused.header("access-control-allow-origin"), Some("*"));
    assert_eq!(
        String::from_utf8(refused.body.clone()).unwrap(),
        format!(
            r#"{{"type":"https://mediawiki.org/wiki/HyperSwitch/errors/request_rate_exceeded","title":"HyperSwitch request rate limit exceeded","method":"get","uri":"/analytics.wikimedia.org/v1{}"}}"#,
            TOP.strip_prefix("/metrics").unwrap()
        )
    );
    // Another client, and another route of the same client, have buckets of their own.
    let b = [("x-forwarded-for", "192.0.2.2")];
    assert_eq!(send(app.clone(), "GET", TOP, &b).await.status, StatusCode::OK);
    assert_eq!(send(app.clone(), "GET", ARTICLE, &a).await.status, StatusCode::OK);
    let metrics = String::from_utf8(send(app, "GET", "/metrics", &[]).await.body).unwrap();
    assert!(
        metrics.contains(r#"aqs_throttled_requests_total{route="pageviews/top",mode="enforce"} 1"#),
        "{metrics}"
    );
    assert!(
        metrics.contains(r#"aqs_http_requests_total{route="pageviews/top",status="429"} 1"#),
        "{metrics}"
    );
}

#[tokio::test]
async fn log_only_mode_counts_and_serves() {
    let app = throttled(ThrottleMode::LogOnly, 1);
    let a = [("x-forwarded-for", "192.0.2.1")];
    for _ in 0..3 {
        assert_eq!(send(app.clone(), "GET", TOP, &a).await.status, StatusCode::OK);
    }
    let metrics = String::from_utf8(send(app, "GET", "/metrics", &[]).await.body).unwrap();
    assert!(
        metrics
            .contains(r#"aqs_throttled_requests_total{route="pageviews/top",mode="log-only"} 2"#),
        "{metrics}"
    );
}

#[tokio::test]
async fn an_untrusted_peer_cannot_pick_its_address() {
    // No trusted proxy: X-Forwarded-For is ignored, so both "clients" share one bucket.
    let app = with_options(ServeOptions {
        throttle: ThrottleConfig {
            mode: ThrottleMode::Enforce,
            limits: vec![("pageviews".into(), 1)],
            ..ThrottleConfig::default()
        },
        ..ServeOptions::default()
    });
    assert_eq!(
        send(app.clone(), "GET", TOP, &[("x-forwarded-for", "192.0.2.1")]).await.status,
        StatusCode::OK
    );
    assert_eq!(
        send(app, "GET", TOP, &[("x-forwarded-for", "192.0.2.2")]).await.status,
        StatusCode::TOO_MANY_REQUESTS
    );
}

/// A store whose reads take a while, as a busy backend's do.
struct Slow {
    inner: Arc<dyn ReadStore>,
    delay: Duration,
}

impl TableRead for Slow {
    fn dataset_generation(&self, dataset: Dataset) -> Result<u64, StoreError> {
        self.inner.dataset_generation(dataset)
    }
    fn series(
        &self,
        table: &'static TableDef,
        key: &[&str],
        first: Period,
        last: Period,
    ) -> Result<Vec<SeriesEntry>, StoreError> {
        std::thread::sleep(self.delay);
        self.inner.series(table, key, first, last)
    }
}

impl PageviewsRead for Slow {
    fn generation(&self) -> Result<u64, StoreError> {
        self.inner.generation()
    }
    fn article_days_loaded(&self) -> Result<Vec<Day>, StoreError> {
        self.inner.article_days_loaded()
    }
    fn article_series(
        &self,
        project: &Project,
        article: &str,
        first: Day,
        last: Day,
    ) -> Result<Vec<(Day, ArticleViews)>, StoreError> {
        std::thread::sleep(self.delay);
        self.inner.article_series(project, article, first, last)
    }
    fn project_series(
        &self,
        project: &Project,
        access: Access,
        agent: Agent,
        first: Period,
        last: Period,
    ) -> Result<Vec<(Period, u64)>, StoreError> {
        self.inner.project_series(project, access, agent, first, last)
    }
    fn top(
        &self,
        project: &Project,
        access: Access,
        period: TopPeriod,
    ) -> Result<Option<TopArticles>, StoreError> {
        self.inner.top(project, access, period)
    }
}

fn slow_app(delay: Duration, options: ServeOptions) -> axum::Router {
    let store = Arc::new(Slow { inner: backend(), delay });
    router(AppState::with_options(store, StoreCalls::BlockingPool, options, Arc::default()))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn overload_is_answered_503_at_once() {
    let app = slow_app(
        Duration::from_millis(400),
        ServeOptions { max_store_reads: 1, store_queue: 1, ..ServeOptions::default() },
    );
    let mut requests = Vec::new();
    for _ in 0..4 {
        let app = app.clone();
        requests.push(tokio::spawn(async move {
            let started = std::time::Instant::now();
            let answer = send(app, "GET", ARTICLE, &[]).await;
            (answer, started.elapsed())
        }));
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let mut shed = 0;
    for request in requests {
        let (answer, took) = request.await.unwrap();
        if answer.status == StatusCode::SERVICE_UNAVAILABLE {
            shed += 1;
            assert!(took < Duration::from_millis(300), "shed at once, not after {took:?}");
            assert_eq!(answer.header("retry-after"), Some("1"));
            assert_eq!(
                answer.json()["type"],
                "https://mediawiki.org/wiki/HyperSwitch/errors/service_unavailable"
            );
        } else {
            assert_eq!(answer.status, StatusCode::OK);
        }
    }
    assert_eq!(shed, 2, "one read runs, one waits, the others are shed");
    let metrics = String::from_utf8(send(app, "GET", "/metrics", &[]).await.body).unwrap();
    assert!(metrics.contains(r#"aqs_shed_requests_total{reason="queue_full"} 2"#), "{metrics}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_past_the_timeout_gets_503() {
    let app = slow_app(
        Duration::from_millis(500),
        ServeOptions { request_timeout: Duration::from_millis(50), ..ServeOptions::default() },
    );
    let answer = send(app, "GET", ARTICLE, &[]).await;
    assert_eq!(answer.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(answer.json()["detail"], "The request took longer than 50 ms; retry in a moment.");
    assert_eq!(answer.header("retry-after"), Some("1"));
}

#[tokio::test]
async fn if_none_match_gets_304_with_or_without_the_cache() {
    for cache in [false, true] {
        let mut state = AppState::new(backend(), StoreCalls::Inline);
        if cache {
            state = state.with_cache(Arc::new(ResponseCache::new(1 << 20)));
        }
        let app = router(state);
        let first = send(app.clone(), "GET", ARTICLE, &[]).await;
        let etag = first.header("etag").unwrap().to_string();
        for wanted in [etag.clone(), format!("W/{etag}"), format!("\"x\", {etag}"), "*".into()] {
            let again = send(app.clone(), "GET", ARTICLE, &[("if-none-match", &wanted)]).await;
            assert_eq!(again.status, StatusCode::NOT_MODIFIED, "{wanted}");
            assert!(again.body.is_empty());
            assert_eq!(again.header("etag"), Some(etag.as_str()));
            assert_eq!(again.header("cache-control"), Some("s-maxage=14400, max-age=14400"));
            assert_eq!(again.header("access-control-allow-origin"), Some("*"));
            assert_eq!(again.header("content-encoding"), None);
        }
        let other = send(app.clone(), "GET", ARTICLE, &[("if-none-match", "\"other\"")]).await;
        assert_eq!(other.status, StatusCode::OK);
        assert_eq!(other.body, first.body);
        // Errors carry no ETag and are never cached by clients.
        let missing = send(
            app.clone(),
            "GET",
            &ARTICLE.replace("Main_Page", "Nope"),
            &[("if-none-match", "*")],
        )
        .await;
        assert_eq!(missing.status, StatusCode::NOT_FOUND);
        assert_eq!(missing.header("etag"), None);
        assert_eq!(
            missing.header("cache-control"),
            Some("private, max-age=0, s-maxage=0, must-revalidate")
        );
        if cache {
            // The four 304s and the other 200 were hits; the first answer, the 404 and this
            // scrape were misses.
            let metrics = String::from_utf8(send(app, "GET", "/metrics", &[]).await.body).unwrap();
            for line in [
                r#"aqs_response_cache_lookups_total{outcome="hit"} 5"#,
                r#"aqs_response_cache_lookups_total{outcome="miss"} 3"#,
            ] {
                assert!(metrics.contains(line), "{line} missing from:\n{metrics}");
            }
        }
    }
}

#[tokio::test]
async fn every_answer_has_a_request_id_and_a_sane_client_id_is_echoed() {
    let app = router(AppState::new(backend(), StoreCalls::Inline));
    let a = send(app.clone(), "GET", ARTICLE, &[]).await;
    let b = send(app.clone(), "GET", "/nowhere", &[]).await;
    let (a, b) = (a.request_id.unwrap(), b.request_id.unwrap());
    assert_ne!(a, b);
    let echoed = send(app.clone(), "GET", ARTICLE, &[("x-request-id", "probe-42")]).await;
    assert_eq!(echoed.request_id.as_deref(), Some("probe-42"));
    let replaced = send(app, "GET", ARTICLE, &[("x-request-id", "not ok")]).await;
    assert_ne!(replaced.request_id.as_deref(), Some("not ok"));
}

#[tokio::test]
async fn healthz_names_the_store_and_its_days() {
    let app = router(AppState::new(backend(), StoreCalls::Inline));
    let health = send(app, "GET", "/healthz", &[]).await;
    assert_eq!(health.status, StatusCode::OK);
    assert_eq!(health.header("cache-control"), Some("no-store"));
    let json = health.json();
    assert_eq!(json["status"], "ok");
    let days = &json["datasets"]["pageviews-per-article"];
    assert_eq!(days["first_day"], "2015-06-01");
    assert_eq!(days["first_data_day"], "2015-06-01", "no probe rows here");
    assert_eq!(days["last_day"], "2016-01-03");
    assert_eq!(days["days"], 61 + 45);
}

#[tokio::test]
async fn metrics_count_requests_by_route_and_status() {
    let app = router(AppState::new(backend(), StoreCalls::Inline));
    send(app.clone(), "GET", ARTICLE, &[]).await;
    send(app.clone(), "GET", ARTICLE, &[]).await;
    send(app.clone(), "GET", &ARTICLE.replace("daily", "weekly"), &[]).await;
    let answer = send(app, "GET", "/metrics", &[]).await;
    assert!(answer.header("content-type").unwrap().starts_with("application/openmetrics-text"));
    let text = String::from_utf8(answer.body).unwrap();
    for line in [
        r#"aqs_http_requests_total{route="pageviews/per-article",status="200"} 2"#,
        r#"aqs_http_requests_total{route="pageviews/per-article",status="400"} 1"#,
        r#"aqs_http_request_duration_seconds_count{route="pageviews/per-article"} 3"#,
        "aqs_store_read_duration_seconds_count 2",
        "aqs_pageviews_per_article_days 106",
    ] {
        assert!(text.contains(line), "{line} missing from:\n{text}");
    }
    assert!(text.ends_with("# EOF\n"));
}

#[tokio::test]
async fn the_openapi_document_and_docs_page_cover_every_route() {
    let app = router(AppState::new(backend(), StoreCalls::Inline));
    let doc = send(app.clone(), "GET", "/openapi.json", &[]).await.json();
    assert_eq!(doc["openapi"], "3.0.3");
    let paths = doc["paths"].as_object().unwrap();
    let feature_usage = aqs_http::feature_usage::openapi_paths();
    let ext = aqs_http::ext::openapi_paths();
    assert_eq!(paths.len(), aqs_http::routes::all().count() + feature_usage.len() + ext.len());
    assert!(paths["/w/api.php"]["get"]["x-amples"][0]["request"]["path"].is_string());
    // Each extension's example answers, and its path parameters are documented.
    for (path, _) in &ext {
        let op = &paths[path]["get"];
        let example = op["x-amples"][0]["request"]["path"].as_str().unwrap();
        let status = send(app.clone(), "GET", example, &[]).await.status;
        assert!(status == StatusCode::OK || status == StatusCode::NOT_FOUND, "{example}: {status}");
        let documented = op["parameters"].as_array().unwrap().iter().filter(|p| p["in"] == "path");
        let in_path = path.split('/').filter(|s| s.starts_with('{')).count();
        assert_eq!(documented.count(), in_path, "{path}");
    }
    for route in aqs_http::routes::all() {
        let op = &paths[&format!("/metrics{}", route.path)]["get"];
        let example = op["x-amples"][0]["request"]["path"].as_str().unwrap();
        assert_eq!(example, format!("/metrics{}", route.example));
        let names: Vec<&str> = op["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["name"].as_str().unwrap())
            .collect();
        let in_path: Vec<&str> = route
            .path
            .split('/')
            .filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
            .collect();
        assert_eq!(names, in_path, "{}", route.name);
    }
    let access = &paths["/metrics/pageviews/top/{project}/{access}/{year}/{month}/{day}"]["get"]["parameters"]
        [1]["schema"]["enum"];
    assert_eq!(access, &serde_json::json!(["all-access", "desktop", "mobile-app", "mobile-web"]));
    let page = send(app, "GET", "/", &[]).await;
    assert_eq!(page.header("content-type"), Some("text/html; charset=utf-8"));
    let html = String::from_utf8(page.body).unwrap();
    for route in aqs_http::routes::all() {
        assert!(html.contains(&format!("href=\"/metrics{}\"", route.example)), "{}", route.name);
        // A time series' zero-filled variant has its own section and form.
        let filled = format!("href=\"/ext/v1/zero-filled{}\"", route.example);
        let has_variant = aqs_http::ext::filled::has_variant(route);
        assert_eq!(html.contains(&filled), has_variant, "{}", route.name);
        assert_eq!(paths.contains_key(&format!("/ext/v1/zero-filled{}", route.path)), has_variant);
    }
}

#[tokio::test]
async fn a_disallowed_article_is_hidden_at_once_and_shown_again() {
    let lists = Arc::new(Lists::in_memory(Disallowed::default(), None));
    let state = AppState::with_options(
        backend(),
        StoreCalls::Inline,
        ServeOptions::default(),
        lists.clone(),
    )
    .with_cache(Arc::new(ResponseCache::new(1 << 20)));
    let app = router(state);
    assert_eq!(send(app.clone(), "GET", ARTICLE, &[]).await.status, StatusCode::OK);
    let top = send(app.clone(), "GET", TOP, &[]).await.json();
    assert_eq!(top["items"][0]["articles"][0]["article"], "Main_Page");

    let before = String::from_utf8(send(app.clone(), "GET", "/metrics", &[]).await.body).unwrap();
    assert!(before.contains("aqs_disallowed_articles 0\n"), "{before}");
    assert!(lists.change_disallowed("en.wikipedia", "main_page", true).unwrap());
    let after = String::from_utf8(send(app.clone(), "GET", "/metrics", &[]).await.body).unwrap();
    assert!(after.contains("aqs_disallowed_articles 1\n"), "{after}");
    assert!(after.contains("aqs_store_generation_changes_total 1\n"), "{after}");
    let hidden = send(app.clone(), "GET", ARTICLE, &[]).await;
    assert_eq!(hidden.status, StatusCode::NOT_FOUND, "the cached answer is not served");
    // Through the other prefix and a project spelling too.
    let other = ARTICLE
        .replace("/metrics/", "/api/rest_v1/metrics/")
        .replace("en.wikipedia", "en.wikipedia.org");
    assert_eq!(send(app.clone(), "GET", &other, &[]).await.status, StatusCode::NOT_FOUND);
    let top = send(app.clone(), "GET", TOP, &[]).await.json();
    let articles = top["items"][0]["articles"].as_array().unwrap();
    // Ranks as if the article had never been loaded: each moves up past it.
    let ranks: Vec<(&str, u64)> = articles
        .iter()
        .map(|a| (a["article"].as_str().unwrap(), a["rank"].as_u64().unwrap()))
        .collect();
    assert_eq!(ranks, vec![("AC/DC \"Back\" \\ in black", 1), ("Bar", 2)]);

    assert!(lists.change_disallowed("en.wikipedia", "Main_Page", false).unwrap());
    assert_eq!(send(app.clone(), "GET", ARTICLE, &[]).await.status, StatusCode::OK);
    let top = send(app, "GET", TOP, &[]).await.json();
    assert_eq!(top["items"][0]["articles"][0]["article"], "Main_Page");
}

#[tokio::test]
async fn with_an_allowlist_other_projects_find_no_data() {
    let allowlist =
        Allowlist::parse("project\tde.wikipedia\t2015-01-01 00:00:00\n", "test").unwrap();
    let lists = Arc::new(Lists::in_memory(Disallowed::default(), Some(allowlist)));
    let app = router(AppState::with_options(
        backend(),
        StoreCalls::Inline,
        ServeOptions::default(),
        lists,
    ));
    assert_eq!(send(app.clone(), "GET", ARTICLE, &[]).await.status, StatusCode::NOT_FOUND);
    assert_eq!(send(app.clone(), "GET", TOP, &[]).await.status, StatusCode::NOT_FOUND);
    let all = "/metrics/pageviews/aggregate/all-projects/all-access/all-agents/daily/2015100100/2015100100";
    assert_eq!(send(app, "GET", all, &[]).await.status, StatusCode::OK, "all-projects stays");
}

#[tokio::test]
async fn the_admin_endpoint_needs_the_token() {
    let lists = Arc::new(Lists::in_memory(Disallowed::default(), None));
    let admin = aqs_http::admin::router(lists.clone(), "s3cret");
    let body = r#"{"project":"en.wikipedia.org","article":"Some title"}"#;
    for auth in [None, Some("Bearer wrong"), Some("s3cret")] {
        let mut request = axum::http::Request::builder().method("POST").uri("/admin/disallowed");
        if let Some(auth) = auth {
            request = request.header("authorization", auth);
        }
        let answer = tower::ServiceExt::oneshot(
            admin.clone(),
            request.body(axum::body::Body::from(body)).unwrap(),
        )
        .await
        .unwrap();
        assert_eq!(answer.status(), StatusCode::UNAUTHORIZED);
    }
    assert!(lists.disallowed().is_empty());
    let ok = |method: &str, body: &str| {
        axum::http::Request::builder()
            .method(method)
            .uri("/admin/disallowed")
            .header("authorization", "Bearer s3cret")
            .body(axum::body::Body::from(body.to_string()))
            .unwrap()
    };
    let added = send_raw(admin.clone(), ok("POST", body)).await;
    assert_eq!(added.0, StatusCode::OK, "{}", added.1);
    assert!(lists.hides("en.wikipedia", "some_title"), "project and title are normalised");
    let listed = send_raw(admin.clone(), ok("GET", "")).await;
    assert_eq!(listed.1, "en.wikipedia\tSome_title\n");
    let bad = send_raw(admin.clone(), ok("POST", r#"{"project":"en.wikipedia"}"#)).await;
    assert_eq!(bad.0, StatusCode::BAD_REQUEST);
    assert!(bad.1.contains("article"), "{}", bad.1);
    let removed = send_raw(admin.clone(), ok("DELETE", body)).await;
    assert_eq!(removed.0, StatusCode::OK);
    assert!(lists.disallowed().is_empty());
    let reload = axum::http::Request::builder()
        .method("POST")
        .uri("/admin/allowlist/reload")
        .header("authorization", "Bearer s3cret")
        .body(axum::body::Body::empty())
        .unwrap();
    let answer = send_raw(admin, reload).await;
    assert_eq!(answer.0, StatusCode::CONFLICT);
    assert!(answer.1.contains("--allowlist"), "{}", answer.1);
}

async fn send_raw(
    app: axum::Router,
    request: axum::http::Request<axum::body::Body>,
) -> (StatusCode, String) {
    use http_body_util::BodyExt;
    let answer = tower::ServiceExt::oneshot(app, request).await.unwrap();
    let status = answer.status();
    let body = answer.into_body().collect().await.unwrap().to_bytes();
    (status, String::from_utf8_lossy(&body).into_owned())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_drains_the_requests_in_flight() {
    use std::io::{Read, Write};
    let app = slow_app(Duration::from_millis(400), ServeOptions::default());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(aqs_http::run(listener, app, async move {
        let _ = stopped.await;
    }));
    let client = std::thread::spawn(move || {
        let mut stream = std::net::TcpStream::connect(address).unwrap();
        let request = format!("GET {ARTICLE} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        stream.write_all(request.as_bytes()).unwrap();
        let mut answer = String::new();
        stream.read_to_string(&mut answer).unwrap();
        answer
    });
    // The request is in the store read when the shutdown starts.
    tokio::time::sleep(Duration::from_millis(150)).await;
    stop.send(()).unwrap();
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(
        std::net::TcpStream::connect(address).is_err(),
        "no new connections once shutting down"
    );
    let answer = tokio::task::spawn_blocking(move || client.join().unwrap()).await.unwrap();
    assert!(answer.starts_with("HTTP/1.1 200 OK"), "{answer}");
    assert!(answer.contains("\"views\":"), "the whole answer arrives: {answer}");
    tokio::time::timeout(Duration::from_secs(5), server).await.unwrap().unwrap().unwrap();
}

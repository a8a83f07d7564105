//! The extensions under `/ext/v1/` (docs/extensions.md): many articles in one request,
//! zero-filled, checked against the original per-article route one article at a time.

use crate::{backend, get, send};
use aqs_core::lists::Disallowed;
use aqs_http::{AppState, Lists, ServeOptions, StoreCalls, router};
use axum::http::StatusCode;
use serde_json::Value;
use std::collections::BTreeMap;
use std::sync::Arc;

const MANY: &str = "/ext/v1/pageviews/per-article/en.wikipedia/all-access/user";

/// The original route's views of one article, by timestamp (404: none).
async fn original(
    article: &str,
    agent: &str,
    granularity: &str,
    range: &str,
) -> BTreeMap<String, u64> {
    let encoded = article.replace('%', "%25").replace('/', "%2F").replace('?', "%3F");
    let uri = format!(
        "/metrics/pageviews/per-article/en.wikipedia/all-access/{agent}/{encoded}/{granularity}/{range}"
    );
    let answer = get(&uri).await;
    if answer.status == StatusCode::NOT_FOUND {
        return BTreeMap::new();
    }
    assert_eq!(answer.status, StatusCode::OK, "{uri}");
    let json = answer.json();
    json["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| (i["timestamp"].as_str().unwrap().to_string(), i["views"].as_u64().unwrap()))
        .collect()
}

fn query(titles: &[&str]) -> String {
    use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
    let encoded: Vec<String> =
        titles.iter().map(|t| utf8_percent_encode(t, NON_ALPHANUMERIC).to_string()).collect();
    format!("?articles={}", encoded.join("|"))
}

#[tokio::test]
async fn many_articles_answer_what_the_original_answers_one_by_one_with_zeros_and_nulls() {
    let titles = ["Main_Page", "AC/DC", "Foo bar: 100% ?", "Ünïcødé_日本語", "Nope"];
    // 2015-07-31 is loaded (Main_Page has a row every day of June and July), August is not.
    for (granularity, range, days) in
        [("daily", "20150630/20150802", 34), ("monthly", "20150601/20150831", 3)]
    {
        let uri = format!("{MANY}/{granularity}/{range}{}", query(&titles));
        let answer = get(&uri).await;
        assert_eq!(answer.status, StatusCode::OK, "{}", String::from_utf8_lossy(&answer.body));
        assert!(answer.header("etag").is_some());
        let json = answer.json();
        let stamps: Vec<String> = json["timestamps"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t.as_str().unwrap().to_string())
            .collect();
        assert_eq!(stamps.len(), days, "{json}");
        let items = json["items"].as_array().unwrap();
        assert_eq!(items.len(), titles.len());
        for (title, item) in titles.iter().zip(items) {
            let stored = title.replace(' ', "_");
            assert_eq!(item["article"], stored.as_str());
            let views = item["views"].as_array().unwrap();
            if *title == "Nope" {
                assert_eq!(item["known"], false);
                assert!(views.iter().all(Value::is_null), "{item}");
                continue;
            }
            assert_eq!(item["known"], true, "{item}");
            let one = original(&stored, "user", granularity, range).await;
            let mut total = 0;
            for (stamp, value) in stamps.iter().zip(views) {
                let august = stamp.starts_with("201508");
                match (one.get(stamp), august) {
                    (Some(&n), _) => assert_eq!(value.as_u64(), Some(n), "{title} {stamp}"),
                    (None, true) => assert!(value.is_null(), "{title} {stamp}: not loaded"),
                    (None, false) => assert_eq!(value.as_u64(), Some(0), "{title} {stamp}"),
                }
                total += value.as_u64().unwrap_or(0);
            }
            assert_eq!(item["total"].as_u64(), Some(total));
        }
    }
}

#[tokio::test]
async fn a_404_says_whether_the_project_the_articles_or_the_range_is_missing() {
    let cases = [
        (
            "/ext/v1/pageviews/per-article/xx.wikipedia/all-access/user/daily/20150701/20150702?articles=Main_Page",
            "project-unknown",
        ),
        (&format!("{MANY}/daily/20150701/20150702?articles=Nope|Nada") as &str, "article-unknown"),
        (&format!("{MANY}/daily/20170101/20170105?articles=Main_Page|Nope"), "range-not-loaded"),
    ];
    for (uri, reason) in cases {
        let answer = get(uri).await;
        assert_eq!(answer.status, StatusCode::NOT_FOUND, "{uri}");
        assert_eq!(answer.header("content-type"), Some("application/problem+json"));
        let json = answer.json();
        assert_eq!(json["reason"], reason, "{json}");
        assert!(json["detail"].as_str().unwrap().len() > 10);
    }
}

#[tokio::test]
async fn bad_requests_are_refused_with_the_reason() {
    let too_many: Vec<String> = (0..1001).map(|i| format!("T{i}")).collect();
    let cases = [
        (format!("{MANY}/daily/20150701/20150702"), "at least one article"),
        (format!("{MANY}/daily/20150701/20150702?articles={}", too_many.join("|")), "at most 1000"),
        (format!("{MANY}/weekly/20150701/20150702?articles=A"), "granularity"),
        (format!("{MANY}/daily/20150702/20150701?articles=A"), "start timestamp should be before"),
        ("/ext/v1/pageviews/per-article/all-projects/all-access/user/daily/20150701/20150702?articles=A".to_string(), "all-"),
    ];
    for (uri, words) in cases {
        let answer = get(&uri).await;
        assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{uri}");
        let body = String::from_utf8_lossy(&answer.body);
        assert!(body.contains(words), "{uri}: {body}");
    }
}

#[tokio::test]
async fn a_disallowed_article_is_unknown_to_the_extension_too() {
    let lists = Arc::new(Lists::in_memory(Disallowed::default(), None));
    let state = AppState::with_options(
        backend(),
        StoreCalls::Inline,
        ServeOptions::default(),
        lists.clone(),
    );
    let app = router(state);
    let uri = format!("{MANY}/daily/20150701/20150701?articles=Main_Page|AC/DC");
    let known = |json: &Value| -> Vec<bool> {
        json["items"].as_array().unwrap().iter().map(|i| i["known"].as_bool().unwrap()).collect()
    };
    assert_eq!(known(&send(app.clone(), "GET", &uri, &[]).await.json()), [true, true]);
    assert!(lists.change_disallowed("en.wikipedia", "ac/dc", true).unwrap());
    let json = send(app.clone(), "GET", &uri, &[]).await.json();
    assert_eq!(known(&json), [true, false]);
    assert!(json["items"][1]["views"][0].is_null());
}

#[tokio::test]
async fn cached_answers_are_kept_apart_by_their_query_and_counted_under_their_route() {
    let state = AppState::new(backend(), StoreCalls::Inline)
        .with_cache(Arc::new(aqs_http::cache::ResponseCache::new(1 << 20)));
    let app = router(state);
    let uri = |titles: &str| format!("{MANY}/daily/20150701/20150701?articles={titles}");
    let titles = |json: &Value| -> Vec<String> {
        json["items"].as_array().unwrap().iter().map(|i| i["article"].to_string()).collect()
    };
    for _ in 0..2 {
        let a = send(app.clone(), "GET", &uri("Main_Page"), &[]).await.json();
        let b = send(app.clone(), "GET", &uri("AC/DC"), &[]).await.json();
        assert_eq!(
            (titles(&a), titles(&b)),
            (vec!["\"Main_Page\"".to_string()], vec!["\"AC/DC\"".to_string()])
        );
    }
    let metrics = String::from_utf8(send(app, "GET", "/metrics", &[]).await.body).unwrap();
    let line = r#"aqs_http_requests_total{route="ext/pageviews/per-article",status="200"} 4"#;
    assert!(metrics.contains(line), "{metrics}");
    assert_eq!(aqs_http::routes::default_limit(aqs_http::ext::PER_ARTICLE), 10);
}

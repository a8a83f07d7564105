//! `/ext/v1/zero-filled/<route>` (docs/extensions.md): each period of the range once; the
//! original route's numbers where it has them, 0 where the period is loaded without a row,
//! null where it is not loaded. What is loaded comes from outside the code under test: the
//! seeded batches' replaced ranges (their module says which) and `/healthz`'s days.

use crate::get;
use axum::http::StatusCode;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

const FILLED: &str = "/ext/v1/zero-filled";

/// The items of an answer by timestamp, each the item without its timestamp.
fn by_timestamp(json: &Value) -> BTreeMap<String, Value> {
    let items = json["items"].as_array().unwrap_or_else(|| panic!("{json}"));
    items
        .iter()
        .map(|item| {
            let mut rest = item.clone();
            let stamp = rest.as_object_mut().unwrap().remove("timestamp").unwrap();
            (stamp.as_str().unwrap().to_string(), rest)
        })
        .collect()
}

/// The original route's items by timestamp (none on its 404).
async fn original(path: &str) -> BTreeMap<String, Value> {
    let answer = get(&format!("/metrics{path}")).await;
    if answer.status == StatusCode::NOT_FOUND {
        return BTreeMap::new();
    }
    assert_eq!(answer.status, StatusCode::OK, "{path}");
    by_timestamp(&answer.json())
}

/// The zero-filled answer's items, in order, as (timestamp, item without it).
async fn filled(path: &str) -> Vec<(String, Value)> {
    let answer = get(&format!("{FILLED}{path}")).await;
    assert_eq!(answer.status, StatusCode::OK, "{path}: {}", String::from_utf8_lossy(&answer.body));
    let json = answer.json();
    let items = json["items"].as_array().unwrap();
    let map = by_timestamp(&json);
    assert_eq!(map.len(), items.len(), "one item per timestamp");
    let out: Vec<(String, Value)> = map.into_iter().collect();
    let stamps: Vec<&str> = items.iter().map(|i| i["timestamp"].as_str().unwrap()).collect();
    let sorted: Vec<&str> = out.iter().map(|(s, _)| s.as_str()).collect();
    assert_eq!(stamps, sorted, "items in time order");
    out
}

/// Checks a zero-filled answer against the original's: each original item is there as it
/// is; each other item has the original's string fields and, in each of `values`, 0 when
/// `loaded(timestamp)`, null otherwise. Returns how many were zero and how many null.
async fn check(path: &str, values: &[&str], loaded: impl Fn(&str) -> bool) -> (usize, usize) {
    let original = original(path).await;
    let filled = filled(path).await;
    let template = original.values().next().cloned();
    let (mut zeros, mut nulls) = (0, 0);
    for (stamp, item) in &filled {
        if let Some(stored) = original.get(stamp) {
            assert_eq!(item, stored, "{path} at {stamp}");
            continue;
        }
        let expected = if loaded(stamp) { Value::from(0) } else { Value::Null };
        if expected.is_null() {
            nulls += 1
        } else {
            zeros += 1
        }
        for name in values {
            assert_eq!(item[name], expected, "{path} at {stamp}: {item}");
        }
        if let Some(template) = &template {
            for (key, value) in template.as_object().unwrap() {
                if !values.contains(&key.as_str()) {
                    assert_eq!(&item[key], value, "{path} at {stamp}: {key}");
                }
            }
        }
    }
    assert!(original.keys().all(|k| filled.iter().any(|(s, _)| s == k)), "{path}: all kept");
    (zeros, nulls)
}

async fn reason(path: &str) -> String {
    let answer = get(&format!("{FILLED}{path}")).await;
    assert_eq!(answer.status, StatusCode::NOT_FOUND, "{path}");
    assert_eq!(answer.header("content-type"), Some("application/problem+json"));
    answer.json()["reason"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn unique_devices_are_zero_on_loaded_days_without_rows_and_null_elsewhere() {
    // Loaded: January 2016 (daily), its first quarter (monthly); families 2016-01-01..03.
    let jan = |s: &str| s.starts_with("201601");
    let path = "/unique-devices/en.wikipedia/all-sites/daily/20151230/20160202";
    let (zeros, nulls) = check(path, &["devices", "offset", "underestimate"], jan).await;
    assert_eq!((zeros, nulls), (0, 4), "Dec 30, 31, Feb 1, 2 are not loaded");
    assert_eq!(filled(path).await.len(), 35);
    let first3 = |s: &str| ("20160101".."20160104").contains(&s);
    let all = ["devices", "offset", "underestimate"];
    let path = "/unique-devices/all-wikipedia-projects/all-sites/daily/20151231/20160105";
    assert_eq!(check(path, &all, first3).await, (2, 3));
    let quarter = |s: &str| ("201601".."201604").contains(&&s[..6]);
    let path = "/unique-devices/en.wikipedia/all-sites/monthly/20151101/20160531";
    assert_eq!(check(path, &all, quarter).await, (0, 4));
    // The original's range rules hold: its 400s are the variant's.
    let bad = format!("{FILLED}/unique-devices/en.wikipedia/all-sites/daily/20160105/20160101");
    assert_eq!(get(&bad).await.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn media_requests_are_filled_per_file_and_in_aggregate() {
    // Per file: May and June 2019 are loaded. Aggregate: May 2019.
    let may_june = |s: &str| ("20190501".."20190701").contains(&s);
    let cafe = crate::mediarequests_per_file::CAFE_SEGMENT;
    let path =
        format!("/mediarequests/per-file/all-referers/all-agents/{cafe}/daily/20190429/20190610");
    assert_eq!(check(&path, &["requests"], may_june).await, (28, 2));
    let path =
        format!("/mediarequests/per-file/all-referers/all-agents/{cafe}/monthly/20190401/20190731");
    assert_eq!(check(&path, &["requests"], |s| may_june(&s[..8])).await, (0, 2));
    let may = |s: &str| s.starts_with("201905");
    let path = "/mediarequests/aggregate/search-engine/video/user/daily/2019043000/2019050300";
    assert_eq!(check(path, &["requests"], may).await, (2, 1));
}

#[tokio::test]
async fn pageviews_are_zero_on_loaded_days_without_rows_daily_monthly_and_hourly() {
    // Loaded: the days of the seeded per-article rows (any project), computed here from the
    // batch the store was given, not asked of the store.
    let days: BTreeSet<String> =
        crate::seeded_batch().article_days.iter().map(|d| d.day.compact()).collect();
    let loaded = |stamp: &str| days.contains(&stamp[..8]);
    let (first, last) = (days.first().unwrap().clone(), days.last().unwrap().clone());
    assert!(first.as_str() > "19700101", "no probe rows in this data");
    let range = format!("{first}/{last}");
    let before = "20150101";
    let mut zero_days = 0;
    for article in ["Main_Page", "AC%2FDC"] {
        let path = format!(
            "/pageviews/per-article/en.wikipedia/all-access/user/{article}/daily/{before}/{}",
            &range[9..]
        );
        let (zeros, nulls) = check(&path, &["views"], loaded).await;
        assert!(nulls > 0, "days before {first} are not loaded");
        zero_days += zeros;
    }
    assert!(zero_days > 0, "some loaded day has no row of one of the articles");
    // A month is loaded when any of its days is.
    let months: BTreeSet<&str> = days.iter().map(|d| &d[..6]).collect();
    let path = format!(
        "/pageviews/per-article/en.wikipedia/all-access/user/AC%2FDC/monthly/{before}/{last}"
    );
    let (_, nulls) = check(&path, &["views"], |s| months.contains(&s[..6])).await;
    assert!(nulls > 0);
    let path = format!(
        "/pageviews/aggregate/en.wikipedia/all-access/all-agents/daily/{before}00/{}00",
        &range[9..]
    );
    let (_, nulls) = check(&path, &["views"], loaded).await;
    assert!(nulls > 0);
    let path = format!(
        "/pageviews/aggregate/en.wikipedia/all-access/all-agents/hourly/{}00/{}23",
        &range[..8],
        &range[..8]
    );
    check(&path, &["views"], loaded).await;
}

#[tokio::test]
async fn the_404s_say_why() {
    let (a, b) = ("20160101", "20160103");
    assert_eq!(
        reason(&format!("/unique-devices/xx.wikipedia/all-sites/daily/{a}/{b}")).await,
        "project-unknown"
    );
    assert_eq!(
        reason("/unique-devices/en.wikipedia/all-sites/daily/20170101/20170103").await,
        "range-not-loaded"
    );
    let pv = "/pageviews/per-article/en.wikipedia/all-access/user";
    assert_eq!(
        reason(&format!("{pv}/No_such_article_here/daily/{a}/{b}")).await,
        "article-unknown"
    );
    let unknown = "/pageviews/per-article/xx.wikipedia/all-access/user/Main_Page/daily";
    assert_eq!(reason(&format!("{unknown}/{a}/{b}")).await, "project-unknown");
    assert_eq!(
        reason(&format!("{pv}/Main_Page/daily/20300101/20300105")).await,
        "range-not-loaded"
    );
    let top = "/pageviews/top/en.wikipedia/all-access/2015/07/01";
    assert_eq!(reason(top).await, "no-zero-filled-variant");
    let file =
        "/mediarequests/per-file/all-referers/all-agents/%2Fno%2Fsuch.jpg/daily/20190501/20190503";
    assert_eq!(reason(file).await, "article-unknown");
    // Too many periods for one answer: a 400 that says so.
    let hours =
        "/pageviews/aggregate/en.wikipedia/all-access/all-agents/hourly/2000010100/2020010100";
    let answer = get(&format!("{FILLED}{hours}")).await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);
    assert!(String::from_utf8_lossy(&answer.body).contains("at most 100000 periods"));
}

#[tokio::test]
async fn every_route_with_a_variant_answers_its_example() {
    for route in aqs_http::routes::all() {
        let path = route.example;
        let answer = get(&format!("{FILLED}{path}")).await;
        if !aqs_http::ext::filled::has_variant(route) {
            assert_eq!(answer.status, StatusCode::NOT_FOUND, "{path}");
            continue;
        }
        if route.dataset == aqs_core::table::Dataset::History {
            // No snapshot is active here: the original lists no results; the variant lists
            // every period of the range, none of them covered.
            let original = get(&format!("/metrics{path}")).await.json();
            assert_eq!(original["items"][0]["results"], serde_json::json!([]), "{path}");
            let json = answer.json();
            let results = json["items"][0]["results"].as_array().unwrap();
            assert!(!results.is_empty(), "{path}");
            for r in results {
                let numbers: Vec<&Value> = r
                    .as_object()
                    .unwrap()
                    .iter()
                    .filter(|(k, _)| *k != "timestamp")
                    .map(|(_, v)| v)
                    .collect();
                assert!(numbers.iter().all(|v| v.is_null()), "{path}: {r}");
            }
            continue;
        }
        // The probe rows' day: the original's items are there, unchanged; where the
        // original has none, the variant says why or has no numbers but 0 and null.
        let original = original(path).await;
        if original.is_empty() && answer.status == StatusCode::NOT_FOUND {
            assert!(answer.json()["reason"].is_string(), "{path}");
            continue;
        }
        assert_eq!(
            answer.status,
            StatusCode::OK,
            "{path}: {}",
            String::from_utf8_lossy(&answer.body)
        );
        let filled = by_timestamp(&answer.json());
        for (stamp, item) in &original {
            assert_eq!(filled.get(stamp), Some(item), "{path}");
        }
    }
}

/// `/ext/v1/mediarequests/per-file/...?files=A|B`: each file as the per-file route answers
/// it alone, zero-filled on the days the seeded batch covers (May and June 2019).
#[tokio::test]
async fn many_files_answer_what_the_per_file_route_answers_one_by_one() {
    let cafe = crate::mediarequests_per_file::CAFE_SEGMENT;
    let nope = "%2Fwikipedia%2Fcommons%2Fno%2Fsuch.jpg";
    let loaded = |stamp: &str| ("20190501".."20190701").contains(&stamp);
    for (granularity, range, count) in
        [("daily", "20190429/20190605", 38), ("monthly", "20190401/20190731", 4)]
    {
        let uri = format!(
            "/ext/v1/mediarequests/per-file/all-referers/all-agents/{granularity}/{range}?files={cafe}|{nope}|{cafe}"
        );
        let answer = get(&uri).await;
        assert_eq!(answer.status, StatusCode::OK, "{}", String::from_utf8_lossy(&answer.body));
        let json = answer.json();
        let stamps: Vec<&str> =
            json["timestamps"].as_array().unwrap().iter().map(|t| t.as_str().unwrap()).collect();
        assert_eq!(stamps.len(), count);
        let items = json["items"].as_array().unwrap();
        assert_eq!(items.len(), 2, "each file once");
        assert_eq!(items[1]["known"], false);
        assert!(items[1]["requests"].as_array().unwrap().iter().all(Value::is_null));
        let alone = original(&format!(
            "/mediarequests/per-file/all-referers/all-agents/{cafe}/{granularity}/{range}"
        ))
        .await;
        let mut total = 0;
        for (stamp, value) in stamps.iter().zip(items[0]["requests"].as_array().unwrap()) {
            let expected = match alone.get(*stamp) {
                Some(item) => item["requests"].clone(),
                None if loaded(&stamp[..8]) => Value::from(0),
                None => Value::Null,
            };
            assert_eq!(value, &expected, "{granularity} {stamp}");
            total += value.as_u64().unwrap_or(0);
        }
        assert_eq!(items[0]["total"], total);
        assert_eq!(items[0]["file_path"], "/wikipedia/commons/a/a9/Caf%C3%A9%2C_1900.jpg");
    }
    let base = "/ext/v1/mediarequests/per-file/all-referers/all-agents/daily";
    let reason = |json: Value| json["reason"].as_str().unwrap_or("").to_string();
    assert_eq!(
        reason(get(&format!("{base}/20190501/20190503?files={nope}")).await.json()),
        "article-unknown"
    );
    assert_eq!(
        reason(get(&format!("{base}/20180501/20180503?files={cafe}")).await.json()),
        "range-not-loaded"
    );
    let many: Vec<String> = (0..=100).map(|i| format!("/f{i}.jpg")).collect();
    for bad in [String::new(), many.join("|")] {
        let answer = get(&format!("{base}/20190501/20190503?files={bad}")).await;
        assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{bad}");
    }
}

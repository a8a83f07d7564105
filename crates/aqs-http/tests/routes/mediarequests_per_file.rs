//! `/metrics/mediarequests/per-file/...` over the seeded rows: the file-name re-encoding, the
//! agents, whole months summed from days, the original's headers, errors.

use crate::{call_with, day, get};
use aqs_core::dates::Period;
use aqs_core::mediarequests::per_file::{PER_FILE, per_file_row};
use aqs_core::table::{SeriesBatch, SeriesChanges};
use axum::http::StatusCode;
use serde_json::json;

const ROUTE: &str = "/metrics/mediarequests/per-file";
/// `Café,_1900.jpg` as the dumps store it.
const CAFE: &str = "/wikipedia/commons/a/a9/Caf%C3%A9%2C_1900.jpg";
/// The same path as a client sends it: one segment, the name encoded once.
pub(crate) const CAFE_SEGMENT: &str = "%2Fwikipedia%2Fcommons%2Fa%2Fa9%2FCaf%C3%A9%2C_1900.jpg";

/// `CAFE` from the mediacounts referers on 2019-05-01..03 (all = 10·day, internal = 7·day,
/// external = 3·day) and every day of June (all = 100); the contract's example file from
/// `en.wikipedia` on 2015-07-02 (user 10, spider 1001); the probe row.
pub fn seeded() -> SeriesBatch {
    let mut rows = Vec::new();
    for d in 1..=3u64 {
        let at = day("20190501").add_days(d as i32 - 1);
        rows.push(per_file_row("all-referers", CAFE, at, 10 * d, 0));
        rows.push(per_file_row("internal", CAFE, at, 7 * d, 0));
        rows.push(per_file_row("external", CAFE, at, 3 * d, 0));
    }
    for d in 0..30 {
        rows.push(per_file_row("all-referers", CAFE, day("20190601").add_days(d), 100, 0));
    }
    let peacocks = "/wiktionary/te/4/40/peacocks.JPG";
    rows.push(per_file_row("en.wikipedia", peacocks, day("20150702"), 10, 1001));
    rows.push(per_file_row("en.wikipedia", "-", day("19700101"), 0, 0));
    SeriesBatch {
        dataset: PER_FILE.dataset,
        // May and June 2019 are loaded (`tests/routes/filled.rs`).
        changes: vec![SeriesChanges {
            table: &PER_FILE,
            replace: vec![(Period::Day(day("20190501")), Period::Day(day("20190630")))],
            rows,
        }],
    }
}

#[tokio::test]
async fn response() {
    insta::assert_snapshot!(
        get(&format!("{ROUTE}/internal/all-agents/{CAFE_SEGMENT}/daily/20190501/2019050200"))
            .await
            .snapshot()
    );
}

#[tokio::test]
async fn the_file_name_is_looked_up_encoded_and_echoed_as_stored() {
    let answer =
        get(&format!("{ROUTE}/all-referers/user/{CAFE_SEGMENT}/daily/20190502/20190502")).await;
    assert_eq!(
        answer.json(),
        json!({"items": [{"referer": "all-referers", "file_path": CAFE, "granularity": "daily",
            "timestamp": "2019050200", "agent": "user", "requests": 20}]})
    );
    // The stored form sent as is: its `%` is kept, so it finds the file too.
    let stored = CAFE.replace('/', "%2F").replace('%', "%25").replace("%252F", "%2F");
    let again = get(&format!("{ROUTE}/all-referers/user/{stored}/daily/20190502/20190502")).await;
    assert_eq!(again.json()["items"][0]["requests"], 20);
    // Spaces are not underscores here: `Café, 1900.jpg` is another file.
    let spaced = CAFE_SEGMENT.replace("%2C_", "%2C%20");
    let missing = get(&format!("{ROUTE}/all-referers/user/{spaced}/daily/20190502/20190502")).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    // Referers are normalised; a referer without rows that day finds nothing.
    let internal =
        get(&format!("{ROUTE}/Internal/user/{CAFE_SEGMENT}/daily/20190501/20190503")).await;
    let got: Vec<_> = internal.json()["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["requests"].as_u64().unwrap())
        .collect();
    assert_eq!(got, [7, 14, 21]);
    let unknown =
        get(&format!("{ROUTE}/unknown/user/{CAFE_SEGMENT}/daily/20190501/20190503")).await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn all_agents_is_user_plus_spider_and_months_sum_days() {
    let file = "%2Fwiktionary%2Fte%2F4%2F40%2Fpeacocks.JPG";
    for (agent, requests) in [("all-agents", 1011), ("user", 10), ("spider", 1001)] {
        let a =
            get(&format!("{ROUTE}/en.wikipedia/{agent}/{file}/daily/2015070200/2015070200")).await;
        assert_eq!(a.json()["items"][0]["requests"], requests, "{agent}");
        assert_eq!(a.json()["items"][0]["agent"], agent);
    }
    let months =
        get(&format!("{ROUTE}/all-referers/all-agents/{CAFE_SEGMENT}/monthly/20190415/20190630"))
            .await;
    let got: Vec<_> = months.json()["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["timestamp"].as_str().unwrap().to_string(),
                i["requests"].as_u64().unwrap(),
                i["granularity"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("2019050100".into(), 60, "monthly".into()),
            ("2019060100".into(), 3000, "monthly".into())
        ]
    );
}

#[tokio::test]
async fn headers_are_the_originals_and_errors_follow_it() {
    let answer =
        get(&format!("{ROUTE}/en.wikipedia/all-agents/-/daily/1970010100/1970010100")).await;
    assert_eq!(answer.json()["items"][0]["requests"], 0);
    assert_eq!(answer.header("content-type"), Some("application/json"));
    assert_eq!(
        answer.header("cache-control"),
        Some("private, max-age=0, s-maxage=0, must-revalidate")
    );
    assert_eq!(answer.header("etag"), None);
    let conditional = call_with(
        "GET",
        &format!("{ROUTE}/en.wikipedia/all-agents/-/daily/1970010100/1970010100"),
        &[("if-none-match", "*")],
    )
    .await;
    assert_eq!(conditional.status, StatusCode::OK, "no ETag, no 304");
    let agent = get(&format!("{ROUTE}/all-referers/automated/-/daily/20190501/20190501")).await;
    assert_eq!(
        agent.json()["detail"],
        "data.params.agent should be equal to one of the allowed values: [all-agents, user, spider]"
    );
    let months = get(&format!("{ROUTE}/all-referers/user/-/monthly/20190502/20190530")).await;
    assert_eq!(months.json()["detail"], json!(["no full months found in specified date range"]));
    let date = get(&format!("{ROUTE}/all-referers/user/-/daily/20190230/20190301")).await;
    assert_eq!(date.status, StatusCode::BAD_REQUEST);
    let referer = get(&format!("{ROUTE}/bad|referer/user/-/daily/20190501/20190501")).await;
    assert_eq!(referer.json()["detail"], "The parameter `project` contains invalid charaters.");
}

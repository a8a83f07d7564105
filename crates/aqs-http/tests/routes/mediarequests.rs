//! `/metrics/mediarequests/aggregate/...` over the seeded rows: 10-digit timestamps, referer
//! normalisation, the free media type, whole months, errors.

use crate::{day, get};
use aqs_core::dates::{Period, YearMonth};
use aqs_core::mediarequests::{PER_REFERER, TOP_FILES, TopFile, aggregate_row, top_rows};
use aqs_core::table::{SeriesBatch, SeriesChanges};
use axum::http::StatusCode;
use serde_json::json;

const ROUTE: &str = "/metrics/mediarequests/aggregate";

/// all-referers / image / all-agents daily in May 2019 (10,000 + day), monthly May and June;
/// search-engine / video / user on 2019-05-01; the probe row.
pub fn seeded() -> SeriesBatch {
    let mut rows = Vec::new();
    for d in 0..31 {
        let period = Period::Day(day("20190501").add_days(d));
        rows.push(aggregate_row("all-referers", "image", "all-agents", period, 10_001 + d as u64));
    }
    for (m, n) in [(5, 400_000), (6, 500_000)] {
        let period = Period::Month(YearMonth::new(2019, m).unwrap());
        rows.push(aggregate_row("all-referers", "image", "all-agents", period, n));
    }
    rows.push(aggregate_row("search-engine", "video", "user", Period::Day(day("20190501")), 77));
    let probe = Period::Day(day("19700101"));
    rows.push(aggregate_row("en.wikipedia", "all-media-types", "all-agents", probe, 0));
    let f = |p: &str, requests, rank| TopFile { file_path: p.into(), requests, rank };
    let mut tops = top_rows(
        "all-referers",
        "image",
        Period::Day(day("20190501")),
        // Stored out of rank order, as the original's loader stored them (JSON-string order).
        &[
            f("/wikipedia/commons/b/b1/B,_\"x\".jpg", 500, 2),
            f("/wikipedia/commons/a/a1/A.jpg", 900, 1),
        ],
    );
    let may = Period::Month(YearMonth::new(2019, 5).unwrap());
    tops.extend(top_rows(
        "all-referers",
        "image",
        may,
        &[f("/wikipedia/commons/a/a1/A.jpg", 20_000, 1)],
    ));
    tops.extend(top_rows("en.wikipedia", "all-media-types", probe, &[f("-", 0, 1)]));
    SeriesBatch {
        dataset: PER_REFERER.dataset,
        changes: vec![
            // May 2019 is loaded (`tests/routes/filled.rs`).
            SeriesChanges {
                table: &PER_REFERER,
                replace: vec![(Period::Day(day("20190501")), Period::Day(day("20190531")))],
                rows,
            },
            SeriesChanges { table: &TOP_FILES, replace: vec![], rows: tops },
        ],
    }
}

#[tokio::test]
async fn response() {
    insta::assert_snapshot!(
        get(&format!("{ROUTE}/all-referers/image/all-agents/daily/20190501/20190502"))
            .await
            .snapshot()
    );
}

#[tokio::test]
async fn series_have_ten_digit_timestamps_and_whole_months() {
    let days =
        get(&format!("{ROUTE}/all-referers/image/all-agents/daily/2019053000/20190531")).await;
    assert_eq!(
        days.json()["items"],
        json!([
            {"referer": "all-referers", "media_type": "image", "agent": "all-agents", "granularity": "daily", "timestamp": "2019053000", "requests": 10_030},
            {"referer": "all-referers", "media_type": "image", "agent": "all-agents", "granularity": "daily", "timestamp": "2019053100", "requests": 10_031},
        ])
    );
    let months =
        get(&format!("{ROUTE}/all-referers/image/all-agents/monthly/20190415/20190630")).await;
    let stamps: Vec<_> = months.json()["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| (i["timestamp"].as_str().unwrap().to_string(), i["requests"].as_u64().unwrap()))
        .collect();
    assert_eq!(stamps, [("2019050100".to_string(), 400_000), ("2019060100".to_string(), 500_000)]);
    let search = get(&format!("{ROUTE}/Search-Engine/video/user/daily/20190501/20190501")).await;
    assert_eq!(search.json()["items"][0]["referer"], "search-engine");
    assert_eq!(search.json()["items"][0]["requests"], 77);
    let unknown_type =
        get(&format!("{ROUTE}/all-referers/pictures/all-agents/daily/20190501/20190501")).await;
    assert_eq!(
        unknown_type.status,
        StatusCode::NOT_FOUND,
        "no enum: an unknown type finds nothing"
    );
}

#[tokio::test]
async fn errors_follow_the_original() {
    let agent = get(&format!("{ROUTE}/all-referers/image/automated/daily/20190501/20190501")).await;
    assert_eq!(
        agent.json()["detail"],
        "data.params.agent should be equal to one of the allowed values: [all-agents, user, spider]"
    );
    let granularity =
        get(&format!("{ROUTE}/all-referers/image/user/hourly/20190501/20190501")).await;
    assert_eq!(granularity.status, StatusCode::BAD_REQUEST);
    let months = get(&format!("{ROUTE}/all-referers/image/user/monthly/20190502/20190530")).await;
    assert_eq!(months.json()["detail"], json!(["no full months found in specified date range"]));
    let referer = get(&format!("{ROUTE}/bad|referer/image/user/daily/20190501/20190501")).await;
    assert_eq!(referer.json()["detail"], "The parameter `project` contains invalid charaters.");
}

#[tokio::test]
async fn top_lists_are_served_by_rank_for_a_day_or_a_month() {
    let route = "/metrics/mediarequests/top";
    let answer = get(&format!("{route}/all-referers/image/2019/05/01")).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(
        answer.json(),
        json!({"items": [{"referer": "all-referers", "media_type": "image", "year": "2019", "month": "05", "day": "01",
        "files": [
            {"file_path": "/wikipedia/commons/a/a1/A.jpg", "requests": 900, "rank": 1},
            {"file_path": "/wikipedia/commons/b/b1/B,_\"x\".jpg", "requests": 500, "rank": 2},
        ]}]})
    );
    let month = get(&format!("{route}/All-Referers/image/2019/05/all-days")).await;
    assert_eq!(month.json()["items"][0]["files"][0]["requests"], 20_000);
    assert_eq!(month.json()["items"][0]["day"], "all-days");
    for path in ["all-referers/video/2019/05/01", "all-referers/image/2019/05/02"] {
        assert_eq!(get(&format!("{route}/{path}")).await.status, StatusCode::NOT_FOUND, "{path}");
    }
    let date = get(&format!("{route}/all-referers/image/2019/02/30")).await;
    assert_eq!(date.json()["detail"], json!(["Given year/month/day is invalid date"]));
}

//! `/metrics/legacy/pagecounts/aggregate/...` over the seeded rows: values, 10-digit
//! timestamps for every granularity, full months, and the route's errors.

use crate::{day, get};
use aqs_core::dates::{Hour, Period, YearMonth};
use aqs_core::legacy_pagecounts::PAGECOUNTS;
use aqs_core::table::{Numbers, SeriesBatch, SeriesChanges, SeriesRow};
use axum::http::StatusCode;
use serde_json::json;

const ROUTE: &str = "/metrics/legacy/pagecounts/aggregate";

/// en.wikipedia, all sites: hourly on 2014-01-01 (1000 + hour), daily in January 2014
/// (100,000 + day), monthly January to March 2014 (3,000,000 × month); all-projects desktop
/// on 2014-01-01; the 1970-01-01 probe row.
pub fn seeded() -> SeriesBatch {
    let row = |project: &str, site: &str, period: Period, n: u64| SeriesRow {
        key: vec![project.to_string(), site.to_string()],
        period,
        sub: String::new(),
        values: Numbers::counters(&[n]),
    };
    let first = day("20140101");
    let mut rows = Vec::new();
    for h in 0..24 {
        let hour = Period::Hour(Hour::new(first, h).unwrap());
        rows.push(row("en.wikipedia", "all-sites", hour, 1000 + u64::from(h)));
    }
    for d in 0..31 {
        let period = Period::Day(first.add_days(d));
        rows.push(row("en.wikipedia", "all-sites", period, 100_001 + d as u64));
    }
    for m in 1..=3 {
        let period = Period::Month(YearMonth::new(2014, m).unwrap());
        rows.push(row("en.wikipedia", "all-sites", period, 3_000_000 * u64::from(m)));
    }
    rows.push(row("all-projects", "desktop-site", Period::Day(first), 77_000_000));
    rows.push(row("en.wikipedia", "all-sites", Period::Day(day("19700101")), 0));
    SeriesBatch {
        dataset: PAGECOUNTS.dataset,
        changes: vec![SeriesChanges { table: &PAGECOUNTS, replace: vec![], rows }],
    }
}

#[tokio::test]
async fn hourly_response() {
    insta::assert_snapshot!(
        get(&format!("{ROUTE}/en.wikipedia/all-sites/hourly/2014010122/2014010203"))
            .await
            .snapshot()
    );
}

#[tokio::test]
async fn items_have_ten_digit_timestamps_in_every_granularity() {
    let answer =
        get(&format!("{ROUTE}/EN.wikipedia.ORG/all-sites/daily/2014013023/2014020100")).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(
        answer.json()["items"],
        json!([
            {"project": "en.wikipedia", "access-site": "all-sites", "granularity": "daily",
             "timestamp": "2014013000", "count": 100_030},
            {"project": "en.wikipedia", "access-site": "all-sites", "granularity": "daily",
             "timestamp": "2014013100", "count": 100_031},
        ])
    );
    let hours = get(&format!("{ROUTE}/en.wikipedia/all-sites/hourly/2014010105/2014010107")).await;
    let stamps: Vec<_> = hours.json()["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| (i["timestamp"].as_str().unwrap().to_string(), i["count"].as_u64().unwrap()))
        .collect();
    assert_eq!(
        stamps,
        [("2014010105".into(), 1005), ("2014010106".into(), 1006), ("2014010107".into(), 1007)]
    );
}

#[tokio::test]
async fn monthly_keeps_whole_months_only() {
    let months =
        get(&format!("{ROUTE}/en.wikipedia/all-sites/monthly/2014020100/2014040100")).await;
    let items = months.json()["items"].clone();
    assert_eq!(items.as_array().unwrap().len(), 2, "{items}");
    assert_eq!(items[0]["timestamp"], "2014020100");
    assert_eq!(items[0]["count"], 6_000_000);
    assert_eq!(items[1]["timestamp"], "2014030100");
    let none = get(&format!("{ROUTE}/en.wikipedia/all-sites/monthly/2014020200/2014022000")).await;
    assert_eq!(none.status, StatusCode::BAD_REQUEST);
    assert_eq!(none.json()["detail"], json!(["no full months found in specified date range"]));
}

#[tokio::test]
async fn all_projects_and_the_probe_row_are_served() {
    let all = get(&format!("{ROUTE}/all-projects/desktop-site/daily/2014010100/2014010100")).await;
    assert_eq!(all.json()["items"][0]["count"], 77_000_000);
    let probe = get(&format!("{ROUTE}/en.wikipedia/all-sites/daily/1970010100/1970010100")).await;
    assert_eq!(probe.json()["items"][0]["timestamp"], "1970010100");
    assert_eq!(probe.json()["items"][0]["count"], 0);
    let none = get(&format!("{ROUTE}/de.wikipedia/all-sites/daily/2014010100/2014010200")).await;
    assert_eq!(none.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn errors_follow_the_original() {
    let short = get(&format!("{ROUTE}/en.wikipedia/all-sites/daily/20140101/2014010200")).await;
    assert_eq!(short.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        short.json()["detail"],
        json!(["start timestamp is invalid, must be a valid date in YYYYMMDDHH format"])
    );
    assert_eq!(
        short.json()["uri"],
        "/analytics.wikimedia.org/v1/legacy/pagecounts/aggregate/en.wikipedia/all-sites/daily/20140101/2014010200"
    );
    let site = get(&format!("{ROUTE}/en.wikipedia/mobile-web/daily/2014010100/2014010200")).await;
    assert_eq!(
        site.json()["detail"],
        "data.params['access-site'] should be equal to one of the allowed values: [all-sites, desktop-site, mobile-site]"
    );
    let granularity =
        get(&format!("{ROUTE}/en.wikipedia/all-sites/weekly/2014010100/2014010200")).await;
    assert_eq!(
        granularity.json()["detail"],
        "data.params.granularity should be equal to one of the allowed values: [hourly, daily, monthly]"
    );
    let route =
        get("/metrics/legacy/pagecounts/en.wikipedia/all-sites/daily/2014010100/2014010200").await;
    assert_eq!(route.status, StatusCode::NOT_FOUND);
    assert_eq!(
        route.json()["type"],
        "https://mediawiki.org/wiki/HyperSwitch/errors/not_found#route"
    );
}

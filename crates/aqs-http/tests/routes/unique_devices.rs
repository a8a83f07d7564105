//! `/metrics/unique-devices/...` over the seeded rows (`seeded_series`): values, timestamps,
//! the route's range rules and its errors.

use crate::{day, get};
use aqs_core::dates::{Period, YearMonth};
use aqs_core::table::{SeriesBatch, SeriesChanges, SeriesRow};
use axum::http::StatusCode;
use serde_json::json;

/// Unique devices of en.wikipedia in January 2016 (daily, all sites and mobile) and January
/// to March 2016 (monthly), a family roll-up, and the 1970-01-01 probe row.
pub fn seeded() -> SeriesBatch {
    use aqs_core::unique_devices::{DEVICES, Devices, FAMILIES};
    let month = |m| YearMonth::new(2016, m).unwrap();
    let row = |project: &str, site: &str, period: Period, n: u64| SeriesRow {
        key: vec![project.to_string(), site.to_string()],
        period,
        sub: String::new(),
        values: Devices { devices: n, offset: n / 10, underestimate: n - n / 10 }.numbers(),
    };
    let mut rows = Vec::new();
    for i in 0..31 {
        let d = Period::Day(day("20160101").add_days(i));
        rows.push(row("en.wikipedia", "all-sites", d, 1_000_000 + i as u64));
        rows.push(row("en.wikipedia", "mobile-site", d, 600_000 + i as u64));
    }
    for m in 1..=3 {
        let p = Period::Month(YearMonth::new(2016, m).unwrap());
        rows.push(row("en.wikipedia", "all-sites", p, 20_000_000 * u64::from(m)));
    }
    rows.push(row("en.wikipedia", "all-sites", Period::Day(day("19700101")), 0));
    let families =
        vec![row("all-wikipedia-projects", "all-sites", Period::Day(day("20160101")), 5_000_000)];
    SeriesBatch {
        dataset: DEVICES.dataset,
        changes: vec![
            // What is loaded (`tests/routes/filled.rs`): January 2016's days and its first
            // quarter's months; of the families, 2016-01-01 to 03.
            SeriesChanges {
                table: &DEVICES,
                replace: vec![
                    (Period::Day(day("20160101")), Period::Day(day("20160131"))),
                    (Period::Month(month(1)), Period::Month(month(3))),
                ],
                rows,
            },
            SeriesChanges {
                table: &FAMILIES,
                replace: vec![(Period::Day(day("20160101")), Period::Day(day("20160103")))],
                rows: families,
            },
        ],
    }
}

const NO_DATA: &str = "https://mediawiki.org/wiki/HyperSwitch/errors/not_found";

#[tokio::test]
async fn daily_response() {
    insta::assert_snapshot!(
        get("/metrics/unique-devices/en.wikipedia/all-sites/daily/20160101/20160103")
            .await
            .snapshot()
    );
}

#[tokio::test]
async fn daily_items_are_the_stored_rows_with_eight_digit_timestamps() {
    let answer =
        get("/metrics/unique-devices/EN.Wikipedia.org/mobile-site/daily/2016013000/20160215").await;
    assert_eq!(answer.status, StatusCode::OK);
    let items = answer.json()["items"].as_array().unwrap().clone();
    // Seeded: 600,000 + i on 2016-01-01 + i, offset a tenth, underestimate the rest.
    let expected: Vec<_> = [29u64, 30]
        .iter()
        .map(|i| {
            let n = 600_000 + i;
            json!({"project": "en.wikipedia", "access-site": "mobile-site", "granularity": "daily",
                   "timestamp": format!("201601{:02}", i + 1), "devices": n, "offset": n / 10,
                   "underestimate": n - n / 10})
        })
        .collect();
    assert_eq!(items, expected);
    // Keys in the original's order (the body's bytes, not a parsed map).
    let body = String::from_utf8(answer.body.clone()).unwrap();
    let order = [
        "project",
        "access-site",
        "granularity",
        "timestamp",
        "devices",
        "offset",
        "underestimate",
    ];
    let at: Vec<usize> = order.iter().map(|k| body.find(&format!("\"{k}\":")).unwrap()).collect();
    assert!(at.windows(2).all(|w| w[0] < w[1]), "{body}");
}

#[tokio::test]
async fn monthly_ranges_select_the_months_whose_first_day_is_in_them() {
    // No full-month rewrite: a mid-January start skips January, and March 1st keeps March.
    let path = "/metrics/unique-devices/en.wikipedia/all-sites/monthly/20160115/20160301";
    let answer = get(path).await;
    assert_eq!(answer.status, StatusCode::OK, "{path}");
    let months: Vec<_> = answer.json()["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| (i["timestamp"].as_str().unwrap().to_string(), i["devices"].as_u64().unwrap()))
        .collect();
    assert_eq!(
        months,
        vec![("20160201".to_string(), 40_000_000), ("20160301".to_string(), 60_000_000)]
    );
    let none =
        get("/metrics/unique-devices/en.wikipedia/all-sites/monthly/20160102/20160131").await;
    assert_eq!(none.status, StatusCode::NOT_FOUND);
    assert_eq!(none.json()["type"], NO_DATA);
}

#[tokio::test]
async fn families_and_the_probe_row_are_served() {
    let family =
        get("/metrics/unique-devices/all-wikipedia-projects/all-sites/daily/20160101/20160101")
            .await;
    assert_eq!(family.json()["items"][0]["devices"], 5_000_000);
    let probe = get("/metrics/unique-devices/en.wikipedia/all-sites/daily/19700101/19700101").await;
    assert_eq!(probe.json()["items"][0]["timestamp"], "19700101");
    assert_eq!(probe.json()["items"][0]["underestimate"], 0);
    let other = get("/metrics/unique-devices/de.wikipedia/all-sites/daily/20160101/20160131").await;
    assert_eq!(other.status, StatusCode::NOT_FOUND);
    assert_eq!(other.json()["type"], NO_DATA);
}

#[tokio::test]
async fn errors_follow_the_original() {
    let site = get("/metrics/unique-devices/en.wikipedia/all-access/daily/20160101/20160102").await;
    assert_eq!(site.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        site.json()["detail"],
        "data.params['access-site'] should be equal to one of the allowed values: [all-sites, desktop-site, mobile-site]"
    );
    let granularity =
        get("/metrics/unique-devices/en.wikipedia/all-sites/hourly/20160101/20160102").await;
    assert_eq!(
        granularity.json()["detail"],
        "data.params.granularity should be equal to one of the allowed values: [daily, monthly]"
    );
    let dates = get("/metrics/unique-devices/en.wikipedia/all-sites/daily/20160100/20160101").await;
    assert_eq!(dates.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        dates.json()["detail"],
        json!(["start timestamp is invalid, must be a valid date in YYYYMMDD format"])
    );
    assert_eq!(
        dates.json()["uri"],
        "/analytics.wikimedia.org/v1/unique-devices/en.wikipedia/all-sites/daily/20160100/20160101"
    );
    let project =
        get("/metrics/unique-devices/bad|project/all-sites/daily/20160101/20160101").await;
    assert_eq!(project.json()["detail"], "The parameter `project` contains invalid charaters.");
    let route = get("/metrics/unique-devices/en.wikipedia/all-sites/daily/20160101").await;
    assert_eq!(
        route.json()["type"],
        "https://mediawiki.org/wiki/HyperSwitch/errors/not_found#route"
    );
}

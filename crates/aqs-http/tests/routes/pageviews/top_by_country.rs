//! `/metrics/pageviews/top-by-country/...` over the seeded rows: bucket strings and
//! `views_ceil`, lists stored with bucket strings passed as they are, stored order, errors.

use crate::get;
use aqs_core::dates::YearMonth;
use aqs_core::table::{SeriesBatch, SeriesChanges};
use aqs_core::top_by_country::{CountryViews, TOP_BY_COUNTRY, Views, rows};
use axum::http::StatusCode;
use serde_json::json;

const ROUTE: &str = "/metrics/pageviews/top-by-country";

/// en.wikipedia, all-access, May 2020: US 3,171,766,000 (rank 1), `--` 9,000 (2), FR 1,000
/// (4: a protected country was removed after ranking); all-projects, mobile-web, May 2020,
/// stored by an older load with bucket strings; the probe row.
pub fn seeded() -> SeriesBatch {
    let c = |country: &str, views, rank| CountryViews { country: country.into(), views, rank };
    let may = YearMonth::new(2020, 5).unwrap();
    let mut all = rows(
        "en.wikipedia",
        "all-access",
        may,
        &[
            c("US", Views::Ceiled(3_171_766_000), 1),
            c("--", Views::Ceiled(9000), 2),
            c("FR", Views::Ceiled(1000), 4),
        ],
    );
    all.extend(rows("all-projects", "mobile-web", may, &[c("US", Views::Bucket(7), 1)]));
    let january_1970 = YearMonth::new(1970, 1).unwrap();
    all.extend(rows("en.wikipedia", "all-access", january_1970, &[c("-", Views::Bucket(3), 1)]));
    SeriesBatch {
        dataset: TOP_BY_COUNTRY.dataset,
        changes: vec![SeriesChanges { table: &TOP_BY_COUNTRY, replace: vec![], rows: all }],
    }
}

#[tokio::test]
async fn response() {
    insta::assert_snapshot!(
        get(&format!("{ROUTE}/en.wikipedia/all-access/2020/05")).await.snapshot()
    );
}

#[tokio::test]
async fn views_are_bucket_strings_with_views_ceil() {
    let answer = get(&format!("{ROUTE}/EN.wikipedia.org/all-access/2020/05")).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(
        answer.json(),
        json!({"items": [{"project": "en.wikipedia", "access": "all-access", "year": "2020", "month": "05",
        "countries": [
            {"country": "US", "views": "1000000000-9999999999", "rank": 1, "views_ceil": 3_171_766_000u64},
            {"country": "--", "views": "1000-9999", "rank": 2, "views_ceil": 9000},
            {"country": "FR", "views": "100-999", "rank": 4, "views_ceil": 1000},
        ]}]})
    );
    let older = get(&format!("{ROUTE}/all-projects/mobile-web/2020/05")).await;
    assert_eq!(
        older.json()["items"][0]["countries"],
        json!([{"country": "US", "views": "1000000-9999999", "rank": 1}])
    );
    let probe = get(&format!("{ROUTE}/en.wikipedia/all-access/1970/01")).await;
    assert_eq!(
        probe.json()["items"][0]["countries"],
        json!([{"country": "-", "views": "100-999", "rank": 1}])
    );
    for path in ["en.wikipedia/desktop/2020/05", "en.wikipedia/all-access/2020/06"] {
        assert_eq!(get(&format!("{ROUTE}/{path}")).await.status, StatusCode::NOT_FOUND, "{path}");
    }
}

#[tokio::test]
async fn errors_follow_the_original() {
    let access = get(&format!("{ROUTE}/en.wikipedia/all-agents/2020/05")).await;
    assert_eq!(access.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        access.json()["detail"],
        "data.params.access should be equal to one of the allowed values: [all-access, desktop, mobile-app, mobile-web]"
    );
    let date = get(&format!("{ROUTE}/en.wikipedia/all-access/2020/13")).await;
    assert_eq!(date.json()["detail"], json!(["Given year/month is invalid date"]));
    let project = get(&format!("{ROUTE}/bad|project/all-access/2020/05")).await;
    assert_eq!(project.json()["detail"], "The parameter `project` contains invalid charaters.");
    // `pageviews/top` is not a prefix of this route.
    let top = get("/metrics/pageviews/top-by-country/en.wikipedia/all-access/2020").await;
    assert_eq!(top.json()["type"], "https://mediawiki.org/wiki/HyperSwitch/errors/not_found#route");
}

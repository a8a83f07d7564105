//! `/metrics/pageviews/top-per-country/...` over the seeded rows: the list as stored, the
//! country matched as given, `all-days` finding nothing, errors.

use crate::get;
use aqs_core::dates::Day;
use aqs_core::table::{SeriesBatch, SeriesChanges};
use aqs_core::top_per_country::{ArticleEntry, TOP_PER_COUNTRY, rows};
use axum::http::StatusCode;
use serde_json::json;

const ROUTE: &str = "/metrics/pageviews/top-per-country";

/// US, mobile-web, 2021-01-01: the contract's example entry and two more (a tie); the probe.
pub fn seeded() -> SeriesBatch {
    let e = |article: &str, project: &str, views_ceil, rank| ArticleEntry {
        article: article.into(),
        project: project.into(),
        views_ceil,
        rank,
    };
    let day = Day::from_ymd(2021, 1, 1).unwrap();
    let mut all = rows(
        "US",
        "mobile-web",
        day,
        &[
            e("o\"n\"e", "fr.wikipedia", 1400, 1),
            e("AC/DC", "en.wikipedia", 1200, 2),
            e("Zebra two", "de.wikipedia", 1200, 2),
        ],
    );
    all.extend(rows(
        "US",
        "all-access",
        Day::from_epoch_days(0),
        &[e("-", "en.wikipedia", 100, 1)],
    ));
    SeriesBatch {
        dataset: TOP_PER_COUNTRY.dataset,
        changes: vec![SeriesChanges { table: &TOP_PER_COUNTRY, replace: vec![], rows: all }],
    }
}

#[tokio::test]
async fn response() {
    insta::assert_snapshot!(get(&format!("{ROUTE}/US/mobile-web/2021/01/01")).await.snapshot());
}

#[tokio::test]
async fn the_list_is_served_as_stored() {
    let answer = get(&format!("{ROUTE}/US/mobile-web/2021/01/01")).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(
        answer.json(),
        json!({"items": [{"country": "US", "access": "mobile-web", "year": "2021", "month": "01", "day": "01",
        "articles": [
            {"article": "o\"n\"e", "project": "fr.wikipedia", "views_ceil": 1400, "rank": 1},
            {"article": "AC/DC", "project": "en.wikipedia", "views_ceil": 1200, "rank": 2},
            {"article": "Zebra two", "project": "de.wikipedia", "views_ceil": 1200, "rank": 2},
        ]}]})
    );
    for path in
        ["us/mobile-web/2021/01/01", "US/mobile-web/2021/01/all-days", "US/desktop/2021/01/01"]
    {
        assert_eq!(get(&format!("{ROUTE}/{path}")).await.status, StatusCode::NOT_FOUND, "{path}");
    }
}

#[tokio::test]
async fn errors_follow_the_original() {
    let access = get(&format!("{ROUTE}/US/all-agents/2021/01/01")).await;
    assert_eq!(access.status, StatusCode::BAD_REQUEST);
    let date = get(&format!("{ROUTE}/US/all-access/2021/02/30")).await;
    assert_eq!(date.json()["detail"], json!(["Given year/month/day is invalid date"]));
    let route = get(&format!("{ROUTE}/US/all-access/2021/01")).await;
    assert_eq!(
        route.json()["type"],
        "https://mediawiki.org/wiki/HyperSwitch/errors/not_found#route"
    );
}

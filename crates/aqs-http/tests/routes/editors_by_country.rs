//! `/metrics/editors/by-country/...` over the seeded rows: the `countries` key, the list in
//! stored order without the deny list's countries, literal year/month lookups, errors.

use crate::get;
use aqs_core::dates::YearMonth;
use aqs_core::editors_by_country::{CountryEditors, EDITORS, rows};
use aqs_core::table::{SeriesBatch, SeriesChanges};
use axum::http::StatusCode;
use serde_json::json;

const ROUTE: &str = "/metrics/editors/by-country";

/// en.wikipedia, 5..99-edits, May 2020: US 120, RU 90 (denied), FR 90, DE 10; the probe row.
pub fn seeded() -> SeriesBatch {
    let list = [("US", 120), ("RU", 90), ("FR", 90), ("DE", 10)]
        .map(|(c, n)| CountryEditors { country: c.into(), editors_ceil: n });
    let mut all = rows("en.wikipedia", "5..99-edits", YearMonth::new(2020, 5).unwrap(), &list);
    let probe = [CountryEditors { country: "-".into(), editors_ceil: 10 }];
    all.extend(rows("en.wikipedia", "5..99-edits", YearMonth::new(1970, 1).unwrap(), &probe));
    SeriesBatch {
        dataset: EDITORS.dataset,
        changes: vec![SeriesChanges { table: &EDITORS, replace: vec![], rows: all }],
    }
}

#[tokio::test]
async fn response() {
    insta::assert_snapshot!(
        get(&format!("{ROUTE}/en.wikipedia/5..99-edits/2020/05")).await.snapshot()
    );
}

#[tokio::test]
async fn the_list_is_under_countries_without_denied_countries() {
    let answer = get(&format!("{ROUTE}/www.EN.wikipedia.org/5..99-edits/2020/05")).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(
        answer.json(),
        json!({"items": [{"project": "en.wikipedia", "activity-level": "5..99-edits", "year": "2020",
            "month": "05", "countries": [{"country": "US", "editors-ceil": 120},
            {"country": "FR", "editors-ceil": 90}, {"country": "DE", "editors-ceil": 10}]}]})
    );
    for path in [
        "en.wikipedia/100..-edits/2020/05",
        "en.wikipedia/5..99-edits/2020/06",
        "de.wikipedia/5..99-edits/2020/05",
    ] {
        let none = get(&format!("{ROUTE}/{path}")).await;
        assert_eq!(none.status, StatusCode::NOT_FOUND, "{path}");
    }
    // A month without its zero shifts the validated digits ("202050100"): a 400, as in the
    // original.
    let unpadded = get(&format!("{ROUTE}/en.wikipedia/5..99-edits/2020/5")).await;
    assert_eq!(unpadded.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn errors_follow_the_original() {
    let level = get(&format!("{ROUTE}/en.wikipedia/all-activity-levels/2020/05")).await;
    assert_eq!(level.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        level.json()["detail"],
        "data.params['activity-level'] should be equal to one of the allowed values: [5..99-edits, 100..-edits]"
    );
    let all = get(&format!("{ROUTE}/all-projects/5..99-edits/2020/05")).await;
    assert_eq!(all.json()["detail"], "`all-...` project values are not accepted for this metric.");
    for (year, month) in
        [("xyzw", "05"), ("2020", "50"), ("all-years", "05"), ("2020", "all-months")]
    {
        let date = get(&format!("{ROUTE}/en.wikipedia/5..99-edits/{year}/{month}")).await;
        assert_eq!(date.status, StatusCode::BAD_REQUEST);
        assert_eq!(date.json()["detail"], json!(["Given year/month is invalid date"]));
    }
}

//! `/metrics/knowledge-gap/per-category/...` over the seeded rows: the raw rows in (month,
//! metric) order, the start-month quirk, JavaScript numbers, free-text segments, errors.

use crate::get;
use aqs_core::dates::{Period, YearMonth};
use aqs_core::knowledge_gap::GAPS;
use aqs_core::table::{Numbers, SeriesBatch, SeriesChanges, SeriesRow};
use axum::http::StatusCode;
use serde_json::json;

const ROUTE: &str = "/metrics/knowledge-gap/per-category";

/// en.wikipedia, `geographic`, `nigeria`: `revision_count` 100, 200, 300, 400, 500, 600 on
/// 2022-03, 05, 07, 09, 12 and 2023-02 (the original's test data), `quality_score` 0.5 in
/// 2022-07; `gender` / `cisgender female` with a large and a tiny value; the probe row.
pub fn seeded() -> SeriesBatch {
    let row = |gap: &str, category: &str, (y, m): (i32, u8), metric: &str, value: f64| SeriesRow {
        key: vec!["en.wikipedia".into(), gap.into(), category.into()],
        period: Period::Month(YearMonth::new(y, m).unwrap()),
        sub: metric.into(),
        values: Numbers::float(value),
    };
    let mut rows: Vec<SeriesRow> =
        [(2022, 3), (2022, 5), (2022, 7), (2022, 9), (2022, 12), (2023, 2)]
            .iter()
            .enumerate()
            .map(|(i, ym)| {
                row("geographic", "nigeria", *ym, "revision_count", 100.0 * (i + 1) as f64)
            })
            .collect();
    rows.push(row("geographic", "nigeria", (2022, 7), "quality_score", 0.5));
    rows.push(row("gender", "cisgender female", (2022, 5), "pageviews_sum", 1e21));
    rows.push(row("gender", "cisgender female", (2022, 5), "pageviews_mean", 1.5e-7));
    rows.push(row("gender", "all-categories", (1970, 1), "article_count", 0.0));
    SeriesBatch {
        dataset: GAPS.dataset,
        changes: vec![SeriesChanges { table: &GAPS, replace: vec![], rows }],
    }
}

#[tokio::test]
async fn response() {
    insta::assert_snapshot!(
        get(&format!("{ROUTE}/en.wikipedia/geographic/nigeria/20220301/20221201")).await.snapshot()
    );
}

#[tokio::test]
async fn the_start_month_is_left_out_as_in_the_original() {
    let answer =
        get(&format!("{ROUTE}/en.wikipedia.org/geographic/nigeria/20220301/20221201")).await;
    assert_eq!(answer.status, StatusCode::OK);
    let items = answer.json()["items"].clone();
    // The original's own test: the first value is 200 (May), not 100 (March).
    assert_eq!(items[0]["value"], 200);
    let rows: Vec<(&str, &str, f64)> = items
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (i["dt"].as_str().unwrap(), i["metric"].as_str().unwrap(), i["value"].as_f64().unwrap())
        })
        .collect();
    assert_eq!(
        rows,
        [
            ("20220501", "revision_count", 200.0),
            ("20220701", "quality_score", 0.5),
            ("20220701", "revision_count", 300.0),
            ("20220901", "revision_count", 400.0),
            ("20221201", "revision_count", 500.0),
        ]
    );
    let none = get(&format!("{ROUTE}/en.wikipedia/geographic/nigeria/20220301/20220331")).await;
    assert_eq!(none.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn items_are_the_raw_rows_with_javascript_numbers() {
    let answer =
        get(&format!("{ROUTE}/en.wikipedia/gender/cisgender%20female/20220401/20220501")).await;
    let body = String::from_utf8(answer.body.clone()).unwrap();
    assert_eq!(
        body,
        concat!(
            r#"{"items":[{"dt":"20220501","project":"en.wikipedia","content_gap":"gender","category":"cisgender female","metric":"pageviews_mean","value":1.5e-7},"#,
            r#"{"dt":"20220501","project":"en.wikipedia","content_gap":"gender","category":"cisgender female","metric":"pageviews_sum","value":1e+21}]}"#
        )
    );
    let probe = get(&format!("{ROUTE}/en.wikipedia/gender/all-categories/19691201/19700101")).await;
    assert_eq!(
        probe.json()["items"],
        json!([{"dt": "19700101", "project": "en.wikipedia",
        "content_gap": "gender", "category": "all-categories", "metric": "article_count", "value": 0}])
    );
    let other = get(&format!("{ROUTE}/en.wikipedia/Gender/all-categories/19691201/19700101")).await;
    assert_eq!(other.status, StatusCode::NOT_FOUND, "segments are matched as given");
}

#[tokio::test]
async fn errors_follow_the_original() {
    let dates = get(&format!("{ROUTE}/en.wikipedia/gender/all-categories/20220230/20220301")).await;
    assert_eq!(dates.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        dates.json()["detail"],
        json!(["start timestamp is invalid, must be a valid date in YYYYMMDD format"])
    );
    assert_eq!(
        dates.json()["uri"],
        "/analytics.wikimedia.org/v1/knowledge-gap/per-category/en.wikipedia/gender/all-categories/20220230/20220301"
    );
    let project =
        get(&format!("{ROUTE}/bad|project/gender/all-categories/20220101/20220301")).await;
    assert_eq!(project.json()["detail"], "The parameter `project` contains invalid charaters.");
    let route = get(&format!("{ROUTE}/en.wikipedia/gender/20220101/20220301")).await;
    assert_eq!(route.status, StatusCode::NOT_FOUND);
    assert_eq!(
        route.json()["type"],
        "https://mediawiki.org/wiki/HyperSwitch/errors/not_found#route"
    );
}

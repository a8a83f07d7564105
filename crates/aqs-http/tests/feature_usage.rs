//! API feature usage over HTTP, on the reference stores without a socket: events in, the
//! Action API and the page out, metrics, and the ingest endpoint on its own router.

use aqs_core::feature_usage::service::{FeatureUsage, Settings};
use aqs_core::feature_usage::timestamp::parse;
use aqs_core::memory::{MemoryCounters, MemoryStore};
use aqs_http::{AppState, StoreCalls, router};
use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use std::sync::Arc;
use tower::ServiceExt;

/// 2024-07-26T12:00:00Z.
fn now_ms() -> i64 {
    parse("2024-07-26T12:00:00Z", 0).unwrap() * 1000
}

fn app(ingest_on_serving_port: bool) -> (axum::Router, Arc<FeatureUsage>) {
    let counters = Arc::new(MemoryCounters::new());
    let service =
        Arc::new(FeatureUsage::with_clock(counters, Settings::default(), Box::new(now_ms)));
    let state = AppState::new(Arc::new(MemoryStore::new()), StoreCalls::Inline)
        .with_feature_usage(Arc::clone(&service), ingest_on_serving_port);
    (router(state), service)
}

struct Answer {
    status: StatusCode,
    headers: axum::http::HeaderMap,
    body: String,
}

async fn send(app: &axum::Router, request: Request<Body>) -> Answer {
    let response = app.clone().oneshot(request).await.unwrap();
    let (parts, body) = response.into_parts();
    let bytes = body.collect().await.unwrap().to_bytes();
    Answer {
        status: parts.status,
        headers: parts.headers,
        body: String::from_utf8_lossy(&bytes).into(),
    }
}

async fn get(app: &axum::Router, uri: &str) -> Answer {
    send(app, Request::get(uri).header("user-agent", "HeaderBot/0.1").body(Body::empty()).unwrap())
        .await
}

async fn post(app: &axum::Router, body: impl Into<Body>) -> Answer {
    send(app, Request::post("/feature-usage/events").body(body.into()).unwrap()).await
}

/// The events every test posts: (feature, agent, day of July 2024, how many).
const EVENTS: [(&str, &str, u8, u32); 5] = [
    ("action=query&list=allpages", "Pywikibot/9.0 (User:A)", 25, 3),
    ("action=query&list=allpages", "Pywikibot/8.1 (User:B)", 25, 2),
    ("https-expected", "Pywikibot/9.0 (User:A)", 26, 1),
    ("https-expected", "MyTool/1.0", 26, 4),
    ("action=query&list=allpages", "Pywikibot/9.0 (User:A)", 26, 5),
];

fn body() -> String {
    let mut lines = Vec::new();
    for (feature, agent, day, n) in EVENTS {
        for i in 0..n {
            let ts = format!("202407{day:02}{:02}0000", i % 24);
            lines.push(serde_json::json!({"feature": feature, "agent": agent, "ip": "192.0.2.1", "timestamp": ts}).to_string());
        }
    }
    lines.push("{\"feature\":\"\"}".to_string());
    lines.join("\n")
}

#[tokio::test]
async fn posted_events_are_counted_and_the_action_api_answers_as_the_extension() {
    let (app, _) = app(true);
    let answer = post(&app, body()).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    let report: serde_json::Value = serde_json::from_str(&answer.body).unwrap();
    let total: u32 = EVENTS.iter().map(|e| e.3).sum();
    assert_eq!(report["events"], total + 1);
    assert_eq!(report["counted"], total);
    assert_eq!(report["refused_by_reason"]["empty_feature"], 1);
    assert_eq!(report["refused_lines"][0]["line"], total + 1);
    assert_eq!(report["new_rows"], 5);

    // Sums per (day, feature) over the agents starting with "Pywikibot", worked out from
    // EVENTS above: 07-25 allpages 3 + 2; 07-26 allpages 5, https-expected 1.
    let answer =
        get(&app, "/w/api.php?action=query&meta=featureusage&format=json&afuagent=Pywikibot&afustart=2024-07-01T00:00:00Z").await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.headers["content-type"], "application/json; charset=utf-8");
    assert!(answer.headers.get("mediawiki-api-error").is_none());
    assert_eq!(
        answer.body,
        r#"{"batchcomplete":"","query":{"featureusage":{"agent":"Pywikibot","start":"2024-07-01T00:00:00Z","end":"2024-07-26T12:00:00Z","usage":[{"feature":"action=query&list=allpages","date":"2024-07-25","count":5},{"feature":"action=query&list=allpages","date":"2024-07-26","count":5},{"feature":"https-expected","date":"2024-07-26","count":1}]}}}"#
    );
    // No afuagent: the request's own agent; no afustart: the first stored day.
    let answer = get(
        &app,
        "/w/api.php?action=query&meta=featureusage&formatversion=2&afufeatures=https-expected",
    )
    .await;
    assert_eq!(
        answer.body,
        r#"{"batchcomplete":true,"query":{"featureusage":{"agent":"HeaderBot/0.1","start":"2024-07-25T00:00:00Z","end":"2024-07-26T12:00:00Z","usage":[]}}}"#
    );
    let answer =
        get(&app, "/w/api.php?action=query&meta=featureusage&afuagent=My&afuend=20240725235959")
            .await;
    let v: serde_json::Value = serde_json::from_str(&answer.body).unwrap();
    assert_eq!(
        v["query"]["featureusage"]["usage"],
        serde_json::json!([]),
        "MyTool used nothing on 07-25"
    );
}

#[tokio::test]
async fn api_errors_come_on_a_200_with_the_mediawiki_error_header() {
    let (app, _) = app(true);
    let answer = get(&app, "/w/api.php?action=query&meta=featureusage&afuagent=&format=json").await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.headers["mediawiki-api-error"], "bad_afuagent");
    let v: serde_json::Value = serde_json::from_str(&answer.body).unwrap();
    assert_eq!(v["error"]["info"], "Cannot query an empty user agent.");
    assert_eq!(v["servedby"], "aqs");
    let answer = get(&app, "/w/api.php?action=query&meta=featureusage&afustart=tomorrow").await;
    assert_eq!(answer.headers["mediawiki-api-error"], "badtimestamp");
}

#[tokio::test]
async fn the_page_shows_a_form_then_a_table_and_a_chart() {
    let (app, _) = app(true);
    post(&app, body()).await;
    let answer = get(&app, "/feature-usage/").await;
    assert_eq!(answer.status, StatusCode::OK);
    assert!(answer.body.contains("name=\"agent\""));
    assert!(
        answer.body.contains("value=\"2024-07-25\""),
        "the start date defaults to the first stored day"
    );
    assert!(!answer.body.contains("<table"));
    let csp = answer.headers["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("script-src 'self'"), "{csp}");
    let answer =
        get(&app, "/feature-usage/?agent=Pywikibot%2F9&startdate=2024-07-25&enddate=2024-07-26")
            .await;
    assert_eq!(answer.body.matches("<tr><td>").count(), 3, "{}", answer.body);
    assert!(answer.body.contains("<td>action=query&amp;list=allpages</td><td><time>2024-07-26</time></td><td class=\"mw-apifeatureusage-count\" data-sort=\"5\">5</td>"));
    assert_eq!(answer.body.matches("<polyline").count(), 2);
    let axis_dates =
        |body: &str, date: &str| body.matches(&format!("font-size=\"11\">{date}</text>")).count();
    assert_eq!(
        (axis_dates(&answer.body, "2024-07-25"), axis_dates(&answer.body, "2024-07-26")),
        (1, 1)
    );
    // One day: its date once under the chart, not at both ends of the axis.
    let answer =
        get(&app, "/feature-usage/?agent=Pywikibot&startdate=2024-07-26&enddate=2024-07-26").await;
    assert_eq!(axis_dates(&answer.body, "2024-07-26"), 1, "{}", answer.body);
    // A link to the same answer as JSON, which answers the same uses.
    let link = "/w/api.php?action=query&amp;meta=featureusage&amp;afuagent=Pywikibot&amp;afustart=2024-07-26T00:00:00Z&amp;afuend=2024-07-26T23:59:59Z&amp;format=json&amp;formatversion=2";
    assert!(answer.body.contains(&format!("<a href=\"{link}\">")), "{}", answer.body);
    let json = get(&app, &link.replace("&amp;", "&")).await;
    let uses = json.body.matches("\"date\":\"2024-07-26\"").count();
    assert!(uses > 0 && uses == answer.body.matches("<tr><td>").count(), "{}", json.body);
    // The special page's own parameter names work too; a bad date is named.
    let answer =
        get(&app, "/feature-usage/?wpagent=Pywikibot&wpstartdate=2024-07-32&wpenddate=2024-07-26")
            .await;
    assert!(
        answer.body.contains("The start date &quot;2024-07-32&quot; is not a date"),
        "{}",
        answer.body
    );
    let answer = get(&app, "/feature-usage/page.js").await;
    assert!(answer.headers["content-type"].to_str().unwrap().starts_with("text/javascript"));
}

#[tokio::test]
async fn metrics_count_events_by_outcome_and_rows() {
    let (app, _) = app(true);
    post(&app, body()).await;
    let metrics = get(&app, "/metrics").await.body;
    let total: u32 = EVENTS.iter().map(|e| e.3).sum();
    assert!(
        metrics.contains(&format!("aqs_feature_usage_events_total{{outcome=\"counted\"}} {total}")),
        "{metrics}"
    );
    assert!(metrics.contains("aqs_feature_usage_events_total{outcome=\"empty_feature\"} 1"));
    assert!(metrics.contains("aqs_feature_usage_rows 5"));
    assert!(metrics.contains("aqs_feature_usage_new_rows_total 5"));
}

#[tokio::test]
async fn ingestion_can_be_kept_off_the_serving_port() {
    let (app, service) = app(false);
    assert_eq!(post(&app, body()).await.status, StatusCode::NOT_FOUND);
    let ingest = aqs_http::feature_usage::ingest_router(Arc::clone(&service));
    let answer = post(&ingest, body()).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(service.rows().unwrap(), 5);
    // A body that is not UTF-8 is refused whole, naming where.
    let answer = post(&ingest, vec![b'{', 0xff, b'}']).await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);
    assert!(answer.body.contains("byte 2"), "{}", answer.body);
    // A body over the limit is refused before it is read whole.
    let too_big = vec![b'\n'; aqs_http::feature_usage::MAX_BODY_BYTES + 1];
    assert_eq!(post(&ingest, too_big).await.status, StatusCode::PAYLOAD_TOO_LARGE);
}

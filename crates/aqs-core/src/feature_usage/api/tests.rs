use super::*;
use crate::dates::Day;

const NOW: i64 = 1_721_997_000; // 2024-07-26T12:30:00Z

fn pairs(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (n, v) = p.split_once('=').unwrap_or((p, ""));
            (n.to_string(), v.to_string())
        })
        .collect()
}

fn request(query: &str) -> Result<ApiRequest, ApiError> {
    parse(&pairs(query), "HeaderAgent/1.0", NOW)
}

fn row(d: u8, feature: &str, count: u64) -> UsageRow {
    UsageRow { day: Day::from_ymd(2024, 7, d).unwrap(), feature: feature.into(), count }
}

#[test]
fn an_answer_is_the_extensions_json_in_both_format_versions() {
    let r = request("action=query&meta=featureusage&afuagent=Bot/1%C3%A9&format=json").unwrap();
    let r = ApiRequest { agent: "Bot/1é".into(), ..r };
    let usage = [row(25, "legacy-feature-a", 484), row(26, "https-expected", 2)];
    let start = 1_721_865_600; // 2024-07-25T00:00:00Z
    let v1 = render_usage(&r, start, NOW, &usage);
    assert_eq!(
        v1,
        r#"{"batchcomplete":"","query":{"featureusage":{"agent":"Bot/1\u00e9","start":"2024-07-25T00:00:00Z","end":"2024-07-26T12:30:00Z","usage":[{"feature":"legacy-feature-a","date":"2024-07-25","count":484},{"feature":"https-expected","date":"2024-07-26","count":2}]}}}"#
    );
    let r2 = ApiRequest { version: FormatVersion::V2, ..r };
    let v2 = render_usage(&r2, start, NOW, &[]);
    assert_eq!(
        v2,
        r#"{"batchcomplete":true,"query":{"featureusage":{"agent":"Bot/1é","start":"2024-07-25T00:00:00Z","end":"2024-07-26T12:30:00Z","usage":[]}}}"#
    );
    // Both are JSON, and say the same.
    let a: serde_json::Value = serde_json::from_str(&v1).unwrap();
    assert_eq!(a["query"]["featureusage"]["agent"], "Bot/1é");
}

#[test]
fn parameters_are_read_as_mediawiki_reads_them() {
    let r = request("action=query&meta=featureusage&afustart=2024-07-01T00:00:00Z&afuend=20240702000000&afufeatures=a|b&formatversion=2").unwrap();
    assert_eq!(r.agent, "HeaderAgent/1.0", "no afuagent: the request's agent");
    assert_eq!(r.start.map(timestamp::iso_8601).as_deref(), Some("2024-07-01T00:00:00Z"));
    assert_eq!(r.end.map(timestamp::iso_8601).as_deref(), Some("2024-07-02T00:00:00Z"));
    assert_eq!(r.features, Some(vec!["a".to_string(), "b".to_string()]));
    assert_eq!(r.version, FormatVersion::V2);
    let r = request("action=query&meta=featureusage&afuagent=X&afustart=&afufeatures=%1Fa|b%1Fc")
        .unwrap();
    let r = ApiRequest { features: Some(multi_value("\u{1f}a|b\u{1f}c")), ..r };
    assert_eq!(r.start, Some(NOW), "an empty timestamp is now");
    assert_eq!(r.end, None, "a missing bound is left to the suggested range");
    assert_eq!(r.features, Some(vec!["a|b".to_string(), "c".to_string()]));
    assert_eq!(request("action=query&afuagent=A&afuagent=B&meta=featureusage").unwrap().agent, "B");
    assert_eq!(request_agent(Some("Tool/2"), Some(" Mozilla ")), "Tool/2  Mozilla");
    assert_eq!(request_agent(None, Some("Mozilla ")), "Mozilla");
    // No meta module: an answer with nothing but batchcomplete.
    let r = request("action=query&afuagent=").unwrap();
    assert_eq!(render_usage(&r, 0, 0, &[]), r#"{"batchcomplete":""}"#);
}

#[test]
fn errors_have_the_codes_and_texts_of_mediawiki() {
    let e = request("action=query&meta=featureusage&afuagent=").unwrap_err();
    assert_eq!(
        (e.code.as_str(), e.info.as_str()),
        ("bad_afuagent", "Cannot query an empty user agent.")
    );
    let e = parse(&pairs("action=query&meta=featureusage"), "", NOW).unwrap_err();
    assert_eq!(e.code, "bad_afuagent", "an empty User-Agent header is an empty agent too");
    let e = request("action=query&meta=featureusage&afustart=soon").unwrap_err();
    assert_eq!(e.code, "badtimestamp");
    assert_eq!(e.info, r#"Invalid value "soon" for timestamp parameter "afustart"."#);
    let e = request("action=parse&meta=featureusage").unwrap_err();
    assert_eq!(e.info, r#"Unrecognized value for parameter "action": parse."#);
    assert_eq!(request("meta=featureusage").unwrap_err().code, "badvalue");
    assert_eq!(request("action=query&meta=siteinfo").unwrap_err().code, "badvalue");
    assert_eq!(request("action=query&meta=featureusage&format=xml").unwrap_err().code, "badvalue");
    let v1 = render_error(&e, "http://127.0.0.1/w/api.php");
    assert_eq!(
        v1,
        r#"{"error":{"code":"badvalue","info":"Unrecognized value for parameter \"action\": parse.","*":"See http://127.0.0.1/w/api.php for API usage. Subscribe to the mediawiki-api-announce mailing list at &lt;https://lists.wikimedia.org/postorius/lists/mediawiki-api-announce.lists.wikimedia.org/&gt; for notice of API deprecations and breaking changes."},"servedby":"aqs"}"#
    );
    let e2 = ApiError { version: FormatVersion::V2, ..e };
    let v2: serde_json::Value = serde_json::from_str(&render_error(&e2, "x")).unwrap();
    assert!(v2["error"]["docref"].as_str().unwrap().starts_with("See x for API usage."));
}

#[test]
fn line_and_paragraph_separators_are_escaped_in_both_versions() {
    assert_eq!(finish("\"a\u{2028}é\"".into(), FormatVersion::V2), "\"a\\u2028é\"");
    assert_eq!(finish("\"😀\"".into(), FormatVersion::V1), "\"\\ud83d\\ude00\"");
}

#[test]
fn feature_names_are_escaped_as_json_strings() {
    let r = request("action=query&meta=featureusage&afuagent=Bot&format=json").unwrap();
    let odd = "a\"b\\c\u{1}d";
    let out = render_usage(&r, 0, 0, &[row(25, odd, 1), row(25, "plain", 2)]);
    assert!(out.contains(r#"{"feature":"a\"b\\c\u0001d","date""#), "{out}");
    let parsed: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(parsed["query"]["featureusage"]["usage"][0]["feature"], odd);
    assert_eq!(parsed["query"]["featureusage"]["usage"][1]["feature"], "plain");
}

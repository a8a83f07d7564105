//! The pages under /ui/ in a real browser (headless Chromium; `scripts/test.sh` installs it
//! and sets AQS_TEST_CHROMIUM, and without it these tests skip): a generated sample is loaded
//! and served, each page is opened, and the numbers it draws (the chart's paths carry them in
//! `data-values`) and tabulates are checked against the original API's answers, one article
//! at a time. Screenshots land in target/screenshots/.

#[path = "../common/mod.rs"]
mod common;
mod docs;
mod pages;
mod pageviews;

use common::{browse, generate, http_get, load, screenshots};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;

/// Percent-encodes everything but letters, digits and `_`, `-`, `.`.
pub(crate) fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'_' | b'-' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// An attribute value as Chromium serializes it, unescaped.
pub(crate) fn unescape(text: &str) -> String {
    text.replace("&quot;", "\"").replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
}

/// The values of attribute `name` of each element holding `marker`, in document order.
pub(crate) fn attributes(dom: &str, marker: &str, name: &str) -> Vec<String> {
    dom.match_indices(marker)
        .filter_map(|(at, _)| {
            let end = dom[at..].find('>')? + at;
            let tag = &dom[dom[..at].rfind('<')?..end];
            let start = tag.find(&format!(" {name}=\""))? + name.len() + 3;
            let len = tag[start..].find('"')?;
            Some(unescape(&tag[start..start + len]))
        })
        .collect()
}

/// The original route's views of one article per `YYYYMMDD` (none: a 404).
pub(crate) fn original(
    address: &str,
    article: &str,
    granularity: &str,
    range: (&str, &str),
) -> BTreeMap<String, u64> {
    let path = format!(
        "/metrics/pageviews/per-article/en.wikipedia/all-access/user/{}/{granularity}/{}/{}",
        encode(article),
        range.0,
        range.1
    );
    served_series(address, &path, "views")
}

/// A loaded sample: 2024-01-03 .. 2024-01-16 (14 days) of two projects.
pub(crate) fn sample(dir: &Path) -> std::path::PathBuf {
    let (dumps, data) = (dir.join("dumps"), dir.join("data"));
    generate(&dumps, "2024-01-03", 14, 2, 400, 11);
    load(&data, "0.5", &dumps);
    data
}

/// Saves a screenshot of `url` at `size` (`W,H`) as target/screenshots/NAME.png.
pub(crate) fn screenshot(chromium: &str, url: &str, name: &str, size: &str) {
    let png = screenshots().join(format!("{name}.png"));
    let _ = std::fs::remove_file(&png);
    browse(
        chromium,
        url,
        &[&format!("--window-size={size}"), &format!("--screenshot={}", png.display())],
    );
    assert!(std::fs::metadata(&png).map(|m| m.len() > 5000).unwrap_or(false), "{png:?}");
}

/// The chart's status line.
pub(crate) fn status(dom: &str) -> String {
    let at = dom.find("id=\"status\"").expect("a status line");
    let start = dom[at..].find('>').unwrap() + at + 1;
    let end = dom[start..].find('<').unwrap() + start;
    unescape(&dom[start..end])
}

/// The original route's numbers of a series, keyed by `YYYYMMDD`.
pub(crate) fn served_series(address: &str, path: &str, field: &str) -> BTreeMap<String, u64> {
    let (status, body) = http_get(address, path);
    if status == 404 {
        return BTreeMap::new();
    }
    assert_eq!(status, 200, "{path}: {body}");
    let json: Value = serde_json::from_str(&body).unwrap();
    json["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| (i["timestamp"].as_str().unwrap()[..8].to_string(), i[field].as_u64().unwrap()))
        .collect()
}

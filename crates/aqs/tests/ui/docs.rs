//! The API reference: a route's example sent from the page, its answer shown.

use crate::common::{browse, chromium, get_json, serve};
use crate::unescape;
use crate::{attributes, sample, screenshot};
use serde_json::Value;

#[test]
fn the_api_reference_sends_a_route_s_example_and_shows_the_answer() {
    let Some(chromium) = chromium() else { return };
    let dir = tempfile::tempdir().unwrap();
    let data = sample(dir.path());
    crate::common::run_ok(&["add-probe-rows", "--data", data.to_str().unwrap()]);
    let (_server, address) = serve(&data);
    for (route, example) in [
        (
            "pageviews/per-article",
            "/metrics/pageviews/per-article/en.wikipedia/all-access/all-agents/-/daily/1970010100/1970010100",
        ),
        (
            "unique-devices",
            "/metrics/unique-devices/en.wikipedia/all-sites/daily/19700101/19700101",
        ),
        (
            "ext/pageviews/per-article",
            "/ext/v1/pageviews/per-article/en.wikipedia/all-access/user/daily/19700101/19700101?articles=-%7CMain_Page",
        ),
    ] {
        let dom = browse(&chromium, &format!("http://{address}/docs?try={route}"), &["--dump-dom"]);
        assert_eq!(attributes(&dom, "class=\"answer-status\"", "data-status"), ["200"], "{route}");
        let at = dom.find("<pre class=\"answer-body\">{").expect("a JSON answer shown");
        let start = at + "<pre class=\"answer-body\">".len();
        let end = dom[start..].find("</pre>").unwrap() + start;
        let shown: Value = serde_json::from_str(&unescape(&dom[start..end])).unwrap();
        assert_eq!(shown, get_json(&address, example), "{route}");
        assert!(dom.contains("etag: "), "{route}: the headers are shown");
    }
    let docs = format!("http://{address}/docs");
    screenshot(&chromium, &docs, "ui-docs-desktop", "1280,1000");
    screenshot(&chromium, &docs, "ui-docs-phone", "390,1800");
}

//! The pages under /ui/ in a real browser (headless Chromium; `scripts/test.sh` installs it
//! and sets AQS_TEST_CHROMIUM, and without it these tests skip): a generated sample is loaded
//! and served, each page is opened, and the numbers it draws (the chart's paths carry them in
//! `data-values`) and tabulates are checked against the original API's answers, one article
//! at a time. Screenshots land in target/screenshots/.

mod common;

use common::{browse, chromium, generate, get_json, http_get, load, screenshots, serve};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;

/// Percent-encodes everything but letters, digits and `_`, `-`, `.`.
fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'_' | b'-' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// An attribute value as Chromium serializes it, unescaped.
fn unescape(text: &str) -> String {
    text.replace("&quot;", "\"").replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
}

/// The values of attribute `name` of each element holding `marker`, in document order.
fn attributes(dom: &str, marker: &str, name: &str) -> Vec<String> {
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
fn original(
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
fn sample(dir: &Path) -> std::path::PathBuf {
    let (dumps, data) = (dir.join("dumps"), dir.join("data"));
    generate(&dumps, "2024-01-03", 14, 2, 400, 11);
    load(&data, "0.5", &dumps);
    data
}

/// Saves a screenshot of `url` at `size` (`W,H`) as target/screenshots/NAME.png.
fn screenshot(chromium: &str, url: &str, name: &str, size: &str) {
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
fn status(dom: &str) -> String {
    let at = dom.find("id=\"status\"").expect("a status line");
    let start = dom[at..].find('>').unwrap() + at + 1;
    let end = dom[start..].find('<').unwrap() + start;
    unescape(&dom[start..end])
}

#[test]
fn the_pageviews_page_draws_and_tabulates_the_numbers_the_api_serves() {
    let Some(chromium) = chromium() else { return };
    let dir = tempfile::tempdir().unwrap();
    let data = sample(dir.path());
    // The monitoring probe rows (1970-01-01) are not where "all time" starts.
    common::run_ok(&["add-probe-rows", "--data", data.to_str().unwrap()]);
    let (_server, address) = serve(&data);
    // Three articles of the day's top list, and one the store does not know.
    let top = get_json(&address, "/metrics/pageviews/top/en.wikipedia/all-access/2024/01/10");
    let mut titles: Vec<String> = top["items"][0]["articles"].as_array().unwrap()[..3]
        .iter()
        .map(|a| a["article"].as_str().unwrap().to_string())
        .collect();
    titles.push("Not_loaded_here".into());
    let pages = titles.iter().map(|t| encode(t)).collect::<Vec<_>>().join("|");
    // Daily from two days before the first loaded day (gaps), then monthly.
    for (granularity, start, end, api_range) in [
        ("daily", "2024-01-01", "2024-01-16", ("20240101", "20240116")),
        ("monthly", "2024-01-01", "2024-01-31", ("20240101", "20240131")),
    ] {
        let url = format!(
            "http://{address}/ui/pageviews?project=en.wikipedia.org&platform=all-access&agent=user&pages={pages}&start={start}&end={end}&granularity={granularity}"
        );
        let dom = browse(&chromium, &url, &["--dump-dom"]);
        assert!(dom.contains("data-chart-ms="), "the chart was drawn: {dom}");
        let names = attributes(&dom, "class=\"series\"", "data-name");
        let values = attributes(&dom, "class=\"series\"", "data-values");
        assert_eq!(names.len(), 3, "a path per known article: {names:?}");
        let rows = attributes(&dom, "<tr data-article", "data-article");
        let totals = attributes(&dom, "<tr data-article", "data-total");
        assert_eq!(rows, titles, "a table row per article, in the order asked");
        for (k, title) in titles[..3].iter().enumerate() {
            assert_eq!(names[k], title.replace('_', " "));
            let served = original(&address, title, granularity, api_range);
            let drawn: Vec<&str> = values[k].split(',').collect();
            let stamps: Vec<String> = match granularity {
                "daily" => (1..=16).map(|d| format!("202401{d:02}")).collect(),
                _ => vec!["20240101".to_string()],
            };
            assert_eq!(drawn.len(), stamps.len(), "{title}: {values:?}");
            let mut total = 0;
            for (stamp, value) in stamps.iter().zip(&drawn) {
                let loaded = granularity == "monthly" || stamp.as_str() >= "20240103";
                let expected = match (served.get(stamp), loaded) {
                    (Some(n), _) => n.to_string(),
                    (None, true) => "0".to_string(),
                    (None, false) => String::new(),
                };
                assert_eq!(*value, expected, "{title} {stamp}");
                total += served.get(stamp).copied().unwrap_or(0);
            }
            assert!(total > 0, "{title} has views");
            assert_eq!(totals[k], total.to_string(), "{title}: the table's total");
            let digits = total.to_string();
            let groups: Vec<&str> = digits
                .as_bytes()
                .rchunks(3)
                .rev()
                .map(|g| std::str::from_utf8(g).unwrap())
                .collect();
            let shown = groups.join(",");
            assert!(dom.contains(&format!(">{shown}</td>")), "{title}: {shown} shown");
        }
        assert_eq!(totals[3], "0");
        assert!(dom.contains("unknown article"));
        assert!(status(&dom).contains("Unknown here: Not loaded here."), "{}", status(&dom));
        // The permalink names what is drawn.
        let link = attributes(&dom, "id=\"permalink\"", "href").pop().unwrap();
        assert!(link.contains(&format!("start={start}")) && link.contains("pages="), "{link}");
        if granularity == "daily" {
            assert!(status(&dom).contains("Gaps are periods the server has not loaded"));
            for (name, size) in [("desktop", "1280,1000"), ("phone", "390,1100")] {
                screenshot(&chromium, &url, &format!("ui-pageviews-{name}"), size);
            }
        }
    }
    // A logarithmic scale draws the same numbers; latest-5 counts back from the last loaded
    // day (2024-01-16).
    let url = format!(
        "http://{address}/ui/pageviews?project=en.wikipedia&pages={pages}&range=latest-5&log=1"
    );
    let dom = browse(&chromium, &url, &["--dump-dom"]);
    assert_eq!(attributes(&dom, "class=\"series\"", "data-values").len(), 3);
    let served = original(&address, &titles[0], "daily", ("20240112", "20240116"));
    let expected: Vec<String> = served.values().map(u64::to_string).collect();
    assert_eq!(attributes(&dom, "class=\"series\"", "data-values")[0], expected.join(","));
    let url =
        format!("http://{address}/ui/pageviews?project=en.wikipedia&pages={pages}&range=all-time");
    let dom = browse(&chromium, &url, &["--dump-dom"]);
    let all = &attributes(&dom, "class=\"series\"", "data-values")[0];
    assert_eq!(all.split(',').count(), 14, "all-time is the 14 loaded days: {all}");
}

#[test]
fn the_pageviews_page_says_plainly_what_went_wrong() {
    let Some(chromium) = chromium() else { return };
    let dir = tempfile::tempdir().unwrap();
    let data = sample(dir.path());
    let (_server, address) = serve(&data);
    let page = |query: &str| {
        let dom =
            browse(&chromium, &format!("http://{address}/ui/pageviews?{query}"), &["--dump-dom"]);
        assert!(!dom.contains("class=\"series\""), "{query}: nothing drawn");
        status(&dom)
    };
    let cases = [
        (
            "project=xx.wikipedia&pages=Main_Page&start=2024-01-03&end=2024-01-05",
            "No data: The project xx.wikipedia is not loaded.",
        ),
        (
            "project=en.wikipedia&pages=Nope|Nada&start=2024-01-03&end=2024-01-05",
            "No data: None of the articles asked for is known",
        ),
        (
            "project=en.wikipedia&pages=Main_Page&start=2023-01-03&end=2023-01-05",
            "No data: No day from 2023-01-03 to 2023-01-05 is loaded",
        ),
        ("project=en.wikipedia&pages=Main_Page&start=2024-01-05&end=2024-01-03", "Bad input:"),
        ("project=en.wikipedia&pages=Main_Page&range=sometime", "Bad input: give start and end"),
        ("project=en.wikipedia", "Name a project and one or more articles"),
        ("project=en.wikipedia&pages=A|B|C|D|E|F|G|H|I|J|K&range=latest-5", "At most 10 articles"),
    ];
    for (query, words) in cases {
        let said = page(query);
        assert!(said.contains(words), "{query}: {said:?}");
    }
    // A server over its rate limit: the page says so (the test keeps the bucket empty).
    let server = common::start(
        &[
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--data",
            data.to_str().unwrap(),
            "--rate-limit",
            "ext/=1",
        ],
        &[],
    );
    let line = server.wait_for("listening on http://", std::time::Duration::from_secs(30));
    let address = line.trim().trim_start_matches("listening on http://").to_string();
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let hammer = {
        let (stop, address) = (stop.clone(), address.clone());
        std::thread::spawn(move || {
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                http_get(
                    &address,
                    "/ext/v1/pageviews/per-article/en.wikipedia/all-access/user/daily/20240103/20240105?articles=Main_Page",
                );
            }
        })
    };
    let dom = browse(
        &chromium,
        &format!(
            "http://{address}/ui/pageviews?project=en.wikipedia&pages=Main_Page&start=2024-01-03&end=2024-01-05"
        ),
        &["--dump-dom"],
    );
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    hammer.join().unwrap();
    assert!(status(&dom).contains("Too many requests"), "{}", status(&dom));
}

#[test]
fn the_top_articles_page_lists_the_top_route_s_articles_with_bars_and_links() {
    let Some(chromium) = chromium() else { return };
    let dir = tempfile::tempdir().unwrap();
    let data = sample(dir.path());
    let (_server, address) = serve(&data);
    let top = get_json(&address, "/metrics/pageviews/top/en.wikipedia/mobile-web/2024/01/10");
    let served: Vec<(String, String, String)> = top["items"][0]["articles"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["article"] != "Main_Page")
        .map(|a| {
            (
                a["rank"].to_string(),
                a["article"].as_str().unwrap().to_string(),
                a["views"].to_string(),
            )
        })
        .collect();
    assert!(served.len() > 100, "a list longer than the page shows at first");
    let url = format!(
        "http://{address}/ui/topviews?project=en.wikipedia.org&platform=mobile-web&date=2024-01-10&excludes=Main_Page"
    );
    let dom = browse(&chromium, &url, &["--dump-dom"]);
    let ranks = attributes(&dom, "<tr data-rank", "data-rank");
    let articles = attributes(&dom, "<tr data-rank", "data-article");
    let views = attributes(&dom, "<tr data-rank", "data-views");
    assert_eq!(ranks.len(), 100, "the first 100 rows");
    for (k, (rank, article, n)) in served[..100].iter().enumerate() {
        assert_eq!((&ranks[k], &articles[k], &views[k]), (rank, article, n), "row {k}");
    }
    assert!(status(&dom).contains("Excluded: Main Page."), "{}", status(&dom));
    // Each row links to its article's chart over the 30 days up to the date.
    let first = format!("pages={}", encode(&served[0].1));
    assert!(dom.contains("/ui/pageviews?project=en.wikipedia.org&amp;platform=mobile-web&amp;start=2023-12-12&amp;end=2024-01-10&amp;"), "{dom}");
    assert!(dom.contains(&first), "{first}");
    screenshot(&chromium, &url, "ui-topviews-desktop", "1280,1000");
    // Errors in words.
    for (query, words) in [
        ("project=xx.wikipedia&date=2024-01-10", "No data:"),
        ("project=en.wikipedia&date=2024-13-40", "Bad input:"),
        ("date=2024-01-10", "Name a project"),
    ] {
        let dom =
            browse(&chromium, &format!("http://{address}/ui/topviews?{query}"), &["--dump-dom"]);
        assert!(status(&dom).contains(words), "{query}: {}", status(&dom));
        assert!(!dom.contains("<tr data-rank"));
    }
}

/// The original route's numbers of a series, keyed by `YYYYMMDD`.
fn served_series(address: &str, path: &str, field: &str) -> BTreeMap<String, u64> {
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

#[test]
fn the_site_views_page_draws_each_project_s_aggregate_and_unique_devices() {
    let Some(chromium) = chromium() else { return };
    let dir = tempfile::tempdir().unwrap();
    let data = sample(dir.path());
    let (_server, address) = serve(&data);
    let days: Vec<String> = (1..=16).map(|d| format!("202401{d:02}")).collect();
    let sites = ["en.wikipedia", "de.wikipedia", "xx.wikipedia"];
    for (source, platform, route) in [
        (
            "pageviews",
            "mobile-web",
            "/metrics/pageviews/aggregate/{site}/mobile-web/user/daily/2024010100/2024011600",
        ),
        (
            "unique-devices",
            "all-sites",
            "/metrics/unique-devices/{site}/all-sites/daily/20240101/20240116",
        ),
    ] {
        let url = format!(
            "http://{address}/ui/siteviews?sites={}&source={source}&platform={platform}&agent=user&start=2024-01-01&end=2024-01-16",
            sites.join("|")
        );
        let dom = browse(&chromium, &url, &["--dump-dom"]);
        let names = attributes(&dom, "class=\"series\"", "data-name");
        let values = attributes(&dom, "class=\"series\"", "data-values");
        assert_eq!(
            names,
            ["en.wikipedia", "de.wikipedia"],
            "{source}: the unknown project is not drawn"
        );
        for (k, site) in sites[..2].iter().enumerate() {
            let field = if source == "pageviews" { "views" } else { "devices" };
            let served = served_series(&address, &route.replace("{site}", site), field);
            assert!(!served.is_empty(), "{source} {site}");
            let expected: Vec<String> =
                days.iter().map(|d| served.get(d).map_or(String::new(), u64::to_string)).collect();
            assert_eq!(values[k], expected.join(","), "{source} {site}");
            let total: u64 = served.values().sum();
            assert_eq!(attributes(&dom, "<tr data-project", "data-total")[k], total.to_string());
        }
        assert_eq!(attributes(&dom, "<tr data-project", "data-project"), sites);
        assert!(status(&dom).contains("Unknown here: xx.wikipedia."), "{}", status(&dom));
        if source == "pageviews" {
            screenshot(&chromium, &url, "ui-siteviews-desktop", "1280,1000");
        }
    }
    let dom = browse(
        &chromium,
        &format!(
            "http://{address}/ui/siteviews?sites=xx.wikipedia&start=2024-01-01&end=2024-01-16"
        ),
        &["--dump-dom"],
    );
    assert!(
        status(&dom).contains("No data: the server holds no pageviews of xx.wikipedia"),
        "{}",
        status(&dom)
    );
    let dom = browse(
        &chromium,
        &format!(
            "http://{address}/ui/siteviews?sites=en.wikipedia&start=2024-01-16&end=2024-01-01"
        ),
        &["--dump-dom"],
    );
    assert!(status(&dom).contains("Bad input:"), "the start after the end: {}", status(&dom));
}

#[test]
fn the_api_reference_sends_a_route_s_example_and_shows_the_answer() {
    let Some(chromium) = chromium() else { return };
    let dir = tempfile::tempdir().unwrap();
    let data = sample(dir.path());
    common::run_ok(&["add-probe-rows", "--data", data.to_str().unwrap()]);
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
    screenshot(&chromium, &format!("http://{address}/docs"), "ui-docs-desktop", "1280,1000");
}

#[test]
fn the_edits_page_draws_the_history_routes_of_the_active_snapshot() {
    let Some(chromium) = chromium() else { return };
    let dir = tempfile::tempdir().unwrap();
    let data = sample(dir.path());
    let (server, address) = serve(&data);
    let url =
        format!("http://{address}/ui/edits?project=en.wikipedia.org&start=2023-06&end=2023-12");
    let dom = browse(&chromium, &url, &["--dump-dom"]);
    assert!(
        status(&dom).contains("No data: no MediaWiki history snapshot is active"),
        "{}",
        status(&dom)
    );
    drop(server);
    common::run_ok(&["snapshot", "activate", "--data", data.to_str().unwrap(), "2024-01"]);
    let (_server, address) = serve(&data);
    let url =
        format!("http://{address}/ui/edits?project=en.wikipedia.org&start=2023-06&end=2023-12");
    let dom = browse(&chromium, &url, &["--dump-dom"]);
    let names = attributes(&dom, "class=\"series\"", "data-name");
    let values = attributes(&dom, "class=\"series\"", "data-values");
    let tail = "monthly/20230601/20240101";
    let types = "all-editor-types/all-page-types";
    let expected = [
        ("edits", format!("/metrics/edits/aggregate/en.wikipedia/{types}/{tail}"), "edits"),
        (
            "1..4-edits",
            format!("/metrics/editors/aggregate/en.wikipedia/{types}/1..4-edits/{tail}"),
            "editors",
        ),
        (
            "5..24-edits",
            format!("/metrics/editors/aggregate/en.wikipedia/{types}/5..24-edits/{tail}"),
            "editors",
        ),
        (
            "25..99-edits",
            format!("/metrics/editors/aggregate/en.wikipedia/{types}/25..99-edits/{tail}"),
            "editors",
        ),
        (
            "100..-edits",
            format!("/metrics/editors/aggregate/en.wikipedia/{types}/100..-edits/{tail}"),
            "editors",
        ),
        (
            "new pages",
            format!("/metrics/edited-pages/new/en.wikipedia/{types}/{tail}"),
            "new_pages",
        ),
        (
            "new registered users",
            format!("/metrics/registered-users/new/en.wikipedia/{tail}"),
            "new_registered_users",
        ),
    ];
    assert_eq!(names, expected.iter().map(|e| e.0).collect::<Vec<_>>());
    for (k, (name, path, field)) in expected.iter().enumerate() {
        let json = get_json(&address, path);
        let served: Vec<String> = json["items"][0]["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r[*field].as_u64().unwrap().to_string())
            .collect();
        assert_eq!(served.len(), 7, "{name}: June to December");
        assert_eq!(values[k], served.join(","), "{name}");
    }
    assert!(values[0].split(',').any(|v| v != "0"), "the sample has edits");
    let dom = browse(&chromium, &url.replace("start=2023-06", "start=June"), &["--dump-dom"]);
    assert!(status(&dom).contains("Bad input:"), "{}", status(&dom));
    screenshot(&chromium, &url, "ui-edits-desktop", "1280,1600");
}

#[test]
fn the_media_page_draws_each_file_s_requests() {
    let Some(chromium) = chromium() else { return };
    let dir = tempfile::tempdir().unwrap();
    let data = sample(dir.path());
    let (_server, address) = serve(&data);
    let top =
        get_json(&address, "/metrics/mediarequests/top/all-referers/all-media-types/2024/01/10");
    let mut files: Vec<String> = top["items"][0]["files"].as_array().unwrap()[..2]
        .iter()
        .map(|f| f["file_path"].as_str().unwrap().to_string())
        .collect();
    files.push("/wikipedia/commons/f/ff/Not_here.jpg".into());
    let list = files.iter().map(|f| encode(f)).collect::<Vec<_>>().join("|");
    let url = format!(
        "http://{address}/ui/mediaviews?files={list}&referer=all-referers&agent=user&start=2024-01-01&end=2024-01-16"
    );
    let dom = browse(&chromium, &url, &["--dump-dom"]);
    let values = attributes(&dom, "class=\"series\"", "data-values");
    assert_eq!(attributes(&dom, "class=\"series\"", "data-name"), files[..2]);
    let days: Vec<String> = (1..=16).map(|d| format!("202401{d:02}")).collect();
    for (k, file) in files[..2].iter().enumerate() {
        let path = format!(
            "/metrics/mediarequests/per-file/all-referers/user/{}/daily/20240101/20240116",
            encode(file)
        );
        let served = served_series(&address, &path, "requests");
        assert!(!served.is_empty(), "{file}");
        let expected: Vec<String> =
            days.iter().map(|d| served.get(d).map_or(String::new(), u64::to_string)).collect();
        assert_eq!(values[k], expected.join(","), "{file}");
    }
    assert_eq!(attributes(&dom, "<tr data-file", "data-file"), files);
    assert!(
        status(&dom).contains("Unknown here: /wikipedia/commons/f/ff/Not_here.jpg."),
        "{}",
        status(&dom)
    );
    screenshot(&chromium, &url, "ui-mediaviews-desktop", "1280,1000");
}

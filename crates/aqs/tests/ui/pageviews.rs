//! The pageviews page: the numbers drawn and tabulated, and each error state.

use crate::common::{browse, chromium, get_json, http_get, serve};
use crate::{attributes, encode, original, sample, screenshot, status};

#[test]
fn the_pageviews_page_draws_and_tabulates_the_numbers_the_api_serves() {
    let Some(chromium) = chromium() else { return };
    let dir = tempfile::tempdir().unwrap();
    let data = sample(dir.path());
    // The monitoring probe rows (1970-01-01) are not where "all time" starts.
    crate::common::run_ok(&["add-probe-rows", "--data", data.to_str().unwrap()]);
    let (_server, address) = serve(&data);
    let (_, index) = http_get(&address, "/ui/");
    assert!(index.contains("14 days loaded, 2024-01-03 to 2024-01-16."), "not from 1970: {index}");
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
    let server = crate::common::start(
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

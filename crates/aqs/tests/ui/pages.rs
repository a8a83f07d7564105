//! The top articles, site views, media and edits pages: each drawn line or row against its
//! route.

use crate::common::{browse, chromium, get_json, serve};
use crate::{attributes, encode, sample, screenshot, served_series, status};

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
    screenshot(&chromium, &url, "ui-topviews-phone", "390,1100");
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
            screenshot(&chromium, &url, "ui-siteviews-phone", "390,1100");
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
    crate::common::run_ok(&["snapshot", "activate", "--data", data.to_str().unwrap(), "2024-01"]);
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
    let default = format!("http://{address}/ui/edits?project=en.wikipedia.org");
    let dom = browse(&chromium, &default, &["--dump-dom"]);
    let link = attributes(&dom, "id=\"permalink\"", "href").pop().unwrap();
    assert!(link.contains("start=2023-01&end=2024-01"), "the snapshot's first month: {link}");
    screenshot(&chromium, &url, "ui-edits-desktop", "1280,1600");
    screenshot(&chromium, &url, "ui-edits-phone", "390,1100");
}

#[test]
fn the_media_page_draws_each_file_s_requests() {
    let Some(chromium) = chromium() else { return };
    let dir = tempfile::tempdir().unwrap();
    let data = sample(dir.path());
    let (_server, address) = serve(&data);
    let top =
        get_json(&address, "/metrics/mediarequests/top/all-referers/all-media-types/2024/01/10");
    // The day's most and least requested files.
    let listed = top["items"][0]["files"].as_array().unwrap();
    let mut files: Vec<String> = [&listed[0], &listed[listed.len() - 1]]
        .iter()
        .map(|f| f["file_path"].as_str().unwrap().to_string())
        .collect();
    files.push("/wikipedia/commons/f/ff/Not_here.jpg".into());
    let list = files.iter().map(|f| encode(f)).collect::<Vec<_>>().join("|");
    let url = format!(
        "http://{address}/ui/mediaviews?files={list}&referer=all-referers&agent=user&start=2024-01-01&end=2024-01-16"
    );
    let dom = browse(&chromium, &url, &["--dump-dom"]);
    // One request for every file, to the many-files route; none to the per-file route.
    let (_, metrics) = crate::common::http_get(&address, "/metrics");
    let count = |route: &str| -> u64 {
        let label = format!("aqs_http_requests_total{{route=\"{route}\",status=\"200\"}} ");
        metrics
            .lines()
            .filter_map(|l| l.strip_prefix(label.as_str()))
            .filter_map(|n| n.trim().parse::<u64>().ok())
            .sum()
    };
    assert_eq!(
        (count("ext/mediarequests/per-file"), count("mediarequests/per-file")),
        (1, 0),
        "{metrics}"
    );
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
        // One request, zero-filled: the sample's days (2024-01-03 to 16, `sample`) without
        // requests of the file are 0; January 1 and 2 are not loaded, gaps.
        let expected: Vec<String> = days
            .iter()
            .map(|d| match served.get(d) {
                Some(n) => n.to_string(),
                None if d.as_str() >= "20240103" => "0".to_string(),
                None => String::new(),
            })
            .collect();
        assert_eq!(values[k], expected.join(","), "{file}");
    }
    assert_eq!(attributes(&dom, "<tr data-file", "data-file"), files);
    assert!(
        status(&dom).contains("Unknown here: /wikipedia/commons/f/ff/Not_here.jpg."),
        "{}",
        status(&dom)
    );
    screenshot(&chromium, &url, "ui-mediaviews-desktop", "1280,1000");
    screenshot(&chromium, &url, "ui-mediaviews-phone", "390,1100");
}

#[test]
fn the_top_articles_page_shows_a_year_summed_from_its_complete_months() {
    let Some(chromium) = chromium() else { return };
    let dir = tempfile::tempdir().unwrap();
    let (dumps, data) = (dir.path().join("dumps"), dir.path().join("data"));
    crate::common::generate(&dumps, "2023-12-01", 62, 1, 300, 5);
    crate::common::load(&data, "0.5", &dumps);
    let (_server, address) = serve(&data);
    let pairs = |answer: &serde_json::Value| -> Vec<(String, u64)> {
        let articles = answer["items"][0]["articles"].as_array().unwrap().iter();
        articles
            .map(|a| (a["article"].as_str().unwrap().to_string(), a["views"].as_u64().unwrap()))
            .collect()
    };
    // The loader rolled up December 2023 and January 2024; each year sums its own month, so
    // each year's list is that month's, as the original route serves it.
    for (year, month) in [("2023", "2023/12"), ("2024", "2024/01")] {
        let monthly = get_json(
            &address,
            &format!("/metrics/pageviews/top/en.wikipedia/all-access/{month}/all-days"),
        );
        let yearly =
            get_json(&address, &format!("/ext/v1/pageviews/top/en.wikipedia/all-access/{year}"));
        assert_eq!(yearly["items"][0]["months"], serde_json::json!([month.replace('/', "-")]));
        assert!(pairs(&monthly).len() > 100);
        assert_eq!(pairs(&yearly), pairs(&monthly), "{year}");
    }
    let yearly = get_json(&address, "/ext/v1/pageviews/top/en.wikipedia/all-access/2024");
    let served = pairs(&yearly);
    let url = format!(
        "http://{address}/ui/topviews?project=en.wikipedia.org&platform=all-access&date=2024"
    );
    let dom = browse(&chromium, &url, &["--dump-dom"]);
    let articles = attributes(&dom, "<tr data-rank", "data-article");
    let views = attributes(&dom, "<tr data-rank", "data-views");
    assert_eq!(articles.len(), 100, "the first 100 rows");
    for (k, (article, n)) in served[..100].iter().enumerate() {
        assert_eq!((&articles[k], &views[k]), (article, &n.to_string()), "row {k}");
    }
    assert!(dom.contains("2024 (months summed: 2024-01)"), "{dom}");
    // Each row links to its article's chart over the year.
    assert!(dom.contains("start=2024-01-01&amp;end=2024-12-31"), "{dom}");
    screenshot(&chromium, &url, "ui-topviews-year-desktop", "1280,1000");
    // A year without a complete month says so.
    let url = format!("http://{address}/ui/topviews?project=en.wikipedia.org&date=2022");
    let dom = browse(&chromium, &url, &["--dump-dom"]);
    assert!(status(&dom).contains("No month of 2022 has a top list"), "{}", status(&dom));
}

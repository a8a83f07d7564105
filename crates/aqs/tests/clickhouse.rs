//! The same API from three stores: the embedded store, ClickHouse on one server, and ClickHouse
//! in cluster mode over two servers (two shards, Distributed tables). The same generated dumps
//! are loaded into each through the binary, and every answer to a few hundred requests must be
//! byte for byte the same. Needs `--features clickhouse-tests` and two servers
//! (`AQS_TEST_CLICKHOUSE_URL`, `AQS_TEST_CLICKHOUSE_URL2`, in cluster `two_shards`), which
//! scripts/test.sh starts.
#![cfg(feature = "clickhouse-tests")]

mod common;

use common::*;
use std::path::Path;

fn urls() -> (String, String) {
    let one = std::env::var("AQS_TEST_CLICKHOUSE_URL")
        .unwrap_or_else(|_| "http://127.0.0.1:18123".into());
    let two = std::env::var("AQS_TEST_CLICKHOUSE_URL2")
        .unwrap_or_else(|_| "http://127.0.0.1:18124".into());
    (one, two)
}

/// A statement on one ClickHouse server, answered as TSV text (POST, since ClickHouse runs GETs
/// read-only; HTTP/1.0, so that the body is not chunked).
fn clickhouse(url: &str, sql: &str) -> String {
    use std::io::{Read, Write};
    let address = url.trim_start_matches("http://");
    let mut stream = std::net::TcpStream::connect(address).expect("connect to ClickHouse");
    write!(
        stream,
        "POST /?query={} HTTP/1.0\r\nHost: {address}\r\nContent-Length: 0\r\n\r\n",
        encode(sql)
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let (head, body) = response.split_once("\r\n\r\n").expect("a response head");
    assert!(
        head.starts_with("HTTP/1.0 200") || head.starts_with("HTTP/1.1 200"),
        "{sql}: {response}"
    );
    body.to_string()
}

/// Drops the test databases on both servers when the test ends, passed or not.
struct Databases(Vec<String>);

impl Drop for Databases {
    fn drop(&mut self) {
        let (one, two) = urls();
        for db in &self.0 {
            for url in [&one, &two] {
                let _ = std::panic::catch_unwind(|| {
                    clickhouse(url, &format!("DROP DATABASE IF EXISTS {db}"))
                });
            }
        }
    }
}

fn load(store_flags: &[&str], dumps: &Path) -> String {
    let mut args = vec!["load", "--max-bad-share", "0.01"];
    args.extend_from_slice(store_flags);
    args.push(dumps.to_str().unwrap());
    run_ok(&args)
}

#[test]
fn embedded_single_server_and_two_shard_cluster_answer_the_same() {
    let (one, two) = urls();
    let pid = std::process::id();
    let (single, cluster) = (format!("aqs_e2e_single_{pid}"), format!("aqs_e2e_cluster_{pid}"));
    let _cleanup = Databases(vec![single.clone(), cluster.clone()]);
    let dir = tempfile::tempdir().unwrap();
    let dumps = dir.path().join("dumps");
    let data = dir.path().join("data");
    generate(&dumps, "2024-01-30", 4, 4, 3000, 7);
    // A complete month, for the monthly roll-ups (on ClickHouse, aggregated by ClickHouse).
    generate(&dumps.join("february"), "2023-02-01", 28, 2, 800, 9);

    load(&["--data", data.to_str().unwrap()], &dumps);
    let out =
        run_ok(&["clickhouse", "init", "--clickhouse-url", &one, "--clickhouse-database", &single]);
    assert!(out.contains("applied schema version(s) [1, 2, 3]"), "{out}");
    let out =
        run_ok(&["clickhouse", "init", "--clickhouse-url", &one, "--clickhouse-database", &single]);
    assert!(out.contains("is up to date"), "{out}");
    let single_flags =
        ["--backend", "clickhouse", "--clickhouse-url", &one, "--clickhouse-database", &single];
    load(&single_flags, &dumps);
    let out = run_ok(&[
        "clickhouse",
        "init",
        "--clickhouse-url",
        &one,
        "--clickhouse-database",
        &cluster,
        "--cluster",
        "two_shards",
        "--node",
        &one,
        "--node",
        &two,
    ]);
    assert!(out.contains("cluster two_shards"), "{out}");
    let cluster_flags =
        ["--backend", "clickhouse", "--clickhouse-url", &one, "--clickhouse-database", &cluster];
    load(&cluster_flags, &dumps);

    // Both shards hold part of the per-article rows, and together all of them.
    let count = |url: &str, table: &str| -> u64 {
        clickhouse(url, &format!("SELECT count() FROM {cluster}.{table}")).trim().parse().unwrap()
    };
    let (a, b) =
        (count(&one, "pageviews_per_article_local"), count(&two, "pageviews_per_article_local"));
    assert!(a > 0 && b > 0, "rows on each shard: {a} and {b}");
    let total: u64 =
        clickhouse(&one, &format!("SELECT count() FROM {single}.pageviews_per_article"))
            .trim()
            .parse()
            .unwrap();
    assert_eq!(a + b, total);

    // The MediaWiki history snapshot of the dumps' last month, activated on each backend.
    let data_flags = ["--data", data.to_str().unwrap()];
    for flags in [&data_flags[..], &single_flags[..], &cluster_flags[..]] {
        // Forced: the two samples' snapshots are unrelated histories (a check would compare them).
        let mut args = vec!["snapshot", "activate", "--force", "2024-02"];
        args.extend_from_slice(flags);
        assert!(run_ok(&args).contains("active: 2024-02"));
    }
    let (_embedded, embedded_address) = serve(&data);
    let (_single, single_address) = serve_with(&single_flags);
    // The cluster served through the second server: any server of the cluster will do.
    let cluster_via_two =
        ["--backend", "clickhouse", "--clickhouse-url", &two, "--clickhouse-database", &cluster];
    let (_cluster, cluster_address) = serve_with(&cluster_via_two);

    // Requests: every article of a few top lists, daily and monthly, plus aggregates, top lists
    // and errors.
    let mut paths = Vec::new();
    for project in ["en.wikipedia", "de.wikipedia", "commons.wikimedia"] {
        let top = get_json(
            &embedded_address,
            &format!("/metrics/pageviews/top/{project}/all-access/2024/01/31"),
        );
        for entry in top["items"][0]["articles"].as_array().unwrap().iter().take(40) {
            let title = encode(entry["article"].as_str().unwrap());
            for agent in ["all-agents", "user", "spider"] {
                paths.push(format!("/metrics/pageviews/per-article/{project}/all-access/{agent}/{title}/daily/20240101/20240301"));
            }
            paths.push(format!("/metrics/pageviews/per-article/{project}/mobile-web/all-agents/{title}/monthly/20240101/20240229"));
        }
        for granularity in ["hourly", "daily", "monthly"] {
            paths.push(format!("/metrics/pageviews/aggregate/{project}/all-access/all-agents/{granularity}/2024013000/2024020223"));
        }
        for day in ["30", "31", "all-days"] {
            paths.push(format!("/metrics/pageviews/top/{project}/all-access/2024/01/{day}"));
        }
        paths.push(format!("/metrics/pageviews/top/{project}/desktop/2024/02/01"));
    }
    paths.push(
        "/metrics/pageviews/aggregate/all-projects/all-access/all-agents/daily/20240130/20240202"
            .into(),
    );
    paths.push("/metrics/pageviews/per-article/en.wikipedia/all-access/all-agents/No_such_article/daily/20240101/20240301".into());
    paths.push("/metrics/pageviews/per-article/en.wikipedia/all-access/all-agents/O'Brien%27%5C/daily/20240101/20240301".into());
    paths.push("/metrics/pageviews/top/en.wikipedia/all-access/2023/01/01".into());
    for project in ["en.wikipedia", "de.wikipedia"] {
        for access in ["all-access", "desktop", "mobile-web", "mobile-app"] {
            paths.push(format!("/metrics/pageviews/top/{project}/{access}/2023/02/all-days"));
        }
        paths.push(format!(
            "/metrics/pageviews/aggregate/{project}/all-access/user/monthly/2023020100/2023022800"
        ));
    }
    paths.push("/metrics/pageviews/per-article/en.wikipedia/all-access/all-agents/X/daily/20240301/20240101".into());
    // The series families, loaded from the same generated dumps (January 2024 is complete
    // for the monthly rows: January 30 and 31 plus February's complete sample are in).
    for (project, site) in [
        ("en.wikipedia", "all-sites"),
        ("en.wikipedia", "desktop-site"),
        ("de.wikipedia", "mobile-site"),
        ("all-wikipedia-projects", "all-sites"),
    ] {
        paths.push(format!("/metrics/unique-devices/{project}/{site}/daily/20240129/20240202"));
        paths.push(format!("/metrics/unique-devices/{project}/{site}/monthly/20230101/20240301"));
    }
    for project in ["en.wikipedia", "de.wikipedia", "all-projects"] {
        for site in ["all-sites", "desktop-site", "mobile-site"] {
            let legacy = format!("/metrics/legacy/pagecounts/aggregate/{project}/{site}");
            paths.push(format!("{legacy}/hourly/2024013000/2024020223"));
            paths.push(format!("{legacy}/daily/2024012900/2024020300"));
            paths.push(format!("{legacy}/monthly/2023020100/2023030100"));
        }
    }
    for project in ["en.wikipedia", "de.wikipedia"] {
        for level in ["5..99-edits", "100..-edits"] {
            paths.push(format!("/metrics/editors/by-country/{project}/{level}/2024/01"));
            paths.push(format!("/metrics/editors/by-country/{project}/{level}/2023/02"));
        }
    }
    let media = "/metrics/mediarequests";
    for referer in ["all-referers", "internal", "external"] {
        for kind in ["all-media-types", "image", "audio"] {
            paths.push(format!(
                "{media}/aggregate/{referer}/{kind}/all-agents/daily/20240129/20240202"
            ));
            paths.push(format!(
                "{media}/aggregate/{referer}/{kind}/all-agents/monthly/2023020100/2023030100"
            ));
            paths.push(format!("{media}/top/{referer}/{kind}/2024/01/31"));
            paths.push(format!("{media}/top/{referer}/{kind}/2024/01/all-days"));
        }
        for file in [
            "%2Fwikipedia%2Fcommons%2F0%2F00%2FExample.jpg",
            "%2Fwikipedia%2Fcommons%2F1%2F01%2FCaf%C3%A9%2C_1900.jpg",
            "%2Fwikipedia%2Fcommons%2F2%2F02%2F%22Quoted%22_(1999).png",
        ] {
            for agent in ["all-agents", "spider"] {
                paths.push(format!(
                    "{media}/per-file/{referer}/{agent}/{file}/daily/20240129/20240202"
                ));
                paths.push(format!(
                    "{media}/per-file/{referer}/{agent}/{file}/monthly/20230201/20240131"
                ));
            }
        }
    }
    for (project, editors, pages) in [
        ("en.wikipedia", "all-editor-types", "all-page-types"),
        ("all-projects", "anonymous", "content"),
        ("all-wikipedia-projects", "user", "all-page-types"),
        ("fr.wiktionary", "group-bot", "non-content"),
    ] {
        for route in [
            "edits/aggregate",
            "bytes-difference/net/aggregate",
            "bytes-difference/absolute/aggregate",
            "edited-pages/new",
        ] {
            let prefix = format!("/metrics/{route}/{project}/{editors}/{pages}");
            paths.push(format!("{prefix}/daily/20240101/20240203"));
            paths.push(format!("{prefix}/monthly/20230101/20240301"));
        }
        paths.push(format!("/metrics/registered-users/new/{project}/monthly/20230101/20240301"));
        if !project.starts_with("all-") {
            for route in ["editors", "edited-pages"] {
                for level in ["1..4-edits", "all-activity-levels"] {
                    let prefix =
                        format!("/metrics/{route}/aggregate/{project}/{editors}/{pages}/{level}");
                    paths.push(format!("{prefix}/daily/20240101/20240203"));
                    paths.push(format!("{prefix}/monthly/20230101/20240301"));
                }
            }
        }
    }
    for project in ["en.wikipedia", "all-projects"] {
        for metric in ["edits", "bytes-difference/net", "bytes-difference/absolute"] {
            for (kind, names, filter) in [
                ("per-page", ["Article_1", "Article_2", "Talk:Article_3"], "all-editor-types"),
                ("per-page", ["Article_1", "Article_4", "Article_5"], "user"),
                ("per-editor", ["Editor%201", "Editor%202", "Editor%203"], "all-page-types"),
                ("per-editor", ["Editor%201", "Editor%204", "Editor%205"], "content"),
            ] {
                for name in names {
                    let prefix = format!("/metrics/{metric}/{kind}/{project}/{name}/{filter}");
                    paths.push(format!("{prefix}/daily/20240101/20240203"));
                    paths.push(format!("{prefix}/monthly/20230301/20240301"));
                }
            }
        }
    }
    for project in ["en.wikipedia", "all-wikipedia-projects", "all-projects"] {
        for entity in ["editors", "edited-pages"] {
            for metric in ["edits", "net-bytes-difference", "absolute-bytes-difference"] {
                for slice in
                    ["all-editor-types/all-page-types", "user/content", "anonymous/non-content"]
                {
                    for date in ["2024/01/15", "2024/01/all-days", "2023/06/all-days"] {
                        paths.push(format!(
                            "/metrics/{entity}/top-by-{metric}/{project}/{slice}/{date}"
                        ));
                    }
                }
            }
        }
    }
    // Ranges reaching before 1970 (outside ClickHouse's DateTime): the same answers, no 500.
    paths.push("/metrics/pageviews/aggregate/en.wikipedia/all-access/all-agents/hourly/1969010100/1971010100".into());
    paths.push("/metrics/pageviews/aggregate/en.wikipedia/all-access/all-agents/daily/1900010100/2024020100".into());
    paths.push("/metrics/pageviews/per-article/en.wikipedia/all-access/all-agents/Main_Page/daily/19690101/20240105".into());
    paths.push("/metrics/pageviews/top/en.wikipedia/all-access/1969/12/31".into());
    assert!(paths.len() > 400, "{} requests", paths.len());
    let mut ok = 0;
    for path in &paths {
        let expected = http_get(&embedded_address, path);
        if expected.0 == 200 {
            ok += 1;
        }
        assert_eq!(http_get(&single_address, path), expected, "single server: {path}");
        assert_eq!(http_get(&cluster_address, path), expected, "cluster: {path}");
    }
    assert!(ok > paths.len() * 9 / 10, "{ok} of {} answered 200", paths.len());

    // The probe rows on ClickHouse: `aqs check` passes against the server once they are in.
    let mut probe_flags = vec!["add-probe-rows"];
    probe_flags.extend_from_slice(&single_flags);
    run_ok(&probe_flags);
    std::thread::sleep(std::time::Duration::from_millis(1500));
    let checked = run_ok(&["check", "--url", &format!("http://{single_address}")]);
    assert!(checked.contains("all checks passed"), "{checked}");

    // API feature usage: the same generated events counted by all three answer the same.
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap();
    let today = aqs_core::feature_usage::timestamp::day_of(now.as_secs() as i64);
    let events = dir.path().join("events");
    let start = today.add_days(-2).to_string();
    run_ok(&[
        "generate",
        "--feature-usage",
        "--out",
        events.to_str().unwrap(),
        "--start",
        &start,
        "--days",
        "2",
        "--events",
        "20000",
        "--agents",
        "500",
    ]);
    let files = common::files_under(&events, "api-feature-usage-");
    assert_eq!(files.len(), 2);
    let data_flags = ["--data", data.to_str().unwrap()];
    let mut refused = Vec::new();
    for flags in [&data_flags[..], &single_flags[..], &cluster_flags[..]] {
        let mut args = vec!["feature-usage", "ingest"];
        args.extend_from_slice(flags);
        args.extend(files.iter().map(|f| f.to_str().unwrap()));
        let out = run_ok(&args);
        // Each day's burst of 200 fresh agents from one IP: 30 rows admitted, 170 refused.
        assert!(out.contains("refused: 340 (new_row_limit 340)"), "{out}");
        refused.push(out.lines().find(|l| l.starts_with("counted:")).unwrap().to_string());
    }
    assert!(refused.iter().all(|r| *r == refused[0]), "{refused:?}");
    let shard_rows = |url: &str| -> u64 {
        clickhouse(url, &format!("SELECT count() FROM {cluster}.feature_usage_local"))
            .trim()
            .parse()
            .unwrap()
    };
    assert!(shard_rows(&one) > 0 && shard_rows(&two) > 0, "counters on both shards");
    for agent in [
        "Pywikibot",
        "Pywikibot/9",
        "Mozilla/5.0%20(burst",
        "python-requests",
        "WikipediaApp/2.7",
        "Nobody",
    ] {
        let path = format!(
            "/w/api.php?action=query&meta=featureusage&format=json&afuagent={agent}&afustart={}T00:00:00Z&afuend={}T00:00:00Z",
            today.add_days(-2),
            today
        );
        let expected = http_get(&embedded_address, &path);
        assert_eq!(expected.0, 200);
        assert!(agent == "Nobody" || expected.1.contains("\"count\""), "{agent}: {}", expected.1);
        assert_eq!(http_get(&single_address, &path), expected, "single server: {path}");
        assert_eq!(http_get(&cluster_address, &path), expected, "cluster: {path}");
    }

    // Loading a day again changes nothing (idempotent), and the servers keep answering the same.
    let day = dumps.join("other/pageview_complete/2024/2024-01/pageviews-20240131-user.bz2");
    load(&cluster_flags, &day);
    // The servers pick the new batch up within their one-second refresh.
    std::thread::sleep(std::time::Duration::from_millis(1500));
    for path in paths.iter().step_by(7) {
        assert_eq!(
            http_get(&cluster_address, path),
            http_get(&embedded_address, path),
            "after a reload: {path}"
        );
    }
    // The replaced rows are deleted on both shards (the clean-up goes to every --node).
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        let stored =
            count(&one, "pageviews_per_article_local") + count(&two, "pageviews_per_article_local");
        if stored == total {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "{stored} rows stored, {total} visible");
        std::thread::sleep(std::time::Duration::from_millis(200));
    }

    // `aqs clickhouse drop` removes the cluster's database from every server.
    run_ok(&[
        "clickhouse",
        "drop",
        "--yes",
        "--clickhouse-url",
        &one,
        "--clickhouse-database",
        &cluster,
    ]);
    for url in [&one, &two] {
        let left = clickhouse(
            url,
            &format!("SELECT count() FROM system.databases WHERE name = '{cluster}'"),
        );
        assert_eq!(left.trim(), "0", "{url} still has {cluster}");
    }
}

/// The replicated layout: a ZooKeeper, one shard of two replicas (cluster `replicated`). `init`
/// finds the ZooKeeper, sends its DDL `ON CLUSTER` and makes ReplicatedMergeTree tables; a load
/// through one replica is served, the same as the embedded store, through the other.
#[test]
fn a_replicated_cluster_serves_a_load_from_its_other_replica() {
    let urls = std::env::var("AQS_TEST_CLICKHOUSE_REPLICA_URLS")
        .expect("AQS_TEST_CLICKHOUSE_REPLICA_URLS: two servers with a ZooKeeper (scripts/test.sh)");
    let (one, two) = urls.split_once(',').expect("two comma-separated URLs");
    let db = format!("aqs_e2e_replicated_{}", std::process::id());
    let dir = tempfile::tempdir().unwrap();
    let (dumps, data) = (dir.path().join("dumps"), dir.path().join("data"));
    generate(&dumps, "2024-02-27", 3, 4, 2000, 3);
    load(&["--data", data.to_str().unwrap()], &dumps);
    let out = run_ok(&[
        "clickhouse",
        "init",
        "--clickhouse-url",
        one,
        "--clickhouse-database",
        &db,
        "--cluster",
        "replicated",
    ]);
    assert!(out.contains("replicated, DDL ON CLUSTER"), "{out}");
    let engine = clickhouse(
        two,
        &format!(
            "SELECT engine FROM system.tables WHERE database = '{db}' AND name = 'pageviews_per_article_local'"
        ),
    );
    assert_eq!(engine.trim(), "ReplicatedMergeTree", "the DDL reached the other replica");
    load(
        &["--backend", "clickhouse", "--clickhouse-url", one, "--clickhouse-database", &db],
        &dumps,
    );

    let rows = |url: &str| -> u64 {
        clickhouse(url, &format!("SELECT count() FROM {db}.pageviews_per_article_local"))
            .trim()
            .parse()
            .unwrap()
    };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while rows(two) != rows(one) {
        assert!(
            std::time::Instant::now() < deadline,
            "replica two never caught up: {} of {}",
            rows(two),
            rows(one)
        );
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    assert!(rows(one) > 1000);

    let (_embedded, embedded_address) = serve(&data);
    let via_two =
        ["--backend", "clickhouse", "--clickhouse-url", two, "--clickhouse-database", &db];
    let (_replica, replica_address) = serve_with(&via_two);
    let top =
        get_json(&embedded_address, "/metrics/pageviews/top/en.wikipedia/all-access/2024/02/28");
    let mut paths = vec![
        "/metrics/pageviews/top/en.wikipedia/all-access/2024/02/28".to_string(),
        "/metrics/pageviews/aggregate/en.wikipedia/all-access/all-agents/hourly/2024022700/2024022923".to_string(),
    ];
    for entry in top["items"][0]["articles"].as_array().unwrap().iter().take(50) {
        let title = encode(entry["article"].as_str().unwrap());
        paths.push(format!("/metrics/pageviews/per-article/en.wikipedia/all-access/all-agents/{title}/daily/20240201/20240331"));
    }
    for path in &paths {
        let expected = http_get(&embedded_address, path);
        assert_eq!(expected.0, 200, "{path}");
        assert_eq!(http_get(&replica_address, path), expected, "replica two: {path}");
    }

    // A MediaWiki history snapshot dropped through one replica is gone from the other.
    let flags = |url: &str| {
        ["--backend", "clickhouse", "--clickhouse-url", url, "--clickhouse-database", &db]
            .map(str::to_string)
    };
    let with = |args: &[&str], url: &str| {
        let mut all: Vec<String> = args.iter().map(|a| a.to_string()).collect();
        all.extend(flags(url));
        run_ok(&all.iter().map(String::as_str).collect::<Vec<_>>())
    };
    assert!(with(&["snapshot", "list"], two).contains("2024-02"));
    assert!(with(&["snapshot", "drop", "2024-02"], one).contains("dropped: 2024-02"));
    let listed = with(&["snapshot", "list"], two);
    assert!(!listed.contains("2024-02"), "{listed}");
    let left = clickhouse(
        two,
        &format!(
            "SELECT count() FROM {db}.series_local WHERE name LIKE 'history%' AND name != 'history_active'"
        ),
    );
    // What is left: the snapshot's activation record, with no activation in it.
    assert_eq!(left.trim(), "0", "history rows left on replica two");

    // Dropping goes out ON CLUSTER too.
    run_ok(&["clickhouse", "drop", "--yes", "--clickhouse-url", one, "--clickhouse-database", &db]);
    for url in [one, two] {
        let left =
            clickhouse(url, &format!("SELECT count() FROM system.databases WHERE name = '{db}'"));
        assert_eq!(left.trim(), "0", "{url} still has {db}");
    }
}

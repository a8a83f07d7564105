//! End to end, through the `aqs` binary: generate, load, serve on port 0, and compare the API
//! with numbers computed here, independently, from the generated dump files. Every process a
//! test starts is killed when the test ends.

mod common;
mod serving;

use common::*;
use std::collections::{BTreeMap, HashMap};
use std::io::Read;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

/// Views computed straight from the generated files, with a parser of its own: per
/// (project, title, day) the views of every (access, agent), and per-project hourly sums.
/// (project, title, day) → (access, agent) → views.
type ArticleViews = HashMap<(String, String, String), HashMap<(String, String), u64>>;

#[derive(Default)]
struct Expected {
    articles: ArticleViews,
    hours: HashMap<(String, String, String, String, usize), u64>,
}

fn expected_from(dir: &Path) -> Expected {
    let allowed = ["en.wikipedia", "de.wikipedia", "commons.wikimedia", "fr.wiktionary"];
    let mut out = Expected::default();
    // The pageview_complete files (`pageviews-YYYYMMDD-AGENT.bz2`), not the other dumps.
    for path in files_under(dir, "pageviews-") {
        let name = path.file_name().unwrap().to_str().unwrap().to_string();
        let parts: Vec<&str> = name.trim_end_matches(".bz2").split('-').collect();
        let (day, agent) = (parts[1].to_string(), parts[2].to_string());
        let mut text = String::new();
        bzip2::read::MultiBzDecoder::new(std::fs::File::open(&path).unwrap())
            .read_to_string(&mut text)
            .unwrap();
        for line in text.lines() {
            let f: Vec<&str> = line.split(' ').collect();
            let (project, title, access, total, hourly) = match f.len() {
                6 => (f[0], f[1], f[3], f[4], f[5]),
                5 => (f[0], f[1], f[2], f[3], f[4]),
                _ => continue,
            };
            if !allowed.contains(&project) || hourly.contains('Z') {
                continue;
            }
            let mut title = title.replace('\t', "");
            if title.starts_with('"') && title.ends_with('"') && title.len() > 1 {
                title = title[1..title.len() - 1].replace("\\\"", "\"");
            }
            let total: u64 = total.parse().unwrap();
            *out.articles
                .entry((project.into(), title, day.clone()))
                .or_default()
                .entry((access.into(), agent.clone()))
                .or_default() += total;
            let mut letter = 0usize;
            let mut number = String::new();
            for c in hourly.chars().chain(std::iter::once('@')) {
                if c.is_ascii_digit() {
                    number.push(c);
                } else {
                    if !number.is_empty() {
                        *out.hours
                            .entry((
                                project.into(),
                                access.into(),
                                agent.clone(),
                                day.clone(),
                                letter,
                            ))
                            .or_default() += number.parse::<u64>().unwrap();
                        number.clear();
                    }
                    letter = (c as u8).wrapping_sub(b'A') as usize;
                }
            }
        }
    }
    out
}

#[test]
fn generated_dumps_load_and_serve_the_numbers_in_the_files() {
    let work = tempfile::tempdir().unwrap();
    let (dumps, data) = (work.path().join("dumps"), work.path().join("data"));
    generate(&dumps, "2024-02-27", 3, 4, 3000, 3);
    let report = load(&data, "0.01", &dumps);
    assert!(report.contains("days published:    3 (2024-02-27 .. 2024-02-29)"), "{report}");
    assert!(report.contains("example.wikipedia"), "{report}");
    let expected = expected_from(&dumps);
    let (_server, address) = serve(&data);

    // Per article, every day: all-access/all-agents, and one concrete column.
    let mut titles: Vec<&(String, String, String)> = expected
        .articles
        .keys()
        .filter(|(p, _, d)| p == "en.wikipedia" && d == "20240227")
        .collect();
    titles.sort();
    let sample: Vec<&&(String, String, String)> = titles
        .iter()
        .step_by(titles.len() / 40 + 1)
        .chain(titles.iter().filter(|(_, t, _)| {
            [
                "Main_Page",
                "-",
                "AC/DC",
                "\"Weird_Al\"_Yankovic",
                "TabInside",
                "100%_Natural",
                "Are_You_the_One?",
            ]
            .contains(&t.as_str())
        }))
        .collect();
    assert!(sample.len() > 30);
    for (project, title, _) in sample {
        let path = format!(
            "/metrics/pageviews/per-article/{project}/all-access/all-agents/{}/daily/20240227/20240229",
            encode(title)
        );
        let body = get_json(&address, &path);
        let got: BTreeMap<String, u64> = body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| {
                (i["timestamp"].as_str().unwrap()[..8].to_string(), i["views"].as_u64().unwrap())
            })
            .collect();
        let want: BTreeMap<String, u64> = ["20240227", "20240228", "20240229"]
            .iter()
            .filter_map(|d| {
                expected
                    .articles
                    .get(&(project.clone(), title.clone(), d.to_string()))
                    .map(|v| (d.to_string(), v.values().sum()))
            })
            .collect();
        assert_eq!(got, want, "{path}");
        let desktop_user =
            get_json(&address, &path.replace("all-access/all-agents", "desktop/user"));
        let first = &desktop_user["items"][0];
        let day = first["timestamp"].as_str().unwrap()[..8].to_string();
        let want = expected.articles[&(project.clone(), title.clone(), day)]
            .get(&("desktop".into(), "user".into()))
            .copied()
            .unwrap_or(0);
        assert_eq!(first["views"].as_u64().unwrap(), want, "{title} desktop/user");
    }

    // Aggregate: all projects, every access and agent, daily; and one project hourly.
    let daily = get_json(
        &address,
        "/metrics/pageviews/aggregate/all-projects/all-access/all-agents/daily/20240227/20240229",
    );
    for item in daily["items"].as_array().unwrap() {
        let day = &item["timestamp"].as_str().unwrap()[..8];
        let want: u64 = expected
            .articles
            .iter()
            .filter(|((_, _, d), _)| d == day)
            .flat_map(|(_, v)| v.values())
            .sum();
        assert_eq!(item["views"].as_u64().unwrap(), want, "all-projects {day}");
    }
    let hourly = get_json(
        &address,
        "/metrics/pageviews/aggregate/de.wikipedia/desktop/spider/hourly/2024022800/2024022823",
    );
    for item in hourly["items"].as_array().unwrap() {
        let hour: usize = item["timestamp"].as_str().unwrap()[8..].parse().unwrap();
        let want = expected.hours
            [&("de.wikipedia".into(), "desktop".into(), "spider".into(), "20240228".into(), hour)];
        assert_eq!(item["views"].as_u64().unwrap(), want, "de.wikipedia hour {hour}");
    }

    // Top: user views, all access methods, without `-`.
    let top = get_json(&address, "/metrics/pageviews/top/en.wikipedia/all-access/2024/02/28");
    let articles = top["items"][0]["articles"].as_array().unwrap();
    let mut users: Vec<(u64, String)> = expected
        .articles
        .iter()
        .filter(|((p, t, d), _)| p == "en.wikipedia" && d == "20240228" && t != "-")
        .map(|((_, t, _), v)| {
            (v.iter().filter(|((_, agent), _)| agent == "user").map(|(_, n)| n).sum(), t.clone())
        })
        .filter(|(n, _)| *n > 0)
        .collect();
    users.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    // Over 1000 rows, only rows with more views than the 1001st are kept (ties are cut whole).
    if users.len() > 1000 {
        let cut = users[1000].0;
        users.retain(|(n, _)| *n > cut);
    }
    assert!(users.len() > 100);
    assert_eq!(articles.len(), users.len());
    for (entry, (views, title)) in articles.iter().zip(&users) {
        assert_eq!(
            (entry["article"].as_str().unwrap(), entry["views"].as_u64().unwrap()),
            (title.as_str(), *views)
        );
    }
}

#[test]
fn a_small_generated_sample_loads_with_the_default_flags() {
    // As a new user would try it (issue 13 §5): its irregular lines are a larger share of a
    // small file than of a full day, but within the 10 bad lines any file may have.
    let work = tempfile::tempdir().unwrap();
    let (dumps, data) = (work.path().join("dumps"), work.path().join("data"));
    generate(&dumps, "2024-01-01", 10, 2, 2000, 1);
    let report = run_ok(&["load", "--data", data.to_str().unwrap(), dumps.to_str().unwrap()]);
    assert!(report.contains("days published:    10 (2024-01-01 .. 2024-01-10)"), "{report}");
    let skipped: u64 = report
        .lines()
        .find_map(|l| l.strip_prefix("lines skipped:"))
        .and_then(|n| n.trim().parse().ok())
        .expect("a count of skipped lines");
    assert!(skipped > 0, "the sample has irregular lines: {report}");
}

#[test]
fn a_load_without_time_to_merge_says_so_and_serves_the_same_numbers() {
    let work = tempfile::tempdir().unwrap();
    let dumps = work.path().join("dumps");
    let (deferred, merged) = (work.path().join("deferred"), work.path().join("merged"));
    generate(&dumps, "2024-03-01", 4, 2, 600, 3);
    let report = run_ok(&[
        "load",
        "--data",
        deferred.to_str().unwrap(),
        "--max-bad-share",
        "0.02",
        "--merge-seconds",
        "0",
        dumps.to_str().unwrap(),
    ]);
    assert!(report.contains("merges:            left under way after 3 day(s)"), "{report}");
    let report = load(&merged, "0.02", &dumps);
    assert!(!report.contains("left under way"), "{report}");
    let article_days = |data: &Path| {
        let stats = run_ok(&["stats", "--data", data.to_str().unwrap()]);
        stats.lines().find(|l| l.starts_with("article-days:")).unwrap().to_string()
    };
    assert_eq!(article_days(&deferred), article_days(&merged));
    let (_a, one) = serve(&deferred);
    let (_b, other) = serve(&merged);
    for path in [
        "/metrics/pageviews/per-article/en.wikipedia/all-access/all-agents/Main_Page/daily/20240301/20240304",
        "/metrics/pageviews/top/de.wikipedia/all-access/2024/03/03",
    ] {
        let (a, b) = (http_get(&one, path), http_get(&other, path));
        assert_eq!(a.0, 200, "{path}");
        assert_eq!(a, b, "{path}");
    }
}

#[test]
fn a_load_killed_mid_commit_leaves_the_served_data_intact() {
    let work = tempfile::tempdir().unwrap();
    let (old, new, data) =
        (work.path().join("old"), work.path().join("new"), work.path().join("data"));
    for (dir, seed) in [(&old, 1), (&new, 2)] {
        generate(dir, "2024-03-01", 1, 2, 2000, seed);
        // Pageviews days only: the MediaWiki history's per-page tables write title
        // dictionaries of their own, which would interleave with the ones counted here.
        std::fs::remove_dir_all(dir.join("other/mediawiki_history")).unwrap();
    }
    load(&data, "0.01", &old);
    let dictionaries = dictionary_files(&data);
    let (_server, address) = serve(&data);
    let paths = [
        "/metrics/pageviews/per-article/en.wikipedia/all-access/all-agents/Main_Page/daily/20240301/20240301",
        "/metrics/pageviews/aggregate/all-projects/all-access/all-agents/hourly/2024030100/2024030123",
        "/metrics/pageviews/top/de.wikipedia/all-access/2024/03/01",
    ];
    let before: Vec<(u16, String)> = paths.iter().map(|p| http_get(&address, p)).collect();
    assert!(before.iter().all(|(s, _)| *s == 200));

    // The load pauses inside its write transaction; kill it there.
    let mut interrupted = start(
        &[
            "load",
            "--data",
            data.to_str().unwrap(),
            "--max-bad-share",
            "0.01",
            new.to_str().unwrap(),
        ],
        &[("AQS_TEST_PAUSE_BEFORE_COMMIT_MS", "60000"), ("AQS_LOG", "aqs=debug")],
    );
    interrupted.wait_for("publishing day", Duration::from_secs(60));
    std::thread::sleep(Duration::from_millis(500));
    interrupted.child.kill().unwrap();
    interrupted.child.wait().unwrap();
    let after: Vec<(u16, String)> = paths.iter().map(|p| http_get(&address, p)).collect();
    assert_eq!(after, before, "the running server still serves the old data");
    // The killed load had written its title dictionary file, which nothing names.
    let killed = dictionary_files(&data);
    assert!(killed.last() > dictionaries.last(), "{killed:?} after {dictionaries:?}");

    // The store is intact: the same load now completes, and the running server sees it.
    load(&data, "0.01", &new);
    let reloaded: Vec<(u16, String)> = paths.iter().map(|p| http_get(&address, p)).collect();
    assert!(reloaded.iter().all(|(s, _)| *s == 200), "{reloaded:?}");
    assert_ne!(reloaded, before, "the new day is served without a restart");
    assert_eq!(dictionary_files(&data).last(), killed.last(), "the unnamed number was reused");

    // One more load removes the dictionary file holding the pageviews titles the server
    // opened first (files still read, as the one holding the media file names no later load
    // touched, stay); the server reads on.
    let third = work.path().join("third");
    generate(&third, "2024-03-02", 1, 2, 2000, 3);
    load(&data, "0.01", &third);
    let first_opened = dictionaries.first().unwrap();
    assert!(!dictionary_files(&data).contains(first_opened), "{first_opened} was removed");
    let last: Vec<(u16, String)> = paths.iter().map(|p| http_get(&address, p)).collect();
    assert_eq!(last, reloaded, "the day before is served as it was");
}

/// The title dictionary files of a store, by name.
fn dictionary_files(data: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(data.join("dictionary"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn demo_prints_urls_that_answer() {
    let work = tempfile::tempdir().unwrap();
    let data = work.path().join("demo");
    let demo = start(
        &[
            "demo",
            "--data",
            data.to_str().unwrap(),
            "--listen",
            "127.0.0.1:0",
            "--days",
            "2",
            "--articles",
            "400",
        ],
        &[],
    );
    let line = demo.wait_for("listening on http://", Duration::from_secs(120));
    let address = line.trim().trim_start_matches("listening on http://").to_string();
    let mut urls = Vec::new();
    while let Ok(line) = demo.lines.recv_timeout(Duration::from_secs(2)) {
        if let Some(url) = line.trim().strip_prefix(&format!("http://{address}")) {
            urls.push(url.to_string());
        }
    }
    assert!(urls.len() >= 14, "one per route but editors by country (a month): {urls:?}");
    for url in urls {
        let (status, body) = http_get(&address, &url);
        assert_eq!(status, 200, "{url}: {body}");
    }
}

#[test]
fn stats_and_a_compacted_copy_describe_and_serve_the_same_data() {
    let work = tempfile::tempdir().unwrap();
    let (dumps, data, copy) =
        (work.path().join("dumps"), work.path().join("data"), work.path().join("copy"));
    generate(&dumps, "2024-03-01", 2, 2, 600, 5);
    let report = load(&data, "0.02", &dumps);
    let rows: u64 = report
        .lines()
        .find_map(|l| l.strip_prefix("rows written:"))
        .and_then(|l| l.split_whitespace().next()?.parse().ok())
        .expect("rows written");
    let stats = run_ok(&["stats", "--data", data.to_str().unwrap()]);
    assert!(stats.contains(&format!("article-days:      {rows}")), "{stats}");
    assert!(stats.contains("per-article days:  2 (2024-03-01 .. 2024-03-02)"), "{stats}");
    let compacted =
        run_ok(&["compact", "--data", data.to_str().unwrap(), "--out", copy.to_str().unwrap()]);
    assert!(compacted.contains("compacted"), "{compacted}");
    let again = Command::new(AQS)
        .args(["compact", "--data", data.to_str().unwrap(), "--out", copy.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("already holds a store"));
    // A reader that closed the pipe (`aqs stats | head`): the command ends quietly and
    // successfully, without a panic.
    for args in [&["stats", "--data"][..], &["snapshot", "list", "--data"]] {
        let mut child = Command::new(AQS)
            .args(args)
            .arg(&data)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        drop(child.stdout.take());
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success() && !stderr.contains("panicked"), "{args:?}: {stderr}");
    }
    let (_a, original) = serve(&data);
    let (_b, compact) = serve(&copy);
    for path in [
        "/metrics/pageviews/per-article/en.wikipedia/all-access/all-agents/Main_Page/daily/20240301/20240302",
        "/metrics/pageviews/aggregate/all-projects/all-access/all-agents/hourly/2024030100/2024030223",
        "/metrics/pageviews/top/de.wikipedia/desktop/2024/03/02",
    ] {
        let (a, b) = (http_get(&original, path), http_get(&compact, path));
        assert_eq!(a.0, 200, "{path}");
        assert_eq!(a, b, "{path}");
    }
}

#[test]
fn the_ceiling_server_answers_a_fixed_json_body() {
    let ceiling = start(&["ceiling", "--listen", "127.0.0.1:0"], &[]);
    let line = ceiling.wait_for("listening on http://", Duration::from_secs(30));
    let address = line.trim().trim_start_matches("listening on http://").to_string();
    let (status, body) = http_get(&address, "/anything");
    assert_eq!(status, 200);
    let json: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(json["items"][0]["article"], "Main_Page");
    assert!((250..400).contains(&body.len()), "{} bytes", body.len());
}

#[test]
fn bad_input_gets_a_clear_error_and_a_failure_exit() {
    let work = tempfile::tempdir().unwrap();
    let data = work.path().join("data");
    let bogus = work.path().join("notes.txt");
    std::fs::write(&bogus, "hello\n").unwrap();
    let out = Command::new(AQS)
        .args(["load", "--data", data.to_str().unwrap(), bogus.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("notes.txt: not a known dump file name"), "{err}");
    let out = Command::new(AQS)
        .args(["generate", "--out", "x", "--start", "2024-13-01", "--days", "1"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("--start \"2024-13-01\" is not a date in YYYY-MM-DD form")
    );
    // Store flags: each mistake named, and nothing started.
    let failure = |args: &[&str], needle: &str| {
        let out = Command::new(AQS).args(args).env_remove("AQS_DATA").output().unwrap();
        assert!(!out.status.success(), "{args:?} succeeded");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(needle), "{args:?}: {err}");
    };
    failure(&["serve", "--listen", "127.0.0.1:0"], "the embedded store needs --data DIR");
    failure(
        &["load", "--data", "x", "--merge-seconds", "soon", "y"],
        "expected a whole number of seconds or `unlimited`, found \"soon\"",
    );
    failure(
        &["load", "--data", "x", "--day-seconds", "later", "y"],
        "expected a whole number of seconds or `unlimited`, found \"later\"",
    );
    failure(
        &[
            "generate",
            "--mediawiki-history",
            "--edits-per-day",
            "0",
            "--out",
            "x",
            "--start",
            "2024-01-01",
            "--days",
            "1",
        ],
        "--edits-per-day must be a number above 0",
    );
    // Serving flags: each mistake named.
    let serve_dir = tempfile::tempdir().unwrap();
    let serve_data = serve_dir.path().to_str().unwrap();
    for (flag, value, needle) in [
        (
            "--trusted-proxy",
            "nonsense",
            "--trusted-proxy \"nonsense\" is not an address or a CIDR block",
        ),
        ("--rate-limit", "pageviews", "expected ROUTE=N"),
        ("--rate-limit", "pageviews=0", "the limit must be at least 1"),
        ("--max-store-reads", "0", "--max-store-reads must be at least 1"),
    ] {
        failure(&["serve", "--listen", "127.0.0.1:0", "--data", serve_data, flag, value], needle);
    }
    failure(&["clickhouse", "drop"], "drops database aqs and all its data: add --yes");
    // Port 1 on loopback refuses connections: the error names the server.
    failure(
        &[
            "load",
            "--backend",
            "clickhouse",
            "--clickhouse-url",
            "http://127.0.0.1:1",
            bogus.to_str().unwrap(),
        ],
        "cannot reach ClickHouse at http://127.0.0.1:1",
    );
    failure(
        &["clickhouse", "init", "--clickhouse-url", "127.0.0.1:8123"],
        "must start with http://",
    );
    failure(
        &[
            "clickhouse",
            "init",
            "--clickhouse-url",
            "http://127.0.0.1:1",
            "--clickhouse-database",
            "a-b",
        ],
        "is not a usable ClickHouse name",
    );
}

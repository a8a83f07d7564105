//! End to end for the MediaWiki history routes: `aqs generate` writes history dumps of four
//! wikis, `aqs load` reads them into a snapshot, `aqs snapshot activate` makes it served, and
//! every answer (events and digests) is compared with the numbers computed again from the
//! generated files by a plain reading of the §5.8 rules (`plain.rs`). Then a second snapshot
//! is switched to and rolled back from while clients read: no answer mixes the two. And the
//! snapshot commands: the quality check gating activation, a wiki loaded again.

#[path = "../common/mod.rs"]
mod common;
mod killed;
mod per_entity;
mod plain;
mod top;

use common::*;
use plain::{expected, expected_digests, results};
use std::path::{Path, PathBuf};

fn days_between(first: &str, end: &str) -> Vec<String> {
    let parse = |s: &str| aqs_core::dates::Day::parse_compact(&s.replace('-', "")).unwrap();
    let (mut day, end) = (parse(first), parse(end));
    let mut out = Vec::new();
    while day < end {
        out.push(day.to_string());
        day = day.next();
    }
    out
}

const ROUTES: [(&str, &str); 5] = [
    ("edits/aggregate", "edits"),
    ("bytes-difference/net/aggregate", "net_bytes_diff"),
    ("bytes-difference/absolute/aggregate", "abs_bytes_diff"),
    ("edited-pages/new", "new_pages"),
    ("registered-users/new", "new_registered_users"),
];

fn path_of(
    route: &str,
    key: (&str, &str, &str),
    granularity: &str,
    start: &str,
    end: &str,
) -> String {
    match route {
        "registered-users/new" => format!("/metrics/{route}/{}/{granularity}/{start}/{end}", key.0),
        _ => format!("/metrics/{route}/{}/{}/{}/{granularity}/{start}/{end}", key.0, key.1, key.2),
    }
}

fn answer(address: &str, path: &str, field: &str) -> Vec<(String, i64)> {
    let body = get_json(address, path);
    let items = body["items"].as_array().unwrap_or_else(|| panic!("{path}: {body}"));
    assert_eq!(items.len(), 1, "{path}");
    items[0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["timestamp"].as_str().unwrap().to_string(), r[field].as_i64().unwrap()))
        .collect()
}

struct StopOnDrop<'a>(&'a std::sync::atomic::AtomicBool);

impl Drop for StopOnDrop<'_> {
    fn drop(&mut self) {
        self.0.store(true, std::sync::atomic::Ordering::Relaxed);
    }
}

#[test]
fn loaded_snapshots_serve_the_numbers_of_their_dumps_and_switch_without_a_restart() {
    let work = tempfile::tempdir().unwrap();
    let (march, april, data) =
        (work.path().join("march"), work.path().join("april"), work.path().join("data"));
    generate(&march, "2024-03-30", 2, 1, 8_000, 21);
    let report = load(&data, "0.001", &march);
    assert!(report.contains("mediawiki history"), "{report}");
    assert!(report.contains("aqs snapshot activate"), "{report}");
    let (_server, address) = serve(&data);

    // Nothing is served before an activation: zeros, never a 404.
    let path = "/metrics/edits/aggregate/en.wikipedia/all-editor-types/all-page-types/monthly/20240101/20240401";
    assert_eq!(answer(&address, path, "edits").iter().map(|r| r.1).sum::<i64>(), 0);
    let listed = run_ok(&["snapshot", "list", "--data", data.to_str().unwrap()]);
    assert!(listed.contains("2024-03      4"), "{listed}");
    run_ok(&["snapshot", "activate", "--data", data.to_str().unwrap(), "2024-03"]);
    // A range beyond the snapshot's days lists the days it covers (its first month with
    // events to its last day), as Druid filled only its datasource's interval.
    let wide = "/metrics/edits/aggregate/en.wikipedia/user/all-page-types/daily/01000101/99991231";
    let got = answer(&address, wide, "edits");
    assert_eq!(got.len(), days_between("2023-01-01", "2024-04-01").len(), "{wide}");
    assert_eq!(got.first().map(|r| r.0.as_str()), Some("2023-01-01T00:00:00.000Z"));
    // The zero-filled variant lists every period of the range: the original's results where
    // it has them, null outside the snapshot's days.
    let months = "/edits/aggregate/en.wikipedia/user/all-page-types/monthly/20221101/20240601";
    let original = answer(&address, &format!("/metrics{months}"), "edits");
    let filled = get_json(&address, &format!("/ext/v1/zero-filled{months}"));
    let listed = filled["items"][0]["results"].as_array().unwrap();
    assert_eq!(listed.len(), 19, "November 2022 to May 2024: {filled}");
    for r in listed {
        let stamp = r["timestamp"].as_str().unwrap();
        match original.iter().find(|(s, _)| s == stamp) {
            Some((_, n)) => assert_eq!(r["edits"].as_i64(), Some(*n), "{stamp}"),
            None => assert!(r["edits"].is_null(), "{stamp}: {r}"),
        }
    }
    let nulls = listed.iter().filter(|r| r["edits"].is_null()).count();
    assert_eq!((original.len(), nulls), (15, 4), "2023-01 to 2024-03 covered");
    let health = get_json(&address, "/healthz");
    assert_eq!(health["datasets"]["mediawiki-history"]["active_snapshot"], "2024-03", "{health}");
    let (_, metrics) = http_get(&address, "/metrics");
    assert!(metrics.contains("mediawiki_history_active_snapshot 202403"), "{metrics}");

    let want = expected(&march);
    let mut checked = 0;
    let keys = [
        ("en.wikipedia", "all-editor-types", "all-page-types"),
        ("en.wikipedia", "anonymous", "content"),
        ("de.wikipedia", "group-bot", "all-page-types"),
        ("de.wikipedia", "name-bot", "non-content"),
        ("fr.wiktionary", "user", "content"),
        ("yo.wikipedia", "all-editor-types", "non-content"),
        ("all-wikipedia-projects", "user", "all-page-types"),
        ("all-wiktionary-projects", "all-editor-types", "all-page-types"),
        ("all-projects", "all-editor-types", "all-page-types"),
        ("all-projects", "anonymous", "non-content"),
    ];
    for (route, field) in ROUTES {
        for key in keys {
            for (granularity, start, end) in [
                ("daily", "20240301", "20240331"),
                ("daily", "2023123100", "2024010500"),
                ("monthly", "20230101", "20240401"),
            ] {
                let path = path_of(route, key, granularity, start, end);
                let first = format!("{}-{}-{}", &start[..4], &start[4..6], &start[6..8]);
                let last = match granularity {
                    "daily" => format!("{}-{}-{}", &end[..4], &end[4..6], &end[6..8]),
                    _ => format!("{}-{}-01", &end[..4], &end[4..6]),
                };
                let days = days_between(&first, &last);
                let expected = results(&want, route, key, &days, granularity == "monthly");
                assert_eq!(answer(&address, &path, field), expected, "{path}");
                checked += 1;
            }
        }
    }
    assert_eq!(checked, 150);
    let digests = expected_digests(&march);
    let mut nonzero = 0;
    for (route, entity, field) in
        [("editors", "editors", "editors"), ("edited-pages", "pages", "edited_pages")]
    {
        for (project, editors, pages) in [
            ("en.wikipedia", "all-editor-types", "all-page-types"),
            ("de.wikipedia", "user", "content"),
            ("fr.wiktionary", "anonymous", "all-page-types"),
            ("yo.wikipedia", "all-editor-types", "non-content"),
        ] {
            for (i, level) in
                ["1..4-edits", "5..24-edits", "25..99-edits", "100..-edits", "all-activity-levels"]
                    .iter()
                    .enumerate()
            {
                for (granularity, start, end) in
                    [("daily", "20240301", "20240331"), ("monthly", "20230101", "20240401")]
                {
                    let path = format!(
                        "/metrics/{route}/aggregate/{project}/{editors}/{pages}/{level}/{granularity}/{start}/{end}"
                    );
                    let got = answer(&address, &path, field);
                    for (stamp, n) in &got {
                        let key = (
                            project.to_string(),
                            entity.to_string(),
                            editors.to_string(),
                            pages.to_string(),
                            format!("{granularity} {stamp}"),
                        );
                        let levels = digests.get(&key).copied().unwrap_or_default();
                        let want = if i == 4 { levels.iter().sum() } else { levels[i] };
                        assert_eq!(*n as u64, want, "{path} {stamp}");
                        nonzero += usize::from(want > 0);
                    }
                }
            }
        }
    }
    assert!(nonzero > 100, "{nonzero} non-zero digest counts checked");
    // The numbers are not all zero: the sample has edits in every slice checked.
    let month = answer(
        &address,
        "/metrics/edits/aggregate/all-projects/all-editor-types/all-page-types/monthly/20230101/20240401",
        "edits",
    );
    assert!(month.iter().all(|(_, n)| *n > 0), "{month:?}");

    // A second snapshot (the same history and one month more, as a real next snapshot),
    // checked against the active one, switched to and rolled back from while clients read.
    generate(&april, "2024-04-30", 1, 1, 8_000, 21);
    load(&data, "0.001", &april);
    let want_april = expected(&april);
    // Each answer lists the months its snapshot covers: March's end with March.
    let key = ("all-projects", "all-editor-types", "all-page-types");
    let days = days_between("2023-01-01", "2024-04-01");
    let of_march = results(&want, "edits/aggregate", key, &days, true);
    let days = days_between("2023-01-01", "2024-05-01");
    let of_april = results(&want_april, "edits/aggregate", key, &days, true);
    assert_ne!(of_march, of_april);
    let path = path_of("edits/aggregate", key, "monthly", "20230101", "20240501");
    let stop = std::sync::atomic::AtomicBool::new(false);
    let seen = std::thread::scope(|scope| {
        // The readers stop however this thread leaves the scope, a failed assertion included.
        let _stop = StopOnDrop(&stop);
        let readers: Vec<_> = (0..3)
            .map(|_| {
                scope.spawn(|| {
                    let mut seen = [0u32; 2];
                    while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                        let got = answer(&address, &path, "edits");
                        match got {
                            _ if got == of_march => seen[0] += 1,
                            _ if got == of_april => seen[1] += 1,
                            _ => panic!("an answer of neither snapshot: {got:?}"),
                        }
                    }
                    seen
                })
            })
            .collect();
        let activated =
            run_ok(&["snapshot", "activate", "--data", data.to_str().unwrap(), "2024-04"]);
        assert!(activated.contains("check of 2024-04 against 2024-03: passed"), "{activated}");
        std::thread::sleep(std::time::Duration::from_millis(300));
        assert_eq!(answer(&address, &path, "edits"), of_april, "activated at once");
        let rolled = run_ok(&["snapshot", "rollback", "--data", data.to_str().unwrap()]);
        assert!(rolled.contains("active: 2024-03"), "{rolled}");
        assert_eq!(answer(&address, &path, "edits"), of_march, "rolled back at once");
        drop(_stop);
        readers
            .into_iter()
            .map(|r| r.join().unwrap())
            .fold([0, 0], |a, b| [a[0] + b[0], a[1] + b[1]])
    });
    assert!(seen[0] > 0, "{seen:?}");
    let listed = run_ok(&["snapshot", "list", "--data", data.to_str().unwrap()]);
    assert!(listed.lines().any(|l| l.starts_with("2024-03") && l.ends_with("yes")), "{listed}");
    assert!(listed.lines().any(|l| l.starts_with("2024-04") && !l.ends_with("yes")), "{listed}");
}

/// `aqs generate --mediawiki-history` of the snapshot of `day` (YYYY-MM-DD) into `dir`.
fn generate_history(dir: &Path, day: &str, edits_per_day: &str, seed: &str) {
    let out = run_ok(&[
        "generate",
        "--mediawiki-history",
        "--edits-per-day",
        edits_per_day,
        "--seed",
        seed,
        "--out",
        dir.to_str().unwrap(),
        "--start",
        day,
        "--days",
        "1",
    ]);
    assert!(out.contains(&format!("MediaWiki history snapshot {}", &day[..7])), "{out}");
}

/// A working directory holding a history of four wikis up to March 2024 generated into
/// `dumps/` (`edits_per_day`, `seed`): the directory (removed on drop), the dumps, and where a
/// store goes (`data/`).
fn march_history(edits_per_day: &str, seed: &str) -> (tempfile::TempDir, PathBuf, PathBuf) {
    let work = tempfile::tempdir().unwrap();
    let (dumps, data) = (work.path().join("dumps"), work.path().join("data"));
    generate_history(&dumps, "2024-03-31", edits_per_day, seed);
    (work, dumps, data)
}

/// Loads the history files under `dumps`, writing the per-page, per-editor and top-list rows
/// in batches of `rows` as months end (what a large wiki's load does with a million).
fn load_in_batches(data: &Path, dumps: &Path, rows: &str) {
    let out = std::process::Command::new(AQS)
        .args(["load", "--data", data.to_str().unwrap(), "--max-bad-share", "0.001"])
        .arg(dumps)
        .env("AQS_TEST_HISTORY_BATCH_ROWS", rows)
        .output()
        .expect("aqs runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

/// The article ids of the store in `data` that `aqs stats` reports: (in use, free to reuse,
/// being given back).
fn article_ids(data: &str) -> (u64, u64, u64) {
    let stats = run_ok(&["stats", "--data", data]);
    let line = stats.lines().find(|l| l.starts_with("article ids:")).expect("an ids line");
    let numbers: Vec<u64> =
        line.split_whitespace().filter_map(|w| w.trim_end_matches(',').parse().ok()).collect();
    (numbers[0], numbers[1], numbers[2])
}

/// `aqs` with these arguments, which must fail: its output.
fn run_failing(args: &[&str]) -> String {
    let out = std::process::Command::new(AQS).args(args).output().expect("aqs runs");
    let text =
        format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(!out.status.success(), "aqs {args:?} succeeded:\n{text}");
    text
}

/// A snapshot that lost a wiki fails its check against the active one: activation refuses it
/// (the served snapshot stays) unless forced, and `check --json` says why, exiting 1.
#[test]
fn a_snapshot_that_fails_its_check_is_not_activated_unless_forced() {
    let work = tempfile::tempdir().unwrap();
    let (march, april, data) =
        (work.path().join("march"), work.path().join("april"), work.path().join("data"));
    generate_history(&march, "2024-03-31", "12", "5");
    generate_history(&april, "2024-04-30", "12", "5");
    std::fs::remove_dir_all(april.join("other/mediawiki_history/2024-04/yowiki")).unwrap();
    let history = |dir: &Path| dir.join("other/mediawiki_history");
    load(&data, "0.001", &history(&march));
    load(&data, "0.001", &history(&april));
    let d = data.to_str().unwrap();
    let first = run_ok(&["snapshot", "activate", "--data", d, "2024-03"]);
    assert!(!first.contains("check of"), "nothing to compare the first with: {first}");
    let none = run_failing(&["snapshot", "rollback", "--data", d]);
    assert!(none.contains("nothing to roll back to"), "{none}");

    let refused = run_failing(&["snapshot", "activate", "--data", d, "2024-04"]);
    assert!(refused.contains("check of 2024-04 against 2024-03: FAILED"), "{refused}");
    assert!(refused.contains("yo.wikipedia: no rows"), "{refused}");
    assert!(refused.contains("was not activated"), "{refused}");
    let listed = run_ok(&["snapshot", "list", "--data", d]);
    assert!(listed.lines().any(|l| l.starts_with("2024-03") && l.ends_with("yes")), "{listed}");

    let json = run_failing(&["snapshot", "check", "--data", d, "--json", "2024-04"]);
    let report: serde_json::Value = serde_json::from_str(json.lines().next().unwrap()).unwrap();
    assert_eq!(report["ok"], false);
    assert_eq!(report["against"], "2024-03");
    assert_eq!(report["problems"][0], "yo.wikipedia: no rows (the earlier snapshot has some)");
    // A snapshot checked against itself passes.
    let passed = run_ok(&["snapshot", "check", "--data", d, "2024-03", "--against", "2024-03"]);
    assert!(passed.contains("passed"), "{passed}");

    let forced = run_ok(&["snapshot", "activate", "--data", d, "--force", "2024-04"]);
    assert!(forced.contains("FAILED") && forced.contains("active: 2024-04"), "{forced}");
}

#[test]
fn bad_requests_get_the_original_errors() {
    let work = tempfile::tempdir().unwrap();
    let (_server, address) = serve(&work.path().join("data"));
    for (path, status, needle) in [
        (
            "/metrics/edits/aggregate/en.wikipedia/bots/all-page-types/daily/20240101/20240102",
            400,
            "editor-type",
        ),
        (
            "/metrics/edits/aggregate/en.wikipedia/user/pages/daily/20240101/20240102",
            400,
            "page-type",
        ),
        (
            "/metrics/edits/aggregate/en.wikipedia/user/content/weekly/20240101/20240102",
            400,
            "granularity",
        ),
        (
            "/metrics/edits/aggregate/en|wikipedia/user/content/daily/20240101/20240102",
            400,
            "charaters",
        ),
        (
            "/metrics/edited-pages/new/en.wikipedia/user/content/daily/20240102/20240101",
            400,
            "start timestamp should be before the end timestamp",
        ),
        (
            "/metrics/bytes-difference/net/aggregate/en.wikipedia/user/content/monthly/20170101/20170131",
            400,
            "no full months found",
        ),
        (
            "/metrics/registered-users/new/en.wikipedia/daily/20240132/20240201",
            400,
            "start timestamp is invalid",
        ),
        (
            "/metrics/registered-users/new/all-fish-projects/daily/20240101/20240103",
            200,
            "\"results\":[]",
        ),
        (
            "/metrics/editors/aggregate/all-projects/user/content/all-activity-levels/daily/20240101/20240102",
            400,
            "not accepted for this metric",
        ),
        (
            "/metrics/edited-pages/aggregate/en.wikipedia/user/content/3..47-edits/daily/20240101/20240102",
            400,
            "activity-level",
        ),
    ] {
        let (got, body) = http_get(&address, path);
        assert_eq!(got, status, "{path}: {body}");
        assert!(body.contains(needle), "{path}: {body}");
    }
}

/// Loading a wiki again replaces what it held in the snapshot: a month its new files no longer
/// hold reads 0, the other wikis keep theirs, and the next activation sums the families again.
#[test]
fn a_wiki_loaded_again_replaces_what_it_held() {
    let (_work, dumps, data) = march_history("60", "8");
    let d = data.to_str().unwrap();
    load(&data, "0.001", &dumps.join("other/mediawiki_history"));
    run_ok(&["snapshot", "activate", "--data", d, "2024-03"]);
    let (_server, address) = serve(&data);
    let monthly = |project: &str| {
        let path = format!(
            "/metrics/edits/aggregate/{project}/all-editor-types/all-page-types/monthly/20240101/20240401"
        );
        answer(&address, &path, "edits").into_iter().map(|r| r.1).collect::<Vec<i64>>()
    };
    let (en, de, all) = (monthly("en.wikipedia"), monthly("de.wikipedia"), monthly("all-projects"));
    assert!(en.iter().chain(&de).all(|n| *n > 0), "{en:?} {de:?}");
    // The page with the most edits in March: its rows go with the load that wrote them.
    let want = plain::expected_per_entity(&dumps);
    let march = |k: &(String, String, String, String, String)| {
        k.0 == "en.wikipedia"
            && k.1 == "page"
            && k.3 == "all-editor-types"
            && k.4.as_str() >= "2024-03"
    };
    let (page, _) = want.iter().filter(|(k, _)| march(k)).max_by_key(|(_, v)| v[0]).unwrap();
    let per_page = || {
        let path = format!(
            "/metrics/edits/per-page/en.wikipedia/{}/all-editor-types/monthly/20240101/20240401",
            per_entity::segment(&page.2)
        );
        answer(&address, &path, "edits").into_iter().map(|r| r.1).collect::<Vec<i64>>()
    };
    let page_before = per_page();
    assert!(page_before[2] > 0, "{page_before:?}");

    let (first_ids, no_free, no_pending) = article_ids(d);
    assert!(first_ids > 1000 && no_free == 0 && no_pending == 0, "{first_ids} {no_free}");
    let enwiki = dumps.join("other/mediawiki_history/2024-03/enwiki");
    let march = std::fs::read(enwiki.join("2024-03.enwiki.2024-03.tsv.bz2")).unwrap();
    std::fs::remove_file(enwiki.join("2024-03.enwiki.2024-03.tsv.bz2")).unwrap();
    let report = load(&data, "0.001", &enwiki);
    assert!(report.contains("mediawiki history"), "{report}");
    assert_eq!(monthly("en.wikipedia"), [en[0], en[1], 0], "March is gone, the rest kept");
    assert_eq!(per_page(), [page_before[0], page_before[1], 0]);
    assert_eq!(monthly("de.wikipedia"), de);
    assert_eq!(monthly("all-projects"), all, "families are summed at activation");
    run_ok(&["snapshot", "activate", "--data", d, "2024-03"]);
    assert_eq!(monthly("all-projects"), [all[0], all[1], all[2] - en[2]]);
    // The load it replaced gave its names' ids back once this one was written.
    let (in_use, free, pending) = article_ids(d);
    assert!(in_use < first_ids && free > 0 && pending == 0, "{in_use} {free} {first_ids}");

    // A load that fails at its last file, after its earlier months' per-page rows were
    // written: readers still read the load before it.
    let bad = enwiki.join("2024-03.enwiki.2024-03.tsv.bz2");
    let mut encoder = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::fast());
    std::io::Write::write_all(&mut encoder, b"not\ta\thistory\tline\n".repeat(50).as_slice())
        .unwrap();
    std::fs::write(&bad, encoder.finish().unwrap()).unwrap();
    // Months are written as they end (one row at a time here), before the bad file.
    let failed = std::process::Command::new(AQS)
        .args(["load", "--data", d, "--max-bad-share", "0.001", enwiki.to_str().unwrap()])
        .env("AQS_TEST_HISTORY_BATCH_ROWS", "1")
        .output()
        .unwrap();
    assert!(!failed.status.success());
    let failed = String::from_utf8_lossy(&failed.stderr);
    assert!(failed.contains("2024-03.enwiki.2024-03.tsv.bz2"), "{failed}");
    assert_eq!(per_page(), [page_before[0], page_before[1], 0], "the failed load is not read");
    assert_eq!(monthly("en.wikipedia"), [en[0], en[1], 0]);
    assert_eq!(article_ids(d), (in_use, free, 0), "the failed load gave back what it took");

    // Loaded whole again: its names take the ids given back, and no id is numbered anew.
    std::fs::write(&bad, &march).unwrap();
    load(&data, "0.001", &enwiki);
    assert_eq!(article_ids(d), (first_ids, in_use + free - first_ids, 0));
    assert_eq!(per_page(), page_before);
}

/// An activation keeps the two newest snapshots (and the active one) and drops the others;
/// `aqs snapshot drop` deletes one, never the active one; a dropped snapshot is listed no
/// more and rolled back to never.
#[test]
fn snapshots_beyond_the_two_newest_are_dropped_and_the_active_one_never() {
    let work = tempfile::tempdir().unwrap();
    let data = work.path().join("data");
    let d = data.to_str().unwrap();
    for day in ["2024-03-31", "2024-04-30", "2024-05-31"] {
        let dumps = work.path().join(day);
        generate_history(&dumps, day, "12", "5");
        load(&data, "0.001", &dumps.join("other/mediawiki_history"));
    }
    let first = run_ok(&["snapshot", "activate", "--data", d, "2024-03"]);
    assert!(!first.contains("dropped"), "the active one is kept: {first}");
    let refused = run_failing(&["snapshot", "drop", "--data", d, "2024-03"]);
    assert!(refused.contains("is the active one"), "{refused}");

    let (_server, address) = serve(&data);
    let path =
        "/metrics/edits/per-page/all-projects/Article_1/all-editor-types/monthly/20230501/20240501";
    let of_april = |address: &str| answer(address, path, "edits");
    let second = run_ok(&["snapshot", "activate", "--data", d, "--force", "2024-04"]);
    assert!(second.contains("dropped: 2024-03"), "{second}");
    let served = of_april(&address);
    assert!(served.iter().any(|r| r.1 > 0), "{served:?}");
    // Activating it again replaces its family top lists: the store does not grow.
    let entries = || {
        let stats = run_ok(&["stats", "--data", d]);
        let line = stats.lines().find(|l| l.trim_start().starts_with("series_tables")).unwrap();
        line.split_whitespace().rev().nth(1).unwrap().to_string()
    };
    let before = entries();
    run_ok(&["snapshot", "activate", "--data", d, "--force", "2024-04"]);
    // One entry more: the settled record of the replaced lists' load (`history_load_attempts`,
    // deleted with the snapshot); the lists themselves are thousands.
    let after: u64 = entries().parse().unwrap();
    assert_eq!(
        after,
        before.parse::<u64>().unwrap() + 1,
        "the earlier activation's lists are deleted"
    );
    assert_eq!(of_april(&address), served);
    let listed = run_ok(&["snapshot", "list", "--data", d]);
    assert!(!listed.contains("2024-03") && listed.contains("2024-05"), "{listed}");
    let none = run_failing(&["snapshot", "rollback", "--data", d]);
    assert!(none.contains("nothing to roll back to"), "a dropped snapshot is not one: {none}");

    let (_, free_before, _) = article_ids(d);
    let dropped = run_ok(&["snapshot", "drop", "--data", d, "2024-05"]);
    assert!(dropped.contains("dropped: 2024-05"), "{dropped}");
    // It says what it gave back (in its log), and `aqs stats` agrees.
    let given: u64 = dropped
        .lines()
        .filter_map(|l| l.split_once("gave back ")?.1.split_once(' ')?.0.parse::<u64>().ok())
        .sum();
    assert!(given > 0, "{dropped}");
    assert_eq!(article_ids(d).1, free_before + given);
    let listed = run_ok(&["snapshot", "list", "--data", d]);
    assert_eq!(listed.lines().filter(|l| l.starts_with("2024-")).count(), 1, "{listed}");
    let again = run_failing(&["snapshot", "drop", "--data", d, "2024-05"]);
    assert!(again.contains("holds no snapshot 2024-05"), "{again}");
    // The dropped snapshots gave their names' ids back: loading May's dumps again (as the
    // snapshot of June) takes them.
    let (in_use, free, pending) = article_ids(d);
    assert!(free > 0 && pending == 0, "{in_use} {free}");
    let may = work.path().join("2024-05-31/other/mediawiki_history");
    let may = may.to_str().unwrap();
    let bad = run_failing(&["load", "--data", d, "--snapshot", "2024-13", may]);
    assert!(bad.contains("\"2024-13\" is not a snapshot name: expected YYYY-MM"), "{bad}");
    run_ok(&["load", "--data", d, "--snapshot", "2024-06", may]);
    let listed = run_ok(&["snapshot", "list", "--data", d]);
    assert!(listed.contains("2024-06") && !listed.contains("2024-05"), "{listed}");
    let (in_use_again, free_again, _) = article_ids(d);
    assert!(in_use_again > in_use, "{in_use_again} {in_use}");
    assert_eq!(in_use_again + free_again, in_use + free, "no id beyond the given-back ones");
    assert_eq!(of_april(&address), served, "the active snapshot's answers stay");
    let top = "/metrics/editors/top-by-edits/en.wikipedia/all-editor-types/all-page-types/2024/04/all-days";
    assert!(get_json(&address, top)["items"][0]["results"][0]["top"].as_array().is_some());
}

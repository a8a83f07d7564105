//! Production serving through the binary: live operator controls, `aqs check`, JSON access
//! logs, rate limits under abuse, and SIGTERM.

use crate::common::*;
use std::io::Write;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

const TOKEN: &str = "test-admin-token";

/// A small store: two days of generated dumps, loaded.
fn loaded_store(dir: &Path) -> std::path::PathBuf {
    let (dumps, data) = (dir.join("dumps"), dir.join("data"));
    generate(&dumps, "2024-03-01", 2, 2, 500, 1);
    load(&data, "0.02", &dumps);
    data
}

/// `aqs [GLOBAL...] serve --data DATA [EXTRA...]` on a free port, with the production rate
/// limits: (server, address).
fn serve_data(global: &[&str], data: &Path, extra: &[&str]) -> (Running, String) {
    let mut args = global.to_vec();
    args.extend(["serve", "--listen", "127.0.0.1:0", "--data", data.to_str().unwrap()]);
    args.extend_from_slice(extra);
    let server = start(&args, &[]);
    let address = address_after(&server, "listening on http://");
    (server, address)
}

/// `aqs serve` with the admin endpoint on a free port: (server, address, admin address).
fn serve_with_admin(extra: &[&str]) -> (Running, String, String) {
    let mut args = vec![
        "serve",
        "--listen",
        "127.0.0.1:0",
        "--admin-listen",
        "127.0.0.1:0",
        "--rate-limit-mode",
        "off",
    ];
    args.extend_from_slice(extra);
    let server = start(&args, &[("AQS_ADMIN_TOKEN", TOKEN)]);
    let admin = address_after(&server, "admin endpoint on http://");
    let address = address_after(&server, "listening on http://");
    (server, address, admin)
}

fn aqs(args: &[&str], admin: &str) -> std::process::Output {
    Command::new(AQS)
        .args(args)
        .env("AQS_ADMIN_URL", format!("http://{admin}"))
        .env("AQS_ADMIN_TOKEN", TOKEN)
        .output()
        .unwrap()
}

fn stdout(out: &std::process::Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}

const MAIN_PAGE: &str = "/metrics/pageviews/per-article/en.wikipedia/all-access/all-agents/Main_Page/daily/20240301/20240302";
const TOP: &str = "/metrics/pageviews/top/en.wikipedia/all-access/2024/03/01";

fn top_titles(address: &str) -> Vec<String> {
    let top = get_json(address, TOP);
    top["items"][0]["articles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["article"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn operators_hide_an_article_at_once_and_the_list_survives_a_restart() {
    let work = tempfile::tempdir().unwrap();
    let data = loaded_store(work.path());
    let (server, address, admin) = serve_with_admin(&["--data", data.to_str().unwrap()]);
    assert_eq!(http_get(&address, MAIN_PAGE).0, 200);
    assert!(top_titles(&address).contains(&"Main_Page".to_string()));

    let added = aqs(&["disallow", "add", "en.wikipedia.org", "main page"], &admin);
    assert!(added.status.success(), "{}", stdout(&added));
    assert!(stdout(&added).contains("hidden: en.wikipedia main_page"), "{}", stdout(&added));
    assert_eq!(http_get(&address, MAIN_PAGE).0, 404, "hidden at once (the cache is on)");
    assert!(!top_titles(&address).contains(&"Main_Page".to_string()));
    let listed = aqs(&["disallow", "list"], &admin);
    assert_eq!(String::from_utf8_lossy(&listed.stdout), "en.wikipedia\tmain_page\n");
    let file = std::fs::read_to_string(data.join("disallowed.tsv")).unwrap();
    assert_eq!(file, "en.wikipedia\tmain_page\n");

    // A wrong token changes nothing and says why.
    let refused = Command::new(AQS)
        .args(["disallow", "remove", "en.wikipedia", "Main_Page"])
        .env("AQS_ADMIN_URL", format!("http://{admin}"))
        .env("AQS_ADMIN_TOKEN", "wrong")
        .output()
        .unwrap();
    assert!(!refused.status.success());
    assert!(stdout(&refused).contains("401"), "{}", stdout(&refused));

    // A restart keeps the list.
    drop(server);
    let (_server, address, admin) = serve_with_admin(&["--data", data.to_str().unwrap()]);
    assert_eq!(http_get(&address, MAIN_PAGE).0, 404);
    let removed = aqs(&["disallow", "remove", "en.wikipedia", "Main_Page"], &admin);
    assert!(stdout(&removed).contains("shown again"), "{}", stdout(&removed));
    assert_eq!(http_get(&address, MAIN_PAGE).0, 200);
    assert!(top_titles(&address).contains(&"Main_Page".to_string()));

    // Loads into this store read the server's list without a flag.
    assert!(aqs(&["disallow", "add", "en.wikipedia", "Main_Page"], &admin).status.success());
    // Loads into this store leave it out too, without a flag.
    let reload = run_ok(&[
        "load",
        "--data",
        data.to_str().unwrap(),
        "--max-bad-share",
        "0.02",
        work.path().join("dumps").to_str().unwrap(),
    ]);
    assert!(reload.contains("disallowed rows:"), "{reload}");
}

#[test]
fn an_allowlist_reload_serves_a_new_wiki_without_a_restart() {
    let work = tempfile::tempdir().unwrap();
    let data = loaded_store(work.path());
    let allowlist = work.path().join("allowlist.tsv");
    std::fs::write(&allowlist, "project\tde.wikipedia\t2015-01-01 00:00:00\n").unwrap();
    let (_server, address, admin) = serve_with_admin(&[
        "--data",
        data.to_str().unwrap(),
        "--allowlist",
        allowlist.to_str().unwrap(),
    ]);
    assert_eq!(http_get(&address, MAIN_PAGE).0, 404);
    std::fs::write(
        &allowlist,
        "project\tde.wikipedia\t2015-01-01 00:00:00\nproject\ten.wikipedia\t2026-11-22 00:00:00\n",
    )
    .unwrap();
    let reload = aqs(&["allowlist", "reload"], &admin);
    assert!(reload.status.success(), "{}", stdout(&reload));
    assert!(stdout(&reload).contains("2 projects"), "{}", stdout(&reload));
    assert_eq!(http_get(&address, MAIN_PAGE).0, 200);
    // A broken file is refused and the list in use stays.
    std::fs::write(&allowlist, "nonsense\n").unwrap();
    let broken = aqs(&["allowlist", "reload"], &admin);
    assert!(!broken.status.success());
    assert!(stdout(&broken).contains("allowlist.tsv:1:"), "{}", stdout(&broken));
    assert_eq!(http_get(&address, MAIN_PAGE).0, 200);
}

#[test]
fn check_runs_every_example_and_fails_without_the_probe_rows() {
    let work = tempfile::tempdir().unwrap();
    let data = loaded_store(work.path());
    let (server, address) = serve(&data);
    let url = format!("http://{address}");
    let failed = Command::new(AQS).args(["check", "--url", &url]).output().unwrap();
    assert!(!failed.status.success());
    let text = stdout(&failed);
    assert!(text.contains("FAIL") && text.contains("aqs add-probe-rows"), "{text}");
    drop(server);

    run_ok(&["add-probe-rows", "--data", data.to_str().unwrap()]);
    let (_server, address) = serve(&data);
    let passed = run_ok(&["check", "--url", &format!("http://{address}")]);
    assert!(passed.contains("all checks passed"), "{passed}");
    for route in ["per-article", "aggregate", "top"] {
        assert!(passed.contains(&format!("/metrics/pageviews/{route}/")), "{passed}");
    }
    for route in [
        "unique-devices",
        "legacy/pagecounts/aggregate",
        "editors/by-country",
        "knowledge-gap/per-category",
        "pageviews/top-by-country",
        "pageviews/top-per-country",
        "mediarequests/aggregate",
        "mediarequests/top",
    ] {
        assert!(passed.contains(&format!("/metrics/{route}/")), "{passed}");
    }
    let down = Command::new(AQS).args(["check", "--url", "http://127.0.0.1:9"]).output().unwrap();
    assert!(!down.status.success());
}

#[test]
fn access_logs_are_json_with_the_request_id() {
    let work = tempfile::tempdir().unwrap();
    let data = loaded_store(work.path());
    let (server, address) = serve_data(&["--log-format", "json"], &data, &[]);
    let answer = Client::connect(&address).get(MAIN_PAGE, &[("x-request-id", "trace-me-7")]);
    assert_eq!(answer.status, 200);
    assert_eq!(answer.header("x-request-id"), Some("trace-me-7"));
    let line = server.wait_for("trace-me-7", Duration::from_secs(10));
    let log: serde_json::Value = serde_json::from_str(&line).expect("a JSON log line");
    assert_eq!(log["target"], "aqs::access");
    assert_eq!(log["status"], 200);
    assert_eq!(log["route"], "pageviews/per-article");
    assert_eq!(log["path"], MAIN_PAGE);
    assert_eq!(log["client"], "127.0.0.1");
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

/// A well-behaved client's latencies: `n` requests, 20 ms apart.
fn polite_latencies(address: &str, n: usize) -> Vec<Duration> {
    let mut client = Client::connect(address);
    let mut latencies = Vec::new();
    for _ in 0..n {
        let started = Instant::now();
        let answer = client.get(MAIN_PAGE, &[("x-forwarded-for", "198.51.100.1")]);
        latencies.push(started.elapsed());
        assert_eq!(answer.status, 200, "the polite client is never throttled");
        std::thread::sleep(Duration::from_millis(20));
    }
    latencies
}

#[test]
fn an_abusive_client_gets_429s_and_barely_slows_others() {
    let work = tempfile::tempdir().unwrap();
    let data = loaded_store(work.path());
    let (server, address) =
        serve_data(&[], &data, &["--trusted-proxy", "127.0.0.1", "--access-log", "false"]);
    let baseline = median(polite_latencies(&address, 40));
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let abusers: Vec<_> = (0..2)
        .map(|_| {
            let (address, stop) = (address.clone(), stop.clone());
            std::thread::spawn(move || {
                let mut client = Client::connect(&address);
                let (mut ok, mut throttled) = (0u64, 0u64);
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    match client.get(MAIN_PAGE, &[("x-forwarded-for", "203.0.113.66")]).status {
                        200 => ok += 1,
                        429 => throttled += 1,
                        other => panic!("abuser got {other}"),
                    }
                }
                (ok, throttled)
            })
        })
        .collect();
    std::thread::sleep(Duration::from_millis(200));
    let under_abuse = median(polite_latencies(&address, 40));
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let (mut ok, mut throttled) = (0, 0);
    for abuser in abusers {
        let (o, t) = abuser.join().unwrap();
        ok += o;
        throttled += t;
    }
    assert!(throttled > ok, "the abuser is throttled: {ok} served, {throttled} refused");
    // `--access-log false`: not one access line for all these requests.
    let access_lines = server.lines.try_iter().filter(|l| l.contains("aqs::access")).count();
    assert_eq!(access_lines, 0);
    assert!(ok <= 100 + 100 * 3, "at most the bucket plus 100/s over ~2 s: {ok}");
    // Loose: the polite client's median stays within a few milliseconds of its baseline.
    assert!(
        under_abuse <= baseline * 4 + Duration::from_millis(25),
        "median latency {baseline:?} alone, {under_abuse:?} beside the abuser"
    );
}

#[cfg(unix)]
#[test]
fn sigterm_stops_the_server_and_exits_zero() {
    let work = tempfile::tempdir().unwrap();
    let data = loaded_store(work.path());
    let (mut server, address) =
        serve_with(&["--data", data.to_str().unwrap(), "--request-timeout-ms", "1000"]);
    assert_eq!(http_get(&address, MAIN_PAGE).0, 200);
    // An idle keep-alive connection must not hold the shutdown up, nor a client that sends
    // half a request and stops (hyper would wait for the rest: the server stops once no
    // request can be running, its timeout and a second after the signal).
    let _idle = Client::connect(&address);
    let mut half = std::net::TcpStream::connect(&address).unwrap();
    write!(half, "GET /healthz HTTP/1.1\r\nHost: {address}\r\n").unwrap();
    std::thread::sleep(Duration::from_millis(300)); // read before the signal
    let pid = server.child.id().to_string();
    let signalled = Instant::now();
    assert!(Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
    let deadline = Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Some(status) = server.child.try_wait().unwrap() {
            break status;
        }
        assert!(Instant::now() < deadline, "the server did not stop");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "{status:?}");
    assert!(signalled.elapsed() < Duration::from_secs(10), "{:?}", signalled.elapsed());
    server.wait_for("stopped", Duration::from_secs(5));
    assert!(std::net::TcpStream::connect(&address).is_err(), "no longer accepting");
}

#[test]
fn load_outcomes_go_to_the_metrics_file() {
    let work = tempfile::tempdir().unwrap();
    let data = loaded_store(work.path());
    let prom = work.path().join("aqs_load.prom");
    let dumps = work.path().join("dumps");
    run_ok(&[
        "load",
        "--data",
        data.to_str().unwrap(),
        "--max-bad-share",
        "0.02",
        "--metrics-file",
        prom.to_str().unwrap(),
        dumps.to_str().unwrap(),
    ]);
    let bogus = work.path().join("pageviews-20240303-user.bz2");
    std::fs::write(&bogus, b"not bzip2").unwrap();
    let failed = Command::new(AQS)
        .args(["load", "--data", data.to_str().unwrap(), "--metrics-file", prom.to_str().unwrap()])
        .arg(&bogus)
        .output()
        .unwrap();
    assert!(!failed.status.success());
    let text = std::fs::read_to_string(&prom).unwrap();
    assert!(text.contains("aqs_loads_total{outcome=\"ok\"} 1\n"), "{text}");
    assert!(text.contains("aqs_loads_total{outcome=\"failed\"} 1\n"), "{text}");
    assert!(text.contains("aqs_load_last_success_timestamp_seconds "), "{text}");
}

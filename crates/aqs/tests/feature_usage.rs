//! API feature usage end to end: `aqs serve` taking events over HTTP (a `kill -9` loses no
//! acknowledged event), `aqs feature-usage ingest` from files, and ingestion on an address of
//! its own.

mod common;

use common::{AQS, Running, browse, chromium, get_json, http_post, screenshots, serve, start};
use std::io::Write;
use std::time::Duration;

fn events(agent: &str, feature: &str, n: usize) -> String {
    (0..n)
        .map(|i| {
            serde_json::json!({"feature": feature, "agent": agent, "ip": format!("192.0.2.{}", i % 200)})
                .to_string()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The uses of `feature` by agents starting with `agent`, summed over the days answered.
fn uses(address: &str, agent: &str, feature: &str) -> u64 {
    let path = format!(
        "/w/api.php?action=query&meta=featureusage&format=json&afuagent={agent}&afufeatures={feature}"
    );
    let answer = get_json(address, &path);
    let usage = answer["query"]["featureusage"]["usage"].as_array().expect("usage").clone();
    usage.iter().map(|u| u["count"].as_u64().unwrap()).sum()
}

#[test]
fn a_kill_9_right_after_acknowledged_posts_loses_none_of_them() {
    let data = tempfile::tempdir().unwrap();
    let (mut server, address) = serve(data.path());
    let posting = address.clone();
    // Post batches of 250 events until the server dies; count what was acknowledged.
    let poster = std::thread::spawn(move || {
        let (mut acknowledged, mut last) = (0u64, 0u64);
        loop {
            let batch = events("Durable/1.0", "f", 250);
            let sent =
                std::panic::catch_unwind(|| http_post(&posting, "/feature-usage/events", &batch));
            match sent {
                Ok((200, body)) => {
                    let report: serde_json::Value = serde_json::from_str(&body).unwrap();
                    assert_eq!(report["counted"], 250, "{body}");
                    acknowledged += 250;
                }
                _ => return (acknowledged, last),
            }
            last = acknowledged;
        }
    });
    std::thread::sleep(Duration::from_millis(1500));
    server.child.kill().unwrap(); // SIGKILL
    server.child.wait().unwrap();
    let (acknowledged, _) = poster.join().unwrap();
    assert!(acknowledged >= 250, "some posts were acknowledged before the kill");
    drop(server);
    let (_server, address) = serve(data.path());
    let stored = uses(&address, "Durable", "f");
    // Every acknowledged event is there; at most the batch in flight at the kill is too.
    assert!(
        stored == acknowledged || stored == acknowledged + 250,
        "stored {stored}, acknowledged {acknowledged}"
    );
}

#[test]
fn the_ingest_command_counts_files_and_names_refused_lines() {
    let data = tempfile::tempdir().unwrap();
    let file = data.path().join("events.jsonl");
    let gz = data.path().join("more.jsonl.gz");
    let lines = format!("{}\nnot json\n{}\n", events("Cli/1", "a", 3), events("Cli/2", "b", 2));
    let mut bytes = lines.into_bytes();
    // Line 7 is not UTF-8: refused as bad_json, by its number.
    bytes.extend_from_slice(b"{\"feature\":\"a\",\"agent\":\"Cli/\xff\"}\n");
    std::fs::write(&file, bytes).unwrap();
    let mut encoder = flate2::write::GzEncoder::new(
        std::fs::File::create(&gz).unwrap(),
        flate2::Compression::fast(),
    );
    encoder.write_all(events("Cli/3", "a", 4).as_bytes()).unwrap();
    encoder.finish().unwrap();
    let out = std::process::Command::new(AQS)
        .args([
            "feature-usage",
            "ingest",
            "--data",
            data.path().to_str().unwrap(),
            file.to_str().unwrap(),
            gz.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    let text =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{text}");
    assert!(text.contains("counted: 9 (new rows 3"), "{text}");
    assert!(text.contains("refused: 2 (bad_json 2)"), "{text}");
    assert!(text.contains(&format!("{}:7: bad_json", file.display())), "{text}");
    assert!(text.contains(&format!("{}:4: bad_json", file.display())), "{text}");
    // A wrong flag is named.
    let out = std::process::Command::new(AQS)
        .args(["feature-usage", "ingest", "--data", "x", "--feature-usage-new-rows", "30", "-"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("is not N/SECONDS"));
    let (_server, address) = serve(data.path());
    assert_eq!(uses(&address, "Cli", "a"), 7);
    assert_eq!(uses(&address, "Cli/2", "b"), 2);
}

#[test]
fn ingestion_can_have_an_address_of_its_own() {
    let data = tempfile::tempdir().unwrap();
    let args = [
        "serve",
        "--listen",
        "127.0.0.1:0",
        "--rate-limit-mode",
        "off",
        "--data",
        data.path().to_str().unwrap(),
        "--feature-usage-listen",
        "127.0.0.1:0",
    ];
    let server: Running = start(&args, &[]);
    let line = server.wait_for("feature usage events on http://", Duration::from_secs(30));
    let ingest = line.trim().trim_start_matches("feature usage events on http://").to_string();
    let line = server.wait_for("listening on http://", Duration::from_secs(30));
    let address = line.trim().trim_start_matches("listening on http://").to_string();
    assert_eq!(http_post(&address, "/feature-usage/events", &events("Side/1", "f", 2)).0, 404);
    assert_eq!(http_post(&ingest, "/feature-usage/events", &events("Side/1", "f", 2)).0, 200);
    assert_eq!(uses(&address, "Side", "f"), 2);
}

/// The page in a real browser (headless Chromium; `scripts/test.sh` installs it and sets
/// AQS_TEST_CHROMIUM): the table and chart are in the DOM, and screenshots at desktop and
/// phone width are saved under target/screenshots/ to look at.
#[test]
fn the_page_renders_in_a_browser_at_desktop_and_phone_width() {
    let Some(chromium) = chromium() else { return };
    let data = tempfile::tempdir().unwrap();
    let (_server, address) = serve(data.path());
    let mut body = events("Pywikibot/9.4.1 (User:A)", "action=query&list=allpages&apfrom", 40);
    for (feature, n) in [("https-expected", 25), ("action=login", 12), ("action=tokens", 5)] {
        body = format!("{body}\n{}", events("Pywikibot/8.6.0 (User:B)", feature, n));
    }
    assert_eq!(http_post(&address, "/feature-usage/events", &body).0, 200);
    let url = format!("http://{address}/feature-usage/?agent=Pywikibot");
    let shots = screenshots();
    let browse = |args: &[&str]| browse(&chromium, &url, args);
    let dom = browse(&["--dump-dom"]);
    assert_eq!(dom.matches("<tr><td>").count(), 4, "{dom}");
    assert_eq!(dom.matches("<polyline").count(), 4);
    assert_eq!(dom.matches("<circle").count(), 4, "one day: a dot per feature");
    assert!(dom.contains("name=\"viewport\""));
    // The script ran (the page's policy lets its own script in): headers became focusable.
    assert!(dom.contains("tabindex=\"0\""), "{dom}");
    for (name, size) in [("desktop", "1280,900"), ("phone", "390,844")] {
        let png = shots.join(format!("feature-usage-{name}.png"));
        let _ = std::fs::remove_file(&png);
        browse(&[&format!("--window-size={size}"), &format!("--screenshot={}", png.display())]);
        assert!(std::fs::metadata(&png).map(|m| m.len() > 1000).unwrap_or(false), "{png:?}");
    }
}

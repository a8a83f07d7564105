//! History loads killed (SIGKILL) before they were done: what they wrote is never read, and
//! the next load deletes it, whether the kill came before readers were switched to the new
//! load (its early rows are left) or after (the load it replaced is left).

use super::{answer, article_ids, load_in_batches, march_history, per_entity, plain, run_failing};
use crate::common::*;
use std::path::Path;
use std::time::Duration;

/// Starts a load of `dumps` into `data` that writes its months early and stops at `pause`
/// (`AQS_TEST_PAUSE_HISTORY`); returns it once it is there, with the lines it printed
/// before.
fn paused_load(data: &Path, dumps: &Path, pause: &str, wait_first: Option<&str>) -> Running {
    let args = ["load", "--data", data.to_str().unwrap(), "--max-bad-share", "0.001"];
    let mut args: Vec<&str> = args.to_vec();
    args.push(dumps.to_str().unwrap());
    let env = [("AQS_TEST_HISTORY_BATCH_ROWS", "1"), ("AQS_TEST_PAUSE_HISTORY", pause)];
    let running = start(&args, &env);
    if let Some(line) = wait_first {
        running.wait_for(line, Duration::from_secs(120));
    }
    running.wait_for(&format!("test pause: {pause}"), Duration::from_secs(120));
    running
}

fn kill(mut running: Running) {
    running.child.kill().unwrap();
    running.child.wait().unwrap();
}

#[test]
fn what_a_killed_load_wrote_is_deleted_by_the_next_load() {
    let (_work, dumps, data) = march_history("40", "11");
    let d = data.to_str().unwrap();
    let enwiki = dumps.join("other/mediawiki_history/2024-03/enwiki");
    load_in_batches(&data, &dumps.join("other/mediawiki_history"), "1");
    run_ok(&["snapshot", "activate", "--data", d, "2024-03"]);
    let (_server, address) = serve(&data);
    // The page with the most edits, per page, and the wiki's edits.
    let want = plain::expected_per_entity(&dumps);
    let pages = want.iter().filter(|(k, _)| {
        k.0 == "en.wikipedia" && k.1 == "page" && k.3 == "all-editor-types" && k.2.len() < 60
    });
    let (page, _) = pages.max_by_key(|(_, v)| v[0]).unwrap();
    let paths = [
        format!(
            "/metrics/edits/per-page/en.wikipedia/{}/all-editor-types/monthly/20240101/20240401",
            per_entity::segment(&page.2)
        ),
        "/metrics/edits/aggregate/en.wikipedia/all-editor-types/all-page-types/monthly/20240101/20240401"
            .to_string(),
    ];
    let answers = || paths.iter().map(|p| answer(&address, p, "edits")).collect::<Vec<_>>();
    let before = answers();
    assert!(before.iter().all(|a| a.iter().any(|r| r.1 > 0)), "{before:?}");
    let (in_use, free, pending) = article_ids(d);
    assert!(in_use > 100 && free == 0 && pending == 0, "{in_use} {free} {pending}");

    // Killed with its months written under a load of its own, before readers were switched
    // to it: its names hold ids, nothing of it is read.
    kill(paused_load(&data, &enwiki, "before-last-batch", None));
    assert_eq!(answers(), before, "the killed load is not read");
    let (left, _, _) = article_ids(d);
    assert!(left > in_use, "the killed load's rows hold ids: {left} after {in_use}");
    // Its own load, and the one it was about to replace (read on: kept).
    let listed = run_ok(&["snapshot", "list", "--data", d]);
    assert!(listed.contains("under way: 0 running; 2 of processes that have ended"), "{listed}");

    // The next load deletes them first; killed once readers read it and before it deleted
    // the load it replaced.
    let next = paused_load(&data, &enwiki, "after-last-batch", Some("killed before they ended"));
    // Its own load and the one it replaces.
    let listed = run_ok(&["snapshot", "list", "--data", d]);
    assert!(listed.contains("under way: 2 running; 0 of processes that have ended"), "{listed}");
    kill(next);
    assert_eq!(answers(), before, "the same files, read from the new load");
    let (both, _, _) = article_ids(d);
    assert!(both > in_use, "the replaced load's rows are left: {both} after {in_use}");

    // The next load deletes the replaced load first; what is left is what a load that was
    // never killed leaves.
    let out = load(&data, "0.001", &enwiki);
    assert!(out.contains("of 1 history loads killed before they ended"), "{out}");
    assert_eq!(article_ids(d).0, in_use);
    assert_eq!(answers(), before);
    // Nothing is left to delete.
    let out = load(&data, "0.001", &enwiki);
    assert!(!out.contains("killed before they ended"), "{out}");
    let listed = run_ok(&["snapshot", "list", "--data", d]);
    assert!(!listed.contains("under way"), "{listed}");
}

/// A drop killed before it ended: the snapshot is listed no more and not activated, and the
/// drop is run again to the end.
#[test]
fn a_killed_drop_is_run_again() {
    let (_work, dumps, data) = march_history("30", "12");
    let d = data.to_str().unwrap();
    let history = dumps.join("other/mediawiki_history");
    load(&data, "0.001", &history);
    run_ok(&["snapshot", "activate", "--data", d, "2024-03"]);
    let (one, _, _) = article_ids(d);
    // The same files as another snapshot.
    run_ok(&[
        "load",
        "--data",
        d,
        "--snapshot",
        "2024-04",
        "--max-bad-share",
        "0.001",
        history.to_str().unwrap(),
    ]);
    let (two, _, _) = article_ids(d);
    assert!(two > one, "{two} {one}");

    let dropping = start(
        &["snapshot", "drop", "--data", d, "2024-04"],
        &[("AQS_TEST_PAUSE_DROP", "history_wikis")],
    );
    dropping.wait_for("test pause: history_wikis", Duration::from_secs(120));
    kill(dropping);
    let listed = run_ok(&["snapshot", "list", "--data", d]);
    assert!(!listed.contains("2024-04  "), "no longer listed: {listed}");
    assert!(listed.contains("snapshot 2024-04: a drop that did not finish"), "{listed}");
    let refused = run_failing(&["snapshot", "activate", "--data", d, "--force", "2024-04"]);
    assert!(refused.contains("2024-04 is being dropped"), "{refused}");
    assert_eq!(article_ids(d).0, two, "what the drop had not deleted is there");

    let dropped = run_ok(&["snapshot", "drop", "--data", d, "2024-04"]);
    assert!(dropped.contains("dropped: 2024-04"), "{dropped}");
    assert_eq!(article_ids(d).0, one, "its names' ids are given back");
    let listed = run_ok(&["snapshot", "list", "--data", d]);
    assert!(!listed.contains("2024-04"), "{listed}");
    let again = run_failing(&["snapshot", "drop", "--data", d, "2024-04"]);
    assert!(again.contains("holds no snapshot 2024-04"), "{again}");
}

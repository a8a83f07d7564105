//! A load in a tiny memory budget (everything that can spill does) gives the same store as a
//! load with memory to spare, for sorted files, unsorted ones, kept agents and month roll-ups;
//! and spill files never outlive the load, whether it succeeds or fails.

mod common;

use aqs_core::dates::{Day, TopPeriod, YearMonth};
use aqs_core::lists::Disallowed;
use aqs_core::pageviews::{PageviewsRead, PageviewsWrite, TOP_ACCESSES};
use aqs_ingest::lists::Allowlist;
use aqs_ingest::load::{LoadOptions, NoProgress, load_files};
use aqs_ingest::report::LoadReport;
use aqs_store::EmbeddedStore;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::Duration;

const TINY: usize = 64 << 10;
const AMPLE: usize = 16 << 30;

fn load(
    store: &EmbeddedStore,
    files: &[PathBuf],
    memory_bytes: usize,
) -> anyhow::Result<LoadReport> {
    load_aiming_at(store, files, memory_bytes, None)
}

/// A load whose days aim at `day_seconds` (`aqs load --day-seconds`).
fn load_aiming_at(
    store: &EmbeddedStore,
    files: &[PathBuf],
    memory_bytes: usize,
    day_seconds: Option<Duration>,
) -> anyhow::Result<LoadReport> {
    let allowlist = Allowlist::shipped();
    let disallowed = Disallowed::parse("en.wikipedia\tMain_Page\n", "test").unwrap();
    let options = LoadOptions {
        allowlist: &allowlist,
        disallowed: &disallowed,
        max_bad_share: 0.01,
        format: None,
        progress: &NoProgress,
        memory_bytes,
        spill_dir: store.path().to_path_buf(),
        day_seconds,
        snapshot: None,
    };
    load_files(store, files, &options)
}

fn spill_dirs(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".aqs-spill-"))
        .collect()
}

/// Everything a store serves for `days`: per-article rows, per-project rows, daily and
/// monthly top lists of every project and access.
fn contents(store: &EmbeddedStore, days: &[Day]) -> Vec<String> {
    let mut out = vec![format!("{:?}", store.article_days_loaded().unwrap())];
    let mut projects = BTreeSet::new();
    for &day in days {
        for article_day in store.article_day(day).unwrap() {
            projects.insert(article_day.project.clone());
            out.push(format!("{article_day:?}"));
        }
        let mut rows = store.project_day(day).unwrap();
        rows.sort_by_key(|r| format!("{r:?}"));
        out.push(format!("{rows:?}"));
    }
    let months: BTreeSet<YearMonth> = days.iter().map(|d| d.year_month()).collect();
    for project in &projects {
        for (access, _) in TOP_ACCESSES {
            for &day in days {
                out.push(format!("{:?}", store.top(project, access, TopPeriod::Day(day)).unwrap()));
            }
            for &month in &months {
                out.push(format!(
                    "{:?}",
                    store.top(project, access, TopPeriod::Month(month)).unwrap()
                ));
            }
        }
    }
    out
}

/// Writes `path`'s lines in reverse order to a plain file of the same public name in `dir`.
fn reversed(path: &Path, dir: &Path) -> PathBuf {
    let mut text = Vec::new();
    std::io::Read::read_to_end(
        &mut bzip2::read::MultiBzDecoder::new(std::fs::File::open(path).unwrap()),
        &mut text,
    )
    .unwrap();
    let mut lines: Vec<&[u8]> = text.split(|b| *b == b'\n').filter(|l| !l.is_empty()).collect();
    lines.reverse();
    let name = path.file_name().unwrap().to_string_lossy().trim_end_matches(".bz2").to_string();
    let out = dir.join(name);
    std::fs::write(&out, lines.join(&b'\n')).unwrap();
    out
}

fn files_of(dir: &Path, day: &str) -> Vec<PathBuf> {
    ["user", "spider", "automated"]
        .iter()
        .map(|agent| dir.join(format!("pageviews-{day}-{agent}.bz2")))
        .collect()
}

#[test]
fn a_tiny_memory_budget_stores_what_an_ample_one_stores() {
    let work = tempfile::tempdir().unwrap();
    let dumps = work.path().join("dumps");
    // A realistic day (scaled down), and a month of the sample for the roll-ups.
    common::run_ok(&[
        "generate",
        "--out",
        dumps.to_str().unwrap(),
        "--start",
        "2024-03-01",
        "--days",
        "1",
        "--full-day",
        "--scale",
        "0.0005",
        "--seed",
        "7",
    ]);
    common::generate(&dumps.join("sample"), "2024-02-01", 29, 3, 3_000, 11);
    let march = dumps.join("other/pageview_complete/2024/2024-03");
    let february = dumps.join("sample/other/pageview_complete/2024/2024-02");
    let unsorted = work.path().join("unsorted");
    std::fs::create_dir_all(&unsorted).unwrap();
    let spider = reversed(&march.join("pageviews-20240301-spider.bz2"), &unsorted);

    let day = |s: &str| Day::parse_compact(s).unwrap();
    let days: Vec<Day> =
        std::iter::once(day("20240301")).chain(YearMonth::new(2024, 2).unwrap().days()).collect();
    let mut stores = Vec::new();
    for memory in [AMPLE, TINY] {
        let dir = work.path().join(format!("store-{memory}"));
        let store = EmbeddedStore::open(&dir).unwrap();
        // Every file of March 1st, then February (completing the month), then the spider file
        // of March 1st again unsorted, which keeps the user and automated counts.
        let first = load(&store, &files_of(&march, "20240301"), memory).unwrap();
        let month = load(&store, std::slice::from_ref(&february), memory).unwrap();
        let again = load(&store, std::slice::from_ref(&spider), memory).unwrap();
        assert_eq!(month.months_rolled_up, vec![YearMonth::new(2024, 2).unwrap()]);
        assert!(
            first.resorted.is_empty() && month.resorted.is_empty(),
            "generated files are sorted: {:?} {:?}",
            first.resorted,
            month.resorted
        );
        assert_eq!(again.resorted.len(), 1, "the reversed file is read again sorted");
        let spilled = first.spilled_bytes + month.spilled_bytes + again.spilled_bytes;
        if memory == TINY {
            assert!(first.spilled_bytes > 0 && again.spilled_bytes > 0, "spilled {spilled}");
        } else {
            assert_eq!(spilled, 0, "nothing spills with memory to spare");
        }
        assert!(spill_dirs(&dir).is_empty(), "spill files are gone once the load ends");
        stores.push((store, first));
    }
    let (ample, tiny) = (&stores[0], &stores[1]);
    assert_eq!(ample.1.article_rows, tiny.1.article_rows);
    assert!(ample.1.article_rows > 20_000, "a real sample: {}", ample.1.article_rows);
    let (a, t) = (contents(&ample.0, &days), contents(&tiny.0, &days));
    assert_eq!(a.len(), t.len());
    for (a, t) in a.iter().zip(&t) {
        assert_eq!(a, t);
    }
}

#[test]
fn a_failed_load_leaves_no_spill_files_and_the_store_as_it_was() {
    let work = tempfile::tempdir().unwrap();
    let dumps = work.path().join("dumps");
    common::generate(&dumps, "2024-03-01", 2, 2, 3_000, 5);
    let dir = dumps.join("other/pageview_complete/2024/2024-03");
    let store = EmbeddedStore::open(&work.path().join("store")).unwrap();
    load(&store, &files_of(&dir, "20240301"), TINY).unwrap();
    let before = contents(&store, &[Day::parse_compact("20240301").unwrap()]);
    // The second day's spider file cut short: the load fails after spilling part of the day.
    let spider = dir.join("pageviews-20240302-spider.bz2");
    let bytes = std::fs::read(&spider).unwrap();
    std::fs::write(&spider, &bytes[..bytes.len() * 2 / 3]).unwrap();
    let error = load(&store, &files_of(&dir, "20240302"), TINY).unwrap_err();
    assert!(format!("{error:#}").contains("truncated or corrupt"), "{error:#}");
    assert!(spill_dirs(store.path()).is_empty(), "no spill files after a failure");
    assert_eq!(contents(&store, &[Day::parse_compact("20240301").unwrap()]), before);
    assert_eq!(store.article_days_loaded().unwrap(), vec![Day::parse_compact("20240301").unwrap()]);
}

#[test]
fn an_interrupted_load_stops_after_the_day_it_is_publishing_and_cleans_up() {
    let work = tempfile::tempdir().unwrap();
    let dumps = work.path().join("dumps");
    common::generate(&dumps, "2024-03-01", 2, 2, 2_000, 3);
    let data = work.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    // Left by a load killed outright (a process id above the kernel's limit never runs).
    let stale = data.join(".aqs-spill-4294967295-0");
    std::fs::create_dir_all(&stale).unwrap();
    std::fs::write(stale.join("partition-0"), b"left behind").unwrap();

    let mut load = common::start(
        &[
            "load",
            "--data",
            data.to_str().unwrap(),
            "--memory-mb",
            "16",
            "--max-bad-share",
            "0.01",
            dumps.join("other/pageview_complete").to_str().unwrap(),
        ],
        &[("AQS_TEST_PAUSE_BEFORE_COMMIT_MS", "2000"), ("AQS_LOG", "aqs=debug")],
    );
    load.wait_for("removed 1 spill directories left by killed loads", Duration::from_secs(60));
    load.wait_for("publishing day", Duration::from_secs(60));
    let pid = load.child.id().to_string();
    assert!(std::process::Command::new("kill").args(["-INT", &pid]).status().unwrap().success());
    load.wait_for("interrupted", Duration::from_secs(30));
    let status = load.child.wait().unwrap();
    assert!(!status.success(), "an interrupted load fails");
    load.wait_for("the load was interrupted", Duration::from_secs(30));
    assert!(spill_dirs(&data).is_empty(), "no spill directory is left: {:?}", spill_dirs(&data));
    let store = EmbeddedStore::open(&data).unwrap();
    assert_eq!(
        store.article_days_loaded().unwrap(),
        vec![Day::parse_compact("20240301").unwrap()],
        "the day being published when the signal came is whole; the next was never started"
    );
}

/// A month completed by a load whose merge budget is spent waits for its roll-up (the store
/// remembers it); the next load merges the month, collecting its top lists' candidates as it
/// reads it, rolls it up, and the store then serves what a store given time to merge serves.
#[test]
fn a_month_completed_without_time_to_merge_is_rolled_up_by_the_load_that_merges_it() {
    let work = tempfile::tempdir().unwrap();
    let dumps = work.path().join("dumps");
    common::generate(&dumps, "2024-02-01", 30, 3, 3_000, 11);
    let february = dumps.join("other/pageview_complete/2024/2024-02");
    let march = dumps.join("other/pageview_complete/2024/2024-03");
    let month = YearMonth::new(2024, 2).unwrap();
    let days: Vec<Day> = month.days().chain(std::iter::once(month.last_day().next())).collect();

    let budgeted = EmbeddedStore::open(&work.path().join("budgeted")).unwrap();
    budgeted.set_merge_budget(Some(Duration::ZERO));
    let first = load(&budgeted, std::slice::from_ref(&february), AMPLE).unwrap();
    assert!(first.months_rolled_up.is_empty(), "{first}");
    assert_eq!(first.rollups_waiting, vec![month]);
    assert!(first.to_string().contains("month waiting:     2024-02"), "{first}");
    assert_eq!(budgeted.rollups_waiting().unwrap(), vec![month]);
    let en = aqs_core::project::Project::from_stored("en.wikipedia");
    let top = |store: &EmbeddedStore| {
        store.top(&en, aqs_core::params::Access::AllAccess, TopPeriod::Month(month)).unwrap()
    };
    assert!(top(&budgeted).is_none(), "no monthly top list before the roll-up");

    budgeted.set_merge_budget(Some(Duration::from_secs(600)));
    let next = load(&budgeted, &files_of(&march, "20240301"), AMPLE).unwrap();
    assert_eq!(next.months_rolled_up, vec![month], "{next}");
    assert!(next.rollups_waiting.is_empty());
    assert!(budgeted.rollups_waiting().unwrap().is_empty());

    let reference = EmbeddedStore::open(&work.path().join("reference")).unwrap();
    let all = load(&reference, std::slice::from_ref(&february), AMPLE).unwrap();
    assert_eq!(all.months_rolled_up, vec![month]);
    load(&reference, &files_of(&march, "20240301"), AMPLE).unwrap();
    assert!(top(&reference).is_some());
    let (a, b) = (contents(&budgeted, &days), contents(&reference, &days));
    assert_eq!(a.len(), b.len());
    for (a, b) in a.iter().zip(&b) {
        assert_eq!(a, b);
    }
}

/// Days that took longer than they aimed at (`--day-seconds 0`) still merge for the store's
/// least merge time, so a month is merged and rolled up by its last day as without the aim.
#[test]
fn days_over_their_time_still_merge_and_roll_their_month_up() {
    let work = tempfile::tempdir().unwrap();
    let dumps = work.path().join("dumps");
    common::generate(&dumps, "2024-02-01", 29, 3, 2_000, 12);
    let february = dumps.join("other/pageview_complete/2024/2024-02");
    let month = YearMonth::new(2024, 2).unwrap();
    let days: Vec<Day> = month.days().collect();

    let late = EmbeddedStore::open(&work.path().join("late")).unwrap();
    let report =
        load_aiming_at(&late, std::slice::from_ref(&february), AMPLE, Some(Duration::ZERO))
            .unwrap();
    assert_eq!(report.merges_deferred, 0, "{report}");
    assert_eq!(report.months_rolled_up, vec![month], "{report}");
    assert!(late.rollups_waiting().unwrap().is_empty());

    let reference = EmbeddedStore::open(&work.path().join("reference")).unwrap();
    load(&reference, std::slice::from_ref(&february), AMPLE).unwrap();
    assert_eq!(contents(&late, &days), contents(&reference, &days));
}

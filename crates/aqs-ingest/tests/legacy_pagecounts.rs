//! Legacy projectcounts files into the reference store: per-hour sums per (project, site), the
//! `all-sites` and `all-projects` roll-ups, days and whole months, the `meta` quirk, bad lines,
//! reloads, and the rows of the AQS export. Expected numbers are worked out by hand from the
//! lines below.

mod common;

use aqs_core::dates::{Day, Hour, Period, YearMonth};
use aqs_core::legacy_pagecounts::PAGECOUNTS;
use aqs_core::memory::MemoryStore;
use aqs_core::table::TableRead;
use aqs_ingest::import::{ImportTable, import_files};
use common::{gz, load};
use std::path::PathBuf;

fn count(store: &MemoryStore, project: &str, site: &str, period: Period) -> Option<u64> {
    let got = store.series(&PAGECOUNTS, &[project, site], period, period).unwrap();
    assert!(got.len() <= 1);
    got.first().map(|e| e.values.0[0])
}

fn day(y: i32, m: u8, d: u8) -> Day {
    Day::from_ymd(y, m, d).unwrap()
}

fn hour(d: Day, h: u8) -> Period {
    Period::Hour(Hour::new(d, h).unwrap())
}

/// Hour 00 of 2014-10-05 (named for its end, 01:00).
const HOUR_0: &[&str] = &[
    "en - 1000 123456",
    "en.m - 300 1",
    "en.zero - 20 1",
    "de - 50 1",
    "commons.m - 70 1",
    "commons.m.m - 5 1",
    "meta.m - 9 1",
    "a.b.c.d - 1 1",
    "en - x 1",
];
/// Hour 01.
const HOUR_1: &[&str] = &["en - 2000 1", "de.m - 7 1", "www.wd - 11 1"];

#[test]
fn hours_sum_per_project_and_site_and_roll_up() {
    let dir = tempfile::tempdir().unwrap();
    let store = MemoryStore::new();
    let files = [
        gz(dir.path(), "projectcounts-20141005-010000.gz", HOUR_0),
        gz(dir.path(), "projectcounts-20141005-020000.gz", HOUR_1),
    ];
    let report = load(&store, &files, 0.001).unwrap();
    assert_eq!(report.lines_read, 12);
    assert_eq!(report.skipped_total(), 2, "a.b.c.d and a count that is not a number");
    let d = day(2014, 10, 5);
    let h0 = hour(d, 0);
    assert_eq!(count(&store, "en.wikipedia", "desktop-site", h0), Some(1000));
    assert_eq!(count(&store, "en.wikipedia", "mobile-site", h0), Some(320), ".m and .zero");
    assert_eq!(count(&store, "en.wikipedia", "all-sites", h0), Some(1320));
    assert_eq!(count(&store, "commons.wikimedia", "desktop-site", h0), Some(70));
    assert_eq!(count(&store, "commons.wikimedia", "mobile-site", h0), Some(5));
    assert_eq!(count(&store, "meta.wikimedia", "all-sites", h0), Some(9), "kept in 2014-10");
    assert_eq!(count(&store, "all-projects", "desktop-site", h0), Some(1000 + 50 + 70 + 9));
    assert_eq!(count(&store, "all-projects", "mobile-site", h0), Some(325));
    assert_eq!(count(&store, "all-projects", "all-sites", h0), Some(1454));
    assert_eq!(count(&store, "wikidata", "desktop-site", hour(d, 1)), Some(11));
    // The day sums its hours.
    let daily = Period::Day(d);
    assert_eq!(count(&store, "en.wikipedia", "all-sites", daily), Some(3320));
    assert_eq!(count(&store, "de.wikipedia", "mobile-site", daily), Some(7));
    assert_eq!(count(&store, "all-projects", "all-sites", daily), Some(1454 + 2018));
    // No month until each of its days is loaded.
    let october = Period::Month(YearMonth::new(2014, 10).unwrap());
    assert_eq!(count(&store, "en.wikipedia", "all-sites", october), None);

    // Loading one hour again with other numbers replaces that hour and its day only.
    let again = dir.path().join("again");
    std::fs::create_dir(&again).unwrap();
    load(&store, &[gz(&again, "projectcounts-20141005-020000.gz", &["en - 5 1"])], 0.001).unwrap();
    assert_eq!(count(&store, "en.wikipedia", "all-sites", daily), Some(1325));
    assert_eq!(count(&store, "de.wikipedia", "mobile-site", daily), None);
    assert_eq!(count(&store, "en.wikipedia", "mobile-site", h0), Some(320), "hour 0 stays");
}

#[test]
fn a_month_is_written_once_every_day_has_rows() {
    let dir = tempfile::tempdir().unwrap();
    let store = MemoryStore::new();
    // February 2015, one hour a day: en = day number; meta is dropped from 2015 on.
    let files: Vec<PathBuf> = (1..=28)
        .map(|d| {
            let en = format!("en - {d} 1");
            gz(dir.path(), &format!("projectcounts-201502{d:02}-120000.gz"), &[&en, "meta.m - 4 1"])
        })
        .collect();
    load(&store, &files[..27], 0.001).unwrap();
    let february = Period::Month(YearMonth::new(2015, 2).unwrap());
    assert_eq!(count(&store, "en.wikipedia", "all-sites", february), None);
    load(&store, &files[27..], 0.001).unwrap();
    assert_eq!(count(&store, "en.wikipedia", "all-sites", february), Some(28 * 29 / 2));
    assert_eq!(count(&store, "all-projects", "desktop-site", february), Some(406));
    assert_eq!(count(&store, "meta.wikimedia", "all-sites", february), None);
    let eleven = hour(day(2015, 2, 14), 11);
    assert_eq!(count(&store, "en.wikipedia", "desktop-site", eleven), Some(14));
}

#[test]
fn too_many_bad_lines_store_nothing_of_the_day() {
    let dir = tempfile::tempdir().unwrap();
    let store = MemoryStore::new();
    let mut lines = vec!["en - 1 1"; 5];
    lines.extend(["garbage"; 11]);
    let files = [
        gz(dir.path(), "projectcounts-20141005-010000.gz", HOUR_1),
        gz(dir.path(), "projectcounts-20141005-020000.gz", &lines),
    ];
    let error = load(&store, &files, 0.001).unwrap_err().to_string();
    assert!(error.contains("projectcounts-20141005-020000.gz: 11 of 16 lines"), "{error}");
    assert_eq!(count(&store, "en.wikipedia", "all-sites", Period::Day(day(2014, 10, 5))), None);
}

#[test]
fn exported_rows_are_imported_as_they_are() {
    let dir = tempfile::tempdir().unwrap();
    let store = MemoryStore::new();
    let path = dir.path().join("lgc.jsonl");
    std::fs::write(
        &path,
        concat!(
            r#"{"_domain":"analytics.wikimedia.org","project":"en.wikipedia","access-site":"all-sites","granularity":"hourly","timestamp":"2010010101","count":2}"#,
            "\n",
            r#"{"project":"all-projects","access-site":"mobile-site","granularity":"monthly","timestamp":"2015020100","count":"9007199254740993"}"#,
            "\n",
            r#"{"project":"de.wikipedia","access-site":"desktop-site","granularity":"daily","timestamp":"2010010100","count":null}"#,
            "\n",
        ),
    )
    .unwrap();
    let report = import_files(&store, ImportTable::LegacyPagecounts, &[path]).unwrap();
    assert_eq!(report.series_rows, 3);
    assert_eq!(count(&store, "en.wikipedia", "all-sites", hour(day(2010, 1, 1), 1)), Some(2));
    let february = Period::Month(YearMonth::new(2015, 2).unwrap());
    assert_eq!(count(&store, "all-projects", "mobile-site", february), Some(9_007_199_254_740_993));
    let daily = Period::Day(day(2010, 1, 1));
    assert_eq!(count(&store, "de.wikipedia", "desktop-site", daily), Some(0));

    let bad = dir.path().join("bad.jsonl");
    std::fs::write(
        &bad,
        r#"{"project":"en.wikipedia","access-site":"all-sites","granularity":"daily","timestamp":"20100102","count":2}"#,
    )
    .unwrap();
    let error =
        format!("{:#}", import_files(&store, ImportTable::LegacyPagecounts, &[bad]).unwrap_err());
    assert!(error.contains("bad.jsonl:1") && error.contains("YYYYMMDDHH"), "{error}");
}

#[test]
fn pagecounts_ez_days_sum_titles_per_project_an_hour_earlier() {
    let dir = tempfile::tempdir().unwrap();
    let store = MemoryStore::new();
    let file = gz(
        dir.path(),
        "pagecounts-2012-03-04.gz",
        &[
            "# a header line of the file",
            "en.z Main_Page 30 A10B20",
            "en.z Foo 5 X5",
            "De.d Wort 7 C7",
            "en.mw - 1000 A1000",
            "en.xyz Bar 1 A1",
            "en.z Baz 1 Z1",
        ],
    );
    let report = load(&store, &[file], 0.001).unwrap();
    assert_eq!(report.skipped_total(), 2, "an unknown code and a bad hourly field");
    let (d3, d4) = (day(2012, 3, 3), day(2012, 3, 4));
    // `A` ends at 00:00 of the file's day: it is 23:00 of the day before.
    assert_eq!(count(&store, "en.wikipedia", "desktop-site", hour(d3, 23)), Some(10));
    assert_eq!(count(&store, "en.wikipedia", "all-sites", hour(d4, 0)), Some(20));
    assert_eq!(count(&store, "en.wikipedia", "all-sites", hour(d4, 22)), Some(5));
    assert_eq!(count(&store, "de.wiktionary", "desktop-site", hour(d4, 1)), Some(7));
    assert_eq!(
        count(&store, "en.wikipedia", "mobile-site", hour(d4, 0)),
        None,
        "xx.mw is left out"
    );
    assert_eq!(count(&store, "en.wikipedia", "all-sites", Period::Day(d3)), Some(10));
    assert_eq!(count(&store, "en.wikipedia", "all-sites", Period::Day(d4)), Some(25));
    assert_eq!(count(&store, "all-projects", "all-sites", Period::Day(d4)), Some(32));
}

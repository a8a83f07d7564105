//! Mediacounts files into media requests per file (the pre-2019 semantics: every request a
//! `user` request, the referer columns and the total), reloads, and exported rows.

mod common;

use aqs_core::dates::{Day, Period};
use aqs_core::mediarequests::per_file::PER_FILE;
use aqs_core::memory::MemoryStore;
use aqs_core::table::{TableRead, TableWrite};
use aqs_ingest::import::{ImportTable, import_files};
use common::{load, mediacounts_file as file, mediacounts_line as line};

/// (user, spider) of a (referer, file) on a day.
fn requests(store: &MemoryStore, referer: &str, file: &str, day: Day) -> Option<(u64, u64)> {
    let rows =
        store.series(&PER_FILE, &[referer, file], Period::Day(day), Period::Day(day)).unwrap();
    rows.first().map(|r| (r.values.0[0], r.values.0[1]))
}

#[test]
fn a_day_stores_every_file_by_referer_and_a_reload_replaces_it() {
    let dir = tempfile::tempdir().unwrap();
    let store = MemoryStore::new();
    let cafe = "/wikipedia/commons/a/a9/Caf%C3%A9%2C_\"1900\"_(100%).jpg";
    let long = format!("/wikipedia/commons/a/ab/{}.jpg", "x".repeat(1100));
    let lines = [
        line(cafe, 1500, 1400, 80, 20),
        line("/math/a/b/c/abc", 7, 0, 7, 0),
        line(&long, 1, 1, 0, 0),
    ];
    let path = file(dir.path(), "2015-01-10", &lines);
    let report = load(&store, &[path], 0.5).unwrap();
    assert_eq!(report.skipped_total(), 1, "the overlong path is a bad line");
    let day = Day::from_ymd(2015, 1, 10).unwrap();
    assert_eq!(requests(&store, "all-referers", cafe, day), Some((1500, 0)));
    assert_eq!(requests(&store, "internal", cafe, day), Some((1400, 0)));
    assert_eq!(requests(&store, "external", cafe, day), Some((80, 0)));
    assert_eq!(requests(&store, "unknown", cafe, day), Some((20, 0)));
    assert_eq!(requests(&store, "all-referers", "/math/a/b/c/abc", day), Some((7, 0)));
    assert_eq!(requests(&store, "internal", "/math/a/b/c/abc", day), None, "zero: no row");
    let all = store.scan_series(&PER_FILE, Period::Day(day), Period::Day(day)).unwrap();
    assert_eq!(all.len(), 6, "4 + 2 rows: {all:?}");
    // The same day again, without the math file: the day is replaced.
    let path = file(dir.path(), "2015-01-10", &[line(cafe, 10, 10, 0, 0)]);
    load(&store, &[path], 0.001).unwrap();
    assert_eq!(requests(&store, "all-referers", cafe, day), Some((10, 0)));
    assert_eq!(requests(&store, "external", cafe, day), None);
    assert_eq!(requests(&store, "all-referers", "/math/a/b/c/abc", day), None);
}

#[test]
fn exported_rows_are_imported() {
    let dir = tempfile::tempdir().unwrap();
    let store = MemoryStore::new();
    let path = dir.path().join("per_file.jsonl");
    std::fs::write(
        &path,
        concat!(
            r#"{"referer":"en.wikipedia","file_path":"/wiktionary/te/4/40/peacocks.JPG","granularity":"daily","timestamp":"2015070200","user":10,"spider":"1001","poster_user":null}"#,
            "\n",
            r#"{"referer":"all-referers","file_path":"/wiktionary/te/4/40/peacocks.JPG","granularity":"daily","timestamp":"2015070200","user":10,"spider":null}"#,
            "\n",
        ),
    )
    .unwrap();
    import_files(&store, ImportTable::MediaRequestsPerFile, &[path]).unwrap();
    let day = Day::from_ymd(2015, 7, 2).unwrap();
    let file = "/wiktionary/te/4/40/peacocks.JPG";
    assert_eq!(requests(&store, "en.wikipedia", file, day), Some((10, 1001)));
    assert_eq!(requests(&store, "all-referers", file, day), Some((10, 0)));
    let monthly = dir.path().join("monthly.jsonl");
    std::fs::write(
        &monthly,
        r#"{"referer":"en.wikipedia","file_path":"/f","granularity":"monthly","timestamp":"2015070100","user":1,"spider":0}"#,
    )
    .unwrap();
    let err = import_files(&store, ImportTable::MediaRequestsPerFile, &[monthly]).unwrap_err();
    assert!(format!("{err:#}").contains("daily rows only"), "{err:#}");
    assert!(format!("{err:#}").contains("monthly.jsonl:1"), "{err:#}");
    // Nothing of the refused file was written.
    assert_eq!(store.scan_series(&PER_FILE, Period::Day(day), Period::Day(day)).unwrap().len(), 2);
}

#[test]
fn a_complete_month_gets_its_top_files_from_the_stored_days() {
    let dir = tempfile::tempdir().unwrap();
    let store = MemoryStore::new();
    // February 2015: a.jpg 10 a day (internal), b.ogg d on day d (external), c.jpg 300 on day 1.
    let files: Vec<_> = (1..=28u64)
        .map(|d| {
            let mut lines = vec![line("/w/a.jpg", 10, 10, 0, 0), line("/w/b.ogg", d, 0, d, 0)];
            if d == 1 {
                lines.push(line("/w/c.jpg", 300, 0, 0, 300));
            }
            file(dir.path(), &format!("2015-02-{d:02}"), &lines)
        })
        .collect();
    let february = aqs_core::dates::YearMonth::new(2015, 2).unwrap();
    let top = |referer: &str, media: &str| -> Vec<(String, u64, u64)> {
        let period = Period::Month(february);
        let rows = store
            .series(&aqs_core::mediarequests::TOP_FILES, &[referer, media], period, period)
            .unwrap();
        let mut entries: Vec<_> =
            rows.into_iter().map(|r| (r.sub, r.values.0[0], r.values.0[1])).collect();
        entries.sort_by_key(|e| e.2);
        entries
    };
    load(&store, &files[1..], 0.001).unwrap();
    assert!(top("all-referers", "all-media-types").is_empty(), "the month is not complete");
    load(&store, &files[..1], 0.001).unwrap();
    let s = |f: &str, n, r| (f.to_string(), n, r);
    assert_eq!(
        top("all-referers", "all-media-types"),
        [s("/w/b.ogg", 406, 1), s("/w/c.jpg", 300, 2), s("/w/a.jpg", 280, 3)]
    );
    assert_eq!(top("all-referers", "image"), [s("/w/c.jpg", 300, 1), s("/w/a.jpg", 280, 2)]);
    assert_eq!(top("internal", "all-media-types"), [s("/w/a.jpg", 280, 1)]);
    assert_eq!(top("external", "audio"), [s("/w/b.ogg", 406, 1)]);
    assert_eq!(top("unknown", "image"), [s("/w/c.jpg", 300, 1)]);
}

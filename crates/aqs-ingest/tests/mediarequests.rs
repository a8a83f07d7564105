//! Mediacounts files into media requests (the pre-2019 semantics): referer columns and the
//! total, media types from extensions, all-agents only, whole months; and exported rows.

mod common;

use aqs_core::dates::{Day, Period, YearMonth};
use aqs_core::mediarequests::PER_REFERER;
use aqs_core::memory::MemoryStore;
use aqs_core::table::TableRead;
use aqs_ingest::import::{ImportTable, import_files};
use common::{load, mediacounts_file as file, mediacounts_line as line};
use std::path::PathBuf;

fn requests(store: &MemoryStore, referer: &str, media: &str, period: Period) -> Option<u64> {
    let rows = store.series(&PER_REFERER, &[referer, media, "all-agents"], period, period).unwrap();
    rows.first().map(|r| r.values.0[0])
}

#[test]
fn a_day_sums_referers_and_media_types() {
    let dir = tempfile::tempdir().unwrap();
    let store = MemoryStore::new();
    let path = file(
        dir.path(),
        "2015-01-10",
        &[
            line("/wikipedia/commons/a/a9/Example.jpg", 1500, 1400, 80, 20),
            line("/wikipedia/commons/b/b1/Sound.ogg", 100, 60, 30, 10),
            line("/wikipedia/commons/c/c1/Photo.PNG", 50, 50, 0, 0),
            "/wikipedia/commons/d/d1/Broken.jpg\t1\n".to_string(),
        ],
    );
    let report = load(&store, &[path], 0.001).unwrap();
    assert_eq!(report.skipped_total(), 1);
    let day = Period::Day(Day::from_ymd(2015, 1, 10).unwrap());
    assert_eq!(requests(&store, "all-referers", "image", day), Some(1550));
    assert_eq!(requests(&store, "internal", "image", day), Some(1450));
    assert_eq!(requests(&store, "external", "audio", day), Some(30));
    assert_eq!(requests(&store, "all-referers", "all-media-types", day), Some(1650));
    assert_eq!(requests(&store, "unknown", "all-media-types", day), Some(30));
    let user = store.series(&PER_REFERER, &["all-referers", "image", "user"], day, day).unwrap();
    assert!(user.is_empty(), "no agent split before 2019");
}

#[test]
fn a_month_is_summed_once_every_day_is_loaded() {
    let dir = tempfile::tempdir().unwrap();
    let store = MemoryStore::new();
    let files: Vec<PathBuf> = (1..=28)
        .map(|d| {
            let day = format!("2015-02-{d:02}");
            file(dir.path(), &day, &[line("/wikipedia/commons/a/a9/X.webm", d, d, 0, 0)])
        })
        .collect();
    let february = Period::Month(YearMonth::new(2015, 2).unwrap());
    load(&store, &files[1..], 0.001).unwrap();
    assert_eq!(requests(&store, "all-referers", "video", february), None);
    load(&store, &files[..1], 0.001).unwrap();
    assert_eq!(requests(&store, "all-referers", "video", february), Some(28 * 29 / 2));
    assert_eq!(requests(&store, "internal", "all-media-types", february), Some(406));
}

#[test]
fn exported_rows_are_imported() {
    let dir = tempfile::tempdir().unwrap();
    let store = MemoryStore::new();
    let path = dir.path().join("per_referer.jsonl");
    std::fs::write(
        &path,
        concat!(
            r#"{"referer":"en.wikipedia","media_type":"image","agent":"user","granularity":"daily","timestamp":"2020010100","requests":"12","poster_requests":null}"#,
            "\n",
            r#"{"referer":"all-referers","media_type":"all-media-types","agent":"all-agents","granularity":"monthly","timestamp":"2020010100","requests":900}"#,
            "\n",
        ),
    )
    .unwrap();
    import_files(&store, ImportTable::MediaRequestsPerReferer, &[path]).unwrap();
    let day = Period::Day(Day::from_ymd(2020, 1, 1).unwrap());
    let rows = store.series(&PER_REFERER, &["en.wikipedia", "image", "user"], day, day).unwrap();
    assert_eq!(rows[0].values.0[0], 12);
    let january = Period::Month(YearMonth::new(2020, 1).unwrap());
    assert_eq!(requests(&store, "all-referers", "all-media-types", january), Some(900));
}

#[test]
fn a_day_has_its_top_files_per_referer_and_media_type() {
    use aqs_core::mediarequests::{TOP_FILES, TopFile, top_list};
    let dir = tempfile::tempdir().unwrap();
    let store = MemoryStore::new();
    let path = file(
        dir.path(),
        "2015-01-10",
        &[
            line("/wikipedia/commons/a/a1/A.jpg", 100, 100, 0, 0),
            line("/wikipedia/commons/b/b1/B.jpg", 300, 200, 100, 0),
            line("/wikipedia/commons/c/c1/C%2C_x.png", 300, 250, 50, 0),
            line("/wikipedia/commons/d/d1/D.ogg", 50, 0, 50, 0),
        ],
    );
    load(&store, &[path], 0.001).unwrap();
    let day = Period::Day(Day::from_ymd(2015, 1, 10).unwrap());
    let top = |referer: &str, media: &str| {
        let rows = store.series(&TOP_FILES, &[referer, media], day, day).unwrap();
        top_list(rows.into_iter().map(|r| (r.sub, r.values)).collect())
    };
    let f = |p: &str, requests, rank| TopFile { file_path: p.into(), requests, rank };
    // A tie shares a rank (ordered by path), the next rank skips.
    assert_eq!(
        top("all-referers", "image"),
        [
            f("/wikipedia/commons/b/b1/B.jpg", 300, 1),
            f("/wikipedia/commons/c/c1/C%2C_x.png", 300, 1),
            f("/wikipedia/commons/a/a1/A.jpg", 100, 3),
        ]
    );
    assert_eq!(
        top("external", "all-media-types"),
        [
            f("/wikipedia/commons/b/b1/B.jpg", 100, 1),
            f("/wikipedia/commons/c/c1/C%2C_x.png", 50, 2),
            f("/wikipedia/commons/d/d1/D.ogg", 50, 2),
        ]
    );
    assert!(top("unknown", "all-media-types").is_empty(), "no file with requests");
}

#[test]
fn exported_top_lists_are_imported() {
    use aqs_core::mediarequests::{TOP_FILES, TopFile, top_list};
    let dir = tempfile::tempdir().unwrap();
    let store = MemoryStore::new();
    let path = dir.path().join("top.jsonl");
    std::fs::write(
        &path,
        r#"{"referer":"all-referers","media_type":"image","year":"2020","month":"01","day":"all-days","filesJSON":"[{\"file_path\":\"\\/wikipedia\\/commons\\/a.jpg\",\"requests\":2000,\"rank\":1}]","video_filesJSON":null}"#,
    )
    .unwrap();
    import_files(&store, ImportTable::MediaRequestsTopFiles, &[path]).unwrap();
    let january = Period::Month(YearMonth::new(2020, 1).unwrap());
    let rows = store.series(&TOP_FILES, &["all-referers", "image"], january, january).unwrap();
    let list = top_list(rows.into_iter().map(|r| (r.sub, r.values)).collect());
    assert_eq!(
        list,
        [TopFile { file_path: "/wikipedia/commons/a.jpg".into(), requests: 2000, rank: 1 }]
    );
}

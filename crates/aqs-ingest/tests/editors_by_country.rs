//! Geoeditors files and exported rows into editors by country: names to codes, databases to
//! projects, activity levels, the list order, bad lines, and a reload replacing the month.

mod common;

use aqs_core::dates::{Period, YearMonth};
use aqs_core::editors_by_country::EDITORS;
use aqs_core::memory::MemoryStore;
use aqs_core::table::TableRead;
use aqs_ingest::import::{ImportTable, import_files};
use common::load;

/// (country, editors-ceil) in stored order (before the serving deny list).
fn list(store: &MemoryStore, project: &str, level: &str, month: YearMonth) -> Vec<(String, u64)> {
    let period = Period::Month(month);
    let mut rows = store.series(&EDITORS, &[project, level], period, period).unwrap();
    rows.sort_by_key(|r| r.values.0[1]);
    rows.into_iter().map(|r| (r.sub, r.values.0[0])).collect()
}

#[test]
fn a_geoeditors_file_gives_sorted_lists_per_project_and_level() {
    let dir = tempfile::tempdir().unwrap();
    let store = MemoryStore::new();
    let path = dir.path().join("geoeditors-monthly-2024-01.tsv");
    std::fs::write(
        &path,
        concat!(
            "enwiki\tGermany\t5 to 99\t11\t20\n",
            "enwiki\tUnited States\t5 to 99\t1271\t1280\n",
            "enwiki\tFrance\t5 to 99\t11\t20\n",
            "enwiki\tUnited States\t100 or more\t91\t100\n",
            "zh_yuewiki\tHong Kong\t5 to 99\t31\t40\n",
            "enwiki\tAtlantis\t5 to 99\t1\t10\n",
            "enwiki\tGermany\t7 to 9\t1\t10\n",
            "enwiki\tGermany\t5 to 99\n",
        ),
    )
    .unwrap();
    let report = load(&store, std::slice::from_ref(&path), 0.001).unwrap();
    assert_eq!(report.lines_read, 8);
    assert_eq!(report.skipped_total(), 3);
    let january = YearMonth::new(2024, 1).unwrap();
    let pairs = |v: &[(&str, u64)]| -> Vec<(String, u64)> {
        v.iter().map(|(c, n)| (c.to_string(), *n)).collect()
    };
    // Editors descending, then country.
    assert_eq!(
        list(&store, "en.wikipedia", "5..99-edits", january),
        pairs(&[("US", 1280), ("DE", 20), ("FR", 20)])
    );
    assert_eq!(list(&store, "en.wikipedia", "100..-edits", january), pairs(&[("US", 100)]));
    assert_eq!(list(&store, "zh-yue.wikipedia", "5..99-edits", january), pairs(&[("HK", 40)]));

    // A new file for the month replaces the month whole.
    let again = dir.path().join("again");
    std::fs::create_dir(&again).unwrap();
    let path = again.join("geoeditors-monthly-2024-01.tsv");
    std::fs::write(&path, "dewiki\tGermany\t5 to 99\t4991\t5000\n").unwrap();
    load(&store, &[path], 0.001).unwrap();
    assert!(list(&store, "en.wikipedia", "5..99-edits", january).is_empty());
    assert_eq!(list(&store, "de.wikipedia", "5..99-edits", january), pairs(&[("DE", 5000)]));
}

#[test]
fn exported_rows_keep_their_list_order() {
    let dir = tempfile::tempdir().unwrap();
    let store = MemoryStore::new();
    let path = dir.path().join("geo.jsonl");
    std::fs::write(
        &path,
        concat!(
            r#"{"_domain":"analytics.wikimedia.org","project":"en.wikipedia","activity-level":"5..99-edits","year":"2020","month":"05","countriesJSON":"[{\"country\":\"US\",\"editors-ceil\":10},{\"country\":\"AR\",\"editors-ceil\":10},{\"country\":\"RU\",\"editors-ceil\":\"5\"}]"}"#,
            "\n",
            r#"{"project":"en.wikipedia","activity-level":"100..-edits","year":"2020","month":"05","countriesJSON":[{"country":"FR","editors-ceil":20}]}"#,
            "\n",
        ),
    )
    .unwrap();
    import_files(&store, ImportTable::EditorsByCountry, &[path]).unwrap();
    let may = YearMonth::new(2020, 5).unwrap();
    let got = list(&store, "en.wikipedia", "5..99-edits", may);
    assert_eq!(got, [("US".to_string(), 10), ("AR".to_string(), 10), ("RU".to_string(), 5)]);
    assert_eq!(list(&store, "en.wikipedia", "100..-edits", may), [("FR".to_string(), 20)]);

    // Importing a shorter list of a month replaces the list whole; the month's other lists stay.
    let shorter = dir.path().join("shorter.jsonl");
    std::fs::write(
        &shorter,
        r#"{"project":"en.wikipedia","activity-level":"5..99-edits","year":"2020","month":"05","countriesJSON":[{"country":"AR","editors-ceil":30}]}"#,
    )
    .unwrap();
    import_files(&store, ImportTable::EditorsByCountry, &[shorter]).unwrap();
    assert_eq!(list(&store, "en.wikipedia", "5..99-edits", may), [("AR".to_string(), 30)]);
    assert_eq!(list(&store, "en.wikipedia", "100..-edits", may), [("FR".to_string(), 20)]);

    let bad = dir.path().join("bad.jsonl");
    std::fs::write(
        &bad,
        r#"{"project":"en.wikipedia","activity-level":"5..99-edits","year":"2020","month":"5","countriesJSON":[]}"#,
    )
    .unwrap();
    let error =
        format!("{:#}", import_files(&store, ImportTable::EditorsByCountry, &[bad]).unwrap_err());
    assert!(error.contains("bad.jsonl:1") && error.contains("YYYY and MM"), "{error}");
}

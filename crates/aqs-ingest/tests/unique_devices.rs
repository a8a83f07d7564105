//! Unique devices dumps into the reference store: the sums, the `> 1000` threshold, `all-sites`,
//! the family roll-ups and their exclusions, both per-domain formats, bad lines, and reloads.
//! The expected rows are worked out by hand from the lines below.

mod common;

use aqs_core::dates::{Day, Period, YearMonth};
use aqs_core::memory::MemoryStore;
use aqs_core::table::{TableRead, TableWrite};
use aqs_core::unique_devices::{DEVICES, Devices, FAMILIES};
use aqs_ingest::lists::{Allowlist, Disallowed};
use aqs_ingest::load::{LoadOptions, NoProgress, load_files};
use common::{gz, load};
use std::path::{Path, PathBuf};

fn rows(store: &MemoryStore, project: &str, site: &str, period: Period) -> Option<(u64, u64, u64)> {
    let table = aqs_core::unique_devices::table_of(project);
    let got = store.series(table, &[project, site], period, period).unwrap();
    got.first().map(|e| {
        let d = Devices::from_numbers(&e.values);
        (d.devices, d.offset, d.underestimate)
    })
}

const LEGACY_DAY: &[&str] = &[
    "en.wikipedia.org\t900\t200\t1100",
    "en.m.wikipedia.org\t5000\t1000\t6000",
    "de.wikipedia.org\t700\t100\t800",
    "de.m.wikipedia.org\t1500\t500\t2000",
    "www.wikidata.org\t1000\t1\t1001",
    "m.wikidata.org\t1000\t0\t1000",
    "fr.wikipedia.org\tx\t1\t2",
    "a line without tabs",
];

#[test]
fn per_domain_and_family_files_give_the_cassandra_rows() {
    let dir = tempfile::tempdir().unwrap();
    let files = [
        gz(dir.path(), "unique_devices_per_domain_daily-2024-01-05.gz", LEGACY_DAY),
        gz(
            dir.path(),
            "unique_devices_per_domain_monthly-2024-01.gz",
            &[
                "en.wikipedia.org\tdesktop\t800\t300\t1100",
                "en.wikipedia.org\tmobile web\t600\t100\t700",
                "en.wikipedia.org\tmobile app\t500\t100\t600",
                "it.wikipedia.org\tmobile app\t10\t1\t11",
            ],
        ),
        gz(
            dir.path(),
            "unique_devices_per_project_family_daily-2024-01-05.gz",
            &[
                "wikipedia\t90000\t10000\t100000",
                "wikidata\t5000\t0\t5000",
                "wiktionary\t900\t50\t950",
            ],
        ),
    ];
    let store = MemoryStore::new();
    let report = load(&store, &files, 0.5).unwrap();
    let day = Period::Day(Day::from_ymd(2024, 1, 5).unwrap());
    let month = Period::Month(YearMonth::new(2024, 1).unwrap());
    // Legacy hosts: sites from the `m` label, kept above 1000, all-sites the kept sum.
    assert_eq!(rows(&store, "en.wikipedia", "desktop-site", day), Some((1100, 200, 900)));
    assert_eq!(rows(&store, "en.wikipedia", "mobile-site", day), Some((6000, 1000, 5000)));
    assert_eq!(rows(&store, "en.wikipedia", "all-sites", day), Some((7100, 1200, 5900)));
    assert_eq!(rows(&store, "de.wikipedia", "desktop-site", day), None, "800 is not above 1000");
    assert_eq!(rows(&store, "de.wikipedia", "all-sites", day), Some((2000, 500, 1500)));
    assert_eq!(rows(&store, "wikidata", "desktop-site", day), Some((1001, 1, 1000)));
    assert_eq!(rows(&store, "wikidata", "mobile-site", day), None, "1000 is not above 1000");
    assert_eq!(rows(&store, "wikidata", "all-sites", day), Some((1001, 1, 1000)));
    assert_eq!(rows(&store, "m.wikidata", "mobile-site", day), None);
    // Current format: mobile web and mobile app add up before the threshold.
    assert_eq!(rows(&store, "en.wikipedia", "desktop-site", month), Some((1100, 300, 800)));
    assert_eq!(rows(&store, "en.wikipedia", "mobile-site", month), Some((1300, 200, 1100)));
    assert_eq!(rows(&store, "en.wikipedia", "all-sites", month), Some((2400, 500, 1900)));
    assert_eq!(rows(&store, "it.wikipedia", "all-sites", month), None);
    // Families: above 1000, wikidata excluded.
    assert_eq!(
        rows(&store, "all-wikipedia-projects", "all-sites", day),
        Some((100000, 10000, 90000))
    );
    assert_eq!(rows(&store, "all-wikidata-projects", "all-sites", day), None);
    assert_eq!(rows(&store, "all-wiktionary-projects", "all-sites", day), None);
    // The report: every line read, the two bad ones named with file and line.
    assert_eq!(report.lines_read, 15);
    assert_eq!(report.skipped_total(), 2);
    assert!(
        report.examples.iter().any(|e| e.contains("daily-2024-01-05.gz:7: not a count")),
        "{:?}",
        report.examples
    );
    assert!(
        report.examples.iter().any(|e| e.contains(":8: wrong number of fields")),
        "{:?}",
        report.examples
    );
    // 7 rows from the daily file (en: 3, de: 2, wikidata: 2), 3 from the monthly, 1 family row.
    assert_eq!(report.series_rows, 11);
    assert_eq!(store.scan_series(&DEVICES, day, day).unwrap().len(), 7);
    assert_eq!(store.scan_series(&FAMILIES, day, day).unwrap().len(), 1);
}

#[test]
fn reloading_a_day_replaces_only_that_day_of_that_file_kind() {
    let dir = tempfile::tempdir().unwrap();
    let store = MemoryStore::new();
    let daily = |d: &str, lines: &[&str]| {
        gz(dir.path(), &format!("unique_devices_per_domain_daily-{d}.gz"), lines)
    };
    let family = gz(
        dir.path(),
        "unique_devices_per_project_family_daily-2024-01-05.gz",
        &["wikipedia\t9000\t1000\t10000"],
    );
    load(&store, &[daily("2024-01-05", LEGACY_DAY), daily("2024-01-06", LEGACY_DAY), family], 0.5)
        .unwrap();
    let day = Period::Day(Day::from_ymd(2024, 1, 5).unwrap());
    let next = Period::Day(Day::from_ymd(2024, 1, 6).unwrap());
    // The day again, without de.wikipedia and with more en.wikipedia desktop devices.
    load(&store, &[daily("2024-01-05", &["en.wikipedia.org\t1900\t200\t2100"])], 0.0).unwrap();
    assert_eq!(
        rows(&store, "de.wikipedia", "all-sites", day),
        None,
        "the old rows of the day are gone"
    );
    assert_eq!(rows(&store, "en.wikipedia", "all-sites", day), Some((2100, 200, 1900)));
    assert_eq!(
        rows(&store, "de.wikipedia", "all-sites", next),
        Some((2000, 500, 1500)),
        "other days stay"
    );
    assert_eq!(
        rows(&store, "all-wikipedia-projects", "all-sites", day),
        Some((10000, 1000, 9000)),
        "families stay"
    );
    // Each file's day is recorded as loaded (the zero-filled routes' 0 against null), per
    // table: the family file covered its day of the families table only.
    use aqs_core::coverage::covered;
    let january = (
        Period::Day(Day::from_ymd(2024, 1, 1).unwrap()),
        Period::Day(Day::from_ymd(2024, 1, 31).unwrap()),
    );
    let devices = covered(&store, &DEVICES, january.0, january.1).unwrap();
    assert_eq!(devices.into_iter().collect::<Vec<_>>(), [day, next]);
    let families = covered(&store, &FAMILIES, january.0, january.1).unwrap();
    assert_eq!(families.into_iter().collect::<Vec<_>>(), [day]);
}

#[test]
fn a_file_with_too_many_bad_lines_stores_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let store = MemoryStore::new();
    // Past the 10 bad lines any file may have: 2 of the day and 10 more.
    let mut lines = LEGACY_DAY.to_vec();
    lines.extend(["still no tabs"; 10]);
    let path = gz(dir.path(), "unique_devices_per_domain_daily-2024-01-05.gz", &lines);
    let error = load(&store, &[path], 0.1).unwrap_err().to_string();
    assert!(
        error.contains(
            "unique_devices_per_domain_daily-2024-01-05.gz: 12 of 18 lines are malformed"
        ),
        "{error}"
    );
    let day = Period::Day(Day::from_ymd(2024, 1, 5).unwrap());
    assert!(store.scan_series(&DEVICES, day, day).unwrap().is_empty());
    assert!(aqs_core::coverage::covered(&store, &DEVICES, day, day).unwrap().is_empty());
}

/// Reads a generated gzip file's lines.
fn gz_lines(path: &Path) -> Vec<Vec<String>> {
    let mut text = String::new();
    std::io::Read::read_to_string(
        &mut flate2::read::GzDecoder::new(std::fs::File::open(path).unwrap()),
        &mut text,
    )
    .unwrap();
    text.lines().map(|l| l.split('\t').map(str::to_string).collect()).collect()
}

#[test]
fn generated_samples_load_with_the_defaults_and_match_their_files() {
    let dir = tempfile::tempdir().unwrap();
    let options = aqs_ingest::generate::GenerateOptions {
        out: dir.path().to_path_buf(),
        start: Day::from_ymd(2024, 1, 30).unwrap(),
        days: 3,
        projects: 6,
        articles: 200,
        seed: 7,
    };
    let summary = aqs_ingest::generate::generate(&options, |_, _| {}).unwrap();
    let ud: Vec<PathBuf> = summary
        .files
        .iter()
        .filter(|p| p.to_string_lossy().contains("unique_devices"))
        .cloned()
        .collect();
    // Three days of both kinds, and January's monthly files (its last day is generated).
    assert_eq!(ud.len(), 8, "{ud:?}");
    let store = MemoryStore::new();
    load(&store, &ud, 0.001).unwrap();
    let day = Day::from_ymd(2024, 1, 31).unwrap();
    let file =
        ud.iter().find(|p| p.ends_with("unique_devices_per_domain_daily-2024-01-31.gz")).unwrap();
    // Independently: the legacy hosts of en.wikipedia, and the sum of their estimates.
    let lines = gz_lines(file);
    let estimate = |host: &str| -> u64 {
        lines.iter().find(|f| f[0] == host).map(|f| f[3].parse().unwrap()).unwrap_or(0)
    };
    let (desktop, mobile) = (estimate("en.wikipedia.org"), estimate("en.m.wikipedia.org"));
    assert!(desktop > 1000 && mobile > 1000);
    let got = rows(&store, "en.wikipedia", "all-sites", Period::Day(day)).unwrap();
    assert_eq!(got.0, desktop + mobile);
    assert_eq!(
        rows(&store, "wikidata", "mobile-site", Period::Day(day)).unwrap().0,
        estimate("m.wikidata.org")
    );
    assert_eq!(
        rows(&store, "xh.wikipedia", "all-sites", Period::Day(day)),
        None,
        "below the threshold"
    );
    let families = gz_lines(
        ud.iter()
            .find(|p| p.ends_with("unique_devices_per_project_family_daily-2024-01-31.gz"))
            .unwrap(),
    );
    let wikipedia: u64 = families.iter().find(|f| f[0] == "wikipedia").unwrap()[3].parse().unwrap();
    assert_eq!(
        rows(&store, "all-wikipedia-projects", "all-sites", Period::Day(day)).unwrap().0,
        wikipedia
    );
    assert_eq!(rows(&store, "all-wikidata-projects", "all-sites", Period::Day(day)), None);
    let month = Period::Month(YearMonth::new(2024, 1).unwrap());
    assert!(rows(&store, "en.wikipedia", "all-sites", month).unwrap().0 > got.0);
}

#[test]
fn exported_unique_devices_rows_import_as_they_are() {
    use aqs_ingest::import::{ImportTable, import_files};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("unique.devices.jsonl");
    std::fs::write(
        &path,
        concat!(
            r#"{"_domain":"analytics.wikimedia.org","project":"en.wikipedia","access-site":"all-sites","granularity":"daily","timestamp":"20160101","devices":62614522,"offset":"13127765","underestimate":49486757}"#,
            "\n",
            r#"{"project":"all-wikipedia-projects","access-site":"all-sites","granularity":"monthly","timestamp":"20160101","devices":5,"offset":null,"underestimate":5}"#,
            "\n"
        ),
    )
    .unwrap();
    let store = MemoryStore::new();
    let report = import_files(&store, ImportTable::UniqueDevices, &[path]).unwrap();
    assert_eq!((report.rows_read, report.series_rows), (2, 2));
    let day = Period::Day(Day::from_ymd(2016, 1, 1).unwrap());
    assert_eq!(
        rows(&store, "en.wikipedia", "all-sites", day),
        Some((62614522, 13127765, 49486757))
    );
    let month = Period::Month(YearMonth::new(2016, 1).unwrap());
    assert_eq!(rows(&store, "all-wikipedia-projects", "all-sites", month), Some((5, 0, 5)));
    // An export holds whole periods: those it has rows of are loaded, each in its table.
    use aqs_core::coverage::covered;
    assert_eq!(covered(&store, &DEVICES, day, day).unwrap().len(), 1);
    assert_eq!(covered(&store, &FAMILIES, day, day).unwrap().len(), 0);
    assert_eq!(covered(&store, &FAMILIES, month, month).unwrap().len(), 1);

    let bad = dir.path().join("bad.jsonl");
    std::fs::write(
        &bad,
        concat!(
            r#"{"project":"de.wikipedia","access-site":"all-sites","granularity":"daily","timestamp":"20160101","devices":1,"offset":0,"underestimate":1}"#,
            "\n",
            r#"{"project":"de.wikipedia","access-site":"all-sites","granularity":"monthly","timestamp":"20160115","devices":1,"offset":0,"underestimate":1}"#,
            "\n"
        ),
    )
    .unwrap();
    let error =
        format!("{:#}", import_files(&store, ImportTable::UniqueDevices, &[bad]).unwrap_err());
    assert!(error.contains("bad.jsonl:2") && error.contains("YYYYMM01"), "{error}");
    assert_eq!(
        rows(&store, "de.wikipedia", "all-sites", day),
        None,
        "nothing of the file is stored"
    );
}

#[test]
fn the_format_flag_still_needs_the_public_name() {
    let dir = tempfile::tempdir().unwrap();
    let path = gz(dir.path(), "devices.gz", LEGACY_DAY);
    let allowlist = Allowlist::shipped();
    // Each format whose files carry their period in their name says which name it needs.
    for (format, rule) in [
        ("unique-devices", "a unique devices file must keep its public name"),
        ("projectcounts", "a legacy projectcounts file must keep its public name, projectcounts-"),
        ("pagecounts-ez", "a pagecounts-ez daily file must keep its public name, pagecounts-"),
        ("geoeditors", "a geoeditors file must keep its public name, geoeditors-monthly-"),
        ("mediacounts", "a mediacounts file must keep its public name, mediacounts."),
        ("projectviews", "a projectviews file must keep its public name, projectviews-"),
        ("pageview-complete", "a pageview_complete file must keep its public name, pageviews-"),
    ] {
        let options = LoadOptions {
            allowlist: &allowlist,
            disallowed: &Disallowed::default(),
            max_bad_share: 0.5,
            format: aqs_ingest::load::DumpFormat::parse(format),
            progress: &NoProgress,
            memory_bytes: 64 << 20,
            spill_dir: std::env::temp_dir(),
            day_seconds: None,
            snapshot: None,
        };
        let store = MemoryStore::new();
        let error = load_files(&store, std::slice::from_ref(&path), &options).unwrap_err();
        assert!(error.to_string().contains(&format!("devices.gz: {rule}")), "{format}: {error}");
    }
}

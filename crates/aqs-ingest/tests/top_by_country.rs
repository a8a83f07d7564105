//! Top-by-country rows imported from an AQS export: numbers and older bucket strings, list
//! order, a list replacing its stored list whole, and bad rows refusing the file.

use aqs_core::dates::{Period, YearMonth};
use aqs_core::memory::MemoryStore;
use aqs_core::table::TableRead;
use aqs_core::top_by_country::{CountryViews, TOP_BY_COUNTRY, Views, list};
use aqs_ingest::import::{ImportTable, import_files};

fn stored(store: &MemoryStore, project: &str, access: &str, month: YearMonth) -> Vec<CountryViews> {
    let period = Period::Month(month);
    let rows = store.series(&TOP_BY_COUNTRY, &[project, access], period, period).unwrap();
    list(rows.into_iter().map(|r| (r.sub, r.values)).collect())
}

#[test]
fn exported_lists_are_imported_in_their_order() {
    let dir = tempfile::tempdir().unwrap();
    let store = MemoryStore::new();
    let path = dir.path().join("top.jsonl");
    std::fs::write(
        &path,
        concat!(
            r#"{"_domain":"analytics.wikimedia.org","project":"en.wikipedia","access":"all-access","year":"2020","month":"05","countriesJSON":"[{\"country\":\"US\",\"views\":3171766000,\"rank\":1},{\"country\":\"FR\",\"views\":\"2000\",\"rank\":3}]"}"#,
            "\n",
            r#"{"project":"all-projects","access":"desktop","year":"2016","month":"01","countriesJSON":[{"country":"DE","views":"1000000-9999999","rank":1}]}"#,
            "\n",
        ),
    )
    .unwrap();
    import_files(&store, ImportTable::TopByCountry, &[path]).unwrap();
    let may = YearMonth::new(2020, 5).unwrap();
    let c = |country: &str, views, rank| CountryViews { country: country.into(), views, rank };
    assert_eq!(
        stored(&store, "en.wikipedia", "all-access", may),
        [c("US", Views::Ceiled(3_171_766_000), 1), c("FR", Views::Ceiled(2000), 3)]
    );
    let january = YearMonth::new(2016, 1).unwrap();
    assert_eq!(stored(&store, "all-projects", "desktop", january), [c("DE", Views::Bucket(7), 1)]);

    let shorter = dir.path().join("shorter.jsonl");
    std::fs::write(
        &shorter,
        r#"{"project":"en.wikipedia","access":"all-access","year":"2020","month":"05","countriesJSON":[{"country":"JP","views":5000,"rank":1}]}"#,
    )
    .unwrap();
    import_files(&store, ImportTable::TopByCountry, &[shorter]).unwrap();
    assert_eq!(
        stored(&store, "en.wikipedia", "all-access", may),
        [c("JP", Views::Ceiled(5000), 1)]
    );

    let bad = dir.path().join("bad.jsonl");
    std::fs::write(
        &bad,
        r#"{"project":"en.wikipedia","access":"all-access","year":"2020","month":"06","countriesJSON":[{"country":"JP","views":"lots","rank":1}]}"#,
    )
    .unwrap();
    let error =
        format!("{:#}", import_files(&store, ImportTable::TopByCountry, &[bad]).unwrap_err());
    assert!(error.contains("bad.jsonl:1") && error.contains("bucket string"), "{error}");
}

#[test]
fn a_projectview_hourly_export_gives_the_monthly_lists() {
    let dir = tempfile::tempdir().unwrap();
    let store = MemoryStore::new();
    let path = dir.path().join("projectview_hourly_2020_05.tsv");
    let line = |project: &str, access: &str, agent: &str, country: &str, views: u64, day: u8| {
        format!(
            "{project}\t{access}\t\\N\t{agent}\tinternal\tEurope\t{country}\t1\t{views}\t2020\t5\t{day}\t3\n"
        )
    };
    let text = [
        line("en.wikipedia", "desktop", "user", "US", 300_000, 1),
        line("en.wikipedia", "desktop", "user", "US", 200_000, 2),
        line("en.wikipedia", "mobile web", "user", "US", 600_000, 1),
        line("en.wikipedia", "desktop", "user", "FR", 150, 1),
        line("en.wikipedia", "desktop", "user", "RU", 90_000, 1),
        line("en.wikipedia", "desktop", "user", "--", 99, 1),
        line("en.wikipedia", "desktop", "spider", "US", 1_000_000, 1),
        line("de.wikipedia", "desktop", "user", "DE", 150, 1),
        "en.wikipedia\tdesktop\n".to_string(),
    ]
    .concat();
    std::fs::write(&path, text).unwrap();
    let allowlist = aqs_ingest::lists::Allowlist::shipped();
    let options = aqs_ingest::load::LoadOptions {
        allowlist: &allowlist,
        disallowed: &aqs_ingest::lists::Disallowed::default(),
        max_bad_share: 0.001,
        format: aqs_ingest::load::DumpFormat::parse("projectview-hourly"),
        progress: &aqs_ingest::load::NoProgress,
        memory_bytes: 64 << 20,
        spill_dir: std::env::temp_dir(),
        day_seconds: None,
        snapshot: None,
    };
    let report = aqs_ingest::load::load_files(&store, &[path], &options).unwrap();
    assert_eq!(report.skipped_total(), 1);
    let may = YearMonth::new(2020, 5).unwrap();
    let c = |country: &str, views, rank| CountryViews {
        country: country.into(),
        views: Views::Ceiled(views),
        rank,
    };
    // RU ranks 2 and is removed after ranking (protected); `--` has 99 views, not more.
    assert_eq!(
        stored(&store, "en.wikipedia", "desktop", may),
        [c("US", 500_000, 1), c("FR", 1000, 3)]
    );
    assert_eq!(
        stored(&store, "en.wikipedia", "all-access", may),
        [c("US", 1_100_000, 1), c("FR", 1000, 3)]
    );
    assert_eq!(stored(&store, "en.wikipedia", "mobile-web", may), [c("US", 600_000, 1)]);
    // DE and FR tie at 150 views: both rank 3, ordered by country.
    assert_eq!(
        stored(&store, "all-projects", "desktop", may),
        [c("US", 500_000, 1), c("DE", 1000, 3), c("FR", 1000, 3)]
    );
    assert_eq!(
        stored(&store, "all-projects", "all-access", may),
        [c("US", 1_100_000, 1), c("DE", 1000, 3), c("FR", 1000, 3)]
    );
}

#[test]
fn exported_top_per_country_lists_are_imported_in_their_order() {
    use aqs_core::dates::Day;
    use aqs_core::top_per_country::{ArticleEntry, TOP_PER_COUNTRY, list as articles};
    let dir = tempfile::tempdir().unwrap();
    let store = MemoryStore::new();
    let path = dir.path().join("percountry.jsonl");
    std::fs::write(
        &path,
        r#"{"country":"US","access":"mobile-web","year":"2021","month":"01","day":"01","articles":"[{\"article\":\"o\\\"n\\\"e\",\"project\":\"fr.wikipedia\",\"views_ceil\":1400,\"rank\":1},{\"article\":\"A B\",\"project\":\"en.wikipedia\",\"views_ceil\":1100,\"rank\":2}]"}"#,
    )
    .unwrap();
    import_files(&store, ImportTable::TopPerCountry, &[path]).unwrap();
    let day = Period::Day(Day::from_ymd(2021, 1, 1).unwrap());
    let rows = store.series(&TOP_PER_COUNTRY, &["US", "mobile-web"], day, day).unwrap();
    let got = articles(rows.into_iter().map(|r| (r.sub, r.values)).collect());
    let e = |article: &str, project: &str, views_ceil, rank| ArticleEntry {
        article: article.into(),
        project: project.into(),
        views_ceil,
        rank,
    };
    assert_eq!(got, [e("o\"n\"e", "fr.wikipedia", 1400, 1), e("A B", "en.wikipedia", 1100, 2)]);

    let bad = dir.path().join("bad.jsonl");
    std::fs::write(
        &bad,
        r#"{"country":"US","access":"mobile-web","year":"2021","month":"01","day":"all-days","articles":[]}"#,
    )
    .unwrap();
    let error =
        format!("{:#}", import_files(&store, ImportTable::TopPerCountry, &[bad]).unwrap_err());
    assert!(error.contains("bad.jsonl:1") && error.contains("zero-padded day"), "{error}");
}

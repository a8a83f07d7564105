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

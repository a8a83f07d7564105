//! Conformance of the entity shape ([`crate::table::Shape::Entity`]): read and written like a
//! series, with the group rules of the shape, on a test table of its own. Run by
//! [`crate::series_conformance`] on every backend.

use super::day;
use super::series::SeriesStore;
use crate::dates::Period;
use crate::table::Dataset;
use crate::table::{
    Numbers, SeriesBatch, SeriesChanges, SeriesEntry, SeriesRow, Shape, TableDef, ValueColumn,
};

/// Two counters per (referer, file) and day; `all` is the total of `g1`…`g3`.
pub static FILES: TableDef = TableDef {
    name: "conformance_files",
    dataset: Dataset::MediaRequests,
    shape: Shape::Entity { groups: &["all", "g1", "g2", "g3"] },
    period_index: true,
    key: &["referer", "file"],
    sub: None,
    values: &[ValueColumn::u64("user"), ValueColumn::u64("spider")],
};

fn row(group: &str, file: &str, d: u8, user: u64, spider: u64) -> SeriesRow {
    SeriesRow {
        key: vec![group.to_string(), file.to_string()],
        period: Period::Day(day(2024, 3, d)),
        sub: String::new(),
        values: Numbers::counters(&[user, spider]),
    }
}

fn publish(store: &dyn SeriesStore, replace: &[(u8, u8)], rows: Vec<SeriesRow>) {
    let replace = replace
        .iter()
        .map(|(a, b)| (Period::Day(day(2024, 3, *a)), Period::Day(day(2024, 3, *b))))
        .collect();
    let batch = SeriesBatch {
        dataset: FILES.dataset,
        changes: vec![SeriesChanges { table: &FILES, replace, rows }],
    };
    store.publish_series(&batch).expect("publication succeeds");
}

/// (day of March 2024, user, spider) of a key over March.
fn read(store: &dyn SeriesStore, group: &str, file: &str) -> Vec<(u8, u64, u64)> {
    let (first, last) = (Period::Day(day(2024, 3, 1)), Period::Day(day(2024, 3, 31)));
    let got: Vec<SeriesEntry> = store.series(&FILES, &[group, file], first, last).expect("read");
    got.iter()
        .map(|e| {
            let Period::Day(d) = e.period else { panic!("a daily row") };
            let day_of_month = (d.epoch_days() - day(2024, 3, 1).epoch_days() + 1) as u8;
            (day_of_month, e.values.0[0], e.values.0[1])
        })
        .collect()
}

pub fn entity_rows_round_trip_with_the_group_rules(store: &dyn SeriesStore) {
    let odd = "/wikipedia/commons/a/ab/Caf%C3%A9%2C_\"1900\"_(100%).jpg";
    publish(
        store,
        &[],
        vec![
            row("all", "/f.jpg", 1, 7, 1),
            row("g1", "/f.jpg", 1, 5, 1),
            row("g2", "/f.jpg", 1, 2, 0),
            row("g3", "/f.jpg", 1, 0, 0),
            // The total missing: it is their sum.
            row("g2", odd, 31, 3, 4),
            row("g3", odd, 31, 1, 0),
            // A total that is not the sum is kept as given.
            row("all", "/f.jpg", 2, 100, 0),
            row("g1", "/f.jpg", 2, 1, 0),
            // A referer outside the groups keeps its rows as given, zeros too.
            row("en.wikipedia", "/f.jpg", 1, 0, 0),
            row("en.wikipedia", "/f.jpg", 3, 9, 9),
        ],
    );
    assert_eq!(read(store, "all", "/f.jpg"), vec![(1, 7, 1), (2, 100, 0)]);
    assert_eq!(read(store, "g1", "/f.jpg"), vec![(1, 5, 1), (2, 1, 0)]);
    assert_eq!(read(store, "g2", "/f.jpg"), vec![(1, 2, 0)]);
    assert_eq!(read(store, "g3", "/f.jpg"), vec![], "a zero group reads as absent");
    assert_eq!(read(store, "all", odd), vec![(31, 4, 4)]);
    assert_eq!(read(store, "g2", odd), vec![(31, 3, 4)]);
    assert_eq!(read(store, "en.wikipedia", "/f.jpg"), vec![(1, 0, 0), (3, 9, 9)]);
    assert_eq!(read(store, "de.wikipedia", "/f.jpg"), vec![]);
    assert_eq!(read(store, "all", "/F.jpg"), vec![], "names are byte-exact");
    let (first, last) = (Period::Day(day(2024, 3, 2)), Period::Day(day(2024, 3, 2)));
    assert_eq!(store.series(&FILES, &["all", "/f.jpg"], first, last).expect("read").len(), 1);
    let month = Period::Month(day(2024, 3, 1).year_month());
    assert!(store.series(&FILES, &["all", "/f.jpg"], month, month).expect("read").is_empty());
    let scanned = store.scan_series(&FILES, first, Period::Day(day(2024, 3, 3))).expect("scan");
    let keys: Vec<(String, String, u64)> =
        scanned.iter().map(|r| (r.key[0].clone(), r.key[1].clone(), r.values.0[0])).collect();
    let k = |g: &str, u| (g.to_string(), "/f.jpg".to_string(), u);
    assert_eq!(keys, vec![k("all", 100), k("en.wikipedia", 9), k("g1", 1)]);
}

pub fn entity_days_are_replaced_and_other_rows_upserted(store: &dyn SeriesStore) {
    publish(
        store,
        &[(1, 2)],
        vec![
            row("all", "/a", 1, 3, 0),
            row("g1", "/a", 1, 3, 0),
            row("all", "/a", 2, 4, 0),
            row("g2", "/a", 2, 4, 0),
            row("all", "/b", 2, 1, 0),
            row("g3", "/b", 2, 1, 0),
        ],
    );
    // Reloading day 2: its rows go, whatever the file; the new ones come.
    publish(store, &[(2, 2)], vec![row("all", "/a", 2, 8, 0), row("g1", "/a", 2, 8, 0)]);
    assert_eq!(read(store, "all", "/a"), vec![(1, 3, 0), (2, 8, 0)]);
    assert_eq!(read(store, "g2", "/a"), vec![], "the reloaded day's old groups are gone");
    assert_eq!(read(store, "g1", "/a"), vec![(1, 3, 0), (2, 8, 0)]);
    assert_eq!(read(store, "all", "/b"), vec![]);
    // Without a replaced day, a row replaces its own group only.
    publish(store, &[], vec![row("all", "/a", 1, 5, 0), row("g2", "/a", 1, 2, 0)]);
    assert_eq!(read(store, "all", "/a"), vec![(1, 5, 0), (2, 8, 0)]);
    assert_eq!(read(store, "g1", "/a"), vec![(1, 3, 0), (2, 8, 0)]);
    assert_eq!(read(store, "g2", "/a"), vec![(1, 2, 0)]);
    // A replaced day without rows empties it.
    publish(store, &[(1, 1)], vec![]);
    assert_eq!(read(store, "all", "/a"), vec![(2, 8, 0)]);
}

pub fn entity_tables_take_daily_rows_only(store: &dyn SeriesStore) {
    let generation = store.dataset_generation(FILES.dataset).expect("generation");
    let mut monthly = row("all", "/m", 1, 1, 0);
    monthly.period = Period::Month(day(2024, 3, 1).year_month());
    let batch = SeriesBatch {
        dataset: FILES.dataset,
        changes: vec![SeriesChanges {
            table: &FILES,
            replace: vec![],
            rows: vec![row("all", "/m", 2, 1, 0), monthly],
        }],
    };
    let err = store.publish_series(&batch).expect_err("a monthly row is refused");
    assert!(err.to_string().contains("conformance_files"), "{err}");
    assert!(read(store, "all", "/m").is_empty());
    assert_eq!(store.dataset_generation(FILES.dataset).expect("generation"), generation);
    // An accepted one moves its dataset's generation and no other (the response caches of
    // pageviews stay warm through a media load).
    let before: Vec<u64> =
        Dataset::ALL.iter().map(|d| store.dataset_generation(*d).expect("generation")).collect();
    publish(store, &[(2, 2)], vec![row("all", "/m", 2, 1, 0)]);
    for (dataset, before) in Dataset::ALL.iter().zip(&before) {
        let now = store.dataset_generation(*dataset).expect("generation");
        assert_eq!(now != *before, *dataset == FILES.dataset, "{}", dataset.name());
    }
}

pub fn entity_month_sums_add_the_days_of_each_key(store: &dyn SeriesStore) {
    let mut april = row("all", "/a", 1, 100, 0);
    april.period = Period::Day(day(2024, 4, 1));
    publish(
        store,
        &[],
        vec![
            row("all", "/a", 1, 3, 1),
            row("g1", "/a", 1, 3, 1),
            row("all", "/a", 2, 4, 0),
            row("g2", "/a", 2, 4, 0),
            row("en.wikipedia", "/a", 5, 2, 2),
            row("all", "/b", 31, 1, 0),
            row("g3", "/b", 31, 1, 0),
            april,
        ],
    );
    let mut got = std::collections::BTreeMap::new();
    let month = day(2024, 3, 1).year_month();
    store
        .entity_month_sums(&FILES, month, &mut |key, values| {
            assert!(
                got.insert(key.to_vec(), (values.0[0], values.0[1])).is_none(),
                "{key:?} twice"
            );
            Ok(())
        })
        .expect("month sums");
    let k = |g: &str, f: &str| vec![g.to_string(), f.to_string()];
    let expected = std::collections::BTreeMap::from([
        (k("all", "/a"), (7, 1)),
        (k("g1", "/a"), (3, 1)),
        (k("g2", "/a"), (4, 0)),
        (k("en.wikipedia", "/a"), (2, 2)),
        (k("all", "/b"), (1, 0)),
        (k("g3", "/b"), (1, 0)),
    ]);
    assert_eq!(got, expected);
}

//! Conformance of the series shape ([`crate::table`]): what every backend's series tables do,
//! on two test tables of their own (a store keeps any declared table the same way).

use super::day;
use crate::dates::{Hour, Period, YearMonth};
use crate::table::{
    Dataset, KeyMatch, Numbers, SeriesBatch, SeriesChanges, SeriesEntry, SeriesRow, Shape,
    TableDef, TableRead, TableWrite, ValueColumn,
};

/// A backend's series tables, as the suite sees them.
pub trait SeriesStore: TableRead + TableWrite {}
impl<T: TableRead + TableWrite> SeriesStore for T {}

/// Expands to one test per series conformance case, each on a fresh store from `$make`: a
/// value that derefs to the store (a `Box` of it, or a guard that drops its database).
#[macro_export]
macro_rules! series_conformance {
    ($make:expr) => {
        $crate::series_conformance!(@cases $make; series;
            series_round_trip_in_period_then_sub_order, series_reads_respect_key_bounds_and_granularity,
            replacing_periods_drops_only_those_rows, a_publication_moves_only_its_datasets_generation,
            a_refused_batch_writes_nothing, series_values_and_text_round_trip_exactly,
            deleting_rows_by_a_key_part_leaves_the_others, coverage_is_published_with_its_rows);
        $crate::series_conformance!(@cases $make; entity;
            entity_rows_round_trip_with_the_group_rules,
            entity_days_are_replaced_and_other_rows_upserted, entity_tables_take_daily_rows_only,
            entity_month_sums_add_the_days_of_each_key);
        $crate::series_conformance!(@cases $make; ranked;
            ranked_lists_round_trip_in_period_then_name_order,
            ranked_entries_upsert_and_replaced_days_drop_lists,
            deleting_lists_by_a_key_part_leaves_the_others,
            lists_without_a_period_index_read_scan_and_delete_as_indexed_ones);
        $crate::series_conformance!(@cases $make; history;
            killed_loads_are_deleted_unless_readers_read_them,
            a_killed_drop_is_finished_by_the_next_clean);
    };
    (@cases $make:expr; $module:ident; $($case:ident),+) => {
        $(
            #[test]
            fn $case() {
                let store = $make;
                $crate::conformance::$module::$case(&*store);
            }
        )+
    };
}

/// Two counters per (project, site), no sub column.
pub static COUNTS: TableDef = TableDef {
    name: "conformance_counts",
    dataset: Dataset::UniqueDevices,
    shape: Shape::Series,
    period_index: true,
    key: &["project", "site"],
    sub: None,
    values: &[ValueColumn::u64("a"), ValueColumn::u64("b")],
};

/// A float per (project, group), period and metric.
pub static METRICS: TableDef = TableDef {
    name: "conformance_metrics",
    dataset: Dataset::KnowledgeGap,
    shape: Shape::Series,
    period_index: true,
    key: &["project", "group"],
    sub: Some("metric"),
    values: &[ValueColumn::f64("value")],
};

fn row(key: &[&str], period: Period, sub: &str, values: Numbers) -> SeriesRow {
    SeriesRow {
        key: key.iter().map(|k| k.to_string()).collect(),
        period,
        sub: sub.to_string(),
        values,
    }
}

fn publish(
    store: &dyn SeriesStore,
    table: &'static TableDef,
    replace: &[(Period, Period)],
    rows: Vec<SeriesRow>,
) {
    let batch = SeriesBatch {
        dataset: table.dataset,
        changes: vec![SeriesChanges { table, replace: replace.to_vec(), rows }],
    };
    store.publish_series(&batch).expect("publication succeeds");
}

fn read(
    store: &dyn SeriesStore,
    table: &'static TableDef,
    key: &[&str],
    first: Period,
    last: Period,
) -> Vec<SeriesEntry> {
    store.series(table, key, first, last).expect("read succeeds")
}

fn d(y: i32, m: u8, dd: u8) -> Period {
    Period::Day(day(y, m, dd))
}

fn month(y: i32, m: u8) -> Period {
    Period::Month(YearMonth::new(y, m).expect("valid month"))
}

fn periods(entries: &[SeriesEntry]) -> Vec<(Period, String)> {
    entries.iter().map(|e| (e.period, e.sub.clone())).collect()
}

pub fn series_round_trip_in_period_then_sub_order(store: &dyn SeriesStore) {
    let key = ["en.wikipedia", "gender"];
    publish(
        store,
        &METRICS,
        &[],
        vec![
            row(&key, month(2024, 2), "pageviews_sum", Numbers::float(7.5)),
            row(&key, month(2024, 1), "revision_count", Numbers::float(3.0)),
            row(&key, month(2024, 1), "article_count", Numbers::float(1.0)),
            row(&["en.wikipedia", "time"], month(2024, 1), "article_count", Numbers::float(9.0)),
        ],
    );
    let got = read(store, &METRICS, &key, month(2024, 1), month(2024, 12));
    assert_eq!(
        periods(&got),
        vec![
            (month(2024, 1), "article_count".to_string()),
            (month(2024, 1), "revision_count".to_string()),
            (month(2024, 2), "pageviews_sum".to_string()),
        ]
    );
    assert_eq!(got[2].values.f64(0), 7.5);
    assert!(
        read(store, &METRICS, &["en.wikipedia", "gende"], month(2024, 1), month(2024, 12))
            .is_empty()
    );
}

pub fn series_reads_respect_key_bounds_and_granularity(store: &dyn SeriesStore) {
    let hour = |dd: u8, h: u8| Period::Hour(Hour::new(day(2024, 3, dd), h).expect("valid hour"));
    let counts = |a: u64| Numbers::counters(&[a, a + 1]);
    publish(
        store,
        &COUNTS,
        &[],
        vec![
            row(&["en.wikipedia", "all-sites"], d(2024, 2, 29), "", counts(1)),
            row(&["en.wikipedia", "all-sites"], d(2024, 3, 1), "", counts(2)),
            row(&["en.wikipedia", "all-sites"], d(2024, 3, 31), "", counts(3)),
            row(&["en.wikipedia", "all-sites"], month(2024, 3), "", counts(4)),
            row(&["en.wikipedia", "all-sites"], hour(1, 0), "", counts(5)),
            row(&["en.wikipedia", "all-sites"], hour(1, 23), "", counts(6)),
            // Keys whose parts are prefixes of each other's must not mix.
            row(&["en.wikipedia", "all-sites2"], d(2024, 3, 1), "", counts(7)),
            row(&["en.wikipediaall-sites", ""], d(2024, 3, 1), "", counts(8)),
            row(&["en.wikipedi", "aall-sites"], d(2024, 3, 1), "", counts(9)),
        ],
    );
    let key = ["en.wikipedia", "all-sites"];
    let daily = read(store, &COUNTS, &key, d(2024, 1, 1), d(2024, 12, 31));
    assert_eq!(daily.iter().map(|e| e.values.0[0]).collect::<Vec<_>>(), vec![1, 2, 3]);
    assert_eq!(daily[0].values, Numbers::counters(&[1, 2]));
    let inner = read(store, &COUNTS, &key, d(2024, 3, 1), d(2024, 3, 30));
    assert_eq!(inner.iter().map(|e| e.values.0[0]).collect::<Vec<_>>(), vec![2]);
    let monthly = read(store, &COUNTS, &key, month(2024, 1), month(2024, 3));
    assert_eq!(monthly.iter().map(|e| e.values.0[0]).collect::<Vec<_>>(), vec![4]);
    let hourly = read(store, &COUNTS, &key, hour(1, 0), hour(1, 23));
    assert_eq!(hourly.iter().map(|e| e.values.0[0]).collect::<Vec<_>>(), vec![5, 6]);
    assert!(read(store, &COUNTS, &key, d(2024, 3, 2), d(2024, 3, 30)).is_empty());
    assert!(read(store, &COUNTS, &key, d(2024, 3, 31), d(2024, 3, 1)).is_empty());
    assert!(
        read(store, &METRICS, &key, d(2024, 1, 1), d(2024, 12, 31)).is_empty(),
        "another table"
    );
    let other =
        read(store, &COUNTS, &["en.wikipedia", "all-sites2"], d(2024, 1, 1), d(2024, 12, 31));
    assert_eq!(other.iter().map(|e| e.values.0[0]).collect::<Vec<_>>(), vec![7]);
    let joined =
        read(store, &COUNTS, &["en.wikipediaall-sites", ""], d(2024, 1, 1), d(2024, 12, 31));
    assert_eq!(joined.iter().map(|e| e.values.0[0]).collect::<Vec<_>>(), vec![8]);
}

pub fn replacing_periods_drops_only_those_rows(store: &dyn SeriesStore) {
    let key = ["en.wikipedia", "all-sites"];
    let one = |v: u64| Numbers::counters(&[v, 0]);
    publish(
        store,
        &COUNTS,
        &[],
        vec![
            row(&key, d(2024, 3, 1), "", one(1)),
            row(&key, d(2024, 3, 2), "", one(2)),
            row(&["de.wikipedia", "all-sites"], d(2024, 3, 2), "", one(3)),
            row(&key, month(2024, 3), "", one(4)),
        ],
    );
    publish(store, &METRICS, &[], vec![row(&key, d(2024, 3, 2), "m", Numbers::float(1.0))]);
    // Reloading March 2: its rows go, whatever their key; the new ones come.
    publish(
        store,
        &COUNTS,
        &[(d(2024, 3, 2), d(2024, 3, 2))],
        vec![row(&key, d(2024, 3, 2), "", one(20))],
    );
    let got = read(store, &COUNTS, &key, d(2024, 3, 1), d(2024, 3, 31));
    assert_eq!(got.iter().map(|e| e.values.0[0]).collect::<Vec<_>>(), vec![1, 20]);
    assert!(
        read(store, &COUNTS, &["de.wikipedia", "all-sites"], d(2024, 3, 1), d(2024, 3, 31))
            .is_empty()
    );
    assert_eq!(read(store, &COUNTS, &key, month(2024, 3), month(2024, 3)).len(), 1, "months stay");
    assert_eq!(
        read(store, &METRICS, &key, d(2024, 3, 2), d(2024, 3, 2)).len(),
        1,
        "other tables stay"
    );
    // Without a replaced range, rows are upserted: the last of equal rows wins.
    publish(
        store,
        &COUNTS,
        &[],
        vec![row(&key, d(2024, 3, 1), "", one(10)), row(&key, d(2024, 3, 1), "", one(11))],
    );
    let got = read(store, &COUNTS, &key, d(2024, 3, 1), d(2024, 3, 31));
    assert_eq!(got.iter().map(|e| e.values.0[0]).collect::<Vec<_>>(), vec![11, 20]);
    let scanned = store.scan_series(&COUNTS, d(2024, 3, 1), d(2024, 3, 31)).expect("scan succeeds");
    assert_eq!(scanned.iter().map(|r| r.values.0[0]).collect::<Vec<_>>(), vec![11, 20]);
    assert!(scanned.iter().all(|r| r.key == key));
}

pub fn a_publication_moves_only_its_datasets_generation(store: &dyn SeriesStore) {
    let before: Vec<u64> =
        Dataset::ALL.iter().map(|d| store.dataset_generation(*d).expect("generation")).collect();
    publish(
        store,
        &COUNTS,
        &[],
        vec![row(&["a", "b"], d(2024, 1, 1), "", Numbers::counters(&[1]))],
    );
    for (dataset, before) in Dataset::ALL.iter().zip(&before) {
        let now = store.dataset_generation(*dataset).expect("generation");
        assert_eq!(now != *before, *dataset == COUNTS.dataset, "{}", dataset.name());
    }
}

pub fn a_refused_batch_writes_nothing(store: &dyn SeriesStore) {
    let generation = store.dataset_generation(COUNTS.dataset).expect("generation");
    let batch = SeriesBatch {
        dataset: COUNTS.dataset,
        changes: vec![
            SeriesChanges {
                table: &COUNTS,
                replace: vec![],
                rows: vec![row(&["a", "b"], d(2024, 1, 1), "", Numbers::counters(&[1]))],
            },
            SeriesChanges {
                table: &COUNTS,
                replace: vec![],
                rows: vec![row(&["only one part"], d(2024, 1, 1), "", Numbers::counters(&[1]))],
            },
        ],
    };
    let err = store.publish_series(&batch).expect_err("a row with a missing key part is refused");
    assert!(err.to_string().contains("conformance_counts"), "{err}");
    assert!(read(store, &COUNTS, &["a", "b"], d(2024, 1, 1), d(2024, 1, 1)).is_empty());
    assert_eq!(store.dataset_generation(COUNTS.dataset).expect("generation"), generation);
    let wrong = SeriesBatch { dataset: Dataset::LegacyPagecounts, ..batch };
    assert!(store.publish_series(&wrong).is_err(), "a table of another dataset is refused");
}

pub fn series_values_and_text_round_trip_exactly(store: &dyn SeriesStore) {
    let keys = [["ja.wikipedia", "é/%2F\u{1F600}"], ["x", ""], ["a\u{0}b", "c"]];
    let values = Numbers::counters(&[u64::MAX, 0]);
    let rows = keys.iter().map(|k| row(k, d(1970, 1, 1), "", values)).collect();
    publish(store, &COUNTS, &[], rows);
    for key in &keys {
        let got = read(store, &COUNTS, key, d(1970, 1, 1), d(1970, 1, 1));
        assert_eq!(got.len(), 1, "{key:?}");
        assert_eq!(got[0].values, values);
    }
    assert!(read(store, &COUNTS, &["a", "b\u{0}c"], d(1970, 1, 1), d(1970, 1, 1)).is_empty());
    let floats = [-0.25, 1e300, f64::MIN_POSITIVE, 0.0];
    let rows = floats
        .iter()
        .enumerate()
        .map(|(i, v)| row(&["p", "g"], month(2023, 12), &format!("m{i} ü"), Numbers::float(*v)))
        .collect();
    publish(store, &METRICS, &[], rows);
    let got = read(store, &METRICS, &["p", "g"], month(2023, 12), month(2023, 12));
    assert_eq!(got.iter().map(|e| e.values.f64(0)).collect::<Vec<_>>(), floats.to_vec());
    assert_eq!(got[1].sub, "m1 ü");
}

pub fn deleting_rows_by_a_key_part_leaves_the_others(store: &dyn SeriesStore) {
    let n = |v: u64| Numbers::counters(&[v, 0]);
    let rows = vec![
        row(&["2024-03", "en"], d(2024, 3, 1), "", n(1)),
        row(&["2024-03", "de"], month(2024, 3), "", n(2)),
        row(&["2024-03.1", "en"], d(2024, 3, 1), "", n(3)),
        row(&["2024-04", "en"], d(2024, 3, 1), "", n(4)),
        row(&["x", "2024-03"], d(2024, 3, 1), "", n(5)),
    ];
    publish(store, &COUNTS, &[], rows);
    let generation = store.dataset_generation(COUNTS.dataset).expect("generation");
    let values = |key: &[&str]| -> Vec<u64> {
        let mut out: Vec<u64> = read(store, &COUNTS, key, d(1970, 1, 1), d(2100, 1, 1))
            .into_iter()
            .chain(read(store, &COUNTS, key, month(1970, 1), month(2100, 1)))
            .map(|e| e.values.0[0])
            .collect();
        out.sort();
        out
    };
    let deleted = store.delete_rows(&COUNTS, 0, KeyMatch::Is("2024-03")).expect("deleted");
    assert_eq!(deleted, 2);
    assert!(values(&["2024-03", "en"]).is_empty() && values(&["2024-03", "de"]).is_empty());
    assert_eq!(values(&["2024-03.1", "en"]), [3], "another first part that starts alike");
    assert_eq!(values(&["x", "2024-03"]), [5], "the same text in another part");
    assert_ne!(store.dataset_generation(COUNTS.dataset).expect("generation"), generation);
    store.delete_rows(&COUNTS, 0, KeyMatch::StartsWith("2024-0")).expect("deleted");
    assert!(values(&["2024-03.1", "en"]).is_empty() && values(&["2024-04", "en"]).is_empty());
    store.delete_rows(&COUNTS, 1, KeyMatch::Is("2024-03")).expect("deleted");
    assert!(values(&["x", "2024-03"]).is_empty());
    assert_eq!(store.delete_rows(&COUNTS, 1, KeyMatch::Is("none")).expect("nothing"), 0);
}

/// What loads record of the periods they cover (`crate::coverage`): published in the same
/// batch as the rows, kept per table, added up over loads, read back by range.
pub fn coverage_is_published_with_its_rows(store: &dyn SeriesStore) {
    use crate::coverage::{covered, with_coverage};
    let key = ["en.wikipedia", "all-sites"];
    let one = Numbers::counters(&[1, 0]);
    let batch = |replace: Vec<(Period, Period)>, rows| SeriesBatch {
        dataset: COUNTS.dataset,
        changes: vec![SeriesChanges { table: &COUNTS, replace, rows }],
    };
    let first =
        batch(vec![(d(2024, 3, 1), d(2024, 3, 3))], vec![row(&key, d(2024, 3, 2), "", one)]);
    store.publish_series(&with_coverage(first).0).expect("publication succeeds");
    let second =
        batch(vec![(d(2024, 3, 2), d(2024, 3, 2)), (d(2024, 3, 5), d(2024, 3, 5))], vec![]);
    store.publish_series(&with_coverage(second).0).expect("publication succeeds");
    let got = covered(store, &COUNTS, d(2024, 2, 1), d(2024, 3, 31)).expect("read succeeds");
    let expected = [d(2024, 3, 1), d(2024, 3, 2), d(2024, 3, 3), d(2024, 3, 5)];
    assert_eq!(got.into_iter().collect::<Vec<_>>(), expected);
    assert!(covered(store, &COUNTS, d(2024, 3, 4), d(2024, 3, 4)).expect("read").is_empty());
    assert!(covered(store, &COUNTS, month(2024, 3), month(2024, 3)).expect("read").is_empty());
    // The second load replaced March 2 without rows: the row is gone, the day still covered.
    assert!(read(store, &COUNTS, &key, d(2024, 3, 1), d(2024, 3, 31)).is_empty());
    assert!(covered(store, &METRICS, d(2024, 3, 1), d(2024, 3, 31)).expect("read").is_empty());
}

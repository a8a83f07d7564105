//! Conformance of the ranked shape ([`crate::table::Shape::Ranked`]): lists read and written
//! as series rows, one per entry (`sub`), on a test table of its own. Run by
//! [`crate::series_conformance`] on every backend.

use super::day;
use super::series::SeriesStore;
use crate::dates::Period;
use crate::table::{
    Dataset, KeyMatch, Numbers, SeriesBatch, SeriesChanges, SeriesRow, Shape, TableDef, ValueColumn,
};

/// Ranked entries per (project, access) and day: views, rank.
pub static LISTS: TableDef = TableDef {
    name: "conformance_lists",
    dataset: Dataset::TopPerCountry,
    shape: Shape::Ranked,
    period_index: true,
    key: &["project", "access"],
    sub: Some("name"),
    values: &[ValueColumn::u64("views"), ValueColumn::u64("rank")],
};

/// [`LISTS`] without an index by period, as the history top lists are kept: deleted by key,
/// never replaced by period.
pub static UNINDEXED_LISTS: TableDef =
    TableDef { name: "conformance_lists_unindexed", period_index: false, ..LISTS };

fn entry(key: &str, d: u8, name: &str, views: u64, rank: u64) -> SeriesRow {
    SeriesRow {
        key: vec![key.to_string(), "all-access".to_string()],
        period: Period::Day(day(2024, 5, d)),
        sub: name.to_string(),
        values: Numbers::counters(&[views, rank]),
    }
}

fn publish(store: &dyn SeriesStore, replace: &[u8], rows: Vec<SeriesRow>) {
    publish_to(store, &LISTS, replace, rows).expect("publication succeeds");
}

fn publish_to(
    store: &dyn SeriesStore,
    table: &'static TableDef,
    replace: &[u8],
    rows: Vec<SeriesRow>,
) -> crate::error::StoreResult<u64> {
    let replace = replace
        .iter()
        .map(|d| (Period::Day(day(2024, 5, *d)), Period::Day(day(2024, 5, *d))))
        .collect();
    let batch = SeriesBatch {
        dataset: table.dataset,
        changes: vec![SeriesChanges { table, replace, rows }],
    };
    store.publish_series(&batch)
}

/// (day of May 2024, name, views, rank) of a key's lists from May 1 to 31.
fn read(store: &dyn SeriesStore, key: &str) -> Vec<(u8, String, u64, u64)> {
    read_from(store, &LISTS, key)
}

fn read_from(
    store: &dyn SeriesStore,
    table: &'static TableDef,
    key: &str,
) -> Vec<(u8, String, u64, u64)> {
    let (first, last) = (Period::Day(day(2024, 5, 1)), Period::Day(day(2024, 5, 31)));
    store
        .series(table, &[key, "all-access"], first, last)
        .expect("read")
        .into_iter()
        .map(|e| {
            let Period::Day(d) = e.period else { panic!("a daily row") };
            let day_of_month = (d.epoch_days() - day(2024, 5, 1).epoch_days() + 1) as u8;
            (day_of_month, e.sub, e.values.0[0], e.values.0[1])
        })
        .collect()
}

fn e(d: u8, name: &str, views: u64, rank: u64) -> (u8, String, u64, u64) {
    (d, name.to_string(), views, rank)
}

pub fn ranked_lists_round_trip_in_period_then_name_order(store: &dyn SeriesStore) {
    publish(
        store,
        &[],
        vec![
            entry("en.wikipedia", 2, "Zebra", 5, 2),
            entry("en.wikipedia", 2, "Ärger_\u{1F600}", u64::MAX, 1),
            entry("en.wikipedia", 1, "a\u{0}b", 7, 1),
            entry("en.wikipedia", 1, "Zebra", 7, 1),
            entry("de.wikipedia", 1, "Zebra", 1, 1),
        ],
    );
    assert_eq!(
        read(store, "en.wikipedia"),
        vec![
            e(1, "Zebra", 7, 1),
            e(1, "a\u{0}b", 7, 1),
            e(2, "Zebra", 5, 2),
            e(2, "Ärger_\u{1F600}", u64::MAX, 1),
        ]
    );
    assert_eq!(read(store, "de.wikipedia"), vec![e(1, "Zebra", 1, 1)]);
    assert!(read(store, "fr.wikipedia").is_empty());
}

pub fn ranked_entries_upsert_and_replaced_days_drop_lists(store: &dyn SeriesStore) {
    publish(
        store,
        &[],
        vec![
            entry("en.wikipedia", 3, "A", 30, 1),
            entry("en.wikipedia", 3, "B", 20, 2),
            entry("en.wikipedia", 4, "A", 40, 1),
            entry("de.wikipedia", 3, "A", 3, 1),
        ],
    );
    // A row replaces its own entry; the list's other entries stay. Of equal rows the last wins.
    publish(
        store,
        &[],
        vec![entry("en.wikipedia", 3, "B", 21, 2), entry("en.wikipedia", 3, "B", 22, 2)],
    );
    assert_eq!(
        read(store, "en.wikipedia"),
        vec![e(3, "A", 30, 1), e(3, "B", 22, 2), e(4, "A", 40, 1)]
    );
    // Replacing May 3: its lists go, whatever their key; the new one comes.
    publish(store, &[3], vec![entry("en.wikipedia", 3, "C", 1, 1)]);
    assert_eq!(read(store, "en.wikipedia"), vec![e(3, "C", 1, 1), e(4, "A", 40, 1)]);
    assert!(read(store, "de.wikipedia").is_empty());
    let (first, last) = (Period::Day(day(2024, 5, 1)), Period::Day(day(2024, 5, 31)));
    let scanned = store.scan_series(&LISTS, first, last).expect("scan");
    let got: Vec<(String, String, u64)> =
        scanned.into_iter().map(|r| (r.key[0].clone(), r.sub, r.values.0[0])).collect();
    let s = |k: &str, n: &str, v| (k.to_string(), n.to_string(), v);
    assert_eq!(got, vec![s("en.wikipedia", "C", 1), s("en.wikipedia", "A", 40)]);
}

pub fn deleting_lists_by_a_key_part_leaves_the_others(store: &dyn SeriesStore) {
    publish(
        store,
        &[],
        vec![entry("en.wikipedia", 1, "a", 5, 1), entry("de.wikipedia", 1, "b", 4, 1)],
    );
    let deleted =
        store.delete_rows(&LISTS, 0, crate::table::KeyMatch::StartsWith("en.")).expect("deleted");
    assert!(deleted > 0);
    assert_eq!(read(store, "en.wikipedia"), vec![]);
    assert_eq!(read(store, "de.wikipedia"), vec![e(1, "b", 4, 1)]);
}

/// (key, day of May, name, views) of what `scan_series` finds from May `a` to May `b`.
fn scan(
    store: &dyn SeriesStore,
    table: &'static TableDef,
    a: u8,
    b: u8,
) -> Vec<(String, u8, String, u64)> {
    let (first, last) = (Period::Day(day(2024, 5, a)), Period::Day(day(2024, 5, b)));
    let rows = store.scan_series(table, first, last).expect("scan");
    rows.into_iter()
        .map(|r| {
            let Period::Day(d) = r.period else { panic!("a daily row") };
            let day_of_month = (d.epoch_days() - day(2024, 5, 1).epoch_days() + 1) as u8;
            (r.key[0].clone(), day_of_month, r.sub, r.values.0[0])
        })
        .collect()
}

pub fn lists_without_a_period_index_read_scan_and_delete_as_indexed_ones(store: &dyn SeriesStore) {
    let rows = vec![
        entry("en.wikipedia", 1, "A", 5, 1),
        entry("en.wikipedia", 2, "B", 4, 1),
        entry("en.wiktionary", 2, "C", 3, 1),
        entry("en.wikipedia", 3, "A\u{0}", 2, 1),
        entry("de.wikipedia", 2, "D", 1, 1),
        entry("e", 2, "E", 9, 1),
    ];
    for table in [&LISTS, &UNINDEXED_LISTS] {
        publish_to(store, table, &[], rows.clone()).expect("published");
    }
    let both = |f: &dyn Fn(&'static TableDef) -> Vec<(String, u8, String, u64)>| {
        let (indexed, unindexed) = (f(&LISTS), f(&UNINDEXED_LISTS));
        assert_eq!(indexed, unindexed);
        indexed
    };
    assert_eq!(read_from(store, &UNINDEXED_LISTS, "en.wikipedia"), read(store, "en.wikipedia"));
    assert_eq!(both(&|t| scan(store, t, 1, 31)).len(), rows.len());
    let middle = both(&|t| scan(store, t, 2, 2));
    let keys: Vec<&str> = middle.iter().map(|r| r.0.as_str()).collect();
    assert_eq!(keys, ["de.wikipedia", "e", "en.wikipedia", "en.wiktionary"]);
    assert!(both(&|t| scan(store, t, 4, 31)).is_empty());
    // A first key part that starts so (not the key part "e", which is shorter), then one
    // that is so, then a match of another key part.
    for (part, matches) in
        [(0, KeyMatch::StartsWith("en.")), (0, KeyMatch::Is("e")), (1, KeyMatch::Is("nothing"))]
    {
        for table in [&LISTS, &UNINDEXED_LISTS] {
            store.delete_rows(table, part, matches).expect("deleted");
        }
        both(&|t| scan(store, t, 1, 31));
    }
    assert_eq!(
        both(&|t| scan(store, t, 1, 31)),
        [("de.wikipedia".to_string(), 2, "D".to_string(), 1)]
    );
    // Replacing a period needs the index: refused, and nothing written.
    let refused =
        publish_to(store, &UNINDEXED_LISTS, &[2], vec![entry("fr.wikipedia", 2, "F", 1, 1)]);
    let message = refused.expect_err("a replace without a period index is refused").to_string();
    assert!(message.contains("conformance_lists_unindexed"), "{message}");
    assert!(read_from(store, &UNINDEXED_LISTS, "fr.wikipedia").is_empty());
    assert_eq!(scan(store, &UNINDEXED_LISTS, 1, 31).len(), 1);
}

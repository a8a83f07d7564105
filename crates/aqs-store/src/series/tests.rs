//! Tests of the embedded series tables beyond the conformance suite.

use super::*;

#[test]
fn ranked_rows_stored_one_per_entry_before_lists_still_read() {
    use aqs_core::mediarequests::{TOP_FILES, TopFile, top_rows};
    let dir = tempfile::tempdir().unwrap();
    let options = crate::StoreOptions { map_size: 1 << 26, ..Default::default() };
    let store = EmbeddedStore::open_with(dir.path(), &options).unwrap();
    let day = Period::Day(aqs_core::dates::Day::from_ymd(2019, 5, 1).unwrap());
    let f = |p: &str, requests, rank| TopFile { file_path: p.into(), requests, rank };
    let old = top_rows("all-referers", "image", day, &[f("/a", 9, 1), f("/b", 5, 2)]);
    // As a store wrote them before lists: a row per entry, its name as the sub.
    let tables = &store.inner.tables;
    let mut wtxn = store.inner.env.write_txn().unwrap();
    for row in &old {
        let (main, by_period) = row_keys(&TOP_FILES, row);
        tables.series.put(&mut wtxn, &main, &encode_values(&TOP_FILES, &row.values)).unwrap();
        tables.series_periods.put(&mut wtxn, &by_period, &[]).unwrap();
    }
    wtxn.commit().unwrap();
    let key = ["all-referers", "image"];
    let got = store.series(&TOP_FILES, &key, day, day).unwrap();
    let names: Vec<(&str, u64)> = got.iter().map(|e| (e.sub.as_str(), e.values.0[0])).collect();
    assert_eq!(names, [("/a", 9), ("/b", 5)]);
    let scanned = store.scan_series(&TOP_FILES, day, day).unwrap();
    assert_eq!(scanned.iter().map(|r| r.sub.as_str()).collect::<Vec<_>>(), ["/a", "/b"]);
}

#[test]
fn a_table_without_a_period_index_writes_none_and_deletes_one_an_older_store_wrote() {
    use aqs_core::conformance::ranked::UNINDEXED_LISTS as T;
    let dir = tempfile::tempdir().unwrap();
    let options = crate::StoreOptions { map_size: 1 << 26, ..Default::default() };
    let store = EmbeddedStore::open_with(dir.path(), &options).unwrap();
    let day = |d| Period::Day(aqs_core::dates::Day::from_ymd(2024, 5, d).unwrap());
    let row = |key: &str, d, name: &str| SeriesRow {
        key: vec![key.into(), "all-access".into()],
        period: day(d),
        sub: name.into(),
        values: Numbers::counters(&[1, 1]),
    };
    let rows = vec![row("a", 1, "x"), row("a", 2, "y"), row("b", 1, "z")];
    let batch = SeriesBatch {
        dataset: T.dataset,
        changes: vec![SeriesChanges { table: &T, replace: vec![], rows }],
    };
    store.publish_series(&batch).unwrap();
    let tables = &store.inner.tables;
    let indexed = |store: &EmbeddedStore| {
        let rtxn = store.inner.env.read_txn().unwrap();
        let prefix = key_prefix(&T, []);
        tables.series_periods.prefix_iter(&rtxn, &prefix).unwrap().count()
    };
    assert_eq!(indexed(&store), 0, "no period index kept");
    // A store written before the table went without its index holds entries of it:
    // deleting the rows deletes them too.
    let mut wtxn = store.inner.env.write_txn().unwrap();
    let head = SeriesRow { sub: String::new(), ..row("a", 2, "") };
    tables.series_periods.put(&mut wtxn, &row_keys(&T, &head).1, &[]).unwrap();
    wtxn.commit().unwrap();
    assert_eq!(indexed(&store), 1);
    assert_eq!(store.delete_rows(&T, 0, KeyMatch::Is("a")).unwrap(), 2);
    assert_eq!(indexed(&store), 0);
    let left = store.scan_series(&T, day(1), day(31)).unwrap();
    assert_eq!(left.iter().map(|r| r.sub.as_str()).collect::<Vec<_>>(), ["z"]);
}

#[test]
fn text_parts_keep_their_order_and_round_trip() {
    let parts = ["", "a", "a\u{0}", "a\u{0}b", "ab", "b", "é"];
    let encoded: Vec<Vec<u8>> = parts
        .iter()
        .map(|p| {
            let mut out = Vec::new();
            put_text(&mut out, p);
            out
        })
        .collect();
    let mut sorted = encoded.clone();
    sorted.sort();
    assert_eq!(sorted, encoded, "byte order is text order");
    for (part, bytes) in parts.iter().zip(&encoded) {
        let mut at = 0;
        assert_eq!(read_text(bytes, &mut at).unwrap(), *part);
        assert_eq!(at, bytes.len());
    }
    assert!(read_text(b"ab", &mut 0).is_err(), "unterminated");
    assert!(read_text(&[b'a', 0, 7], &mut 0).is_err(), "bad escape");
}

//! Tests of the embedded series tables beyond the conformance suite.

use super::keys::put_text;
use super::*;
use aqs_core::dates::Day;

#[test]
fn a_table_without_a_period_index_writes_none_and_deletes_by_key() {
    use aqs_core::conformance::ranked::UNINDEXED_LISTS as T;
    let (_dir, store) = crate::test_store();
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
        tables.series_periods.iter(&rtxn).unwrap().count()
    };
    assert_eq!(indexed(&store), 0, "no period index kept");
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

#[test]
fn keys_name_their_table_and_parts_by_ids_shared_by_every_table() {
    use aqs_core::conformance::series::{COUNTS, METRICS};
    let (_dir, store) = crate::test_store();
    let month = |m| Period::Month(aqs_core::dates::YearMonth::new(2024, m).unwrap());
    let long = "a-project-name-of-forty-bytes.wikipedia";
    let row = |key: [&str; 2], m| SeriesRow {
        key: key.iter().map(|p| p.to_string()).collect(),
        period: month(m),
        sub: String::new(),
        values: Numbers::counters(&[1, 2]),
    };
    let rows = vec![row([long, "site"], 1), row([long, "site"], 2), row(["x", long], 1)];
    for (table, rows) in [(&COUNTS, rows), (&METRICS, vec![row([long, "site"], 1)])] {
        let changes = vec![SeriesChanges { table, replace: vec![], rows }];
        store.publish_series(&SeriesBatch { dataset: table.dataset, changes }).unwrap();
    }
    let tables = &store.inner.tables;
    let rtxn = store.inner.env.read_txn().unwrap();
    let keys: Vec<Vec<u8>> =
        tables.series.iter(&rtxn).unwrap().map(|e| e.unwrap().0.to_vec()).collect();
    assert_eq!(keys.len(), 4);
    // Table, two parts (an id under 128 each), kind and period, an empty sub.
    assert!(keys.iter().all(|k| k.len() == 3 + 5 + 2), "{keys:?}");
    let mut texts: Vec<String> = tables
        .series_parts
        .iter(&rtxn)
        .unwrap()
        .map(|e| String::from_utf8(e.unwrap().1.to_vec()).unwrap())
        .collect();
    texts.sort();
    assert_eq!(texts, [long, COUNTS.name, METRICS.name, "site", "x"], "each text once");
    drop(rtxn);
    // Rows read back by their texts; a read naming a text the store lacks finds nothing and
    // gives it no id.
    let got = store.series(&COUNTS, &[long, "site"], month(1), month(12)).unwrap();
    assert_eq!(got.iter().map(|e| e.period).collect::<Vec<_>>(), [month(1), month(2)]);
    assert!(store.series(&COUNTS, &["nowhere", "site"], month(1), month(12)).unwrap().is_empty());
    let rtxn = store.inner.env.read_txn().unwrap();
    assert_eq!(tables.series_parts.len(&rtxn).unwrap(), 5);
    assert_eq!(tables.series_part_ids.len(&rtxn).unwrap(), 5);
}

#[test]
fn a_main_key_is_found_from_its_index_key() {
    use aqs_core::conformance::series::COUNTS;
    let (_dir, store) = crate::test_store();
    let mut wtxn = store.inner.env.write_txn().unwrap();
    let mut texts = KeyTexts::new(&store.inner.tables);
    for sub in ["", "name", "a\u{0}b\u{0}"] {
        let row = SeriesRow {
            key: vec!["p".into(), "s".into()],
            period: Period::Day(aqs_core::dates::Day::from_ymd(2024, 5, 1).unwrap()),
            sub: sub.into(),
            values: Numbers::default(),
        };
        let (main, by_period) = texts.row_keys(&mut wtxn, &COUNTS, &row).unwrap();
        assert_eq!(texts::main_key_of(&by_period, 1, sub).unwrap(), main, "{sub:?}");
        let split = texts.split_key(&wtxn, &COUNTS, &by_period, 1, true).unwrap();
        let slot = days::Slot::of(&COUNTS, row.period);
        assert_eq!(split, (slot, row.key.clone(), row.sub.clone()));
        assert_eq!(texts.split_key(&wtxn, &COUNTS, &main, 1, false).unwrap(), split);
    }
    assert!(texts::main_key_of(&[0, 1, 2], 1, "").is_err(), "too short");
}

#[test]
fn a_list_whose_names_were_numbered_out_of_name_order_reads_back_whole() {
    use aqs_core::conformance::ranked::LISTS;
    let (_dir, store) = crate::test_store();
    let day = |d| Period::Day(aqs_core::dates::Day::from_ymd(2024, 5, d).unwrap());
    let row = |d, name: &str, views| SeriesRow {
        key: vec!["en.wikipedia".into(), "all-access".into()],
        period: day(d),
        sub: name.into(),
        values: Numbers::counters(&[views, 1]),
    };
    // "z" is numbered first, then "y", then "a": ids fall as names rise.
    for rows in [
        vec![row(1, "z", 1)],
        vec![row(2, "y", 2)],
        vec![row(3, "a", 3), row(3, "y", 4), row(3, "z", 5)],
    ] {
        let changes = vec![SeriesChanges { table: &LISTS, replace: vec![], rows }];
        store.publish_series(&SeriesBatch { dataset: LISTS.dataset, changes }).unwrap();
    }
    let key = ["en.wikipedia", "all-access"];
    let got = store.series(&LISTS, &key, day(3), day(3)).unwrap();
    let names: Vec<(&str, u64)> = got.iter().map(|e| (e.sub.as_str(), e.values.0[0])).collect();
    assert_eq!(names, [("a", 3), ("y", 4), ("z", 5)]);
}

#[test]
fn a_text_given_an_id_by_another_lookup_of_the_same_write_keeps_it() {
    let (_dir, store) = crate::test_store();
    let mut wtxn = store.inner.env.write_txn().unwrap();
    let (mut first, mut second) =
        (KeyTexts::new(&store.inner.tables), KeyTexts::new(&store.inner.tables));
    // A publication looks a table up before it has rows (a replaced range), a list's writer
    // gives it its id, then the publication writes the table's rows.
    assert_eq!(first.find(&wtxn, "mediarequests_top_files").unwrap(), None);
    let id = second.give(&mut wtxn, "mediarequests_top_files").unwrap();
    assert_eq!(first.give(&mut wtxn, "mediarequests_top_files").unwrap(), id, "one id a text");
    assert_eq!(first.find(&wtxn, "mediarequests_top_files").unwrap(), Some(id));
    assert_eq!(store.inner.tables.series_parts.len(&wtxn).unwrap(), 1);
}

#[test]
fn days_of_a_month_share_one_value_and_a_replaced_range_drops_only_its_days() {
    use aqs_core::conformance::series::COUNTS;
    let (_dir, store) = crate::test_store();
    let day = |m, d| Day::from_ymd(2024, m, d).unwrap();
    let row = |m, d, v| SeriesRow {
        key: vec!["en.wikipedia".into(), "site".into()],
        period: Period::Day(day(m, d)),
        sub: String::new(),
        values: Numbers::counters(&[v, 1]),
    };
    let publish = |replace: Vec<(Period, Period)>, rows| {
        let changes = vec![SeriesChanges { table: &COUNTS, replace, rows }];
        store.publish_series(&SeriesBatch { dataset: COUNTS.dataset, changes }).unwrap();
    };
    let january: Vec<SeriesRow> = (1..=31).map(|d| row(1, d, u64::from(d))).collect();
    publish(vec![], [january, vec![row(2, 1, 100), row(2, 29, 129)]].concat());
    let values = |store: &EmbeddedStore| store.inner.tables.series.len(&store.read_txn().unwrap());
    assert_eq!(values(&store).unwrap(), 2, "one value a month");
    // Days 10 to 20 replaced by two of them; the month's other days stay.
    let range = (Period::Day(day(1, 10)), Period::Day(day(1, 20)));
    publish(vec![range], vec![row(1, 10, 1000), row(1, 15, 1500)]);
    let key = ["en.wikipedia", "site"];
    let got = store.series(&COUNTS, &key, Period::Day(day(1, 1)), Period::Day(day(2, 29))).unwrap();
    let expected: Vec<(Day, u64)> = (1..=9)
        .map(|d| (day(1, d), u64::from(d)))
        .chain([(day(1, 10), 1000), (day(1, 15), 1500)])
        .chain((21..=31).map(|d| (day(1, d), u64::from(d))))
        .chain([(day(2, 1), 100), (day(2, 29), 129)])
        .collect();
    let days: Vec<(Day, u64)> = got.iter().map(|e| (e.period.day(), e.values.0[0])).collect();
    assert_eq!(days, expected);
    // A range inside months reads only its days, on the scan too.
    let (a, b) = (Period::Day(day(1, 30)), Period::Day(day(2, 1)));
    let got: Vec<u64> =
        store.series(&COUNTS, &key, a, b).unwrap().iter().map(|e| e.values.0[0]).collect();
    assert_eq!(got, [30, 31, 100]);
    assert_eq!(store.scan_series(&COUNTS, a, b).unwrap().len(), 3);
    // A replaced month of days with no day left goes; deleting counts days.
    publish(vec![(Period::Day(day(2, 1)), Period::Day(day(2, 29)))], vec![]);
    assert_eq!(values(&store).unwrap(), 1);
    assert_eq!(store.delete_rows(&COUNTS, 0, KeyMatch::Is("en.wikipedia")).unwrap(), 22);
    assert_eq!(values(&store).unwrap(), 0);
}

#[test]
fn readers_share_only_the_text_ids_of_committed_writes() {
    let (_dir, store) = crate::test_store();
    let tables = &store.inner.tables;
    // A write that gives "x" an id and is abandoned: the number goes to "y" next.
    let mut wtxn = store.inner.env.write_txn().unwrap();
    let x = KeyTexts::new(tables).give(&mut wtxn, "x").unwrap();
    drop(wtxn);
    let mut wtxn = store.inner.env.write_txn().unwrap();
    assert_eq!(KeyTexts::new(tables).give(&mut wtxn, "y").unwrap(), x, "the number is free");
    wtxn.commit().unwrap();
    let shared = &store.inner.text_ids;
    let rtxn = store.read_txn().unwrap();
    let mut reads = KeyTexts::reading(tables, shared);
    assert_eq!(reads.find(&rtxn, "x").unwrap(), None);
    assert_eq!(reads.find(&rtxn, "y").unwrap(), Some(x));
    let known = shared.read().unwrap().clone();
    assert_eq!(known.into_iter().collect::<Vec<_>>(), [("y".to_string(), x)]);
    // Another read finds "y" through the shared ids.
    assert_eq!(KeyTexts::reading(tables, shared).find(&rtxn, "y").unwrap(), Some(x));
}

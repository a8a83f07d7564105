//! Conformance of what MediaWiki history loads leave behind ([`crate::history::attempts`]):
//! records of loads and drops, the loads of ended processes deleted unless readers read them,
//! a killed drop finished, with the series and ranked tables of each backend.

use super::series::SeriesStore;
use crate::dates::{Day, Period, YearMonth};
use crate::history::attempts::{
    Process, being_dropped, clean, drop_mark, record, recorded, settle,
};
use crate::history::per_entity::LOADS;
use crate::history::snapshots::drop_snapshot;
use crate::history::top::{TOPS, TopEntity};
use crate::history::top_lists::{candidate_row, read_candidates};
use crate::history::{ACTIVE, ACTIVE_KEY};
use crate::params::{EditorType, PageType};
use crate::table::{Dataset, Numbers, SeriesBatch, SeriesChanges, SeriesRow};

const SNAPSHOT: &str = "2024-05";

fn the_day() -> Period {
    Period::Day(Day::from_ymd(2024, 5, 3).expect("a day"))
}

/// Writes a top-list row under each of `loads` (project `en.wikipedia`).
fn write_loads(store: &dyn SeriesStore, loads: &[&str]) {
    let rows = loads
        .iter()
        .map(|load| {
            let key = (*load, "en.wikipedia", TopEntity::Pages);
            candidate_row(key, 0, the_day(), "Ann".into(), [1, 2, 3])
        })
        .collect();
    let changes = vec![SeriesChanges { table: &TOPS, replace: Vec::new(), rows }];
    store.publish_series(&SeriesBatch { dataset: Dataset::History, changes }).unwrap();
}

/// Whether `load` has rows.
fn has_rows(store: &dyn SeriesStore, load: &str) -> bool {
    let slice = (EditorType::AllEditorTypes, PageType::AllPageTypes);
    let key = (load, "en.wikipedia", TopEntity::Pages);
    !read_candidates(store, key, slice, (the_day(), the_day())).unwrap().is_empty()
}

/// Makes readers read load `number` of `project`.
fn read_by_readers(store: &dyn SeriesStore, project: &str, number: u64) {
    let row = SeriesRow {
        key: vec![SNAPSHOT.into()],
        period: Period::Month(YearMonth::new(2024, 5).unwrap()),
        sub: project.into(),
        values: Numbers::counters(&[number]),
    };
    let changes = vec![SeriesChanges { table: &LOADS, replace: Vec::new(), rows: vec![row] }];
    store.publish_series(&SeriesBatch { dataset: Dataset::History, changes }).unwrap();
}

fn process(pid: u64) -> Process {
    Process { host: 1, boot: 2, pid, started: 3 }
}

pub fn killed_loads_are_deleted_unless_readers_read_them(store: &dyn SeriesStore) {
    let loads = ["2024-05.100", "2024-05.200", "2024-05.300", "2024-05.400", "2024-05.500"];
    write_loads(store, &loads);
    let ended = process(7);
    // 100: an ended process's; 200: an ended process's that switched readers to it before
    // it ended; 300: a running process's; 400: another host's; 500: never recorded.
    record(store, &["2024-05.100".into(), "2024-05.200".into()], ended).unwrap();
    record(store, &["2024-05.300".into()], process(8)).unwrap();
    record(store, &["2024-05.400".into()], process(9)).unwrap();
    record(store, &["not a load".into()], process(9)).unwrap();
    read_by_readers(store, "en.wikipedia", 200);
    assert_eq!(recorded(store).unwrap().len(), 4);
    let running = |p: &Process| match p.pid {
        7 => Some(false),
        8 => Some(true),
        _ => None,
    };
    let cleaned = clean(store, &running).unwrap();
    assert_eq!(cleaned.deleted, ["2024-05.100"]);
    assert_eq!(cleaned.rows, 1);
    assert_eq!(cleaned.unknown, 1);
    let has: Vec<bool> = loads.iter().map(|l| has_rows(store, l)).collect();
    assert_eq!(has, [false, true, true, true, true]);
    let left: Vec<String> = recorded(store).unwrap().into_iter().map(|a| a.load).collect();
    assert_eq!(left, ["2024-05.300", "2024-05.400"]);
    // Once done, a load's record goes; nothing is deleted the next time.
    settle(store, &["2024-05.300".into()]).unwrap();
    let again = clean(store, &running).unwrap();
    assert_eq!((again.deleted.len(), again.unknown), (0, 1));
    assert!(has_rows(store, "2024-05.300"));
}

pub fn a_killed_drop_is_finished_by_the_next_clean(store: &dyn SeriesStore) {
    write_loads(store, &["2024-05.100"]);
    read_by_readers(store, "en.wikipedia", 100);
    let month = YearMonth::new(2024, 5).unwrap();
    // A drop leaves no mark.
    drop_snapshot(store, month, &|_| {}).unwrap();
    assert!(!being_dropped(store, month).unwrap());
    assert!(!has_rows(store, "2024-05.100"));
    // One killed after its first table: the mark of an ended process, the loads left.
    write_loads(store, &["2024-05.200"]);
    read_by_readers(store, "en.wikipedia", 200);
    record(store, &[drop_mark(month)], process(7)).unwrap();
    assert!(being_dropped(store, month).unwrap());
    let running = |p: &Process| Some(p.pid != 7);
    // Not while the process runs.
    let cleaned = clean(store, &|_| Some(true)).unwrap();
    assert!(cleaned.dropped.is_empty() && has_rows(store, "2024-05.200"));
    let cleaned = clean(store, &running).unwrap();
    assert_eq!(cleaned.dropped, [month]);
    assert!(cleaned.rows > 0 && !has_rows(store, "2024-05.200"));
    assert!(!being_dropped(store, month).unwrap());
    assert!(recorded(store).unwrap().is_empty());
    // The mark of the active snapshot (a drop killed before it forgot the activation) goes,
    // and the snapshot stays.
    write_loads(store, &["2024-05.300"]);
    read_by_readers(store, "en.wikipedia", 300);
    let activation = SeriesRow {
        key: vec![ACTIVE_KEY.into()],
        period: Period::Month(month),
        sub: String::new(),
        values: Numbers::counters(&[1, 0, 0, 0]),
    };
    let changes =
        vec![SeriesChanges { table: &ACTIVE, replace: Vec::new(), rows: vec![activation] }];
    store.publish_series(&SeriesBatch { dataset: Dataset::History, changes }).unwrap();
    record(store, &[drop_mark(month)], process(7)).unwrap();
    let cleaned = clean(store, &running).unwrap();
    assert!(cleaned.dropped.is_empty() && has_rows(store, "2024-05.300"));
    assert!(!being_dropped(store, month).unwrap());
}

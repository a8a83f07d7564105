//! The cases every backend runs are in `conformance::history`.

use super::*;
use crate::dates::YearMonth;
use crate::memory::MemoryStore;

fn process(pid: u64) -> Process {
    Process { host: 1, boot: 2, pid, started: 3 }
}

#[test]
fn a_later_record_of_a_load_replaces_the_earlier() {
    let store = MemoryStore::default();
    record(&store, &["2024-05.100".into()], process(7)).unwrap();
    record(&store, &["2024-05.100".into()], process(8)).unwrap();
    let recorded = recorded(&store).unwrap();
    assert_eq!(recorded, [Attempt { load: "2024-05.100".into(), process: process(8) }]);
}

#[test]
fn a_dropped_snapshot_takes_its_records_with_it() {
    let store = MemoryStore::default();
    let loads = ["2024-05.100".to_string(), "2024-05.200".into(), "2024-06.100".into()];
    record(&store, &loads, process(7)).unwrap();
    settle(&store, &loads[1..2]).unwrap();
    let all = |store: &MemoryStore| {
        let (first, last) = snapshot_months();
        let rows = store.scan_series(&ATTEMPTS, first, last).unwrap();
        rows.into_iter().map(|r| r.key[0].clone()).collect::<Vec<_>>()
    };
    assert_eq!(all(&store), loads, "a settled record stays, all zero");
    let month = YearMonth::new(2024, 5).unwrap();
    crate::history::snapshots::drop_snapshot(&store, month, &|_| {}).unwrap();
    assert_eq!(all(&store), ["2024-06.100"]);
    assert_eq!(recorded(&store).unwrap().len(), 1);
}

//! The loads a process may leave behind, and their deletion once that process has ended.
//!
//! A history load writes its per-page, per-editor and top-list rows under a load of its own
//! (`2026-05.1764741234567`) before its last batch switches readers to it, then deletes the
//! loads the switch replaced (an activation does the same with the project families' top
//! lists). A process that dies in between (SIGKILL, a power cut) leaves rows that no reader
//! reads. So each such load is recorded in [`ATTEMPTS`] with the process that handles it
//! before anything is written under it (or before it is replaced), and the record is settled
//! (zeroed) when the process is done with it. A snapshot drop records a mark the same way
//! ([`drop_mark`]). [`clean`] (called by every history load) deletes the rows of the recorded
//! loads whose process has ended, unless readers read them, and finishes such a process's
//! drops; then it settles their records.
//!
//! A process is told by its host, its boot, its pid and the time it started
//! ([`crate::process`]): a record of another host (a ClickHouse store loaded from several
//! machines) is left for that host's next load, or for `aqs snapshot drop`.

use super::per_entity::LOADS;
use super::request::parse_snapshot;
use super::snapshot_months;
use super::snapshots::forget_load;
use crate::dates::{Period, YearMonth};
use crate::error::StoreResult;
pub use crate::process::Process;
use crate::table::{
    Dataset, Numbers, SeriesBatch, SeriesChanges, SeriesRow, Shape, TableDef, TableRead,
    TableWrite, ValueColumn,
};

/// Per load (its snapshot's month as the period), the process that may leave it behind.
pub static ATTEMPTS: TableDef = TableDef {
    name: "history_load_attempts",
    dataset: Dataset::History,
    shape: Shape::Series,
    // Rows are deleted by key (their load), never by period.
    period_index: false,
    key: &["load"],
    sub: None,
    values: &[
        ValueColumn::u64("host"),
        ValueColumn::u64("boot"),
        ValueColumn::u64("pid"),
        ValueColumn::u64("started"),
    ],
};

/// The record that says snapshot `month` is being dropped (load number 0, which no load
/// has): [`super::snapshots::drop_snapshot`] writes it first and deletes it last.
pub fn drop_mark(month: YearMonth) -> String {
    format!("{month}.0")
}

/// Whether a drop of `month` is under way, or was killed before it ended.
pub fn being_dropped<S: TableWrite + ?Sized>(store: &S, month: YearMonth) -> StoreResult<bool> {
    Ok(recorded(store)?.iter().any(|a| a.drop_of() == Some(month)))
}

/// A recorded load (or drop mark) and its process.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attempt {
    pub load: String,
    pub process: Process,
}

impl Attempt {
    /// The snapshot whose drop this records, if it is a [`drop_mark`].
    pub fn drop_of(&self) -> Option<YearMonth> {
        let (snapshot, number) = split(&self.load)?;
        (number == 0).then(|| parse_snapshot(snapshot)).flatten()
    }
}

/// Records that `process` handles `loads` (`SNAPSHOT.NUMBER` names; others are
/// skipped): they are deleted if it ends before [`settle`]. A load's record replaces any
/// earlier one.
pub fn record<S: TableWrite + ?Sized>(
    store: &S,
    loads: &[String],
    process: Process,
) -> StoreResult<()> {
    let Process { host, boot, pid, started } = process;
    write(store, loads, Numbers::counters(&[host, boot, pid, started]))
}

/// Marks the records of `loads` settled (all zero: a write, not a deletion, which ClickHouse
/// makes a mutation): their process is done with them. `aqs snapshot drop` deletes them with
/// their snapshot.
pub fn settle<S: TableWrite + ?Sized>(store: &S, loads: &[String]) -> StoreResult<()> {
    write(store, loads, Numbers::default())
}

fn write<S: TableWrite + ?Sized>(store: &S, loads: &[String], values: Numbers) -> StoreResult<()> {
    let rows: Vec<SeriesRow> = loads
        .iter()
        .filter_map(|load| {
            let (snapshot, _) = split(load)?;
            Some(SeriesRow {
                key: vec![load.clone()],
                period: Period::Month(parse_snapshot(snapshot)?),
                sub: String::new(),
                values,
            })
        })
        .collect();
    if rows.is_empty() {
        return Ok(());
    }
    let changes = vec![SeriesChanges { table: &ATTEMPTS, replace: Vec::new(), rows }];
    store.publish_series(&SeriesBatch { dataset: Dataset::History, changes })?;
    Ok(())
}

/// Every recorded load not settled, oldest snapshot first.
pub fn recorded<S: TableWrite + ?Sized>(store: &S) -> StoreResult<Vec<Attempt>> {
    let (first, last) = snapshot_months();
    let rows = store.scan_series(&ATTEMPTS, first, last)?;
    Ok(rows
        .into_iter()
        .filter(|row| row.values != Numbers::default())
        .filter_map(|row| {
            let [host, boot, pid, started] = row.values.0;
            let load = row.key.into_iter().next()?;
            Some(Attempt { load, process: Process { host, boot, pid, started } })
        })
        .collect())
}

/// What [`clean`] did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Cleaned {
    /// The loads of ended processes whose rows were deleted.
    pub deleted: Vec<String>,
    /// The snapshots whose drop, killed before it ended, was finished.
    pub dropped: Vec<YearMonth>,
    /// The rows of both.
    pub rows: u64,
    /// The records of processes that cannot be told from here (another host), left as they
    /// are.
    pub unknown: usize,
}

/// Deletes the rows of every recorded load whose process has ended (`running` says whether
/// a process runs: [`Process::running`]) and that readers do not read (a process may have
/// died after switching readers to its load), then the record; finishes the drops of
/// snapshots such a process began ([`drop_mark`]).
pub fn clean<S: TableRead + TableWrite + ?Sized>(
    store: &S,
    running: &dyn Fn(&Process) -> Option<bool>,
) -> StoreResult<Cleaned> {
    let mut cleaned = Cleaned::default();
    for attempt in recorded(store)? {
        match running(&attempt.process) {
            Some(true) => continue,
            None => {
                cleaned.unknown += 1;
                continue;
            }
            Some(false) => {}
        }
        if let Some(month) = attempt.drop_of() {
            // Activation refuses a snapshot with a mark, so it is never the active one; if it
            // were (a drop killed before it forgot the activation, then a build without the
            // marks), nothing of it was deleted: the mark goes, the snapshot stays.
            if super::snapshots::active(store)? == Some(month) {
                settle(store, std::slice::from_ref(&attempt.load))?;
            } else {
                cleaned.rows += super::snapshots::drop_snapshot(store, month, &|_| {})?;
                cleaned.dropped.push(month);
            }
            continue;
        }
        if !read_by_readers(store, &attempt.load)? {
            cleaned.rows += forget_load(store, &attempt.load)?;
            cleaned.deleted.push(attempt.load.clone());
        }
        settle(store, std::slice::from_ref(&attempt.load))?;
    }
    Ok(cleaned)
}

/// Whether a project's row of [`LOADS`] names `load` (what readers read).
fn read_by_readers<S: TableRead + ?Sized>(store: &S, load: &str) -> StoreResult<bool> {
    let Some((snapshot, number)) = split(load) else { return Ok(false) };
    let Some(month) = parse_snapshot(snapshot).map(Period::Month) else { return Ok(false) };
    let loads = store.series(&LOADS, &[snapshot], month, month)?;
    Ok(loads.iter().any(|l| l.values.0[0] == number))
}

/// A load name's snapshot and number.
fn split(load: &str) -> Option<(&str, u64)> {
    let (snapshot, number) = load.split_once('.')?;
    Some((snapshot, number.parse().ok()?))
}

#[cfg(test)]
#[path = "attempts_tests.rs"]
mod tests;

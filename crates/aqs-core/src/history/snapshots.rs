//! Snapshots of the MediaWiki history: which exist, which is active, and activation (with the
//! project-family rows it writes) as one atomic batch on any backend.

use super::{ACTIVE, ACTIVE_KEY, EVENTS, NEW_USERS, WIKIS, rollups_of, snapshot_months};
use crate::dates::{Day, Period, YearMonth};
use crate::error::StoreResult;
use crate::table::{
    Dataset, KeyMatch, Numbers, SeriesBatch, SeriesChanges, SeriesRow, TableDef, TableRead,
    TableWrite,
};
use std::collections::BTreeMap;

/// A snapshot name as stored (`2026-05`).
pub fn name(month: YearMonth) -> String {
    month.to_string()
}

/// The activations, oldest first: (snapshot month, order, time in seconds since 1970).
pub fn activations<S: TableRead + ?Sized>(store: &S) -> StoreResult<Vec<(YearMonth, u64, u64)>> {
    let (first, last) = snapshot_months();
    let mut rows: Vec<(YearMonth, u64, u64)> = store
        .series(&ACTIVE, &[ACTIVE_KEY], first, last)?
        .into_iter()
        .filter_map(|e| match e.period {
            Period::Month(m) if e.values.0[0] > 0 => Some((m, e.values.0[0], e.values.0[1])),
            _ => None,
        })
        .collect();
    rows.sort_by_key(|r| r.1);
    Ok(rows)
}

/// The active snapshot: the one activated last (`None` before any activation).
pub fn active<S: TableRead + ?Sized>(store: &S) -> StoreResult<Option<YearMonth>> {
    Ok(active_interval(store)?.map(|a| a.0))
}

/// The active snapshot and the days its data covers: from the first month with events to
/// the snapshot's last day. Answers list the periods of their range within these days, as
/// Druid filled empty buckets only within its datasource's interval.
pub fn active_interval<S: TableRead + ?Sized>(
    store: &S,
) -> StoreResult<Option<(YearMonth, Day, Day)>> {
    let (first, last) = snapshot_months();
    let latest = store
        .series(&ACTIVE, &[ACTIVE_KEY], first, last)?
        .into_iter()
        .filter(|e| e.values.0[0] > 0)
        .max_by_key(|e| e.values.0[0]);
    Ok(latest.and_then(|e| {
        let Period::Month(month) = e.period else { return None };
        let day = |v: u64| (v > 0).then(|| Day::from_epoch_days((v - 1) as i32));
        let from = day(e.values.0[2]).unwrap_or(Day::from_epoch_days(0));
        Some((month, from, day(e.values.0[3]).unwrap_or(month.last_day())))
    }))
}

/// What a load of a wiki into a snapshot held.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WikiLoad {
    pub snapshot: YearMonth,
    pub wiki: String,
    pub loaded: Day,
    pub lines: u64,
    pub events: u64,
    pub first_day: Option<Day>,
    pub last_day: Option<Day>,
}

impl WikiLoad {
    /// Its row of [`WIKIS`].
    pub fn row(&self) -> SeriesRow {
        let day = |d: Option<Day>| d.map_or(0, |d| d.epoch_days() as u64 + 1);
        SeriesRow {
            key: vec![name(self.snapshot), self.wiki.clone()],
            period: Period::Day(self.loaded),
            sub: String::new(),
            values: Numbers::counters(&[
                self.lines,
                self.events,
                day(self.first_day),
                day(self.last_day),
            ]),
        }
    }
}

/// The latest load of every wiki of every snapshot.
pub fn wiki_loads<S: TableWrite + ?Sized>(store: &S) -> StoreResult<Vec<WikiLoad>> {
    let (first, last) = super::all_days();
    let mut latest: BTreeMap<(String, String), WikiLoad> = BTreeMap::new();
    for row in store.scan_series(&WIKIS, first, last)? {
        let (Some(snapshot), Period::Day(loaded)) =
            (super::request::parse_snapshot(&row.key[0]), row.period)
        else {
            continue;
        };
        let day = |v: u64| (v > 0).then(|| Day::from_epoch_days((v - 1) as i32));
        let load = WikiLoad {
            snapshot,
            wiki: row.key[1].clone(),
            loaded,
            lines: row.values.0[0],
            events: row.values.0[1],
            first_day: day(row.values.0[2]),
            last_day: day(row.values.0[3]),
        };
        let key = (row.key[0].clone(), row.key[1].clone());
        if latest.get(&key).is_none_or(|l| l.loaded <= loaded) {
            latest.insert(key, load);
        }
    }
    Ok(latest.into_values().collect())
}

/// The rows that make `rows` (a table's rows of one snapshot) hold exactly `wanted` for the
/// keys `owned` says are being rewritten: `wanted`, and a zero row for every stored row of
/// such a key that `wanted` does not have (a zero reads as no edits; the tables have no
/// per-key delete).
pub fn replacing(
    stored: impl IntoIterator<Item = SeriesRow>,
    wanted: BTreeMap<(Vec<String>, Period), Numbers>,
    owned: &dyn Fn(&[String]) -> bool,
) -> Vec<SeriesRow> {
    let mut out: Vec<SeriesRow> = Vec::new();
    for row in stored {
        if owned(&row.key)
            && row.values != Numbers::default()
            && !wanted.contains_key(&(row.key.clone(), row.period))
        {
            out.push(SeriesRow { values: Numbers::default(), ..row });
        }
    }
    out.extend(wanted.into_iter().map(|((key, period), values)| SeriesRow {
        key,
        period,
        sub: String::new(),
        values,
    }));
    out
}

/// The rows of `table` in `snapshot` for days from `first` to `last` and their months.
fn snapshot_rows<S: TableWrite + ?Sized>(
    store: &S,
    table: &'static TableDef,
    snapshot: &str,
    (first, last): (Day, Day),
) -> StoreResult<Vec<SeriesRow>> {
    let mut rows = store.scan_series(table, Period::Day(first), Period::Day(last))?;
    let months = (Period::Month(first.year_month()), Period::Month(last.year_month()));
    rows.extend(store.scan_series(table, months.0, months.1)?);
    rows.retain(|r| r.key[0] == snapshot);
    Ok(rows)
}

/// Activates `snapshot`: writes [`activation`]'s batch, then deletes the family top-list
/// rows an earlier activation of it wrote (read no more). `false` when it holds no wiki.
pub fn activate<S: TableRead + TableWrite + ?Sized>(
    store: &S,
    snapshot: YearMonth,
    at_seconds: u64,
) -> StoreResult<bool> {
    use super::attempts::{self, Process};
    let Some((batch, replaced)) = activation(store, snapshot, at_seconds)? else {
        return Ok(false);
    };
    // Recorded first: if this process dies once the batch is written, the next load deletes
    // the replaced rows.
    attempts::record(store, &replaced, Process::current())?;
    store.publish_series(&batch)?;
    for load in &replaced {
        store.delete_rows(&super::top::TOPS, 0, KeyMatch::Is(load))?;
    }
    attempts::settle(store, &replaced)?;
    Ok(true)
}

/// The batch that activates `snapshot`: its family and `all-projects` rows, summed from its
/// projects' rows (replacing those an earlier activation wrote), and its activation record,
/// ordered after every earlier one; and the family top-list loads it replaces. `None` when
/// the snapshot holds no wiki.
pub fn activation<S: TableRead + TableWrite + ?Sized>(
    store: &S,
    snapshot: YearMonth,
    at_seconds: u64,
) -> StoreResult<Option<(SeriesBatch, Vec<String>)>> {
    let snapshot_name = name(snapshot);
    let loads: Vec<WikiLoad> =
        wiki_loads(store)?.into_iter().filter(|l| l.snapshot == snapshot).collect();
    if loads.is_empty() {
        return Ok(None);
    }
    let first = loads.iter().filter_map(|l| l.first_day).min().unwrap_or(snapshot.first_day());
    let last = loads.iter().filter_map(|l| l.last_day).max().unwrap_or(snapshot.last_day());
    let mut changes = Vec::new();
    for table in [&EVENTS, &NEW_USERS] {
        let rows = snapshot_rows(store, table, &snapshot_name, (first, last))?;
        let rollup = |key: &[String]| key[1].starts_with("all-");
        let mut sums: BTreeMap<(Vec<String>, Period), Numbers> = BTreeMap::new();
        for row in rows.iter().filter(|r| !rollup(&r.key)) {
            for project in rollups_of(&row.key[1]) {
                let mut key = row.key.clone();
                key[1] = project;
                let sum = sums.entry((key, row.period)).or_default();
                for (s, v) in sum.0.iter_mut().zip(row.values.0) {
                    // Wrapping: the net bytes column holds signed numbers as their bits.
                    *s = s.wrapping_add(v);
                }
            }
        }
        let rows = replacing(rows, sums, &|key| rollup(key));
        changes.push(SeriesChanges { table, replace: Vec::new(), rows });
    }
    let rollups = super::top_lists::rollup_rows(store, &snapshot_name, (first, last))?;
    changes.push(SeriesChanges {
        table: &super::top::TOPS,
        replace: Vec::new(),
        rows: rollups.rows,
    });
    changes.push(SeriesChanges {
        table: &super::per_entity::LOADS,
        replace: Vec::new(),
        rows: rollups.load_rows,
    });
    let order = activations(store)?.last().map_or(1, |r| r.1 + 1);
    let record = SeriesRow {
        key: vec![ACTIVE_KEY.to_string()],
        period: Period::Month(snapshot),
        sub: String::new(),
        values: Numbers::counters(&[
            order,
            at_seconds,
            first.year_month().first_day().epoch_days() as u64 + 1,
            snapshot.last_day().epoch_days() as u64 + 1,
        ]),
    };
    changes.push(SeriesChanges { table: &ACTIVE, replace: Vec::new(), rows: vec![record] });
    Ok(Some((SeriesBatch { dataset: Dataset::History, changes }, rollups.replaced_loads)))
}

/// The snapshot active before the active one, for `aqs snapshot rollback`.
pub fn previous<S: TableRead + ?Sized>(store: &S) -> StoreResult<Option<YearMonth>> {
    let activations = activations(store)?;
    let Some(current) = activations.last().map(|r| r.0) else { return Ok(None) };
    Ok(activations.iter().rev().map(|r| r.0).find(|m| *m != current))
}

/// Deletes snapshot `month`'s rows from every history table, its activation record first (so
/// that no rollback goes back to it) and its wiki loads next (so that it is listed no more);
/// `step` is told each table done. A mark recorded first ([`super::attempts::drop_mark`],
/// deleted last) says the drop is under way: a drop killed before it ends is run again by
/// `aqs snapshot drop`, or by the next history load, and the snapshot is not activated
/// meanwhile. The caller never drops the active snapshot. Returns the rows deleted (the
/// embedded store counts a name's day once, whatever its groups, and gives back the ids of
/// the names).
pub fn drop_snapshot<S: TableRead + TableWrite + ?Sized>(
    store: &S,
    month: YearMonth,
    step: &dyn Fn(&str),
) -> StoreResult<u64> {
    use super::attempts::{self, Process};
    use super::per_entity::LOADS;
    let snapshot = name(month);
    attempts::record(store, &[attempts::drop_mark(month)], Process::current())?;
    let forgotten = SeriesRow {
        key: vec![ACTIVE_KEY.to_string()],
        period: Period::Month(month),
        sub: String::new(),
        values: Numbers::default(),
    };
    let batch = SeriesBatch {
        dataset: Dataset::History,
        changes: vec![SeriesChanges { table: &ACTIVE, replace: Vec::new(), rows: vec![forgotten] }],
    };
    store.publish_series(&batch)?;
    step(ACTIVE.name);
    let mut deleted = 0;
    for table in [&WIKIS, &LOADS, &EVENTS, &NEW_USERS, &super::digest::DIGESTS] {
        deleted += store.delete_rows(table, 0, KeyMatch::Is(&snapshot))?;
        step(table.name);
    }
    // Every load of the snapshot: the latest of each wiki, and any a killed load left; then
    // the records of the loads under way or left behind, and the drop's mark.
    let loads = KeyMatch::StartsWith(&format!("{snapshot}."));
    deleted += delete_loads(store, loads)?;
    step("loads");
    store.delete_rows(&attempts::ATTEMPTS, 0, loads)?;
    Ok(deleted)
}

/// Deletes the per-page, per-editor and top-list rows of one load (`2026-05.1764741234567`):
/// one no reader reads any more (replaced by a later load of its wiki) or that failed before
/// readers were switched to it. Returns the rows deleted.
pub fn forget_load<S: TableWrite + ?Sized>(store: &S, load: &str) -> StoreResult<u64> {
    delete_loads(store, KeyMatch::Is(load))
}

/// Deletes the rows of the loads `matches` picks from the tables keyed by load.
fn delete_loads<S: TableWrite + ?Sized>(store: &S, matches: KeyMatch<'_>) -> StoreResult<u64> {
    use super::per_entity::{PER_EDITOR, PER_PAGE};
    let mut deleted = 0;
    for (table, part) in [(&super::top::TOPS, 0), (&PER_PAGE, 1), (&PER_EDITOR, 1)] {
        deleted += store.delete_rows(table, part, matches)?;
    }
    Ok(deleted)
}

/// The snapshots beyond the `keep` newest the store holds, other than the active one: what
/// an activation drops (`keep` 0 keeps every snapshot).
pub fn beyond_kept<S: TableRead + TableWrite + ?Sized>(
    store: &S,
    keep: usize,
) -> StoreResult<Vec<YearMonth>> {
    if keep == 0 {
        return Ok(Vec::new());
    }
    let active = active(store)?;
    let mut held: Vec<YearMonth> = wiki_loads(store)?.into_iter().map(|l| l.snapshot).collect();
    held.sort_unstable_by(|a, b| b.cmp(a));
    held.dedup();
    Ok(held.into_iter().skip(keep).filter(|m| Some(*m) != active).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::memory::MemoryStore;

    fn loaded(store: &MemoryStore, months: &[(i32, u8)]) {
        let rows = months
            .iter()
            .map(|&(y, m)| {
                let snapshot = YearMonth::new(y, m).expect("month");
                let load = WikiLoad {
                    snapshot,
                    wiki: "enwiki".into(),
                    loaded: snapshot.last_day(),
                    lines: 1,
                    events: 1,
                    first_day: Some(snapshot.first_day()),
                    last_day: Some(snapshot.last_day()),
                };
                load.row()
            })
            .collect();
        let changes = vec![SeriesChanges { table: &WIKIS, replace: Vec::new(), rows }];
        store.publish_series(&SeriesBatch { dataset: Dataset::History, changes }).unwrap();
    }

    #[test]
    fn the_newest_are_kept_and_the_active_one_whatever_its_age() {
        let store = MemoryStore::new();
        loaded(&store, &[(2024, 1), (2024, 2), (2024, 3), (2024, 4)]);
        let month = |m| YearMonth::new(2024, m).unwrap();
        assert_eq!(beyond_kept(&store, 2).unwrap(), [month(2), month(1)]);
        assert_eq!(beyond_kept(&store, 3).unwrap(), [month(1)]);
        assert!(beyond_kept(&store, 0).unwrap().is_empty(), "0 keeps every snapshot");
        assert!(activate(&store, month(1), 1).unwrap());
        assert_eq!(beyond_kept(&store, 2).unwrap(), [month(2)], "never the active one");
        assert!(!activate(&store, month(9), 2).unwrap(), "a snapshot without wikis");
    }
}

//! A wiki's dump files of one snapshot into the history tables: the events counted per day
//! and slice (every editor type and page type, the `all-*` ones included), their months, and
//! the wiki's load record, as one batch that replaces what the wiki held in the snapshot.
//!
//! The state is one counter set per (project, slice, day) the wiki has events on: it grows
//! with the wiki's days, not with its events.

use super::early_writer::EarlyWriter;
use super::periods::OutOfOrder;
use super::rows::Taken;
use super::{Edit, Event, PageType, Reader, UserType};
use crate::load::Progress;
use crate::load::lines::for_each_file_line;
use crate::report::LoadReport;
use anyhow::Result;
use aqs_core::dates::{Day, Period, YearMonth};
use aqs_core::history::attempts::{self, Process};
use aqs_core::history::digest::{DIGESTS, DigestEntity};
use aqs_core::history::per_entity::{LOADS, PER_EDITOR, PER_PAGE, load_name};
use aqs_core::history::snapshots::{self, WikiLoad};
use aqs_core::history::top::TOPS;
use aqs_core::history::top_lists::{BASE_SLICES, base_index, in_slice, slices};
use aqs_core::history::{EVENTS, EventCounts, NEW_USERS, WIKIS};
use aqs_core::params::{EditorType, PageType as PageParam};
use aqs_core::table::{
    Dataset, Numbers, SeriesBatch, SeriesChanges, SeriesRow, TableDef, WriteStore,
};
use rustc_hash::FxHashMap;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

pub(super) fn editor_type(t: UserType) -> EditorType {
    match t {
        UserType::Anonymous => EditorType::Anonymous,
        UserType::GroupBot => EditorType::GroupBot,
        UserType::NameBot => EditorType::NameBot,
        UserType::User => EditorType::User,
    }
}

pub(super) fn page_param(t: PageType) -> PageParam {
    match t {
        PageType::Content => PageParam::Content,
        PageType::NonContent => PageParam::NonContent,
    }
}

/// The events of one (project, day) per base slice (user type × page type, as
/// [`BASE_SLICES`]): every other slice is a sum of these.
struct DayCounts {
    project: usize,
    day: Day,
    bases: [EventCounts; 8],
    /// Bit `b`: base slice `b` had an event (a slice of those has a row, even of zeros).
    touched: u8,
}

/// The counts of one wiki's events.
#[derive(Default)]
pub struct WikiCounts {
    /// The projects of the wiki's events (one, as a rule), which the keys below number.
    projects: Vec<String>,
    /// The counts per (project, day), in the order the days came.
    events: Vec<DayCounts>,
    /// Where each (project, day)'s counts are in `events`.
    event_days: FxHashMap<(usize, Day), usize>,
    /// Where the last event's are (the next event's, as a rule: events come in time order).
    event_at: usize,
    new_users: FxHashMap<(usize, Day), u64>,
    names: super::names::WikiNames,
    digests: super::digests::Digests,
    entities: super::per_entity::EntityCounts,
    tops: super::tops::Tops,
    pub lines: u64,
    pub counted: u64,
    first: Option<Day>,
    last: Option<Day>,
    /// The month of the latest edit, and whether an edit began a later one (the earlier
    /// months' per-page, per-editor and top-list rows can be taken out).
    month: Option<YearMonth>,
    month_ended: bool,
}

impl WikiCounts {
    /// The number of a project in [`WikiCounts::projects`].
    fn project(&mut self, project: &str) -> usize {
        match self.projects.iter().position(|p| p == project) {
            Some(at) => at,
            None => {
                self.projects.push(project.to_string());
                self.projects.len() - 1
            }
        }
    }

    fn seen(&mut self, day: Day) {
        self.first = Some(self.first.map_or(day, |f| f.min(day)));
        self.last = Some(self.last.map_or(day, |l| l.max(day)));
    }

    fn add(
        &mut self,
        project: usize,
        (user, page): (UserType, PageType),
        day: Day,
        counts: EventCounts,
    ) {
        self.seen(day);
        self.counted += 1;
        let (events, at) = (&mut self.events, &mut self.event_at);
        if events.get(*at).is_none_or(|d| (d.project, d.day) != (project, day)) {
            *at = *self.event_days.entry((project, day)).or_insert_with(|| {
                events.push(DayCounts { project, day, bases: Default::default(), touched: 0 });
                events.len() - 1
            });
        }
        let base = base_index((editor_type(user), page_param(page))).unwrap_or_default();
        let d = &mut self.events[self.event_at];
        d.bases[base].add(counts);
        d.touched |= 1 << base;
    }

    fn edit_month(&mut self, day: Day) {
        let month = day.year_month();
        self.month_ended |= self.month.is_some_and(|m| m < month);
        self.month = Some(self.month.map_or(month, |m| m.max(month)));
    }

    /// The per-page, per-editor and top-list rows of the months before the latest edit's
    /// (of every month: `finish`), taken out of the counts into `out`: under the load of
    /// each project that `load_of` names.
    pub fn take_entity_rows(
        &mut self,
        finish: bool,
        load_of: &dyn Fn(&str) -> String,
        out: &mut Taken,
    ) {
        if out.projects.len() != self.projects.len() {
            out.projects = self.projects.iter().map(|p| (p.clone(), load_of(p))).collect();
        }
        let before = match finish {
            true => None,
            false => self.month.map(|m| m.first_day()),
        };
        self.entities.take_rows(before, &self.names, out);
        self.tops.take_rows(finish, &self.names, &mut out.tops);
    }

    /// Counts one reduced event.
    pub fn count(&mut self, project: &str, event: &Event<'_>) -> Result<(), OutOfOrder> {
        match event {
            Event::Edit(edit @ Edit { day, user_type, page_type, bytes_diff, .. }) => {
                let number = self.project(project);
                let ids = self.names.ids(number, edit);
                self.digests.count(number, edit, ids)?;
                self.edit_month(edit.day);
                self.entities.count(number, edit, ids, &self.names);
                self.tops.count(number, edit, ids, &self.names)?;
                let counts = EventCounts {
                    edits: 1,
                    net_bytes_diff: *bytes_diff,
                    abs_bytes_diff: bytes_diff.unsigned_abs(),
                    new_pages: 0,
                };
                self.add(number, (*user_type, *page_type), *day, counts);
            }
            Event::NewPage { day, user_type, page_type } => {
                let counts = EventCounts { new_pages: 1, ..Default::default() };
                let number = self.project(project);
                self.add(number, (*user_type, *page_type), *day, counts);
            }
            Event::NewUser { day } => {
                self.seen(*day);
                self.counted += 1;
                let project = self.project(project);
                *self.new_users.entry((project, *day)).or_default() += 1;
            }
            Event::HiddenEdit(edit) => {
                self.edit_month(edit.day);
                let number = self.project(project);
                let ids = self.names.ids(number, edit);
                self.tops.count(number, edit, ids, &self.names)?;
            }
            Event::Uncounted => {}
        }
        Ok(())
    }

    /// The rows of the three tables for `snapshot`, daily and monthly.
    pub(super) fn rows(self, snapshot: &str) -> [BTreeMap<(Vec<String>, Period), Numbers>; 3] {
        let mut events: BTreeMap<(Vec<String>, Period), EventCounts> = BTreeMap::new();
        for d in &self.events {
            for (e, p) in slices() {
                let mut bases = (0..BASE_SLICES.len())
                    .filter(|b| d.touched & 1 << b != 0 && in_slice(*b, (e, p)))
                    .peekable();
                if bases.peek().is_none() {
                    continue;
                }
                let mut counts = EventCounts::default();
                bases.for_each(|b| counts.add(d.bases[b]));
                let project = self.projects[d.project].clone();
                let key = vec![snapshot.to_string(), project, e.as_str().into(), p.as_str().into()];
                let month = Period::Month(d.day.year_month());
                events.entry((key.clone(), month)).or_default().add(counts);
                events.insert((key, Period::Day(d.day)), counts);
            }
        }
        let mut users: BTreeMap<(Vec<String>, Period), Numbers> = BTreeMap::new();
        for ((project, day), n) in &self.new_users {
            let key = vec![snapshot.to_string(), self.projects[*project].clone()];
            users.entry((key.clone(), Period::Month(day.year_month()))).or_default().0[0] += n;
            users.insert((key, Period::Day(*day)), Numbers::counters(&[*n]));
        }
        let events = events.into_iter().map(|(k, c)| (k, c.numbers())).collect();
        [events, users, self.digests.finish(snapshot, &self.projects)]
    }
}

/// Reads a wiki's files (in time order) into its counts; malformed lines are skipped and
/// reported with their file and line. `month_ended` is called when an edit begins a later
/// month than the edits before (to take the earlier months' rows out).
pub fn read_files(
    files: &[PathBuf],
    progress: &dyn Progress,
    report: &mut LoadReport,
    check: &dyn Fn(&Path, &LoadReport) -> Result<()>,
    month_ended: &mut dyn FnMut(&mut WikiCounts) -> Result<()>,
) -> Result<WikiCounts> {
    let mut counts = WikiCounts::default();
    let mut reader = Reader::default();
    for path in files {
        let mut file_report = LoadReport::default();
        for_each_file_line(path, progress, &mut file_report, |number, line, r| {
            match reader.read(line) {
                Ok((project, event)) => {
                    counts
                        .count(project, &event)
                        .map_err(|e| anyhow::anyhow!("{}:{number}: {e}", path.display()))?;
                    if counts.month_ended {
                        counts.month_ended = false;
                        month_ended(&mut counts)?;
                    }
                }
                Err(e) => {
                    let reason = e.to_string();
                    r.skip(&reason, || format!("{}:{number}", path.display()));
                }
            }
            Ok(())
        })?;
        check(path, &file_report)?;
        counts.lines += file_report.lines_read;
        report.absorb(file_report);
    }
    Ok(counts)
}

/// The stored rows of `keys` in `table` (every slice of the projects a wiki writes), daily
/// and monthly.
fn stored(
    store: &dyn WriteStore,
    table: &'static TableDef,
    keys: &BTreeSet<Vec<String>>,
) -> Result<Vec<SeriesRow>> {
    let mut out = Vec::new();
    let (days, months) = aqs_core::history::all_days_and_months();
    for key in keys {
        let parts: Vec<&str> = key.iter().map(String::as_str).collect();
        for (a, b) in [days, months] {
            for entry in store.series(table, &parts, a, b)? {
                out.push(SeriesRow {
                    key: key.clone(),
                    period: entry.period,
                    sub: entry.sub,
                    values: entry.values,
                });
            }
        }
    }
    Ok(out)
}

/// The keys of every slice of `projects` in `snapshot`, in the three tables.
fn keys_of(snapshot: &str, projects: &BTreeSet<String>) -> [BTreeSet<Vec<String>>; 3] {
    let (mut events, mut users, mut digests) = (BTreeSet::new(), BTreeSet::new(), BTreeSet::new());
    for project in projects {
        for e in EditorType::ALL {
            for p in PageParam::ALL {
                let slice = vec![e.as_str().to_string(), p.as_str().to_string()];
                events.insert([vec![snapshot.into(), project.clone()], slice.clone()].concat());
                for entity in [DigestEntity::Editors, DigestEntity::Pages] {
                    let key = vec![snapshot.into(), project.clone(), entity.key().into()];
                    digests.insert([key, slice.clone()].concat());
                }
            }
        }
        users.insert(vec![snapshot.to_string(), project.clone()]);
    }
    [events, users, digests]
}

/// What loading a wiki writes last: the batch that makes readers read it, and the loads of
/// its projects it replaces (their rows are deleted once the batch is written:
/// [`snapshots::forget_load`]).
pub struct WikiBatch {
    pub batch: SeriesBatch,
    pub replaced: Vec<String>,
    /// The loads recorded as this process's ([`attempts::record`]): settled once the batch
    /// is written and the replaced loads deleted.
    pub attempt_loads: Vec<String>,
}

/// The batch that loads `wiki`'s files into `snapshot`, replacing what it held there. When
/// reading fails, the rows this attempt wrote are deleted before the error is returned.
pub fn read_wiki(
    store: &dyn WriteStore,
    (snapshot, wiki): (YearMonth, &str),
    files: &[PathBuf],
    progress: &dyn Progress,
    check: &dyn Fn(&Path, &LoadReport) -> Result<()>,
    report: &mut LoadReport,
) -> Result<WikiBatch> {
    let name = snapshots::name(snapshot);
    // Per page and per editor, and the top lists: written under a new load number of each
    // project (above the snapshot's earlier ones, and unique to this attempt), a month at a
    // time as the events come; readers go on reading the earlier load until the last batch
    // writes the project's row of `history_loads`.
    let month = Period::Month(snapshot);
    let stored_loads: BTreeMap<String, u64> = store
        .series(&LOADS, &[&name], month, month)?
        .into_iter()
        .map(|e| (e.sub, e.values.0[0]))
        .collect();
    let attempt = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(1, |d| d.as_millis() as u64);
    let number = |project: &str| stored_loads.get(project).map_or(attempt, |n| attempt.max(n + 1));
    // Every load this attempt may write under (a project's number is the attempt's or one
    // above its stored load), recorded before anything is written: if this process dies, the
    // next load deletes them.
    let mut attempt_loads: BTreeSet<String> =
        stored_loads.values().map(|n| load_name(&name, attempt.max(n + 1))).collect();
    attempt_loads.insert(load_name(&name, attempt));
    let attempt_loads: Vec<String> = attempt_loads.into_iter().collect();
    attempts::record(store, &attempt_loads, Process::current())?;
    // The loads this attempt writes under: deleted again if it fails.
    let used: std::sync::Mutex<BTreeSet<String>> = Default::default();
    let load_of = |project: &str| {
        let load = load_name(&name, number(project));
        used.lock().unwrap_or_else(|p| p.into_inner()).insert(load.clone());
        load
    };
    // Tests make it small, to see months written early.
    let batch_rows = std::env::var("AQS_TEST_HISTORY_BATCH_ROWS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(EARLY_BATCH_ROWS);
    let read = std::thread::scope(|scope| -> Result<_> {
        // The writer makes the stored rows (into vectors it keeps) and publishes them.
        let mut rows: [Vec<SeriesRow>; 3] = Default::default();
        let writer = EarlyWriter::start(scope, move |taken: &mut Taken| {
            taken.drain_into(&mut rows);
            let batch = entity_batch(std::mem::take(&mut rows));
            let written = store.publish_series(&batch)?;
            for (kept, mut change) in rows.iter_mut().zip(batch.changes) {
                change.rows.clear();
                *kept = change.rows;
            }
            Ok(written)
        });
        let mut pending = Taken::default();
        let mut month_ended = |counts: &mut WikiCounts| -> Result<()> {
            counts.take_entity_rows(false, &load_of, &mut pending);
            if pending.len() >= batch_rows {
                writer.send(&mut pending)?;
            }
            Ok(())
        };
        let read = read_files(files, progress, report, check, &mut month_ended);
        // The writer's error first: a reader stopped by it says less.
        let written = writer.finish()?;
        Ok((read?, written, pending))
    });
    let (mut counts, early_rows, pending) = match read {
        Ok(read) => read,
        Err(e) => {
            // Best effort: what is left is never read, and the next load deletes it once
            // this process has ended (its records stay until its loads are deleted).
            let used = used.into_inner().unwrap_or_else(|p| p.into_inner());
            if used.iter().all(|load| snapshots::forget_load(store, load).is_ok()) {
                let _ = attempts::settle(store, &attempt_loads);
            }
            return Err(e);
        }
    };
    report.add_series_rows(Dataset::History, early_rows);
    let mut pending = pending;
    counts.take_entity_rows(true, &load_of, &mut pending);
    let mut last_rows: [Vec<SeriesRow>; 3] = Default::default();
    pending.drain_into(&mut last_rows);
    let [page_rows, editor_rows, top_rows] = last_rows;
    let (lines, counted, first_day, last_day) =
        (counts.lines, counts.counted, counts.first, counts.last);
    let [events, users, digests] = counts.rows(&name);
    // The projects this load writes, and those an earlier load of the wiki wrote.
    let mut projects: BTreeSet<String> = events.keys().map(|(k, _)| k[1].clone()).collect();
    projects.extend(users.keys().map(|(k, _)| k[1].clone()));
    if let Some(project) = super::wikis::project_of(wiki) {
        projects.insert(project);
    }
    let [event_keys, user_keys, digest_keys] = keys_of(&name, &projects);
    let owned = |key: &[String]| projects.contains(&key[1]);
    let event_rows = snapshots::replacing(stored(store, &EVENTS, &event_keys)?, events, &owned);
    let user_rows = snapshots::replacing(stored(store, &NEW_USERS, &user_keys)?, users, &owned);
    let digest_rows = snapshots::replacing(stored(store, &DIGESTS, &digest_keys)?, digests, &owned);
    // The rows that make readers read this load.
    let load_rows = projects
        .iter()
        .map(|project| SeriesRow {
            key: vec![name.clone()],
            period: month,
            sub: project.clone(),
            values: Numbers::counters(&[number(project)]),
        })
        .collect();
    let load = WikiLoad {
        snapshot,
        wiki: wiki.to_string(),
        loaded: today(),
        lines,
        events: counted,
        first_day,
        last_day,
    };
    let replaced =
        projects.iter().filter_map(|p| stored_loads.get(p).map(|n| load_name(&name, *n))).collect();
    let changes = vec![
        SeriesChanges { table: &EVENTS, replace: Vec::new(), rows: event_rows },
        SeriesChanges { table: &NEW_USERS, replace: Vec::new(), rows: user_rows },
        SeriesChanges { table: &DIGESTS, replace: Vec::new(), rows: digest_rows },
        SeriesChanges { table: &PER_PAGE, replace: Vec::new(), rows: page_rows },
        SeriesChanges { table: &PER_EDITOR, replace: Vec::new(), rows: editor_rows },
        SeriesChanges { table: &TOPS, replace: Vec::new(), rows: top_rows },
        SeriesChanges { table: &LOADS, replace: Vec::new(), rows: load_rows },
        SeriesChanges { table: &WIKIS, replace: Vec::new(), rows: vec![load.row()] },
    ];
    Ok(WikiBatch {
        batch: SeriesBatch { dataset: Dataset::History, changes },
        replaced,
        attempt_loads,
    })
}

/// The page days, editor days and top-list candidates a load holds before it writes them (a
/// few hundred MB at most).
const EARLY_BATCH_ROWS: usize = 500_000;

/// A batch of per-page, per-editor and top-list rows.
fn entity_batch([pages, editors, tops]: [Vec<SeriesRow>; 3]) -> SeriesBatch {
    let changes = vec![
        SeriesChanges { table: &PER_PAGE, replace: Vec::new(), rows: pages },
        SeriesChanges { table: &PER_EDITOR, replace: Vec::new(), rows: editors },
        SeriesChanges { table: &TOPS, replace: Vec::new(), rows: tops },
    ];
    SeriesBatch { dataset: Dataset::History, changes }
}

/// Today (UTC).
fn today() -> Day {
    let seconds = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    Day::from_epoch_days((seconds / 86_400) as i32)
}

/// The files of each (snapshot, wiki) among `paths`, each wiki's in name order (time order:
/// the time bucket follows the snapshot and the wiki in the name).
pub fn group_files(
    paths: Vec<(PathBuf, YearMonth, String)>,
) -> BTreeMap<(YearMonth, String), Vec<PathBuf>> {
    let mut out: BTreeMap<(YearMonth, String), Vec<PathBuf>> = BTreeMap::new();
    for (path, snapshot, wiki) in paths {
        out.entry((snapshot, wiki)).or_default().push(path);
    }
    for files in out.values_mut() {
        files.sort_by(|a, b| a.file_name().cmp(&b.file_name()));
        files.dedup();
    }
    out
}

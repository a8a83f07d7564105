//! Deleting the rows of entity namespaces, and giving back the ids they numbered
//! (docs/store-format.md, "Giving ids back"): what dropping a MediaWiki history snapshot, or
//! loading a wiki again, does to the per-page and per-editor names of the loads no longer read.
//!
//! 1. [`forget_rows`], one transaction: the namespaces' `projects` entries go, a dictionary
//!    file without their sections is written, and their article id runs, project ids and
//!    tables are recorded as pending in `meta` (`reclaim`), with the first segment id written
//!    after: later segments never hold a pending id (no name leads to one).
//! 2. [`sweep`]: the entries of the pending ids are deleted from those tables' older segments,
//!    in place, a transaction per [`SWEEP_ENTRIES`] entries read: the work is that of the
//!    rows deleted, not of the months holding them (and every merge leaves the ids out too).
//! 3. Then, one transaction: the ids become free (`dictionary/free.rs`), which new titles and
//!    new projects take first, and nothing is pending.
//!
//! A sweep cut short (a killed process) is finished by the next deletion or `aqs compact`;
//! until then the pending ids are just not handed out again.

use crate::codec::{Reader, corrupt, put_varint};
use crate::dictionary::free::{Ranges, give_back_projects, keep_next_project};
use crate::dictionary::project_id_value;
use crate::dictionary::writer::DictionaryWriter;
use crate::segments::{EntityTable, Segment};
use crate::write::WriteState;
use crate::{EmbeddedStore, Tables, engine};
use aqs_core::error::{StoreError, StoreResult};
use aqs_core::table::{KeyMatch, TableDef};
use heed::{RoTxn, RwTxn};
use std::collections::BTreeSet;

const META_RECLAIM: &[u8] = b"reclaim";

/// What is being given back.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Pending {
    ids: Ranges,
    projects: BTreeSet<u16>,
    tables: BTreeSet<EntityTable>,
    /// Segments from this id on hold none of `ids`.
    clean_from: u32,
}

impl Pending {
    fn encode(&self) -> Vec<u8> {
        let mut out = Vec::new();
        self.ids.encode(&mut out);
        put_varint(&mut out, self.projects.len() as u64);
        self.projects.iter().for_each(|p| put_varint(&mut out, u64::from(*p)));
        put_varint(&mut out, self.tables.len() as u64);
        self.tables.iter().for_each(|t| put_varint(&mut out, u64::from(*t)));
        put_varint(&mut out, u64::from(self.clean_from));
        out
    }

    fn decode(bytes: &[u8]) -> StoreResult<Pending> {
        let mut r = Reader::new(bytes);
        let ids = Ranges::decode(&mut r)?;
        let mut small = |what| -> StoreResult<Vec<u64>> {
            let n = r.varint()?;
            (0..n).map(|_| r.varint()).collect::<Result<Vec<u64>, _>>().map_err(|_| corrupt(what))
        };
        let projects = small("reclaimed projects")?;
        let tables = small("reclaimed tables")?;
        let clean_from = r.varint()?;
        let fits = projects.iter().all(|p| *p <= u64::from(u16::MAX))
            && tables.iter().all(|t| *t <= u64::from(u8::MAX))
            && clean_from <= u64::from(u32::MAX);
        if !fits || !r.is_empty() {
            return Err(corrupt("reclaim record"));
        }
        Ok(Pending {
            ids,
            projects: projects.into_iter().map(|p| p as u16).collect(),
            tables: tables.into_iter().map(|t| t as u8).collect(),
            clean_from: clean_from as u32,
        })
    }
}

fn pending(tables: &Tables, txn: &RoTxn) -> StoreResult<Option<Pending>> {
    tables.meta.get(txn, META_RECLAIM).map_err(engine)?.map(Pending::decode).transpose()
}

/// The article ids being given back: merges leave them out.
pub(crate) fn pending_ids(tables: &Tables, txn: &RoTxn) -> StoreResult<Ranges> {
    Ok(pending(tables, txn)?.map(|p| p.ids).unwrap_or_default())
}

/// Deletes the rows of an entity table whose key part `part` matches (whole namespaces: `part`
/// is not the first, or the table has no groups), gives back their ids, and returns the rows
/// (name days) deleted.
pub(crate) fn forget_rows(
    store: &EmbeddedStore,
    table: &'static TableDef,
    part: usize,
    matches: KeyMatch<'_>,
) -> StoreResult<u64> {
    forget(store, table, part, matches)?;
    sweep(store)
}

/// Step 1 of [`forget_rows`].
fn forget(
    store: &EmbeddedStore,
    table: &'static TableDef,
    part: usize,
    matches: KeyMatch<'_>,
) -> StoreResult<()> {
    let tables = &store.inner.tables;
    let mut wtxn = store.inner.env.write_txn().map_err(engine)?;
    let mut state = WriteState::read(tables, &wtxn)?;
    let mut doomed: Vec<(Vec<u8>, u16)> = Vec::new();
    let prefix = format!("entity:{}", table.name);
    for entry in tables.projects.prefix_iter(&wtxn, prefix.as_bytes()).map_err(engine)? {
        let (name, id) = entry.map_err(engine)?;
        let Some(parts) =
            std::str::from_utf8(name).ok().and_then(|n| crate::entity::namespace_parts(table, n))
        else {
            continue;
        };
        match parts.get(part) {
            Some(Some(text)) if matches.matches(text) => {
                doomed.push((name.to_vec(), project_id_value(id)?))
            }
            Some(None) => {
                return Err(StoreError::InvalidWrite(format!(
                    "{}: rows are deleted by a key part other than the group",
                    table.name
                )));
            }
            _ => {}
        }
    }
    let number = crate::entity::table_number(tables, &wtxn, table)?;
    let (Some(number), false) = (number, doomed.is_empty()) else { return Ok(()) };
    let ids: BTreeSet<u16> = doomed.iter().map(|d| d.1).collect();
    let mut record = pending(tables, &wtxn)?.unwrap_or_default();
    let mut runs = Ranges::default();
    for (start, end) in runs_of(tables, &wtxn, &ids, state.next_article)? {
        runs.add(start, end);
    }
    // Free ids are never in a run, but a run is only as right as its ends: never pend a free
    // id (a write may take it meanwhile).
    for &(start, end) in &runs.without(&state.free).0 {
        record.ids.add(start, end);
    }
    record.projects.extend(&ids);
    record.tables.insert(number);
    record.clean_from = state.next_segment();
    keep_next_project(tables, &mut wtxn)?;
    for (name, _) in &doomed {
        tables.projects.delete(&mut wtxn, name).map_err(engine)?;
    }
    forget_sections(store, &mut state, &ids)?;
    tables.meta.put(&mut wtxn, META_RECLAIM, &record.encode()).map_err(engine)?;
    store.commit(wtxn, &state, Some(table.dataset))
}

/// The article id runs of `projects`: each from its start in `article_projects` to the next
/// run's (or `next_article`).
fn runs_of(
    tables: &Tables,
    txn: &RoTxn,
    projects: &BTreeSet<u16>,
    next_article: u32,
) -> StoreResult<Vec<(u32, u32)>> {
    let mut out = Vec::new();
    let mut open: Option<u32> = None;
    for entry in tables.article_projects.iter(txn).map_err(engine)? {
        let (start, project) = entry.map_err(engine)?;
        let start = crate::u32_value(start, "run start")?;
        if let Some(from) = open.take() {
            out.push((from, start));
        }
        if !project.is_empty() && projects.contains(&project_id_value(project)?) {
            open = Some(start);
        }
    }
    if let Some(from) = open {
        out.push((from, next_article));
    }
    Ok(out)
}

/// Writes a dictionary file without the sections of `projects` (named in `meta` by the
/// caller's commit).
fn forget_sections(
    store: &EmbeddedStore,
    state: &mut WriteState,
    projects: &BTreeSet<u16>,
) -> StoreResult<()> {
    let mut writer =
        DictionaryWriter::create(&store.inner.path, store.dictionary(state.dictionary)?)?;
    for &project in projects {
        writer.forget(project)?;
    }
    if let Some(number) = writer.finish()? {
        state.dictionary = number;
    }
    Ok(())
}

/// How often a long sweep logs how far it is.
const PROGRESS_EVERY: std::time::Duration = std::time::Duration::from_secs(10);

/// Entries of segment tables one transaction of a sweep reads at most.
const SWEEP_ENTRIES: usize = if cfg!(test) { 2 } else { 100_000 };

/// Deletes the pending ids' entries from every segment that may hold them, then frees the
/// ids; returns the rows (article days) deleted. Nothing to do when nothing is pending.
pub(crate) fn sweep(store: &EmbeddedStore) -> StoreResult<u64> {
    let tables = &store.inner.tables;
    let mut dropped = 0;
    loop {
        let (record, segments) = {
            let rtxn = store.read_txn()?;
            let Some(record) = pending(tables, &rtxn)? else { return Ok(dropped) };
            let manifest = WriteState::read(tables, &rtxn)?.manifest;
            let older = |s: &&Segment| record.tables.contains(&s.table) && s.id < record.clean_from;
            let segments: Vec<Segment> = manifest.segments.iter().filter(older).copied().collect();
            (record, segments)
        };
        // (segment, range, id to go on from), a transaction at a time.
        let mut at = Some((0, 0, 0));
        let mut logged = std::time::Instant::now();
        while let Some(from) = at {
            if logged.elapsed() >= PROGRESS_EVERY {
                let (segment, of) = (from.0 + 1, segments.len());
                tracing::info!(
                    "giving ids back: {dropped} rows deleted, segment {segment} of {of}"
                );
                logged = std::time::Instant::now();
            }
            store.refresh_slots()?;
            let opened = store.inner.slots.opened();
            let mut wtxn = store.inner.env.write_txn().map_err(engine)?;
            let manifest = WriteState::read(tables, &wtxn)?.manifest;
            at =
                purge(&mut wtxn, (&opened, &manifest), (&segments, &record.ids), from, &mut |n| {
                    dropped += n
                })?;
            // The values read stay the same (no name leads to these ids): nothing to move.
            wtxn.commit().map_err(engine)?;
        }
        if free(store, &record)? {
            return Ok(dropped);
        }
    }
}

/// Deletes the entries of `ids` from `segments` (those still in `manifest`), from position
/// `(segment, range, id)` on, until [`SWEEP_ENTRIES`] entries are read; returns where to go
/// on from, if anything is left. `count` gets the rows deleted.
fn purge(
    wtxn: &mut RwTxn,
    (opened, manifest): (&[crate::Table], &crate::segments::Manifest),
    (segments, ids): (&[Segment], &Ranges),
    (mut s, mut r, mut id): (usize, usize, u32),
    count: &mut dyn FnMut(u64),
) -> StoreResult<Option<(usize, usize, u32)>> {
    let mut budget = SWEEP_ENTRIES;
    let mut days = Vec::new();
    let gone = |article: u32| ids.contains(article);
    while let Some(segment) = segments.get(s) {
        // A segment merged away since holds nothing any more (its slot may be another's); one
        // a merge is going through (its article range moved) still holds what it held.
        let current = manifest.segments.iter().find(|m| m.id == segment.id);
        let table = current.and_then(|m| opened.get(m.slot as usize));
        let (Some(table), Some(&(start, end))) = (table, ids.0.get(r)) else {
            (s, r, id) = (s + 1, 0, 0);
            continue;
        };
        let mut deleted = |bytes: &[u8]| {
            crate::codec::read_raw_month(bytes, segment.month, &mut days)?;
            count(days.len() as u64);
            Ok(())
        };
        let range = (id.max(start), end, segment.shift);
        let (read, next) =
            crate::blocks::remove_articles(table, wtxn, range, &gone, budget, &mut deleted)?;
        budget -= read;
        match next {
            Some(next) => return Ok(Some((s, r, next))),
            None => (r, id) = (r + 1, 0),
        }
        if budget == 0 {
            return Ok(Some((s, r, 0)));
        }
    }
    Ok(None)
}

/// Frees what `record` gives back; `false` when the pending record changed meanwhile (more
/// forgotten by another process: sweep again).
fn free(store: &EmbeddedStore, record: &Pending) -> StoreResult<bool> {
    let tables = &store.inner.tables;
    let mut wtxn = store.inner.env.write_txn().map_err(engine)?;
    match pending(tables, &wtxn)? {
        None => return Ok(true),
        Some(now) if now != *record => return Ok(false),
        Some(_) => {}
    }
    let mut state = WriteState::read(tables, &wtxn)?;
    for &(start, end) in &record.ids.0 {
        let (from, to) = (start.to_be_bytes(), end.to_be_bytes());
        let range = (std::ops::Bound::Included(&from[..]), std::ops::Bound::Excluded(&to[..]));
        tables.article_projects.delete_range(&mut wtxn, &range).map_err(engine)?;
        tables.article_projects.put(&mut wtxn, &start.to_be_bytes(), &[]).map_err(engine)?;
        state.free.add(start, end);
    }
    state.free_changed = true;
    let projects: Vec<u16> = record.projects.iter().copied().collect();
    give_back_projects(tables, &mut wtxn, &projects)?;
    tables.meta.delete(&mut wtxn, META_RECLAIM).map_err(engine)?;
    store.commit(wtxn, &state, None)?;
    let (ids, namespaces) = (record.ids.ids(), record.projects.len());
    tracing::info!("gave back {ids} article ids and {namespaces} namespaces of deleted rows");
    Ok(true)
}

/// How much of the article and project id spaces a store uses (`aqs stats`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IdUsage {
    /// Article ids numbered and not given back.
    pub articles: u64,
    /// Article ids given back, which new titles take first.
    pub free_articles: u64,
    /// Article ids being given back (a sweep not yet finished).
    pub pending_articles: u64,
    /// Projects (and entity namespaces) with an id.
    pub projects: u64,
    /// Project ids given back.
    pub free_projects: u64,
}

impl EmbeddedStore {
    /// How many article and project ids are in use, free, and being given back.
    pub fn id_usage(&self) -> StoreResult<IdUsage> {
        let rtxn = self.read_txn()?;
        let tables = &self.inner.tables;
        let state = WriteState::read(tables, &rtxn)?;
        let pending = pending(tables, &rtxn)?.unwrap_or_default();
        let free = state.free.ids();
        let held = free + pending.ids.ids();
        Ok(IdUsage {
            articles: u64::from(state.next_article).saturating_sub(held),
            free_articles: free,
            pending_articles: pending.ids.ids(),
            projects: tables.projects.len(&rtxn).map_err(engine)?,
            free_projects: crate::dictionary::free::free_project_count(tables, &rtxn)?,
        })
    }
}

#[cfg(test)]
mod tests;

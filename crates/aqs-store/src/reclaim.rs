//! Deleting the rows of entity namespaces, and giving back the ids they numbered
//! (docs/store-format.md, "Giving ids back"): what dropping a MediaWiki history snapshot, or
//! loading a wiki again, does to the per-page and per-editor names of the loads no longer read.
//!
//! 1. [`forget_rows`], one transaction: the namespaces' `projects` entries go, a dictionary
//!    file without their sections is written, and their article id runs, project ids and
//!    tables are recorded as pending in `meta` (`reclaim`), with the first segment id written
//!    after: later segments never hold a pending id (no name leads to one).
//! 2. [`sweep`]: each month of those tables with an older segment that may hold a pending id
//!    is rewritten into one segment, leaving the pending ids out (every merge leaves them out).
//! 3. Then, one transaction: the ids become free (`dictionary/free.rs`), which new titles and
//!    new projects take first, and nothing is pending.
//!
//! A sweep cut short (a killed process) is finished by the next deletion or `aqs compact`;
//! until then the pending ids are just not handed out again.

use crate::codec::{Reader, corrupt, put_varint};
use crate::dictionary::free::{Ranges, give_back_projects, keep_next_project};
use crate::dictionary::project_id_value;
use crate::dictionary::writer::DictionaryWriter;
use crate::segments::{EntityTable, PER_ARTICLE};
use crate::write::WriteState;
use crate::{EmbeddedStore, Tables, engine};
use aqs_core::error::{StoreError, StoreResult};
use aqs_core::table::{KeyMatch, TableDef};
use heed::RoTxn;
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
    for (start, end) in runs_of(tables, &wtxn, &ids, state.next_article)? {
        // Free ids are never in a run, but a run is only as right as its ends: never pend a
        // free id (a write may take it meanwhile).
        let mut run = Ranges(vec![(start, end)]);
        for &(s, e) in &state.free.0 {
            run = run.without(s, e);
        }
        run.0.iter().for_each(|&(s, e)| record.ids.add(s, e));
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

/// Rewrites every month that may still hold pending ids, then frees them; returns the rows
/// left out. Nothing to do when nothing is pending.
pub(crate) fn sweep(store: &EmbeddedStore) -> StoreResult<u64> {
    let mut dropped = 0;
    loop {
        store.refresh_slots()?;
        let rtxn = store.read_txn()?;
        let tables = &store.inner.tables;
        let Some(record) = pending(tables, &rtxn)? else { return Ok(dropped) };
        let state = WriteState::read(tables, &rtxn)?;
        let opened = store.inner.slots.opened();
        let mut months = Vec::new();
        for (table, month) in state.manifest.parts() {
            if table == PER_ARTICLE || !record.tables.contains(&table) {
                continue;
            }
            for segment in state.manifest.newest_first(table, month) {
                let slot = opened.get(segment.slot as usize).ok_or_else(|| {
                    StoreError::Corrupt(format!("no table for slot {}", segment.slot))
                })?;
                if segment.id < record.clean_from && holds_any(slot, &rtxn, segment, &record.ids)? {
                    months.push((table, month));
                    break;
                }
            }
        }
        drop(rtxn);
        if months.is_empty() && free(store, &record)? {
            return Ok(dropped);
        }
        for (table, month) in months {
            dropped += store.rewrite_month(table, month)?;
        }
    }
}

/// Whether a segment's table has an entry in a block of the ids of `ranges`.
fn holds_any(
    table: &crate::Table,
    txn: &RoTxn,
    segment: &crate::segments::Segment,
    ranges: &Ranges,
) -> StoreResult<bool> {
    for &(start, end) in &ranges.0 {
        let from = crate::blocks::start_key(start, segment.blocked);
        let to = crate::blocks::start_key(end - 1, segment.blocked);
        let range = (std::ops::Bound::Included(&from[..]), std::ops::Bound::Included(&to[..]));
        if table.range(txn, &range).map_err(engine)?.next().is_some() {
            return Ok(true);
        }
    }
    Ok(false)
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

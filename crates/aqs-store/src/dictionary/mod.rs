//! The title dictionary: `(project id, title)` → article id in files of their own
//! ([`file`], written by [`writer`]), the project ids, and the runs that map article ids back
//! to their project.
//!
//! Article ids are handed out in order, the ids given back first ([`free`]), and a write gives
//! the new titles of one project consecutive ids. The `article_projects` table records where
//! each run starts (`first id` → project id, or no project where free ids begin), so that scans
//! in article-id order (monthly top lists) know each article's project without reading the
//! dictionary.

pub(crate) mod file;
pub(crate) mod free;
pub(crate) mod holder;
pub(crate) mod names;
pub(crate) mod writer;

pub use writer::MAX_TITLE_BYTES;

use crate::codec;
use crate::write::WriteState;
use crate::{Tables, engine, u32_value};
use aqs_core::error::{StoreError, StoreResult};
use aqs_core::lists::Disallowed;
use aqs_core::project::Project;
use file::Dictionary;
use heed::{PutFlags, RoTxn, RwTxn, WithoutTls};
use std::collections::{HashMap, HashSet};

/// The id of a project, created when it is new.
pub(crate) fn project_id(tables: &Tables, wtxn: &mut RwTxn, project: &Project) -> StoreResult<u16> {
    if let Some(id) = tables.projects.get(wtxn, project.as_str().as_bytes()).map_err(engine)? {
        return project_id_value(id);
    }
    let id = free::new_project_id(tables, wtxn)?;
    tables.projects.put(wtxn, project.as_str().as_bytes(), &id.to_be_bytes()).map_err(engine)?;
    Ok(id)
}

pub(crate) fn project_id_value(bytes: &[u8]) -> StoreResult<u16> {
    Ok(u16::from_be_bytes(bytes.try_into().map_err(|_| codec::corrupt("project id"))?))
}

/// Hands out new article ids within one write transaction and records their runs.
pub(crate) struct NewIds {
    /// The project and the id of the last id handed out in this transaction.
    last: Option<(u16, u32)>,
}

impl NewIds {
    pub fn start() -> NewIds {
        NewIds { last: None }
    }

    /// A new id of `project`: the lowest free one, or the next never used.
    pub fn next(
        &mut self,
        tables: &Tables,
        wtxn: &mut RwTxn,
        state: &mut WriteState,
        project: u16,
    ) -> StoreResult<u32> {
        let runs = tables.article_projects;
        let continues = |id: u32| self.last.is_some_and(|l| l == (project, id.wrapping_sub(1)));
        let id = match state.free.take_first() {
            Some(id) => {
                // The run of the id before goes on, or one starts here; the free ids left
                // after it start a free run.
                match continues(id) {
                    true => runs.delete(wtxn, &id.to_be_bytes()).map(drop),
                    false => runs.put(wtxn, &id.to_be_bytes(), &project.to_be_bytes()),
                }
                .map_err(engine)?;
                if state.free.first() == Some(id + 1) {
                    runs.put(wtxn, &(id + 1).to_be_bytes(), &[]).map_err(engine)?;
                }
                state.free_changed = true;
                id
            }
            None => {
                let id = state.next_article;
                state.next_article = id
                    .checked_add(1)
                    .ok_or_else(|| StoreError::Limit("article ids exhausted".into()))?;
                if !continues(id) {
                    runs.put_with_flags(
                        wtxn,
                        PutFlags::APPEND,
                        &id.to_be_bytes(),
                        &project.to_be_bytes(),
                    )
                    .map_err(engine)?;
                }
                id
            }
        };
        state.numbered.add(id, id + 1);
        self.last = Some((project, id));
        Ok(id)
    }
}

/// Looks up the project of ascending article ids from the run table.
pub(crate) struct ProjectOfId {
    /// Where each run starts, and its project (none: free ids).
    runs: Vec<(u32, Option<u16>)>,
    at: usize,
}

impl ProjectOfId {
    pub fn read(tables: &Tables, txn: &RoTxn<'_, WithoutTls>) -> StoreResult<ProjectOfId> {
        let mut runs = Vec::new();
        for entry in tables.article_projects.iter(txn).map_err(engine)? {
            let (first, project) = entry.map_err(engine)?;
            let project = match project.is_empty() {
                true => None,
                false => Some(project_id_value(project)?),
            };
            runs.push((u32_value(first, "run start")?, project));
        }
        Ok(ProjectOfId { runs, at: 0 })
    }

    /// The project of `id`; ids must come in ascending order.
    pub fn project(&mut self, id: u32) -> Option<u16> {
        while self.at + 1 < self.runs.len() && self.runs[self.at + 1].0 <= id {
            self.at += 1;
        }
        self.runs.get(self.at).filter(|(first, _)| *first <= id).and_then(|(_, p)| *p)
    }
}

/// The ids of the dictionary's titles that the disallowed list names (case-insensitively).
pub(crate) fn disallowed_ids(
    tables: &Tables,
    txn: &RoTxn<'_, WithoutTls>,
    dictionary: &Dictionary,
    disallowed: &Disallowed,
) -> StoreResult<HashSet<u32>> {
    let mut by_project: HashMap<&str, HashSet<&str>> = HashMap::new();
    for (project, _) in disallowed.entries() {
        by_project.entry(project).or_default();
    }
    for (project, titles) in by_project.iter_mut() {
        titles.extend(disallowed.lowercase_titles_of(project));
    }
    let mut ids = HashSet::new();
    for (project, titles) in by_project {
        let Some(pid) = tables.projects.get(txn, project.as_bytes()).map_err(engine)? else {
            continue;
        };
        dictionary.for_each_in(project_id_value(pid)?, |title, id| {
            if titles.contains(String::from_utf8_lossy(title).to_lowercase().as_str()) {
                ids.insert(id);
            }
            Ok(())
        })?;
    }
    Ok(ids)
}

/// The ids of `rows` (project id, title), sorted and possibly repeated, through `writer`; new
/// titles take the next ids of `state`.
pub(crate) fn ids_of_rows(
    writer: &mut writer::DictionaryWriter,
    tables: &Tables,
    wtxn: &mut RwTxn,
    state: &mut WriteState,
    rows: &[(u16, &str)],
) -> StoreResult<Vec<u32>> {
    let mut new_ids = NewIds::start();
    let mut out = Vec::with_capacity(rows.len());
    let mut start = 0;
    while start < rows.len() {
        let project = rows[start].0;
        let group = &rows[start..start + rows[start..].partition_point(|r| r.0 == project)];
        let mut titles: Vec<&[u8]> = group.iter().map(|r| r.1.as_bytes()).collect();
        titles.dedup();
        let ids = writer
            .ids(project, titles.into_iter(), || new_ids.next(tables, wtxn, state, project))?;
        let mut at = 0;
        for (i, row) in group.iter().enumerate() {
            if i > 0 && group[i - 1].1 != row.1 {
                at += 1;
            }
            out.push(ids[at]);
        }
        start += group.len();
    }
    Ok(out)
}

#[cfg(test)]
mod tests;

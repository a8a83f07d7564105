//! The title dictionary: `project_id ‖ title` → article id, the project ids, and the runs that
//! map article ids back to their project.
//!
//! Article ids are handed out in order, and a write gives the new titles of one project
//! consecutive ids. The `article_projects` table records where each run starts
//! (`first id` → project id), so that scans in article-id order (monthly top lists) know each
//! article's project without reading the dictionary.

use crate::codec::{self, article_key};
use crate::write::WriteState;
use crate::{Tables, engine, u32_value};
use aqs_core::error::{StoreError, StoreResult};
use aqs_core::lists::Disallowed;
use aqs_core::project::Project;
use aqs_core::spill::SpillDir;
use heed::{PutFlags, RoTxn, RwTxn, WithoutTls};
use std::collections::{HashMap, HashSet};
use std::io::{BufRead, BufReader, BufWriter, Read, Write};
use std::ops::Bound;
use std::path::Path;

/// The longest title the store accepts, in bytes (LMDB keys are bounded).
pub const MAX_TITLE_BYTES: usize = 1024;

/// The id of a project, created when it is new.
pub(crate) fn project_id(tables: &Tables, wtxn: &mut RwTxn, project: &Project) -> StoreResult<u16> {
    if let Some(id) = tables.projects.get(wtxn, project.as_str().as_bytes()).map_err(engine)? {
        return project_id_value(id);
    }
    let count = tables.projects.len(wtxn).map_err(engine)?;
    let id =
        u16::try_from(count).map_err(|_| StoreError::Limit("more than 65536 projects".into()))?;
    tables.projects.put(wtxn, project.as_str().as_bytes(), &id.to_be_bytes()).map_err(engine)?;
    Ok(id)
}

pub(crate) fn project_id_value(bytes: &[u8]) -> StoreResult<u16> {
    Ok(u16::from_be_bytes(bytes.try_into().map_err(|_| codec::corrupt("project id"))?))
}

fn check_title(title: &str) -> StoreResult<()> {
    if title.len() > MAX_TITLE_BYTES {
        return Err(StoreError::Limit(format!(
            "a title of {} bytes is longer than {MAX_TITLE_BYTES}",
            title.len()
        )));
    }
    Ok(())
}

/// Hands out new article ids within one write transaction and records their runs.
pub(crate) struct NewIds {
    /// The project of the last id handed out in this transaction.
    last_project: Option<u16>,
}

impl NewIds {
    /// Starts handing out ids; builds the run table first if the store predates it.
    pub fn start(tables: &Tables, wtxn: &mut RwTxn) -> StoreResult<NewIds> {
        let empty = tables.article_projects.len(wtxn).map_err(engine)? == 0;
        if empty && tables.articles.len(wtxn).map_err(engine)? > 0 {
            build_runs(tables, wtxn)?;
        }
        Ok(NewIds { last_project: None })
    }

    fn next(
        &mut self,
        tables: &Tables,
        wtxn: &mut RwTxn,
        state: &mut WriteState,
        project: u16,
    ) -> StoreResult<u32> {
        let id = state.next_article;
        state.next_article =
            id.checked_add(1).ok_or_else(|| StoreError::Limit("article ids exhausted".into()))?;
        if self.last_project != Some(project) {
            tables
                .article_projects
                .put_with_flags(wtxn, PutFlags::APPEND, &id.to_be_bytes(), &project.to_be_bytes())
                .map_err(engine)?;
            self.last_project = Some(project);
        }
        Ok(id)
    }
}

/// The run table of a store written before it existed, from one pass over the dictionary.
fn build_runs(tables: &Tables, wtxn: &mut RwTxn) -> StoreResult<()> {
    let mut ids: Vec<(u32, u16)> = Vec::new();
    for entry in tables.articles.iter(wtxn).map_err(engine)? {
        let (key, id) = entry.map_err(engine)?;
        ids.push((u32_value(id, "article id")?, u16::from_be_bytes([key[0], key[1]])));
    }
    ids.sort_unstable();
    let mut last = None;
    for (id, project) in ids {
        if last != Some(project) {
            tables
                .article_projects
                .put(wtxn, &id.to_be_bytes(), &project.to_be_bytes())
                .map_err(engine)?;
            last = Some(project);
        }
    }
    Ok(())
}

/// Looks up the project of ascending article ids from the run table.
pub(crate) struct ProjectOfId {
    runs: Vec<(u32, u16)>,
    at: usize,
}

impl ProjectOfId {
    pub fn read(tables: &Tables, txn: &RoTxn<'_, WithoutTls>) -> StoreResult<ProjectOfId> {
        let mut runs = Vec::new();
        for entry in tables.article_projects.iter(txn).map_err(engine)? {
            let (first, project) = entry.map_err(engine)?;
            runs.push((u32_value(first, "run start")?, project_id_value(project)?));
        }
        Ok(ProjectOfId { runs, at: 0 })
    }

    /// The project of `id`; ids must come in ascending order.
    pub fn project(&mut self, id: u32) -> Option<u16> {
        while self.at + 1 < self.runs.len() && self.runs[self.at + 1].0 <= id {
            self.at += 1;
        }
        self.runs.get(self.at).filter(|(first, _)| *first <= id).map(|(_, p)| *p)
    }
}

/// Steps a merge-join takes through the dictionary before it seeks instead.
const MAX_STEPS: usize = 16;

/// The ids of one project's titles (ascending and unique), adding the titles that are new.
/// A merge-join with the dictionary as `read` sees it (the store before this write: titles are
/// unique within a day, so none was added since), that seeks past long gaps, so that a dense
/// batch reads the dictionary once in order and a sparse one costs a lookup per title. New
/// titles go in through `wtxn`.
pub(crate) fn ids_of_titles<'t>(
    tables: &Tables,
    read: &RoTxn<'_, WithoutTls>,
    wtxn: &mut RwTxn,
    state: &mut WriteState,
    new_ids: &mut NewIds,
    project: u16,
    titles: impl Iterator<Item = &'t str> + Clone,
) -> StoreResult<Vec<u32>> {
    let mut ids = Vec::new();
    let mut key = Vec::with_capacity(64);
    {
        let txn = read;
        let seek = |key: &[u8]| {
            let bounds = (Bound::Included(key), Bound::Unbounded);
            tables.articles.range(txn, &bounds).map_err(engine)
        };
        let mut range = None;
        let mut current: Option<(&[u8], &[u8])> = None;
        for title in titles.clone() {
            check_title(title)?;
            key.clear();
            key.extend_from_slice(&project.to_be_bytes());
            key.extend_from_slice(title.as_bytes());
            match &mut range {
                None => {
                    let mut r = seek(&key)?;
                    current = r.next().transpose().map_err(engine)?;
                    range = Some(r);
                }
                Some(r) => {
                    let mut steps = 0;
                    while current.is_some_and(|(k, _)| k < &key[..]) {
                        if steps == MAX_STEPS {
                            *r = seek(&key)?;
                        }
                        current = r.next().transpose().map_err(engine)?;
                        steps += 1;
                        if steps > MAX_STEPS {
                            break;
                        }
                    }
                }
            }
            ids.push(match current {
                Some((k, id)) if k == &key[..] => u32_value(id, "article id")?,
                _ => u32::MAX,
            });
        }
    }
    // New titles, in key order.
    let last = tables.articles.last(wtxn).map_err(engine)?.map(|(k, _)| k.to_vec());
    let mut append = None;
    for (title, id) in titles.zip(ids.iter_mut()) {
        if *id != u32::MAX {
            continue;
        }
        let key = article_key(project, title);
        let append = *append
            .get_or_insert_with(|| last.as_ref().is_none_or(|l| key.as_slice() > l.as_slice()));
        *id = new_ids.next(tables, wtxn, state, project)?;
        let flags = if append { PutFlags::APPEND } else { PutFlags::empty() };
        tables.articles.put_with_flags(wtxn, flags, &key, &id.to_be_bytes()).map_err(engine)?;
    }
    Ok(ids)
}

/// The ids of the dictionary's titles that the disallowed list names (case-insensitively).
pub(crate) fn disallowed_ids(
    tables: &Tables,
    txn: &RoTxn<'_, WithoutTls>,
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
        let prefix = project_id_value(pid)?.to_be_bytes();
        for entry in tables.articles.prefix_iter(txn, &prefix).map_err(engine)? {
            let (key, id) = entry.map_err(engine)?;
            let title = String::from_utf8_lossy(&key[2..]).to_lowercase();
            if titles.contains(title.as_str()) {
                ids.insert(u32_value(id, "article id")?);
            }
        }
    }
    Ok(ids)
}

/// Rewrites the title dictionary with full pages when less than three quarters of its page
/// bytes hold entries: titles first seen after a month's first load go into full pages, which
/// LMDB splits in the middle. Called when a month completes; returns whether it rewrote. The
/// entries pass through a spill file next to the store, so memory stays small.
pub(crate) fn compact_dictionary(
    tables: &Tables,
    wtxn: &mut RwTxn,
    dir: &Path,
) -> StoreResult<bool> {
    let stat = tables.articles.stat(wtxn).map_err(engine)?;
    let mut payload = 0usize;
    for entry in tables.articles.iter(wtxn).map_err(engine)? {
        let (key, value) = entry.map_err(engine)?;
        // An LMDB leaf node: an 8-byte header, key and value; and a 2-byte pointer.
        payload += 10 + key.len() + value.len();
    }
    let pages = stat.leaf_pages * stat.page_size as usize;
    if payload * 4 >= pages * 3 {
        return Ok(false);
    }
    let spill = SpillDir::create(dir)?;
    let path = spill.file("dictionary");
    let mut out = BufWriter::with_capacity(1 << 20, std::fs::File::create(&path)?);
    for entry in tables.articles.iter(wtxn).map_err(engine)? {
        let (key, value) = entry.map_err(engine)?;
        out.write_all(&(key.len() as u16).to_le_bytes())?;
        out.write_all(key)?;
        out.write_all(value)?;
    }
    out.flush()?;
    drop(out);
    tables.articles.clear(wtxn).map_err(engine)?;
    let mut input = BufReader::with_capacity(1 << 20, std::fs::File::open(&path)?);
    let (mut key, mut value) = (Vec::new(), [0u8; 4]);
    while !input.fill_buf()?.is_empty() {
        let mut len = [0u8; 2];
        input.read_exact(&mut len)?;
        key.resize(usize::from(u16::from_le_bytes(len)), 0);
        input.read_exact(&mut key)?;
        input.read_exact(&mut value)?;
        tables.articles.put_with_flags(wtxn, PutFlags::APPEND, &key, &value).map_err(engine)?;
    }
    Ok(true)
}

/// One per-article row of a batch, by reference.
pub(crate) struct RowRef<'a> {
    pub project: u16,
    pub title: &'a str,
}

/// Orders a dictionary key (`project_id ‖ title`) against a row, as the bytes of the row's key
/// would order (the project id is a fixed two bytes, so comparing it first is the same).
fn key_order(key: &[u8], row: &RowRef<'_>) -> std::cmp::Ordering {
    let (project, title) = key.split_at(key.len().min(2));
    project.cmp(&row.project.to_be_bytes()[..]).then_with(|| title.cmp(row.title.as_bytes()))
}

/// Article ids for the rows of a batch, sorted by (project, title) and possibly repeated,
/// creating the missing ones in key order. A batch that touches a large share of the
/// dictionary is joined with one sequential scan of it; a small one looks its titles up.
pub(crate) fn article_ids(
    tables: &Tables,
    wtxn: &mut RwTxn,
    state: &mut WriteState,
    rows: &[RowRef<'_>],
) -> StoreResult<Vec<u32>> {
    for row in rows {
        check_title(row.title)?;
    }
    let mut new_ids = NewIds::start(tables, wtxn)?;
    let mut ids = vec![u32::MAX; rows.len()];
    let dictionary = tables.articles.len(wtxn).map_err(engine)?;
    if rows.len() as u64 * 16 >= dictionary {
        let start = article_key(
            rows.first().map_or(0, |r| r.project),
            rows.first().map_or("", |r| r.title),
        );
        let mut entries = tables
            .articles
            .range(wtxn, &(Bound::Included(&start[..]), Bound::Unbounded))
            .map_err(engine)?;
        let mut current = entries.next().transpose().map_err(engine)?;
        for (i, row) in rows.iter().enumerate() {
            while let Some((key, _)) = current {
                if key_order(key, row) != std::cmp::Ordering::Less {
                    break;
                }
                current = entries.next().transpose().map_err(engine)?;
            }
            if let Some((key, id)) = current {
                if key_order(key, row) == std::cmp::Ordering::Equal {
                    ids[i] = u32_value(id, "article id")?;
                }
            }
        }
    } else {
        for (i, row) in rows.iter().enumerate() {
            if let Some(id) =
                tables.articles.get(wtxn, &article_key(row.project, row.title)).map_err(engine)?
            {
                ids[i] = u32_value(id, "article id")?;
            }
        }
    }
    // New titles, in key order (rows are sorted), each once.
    let last = tables.articles.last(wtxn).map_err(engine)?.map(|(k, _)| k.to_vec());
    let mut previous: Option<(usize, u32)> = None;
    let mut append = None;
    for i in 0..rows.len() {
        if ids[i] != u32::MAX {
            continue;
        }
        if let Some((p, id)) = previous {
            if rows[p].project == rows[i].project && rows[p].title == rows[i].title {
                ids[i] = id;
                continue;
            }
        }
        let key = article_key(rows[i].project, rows[i].title);
        let append = *append
            .get_or_insert_with(|| last.as_ref().is_none_or(|l| key.as_slice() > l.as_slice()));
        let id = new_ids.next(tables, wtxn, state, rows[i].project)?;
        let flags = if append { PutFlags::APPEND } else { PutFlags::empty() };
        tables.articles.put_with_flags(wtxn, flags, &key, &id.to_be_bytes()).map_err(engine)?;
        ids[i] = id;
        previous = Some((i, id));
    }
    Ok(ids)
}

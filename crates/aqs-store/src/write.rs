//! Writes to the embedded store: batches (imports, roll-ups, probe rows), the streamed day
//! publication of loads (`publish`), and the read-backs loaders need.

use crate::codec;
use crate::dictionary::free::Ranges;
use crate::dictionary::writer::DictionaryWriter;
use crate::dictionary::{ids_of_rows, project_id};
use crate::merge::append_segment;
use crate::pageviews::{project_id_list, top_key};
use crate::scan::SegmentScan;
use crate::segments::{Manifest, PER_ARTICLE, day_bit};
use crate::top::TopNames;
use crate::{
    EmbeddedStore, META_DICTIONARY, META_MANIFEST, META_NAMES, META_NEXT_ARTICLE,
    META_NEXT_SEGMENT, META_SEGMENTS_GENERATION, Tables, dictionary_number, engine, names_number,
    u32_value, u64_value,
};
use aqs_core::dates::{Day, YearMonth};
use aqs_core::error::{StoreError, StoreResult};
use aqs_core::pageviews::{
    ArticleDay, ArticleViews, DayPublish, DayPublishOptions, PageviewsBatch, PageviewsWrite,
    ProjectRow, TopCandidates, WriteSummary,
};
use aqs_core::project::Project;
use aqs_core::table::Dataset;
use heed::{RoTxn, RwTxn};
use std::collections::{BTreeMap, HashMap};

/// The counters a write carries forward in `meta`.
pub(crate) struct WriteState {
    pub manifest: Manifest,
    next_segment: u32,
    pub next_article: u32,
    /// The title dictionary file (`dictionary/file.rs`); 0 when there is none yet.
    pub dictionary: u64,
    /// The top-list names file (`dictionary/names.rs`); 0 when there is none yet.
    pub names: u64,
    /// The names file this write replaced, removed once its commit is done.
    pub retired_names: Option<u64>,
    /// How many segment tables exist (`slots.rs`).
    pub slots: u32,
    /// Slots taken by segments written in this transaction.
    pub reserved: Vec<u32>,
    /// Article ids given back, which new titles take first (`dictionary/free.rs`).
    pub free: Ranges,
    pub free_changed: bool,
    /// The article ids this transaction numbered: no stored value holds them.
    pub numbered: Ranges,
}

impl WriteState {
    pub fn read(tables: &Tables, txn: &RoTxn) -> StoreResult<WriteState> {
        let get = |key: &[u8]| tables.meta.get(txn, key).map_err(engine);
        Ok(WriteState {
            manifest: get(META_MANIFEST)?.map(Manifest::decode).transpose()?.unwrap_or_default(),
            next_segment: get(META_NEXT_SEGMENT)?
                .map(|b| u32_value(b, "next segment"))
                .transpose()?
                .unwrap_or(1),
            next_article: get(META_NEXT_ARTICLE)?
                .map(|b| u32_value(b, "next article"))
                .transpose()?
                .unwrap_or(0),
            dictionary: dictionary_number(tables, txn)?,
            names: names_number(tables, txn)?,
            retired_names: None,
            slots: get(crate::slots::META_SLOTS)?
                .map(|b| u32_value(b, "slot count"))
                .transpose()?
                .unwrap_or(0),
            reserved: Vec::new(),
            free: crate::dictionary::free::free_articles(tables, txn)?,
            free_changed: false,
            numbered: Ranges::default(),
        })
    }

    /// Saves the state, in the caller's transaction, and bumps the segments' generation (what
    /// readers' cached manifests are checked against) and `changed`'s (what response caches
    /// are checked against; none for a merge, which changes no value).
    pub fn store(
        &self,
        tables: &Tables,
        wtxn: &mut RwTxn,
        changed: Option<Dataset>,
    ) -> StoreResult<()> {
        let meta = tables.meta;
        if let Some(dataset) = changed {
            crate::series::bump_generation(tables, wtxn, dataset)?;
        }
        let generation = match meta.get(wtxn, META_SEGMENTS_GENERATION).map_err(engine)? {
            Some(b) => u64_value(b, "segments generation")?,
            None => 0,
        };
        meta.put(wtxn, META_MANIFEST, &self.manifest.encode()).map_err(engine)?;
        meta.put(wtxn, META_NEXT_SEGMENT, &self.next_segment.to_be_bytes()).map_err(engine)?;
        meta.put(wtxn, META_NEXT_ARTICLE, &self.next_article.to_be_bytes()).map_err(engine)?;
        meta.put(wtxn, META_DICTIONARY, &self.dictionary.to_be_bytes()).map_err(engine)?;
        meta.put(wtxn, META_NAMES, &self.names.to_be_bytes()).map_err(engine)?;
        meta.put(wtxn, META_SEGMENTS_GENERATION, &(generation + 1).to_be_bytes())
            .map_err(engine)?;
        if self.free_changed {
            crate::dictionary::free::store_free_articles(tables, wtxn, &self.free)?;
        }
        meta.put(wtxn, crate::slots::META_SLOTS, &self.slots.to_be_bytes()).map_err(engine)
    }

    /// The id the next segment takes: every segment below it exists or existed.
    pub(crate) fn next_segment(&self) -> u32 {
        self.next_segment
    }

    pub(crate) fn new_segment_id(&mut self) -> StoreResult<u32> {
        let id = self.next_segment;
        self.next_segment =
            id.checked_add(1).ok_or_else(|| StoreError::Limit("segment ids exhausted".into()))?;
        Ok(id)
    }
}

/// A row of a new segment: article id, day, counters.
pub(crate) type SegmentRow = (u32, Day, ArticleViews);

impl PageviewsWrite for EmbeddedStore {
    fn write(&self, batch: &PageviewsBatch) -> StoreResult<WriteSummary> {
        let tables = &self.inner.tables;
        let mut wtxn = self.inner.env.write_txn().map_err(engine)?;
        let mut state = WriteState::read(tables, &wtxn)?;
        let mut summary = WriteSummary::default();

        // Per-article rows: ids from the dictionary, then grouped by month and article.
        let mut project_ids = HashMap::new();
        let mut rows = Vec::with_capacity(batch.article_days.iter().map(|d| d.rows.len()).sum());
        for day in &batch.article_days {
            let pid = match project_ids.get(&day.project) {
                Some(&id) => id,
                None => {
                    let id = project_id(tables, &mut wtxn, &day.project)?;
                    project_ids.insert(day.project.clone(), id);
                    id
                }
            };
            for (title, views) in &day.rows {
                rows.push((pid, title.as_str(), day.day, views));
            }
        }
        // Stable: rows of one key keep the batch's order, so the last one wins below. Each day's
        // rows arrive sorted, which makes this sort a merge of sorted runs.
        rows.sort_by(|a, b| (a.0, a.1.as_bytes()).cmp(&(b.0, b.1.as_bytes())));
        let keys: Vec<(u16, &str)> = rows.iter().map(|r| (r.0, r.1)).collect();
        let mut ids = Vec::new();
        if !keys.is_empty() {
            let old = self.dictionary(state.dictionary)?;
            let mut writer = DictionaryWriter::create(&self.inner.path, old)?;
            ids = ids_of_rows(&mut writer, tables, &mut wtxn, &mut state, &keys)?;
            if let Some(number) = writer.finish()? {
                state.dictionary = number;
            }
        }
        drop(keys);
        let mut entries: Vec<(i32, u32, Day, ArticleViews)> = rows
            .iter()
            .zip(&ids)
            .map(|(r, id)| (r.2.year_month().index(), *id, r.2, *r.3))
            .collect();
        summary.article_rows = entries.len() as u64;
        drop(rows);
        entries.sort_by_key(|(month, id, day, _)| (*month, *id, *day));
        // Of rows with one key and day, keep the last.
        entries.reverse();
        entries.dedup_by_key(|(month, id, day, _)| (*month, *id, *day));
        entries.reverse();
        let mut months: BTreeMap<YearMonth, (u64, Vec<SegmentRow>)> = BTreeMap::new();
        for day in &batch.replace_article_days {
            months.entry(day.year_month()).or_default().0 |= day_bit(*day);
        }
        for (month, id, day, views) in entries {
            months.entry(YearMonth::from_index(month)).or_default().1.push((id, day, views));
        }
        let written: Vec<_> = months.keys().map(|m| (PER_ARTICLE, *m)).collect();
        for (month, (covers, rows)) in months {
            let part = (PER_ARTICLE, month, crate::blocks::ARTICLE_SHIFT);
            append_segment(self, &mut wtxn, &mut state, part, covers, &rows)?;
        }
        let dictionary = self.dictionary(state.dictionary)?;
        let mut names = TopNames::new(self.names(state.names)?);
        write_rest(tables, &mut wtxn, (batch, &dictionary, &mut names), &mut summary)?;
        names.finish(&self.inner.path, &mut state)?;
        self.commit(wtxn, &state, Some(Dataset::Pageviews))?;
        let merging = std::time::Instant::now();
        summary.merge_deferred = !self.merge_months(&written, false, None)?;
        summary.merge_millis = merging.elapsed().as_millis() as u64;
        Ok(summary)
    }

    fn begin_day<'s>(
        &'s self,
        options: DayPublishOptions<'s>,
    ) -> StoreResult<Box<dyn DayPublish + 's>> {
        Ok(Box::new(crate::publish::DayPublication::begin(self, options)?))
    }

    fn month_top_candidates(
        &self,
        month: YearMonth,
        limit: usize,
    ) -> StoreResult<Vec<TopCandidates>> {
        crate::month_tops::candidates(self, month, limit)
    }

    fn article_day(&self, day: Day) -> StoreResult<Vec<ArticleDay>> {
        let (rtxn, snapshot) = self.read_snapshot()?;
        let mut found: HashMap<u32, ArticleViews> = HashMap::new();
        let mut scan =
            SegmentScan::day(&snapshot.slots, &rtxn, &snapshot.manifest, PER_ARTICLE, day)?;
        let mut rows = Vec::new();
        while let Some(id) = scan.next(&mut rows)? {
            if let Some((_, views)) = rows.iter().find(|(d, _)| *d == day) {
                found.insert(id, *views);
            }
        }
        // Titles: one pass over the dictionary for the ids found.
        let names: HashMap<u16, String> =
            snapshot.project_ids.iter().map(|(n, id)| (*id, n.clone())).collect();
        let mut by_project: BTreeMap<String, Vec<(String, ArticleViews)>> = BTreeMap::new();
        if !found.is_empty() {
            snapshot.dictionary.for_each(|pid, title, id| {
                if let Some(views) = found.get(&id) {
                    let project =
                        names.get(&pid).ok_or_else(|| codec::corrupt("unknown project id"))?;
                    let title = std::str::from_utf8(title)
                        .map_err(|_| codec::corrupt("title is not UTF-8"))?;
                    by_project
                        .entry(project.clone())
                        .or_default()
                        .push((title.to_string(), *views));
                }
                Ok(())
            })?;
        }
        Ok(by_project
            .into_iter()
            .map(|(project, rows)| ArticleDay { day, project: Project::from_stored(project), rows })
            .collect())
    }

    fn project_day(&self, day: Day) -> StoreResult<Vec<ProjectRow>> {
        let (rtxn, snapshot) = self.read_snapshot()?;
        let mut out = Vec::new();
        for (name, &pid) in &snapshot.project_ids {
            let rows = crate::project_series::day_rows(&self.inner.tables, &rtxn, pid, day)?;
            for (access, agent, period, views) in rows {
                let project = Project::from_stored(name.clone());
                out.push(ProjectRow { project, access, agent, period, views });
            }
        }
        Ok(out)
    }

    fn month_merge_pending(&self, month: YearMonth) -> StoreResult<bool> {
        self.month_merge_is_pending(month)
    }

    fn rollups_waiting(&self) -> StoreResult<Vec<YearMonth>> {
        self.read_rollups_waiting()
    }

    fn set_rollups_waiting(&self, months: &[YearMonth]) -> StoreResult<()> {
        self.write_rollups_waiting(months)
    }
}

impl EmbeddedStore {
    /// Saves the write state (new generations: see [`WriteState::store`]) and commits.
    pub(crate) fn commit(
        &self,
        mut wtxn: RwTxn,
        state: &WriteState,
        changed: Option<Dataset>,
    ) -> StoreResult<()> {
        state.store(&self.inner.tables, &mut wtxn, changed)?;
        if let Some(pause) = self.inner.pause_before_commit {
            std::thread::sleep(pause);
        }
        wtxn.commit().map_err(engine)?;
        if state.retired_names.is_some() {
            // Readers that still map it keep it; one that has yet to open it reads `meta`
            // again (`read_snapshot`). The data is committed whatever happens here: a file
            // left behind is removed by the next write of a names file.
            let _ = crate::dictionary::names::remove_other_names(&self.inner.path, &[state.names]);
        }
        Ok(())
    }

    /// The number of stored (project, article, day) rows, as reads resolve them.
    pub fn article_day_count(&self) -> StoreResult<u64> {
        let (rtxn, snapshot) = self.read_snapshot()?;
        let mut total = 0u64;
        let mut rows = Vec::new();
        for month in snapshot.manifest.months(PER_ARTICLE) {
            let mut scan =
                SegmentScan::month(&snapshot.slots, &rtxn, &snapshot.manifest, PER_ARTICLE, month)?;
            while scan.next(&mut rows)?.is_some() {
                total += rows.len() as u64;
            }
        }
        Ok(total)
    }
}

/// Writes a batch's per-project rows (replacing its days first) and top lists.
pub(crate) fn write_rest(
    tables: &Tables,
    wtxn: &mut RwTxn,
    (batch, dictionary, names): (
        &PageviewsBatch,
        &crate::dictionary::file::Dictionary,
        &mut TopNames,
    ),
    summary: &mut WriteSummary,
) -> StoreResult<()> {
    if !batch.replace_project_days.is_empty() {
        let all_ids: Vec<u16> = project_id_list(tables, wtxn)?;
        for &day in &batch.replace_project_days {
            for &pid in &all_ids {
                crate::project_series::delete_day(tables, wtxn, pid, day)?;
            }
        }
    }
    let mut rows = Vec::with_capacity(batch.project_rows.len());
    for row in &batch.project_rows {
        rows.push((project_id(tables, wtxn, &row.project)?, row));
    }
    crate::project_series::put_rows(tables, wtxn, &rows)?;
    summary.project_rows += rows.len() as u64;
    for row in &batch.top_rows {
        let pid = project_id(tables, wtxn, &row.project)?;
        let key = top_key(pid, row.access, row.period);
        crate::top::put(tables, wtxn, (pid, dictionary, &mut *names), &key, &row.articles)?;
        summary.top_rows += 1;
    }
    Ok(())
}

//! The pageviews store traits over the LMDB tables.

use crate::codec::{
    self, article_key, put_month_entries, read_month_entries, series_key, split_series_key,
};
use crate::segments::{Manifest, Segment, day_bit};
use crate::{
    EmbeddedStore, META_GENERATION, META_MANIFEST, META_NEXT_ARTICLE, META_NEXT_SEGMENT, Tables,
    engine, u32_value, u64_value,
};
use aqs_core::dates::{Day, Hour, TopPeriod, YearMonth};
use aqs_core::error::{StoreError, StoreResult};
use aqs_core::pageviews::{
    ArticleDay, ArticleViews, PageviewsBatch, PageviewsRead, PageviewsWrite, Period, ProjectRow,
    TopArticles, TopEntry, WriteSummary,
};
use aqs_core::params::{Access, Agent};
use aqs_core::project::Project;
use heed::{PutFlags, RoTxn, RwTxn};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::ops::Bound;

const PERIOD_OFFSET: i64 = 1 << 31;

type KeyRange<'a> = (Bound<&'a [u8]>, Bound<&'a [u8]>);

fn inclusive<'a>(start: &'a [u8], end: &'a [u8]) -> KeyRange<'a> {
    (Bound::Included(start), Bound::Included(end))
}

fn access_code(a: Access) -> u8 {
    Access::ALL.iter().position(|x| *x == a).unwrap_or(0) as u8
}

fn agent_code(a: Agent) -> u8 {
    Agent::ALL.iter().position(|x| *x == a).unwrap_or(0) as u8
}

fn period_code(p: Period) -> (u8, u32) {
    match p {
        Period::Hour(h) => (0, (h.epoch_hours() + PERIOD_OFFSET) as u32),
        Period::Day(d) => (1, (i64::from(d.epoch_days()) + PERIOD_OFFSET) as u32),
        Period::Month(m) => (2, m.index() as u32),
    }
}

fn decode_period(kind: u8, value: u32) -> StoreResult<Period> {
    Ok(match kind {
        0 => Period::Hour(Hour::from_epoch_hours(i64::from(value) - PERIOD_OFFSET)),
        1 => Period::Day(Day::from_epoch_days((i64::from(value) - PERIOD_OFFSET) as i32)),
        2 => Period::Month(YearMonth::from_index(value as i32)),
        _ => return Err(codec::corrupt("period kind")),
    })
}

fn project_series_key(project: u16, access: Access, agent: Agent, period: Period) -> [u8; 9] {
    let (kind, value) = period_code(period);
    let mut key = [0u8; 9];
    key[..2].copy_from_slice(&project.to_be_bytes());
    key[2] = access_code(access);
    key[3] = agent_code(agent);
    key[4] = kind;
    key[5..].copy_from_slice(&value.to_be_bytes());
    key
}

fn top_key(project: u16, access: Access, period: TopPeriod) -> [u8; 8] {
    let (kind, value) = match period {
        TopPeriod::Day(d) => (0u8, (i64::from(d.epoch_days()) + PERIOD_OFFSET) as u32),
        TopPeriod::Month(m) => (1u8, m.index() as u32),
    };
    let mut key = [0u8; 8];
    key[..2].copy_from_slice(&project.to_be_bytes());
    key[2] = access_code(access);
    key[3] = kind;
    key[4..].copy_from_slice(&value.to_be_bytes());
    key
}

fn encode_top(articles: &TopArticles) -> Vec<u8> {
    let mut out = Vec::new();
    match articles {
        TopArticles::InvalidLegacyJson => out.push(1),
        TopArticles::List(entries) => {
            out.push(0);
            codec::put_varint(&mut out, entries.len() as u64);
            for e in entries {
                codec::put_varint(&mut out, e.rank.into());
                codec::put_varint(&mut out, e.views);
                codec::put_varint(&mut out, e.article.len() as u64);
                out.extend_from_slice(e.article.as_bytes());
            }
        }
    }
    out
}

fn decode_top(bytes: &[u8]) -> StoreResult<TopArticles> {
    let mut r = codec::Reader::new(bytes);
    match r.bytes(1)?[0] {
        1 => Ok(TopArticles::InvalidLegacyJson),
        0 => {
            let count = r.varint()?;
            let mut entries = Vec::with_capacity(count.min(10_000) as usize);
            for _ in 0..count {
                let rank = r.u32()?;
                let views = r.varint()?;
                let len =
                    usize::try_from(r.varint()?).map_err(|_| codec::corrupt("title length"))?;
                let article = std::str::from_utf8(r.bytes(len)?)
                    .map_err(|_| codec::corrupt("top title is not UTF-8"))?
                    .to_string();
                entries.push(TopEntry { article, views, rank });
            }
            Ok(TopArticles::List(entries))
        }
        _ => Err(codec::corrupt("top list kind")),
    }
}

/// Resolves one article's rows of one month across segments, newest first: a row in a newer
/// segment wins, and a segment that replaces a day hides older segments' rows of that day.
fn resolve_month(
    tables: &Tables,
    txn: &RoTxn,
    manifest: &Manifest,
    month: YearMonth,
    article: u32,
    wanted: u64,
) -> StoreResult<Vec<(Day, ArticleViews)>> {
    let mut out = Vec::new();
    let mut resolved = 0u64;
    let first = month.first_day().epoch_days();
    for seg in manifest.newest_first(month) {
        let open = wanted & !resolved;
        if open == 0 {
            break;
        }
        if seg.days & open != 0 {
            if let Some(bytes) =
                tables.series.get(txn, &series_key(seg.id, article)).map_err(engine)?
            {
                for (day, views) in read_month_entries(bytes, month)? {
                    let bit = 1u64 << (day.epoch_days() - first);
                    if open & bit != 0 {
                        out.push((day, views));
                    }
                    resolved |= bit;
                }
            }
        }
        resolved |= seg.covers;
    }
    out.sort_by_key(|(d, _)| *d);
    Ok(out)
}

/// The day bits of `month` within `first..=last`, by arithmetic on epoch days (no calendar
/// conversion per day: this runs on every per-article read).
fn range_mask(month: YearMonth, first: Day, last: Day) -> u64 {
    let start = month.first_day().epoch_days();
    let end = start + i32::from(month.len()) - 1;
    let (low, high) = (first.epoch_days().max(start), last.epoch_days().min(end));
    if low > high {
        return 0;
    }
    let width = (high - low + 1) as u32;
    ((1u64 << width) - 1) << (low - start)
}

fn months_between(first: Day, last: Day) -> Vec<YearMonth> {
    let mut months = Vec::new();
    let mut m = first.year_month();
    while m <= last.year_month() {
        months.push(m);
        m = m.next();
    }
    months
}

impl PageviewsRead for EmbeddedStore {
    fn article_days_loaded(&self) -> StoreResult<Vec<Day>> {
        let rtxn = self.read_txn()?;
        let snapshot = self.snapshot(&rtxn)?;
        let mut days = Vec::new();
        for month in snapshot.manifest.months() {
            let loaded = snapshot.manifest.loaded_days(month);
            days.extend(month.days().filter(|d| loaded & day_bit(*d) != 0));
        }
        Ok(days)
    }

    fn generation(&self) -> StoreResult<u64> {
        self.current_generation()
    }

    fn article_series(
        &self,
        project: &Project,
        article: &str,
        first: Day,
        last: Day,
    ) -> StoreResult<Vec<(Day, ArticleViews)>> {
        if first > last {
            return Ok(Vec::new());
        }
        let rtxn = self.read_txn()?;
        let snapshot = self.snapshot(&rtxn)?;
        let Some(&project_id) = snapshot.project_ids.get(project.as_str()) else {
            return Ok(Vec::new());
        };
        let tables = &self.inner.tables;
        let Some(id) =
            tables.articles.get(&rtxn, &article_key(project_id, article)).map_err(engine)?
        else {
            return Ok(Vec::new());
        };
        let id = u32_value(id, "article id")?;
        let mut out = Vec::new();
        for month in months_between(first, last) {
            let wanted = range_mask(month, first, last);
            out.extend(resolve_month(tables, &rtxn, &snapshot.manifest, month, id, wanted)?);
        }
        Ok(out)
    }

    fn project_series(
        &self,
        project: &Project,
        access: Access,
        agent: Agent,
        first: Period,
        last: Period,
    ) -> StoreResult<Vec<(Period, u64)>> {
        if first > last || first.granularity() != last.granularity() {
            return Ok(Vec::new());
        }
        let rtxn = self.read_txn()?;
        let snapshot = self.snapshot(&rtxn)?;
        let Some(&project_id) = snapshot.project_ids.get(project.as_str()) else {
            return Ok(Vec::new());
        };
        let start = project_series_key(project_id, access, agent, first);
        let end = project_series_key(project_id, access, agent, last);
        let mut out = Vec::new();
        let range = self
            .inner
            .tables
            .project_series
            .range(&rtxn, &inclusive(&start, &end))
            .map_err(engine)?;
        for entry in range {
            let (key, value) = entry.map_err(engine)?;
            let period = decode_period(key[4], u32_value(&key[5..], "period")?)?;
            out.push((period, codec::Reader::new(value).varint()?));
        }
        Ok(out)
    }

    fn top(
        &self,
        project: &Project,
        access: Access,
        period: TopPeriod,
    ) -> StoreResult<Option<TopArticles>> {
        let rtxn = self.read_txn()?;
        let snapshot = self.snapshot(&rtxn)?;
        let Some(&project_id) = snapshot.project_ids.get(project.as_str()) else { return Ok(None) };
        let value = self
            .inner
            .tables
            .top
            .get(&rtxn, &top_key(project_id, access, period))
            .map_err(engine)?;
        value.map(decode_top).transpose()
    }
}

/// The counters a write carries forward in `meta`.
pub(crate) struct WriteState {
    pub manifest: Manifest,
    next_segment: u32,
    next_article: u32,
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
        })
    }

    /// Saves the state and bumps the generation, in the caller's transaction.
    pub fn store(&self, tables: &Tables, wtxn: &mut RwTxn) -> StoreResult<()> {
        let generation = match tables.meta.get(wtxn, META_GENERATION).map_err(engine)? {
            Some(b) => u64_value(b, "generation")?,
            None => 0,
        };
        let meta = tables.meta;
        meta.put(wtxn, META_MANIFEST, &self.manifest.encode()).map_err(engine)?;
        meta.put(wtxn, META_NEXT_SEGMENT, &self.next_segment.to_be_bytes()).map_err(engine)?;
        meta.put(wtxn, META_NEXT_ARTICLE, &self.next_article.to_be_bytes()).map_err(engine)?;
        meta.put(wtxn, META_GENERATION, &(generation + 1).to_be_bytes()).map_err(engine)?;
        Ok(())
    }

    fn new_segment_id(&mut self) -> StoreResult<u32> {
        let id = self.next_segment;
        self.next_segment =
            id.checked_add(1).ok_or_else(|| StoreError::Limit("segment ids exhausted".into()))?;
        Ok(id)
    }
}

fn project_id(tables: &Tables, wtxn: &mut RwTxn, project: &Project) -> StoreResult<u16> {
    if let Some(id) = tables.projects.get(wtxn, project.as_str().as_bytes()).map_err(engine)? {
        return Ok(u16::from_be_bytes(id.try_into().map_err(|_| codec::corrupt("project id"))?));
    }
    let count = tables.projects.len(wtxn).map_err(engine)?;
    let id =
        u16::try_from(count).map_err(|_| StoreError::Limit("more than 65536 projects".into()))?;
    tables.projects.put(wtxn, project.as_str().as_bytes(), &id.to_be_bytes()).map_err(engine)?;
    Ok(id)
}

/// Writes one new segment from `(article, day, views)` rows sorted by article, then day, with
/// `MDB_APPEND`: its id is the largest ever, so its keys land at the end of the table.
fn append_segment(
    tables: &Tables,
    wtxn: &mut RwTxn,
    state: &mut WriteState,
    month: YearMonth,
    covers: u64,
    rows: &[(u32, Day, ArticleViews)],
) -> StoreResult<()> {
    let id = state.new_segment_id()?;
    let first = month.first_day().epoch_days();
    let (mut days, mut value, mut entries) = (0u64, Vec::new(), Vec::new());
    for run in rows.chunk_by(|a, b| a.0 == b.0) {
        entries.clear();
        entries.extend(run.iter().map(|(_, day, views)| (*day, *views)));
        value.clear();
        put_month_entries(&mut value, month, &entries);
        days |= entries.iter().fold(0, |m, (d, _)| m | 1u64 << (d.epoch_days() - first));
        tables
            .series
            .put_with_flags(wtxn, PutFlags::APPEND, &series_key(id, run[0].0), &value)
            .map_err(engine)?;
    }
    state.manifest.segments.push(Segment { id, month, days, covers });
    Ok(())
}

/// Entries read from one segment at a time while merging, to bound memory (small in unit
/// tests, so that they cross chunk boundaries).
const MERGE_CHUNK: usize = if cfg!(test) { 7 } else { 65_536 };

/// One merged segment's entries, read in article order a chunk at a time.
struct Run {
    segment: Segment,
    entries: std::collections::VecDeque<(u32, Vec<u8>)>,
    /// The next article id to read from, or `None` once the segment is exhausted.
    next: Option<u32>,
}

impl Run {
    fn refill(&mut self, tables: &Tables, txn: &RoTxn) -> StoreResult<()> {
        let Some(from) = self.next.filter(|_| self.entries.is_empty()) else { return Ok(()) };
        let (start, end) =
            (series_key(self.segment.id, from), series_key(self.segment.id, u32::MAX));
        self.next = None;
        for entry in tables.series.range(txn, &inclusive(&start, &end)).map_err(engine)? {
            let (key, value) = entry.map_err(engine)?;
            let article = split_series_key(key)?.1;
            if self.entries.len() == MERGE_CHUNK {
                self.next = Some(article);
                break;
            }
            self.entries.push_back((article, value.to_vec()));
        }
        Ok(())
    }

    fn head(&self) -> Option<u32> {
        self.entries.front().map(|(a, _)| *a)
    }
}

/// Merges some of a month's segments (oldest first: a contiguous newest run, or all) into
/// one, streaming them in article order: each article's rows are resolved as a read
/// resolves them (newest first, replaced days hidden), re-encoded and appended.
fn merge(
    tables: &Tables,
    wtxn: &mut RwTxn,
    state: &mut WriteState,
    picked: &[Segment],
) -> StoreResult<()> {
    let month = picked[0].month;
    let first = month.first_day().epoch_days();
    let id = state.new_segment_id()?;
    // Newest first.
    let mut runs: Vec<Run> = picked
        .iter()
        .rev()
        .map(|segment| Run { segment: *segment, entries: Default::default(), next: Some(0) })
        .collect();
    let (mut days, mut value) = (0u64, Vec::new());
    loop {
        for run in &mut runs {
            run.refill(tables, wtxn)?;
        }
        let Some(article) = runs.iter().filter_map(Run::head).min() else { break };
        let mut rows = Vec::new();
        let mut resolved = 0u64;
        for run in &mut runs {
            if run.head() == Some(article) {
                let (_, bytes) = run.entries.pop_front().expect("head exists");
                for (day, views) in read_month_entries(&bytes, month)? {
                    let bit = 1u64 << (day.epoch_days() - first);
                    if resolved & bit == 0 {
                        rows.push((day, views));
                    }
                    resolved |= bit;
                }
            }
            resolved |= run.segment.covers;
        }
        if rows.is_empty() {
            continue;
        }
        rows.sort_by_key(|(d, _)| *d);
        days |= rows.iter().fold(0, |m, (d, _)| m | 1u64 << (d.epoch_days() - first));
        value.clear();
        put_month_entries(&mut value, month, &rows);
        tables
            .series
            .put_with_flags(wtxn, PutFlags::APPEND, &series_key(id, article), &value)
            .map_err(engine)?;
    }
    for seg in picked {
        let (start, end) = (series_key(seg.id, 0), series_key(seg.id, u32::MAX));
        tables.series.delete_range(wtxn, &inclusive(&start, &end)).map_err(engine)?;
    }
    state.manifest.segments.retain(|s| !picked.contains(s));
    let covers = picked.iter().fold(0, |m, s| m | s.covers);
    state.manifest.segments.push(Segment { id, month, days, covers });
    Ok(())
}

fn compact_month(
    tables: &Tables,
    wtxn: &mut RwTxn,
    state: &mut WriteState,
    month: YearMonth,
) -> StoreResult<()> {
    while let Some(picked) = state.manifest.merge_candidates(month) {
        merge(tables, wtxn, state, &picked)?;
    }
    Ok(())
}

pub(crate) fn merge_all(
    tables: &Tables,
    wtxn: &mut RwTxn,
    state: &mut WriteState,
    month: YearMonth,
) -> StoreResult<()> {
    let picked: Vec<Segment> =
        state.manifest.segments.iter().filter(|s| s.month == month).copied().collect();
    if picked.len() > 1 {
        merge(tables, wtxn, state, &picked)?;
    }
    Ok(())
}

/// Rewrites the title dictionary with full pages when less than three quarters of its page
/// bytes hold entries: titles first seen after a month's first load go into full pages, which
/// LMDB splits in the middle. Called when a month completes; returns whether it rewrote.
pub(crate) fn compact_dictionary(tables: &Tables, wtxn: &mut RwTxn) -> StoreResult<bool> {
    let stat = tables.articles.stat(wtxn).map_err(engine)?;
    let mut entries = Vec::with_capacity(stat.entries);
    let mut payload = 0usize;
    for entry in tables.articles.iter(wtxn).map_err(engine)? {
        let (key, value) = entry.map_err(engine)?;
        // An LMDB leaf node: an 8-byte header, key and value; and a 2-byte pointer.
        payload += 10 + key.len() + value.len();
        entries.push((key.to_vec(), value.to_vec()));
    }
    let pages = stat.leaf_pages * stat.page_size as usize;
    if payload * 4 >= pages * 3 {
        return Ok(false);
    }
    tables.articles.clear(wtxn).map_err(engine)?;
    for (key, value) in entries {
        tables.articles.put_with_flags(wtxn, PutFlags::APPEND, &key, &value).map_err(engine)?;
    }
    Ok(true)
}

/// One per-article row of a batch, by reference.
struct RowRef<'a> {
    project: u16,
    title: &'a str,
    day: Day,
    views: &'a ArticleViews,
}

/// Orders a dictionary key (`project_id ‖ title`) against a row, as the bytes of the row's key
/// would order (the project id is a fixed two bytes, so comparing it first is the same).
fn key_order(key: &[u8], row: &RowRef<'_>) -> std::cmp::Ordering {
    let (project, title) = key.split_at(key.len().min(2));
    project.cmp(&row.project.to_be_bytes()[..]).then_with(|| title.cmp(row.title.as_bytes()))
}

/// Article ids for rows sorted by (project, title), creating the missing ones in key order.
/// A batch that touches a large share of the dictionary is joined with one sequential scan of
/// it; a small one looks its titles up.
fn article_ids(
    tables: &Tables,
    wtxn: &mut RwTxn,
    state: &mut WriteState,
    rows: &[RowRef<'_>],
) -> StoreResult<Vec<u32>> {
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
        let id = state.next_article;
        state.next_article =
            id.checked_add(1).ok_or_else(|| StoreError::Limit("article ids exhausted".into()))?;
        let flags = if append { PutFlags::APPEND } else { PutFlags::empty() };
        tables.articles.put_with_flags(wtxn, flags, &key, &id.to_be_bytes()).map_err(engine)?;
        ids[i] = id;
        previous = Some((i, id));
    }
    Ok(ids)
}

/// A row of a new segment: article id, day, counters.
type SegmentRow = (u32, Day, ArticleViews);

/// The longest title the store accepts, in bytes (LMDB keys are bounded).
pub const MAX_TITLE_BYTES: usize = 1024;

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
                if title.len() > MAX_TITLE_BYTES {
                    return Err(StoreError::Limit(format!(
                        "a title of {} bytes is longer than {MAX_TITLE_BYTES}",
                        title.len()
                    )));
                }
                rows.push(RowRef { project: pid, title, day: day.day, views });
            }
        }
        // Stable: rows of one key keep the batch's order, so the last one wins below. Each day's
        // rows arrive sorted, which makes this sort a merge of sorted runs.
        rows.sort_by(|a, b| (a.project, a.title.as_bytes()).cmp(&(b.project, b.title.as_bytes())));
        let ids = article_ids(tables, &mut wtxn, &mut state, &rows)?;
        let mut entries: Vec<(i32, u32, Day, ArticleViews)> = rows
            .iter()
            .zip(&ids)
            .map(|(r, id)| (r.day.year_month().index(), *id, r.day, *r.views))
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
        let mut month_completed = false;
        for (month, (covers, rows)) in months {
            append_segment(tables, &mut wtxn, &mut state, month, covers, &rows)?;
            compact_month(tables, &mut wtxn, &mut state, month)?;
            let covered = state.manifest.newest_first(month).fold(0, |m, s| m | s.covers);
            month_completed |= covered == crate::segments::full_month_mask(month);
        }
        if month_completed {
            compact_dictionary(tables, &mut wtxn)?;
        }

        // Per-project rows.
        if !batch.replace_project_days.is_empty() {
            let all_ids: Vec<u16> = project_id_list(tables, &wtxn)?;
            for &day in &batch.replace_project_days {
                for &pid in &all_ids {
                    for (start, end) in project_day_ranges(pid, day) {
                        tables
                            .project_series
                            .delete_range(&mut wtxn, &inclusive(&start, &end))
                            .map_err(engine)?;
                    }
                }
            }
        }
        for row in &batch.project_rows {
            let pid = project_id(tables, &mut wtxn, &row.project)?;
            let mut value = Vec::new();
            codec::put_varint(&mut value, row.views);
            let key = project_series_key(pid, row.access, row.agent, row.period);
            tables.project_series.put(&mut wtxn, &key, &value).map_err(engine)?;
            summary.project_rows += 1;
        }

        for row in &batch.top_rows {
            let pid = project_id(tables, &mut wtxn, &row.project)?;
            let key = top_key(pid, row.access, row.period);
            tables.top.put(&mut wtxn, &key, &encode_top(&row.articles)).map_err(engine)?;
            summary.top_rows += 1;
        }

        state.store(tables, &mut wtxn)?;
        if let Some(pause) = self.inner.pause_before_commit {
            std::thread::sleep(pause);
        }
        wtxn.commit().map_err(engine)?;
        Ok(summary)
    }

    fn article_day(&self, day: Day) -> StoreResult<Vec<ArticleDay>> {
        let rtxn = self.read_txn()?;
        let snapshot = self.snapshot(&rtxn)?;
        let tables = &self.inner.tables;
        let month = day.year_month();
        let bit = day_bit(day);
        // Newest segment first: the first row found for an article wins.
        let mut found: BTreeMap<u32, ArticleViews> = BTreeMap::new();
        let mut decided = BTreeSet::new();
        for seg in snapshot.manifest.newest_first(month) {
            if seg.days & bit != 0 {
                let (start, end) = (series_key(seg.id, 0), series_key(seg.id, u32::MAX));
                for entry in tables.series.range(&rtxn, &inclusive(&start, &end)).map_err(engine)? {
                    let (key, value) = entry.map_err(engine)?;
                    let article = split_series_key(key)?.1;
                    if decided.contains(&article) {
                        continue;
                    }
                    if let Some((_, views)) =
                        read_month_entries(value, month)?.into_iter().find(|(d, _)| *d == day)
                    {
                        found.insert(article, views);
                        decided.insert(article);
                    }
                }
            }
            if seg.covers & bit != 0 {
                break;
            }
        }
        // Titles: one pass over the dictionary for the ids found.
        let names: HashMap<u16, String> =
            snapshot.project_ids.iter().map(|(n, id)| (*id, n.clone())).collect();
        let mut by_project: BTreeMap<String, Vec<(String, ArticleViews)>> = BTreeMap::new();
        if !found.is_empty() {
            for entry in tables.articles.iter(&rtxn).map_err(engine)? {
                let (key, id) = entry.map_err(engine)?;
                if let Some(views) = found.get(&u32_value(id, "article id")?) {
                    let pid = u16::from_be_bytes([key[0], key[1]]);
                    let project =
                        names.get(&pid).ok_or_else(|| codec::corrupt("unknown project id"))?;
                    let title = std::str::from_utf8(&key[2..])
                        .map_err(|_| codec::corrupt("title is not UTF-8"))?;
                    by_project
                        .entry(project.clone())
                        .or_default()
                        .push((title.to_string(), *views));
                }
            }
        }
        Ok(by_project
            .into_iter()
            .map(|(project, rows)| ArticleDay { day, project: Project::from_stored(project), rows })
            .collect())
    }

    fn project_day(&self, day: Day) -> StoreResult<Vec<ProjectRow>> {
        let rtxn = self.read_txn()?;
        let snapshot = self.snapshot(&rtxn)?;
        let mut out = Vec::new();
        for (name, &pid) in &snapshot.project_ids {
            for (start, end) in project_day_ranges(pid, day) {
                for entry in self
                    .inner
                    .tables
                    .project_series
                    .range(&rtxn, &inclusive(&start, &end))
                    .map_err(engine)?
                {
                    let (key, value) = entry.map_err(engine)?;
                    out.push(ProjectRow {
                        project: Project::from_stored(name.clone()),
                        access: *Access::ALL
                            .get(usize::from(key[2]))
                            .ok_or_else(|| codec::corrupt("access code"))?,
                        agent: *Agent::ALL
                            .get(usize::from(key[3]))
                            .ok_or_else(|| codec::corrupt("agent code"))?,
                        period: decode_period(key[4], u32_value(&key[5..], "period")?)?,
                        views: codec::Reader::new(value).varint()?,
                    });
                }
            }
        }
        Ok(out)
    }
}

impl EmbeddedStore {
    /// The number of stored (project, article, day) rows, as reads resolve them.
    pub fn article_day_count(&self) -> StoreResult<u64> {
        let rtxn = self.read_txn()?;
        let snapshot = self.snapshot(&rtxn)?;
        let mut total = 0u64;
        for month in snapshot.manifest.months() {
            // Per article: the days already taken from newer segments, or hidden by them.
            let mut resolved: HashMap<u32, u64> = HashMap::new();
            let mut covered = 0u64;
            for seg in snapshot.manifest.newest_first(month) {
                let (start, end) = (series_key(seg.id, 0), series_key(seg.id, u32::MAX));
                for entry in self
                    .inner
                    .tables
                    .series
                    .range(&rtxn, &inclusive(&start, &end))
                    .map_err(engine)?
                {
                    let (key, value) = entry.map_err(engine)?;
                    let article = split_series_key(key)?.1;
                    let days = codec::month_day_mask(value, month)?;
                    let taken = resolved.entry(article).or_insert(0);
                    total += u64::from((days & !*taken & !covered).count_ones());
                    *taken |= days;
                }
                covered |= seg.covers;
            }
        }
        Ok(total)
    }
}

fn project_id_list(tables: &Tables, txn: &RoTxn) -> StoreResult<Vec<u16>> {
    let mut ids = Vec::new();
    for entry in tables.projects.iter(txn).map_err(engine)? {
        let (_, id) = entry.map_err(engine)?;
        ids.push(u16::from_be_bytes(id.try_into().map_err(|_| codec::corrupt("project id"))?));
    }
    Ok(ids)
}

/// Key ranges holding one project's hourly and daily rows of one day, for every access × agent.
fn project_day_ranges(project: u16, day: Day) -> Vec<([u8; 9], [u8; 9])> {
    let mut ranges = Vec::with_capacity(32);
    let (first_hour, last_hour) = (Hour { day, hour: 0 }, Hour { day, hour: 23 });
    for &access in Access::ALL {
        for &agent in Agent::ALL {
            ranges.push((
                project_series_key(project, access, agent, Period::Hour(first_hour)),
                project_series_key(project, access, agent, Period::Hour(last_hour)),
            ));
            let daily = project_series_key(project, access, agent, Period::Day(day));
            ranges.push((daily, daily));
        }
    }
    ranges
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::StoreOptions;

    #[test]
    fn range_masks_match_the_days_they_name() {
        let day = |y, m, d| Day::from_ymd(y, m, d).unwrap();
        for month in [YearMonth::new(2024, 2).unwrap(), YearMonth::new(2023, 12).unwrap()] {
            for (first, last) in [
                (day(2023, 11, 20), day(2024, 3, 1)),
                (day(2024, 2, 10), day(2024, 2, 10)),
                (day(2024, 2, 3), day(2024, 2, 29)),
                (day(2023, 12, 31), day(2024, 2, 2)),
                (day(2024, 3, 1), day(2024, 3, 9)),
            ] {
                let by_day = month
                    .days()
                    .filter(|d| *d >= first && *d <= last)
                    .fold(0, |m, d| m | day_bit(d));
                assert_eq!(range_mask(month, first, last), by_day, "{month} {first:?}..{last:?}");
            }
        }
    }

    #[test]
    fn merges_stream_across_chunk_boundaries() {
        let dir = tempfile::tempdir().unwrap();
        let store = EmbeddedStore::open_with(
            dir.path(),
            &StoreOptions { map_size: 1 << 28, ..Default::default() },
        )
        .unwrap();
        let month = YearMonth::new(2024, 2).unwrap();
        let project = Project::from_stored("en.wikipedia");
        let views = |article: u32, day: u8| {
            let mut v = ArticleViews::default();
            v.add(Access::Desktop, Agent::User, article * 100 + u32::from(day));
            v
        };
        for (i, day) in month.days().enumerate() {
            // Every third article skips odd days, so runs have gaps.
            let rows: Vec<(String, ArticleViews)> = (0..40u32)
                .filter(|a| a % 3 != 0 || i % 2 == 0)
                .map(|a| (format!("A{a:03}"), views(a, i as u8)))
                .collect();
            let batch = PageviewsBatch {
                replace_article_days: vec![day],
                article_days: vec![ArticleDay { day, project: project.clone(), rows }],
                ..Default::default()
            };
            store.write(&batch).unwrap();
        }
        let rtxn = store.read_txn().unwrap();
        assert_eq!(
            store.snapshot(&rtxn).unwrap().manifest.segments.len(),
            1,
            "the complete month is one segment"
        );
        drop(rtxn);
        for a in 0..40u32 {
            let series = store
                .article_series(&project, &format!("A{a:03}"), month.first_day(), month.last_day())
                .unwrap();
            let expected: Vec<(Day, ArticleViews)> = month
                .days()
                .enumerate()
                .filter(|(i, _)| a % 3 != 0 || i % 2 == 0)
                .map(|(i, d)| (d, views(a, i as u8)))
                .collect();
            assert_eq!(series, expected, "article {a}");
        }
    }
}

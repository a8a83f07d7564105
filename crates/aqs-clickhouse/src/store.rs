//! [`ClickHouseStore`]: the pageviews store traits over the tables of `schema/`.
//!
//! Every write is a batch with a new id. Its rows go in first; then one row in `aqs_batches`
//! commits it, which readers see at once and whole (a single-row insert is atomic). Readers keep a
//! snapshot of the committed batches (refreshed by a background thread, and by every write of
//! this process) and, of the rows a query returns, keep per key the newest committed one that no
//! later committed batch replaced. A failed load leaves only uncommitted rows, which are never
//! read and are deleted when that day is loaded again.
//!
//! Reads are in `store/read.rs`; how values map to columns, in `codes.rs`.

use crate::client::{Client, RowReader, RowWriter, identifier};
use crate::codes::{
    access_code, access_from, agent_code, agent_from, date_literal, date_value, encode_top,
    period_from, period_value,
};
use crate::schema::{Layout, SCHEMA_VERSION, current_version, now_seconds, stored_layout};
use aqs_core::dates::{Day, TopPeriod, YearMonth};
use aqs_core::error::{StoreError, StoreResult};
use aqs_core::pageviews::{
    ARTICLE_COLUMNS, ArticleDay, ArticleViews, DayPublish, DayPublishOptions, PageviewsBatch,
    PageviewsWrite, Period, ProjectRow, TopArticles, TopCandidates, TopRow, WriteSummary,
};
use aqs_core::params::{Access, Agent};
use aqs_core::project::Project;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::{Arc, Mutex, RwLock, Weak};
use std::time::Duration;

mod delete;
mod feature_usage;
mod read;
mod series;

/// Rows per insert statement when writing per-article data.
pub(crate) const INSERT_CHUNK_ROWS: usize = 250_000;

/// What readers know of the committed batches.
#[derive(Debug, Default)]
pub(crate) struct Snapshot {
    pub(crate) committed: HashSet<u64>,
    /// Per day, the newest committed batch that replaced its per-article rows.
    pub(crate) article_floor: HashMap<Day, u64>,
    /// Per day, the newest committed batch that replaced its hourly and daily per-project rows.
    project_floor: HashMap<Day, u64>,
    max_batch: u64,
    generation: u64,
}

impl Snapshot {
    pub(crate) fn article_visible(&self, day: Day, batch: u64) -> bool {
        self.committed.contains(&batch)
            && batch >= self.article_floor.get(&day).copied().unwrap_or(0)
    }

    fn project_visible(&self, period: Period, batch: u64) -> bool {
        let day = match period {
            Period::Hour(h) => h.day,
            Period::Day(d) => d,
            Period::Month(_) => return self.committed.contains(&batch),
        };
        self.committed.contains(&batch)
            && batch >= self.project_floor.get(&day).copied().unwrap_or(0)
    }
}

struct Inner {
    client: Client,
    db: String,
    layout: Layout,
    snapshot: RwLock<Arc<Snapshot>>,
    /// What readers know of the committed series batches (`store/series.rs`).
    series: RwLock<Arc<series::SeriesSnapshot>>,
    refreshing: Mutex<()>,
    /// What this process knows of the feature usage counters (`store/feature_usage.rs`).
    feature_usage: feature_usage::State,
}

/// The pageviews store on ClickHouse: one server, or a cluster through Distributed tables.
/// Cloning is cheap (the clones share the connection pool and the snapshot).
#[derive(Clone)]
pub struct ClickHouseStore {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for ClickHouseStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClickHouseStore")
            .field("url", &self.inner.client.url())
            .field("database", &self.inner.db)
            .finish()
    }
}

impl ClickHouseStore {
    /// Opens the store in database `db` of the server at `url`, which `aqs clickhouse init`
    /// has set up.
    pub fn open(url: &str, db: &str) -> StoreResult<ClickHouseStore> {
        let client = Client::new(url)?;
        identifier(db)?;
        let version = current_version(&client, db)?;
        if version == 0 {
            return Err(StoreError::Engine(format!(
                "database {db} on {url} holds no aqs tables: run `aqs clickhouse init` first"
            )));
        }
        if version != SCHEMA_VERSION {
            return Err(StoreError::UnsupportedFormat {
                found: version,
                supported: SCHEMA_VERSION,
                hint: if version < SCHEMA_VERSION {
                    "run `aqs clickhouse init` to upgrade the schema".into()
                } else {
                    "the database was set up by a newer aqs".into()
                },
            });
        }
        let layout = stored_layout(&client, db)?;
        let store = ClickHouseStore {
            inner: Arc::new(Inner {
                client,
                db: db.to_string(),
                layout,
                snapshot: RwLock::new(Arc::new(Snapshot::default())),
                series: RwLock::new(Arc::default()),
                refreshing: Mutex::new(()),
                feature_usage: feature_usage::State::default(),
            }),
        };
        store.refresh()?;
        Ok(store)
    }

    /// Refreshes the snapshot of committed batches every `interval` on a background thread
    /// (until the store is dropped), so that a server sees other processes' loads.
    pub fn watch(&self, interval: Duration) {
        let weak: Weak<Inner> = Arc::downgrade(&self.inner);
        let spawned = std::thread::Builder::new().name("clickhouse-batches".into()).spawn(move || {
            loop {
                std::thread::sleep(interval);
                let Some(inner) = weak.upgrade() else { return };
                let store = ClickHouseStore { inner };
                if let Err(e) = store.refresh() {
                    tracing::warn!(error = %e, "cannot refresh the committed batches; serving the last known");
                }
            }
        });
        if let Err(e) = spawned {
            tracing::warn!(error = %e, "cannot start the batch watcher; loads by other processes show after a restart");
        }
    }

    pub fn database(&self) -> &str {
        &self.inner.db
    }

    pub fn client(&self) -> &Client {
        &self.inner.client
    }

    pub fn layout(&self) -> &Layout {
        &self.inner.layout
    }

    pub(crate) fn table(&self, name: &str) -> String {
        format!("{}.{name}", self.inner.db)
    }

    pub(crate) fn snapshot(&self) -> Arc<Snapshot> {
        let guard = self.inner.snapshot.read().unwrap_or_else(|p| p.into_inner());
        Arc::clone(&guard)
    }

    /// Reads the committed batches again.
    pub fn refresh(&self) -> StoreResult<()> {
        let _one_at_a_time = self.inner.refreshing.lock().unwrap_or_else(|p| p.into_inner());
        let rows = self.inner.client.query(&format!(
            "SELECT batch, replace_article_days, replace_project_days FROM {} FORMAT RowBinary",
            self.table("aqs_batches")
        ))?;
        let mut r = RowReader::new(&rows);
        let mut snapshot = Snapshot::default();
        let mut mix = 0u64;
        while !r.is_empty() {
            let batch = r.u64()?;
            for floors in [&mut snapshot.article_floor, &mut snapshot.project_floor] {
                for _ in 0..r.varint()? {
                    let day = Day::from_epoch_days(i32::from(r.u16()?));
                    let floor = floors.entry(day).or_insert(0);
                    *floor = (*floor).max(batch);
                }
            }
            if snapshot.committed.insert(batch) {
                mix = mix.wrapping_add(splitmix(batch));
            }
            snapshot.max_batch = snapshot.max_batch.max(batch);
        }
        snapshot.generation = mix ^ (snapshot.committed.len() as u64).rotate_left(48);
        *self.inner.snapshot.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(snapshot);
        self.refresh_series()
    }

    fn select(&self, sql: &str) -> StoreResult<Vec<u8>> {
        self.inner.client.query(sql)
    }

    fn point_select(&self, sql: &str) -> StoreResult<Vec<u8>> {
        self.inner.client.point_query(sql)
    }

    /// Deletes rows that batch `batch` made unreachable (older rows of the days it replaced,
    /// and rows of failed loads of those days). Runs as a ClickHouse mutation, in the
    /// background; reads never depend on it.
    fn clean_up(
        &self,
        table: &str,
        day_column: &str,
        only: &str,
        days: &[Day],
        batch: u64,
    ) -> StoreResult<()> {
        if days.is_empty() {
            return Ok(());
        }
        let list: Vec<String> = days.iter().map(|d| date_literal(*d)).collect();
        let condition = format!("{only}{day_column} IN ({}) AND batch < {batch}", list.join(", "));
        self.clean_up_where(table, &condition)
    }

    /// A new batch id, above every committed one.
    pub(crate) fn new_batch(&self) -> StoreResult<u64> {
        self.refresh()?;
        Ok(next_batch_id(self.snapshot().max_batch))
    }

    /// Inserts `rest`'s per-project rows and top lists under batch `id`, then commits the
    /// batch (whose `article_rows` per-article rows are in already): one row in `aqs_batches`,
    /// after every data row. Rows the batch made unreachable are then deleted in the background.
    pub(crate) fn commit_batch(
        &self,
        id: u64,
        article_rows: u64,
        replace_article_days: &[Day],
        rest: &PageviewsBatch,
    ) -> StoreResult<WriteSummary> {
        let summary = WriteSummary {
            article_rows,
            project_rows: self.insert_projects(id, &rest.project_rows)?,
            top_rows: self.insert_tops(id, &rest.top_rows)?,
            ..WriteSummary::default()
        };
        // The commit: one row, after every data row.
        let mut row = RowWriter::default();
        row.u64(id);
        row.u32(now_seconds());
        for days in [replace_article_days, &rest.replace_project_days] {
            let unique: BTreeSet<Day> = days.iter().copied().collect();
            row.varint(unique.len() as u64);
            for day in unique {
                row.u16(date_value(day)?);
            }
        }
        row.u64(summary.article_rows);
        row.u64(summary.project_rows);
        row.u64(summary.top_rows);
        self.inner.client.insert(
            &self.table("aqs_batches"),
            "batch, committed, replace_article_days, replace_project_days, article_rows, project_rows, top_rows",
            &row.bytes,
        )?;
        self.refresh()?;
        // Reads no longer see the replaced rows; deleting them is housekeeping.
        let cleaned = self
            .clean_up("pageviews_per_article", "day", "", replace_article_days, id)
            .and_then(|()| {
                // Months are never replaced by days: a month's row starts on its first day.
                self.clean_up(
                    "pageviews_per_project",
                    "toDate(period_start)",
                    "granularity IN ('hourly', 'daily') AND ",
                    &rest.replace_project_days,
                    id,
                )
            });
        if let Err(e) = cleaned {
            tracing::warn!(error = %e, "replaced rows were not deleted (they stay hidden)");
        }
        Ok(summary)
    }

    fn insert_articles(&self, batch: u64, days: &[ArticleDay]) -> StoreResult<u64> {
        // The last row of a key wins: rows of one (project, day) given more than once are
        // merged first (a batch's rows share one id, so the store could not tell them apart).
        let mut seen: HashMap<(&str, Day), usize> = HashMap::new();
        let mut groups: Vec<BTreeMap<&str, &ArticleViews>> = Vec::new();
        let mut order: Vec<(&str, Day)> = Vec::new();
        for day in days {
            let key = (day.project.as_str(), day.day);
            let index = *seen.entry(key).or_insert_with(|| {
                groups.push(BTreeMap::new());
                order.push(key);
                groups.len() - 1
            });
            for (title, views) in &day.rows {
                groups[index].insert(title.as_str(), views);
            }
        }
        let columns = format!("project, article, day, batch, {}", article_columns());
        let table = self.table("pageviews_per_article");
        let mut rows = RowWriter::default();
        let (mut pending, mut total) = (0usize, 0u64);
        for ((project, day), group) in order.iter().zip(&groups) {
            let date = date_value(*day)?;
            for (title, views) in group {
                rows.string(project.as_bytes());
                rows.string(title.as_bytes());
                rows.u16(date);
                rows.u64(batch);
                for v in views.0 {
                    rows.u32(v);
                }
                pending += 1;
                total += 1;
                if pending == INSERT_CHUNK_ROWS {
                    self.inner.client.insert(&table, &columns, &rows.bytes)?;
                    rows.bytes.clear();
                    pending = 0;
                }
            }
        }
        if pending > 0 {
            self.inner.client.insert(&table, &columns, &rows.bytes)?;
        }
        Ok(total)
    }

    fn insert_projects(&self, batch: u64, project_rows: &[ProjectRow]) -> StoreResult<u64> {
        let mut last: BTreeMap<(&str, Access, Agent, Period), u64> = BTreeMap::new();
        for row in project_rows {
            last.insert((row.project.as_str(), row.access, row.agent, row.period), row.views);
        }
        let mut rows = RowWriter::default();
        for ((project, access, agent, period), views) in &last {
            rows.string(project.as_bytes());
            rows.u8(access_code(*access));
            rows.u8(agent_code(*agent));
            let (granularity, start) = period_value(*period)?;
            rows.u8(granularity);
            rows.u32(start);
            rows.u64(batch);
            rows.u64(*views);
        }
        if !last.is_empty() {
            self.inner.client.insert(
                &self.table("pageviews_per_project"),
                "project, access, agent, granularity, period_start, batch, views",
                &rows.bytes,
            )?;
        }
        Ok(last.len() as u64)
    }

    fn insert_tops(&self, batch: u64, top_rows: &[TopRow]) -> StoreResult<u64> {
        let mut last: BTreeMap<(&str, Access, TopPeriod), &TopArticles> = BTreeMap::new();
        for row in top_rows {
            last.insert((row.project.as_str(), row.access, row.period), &row.articles);
        }
        let mut rows = RowWriter::default();
        for ((project, access, period), articles) in &last {
            rows.string(project.as_bytes());
            rows.u8(access_code(*access));
            let (granularity, day) = match period {
                TopPeriod::Day(d) => (2, *d),
                TopPeriod::Month(m) => (3, m.first_day()),
            };
            rows.u8(granularity);
            rows.u16(date_value(day)?);
            rows.u64(batch);
            match articles {
                TopArticles::InvalidLegacyJson => {
                    rows.u8(1);
                    rows.string(b"");
                }
                TopArticles::List(entries) => {
                    rows.u8(0);
                    rows.string(&encode_top(entries));
                }
            }
        }
        if !last.is_empty() {
            self.inner.client.insert(
                &self.table("pageviews_top"),
                "project, access, granularity, day, batch, invalid, articles",
                &rows.bytes,
            )?;
        }
        Ok(last.len() as u64)
    }
}

impl PageviewsWrite for ClickHouseStore {
    fn write(&self, batch: &PageviewsBatch) -> StoreResult<WriteSummary> {
        let id = self.new_batch()?;
        let article_rows = self.insert_articles(id, &batch.article_days)?;
        self.commit_batch(id, article_rows, &batch.replace_article_days, batch)
    }

    fn begin_day<'s>(
        &'s self,
        options: DayPublishOptions<'s>,
    ) -> StoreResult<Box<dyn DayPublish + 's>> {
        Ok(Box::new(crate::publish::ClickHouseDay::begin(self, options)?))
    }

    fn month_top_candidates(
        &self,
        month: YearMonth,
        limit: usize,
    ) -> StoreResult<Vec<TopCandidates>> {
        crate::publish::month_top_candidates(self, month, limit)
    }

    fn article_day(&self, day: Day) -> StoreResult<Vec<ArticleDay>> {
        let snapshot = self.snapshot();
        let rows = self.select(&format!(
            "SELECT project, article, batch, {} FROM {} WHERE day = {} FORMAT RowBinary",
            article_columns(),
            self.table("pageviews_per_article"),
            date_literal(day),
        ))?;
        let mut r = RowReader::new(&rows);
        let mut best: BTreeMap<(String, String), (u64, ArticleViews)> = BTreeMap::new();
        while !r.is_empty() {
            let project = r.string()?;
            let article = r.string()?;
            let batch = r.u64()?;
            let views = read_views(&mut r)?;
            if snapshot.article_visible(day, batch) {
                keep_newest(&mut best, (project, article), batch, views);
            }
        }
        let mut out: Vec<ArticleDay> = Vec::new();
        for ((project, article), (_, views)) in best {
            match out.last_mut() {
                Some(last) if last.project.as_str() == project => last.rows.push((article, views)),
                _ => out.push(ArticleDay {
                    day,
                    project: Project::from_stored(project),
                    rows: vec![(article, views)],
                }),
            }
        }
        Ok(out)
    }

    fn project_day(&self, day: Day) -> StoreResult<Vec<ProjectRow>> {
        let snapshot = self.snapshot();
        let rows = self.select(&format!(
            "SELECT project, access, agent, granularity, period_start, batch, views FROM {} \
             WHERE granularity IN ('hourly', 'daily') AND toDate(period_start) = {} FORMAT RowBinary",
            self.table("pageviews_per_project"),
            date_literal(day),
        ))?;
        let mut r = RowReader::new(&rows);
        let mut best: BTreeMap<(String, Access, Agent, Period), (u64, u64)> = BTreeMap::new();
        while !r.is_empty() {
            let project = r.string()?;
            let access = access_from(r.u8()?)?;
            let agent = agent_from(r.u8()?)?;
            let granularity = r.u8()?;
            let period = period_from(granularity, r.u32()?)?;
            let batch = r.u64()?;
            let views = r.u64()?;
            if snapshot.project_visible(period, batch) {
                keep_newest(&mut best, (project, access, agent, period), batch, views);
            }
        }
        Ok(best
            .into_iter()
            .map(|((project, access, agent, period), (_, views))| ProjectRow {
                project: Project::from_stored(project),
                access,
                agent,
                period,
                views,
            })
            .collect())
    }
}

/// The 16 counter columns for a column list, quoted (`as` is a keyword).
pub fn article_columns() -> String {
    ARTICLE_COLUMNS.map(|c| format!("`{c}`")).join(", ")
}

fn keep_newest<K: Ord, V>(best: &mut BTreeMap<K, (u64, V)>, key: K, batch: u64, value: V) {
    match best.get(&key) {
        Some((b, _)) if *b >= batch => {}
        _ => {
            best.insert(key, (batch, value));
        }
    }
}

pub(crate) fn read_views(r: &mut RowReader<'_>) -> StoreResult<ArticleViews> {
    let mut views = ArticleViews::default();
    for slot in views.0.iter_mut() {
        *slot = r.u32()?;
    }
    Ok(views)
}

/// A new batch id: microseconds since the epoch, and always above every committed id.
fn next_batch_id(max_committed: u64) -> u64 {
    let micros = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_micros()).unwrap_or(u64::MAX))
        .unwrap_or(0);
    micros.max(max_committed + 1)
}

fn splitmix(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn visibility_follows_commits_and_replaced_days() {
        let d = Day::from_ymd(2024, 1, 1).unwrap();
        let mut s = Snapshot::default();
        s.committed.extend([1, 3]);
        s.article_floor.insert(d, 3);
        assert!(!s.article_visible(d, 1), "replaced by batch 3");
        assert!(s.article_visible(d, 3));
        assert!(!s.article_visible(d, 4), "not committed");
        assert!(s.article_visible(d.next(), 1), "another day");
        let month = Period::Month(YearMonth::new(2024, 1).unwrap());
        s.project_floor.insert(d, 3);
        assert!(s.project_visible(month, 1), "months are never replaced by days");
        assert!(!s.project_visible(Period::Day(d), 1));
    }
}

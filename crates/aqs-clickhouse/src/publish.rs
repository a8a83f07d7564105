//! Loads on ClickHouse: a day streamed in chunks, committed at once, and the month scan of
//! top lists done by ClickHouse.
//!
//! A day's rows are inserted as they come, [`INSERT_CHUNK_ROWS`] at a time, under one new batch
//! id; readers ignore them until the batch's row in `aqs_batches` commits it, after the
//! per-project rows and top lists (see `store.rs`). When some agent types of the day are kept,
//! the day's stored rows are read back as a stream sorted by (project, article), the order the
//! new rows come in, and merged with them.

use crate::client::{RowStream, RowWriter};
use crate::codes::{date_literal, date_value};
use crate::store::{ClickHouseStore, INSERT_CHUNK_ROWS, Snapshot, article_columns};
use aqs_core::dates::{Day, YearMonth};
use aqs_core::error::{StoreError, StoreResult};
use aqs_core::pageviews::{
    ArticleViews, DayPublish, DayPublishOptions, PageviewsBatch, TOP_ACCESSES, TopCandidates,
    WriteSummary, with_kept_agents,
};
use aqs_core::project::Project;
use std::cmp::Ordering;
use std::sync::Arc;

/// Memory ClickHouse may use for a large query's aggregation and sort before it spills to disk
/// (settings every release since 18.16 takes, sent with the request).
const EXTERNAL: &[(&str, &str)] = &[
    ("max_bytes_before_external_group_by", "1000000000"),
    ("max_bytes_before_external_sort", "1000000000"),
];

pub(crate) struct ClickHouseDay<'s> {
    store: &'s ClickHouseStore,
    options: DayPublishOptions<'s>,
    batch: u64,
    date: u16,
    rows: RowWriter,
    pending: usize,
    total: u64,
    /// The last (project, title) added.
    last: Option<(String, String)>,
    kept: Option<KeptDay>,
}

impl<'s> ClickHouseDay<'s> {
    pub fn begin(
        store: &'s ClickHouseStore,
        options: DayPublishOptions<'s>,
    ) -> StoreResult<ClickHouseDay<'s>> {
        let batch = store.new_batch()?;
        let kept = match options.keeps_stored_agents() {
            true => Some(KeptDay::open(store, options.day)?),
            false => None,
        };
        Ok(ClickHouseDay {
            store,
            options,
            batch,
            date: date_value(options.day)?,
            rows: RowWriter::default(),
            pending: 0,
            total: 0,
            last: None,
            kept,
        })
    }

    fn push(&mut self, project: &str, title: &str, views: &ArticleViews) -> StoreResult<()> {
        self.rows.string(project.as_bytes());
        self.rows.string(title.as_bytes());
        self.rows.u16(self.date);
        self.rows.u64(self.batch);
        for v in views.0 {
            self.rows.u32(v);
        }
        self.pending += 1;
        self.total += 1;
        if self.pending == INSERT_CHUNK_ROWS {
            self.flush()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> StoreResult<()> {
        if self.pending > 0 {
            let columns = format!("project, article, day, batch, {}", article_columns());
            let table = self.store.table("pageviews_per_article");
            self.store.client().insert(&table, &columns, &self.rows.bytes)?;
            self.rows.bytes.clear();
            self.pending = 0;
        }
        Ok(())
    }

    /// Writes the kept rows that come before (project, title) (or all of them), and returns
    /// the stored row of (project, title) itself.
    fn kept_until(&mut self, until: Option<(&str, &str)>) -> StoreResult<Option<ArticleViews>> {
        let Some(mut kept) = self.kept.take() else { return Ok(None) };
        let mut found = None;
        while let Some((project, article, views)) = kept.head.take() {
            let order = until
                .map_or(Ordering::Less, |(p, t)| (project.as_str(), article.as_str()).cmp(&(p, t)));
            match order {
                Ordering::Greater => {
                    kept.head = Some((project, article, views));
                    break;
                }
                Ordering::Equal => found = Some(views),
                Ordering::Less => {
                    let row = with_kept_agents(None, Some(&views), self.options.agents);
                    let hidden = self.options.disallowed.contains(&project, &article);
                    if !row.is_zero() && !hidden {
                        self.push(&project, &article, &row)?;
                    }
                }
            }
            kept.advance()?;
        }
        self.kept = Some(kept);
        Ok(found)
    }
}

impl DayPublish for ClickHouseDay<'_> {
    fn add_rows(&mut self, project: &Project, rows: &[(&str, ArticleViews)]) -> StoreResult<()> {
        for (title, views) in rows {
            let key = (project.as_str(), *title);
            if let Some((p, t)) = &self.last {
                if (p.as_str(), t.as_str()) >= key {
                    return Err(StoreError::InvalidWrite(format!(
                        "row {project} {title:?} after {p} {t:?}: rows must come in (project, title) order, each once"
                    )));
                }
            }
            let stored = self.kept_until(Some(key))?;
            let row = with_kept_agents(Some(views), stored.as_ref(), self.options.agents);
            if !row.is_zero() {
                self.push(project.as_str(), title, &row)?;
            }
            match &mut self.last {
                Some((p, t)) => {
                    if p != project.as_str() {
                        *p = project.as_str().to_string();
                    }
                    t.clear();
                    t.push_str(title);
                }
                None => self.last = Some((project.as_str().to_string(), title.to_string())),
            }
        }
        Ok(())
    }

    fn commit(mut self: Box<Self>, rest: &PageviewsBatch) -> StoreResult<WriteSummary> {
        if !rest.article_days.is_empty() || !rest.replace_article_days.is_empty() {
            return Err(StoreError::InvalidWrite(
                "a day's commit carries per-article rows only through add_rows".into(),
            ));
        }
        self.kept_until(None)?;
        self.flush()?;
        self.store.commit_batch(self.batch, self.total, &[self.options.day], rest)
    }
}

/// A day's stored rows, sorted by (project, article), the newest visible row of each.
struct KeptDay {
    stream: RowStream,
    snapshot: Arc<Snapshot>,
    day: Day,
    /// The next row read but not yet used: (project, article, batch, views).
    next: Option<(String, String, u64, ArticleViews)>,
    head: Option<(String, String, ArticleViews)>,
}

impl KeptDay {
    fn open(store: &ClickHouseStore, day: Day) -> StoreResult<KeptDay> {
        let sql = format!(
            "SELECT project, article, batch, {} FROM {} WHERE day = {} ORDER BY project, article, batch FORMAT RowBinary",
            article_columns(),
            store.table("pageviews_per_article"),
            date_literal(day),
        );
        let stream = store.client().query_stream(&sql, EXTERNAL)?;
        let mut kept = KeptDay { stream, snapshot: store.snapshot(), day, next: None, head: None };
        kept.next = kept.read_row()?;
        kept.advance()?;
        Ok(kept)
    }

    fn read_row(&mut self) -> StoreResult<Option<(String, String, u64, ArticleViews)>> {
        if self.stream.is_empty()? {
            return Ok(None);
        }
        let (mut project, mut article) = (String::new(), String::new());
        self.stream.string_into(&mut project)?;
        self.stream.string_into(&mut article)?;
        let batch = self.stream.u64()?;
        let mut views = ArticleViews::default();
        for slot in views.0.iter_mut() {
            *slot = self.stream.u32()?;
        }
        Ok(Some((project, article, batch, views)))
    }

    /// Moves to the next (project, article) with a visible row.
    fn advance(&mut self) -> StoreResult<()> {
        self.head = None;
        while let Some((project, article, batch, views)) = self.next.take() {
            let mut best = self.snapshot.article_visible(self.day, batch).then_some(views);
            // Rows of one key come together, batches ascending: the last visible one wins.
            loop {
                self.next = self.read_row()?;
                match &self.next {
                    Some((p, a, b, v)) if *p == project && *a == article => {
                        if self.snapshot.article_visible(self.day, *b) {
                            best = Some(*v);
                        }
                    }
                    _ => break,
                }
            }
            if let Some(views) = best {
                self.head = Some((project, article, views));
                return Ok(());
            }
        }
        Ok(())
    }
}

/// Candidates for a month's top lists, computed by ClickHouse: the newest visible row of each
/// (project, article, day), summed over the month per access, and the `limit` largest per
/// (project, access) (`LIMIT n BY`). ClickHouse spills the aggregation to disk past a limit.
pub(crate) fn month_top_candidates(
    store: &ClickHouseStore,
    month: YearMonth,
    limit: usize,
) -> StoreResult<Vec<TopCandidates>> {
    store.refresh()?;
    let snapshot = store.snapshot();
    if snapshot.committed.is_empty() {
        return Ok(Vec::new());
    }
    let mut committed: Vec<u64> = snapshot.committed.iter().copied().collect();
    committed.sort_unstable();
    let committed: Vec<String> = committed.iter().map(u64::to_string).collect();
    let floors: Vec<(Day, u64)> =
        month.days().filter_map(|d| snapshot.article_floor.get(&d).map(|f| (d, *f))).collect();
    let floor_condition = if floors.is_empty() {
        String::new()
    } else {
        let days: Vec<String> = floors.iter().map(|(d, _)| date_literal(*d)).collect();
        let values: Vec<String> = floors.iter().map(|(_, f)| format!("toUInt64({f})")).collect();
        format!(
            " AND batch >= transform(day, [{}], [{}], toUInt64(0))",
            days.join(", "),
            values.join(", ")
        )
    };
    let sql = format!(
        "SELECT project, access, article, views FROM ( \
           SELECT project, article, sum(du) AS d, sum(mwu) AS w, sum(mau) AS a FROM ( \
             SELECT project, article, day, argMax(du, batch) AS du, argMax(mwu, batch) AS mwu, \
                    argMax(mau, batch) AS mau \
             FROM {table} WHERE day >= {first} AND day <= {last} AND batch IN ({committed}){floor_condition} \
             GROUP BY project, article, day \
           ) GROUP BY project, article \
         ) ARRAY JOIN [0, 1, 2, 3] AS access, [d + w + a, d, w, a] AS views \
         WHERE views > 0 \
         ORDER BY project, access, views DESC \
         LIMIT {take} BY project, access \
         FORMAT RowBinary",
        table = store.table("pageviews_per_article"),
        first = date_literal(month.first_day()),
        last = date_literal(month.last_day()),
        committed = committed.join(", "),
        take = limit + 1,
    );
    let mut stream = store.client().query_stream(&sql, EXTERNAL)?;
    let mut out: Vec<TopCandidates> = Vec::new();
    let (mut project, mut article) = (String::new(), String::new());
    while !stream.is_empty()? {
        stream.string_into(&mut project)?;
        let access = stream.u8()?;
        stream.string_into(&mut article)?;
        let views = stream.u64()?;
        let (access, _) = *TOP_ACCESSES
            .get(usize::from(access))
            .ok_or_else(|| StoreError::Corrupt("an access index out of range".into()))?;
        let same = out.last().is_some_and(|c| c.project.as_str() == project && c.access == access);
        if !same {
            out.push(TopCandidates {
                project: Project::from_stored(project.clone()),
                access,
                entries: Vec::new(),
                truncated: false,
            });
        }
        let candidates = out.last_mut().expect("pushed above");
        if candidates.entries.len() == limit {
            candidates.truncated = true;
        } else {
            candidates.entries.push((article.clone(), views));
        }
    }
    Ok(out)
}

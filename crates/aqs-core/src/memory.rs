//! The in-memory reference store: the simplest correct implementation of the store traits,
//! used by route tests and as the model that property tests compare real backends against.

use crate::dates::{Day, TopPeriod, YearMonth};
use crate::error::{StoreError, StoreResult};
use crate::pageviews::{
    ArticleDay, ArticleViews, DayPublish, DayPublishOptions, PageviewsBatch, PageviewsRead,
    PageviewsWrite, Period, ProjectRow, TOP_ACCESSES, TopArticles, TopCandidates, WriteSummary,
    access_views, user_views, with_kept_agents,
};
use crate::params::{Access, Agent};
use crate::project::Project;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::RwLock;
use std::sync::atomic::{AtomicU64, Ordering};

mod feature_usage;
mod series;

pub use feature_usage::MemoryCounters;

#[derive(Default)]
struct Tables {
    articles: BTreeMap<(Project, String, Day), ArticleViews>,
    projects: BTreeMap<(Project, Access, Agent, Period), u64>,
    tops: BTreeMap<(Project, Access, TopPeriod), TopArticles>,
}

/// Every table in `BTreeMap`s behind one lock; a batch is applied under the write lock, so
/// readers see it whole or not at all.
#[derive(Default)]
pub struct MemoryStore {
    tables: RwLock<Tables>,
    generation: AtomicU64,
    /// The series tables of every family (`series.rs`).
    series: RwLock<series::SeriesTables>,
}

impl MemoryStore {
    pub fn new() -> MemoryStore {
        MemoryStore::default()
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Tables> {
        self.tables.read().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl PageviewsRead for MemoryStore {
    fn article_days_loaded(&self) -> StoreResult<Vec<Day>> {
        let days: BTreeSet<Day> = self.read().articles.keys().map(|(_, _, d)| *d).collect();
        Ok(days.into_iter().collect())
    }

    fn generation(&self) -> StoreResult<u64> {
        Ok(self.generation.load(Ordering::SeqCst))
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
        let (p, a) = (project.clone(), article.to_string());
        let tables = self.read();
        let range = tables.articles.range((p.clone(), a.clone(), first)..=(p, a, last));
        Ok(range.map(|((_, _, day), views)| (*day, *views)).collect())
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
        let tables = self.read();
        let range = tables.projects.range(
            (project.clone(), access, agent, first)..=(project.clone(), access, agent, last),
        );
        Ok(range.map(|((_, _, _, period), views)| (*period, *views)).collect())
    }

    fn top(
        &self,
        project: &Project,
        access: Access,
        period: TopPeriod,
    ) -> StoreResult<Option<TopArticles>> {
        Ok(self.read().tops.get(&(project.clone(), access, period)).cloned())
    }
}

impl PageviewsWrite for MemoryStore {
    fn write(&self, batch: &PageviewsBatch) -> StoreResult<WriteSummary> {
        let mut tables = self.tables.write().unwrap_or_else(|poisoned| poisoned.into_inner());
        let replaced: BTreeSet<Day> = batch.replace_article_days.iter().copied().collect();
        tables.articles.retain(|(_, _, day), _| !replaced.contains(day));
        let replaced: BTreeSet<Day> = batch.replace_project_days.iter().copied().collect();
        tables.projects.retain(|(_, _, _, period), _| match period {
            Period::Hour(h) => !replaced.contains(&h.day),
            Period::Day(d) => !replaced.contains(d),
            Period::Month(_) => true,
        });
        let mut summary = WriteSummary::default();
        for day in &batch.article_days {
            for (title, views) in &day.rows {
                tables.articles.insert((day.project.clone(), title.clone(), day.day), *views);
                summary.article_rows += 1;
            }
        }
        for row in &batch.project_rows {
            let key = (row.project.clone(), row.access, row.agent, row.period);
            tables.projects.insert(key, row.views);
            summary.project_rows += 1;
        }
        for row in &batch.top_rows {
            tables.tops.insert((row.project.clone(), row.access, row.period), row.articles.clone());
            summary.top_rows += 1;
        }
        self.generation.fetch_add(1, Ordering::SeqCst);
        Ok(summary)
    }

    fn begin_day<'s>(
        &'s self,
        options: DayPublishOptions<'s>,
    ) -> StoreResult<Box<dyn DayPublish + 's>> {
        Ok(Box::new(MemoryDay { store: self, options, rows: Vec::new() }))
    }

    fn month_top_candidates(
        &self,
        month: YearMonth,
        limit: usize,
    ) -> StoreResult<Vec<TopCandidates>> {
        let tables = self.read();
        let mut sums: BTreeMap<(&Project, &str), [u64; 3]> = BTreeMap::new();
        for ((project, title, day), views) in &tables.articles {
            if day.year_month() == month {
                let slot = sums.entry((project, title.as_str())).or_default();
                for (s, v) in slot.iter_mut().zip(user_views(views)) {
                    *s += v;
                }
            }
        }
        let mut out = Vec::new();
        let projects: BTreeSet<&Project> = sums.keys().map(|(p, _)| *p).collect();
        for project in projects {
            for (access, slot) in TOP_ACCESSES {
                let mut entries: Vec<(String, u64)> = sums
                    .range((project, "")..)
                    .take_while(|((p, _), _)| *p == project)
                    .map(|((_, t), v)| (t.to_string(), access_views(v, slot)))
                    .filter(|(_, v)| *v > 0)
                    .collect();
                if entries.is_empty() {
                    continue;
                }
                entries.sort_by_key(|e| std::cmp::Reverse(e.1));
                let truncated = entries.len() > limit;
                entries.truncate(limit);
                out.push(TopCandidates { project: project.clone(), access, entries, truncated });
            }
        }
        Ok(out)
    }

    fn article_day(&self, day: Day) -> StoreResult<Vec<ArticleDay>> {
        let tables = self.read();
        let mut by_project: BTreeMap<&Project, Vec<(String, ArticleViews)>> = BTreeMap::new();
        for ((project, title, d), views) in &tables.articles {
            if *d == day {
                by_project.entry(project).or_default().push((title.clone(), *views));
            }
        }
        Ok(by_project
            .into_iter()
            .map(|(project, rows)| ArticleDay { day, project: project.clone(), rows })
            .collect())
    }

    fn project_day(&self, day: Day) -> StoreResult<Vec<ProjectRow>> {
        let tables = self.read();
        let rows = tables.projects.iter().filter(|((_, _, _, period), _)| match period {
            Period::Hour(h) => h.day == day,
            Period::Day(d) => *d == day,
            Period::Month(_) => false,
        });
        Ok(rows
            .map(|((project, access, agent, period), views)| ProjectRow {
                project: project.clone(),
                access: *access,
                agent: *agent,
                period: *period,
                views: *views,
            })
            .collect())
    }
}

/// A day being published into the memory store: rows are checked against the order the
/// contract promises, kept, and written in one batch at the commit.
struct MemoryDay<'s> {
    store: &'s MemoryStore,
    options: DayPublishOptions<'s>,
    rows: Vec<(Project, String, ArticleViews)>,
}

impl DayPublish for MemoryDay<'_> {
    fn add_rows(&mut self, project: &Project, rows: &[(&str, ArticleViews)]) -> StoreResult<()> {
        for (title, views) in rows {
            if let Some((p, t, _)) = self.rows.last() {
                let order = p.as_str().cmp(project.as_str()).then(t.as_str().cmp(title));
                if order != std::cmp::Ordering::Less {
                    return Err(StoreError::InvalidWrite(format!(
                        "row {project} {title:?} after {p} {t:?}: rows must come in (project, title) order, each once"
                    )));
                }
            }
            self.rows.push((project.clone(), title.to_string(), *views));
        }
        Ok(())
    }

    fn commit(self: Box<Self>, rest: &PageviewsBatch) -> StoreResult<WriteSummary> {
        let DayPublishOptions { day, agents, disallowed, .. } = self.options;
        if !rest.article_days.is_empty() || !rest.replace_article_days.is_empty() {
            return Err(StoreError::InvalidWrite(
                "a day's commit carries per-article rows only through add_rows".into(),
            ));
        }
        let mut rows: BTreeMap<(Project, String), ArticleViews> = BTreeMap::new();
        if self.options.keeps_stored_agents() {
            for ((project, title, d), stored) in &self.store.read().articles {
                if *d == day && !disallowed.contains(project.as_str(), title) {
                    let kept = with_kept_agents(None, Some(stored), agents);
                    rows.insert((project.clone(), title.clone()), kept);
                }
            }
        }
        for (project, title, views) in self.rows {
            let key = (project, title);
            let row = with_kept_agents(Some(&views), rows.get(&key), agents);
            rows.insert(key, row);
        }
        let mut batch = PageviewsBatch { replace_article_days: vec![day], ..rest.clone() };
        for ((project, title), views) in rows {
            if views.is_zero() {
                continue;
            }
            match batch.article_days.last_mut() {
                Some(last) if last.project == project => last.rows.push((title, views)),
                _ => {
                    batch.article_days.push(ArticleDay { day, project, rows: vec![(title, views)] })
                }
            }
        }
        self.store.write(&batch)
    }
}

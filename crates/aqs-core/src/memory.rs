//! The in-memory reference store: the simplest correct implementation of the store traits,
//! used by route tests and as the model that property tests compare real backends against.

use crate::dates::{Day, TopPeriod};
use crate::error::StoreResult;
use crate::pageviews::{
    ArticleDay, ArticleViews, PageviewsBatch, PageviewsRead, PageviewsWrite, Period, ProjectRow,
    TopArticles, WriteSummary,
};
use crate::params::{Access, Agent};
use crate::project::Project;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::RwLock;
use std::sync::atomic::{AtomicU64, Ordering};

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

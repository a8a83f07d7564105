//! [`PageviewsRead`] for [`ClickHouseStore`]: each query returns every stored version of its
//! rows, and the newest committed one per key that no later batch replaced is kept.

use super::{ClickHouseStore, article_columns, keep_newest, read_views};
use crate::client::{RowReader, quote};
use crate::codes::{
    date_literal, date_range, decode_top, granularity_name, period_from, period_range,
};
use aqs_core::dates::{Day, TopPeriod};
use aqs_core::error::StoreResult;
use aqs_core::pageviews::{ArticleViews, ManyArticleRows, PageviewsRead, Period, TopArticles};
use aqs_core::params::{Access, Agent};
use aqs_core::project::Project;
use std::collections::{BTreeMap, BTreeSet};

impl PageviewsRead for ClickHouseStore {
    fn article_days_loaded(&self) -> StoreResult<Vec<Day>> {
        let snapshot = self.snapshot();
        let rows = self.select(&format!(
            "SELECT day, batch FROM {} GROUP BY day, batch FORMAT RowBinary",
            self.table("pageviews_per_article")
        ))?;
        let mut r = RowReader::new(&rows);
        let mut days = BTreeSet::new();
        while !r.is_empty() {
            let day = Day::from_epoch_days(i32::from(r.u16()?));
            let batch = r.u64()?;
            if snapshot.article_visible(day, batch) {
                days.insert(day);
            }
        }
        Ok(days.into_iter().collect())
    }

    fn generation(&self) -> StoreResult<u64> {
        Ok(self.snapshot().generation)
    }

    fn article_series(
        &self,
        project: &Project,
        article: &str,
        first: Day,
        last: Day,
    ) -> StoreResult<Vec<(Day, ArticleViews)>> {
        let Some((first, last)) = date_range(first, last) else { return Ok(Vec::new()) };
        let snapshot = self.snapshot();
        let rows = self.point_select(&format!(
            "SELECT day, batch, {} FROM {} WHERE project = {} AND article = {} AND day >= {} AND day <= {} FORMAT RowBinary",
            article_columns(),
            self.table("pageviews_per_article"),
            quote(project.as_str()),
            quote(article),
            date_literal(first),
            date_literal(last),
        ))?;
        let mut r = RowReader::new(&rows);
        let mut best: BTreeMap<Day, (u64, ArticleViews)> = BTreeMap::new();
        while !r.is_empty() {
            let day = Day::from_epoch_days(i32::from(r.u16()?));
            let batch = r.u64()?;
            let views = read_views(&mut r)?;
            if snapshot.article_visible(day, batch) {
                keep_newest(&mut best, day, batch, views);
            }
        }
        Ok(best.into_iter().map(|(day, (_, views))| (day, views)).collect())
    }

    fn articles_series(
        &self,
        project: &Project,
        articles: &[String],
        first: Day,
        last: Day,
    ) -> StoreResult<ManyArticleRows> {
        if articles.is_empty() {
            return Ok(Vec::new());
        }
        let snapshot = self.snapshot();
        let table = self.table("pageviews_per_article");
        let among = |titles: &mut dyn Iterator<Item = &String>| {
            titles.map(|a| quote(a)).collect::<Vec<_>>().join(",")
        };
        // One query for the rows of the range, one for whether the others have rows at all.
        let asked: BTreeSet<&str> = articles.iter().map(String::as_str).collect();
        let mut found: BTreeMap<&str, BTreeMap<Day, (u64, ArticleViews)>> = BTreeMap::new();
        if let Some((from, to)) = date_range(first, last) {
            let rows = self.select(&format!(
                "SELECT article, day, batch, {} FROM {table} WHERE project = {} AND article IN ({}) AND day >= {} AND day <= {} FORMAT RowBinary",
                article_columns(),
                quote(project.as_str()),
                among(&mut articles.iter()),
                date_literal(from),
                date_literal(to),
            ))?;
            let mut r = RowReader::new(&rows);
            while !r.is_empty() {
                let article = r.string()?;
                let day = Day::from_epoch_days(i32::from(r.u16()?));
                let batch = r.u64()?;
                let views = read_views(&mut r)?;
                let Some(name) = asked.get(article.as_str()) else { continue };
                if snapshot.article_visible(day, batch) {
                    keep_newest(found.entry(name).or_default(), day, batch, views);
                }
            }
        }
        let mut missing = articles.iter().filter(|a| !found.contains_key(a.as_str())).peekable();
        let mut known: BTreeSet<String> = BTreeSet::new();
        if missing.peek().is_some() {
            let rows = self.select(&format!(
                "SELECT article, day, batch FROM {table} WHERE project = {} AND article IN ({}) GROUP BY article, day, batch FORMAT RowBinary",
                quote(project.as_str()),
                among(&mut missing),
            ))?;
            let mut r = RowReader::new(&rows);
            while !r.is_empty() {
                let article = r.string()?;
                let day = Day::from_epoch_days(i32::from(r.u16()?));
                if snapshot.article_visible(day, r.u64()?) {
                    known.insert(article);
                }
            }
        }
        Ok(articles
            .iter()
            .map(|a| match found.remove(a.as_str()) {
                Some(rows) => {
                    Some(rows.into_iter().map(|(day, (_, views))| (day, views)).collect())
                }
                None => known.contains(a).then(Vec::new),
            })
            .collect())
    }

    fn project_series(
        &self,
        project: &Project,
        access: Access,
        agent: Agent,
        first: Period,
        last: Period,
    ) -> StoreResult<Vec<(Period, u64)>> {
        let Some((granularity, from, to)) = period_range(first, last) else {
            return Ok(Vec::new());
        };
        let snapshot = self.snapshot();
        let rows = self.point_select(&format!(
            "SELECT period_start, batch, views FROM {} WHERE project = {} AND access = {} AND agent = {} \
             AND granularity = {} AND period_start >= toDateTime({from}) AND period_start <= toDateTime({to}) FORMAT RowBinary",
            self.table("pageviews_per_project"),
            quote(project.as_str()),
            quote(access.as_str()),
            quote(agent.as_str()),
            quote(granularity_name(granularity)),
        ))?;
        let mut r = RowReader::new(&rows);
        let mut best: BTreeMap<Period, (u64, u64)> = BTreeMap::new();
        while !r.is_empty() {
            let period = period_from(granularity, r.u32()?)?;
            let batch = r.u64()?;
            let views = r.u64()?;
            if snapshot.project_visible(period, batch) {
                keep_newest(&mut best, period, batch, views);
            }
        }
        Ok(best.into_iter().map(|(period, (_, views))| (period, views)).collect())
    }

    fn top(
        &self,
        project: &Project,
        access: Access,
        period: TopPeriod,
    ) -> StoreResult<Option<TopArticles>> {
        let snapshot = self.snapshot();
        let (granularity, day) = match period {
            TopPeriod::Day(d) => (2, d),
            TopPeriod::Month(m) => (3, m.first_day()),
        };
        if date_range(day, day).is_none() {
            return Ok(None);
        }
        let rows = self.point_select(&format!(
            "SELECT batch, invalid, articles FROM {} WHERE project = {} AND access = {} AND granularity = {} AND day = {} FORMAT RowBinary",
            self.table("pageviews_top"),
            quote(project.as_str()),
            quote(access.as_str()),
            quote(granularity_name(granularity)),
            date_literal(day),
        ))?;
        let mut r = RowReader::new(&rows);
        let mut best: Option<(u64, bool, &[u8])> = None;
        while !r.is_empty() {
            let batch = r.u64()?;
            let invalid = r.u8()? != 0;
            let articles = r.bytes()?;
            if snapshot.committed.contains(&batch) && best.is_none_or(|(b, _, _)| batch > b) {
                best = Some((batch, invalid, articles));
            }
        }
        match best {
            None => Ok(None),
            Some((_, true, _)) => Ok(Some(TopArticles::InvalidLegacyJson)),
            Some((_, false, articles)) => decode_top(articles).map(|e| Some(TopArticles::List(e))),
        }
    }
}

//! The pageviews tables of the embedded store: their keys and codes, and the read trait.
//! Writes are in `write.rs`; per-article segments and their merges in `merge/`, per-project
//! series in `project_series.rs`, top lists in `top/`.

use crate::codec::{self, read_month_entries};
use crate::segments::{EntityTable, Manifest, PER_ARTICLE, day_bit};
use crate::{EmbeddedStore, Table, Tables, engine};
use aqs_core::dates::{Day, TopPeriod, YearMonth};
use aqs_core::error::StoreResult;
use aqs_core::pageviews::{
    ArticleViews, ManyArticleRows, PageviewsRead, Period, TopArticles, TopEntry,
};
use aqs_core::params::{Access, Agent};
use aqs_core::project::Project;
use heed::RoTxn;
use std::ops::Bound;

const PERIOD_OFFSET: i64 = 1 << 31;

pub(crate) type KeyRange<'a> = (Bound<&'a [u8]>, Bound<&'a [u8]>);

pub(crate) fn inclusive<'a>(start: &'a [u8], end: &'a [u8]) -> KeyRange<'a> {
    (Bound::Included(start), Bound::Included(end))
}

pub(crate) fn access_code(a: Access) -> u8 {
    Access::ALL.iter().position(|x| *x == a).unwrap_or(0) as u8
}

pub(crate) fn agent_code(a: Agent) -> u8 {
    Agent::ALL.iter().position(|x| *x == a).unwrap_or(0) as u8
}

pub(crate) fn decode_period(kind: u8, value: u32) -> StoreResult<Period> {
    Period::from_code(kind, value).ok_or_else(|| codec::corrupt("period kind"))
}

pub(crate) fn top_key(project: u16, access: Access, period: TopPeriod) -> [u8; 8] {
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

/// A top list as stores wrote it before lists named their titles by id (kind 0, after the
/// kind byte): varint count, then per entry varint rank, varint views, the title's length and
/// bytes.
pub(crate) fn decode_inline_top(r: &mut codec::Reader<'_>) -> StoreResult<TopArticles> {
    let count = r.varint()?;
    let mut entries = Vec::with_capacity(count.min(10_000) as usize);
    for _ in 0..count {
        let rank = r.u32()?;
        let views = r.varint()?;
        let len = usize::try_from(r.varint()?).map_err(|_| codec::corrupt("title length"))?;
        let article = std::str::from_utf8(r.bytes(len)?)
            .map_err(|_| codec::corrupt("top title is not UTF-8"))?
            .to_string();
        entries.push(TopEntry { article, views, rank });
    }
    Ok(TopArticles::List(entries))
}

/// Resolves one article's rows of one month across segments, newest first: a row in a newer
/// segment wins, and a segment that replaces a day hides older segments' rows of that day.
pub(crate) fn resolve_month(
    slots: &[Table],
    txn: &RoTxn,
    manifest: &Manifest,
    (table, month): (EntityTable, YearMonth),
    article: u32,
    wanted: u64,
) -> StoreResult<Vec<(Day, ArticleViews)>> {
    let mut out = Vec::new();
    let mut resolved = 0u64;
    let first = month.first_day().epoch_days();
    for seg in manifest.newest_first(table, month).filter(|s| s.applies(article)) {
        let open = wanted & !resolved;
        if open == 0 {
            break;
        }
        if seg.days & open != 0 {
            let table = slots
                .get(seg.slot as usize)
                .ok_or_else(|| codec::corrupt("a segment without a table"))?;
            if let Some(bytes) = crate::blocks::get(table, txn, article, seg.shift)? {
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

/// The rows of article `id` (of the per-article table) from `first` to `last`, days
/// ascending, in one view of the store.
fn article_rows(
    (rtxn, snapshot): (&RoTxn, &crate::Snapshot),
    id: u32,
    first: Day,
    last: Day,
) -> StoreResult<Vec<(Day, ArticleViews)>> {
    let mut out = Vec::new();
    for month in months_between(first, last) {
        let wanted = range_mask(month, first, last);
        let part = (PER_ARTICLE, month);
        out.extend(resolve_month(&snapshot.slots, rtxn, &snapshot.manifest, part, id, wanted)?);
    }
    Ok(out)
}

/// The day bits of `month` within `first..=last`, by arithmetic on epoch days (no calendar
/// conversion per day: this runs on every per-article read).
pub(crate) fn range_mask(month: YearMonth, first: Day, last: Day) -> u64 {
    let start = month.first_day().epoch_days();
    let end = start + i32::from(month.len()) - 1;
    let (low, high) = (first.epoch_days().max(start), last.epoch_days().min(end));
    if low > high {
        return 0;
    }
    let width = (high - low + 1) as u32;
    ((1u64 << width) - 1) << (low - start)
}

pub(crate) fn months_between(first: Day, last: Day) -> Vec<YearMonth> {
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
        let (_rtxn, snapshot) = self.read_snapshot()?;
        let mut days = Vec::new();
        for month in snapshot.manifest.months(PER_ARTICLE) {
            let loaded = snapshot.manifest.loaded_days(PER_ARTICLE, month);
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
        let (rtxn, snapshot) = self.read_snapshot()?;
        let Some(&project_id) = snapshot.project_ids.get(project.as_str()) else {
            return Ok(Vec::new());
        };
        let Some(id) = snapshot.dictionary.get(project_id, article.as_bytes())? else {
            return Ok(Vec::new());
        };
        article_rows((&rtxn, &snapshot), id, first, last)
    }

    fn articles_series(
        &self,
        project: &Project,
        articles: &[String],
        first: Day,
        last: Day,
    ) -> StoreResult<ManyArticleRows> {
        let (rtxn, snapshot) = self.read_snapshot()?;
        let Some(&project_id) = snapshot.project_ids.get(project.as_str()) else {
            return Ok(vec![None; articles.len()]);
        };
        // One view of the store; the articles' ids looked up once, then read in id order.
        let mut ids = Vec::with_capacity(articles.len());
        for article in articles {
            ids.push(snapshot.dictionary.get(project_id, article.as_bytes())?);
        }
        let mut order: Vec<(u32, usize)> =
            ids.iter().enumerate().filter_map(|(at, id)| id.map(|id| (id, at))).collect();
        order.sort_unstable();
        let mut out: ManyArticleRows = ids.iter().map(|id| id.map(|_| Vec::new())).collect();
        for (id, at) in order {
            out[at] = Some(article_rows((&rtxn, &snapshot), id, first, last)?);
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
        let (rtxn, snapshot) = self.read_snapshot()?;
        let Some(&project_id) = snapshot.project_ids.get(project.as_str()) else {
            return Ok(Vec::new());
        };
        crate::project_series::read(
            &self.inner.tables,
            &rtxn,
            project_id,
            (access, agent),
            (first, last),
        )
    }

    fn top(
        &self,
        project: &Project,
        access: Access,
        period: TopPeriod,
    ) -> StoreResult<Option<TopArticles>> {
        let (rtxn, snapshot) = self.read_snapshot()?;
        let Some(&project_id) = snapshot.project_ids.get(project.as_str()) else { return Ok(None) };
        let key = top_key(project_id, access, period);
        crate::top::get(&self.inner.tables, &rtxn, &snapshot.names, &key)
    }
}

pub(crate) fn project_id_list(tables: &Tables, txn: &RoTxn) -> StoreResult<Vec<u16>> {
    let mut ids = Vec::new();
    for entry in tables.projects.iter(txn).map_err(engine)? {
        let (_, id) = entry.map_err(engine)?;
        ids.push(u16::from_be_bytes(id.try_into().map_err(|_| codec::corrupt("project id"))?));
    }
    Ok(ids)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn top_lists_written_with_inline_titles_still_read() {
        let mut bytes = Vec::new();
        for (rank, views, title) in [(1u64, 900u64, "Main_Page"), (2, 50, "Ä")] {
            codec::put_varint(&mut bytes, rank);
            codec::put_varint(&mut bytes, views);
            codec::put_varint(&mut bytes, title.len() as u64);
            bytes.extend_from_slice(title.as_bytes());
        }
        let mut value = vec![2u8];
        value.extend_from_slice(&bytes);
        let TopArticles::List(entries) =
            decode_inline_top(&mut codec::Reader::new(&value)).unwrap()
        else {
            panic!("a list")
        };
        assert_eq!(entries.len(), 2);
        assert_eq!((entries[1].article.as_str(), entries[1].views, entries[1].rank), ("Ä", 50, 2));
    }
    use crate::StoreOptions;
    use aqs_core::pageviews::{ArticleDay, PageviewsBatch, PageviewsWrite};

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
        assert_eq!(
            store.read_snapshot().unwrap().1.manifest.segments.len(),
            1,
            "the complete month is one segment"
        );
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

//! Pageviews top lists (the `top` table; docs/store-format.md, "Top lists").
//!
//! `u8` kind, then varint entry count and per entry, in list order, the entry's title as a
//! varint id, its rank less its position (from 1) and its views less the previous entry's
//! (zigzag varints; the first entry's views as they are):
//!
//! * kind 3: the id is the title's article id in the title dictionary, and `list_names` holds
//!   the titles of listed articles under `0xFF ‖ article id` (u32 BE). What a load writes: its
//!   titles are all in the dictionary.
//! * kind 2: the id is one of `list_names` (scope `top/<project id>`, through `list_ids`), for
//!   lists naming a title the dictionary does not hold (an imported top list).
//! * kind 1: the legacy row whose `articles` text is not JSON; kind 0: titles inline, what
//!   stores wrote before kind 2, still read.

use crate::codec::{Reader, corrupt, put_varint};
use crate::dictionary::file::Dictionary;
use crate::ranked::{name_id, read_name, unzigzag, zigzag};
use crate::{Tables, engine};
use aqs_core::error::{StoreError, StoreResult};
use aqs_core::pageviews::{TopArticles, TopEntry};
use heed::{RoTxn, RwTxn};

/// The `list_names` key of a listed article's title.
fn title_key(article: u32) -> [u8; 5] {
    let id = article.to_be_bytes();
    [0xFF, id[0], id[1], id[2], id[3]]
}

pub(crate) fn encode_top(
    tables: &Tables,
    wtxn: &mut RwTxn,
    (project, dictionary): (u16, &Dictionary),
    articles: &TopArticles,
) -> StoreResult<Vec<u8>> {
    let TopArticles::List(entries) = articles else { return Ok(vec![1]) };
    let mut articles = Vec::with_capacity(entries.len());
    for e in entries {
        match dictionary.get(project, e.article.as_bytes())? {
            Some(id) => articles.push(id),
            None => break,
        }
    }
    let by_article = articles.len() == entries.len();
    let scope = format!("top/{project}");
    let mut out = Vec::with_capacity(2 + 6 * entries.len());
    out.push(if by_article { 3 } else { 2 });
    put_varint(&mut out, entries.len() as u64);
    let mut previous = 0i64;
    for (i, e) in entries.iter().enumerate() {
        let id = match by_article {
            true => {
                let key = title_key(articles[i]);
                if tables.list_names.get(wtxn, &key).map_err(engine)?.is_none() {
                    tables.list_names.put(wtxn, &key, e.article.as_bytes()).map_err(engine)?;
                }
                articles[i]
            }
            false => name_id(tables, wtxn, &scope, &e.article)?,
        };
        put_varint(&mut out, id.into());
        put_varint(&mut out, zigzag(i64::from(e.rank) - (i as i64 + 1)));
        let views = i64::try_from(e.views).map_err(|_| {
            StoreError::InvalidWrite(format!("top list views over 2^63: {}", e.views))
        })?;
        put_varint(&mut out, if i == 0 { views as u64 } else { zigzag(previous - views) });
        previous = views;
    }
    Ok(out)
}

pub(crate) fn decode_top(tables: &Tables, txn: &RoTxn, bytes: &[u8]) -> StoreResult<TopArticles> {
    let mut r = Reader::new(bytes);
    let kind = r.bytes(1)?[0];
    match kind {
        0 => return crate::pageviews::decode_inline_top(&mut r),
        1 => return Ok(TopArticles::InvalidLegacyJson),
        2 | 3 => {}
        _ => return Err(corrupt("top list kind")),
    }
    let count = r.varint()?;
    let mut entries = Vec::with_capacity(count.min(10_000) as usize);
    let mut previous = 0i64;
    for i in 0..count {
        let article = match kind {
            2 => read_name(tables, txn, &mut r)?,
            _ => {
                let id = u32::try_from(r.varint()?).map_err(|_| corrupt("top list article"))?;
                let title = tables
                    .list_names
                    .get(txn, &title_key(id))
                    .map_err(engine)?
                    .ok_or_else(|| corrupt("a top list names an article without a title"))?;
                std::str::from_utf8(title).map_err(|_| corrupt("top list title"))?.to_string()
            }
        };
        let rank = unzigzag(r.varint()?) + i as i64 + 1;
        let rank = u32::try_from(rank).map_err(|_| corrupt("top list rank"))?;
        let views = match i {
            0 => i64::try_from(r.varint()?).map_err(|_| corrupt("top list views"))?,
            _ => previous - unzigzag(r.varint()?),
        };
        previous = views;
        let views = u64::try_from(views).map_err(|_| corrupt("top list views"))?;
        entries.push(TopEntry { article, views, rank });
    }
    if !r.is_empty() {
        return Err(corrupt("trailing bytes after a top list"));
    }
    Ok(TopArticles::List(entries))
}

#[cfg(test)]
mod tests {
    use crate::{EmbeddedStore, StoreOptions, engine};
    use aqs_core::dates::{Day, TopPeriod};
    use aqs_core::pageviews::{
        ArticleDay, ArticleViews, PageviewsBatch, PageviewsRead, PageviewsWrite, TopArticles,
        TopEntry, TopRow,
    };
    use aqs_core::params::{Access, Agent};
    use aqs_core::project::Project;

    fn list(titles: &[&str]) -> TopArticles {
        let entries = titles.iter().enumerate().map(|(i, t)| TopEntry {
            article: t.to_string(),
            views: 1000 - 10 * i as u64,
            rank: i as u32 + 1,
        });
        TopArticles::List(entries.collect())
    }

    /// The stored kind of the top list of `day`, and the list as read.
    fn stored(store: &EmbeddedStore, project: &Project, day: Day) -> (u8, TopArticles) {
        let period = TopPeriod::Day(day);
        let read = store.top(project, Access::AllAccess, period).unwrap().unwrap();
        let rtxn = store.read_txn().unwrap();
        let key = crate::pageviews::top_key(0, Access::AllAccess, period);
        let value = store.inner.tables.top.get(&rtxn, &key).map_err(engine).unwrap().unwrap();
        (value[0], read)
    }

    #[test]
    fn lists_of_loaded_titles_name_them_by_article_id_and_others_by_list_name() {
        let dir = tempfile::tempdir().unwrap();
        let options = StoreOptions { map_size: 1 << 28, ..Default::default() };
        let store = EmbeddedStore::open_with(dir.path(), &options).unwrap();
        let project = Project::from_stored("en.wikipedia");
        let day = Day::from_ymd(2024, 3, 1).unwrap();
        let mut views = ArticleViews::default();
        views.add(Access::Desktop, Agent::User, 5);
        let titles = ["Ä_(x)", "Main_Page", "B,\"c\""];
        let rows = titles.iter().map(|t| (t.to_string(), views)).collect();
        let loaded = list(&["Main_Page", "Ä_(x)", "B,\"c\""]);
        let top = |day, articles: &TopArticles| TopRow {
            project: project.clone(),
            access: Access::AllAccess,
            period: TopPeriod::Day(day),
            articles: articles.clone(),
        };
        let batch = PageviewsBatch {
            replace_article_days: vec![day],
            article_days: vec![ArticleDay { day, project: project.clone(), rows }],
            top_rows: vec![top(day, &loaded)],
            ..Default::default()
        };
        store.write(&batch).unwrap();
        assert_eq!(stored(&store, &project, day), (3, loaded.clone()));

        // An imported list naming a title no load brought.
        let next = day.add_days(1);
        let imported = list(&["Main_Page", "Not_loaded"]);
        let batch = PageviewsBatch { top_rows: vec![top(next, &imported)], ..Default::default() };
        store.write(&batch).unwrap();
        assert_eq!(stored(&store, &project, next), (2, imported));
        assert_eq!(stored(&store, &project, day), (3, loaded), "the first list is unchanged");
    }
}

//! The streamed publication of one day (`PageviewsWrite::begin_day`) in the embedded store.
//!
//! One LMDB write transaction spans the whole publication, so readers in any process see the
//! day before or after, never part of it, and a failed or killed load leaves no trace. A read
//! transaction opened at the same time shows the store as it was before: the day's stored rows
//! are read from it when some agent types are kept.
//!
//! - [`DayPublication::add_rows`]: a project's rows (titles ascending) get their article ids
//!   from a merge with the title dictionary, which writes the next dictionary file as it goes
//!   (`dictionary/writer.rs`), and go, encoded, to [`Partitions`] by id.
//! - [`DayPublication::commit`]: the partitions are read back in id order (merged with the kept
//!   agents' stored rows) and appended as the day's new segment with `MDB_APPEND`; then the
//!   merge policy, the per-project rows and top lists, the new generation, and the commit.

mod partitions;

use crate::codec::{put_month_entries, read_month_entries};
use crate::dictionary::writer::DictionaryWriter;
use crate::dictionary::{NewIds, disallowed_ids, project_id};
use crate::scan::SegmentScan;
use crate::segments::{PER_ARTICLE, Segment, day_bit};
use crate::slots::allocate;
use crate::top::TopNames;
use crate::write::{WriteState, write_rest};
use crate::{EmbeddedStore, engine};
use aqs_core::dates::Day;
use aqs_core::error::{StoreError, StoreResult};
use aqs_core::pageviews::{
    ArticleViews, DayPublish, DayPublishOptions, PageviewsBatch, WriteSummary, with_kept_agents,
};
use aqs_core::project::Project;
use heed::{RoTxn, RwTxn, WithoutTls};
use partitions::Partitions;
use std::collections::HashSet;

pub(crate) struct DayPublication<'s> {
    store: &'s EmbeddedStore,
    options: DayPublishOptions<'s>,
    /// The store before this publication.
    read: RoTxn<'s, WithoutTls>,
    wtxn: RwTxn<'s>,
    state: WriteState,
    new_ids: NewIds,
    dictionary: DictionaryWriter,
    partitions: Partitions,
    /// The project being added, its id, and its last title.
    current: Option<(String, u16, Option<String>)>,
    value: Vec<u8>,
}

impl<'s> DayPublication<'s> {
    pub fn begin(
        store: &'s EmbeddedStore,
        options: DayPublishOptions<'s>,
    ) -> StoreResult<DayPublication<'s>> {
        let inner = &store.inner;
        store.refresh_slots()?;
        let wtxn = inner.env.write_txn().map_err(engine)?;
        let read = inner.env.read_txn().map_err(engine)?;
        let state = WriteState::read(&inner.tables, &wtxn)?;
        let old = store.dictionary(state.dictionary)?;
        let dictionary = DictionaryWriter::create(&inner.path, old)?;
        let partitions = Partitions::new(inner.path.clone(), options.memory_bytes);
        Ok(DayPublication {
            store,
            options,
            read,
            wtxn,
            state,
            new_ids: NewIds::start(),
            dictionary,
            partitions,
            current: None,
            value: Vec::new(),
        })
    }

    /// The project id of `project`, checking that projects come in ascending order.
    fn enter(&mut self, project: &Project) -> StoreResult<u16> {
        if let Some((name, id, _)) = &self.current {
            match name.as_str().cmp(project.as_str()) {
                std::cmp::Ordering::Equal => return Ok(*id),
                std::cmp::Ordering::Greater => {
                    return Err(StoreError::InvalidWrite(format!(
                        "project {project} after {name}: projects must come in ascending order"
                    )));
                }
                std::cmp::Ordering::Less => {}
            }
        }
        let id = project_id(&self.store.inner.tables, &mut self.wtxn, project)?;
        self.current = Some((project.as_str().to_string(), id, None));
        Ok(id)
    }
}

impl DayPublish for DayPublication<'_> {
    fn add_rows(&mut self, project: &Project, rows: &[(&str, ArticleViews)]) -> StoreResult<()> {
        if rows.is_empty() {
            return Ok(());
        }
        let pid = self.enter(project)?;
        let mut previous = self.current.as_ref().and_then(|c| c.2.as_deref());
        for (title, _) in rows {
            if previous.is_some_and(|p| p >= *title) {
                return Err(StoreError::InvalidWrite(format!(
                    "title {title:?} after {:?} in {project}: titles must be ascending and unique",
                    previous.unwrap_or_default()
                )));
            }
            previous = Some(title);
        }
        let tables = &self.store.inner.tables;
        let (wtxn, state, new_ids) = (&mut self.wtxn, &mut self.state, &mut self.new_ids);
        let titles = rows.iter().map(|(t, _)| t.as_bytes());
        let ids = self.dictionary.ids(pid, titles, || new_ids.next(tables, wtxn, state, pid))?;
        let (day, month) = (self.options.day, self.options.day.year_month());
        for (id, (_, views)) in ids.into_iter().zip(rows) {
            self.value.clear();
            put_month_entries(&mut self.value, month, &[(day, *views)]);
            self.partitions.push(id, &self.value)?;
        }
        self.current.as_mut().expect("entered above").2 = Some(rows[rows.len() - 1].0.to_string());
        Ok(())
    }

    fn commit(self: Box<Self>, rest: &PageviewsBatch) -> StoreResult<WriteSummary> {
        if !rest.article_days.is_empty() || !rest.replace_article_days.is_empty() {
            return Err(StoreError::InvalidWrite(
                "a day's commit carries per-article rows only through add_rows".into(),
            ));
        }
        let DayPublication {
            store,
            options,
            read,
            mut wtxn,
            mut state,
            partitions,
            dictionary,
            ..
        } = *self;
        let tables = &store.inner.tables;
        let (day, month) = (options.day, options.day.year_month());
        let mut kept = match options.keeps_stored_agents() {
            true => Some(StoredDay {
                scan: SegmentScan::day(
                    &store.inner.slots.opened(),
                    &read,
                    &state.manifest,
                    PER_ARTICLE,
                    day,
                )?,
                day,
                rows: Vec::new(),
            }),
            false => None,
        };
        let hidden: HashSet<u32> = match (&kept, options.disallowed.is_empty()) {
            (Some(_), false) => {
                disallowed_ids(tables, &read, dictionary.old(), options.disallowed)?
            }
            _ => HashSet::new(),
        };
        let spilled_bytes = partitions.spilled_bytes();
        let opened = store.inner.slots.opened();
        let segment = state.new_segment_id()?;
        let (slot, table) = allocate(&store.inner.env, &opened, &mut wtxn, &mut state)?;
        let mut writer = SegmentWriter {
            table: crate::blocks::Appender::new(table, crate::blocks::ARTICLE_SHIFT),
            day,
            agents: options.agents,
            hidden,
            rows: 0,
            value: Vec::new(),
        };
        let mut stored = match &mut kept {
            Some(k) => k.next()?,
            None => None,
        };
        partitions.for_each(|id, bytes| {
            let Some(k) = &mut kept else {
                return writer.append(&mut wtxn, id, bytes);
            };
            while let Some((old_id, old)) = stored.filter(|(i, _)| *i < id) {
                writer.merge(&mut wtxn, old_id, None, Some(old))?;
                stored = k.next()?;
            }
            let old = stored.filter(|(i, _)| *i == id).map(|(_, v)| v);
            if old.is_some() {
                stored = k.next()?;
            }
            writer.merge(&mut wtxn, id, Some(bytes), old)
        })?;
        if let Some(k) = &mut kept {
            while let Some((old_id, old)) = stored {
                writer.merge(&mut wtxn, old_id, None, Some(old))?;
                stored = k.next()?;
            }
        }
        writer.table.flush(&mut wtxn)?;
        drop(kept);
        drop(read);
        let bit = day_bit(day);
        let days = if writer.rows > 0 { bit } else { 0 };
        state.manifest.segments.push(Segment::new(PER_ARTICLE, (segment, slot), month, days, bit));
        let mut summary =
            WriteSummary { article_rows: writer.rows, spilled_bytes, ..Default::default() };
        if let Some(number) = dictionary.finish()? {
            state.dictionary = number;
        }
        let dictionary = store.dictionary(state.dictionary)?;
        let mut names = TopNames::new(store.names(state.names)?);
        write_rest(tables, &mut wtxn, (rest, &dictionary, &mut names), &mut summary)?;
        names.finish(&store.inner.path, &mut state)?;
        store.commit(wtxn, &state, Some(aqs_core::table::Dataset::Pageviews))?;
        // The day is published; the merges it calls for follow in a transaction of their own.
        let merging = std::time::Instant::now();
        summary.merge_deferred =
            !store.merge_months(&[(PER_ARTICLE, month)], false, options.merge_until)?;
        summary.merge_millis = merging.elapsed().as_millis() as u64;
        Ok(summary)
    }
}

/// Appends the day's rows to its new segment, in article-id order.
struct SegmentWriter<'a> {
    table: crate::blocks::Appender,
    day: Day,
    /// The agent types the new rows carry.
    agents: &'a [aqs_core::params::Agent],
    /// Articles whose kept rows are dropped (disallowed).
    hidden: HashSet<u32>,
    rows: u64,
    value: Vec<u8>,
}

impl SegmentWriter<'_> {
    fn append(&mut self, wtxn: &mut RwTxn, id: u32, bytes: &[u8]) -> StoreResult<()> {
        self.rows += 1;
        self.table.push(wtxn, id, bytes)
    }

    /// Appends the row of an article from its new row (the loaded agent types) and its stored
    /// one (the kept agent types).
    fn merge(
        &mut self,
        wtxn: &mut RwTxn,
        id: u32,
        new: Option<&[u8]>,
        old: Option<ArticleViews>,
    ) -> StoreResult<()> {
        let month = self.day.year_month();
        let new = match new {
            Some(bytes) => read_month_entries(bytes, month)?.first().map(|(_, v)| *v),
            None => None,
        };
        let old = old.filter(|_| !self.hidden.contains(&id));
        let row = with_kept_agents(new.as_ref(), old.as_ref(), self.agents);
        if row.is_zero() {
            return Ok(());
        }
        let mut value = std::mem::take(&mut self.value);
        value.clear();
        put_month_entries(&mut value, month, &[(self.day, row)]);
        let appended = self.append(wtxn, id, &value);
        self.value = value;
        appended
    }
}

/// A day's stored rows, in article-id order.
struct StoredDay<'r> {
    scan: SegmentScan<'r>,
    day: Day,
    rows: Vec<(Day, ArticleViews)>,
}

impl StoredDay<'_> {
    fn next(&mut self) -> StoreResult<Option<(u32, ArticleViews)>> {
        while let Some(id) = self.scan.next(&mut self.rows)? {
            if let Some((_, views)) = self.rows.iter().find(|(d, _)| *d == self.day) {
                return Ok(Some((id, *views)));
            }
        }
        Ok(None)
    }
}

//! Loading one day of `pageview_complete` files (data-formats §5.1–5.3) through the day
//! pipeline: the agent files are read on their own threads and merged by (project, title);
//! each merged row becomes a per-article row streamed into the store's day publication, and
//! feeds the project's top-list heaps; per-project rows come from the files' hourly counts.
//! The day is published at once at the end, or not at all.

use super::agent_file::{AccessViews, AgentFileOutcome, Mode, Unsorted, read_agent_file};
use super::hours::ProjectHours;
use crate::load::LoadOptions;
use crate::pipeline::batch::{CHANNEL_BATCHES, SortedSink, Source};
use crate::pipeline::merge::{Row, merge};
use crate::pipeline::topk::TopK;
use crate::report::LoadReport;
use crate::top;
use anyhow::{Context, Result, anyhow};
use aqs_core::dates::{Day, TopPeriod};
use aqs_core::pageviews::{
    ArticleViews, DayPublish, DayPublishOptions, PageviewsBatch, PageviewsStore, TOP_ACCESSES,
    TopArticles, TopRow, access_views,
};
use aqs_core::params::{Access, Agent};
use aqs_core::project::Project;
use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

/// Per-article rows handed to the store at a time.
const ROWS_PER_CALL: usize = 16_384;
const ACCESSES: [Access; 3] = [Access::Desktop, Access::MobileWeb, Access::MobileApp];

/// Loads one day's agent files and publishes the day. A file found out of order is read again
/// sorted (in bounded memory, spilling to disk).
pub fn load_day(
    store: &dyn PageviewsStore,
    day: Day,
    files: &[(Agent, PathBuf)],
    options: &LoadOptions<'_>,
    report: &mut LoadReport,
) -> Result<()> {
    let mut sorted = vec![false; files.len()];
    // The day's time, which its merges aim to keep within --day-seconds, counts from here,
    // also when a file is read again sorted.
    let merge_until = options.day_seconds.map(|seconds| Instant::now() + seconds);
    loop {
        match attempt(store, day, files, &sorted, options, merge_until) {
            Ok(day_report) => {
                report.absorb(day_report);
                return Ok(());
            }
            Err(e) => match e.downcast_ref::<Unsorted>() {
                Some(u) if !sorted[u.file] => {
                    let note = format!("{} (read again, sorted)", u.detail);
                    report.resorted.push(note);
                    sorted[u.file] = true;
                }
                _ => return Err(e),
            },
        }
    }
}

fn attempt(
    store: &dyn PageviewsStore,
    day: Day,
    files: &[(Agent, PathBuf)],
    sorted: &[bool],
    options: &LoadOptions<'_>,
    merge_until: Option<Instant>,
) -> Result<LoadReport> {
    let started = Instant::now();
    let cancel = AtomicBool::new(false);
    let agents: Vec<Agent> = files.iter().map(|(a, _)| *a).collect();
    let sort_budget = options.memory_bytes / 2 / files.len().max(1);
    std::thread::scope(|scope| {
        let mut handles = Vec::new();
        let mut receivers = Vec::new();
        for (i, (agent, path)) in files.iter().enumerate() {
            let (tx, rx) = std::sync::mpsc::sync_channel(CHANNEL_BATCHES);
            let mode = match sorted[i] {
                false => Mode::Streamed,
                true => {
                    Mode::Sorted { spill_parent: options.spill_dir.clone(), budget: sort_budget }
                }
            };
            let cancel = &cancel;
            handles.push(Some(scope.spawn(move || {
                read_agent_file(i, path, *agent, options, &mode, SortedSink::new(tx), cancel)
            })));
            receivers.push(rx);
        }
        let mut sources: Vec<Source<AccessViews>> =
            receivers.into_iter().map(Source::new).collect();
        let result = publish(
            store,
            (day, merge_until),
            &agents,
            &mut sources,
            &mut handles,
            options,
            started,
        );
        if result.is_err() {
            cancel.store(true, Ordering::Relaxed);
        }
        // Parsers blocked on a full channel stop once their receiver is gone.
        drop(sources);
        for handle in handles.into_iter().flatten() {
            let _ = handle.join();
        }
        result
    })
}

type Handle<'scope> = std::thread::ScopedJoinHandle<'scope, Result<AgentFileOutcome>>;

fn publish(
    store: &dyn PageviewsStore,
    (day, merge_until): (Day, Option<Instant>),
    agents: &[Agent],
    sources: &mut [Source<AccessViews>],
    handles: &mut [Option<Handle<'_>>],
    options: &LoadOptions<'_>,
    started: Instant,
) -> Result<LoadReport> {
    let publication = store
        .begin_day(DayPublishOptions {
            day,
            agents,
            disallowed: options.disallowed,
            memory_bytes: options.memory_bytes / 2,
            merge_until,
        })
        .with_context(|| format!("cannot start storing {day}"))?;
    let mut writer = DayWriter::new(publication, TopPeriod::Day(day), agents, options);
    let mut report = LoadReport::default();
    let mut hours = ProjectHours::default();
    let mut read_seconds = 0.0;
    let mut rows = 0u64;
    merge(
        sources,
        |i| {
            let handle = handles[i].take().ok_or_else(|| anyhow!("file {i} ended twice"))?;
            let outcome = handle.join().map_err(|_| anyhow!("a parser thread panicked"))??;
            report.absorb(outcome.report);
            hours.absorb(outcome.hours);
            read_seconds = started.elapsed().as_secs_f64();
            Ok(())
        },
        |row| {
            // The files may be read to their end long before the rows are stored (a disk-bound
            // store), so an interrupt is looked for here too, not only while reading.
            if rows % 65_536 == 0 && options.progress.cancelled() {
                return Err(anyhow!(crate::load::Interrupted));
            }
            rows += 1;
            writer.add(row)
        },
    )?;
    let (publication, top_rows, disallowed_rows) = writer.finish()?;
    if options.progress.cancelled() {
        return Err(anyhow!(crate::load::Interrupted));
    }
    let kept: Vec<Agent> = Agent::CONCRETE.into_iter().filter(|a| !agents.contains(a)).collect();
    if !kept.is_empty() {
        hours.keep_stored(&store.project_day(day)?, &kept);
    }
    let rest = PageviewsBatch {
        replace_project_days: vec![day],
        project_rows: hours.rows(day),
        top_rows,
        ..Default::default()
    };
    options.progress.day_publishing(day);
    let commit_started = Instant::now();
    let summary = publication.commit(&rest).with_context(|| format!("cannot store {day}"))?;
    report.store_seconds += commit_started.elapsed().as_secs_f64();
    report.article_rows += summary.article_rows;
    report.project_rows += summary.project_rows;
    report.top_rows += summary.top_rows;
    report.spilled_bytes += summary.spilled_bytes;
    report.merge_seconds += summary.merge_millis as f64 / 1000.0;
    report.merges_deferred += u64::from(summary.merge_deferred);
    report.disallowed_rows += disallowed_rows;
    report.days.push(day);
    report.parse_seconds += read_seconds;
    report.write_seconds += started.elapsed().as_secs_f64();
    options.progress.day_published(day);
    Ok(report)
}

/// The project whose rows are being merged.
struct CurrentProject {
    name: Arc<str>,
    project: Project,
    /// The lower-cased disallowed titles of the project (most projects have none).
    disallowed: HashSet<String>,
    /// Heaps of user views per access of [`TOP_ACCESSES`].
    tops: Vec<TopK>,
}

/// Turns merged rows into per-article rows for the publication, and top lists.
struct DayWriter<'a, 's> {
    publication: Box<dyn DayPublish + 's>,
    agents: &'a [Agent],
    /// The source that holds user views, when the user file is loaded.
    user_source: Option<usize>,
    options: &'a LoadOptions<'a>,
    current: Option<CurrentProject>,
    titles: String,
    rows: Vec<(usize, ArticleViews)>,
    top_rows: Vec<TopRow>,
    period: TopPeriod,
    disallowed_rows: u64,
}

impl<'a, 's> DayWriter<'a, 's> {
    fn new(
        publication: Box<dyn DayPublish + 's>,
        period: TopPeriod,
        agents: &'a [Agent],
        options: &'a LoadOptions<'a>,
    ) -> Self {
        DayWriter {
            publication,
            agents,
            user_source: agents.iter().position(|a| *a == Agent::User),
            options,
            current: None,
            titles: String::new(),
            rows: Vec::with_capacity(ROWS_PER_CALL),
            top_rows: Vec::new(),
            period,
            disallowed_rows: 0,
        }
    }

    fn add(&mut self, row: Row<'_, AccessViews>) -> Result<()> {
        if self
            .current
            .as_ref()
            .is_none_or(|c| !Arc::ptr_eq(&c.name, row.group) && *c.name != **row.group)
        {
            self.end_project()?;
            self.start_project(row.group);
        }
        let current = self.current.as_mut().expect("started above");
        if !current.disallowed.is_empty() && current.disallowed.contains(&row.key.to_lowercase()) {
            self.disallowed_rows += 1;
            return Ok(());
        }
        let mut views = ArticleViews::default();
        for (value, agent) in row.values.iter().zip(self.agents) {
            if let Some(value) = value {
                for (access, n) in ACCESSES.iter().zip(value) {
                    if *n > 0 {
                        views.add(*access, *agent, *n);
                    }
                }
            }
        }
        if views.is_zero() {
            return Ok(());
        }
        if let Some(Some(user)) = self.user_source.map(|i| row.values[i]) {
            if row.key != "-" {
                let user = user.map(u64::from);
                for (heap, (_, slot)) in current.tops.iter_mut().zip(TOP_ACCESSES) {
                    let v = access_views(&user, slot);
                    if v > 0 {
                        heap.offer(v, row.key);
                    }
                }
            }
        }
        self.titles.push_str(row.key);
        self.rows.push((self.titles.len(), views));
        if self.rows.len() >= ROWS_PER_CALL {
            self.flush()?;
        }
        Ok(())
    }

    fn start_project(&mut self, name: &Arc<str>) {
        let disallowed =
            self.options.disallowed.lowercase_titles_of(name).map(str::to_string).collect();
        self.current = Some(CurrentProject {
            name: Arc::clone(name),
            project: Project::from_stored(name.to_string()),
            disallowed,
            tops: TOP_ACCESSES.iter().map(|_| TopK::new(top::TOP_SIZE + 1)).collect(),
        });
    }

    fn flush(&mut self) -> Result<()> {
        let Some(current) = &self.current else { return Ok(()) };
        let mut start = 0;
        let rows: Vec<(&str, ArticleViews)> = self
            .rows
            .iter()
            .map(|(end, views)| {
                let title = &self.titles[start..*end];
                start = *end;
                (title, *views)
            })
            .collect();
        self.publication.add_rows(&current.project, &rows)?;
        self.rows.clear();
        self.titles.clear();
        Ok(())
    }

    fn end_project(&mut self) -> Result<()> {
        self.flush()?;
        let Some(current) = self.current.take() else { return Ok(()) };
        if self.user_source.is_none() {
            return Ok(());
        }
        let period = self.period;
        for (heap, (access, _)) in current.tops.into_iter().zip(TOP_ACCESSES) {
            if heap.is_empty() {
                continue;
            }
            let entries = heap.into_entries();
            let items: Vec<(&str, u64)> = entries.iter().map(|(t, v)| (t.as_str(), *v)).collect();
            self.top_rows.push(TopRow {
                project: current.project.clone(),
                access,
                period,
                articles: TopArticles::List(top::rank(items)),
            });
        }
        Ok(())
    }

    /// Ends the last project; returns the publication, the day's top lists (empty when the
    /// user file is not loaded: stored lists then stay) and the disallowed rows left out.
    fn finish(mut self) -> Result<(Box<dyn DayPublish + 's>, Vec<TopRow>, u64)> {
        self.end_project()?;
        Ok((self.publication, self.top_rows, self.disallowed_rows))
    }
}

//! Loading dump files into a store (data-formats §5.1–5.3).
//!
//! Files are grouped by day. Each day is parsed (its agent files in parallel), merged with the
//! stored agents it does not replace, turned into per-article rows, per-project rows with
//! every rollup, and top lists, and published as one atomic batch. When a load completes a
//! month, the month's per-project rows and top lists are computed from the stored days and
//! published too.

use crate::input::{base_name, open_dump};
use crate::lists::{Allowlist, Disallowed};
use crate::report::LoadReport;
use crate::{pageview_complete, projectviews, top};
use anyhow::{Context, Result, bail};
use aqs_core::dates::{Day, Hour, TopPeriod, YearMonth};
use aqs_core::pageviews::{
    ArticleDay, ArticleViews, PageviewsBatch, PageviewsStore, Period, ProjectRow, TopArticles,
    TopRow,
};
use aqs_core::params::{Access, Agent};
use aqs_core::project::Project;
use rustc_hash::FxHashMap;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::time::Instant;

/// The dump formats `aqs load` reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DumpFormat {
    PageviewComplete,
    Projectviews,
}

impl DumpFormat {
    pub fn parse(name: &str) -> Option<DumpFormat> {
        match name {
            "pageview-complete" => Some(DumpFormat::PageviewComplete),
            "projectviews" => Some(DumpFormat::Projectviews),
            _ => None,
        }
    }
}

/// Receives progress while files are read.
pub trait Progress: Sync {
    fn file_started(&self, _path: &Path, _total_bytes: u64) {}
    fn file_advanced(&self, _path: &Path, _bytes_read: u64) {}
    fn file_finished(&self, _path: &Path) {}
    /// A day is parsed and about to be written.
    fn day_publishing(&self, _day: Day) {}
    fn day_published(&self, _day: Day) {}
}

/// Progress that goes nowhere.
pub struct NoProgress;
impl Progress for NoProgress {}

/// How a load treats its input.
pub struct LoadOptions<'a> {
    pub allowlist: &'a Allowlist,
    pub disallowed: &'a Disallowed,
    /// The largest share of malformed lines a file may have before the load fails.
    pub max_bad_share: f64,
    /// Read every file as this format instead of telling it from the name.
    pub format: Option<DumpFormat>,
    pub progress: &'a dyn Progress,
}

/// A file with what its name says.
enum Input {
    Daily { path: PathBuf, file: pageview_complete::DailyFile },
    Hourly { path: PathBuf, hour: Hour },
}

fn expand(paths: &[PathBuf]) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for path in paths {
        if path.is_dir() {
            let mut entries: Vec<PathBuf> = std::fs::read_dir(path)
                .with_context(|| format!("cannot list {}", path.display()))?
                .map(|e| e.map(|e| e.path()))
                .collect::<std::io::Result<_>>()?;
            entries.sort();
            out.extend(expand(&entries)?);
        } else if path.exists() {
            out.push(path.clone());
        } else {
            bail!("{}: no such file or directory", path.display());
        }
    }
    Ok(out)
}

fn classify(paths: &[PathBuf], format: Option<DumpFormat>, from_dirs: bool) -> Result<Vec<Input>> {
    let mut inputs = Vec::new();
    for path in paths {
        let base = base_name(path);
        let daily = pageview_complete::parse_file_name(base);
        let hourly = projectviews::parse_file_name(base);
        match (format, daily, hourly) {
            (None | Some(DumpFormat::PageviewComplete), Some(file), _) => {
                inputs.push(Input::Daily { path: path.clone(), file })
            }
            (None | Some(DumpFormat::Projectviews), _, Some(hour)) => {
                inputs.push(Input::Hourly { path: path.clone(), hour })
            }
            // Inside a directory, files of other kinds are passed over.
            _ if from_dirs && format.is_none() => {}
            (Some(DumpFormat::PageviewComplete), ..) => bail!(
                "{}: a pageview_complete file must keep its public name, pageviews-YYYYMMDD-{{user|spider|automated}}[.bz2|.gz], which says its day and agent type",
                path.display()
            ),
            (Some(DumpFormat::Projectviews), ..) => bail!(
                "{}: a projectviews file must keep its public name, projectviews-YYYYMMDD-HH0000[.gz|.bz2], which says its hour",
                path.display()
            ),
            (None, ..) => bail!(
                "{}: not a known dump file name (expected pageviews-YYYYMMDD-AGENT.bz2 or projectviews-YYYYMMDD-HH0000); pass --format to read it anyway",
                path.display()
            ),
        }
    }
    Ok(inputs)
}

/// Counters of one day, as parsed. The project map uses FxHash: keys come from the operator's
/// own dump files, and SipHash cost a twentieth of the load.
#[derive(Default)]
pub struct DayCounts {
    projects: FxHashMap<String, ProjectCounts>,
}

/// One project's counters of a day.
struct ProjectCounts {
    /// (title, views). Dump lines come sorted by title, so a line adds to the last entry or
    /// appends one: no hashing. Once counting ends ([`ProjectCounts::finish`]) titles are
    /// ascending and unique, whatever the input order was.
    titles: Vec<(String, ArticleViews)>,
    /// Whether titles arrived in ascending order so far.
    sorted: bool,
    /// Views per hour of each concrete (access, agent), at [`slot`].
    hours: [[u64; 24]; 9],
}

/// The index of a concrete (access, agent) pair in [`ProjectCounts::hours`].
/// Callers pass concrete values only (dump lines and file names carry no `all-*`).
fn slot(access: Access, agent: Agent) -> usize {
    debug_assert!(access != Access::AllAccess && agent != Agent::AllAgents);
    let a = match access {
        Access::Desktop | Access::AllAccess => 0,
        Access::MobileWeb => 1,
        Access::MobileApp => 2,
    };
    let g = match agent {
        Agent::User | Agent::AllAgents => 0,
        Agent::Spider => 1,
        Agent::Automated => 2,
    };
    a * 3 + g
}

impl Default for ProjectCounts {
    fn default() -> Self {
        ProjectCounts { titles: Vec::new(), sorted: true, hours: [[0; 24]; 9] }
    }
}

impl ProjectCounts {
    fn add(&mut self, title: std::borrow::Cow<'_, str>, access: Access, agent: Agent, views: u32) {
        match self.titles.last().map(|(t, _)| t.as_str().cmp(title.as_ref())) {
            Some(std::cmp::Ordering::Equal) => {
                if let Some((_, v)) = self.titles.last_mut() {
                    v.add(access, agent, views);
                }
            }
            order => {
                self.sorted &= order != Some(std::cmp::Ordering::Greater);
                let mut v = ArticleViews::default();
                v.add(access, agent, views);
                self.titles.push((title.into_owned(), v));
            }
        }
    }

    /// Sorts titles and merges repeated ones, unless they arrived in order.
    fn finish(&mut self) {
        if !self.sorted {
            let titles = std::mem::take(&mut self.titles);
            let mut sorted: Vec<(String, ArticleViews)> = Vec::with_capacity(titles.len());
            let mut titles = titles;
            titles.sort_by(|a, b| a.0.cmp(&b.0));
            for (title, views) in titles {
                match sorted.last_mut() {
                    Some((t, v)) if *t == title => *v = sum_views(v, &views),
                    _ => sorted.push((title, views)),
                }
            }
            self.titles = sorted;
            self.sorted = true;
        }
    }
}

/// The sum of two rows' counters (concrete columns added, rollups rebuilt).
fn sum_views(a: &ArticleViews, b: &ArticleViews) -> ArticleViews {
    let mut concrete = a.concrete();
    for (x, y) in concrete.iter_mut().zip(b.concrete()) {
        *x = x.saturating_add(y);
    }
    ArticleViews::from_concrete(concrete)
}

/// Merges two title lists, each ascending and unique, into one: `combine` makes the row of a
/// title from its row in `a`, in `b`, or in both.
fn merge_sorted(
    a: Vec<(String, ArticleViews)>,
    b: Vec<(String, ArticleViews)>,
    mut combine: impl FnMut(Option<&ArticleViews>, Option<&ArticleViews>) -> ArticleViews,
) -> Vec<(String, ArticleViews)> {
    let mut out = Vec::with_capacity(a.len().max(b.len()));
    let (mut a, mut b) = (a.into_iter().peekable(), b.into_iter().peekable());
    loop {
        let order = match (a.peek(), b.peek()) {
            (None, None) => break,
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (Some(x), Some(y)) => x.0.cmp(&y.0),
        };
        match order {
            std::cmp::Ordering::Less => {
                let (t, v) = a.next().expect("peeked");
                out.push((t, combine(Some(&v), None)));
            }
            std::cmp::Ordering::Greater => {
                let (t, v) = b.next().expect("peeked");
                out.push((t, combine(None, Some(&v))));
            }
            std::cmp::Ordering::Equal => {
                let ((t, x), (_, y)) = (a.next().expect("peeked"), b.next().expect("peeked"));
                out.push((t, combine(Some(&x), Some(&y))));
            }
        }
    }
    out
}

impl DayCounts {
    /// The number of distinct (project, title) pairs counted.
    pub fn article_count(&self) -> usize {
        self.projects.values().map(|p| p.titles.len()).sum()
    }

    fn project(&mut self, name: &str) -> &mut ProjectCounts {
        if !self.projects.contains_key(name) {
            self.projects.insert(name.to_string(), ProjectCounts::default());
        }
        self.projects.get_mut(name).expect("inserted above")
    }
}

fn check_bad_share(path: &Path, report: &LoadReport, max: f64) -> Result<()> {
    let bad = report.skipped_total();
    if report.lines_read > 0 && bad as f64 > max * report.lines_read as f64 {
        bail!(
            "{}: {bad} of {} lines are malformed ({:.2} %), more than the allowed {:.2} % (--max-bad-share); first: {}",
            path.display(),
            report.lines_read,
            100.0 * bad as f64 / report.lines_read as f64,
            100.0 * max,
            report.examples.first().map(String::as_str).unwrap_or("-")
        );
    }
    Ok(())
}

/// Reads the lines of a dump, calling `each(line_number, line)`; invalid UTF-8 is reported as
/// a skipped line. Read errors (a truncated file) fail with the file and line.
fn for_each_line(
    reader: &mut dyn BufRead,
    path: &Path,
    report: &mut LoadReport,
    mut progress: impl FnMut(),
    mut each: impl FnMut(u64, &str, &mut LoadReport),
) -> Result<()> {
    let mut buf = Vec::with_capacity(256);
    let mut number = 0u64;
    loop {
        buf.clear();
        let n = reader.read_until(b'\n', &mut buf).with_context(|| {
            format!(
                "{}: cannot read past line {number}: the file is truncated or corrupt",
                path.display()
            )
        })?;
        if n == 0 {
            break;
        }
        number += 1;
        if number % 65_536 == 0 {
            progress();
        }
        let line = buf.strip_suffix(b"\n").unwrap_or(&buf);
        report.lines_read += 1;
        match std::str::from_utf8(line) {
            Ok(text) => each(number, text, report),
            Err(_) => report.skip("not UTF-8", || format!("{}:{number}", path.display())),
        }
    }
    report.files += 1;
    Ok(())
}

/// Reads a dump file (decompressing it) line by line, with progress.
fn for_each_file_line(
    path: &Path,
    progress: &dyn Progress,
    report: &mut LoadReport,
    each: impl FnMut(u64, &str, &mut LoadReport),
) -> Result<()> {
    progress.file_started(path, std::fs::metadata(path).map(|m| m.len()).unwrap_or(0));
    let (mut reader, bytes_read) = open_dump(path)?;
    for_each_line(
        &mut reader,
        path,
        report,
        || progress.file_advanced(path, bytes_read.load(Ordering::Relaxed)),
        each,
    )?;
    progress.file_finished(path);
    Ok(())
}

fn parse_daily_file(
    path: &Path,
    agent: Agent,
    options: &LoadOptions<'_>,
) -> Result<(DayCounts, LoadReport)> {
    let progress = options.progress;
    progress.file_started(path, std::fs::metadata(path).map(|m| m.len()).unwrap_or(0));
    let (mut reader, bytes_read) = open_dump(path)?;
    let advanced = || progress.file_advanced(path, bytes_read.load(Ordering::Relaxed));
    let out = count_daily(&mut reader, path, agent, options, advanced)?;
    progress.file_finished(path);
    Ok(out)
}

/// Parses and counts one daily `pageview_complete` file of one agent type, already
/// decompressed; `path` names it in reports. Fails past `options.max_bad_share` bad lines.
pub fn parse_daily(
    reader: &mut dyn BufRead,
    path: &Path,
    agent: Agent,
    options: &LoadOptions<'_>,
) -> Result<(DayCounts, LoadReport)> {
    count_daily(reader, path, agent, options, || {})
}

fn count_daily(
    reader: &mut dyn BufRead,
    path: &Path,
    agent: Agent,
    options: &LoadOptions<'_>,
    progress: impl FnMut(),
) -> Result<(DayCounts, LoadReport)> {
    let mut counts = DayCounts::default();
    let mut report = LoadReport::default();
    // Lines come sorted by project: the current project's counters (and whether the allowlist
    // has it) stay out of the map until the project changes, so a line costs one hash lookup.
    let mut current: Option<(String, ProjectCounts, bool)> = None;
    for_each_line(reader, path, &mut report, progress, |number, text, report| {
        if text.is_empty() {
            return report.skip("empty line", || format!("{}:{number}", path.display()));
        }
        let line = match pageview_complete::parse_line(text) {
            Ok(line) => line,
            Err(e) => {
                return report.skip(&e.to_string(), || format!("{}:{number}", path.display()));
            }
        };
        if current.as_ref().is_none_or(|(name, ..)| *name != line.project) {
            if let Some((name, project, true)) = current.take() {
                counts.projects.insert(name, project);
            }
            let name = line.project.to_string();
            let allowed = options.allowlist.allows(&name);
            let project = if allowed {
                counts.projects.remove(&name).unwrap_or_default()
            } else {
                ProjectCounts::default()
            };
            current = Some((name, project, allowed));
        }
        let (name, project, allowed) = current.as_mut().expect("set above");
        if !*allowed {
            *report.unexpected_domains.entry(name.clone()).or_default() += 1;
            return;
        }
        project.add(line.title, line.access, agent, line.total);
        for (h, n) in project.hours[slot(line.access, agent)].iter_mut().zip(line.hours) {
            *h += u64::from(n);
        }
    })?;
    if let Some((name, project, true)) = current {
        counts.projects.insert(name, project);
    }
    for project in counts.projects.values_mut() {
        project.finish();
    }
    check_bad_share(path, &report, options.max_bad_share)?;
    Ok((counts, report))
}

fn merge_counts(into: &mut DayCounts, from: DayCounts) {
    for (name, from) in from.projects {
        let target = into.project(&name);
        let titles = std::mem::take(&mut target.titles);
        target.titles = merge_sorted(titles, from.titles, |a, b| match (a, b) {
            (Some(a), Some(b)) => sum_views(a, b),
            (Some(v), None) | (None, Some(v)) => *v,
            (None, None) => ArticleViews::default(),
        });
        for (t, f) in target.hours.iter_mut().zip(from.hours) {
            for (a, b) in t.iter_mut().zip(f) {
                *a += b;
            }
        }
    }
}

/// Adds `values` of a concrete (project, access, agent) to the 8 grouping sets of the
/// per-project table: every combination of the project or `all-projects`, the access or
/// `all-access`, the agent or `all-agents`.
fn add_rollups<const N: usize>(
    out: &mut HashMap<(String, Access, Agent), [u64; N]>,
    project: &str,
    access: Access,
    agent: Agent,
    values: &[u64; N],
) {
    for p in [project, "all-projects"] {
        for a in [access, Access::AllAccess] {
            for g in [agent, Agent::AllAgents] {
                let slot = out.entry((p.to_string(), a, g)).or_insert([0; N]);
                for (s, v) in slot.iter_mut().zip(values) {
                    *s += v;
                }
            }
        }
    }
}

/// Hourly and daily per-project rows (with rollups) from concrete hourly counts.
fn project_rows_of_day(day: Day, counts: &DayCounts) -> Vec<ProjectRow> {
    let mut rolled = HashMap::new();
    for (name, project) in &counts.projects {
        for &access in &Access::CONCRETE {
            for &agent in &Agent::CONCRETE {
                let hours = &project.hours[slot(access, agent)];
                if hours.iter().any(|&h| h > 0) {
                    add_rollups(&mut rolled, name, access, agent, hours);
                }
            }
        }
    }
    let mut rows = Vec::new();
    for ((project, access, agent), values) in rolled {
        let project = Project::from_stored(project);
        for (hour, &views) in values.iter().enumerate() {
            if views > 0 {
                let period = Period::Hour(Hour { day, hour: hour as u8 });
                rows.push(ProjectRow { project: project.clone(), access, agent, period, views });
            }
        }
        let total: u64 = values.iter().sum();
        if total > 0 {
            rows.push(ProjectRow {
                project,
                access,
                agent,
                period: Period::Day(day),
                views: total,
            });
        }
    }
    rows
}

/// User views per concrete access of every (project, title), for top lists.
type UserViews = HashMap<String, HashMap<String, [u64; 3]>>;

fn add_user_views(
    into: &mut UserViews,
    project: &str,
    title: &str,
    views: &ArticleViews,
    disallowed: &Disallowed,
) {
    if disallowed.contains(project, title) {
        return;
    }
    let Some(user) = user_views(title, views) else { return };
    let slot =
        into.entry(project.to_string()).or_default().entry(title.to_string()).or_insert([0; 3]);
    for (s, v) in slot.iter_mut().zip(user) {
        *s += v;
    }
}

/// User views per concrete access (desktop, mobile-web, mobile-app) of a row, or `None` when
/// the row cannot enter a top list (the `-` title, or no user views).
fn user_views(title: &str, views: &ArticleViews) -> Option<[u64; 3]> {
    let user = Access::CONCRETE.map(|a| u64::from(views.get(a, Agent::User)));
    (title != "-" && user.iter().any(|&v| v > 0)).then_some(user)
}

/// The four top lists (all-access and each access) of one project, from its titles' user
/// views per concrete access.
fn project_top_rows(
    period: TopPeriod,
    project: &Project,
    titles: &[(&str, [u64; 3])],
    out: &mut Vec<TopRow>,
) {
    for (slot, access) in [
        (None, Access::AllAccess),
        (Some(0), Access::Desktop),
        (Some(1), Access::MobileWeb),
        (Some(2), Access::MobileApp),
    ] {
        let items: Vec<(&str, u64)> = titles
            .iter()
            .map(|(t, v)| (*t, slot.map_or_else(|| v.iter().sum(), |i| v[i])))
            .filter(|(_, v)| *v > 0)
            .collect();
        if !items.is_empty() {
            out.push(TopRow {
                project: project.clone(),
                access,
                period,
                articles: TopArticles::List(top::rank(items)),
            });
        }
    }
}

fn top_rows(period: TopPeriod, user: UserViews) -> Vec<TopRow> {
    let mut rows = Vec::new();
    for (project, titles) in &user {
        let titles: Vec<(&str, [u64; 3])> = titles.iter().map(|(t, v)| (t.as_str(), *v)).collect();
        project_top_rows(period, &Project::from_stored(project.clone()), &titles, &mut rows);
    }
    rows
}

/// Loads dump files into a store and reports what it did.
pub fn load_files(
    store: &dyn PageviewsStore,
    paths: &[PathBuf],
    options: &LoadOptions<'_>,
) -> Result<LoadReport> {
    let started = Instant::now();
    let from_dirs = paths.iter().any(|p| p.is_dir());
    let inputs = classify(&expand(paths)?, options.format, from_dirs)?;
    if inputs.is_empty() {
        bail!(
            "no dump files found in {}",
            paths.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", ")
        );
    }
    let mut daily: BTreeMap<Day, Vec<(Agent, PathBuf)>> = BTreeMap::new();
    let mut hourly: BTreeMap<Day, Vec<(Hour, PathBuf)>> = BTreeMap::new();
    for input in inputs {
        match input {
            Input::Daily { path, file } => {
                daily.entry(file.day).or_default().push((file.agent, path))
            }
            Input::Hourly { path, hour } => hourly.entry(hour.day).or_default().push((hour, path)),
        }
    }
    let mut report = LoadReport::default();
    for (day, files) in &daily {
        let agents: BTreeSet<Agent> = files.iter().map(|(a, _)| *a).collect();
        if agents.len() != files.len() {
            bail!("{day}: two files of the same agent type were given");
        }
    }
    // Days are parsed one ahead of the day being written, so reading and writing overlap.
    std::thread::scope(|scope| -> Result<()> {
        let (parsed_tx, parsed_rx) = std::sync::mpsc::sync_channel(1);
        let daily = &daily;
        scope.spawn(move || {
            for (day, files) in daily {
                let started = Instant::now();
                let parsed = parse_day(files, options);
                let failed = parsed.is_err();
                if parsed_tx.send((*day, files, parsed, started.elapsed())).is_err() || failed {
                    break;
                }
            }
        });
        for (day, files, parsed, parse_time) in parsed_rx {
            let (counts, parsed_report) = parsed?;
            report.absorb(parsed_report);
            report.parse_seconds += parse_time.as_secs_f64();
            write_day(store, day, files, counts, options, &mut report)?;
            options.progress.day_published(day);
        }
        Ok(())
    })?;
    for (day, files) in &hourly {
        load_projectviews_day(store, *day, files, options, &mut report)?;
    }
    let months: BTreeSet<YearMonth> = daily.keys().map(|d| d.year_month()).collect();
    let rollup_started = Instant::now();
    roll_up_complete_months(store, &months, options, &mut report)?;
    report.rollup_seconds = rollup_started.elapsed().as_secs_f64();
    report.seconds = started.elapsed().as_secs_f64();
    Ok(report)
}

/// Parses a day's files in parallel, one thread each, and adds their counts up.
fn parse_day(
    files: &[(Agent, PathBuf)],
    options: &LoadOptions<'_>,
) -> Result<(DayCounts, LoadReport)> {
    let results: Vec<Result<(DayCounts, LoadReport)>> = std::thread::scope(|scope| {
        let handles: Vec<_> = files
            .iter()
            .map(|(agent, path)| scope.spawn(move || parse_daily_file(path, *agent, options)))
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|_| Err(anyhow::anyhow!("a parser thread failed"))))
            .collect()
    });
    let mut counts = DayCounts::default();
    let mut report = LoadReport::default();
    for result in results {
        let (file_counts, file_report) = result?;
        merge_counts(&mut counts, file_counts);
        report.absorb(file_report);
    }
    Ok((counts, report))
}

/// Merges a parsed day with the agents it does not replace, and publishes it in one batch.
fn write_day(
    store: &dyn PageviewsStore,
    day: Day,
    files: &[(Agent, PathBuf)],
    mut counts: DayCounts,
    options: &LoadOptions<'_>,
    report: &mut LoadReport,
) -> Result<()> {
    let write_started = Instant::now();

    // Agents not in this load keep their stored values.
    let loaded_agents: BTreeSet<Agent> = files.iter().map(|(a, _)| *a).collect();
    let kept_agents: Vec<Agent> =
        Agent::CONCRETE.into_iter().filter(|a| !loaded_agents.contains(a)).collect();
    if !kept_agents.is_empty() && store.article_days_loaded()?.contains(&day) {
        for stored in store.article_day(day)? {
            let mut rows = stored.rows;
            // The store answers titles ascending; do not rely on it.
            if !rows.is_sorted_by(|a, b| a.0 < b.0) {
                rows.sort_by(|a, b| a.0.cmp(&b.0));
                rows.dedup_by(|a, b| a.0 == b.0);
            }
            let project = counts.project(stored.project.as_str());
            let titles = std::mem::take(&mut project.titles);
            project.titles = merge_sorted(titles, rows, |new, old| {
                let mut row = new.copied().unwrap_or_default();
                if let Some(old) = old {
                    for &agent in &kept_agents {
                        row.replace_agent(agent, old);
                    }
                }
                row
            });
        }
        for row in store.project_day(day)? {
            let Period::Hour(hour) = row.period else { continue };
            let concrete = row.project.as_str() != "all-projects"
                && row.access != Access::AllAccess
                && kept_agents.contains(&row.agent);
            if concrete {
                counts.project(row.project.as_str()).hours[slot(row.access, row.agent)]
                    [usize::from(hour.hour)] = row.views;
            }
        }
    }

    let mut batch = PageviewsBatch {
        replace_article_days: vec![day],
        replace_project_days: vec![day],
        ..Default::default()
    };
    let project_rows = project_rows_of_day(day, &counts);
    let mut projects: Vec<(String, Vec<(String, ArticleViews)>)> =
        counts.projects.into_iter().map(|(name, p)| (name, p.titles)).collect();
    projects.sort_by(|a, b| a.0.cmp(&b.0));
    for (project, titles) in projects {
        let mut rows: Vec<(String, ArticleViews)> = Vec::with_capacity(titles.len());
        for (title, views) in titles {
            if views.is_zero() {
                continue;
            }
            if options.disallowed.contains(&project, &title) {
                report.disallowed_rows += 1;
                continue;
            }
            rows.push((title, views));
        }
        // Titles are ascending and unique (ProjectCounts::finish).
        batch.article_days.push(ArticleDay { day, project: Project::from_stored(project), rows });
    }
    batch.project_rows = project_rows;
    // Top lists from the rows themselves: within a day a title is one row of its project.
    for article_day in &batch.article_days {
        let titles: Vec<(&str, [u64; 3])> = article_day
            .rows
            .iter()
            .filter_map(|(t, v)| user_views(t, v).map(|u| (t.as_str(), u)))
            .collect();
        project_top_rows(TopPeriod::Day(day), &article_day.project, &titles, &mut batch.top_rows);
    }
    options.progress.day_publishing(day);
    let store_started = Instant::now();
    let summary = store.write(&batch).with_context(|| format!("cannot store {day}"))?;
    report.store_seconds += store_started.elapsed().as_secs_f64();
    report.article_rows += summary.article_rows;
    report.project_rows += summary.project_rows;
    report.top_rows += summary.top_rows;
    report.days.push(day);
    report.write_seconds += write_started.elapsed().as_secs_f64();
    Ok(())
}

/// Hourly projectviews: user views on desktop and on mobile (web and app merged), so only the
/// `desktop`/`user` and `all-access`/`user` series of each project and of `all-projects` can be
/// written from them (docs/compatibility.md).
fn load_projectviews_day(
    store: &dyn PageviewsStore,
    day: Day,
    files: &[(Hour, PathBuf)],
    options: &LoadOptions<'_>,
    report: &mut LoadReport,
) -> Result<()> {
    let mut sums: BTreeMap<(String, Access, Hour), u64> = BTreeMap::new();
    for (hour, path) in files {
        let mut file_report = LoadReport::default();
        for_each_file_line(path, options.progress, &mut file_report, |number, text, report| {
            if text.is_empty() {
                return report.skip("empty line", || format!("{}:{number}", path.display()));
            }
            match projectviews::parse_line(text) {
                Err(e) => report.skip(&e.to_string(), || format!("{}:{number}", path.display())),
                Ok(line) if !options.allowlist.allows(&line.code.project) => {
                    *report.unexpected_domains.entry(line.code.project).or_default() += 1;
                }
                Ok(line) => {
                    for project in [line.code.project.as_str(), "all-projects"] {
                        let mut accesses = vec![Access::AllAccess];
                        if !line.code.mobile {
                            accesses.push(Access::Desktop);
                        }
                        for access in accesses {
                            *sums.entry((project.to_string(), access, *hour)).or_default() +=
                                line.views;
                        }
                    }
                }
            }
        })?;
        check_bad_share(path, &file_report, options.max_bad_share)?;
        report.absorb(file_report);
    }
    let project_rows = sums
        .into_iter()
        .map(|((project, access, hour), views)| ProjectRow {
            project: Project::from_stored(project),
            access,
            agent: Agent::User,
            period: Period::Hour(hour),
            views,
        })
        .collect();
    let summary = store
        .write(&PageviewsBatch { project_rows, ..Default::default() })
        .with_context(|| format!("cannot store {day}"))?;
    report.project_rows += summary.project_rows;
    Ok(())
}

/// For every month of `months` whose days are all loaded: monthly per-project rows (sums of the
/// daily rows) and monthly top lists (sums of the per-article user views), in one batch.
fn roll_up_complete_months(
    store: &dyn PageviewsStore,
    months: &BTreeSet<YearMonth>,
    options: &LoadOptions<'_>,
    report: &mut LoadReport,
) -> Result<()> {
    let loaded: BTreeSet<Day> = store.article_days_loaded()?.into_iter().collect();
    for &month in months {
        if !month.days().all(|d| loaded.contains(&d)) {
            continue;
        }
        let mut concrete: HashMap<(String, Access, Agent), [u64; 1]> = HashMap::new();
        let mut user = UserViews::new();
        for day in month.days() {
            for row in store.project_day(day)? {
                let is_concrete = row.project.as_str() != "all-projects"
                    && row.access != Access::AllAccess
                    && row.agent != Agent::AllAgents;
                if is_concrete && matches!(row.period, Period::Day(_)) {
                    concrete
                        .entry((row.project.as_str().to_string(), row.access, row.agent))
                        .or_insert([0])[0] += row.views;
                }
            }
            for article_day in store.article_day(day)? {
                for (title, views) in &article_day.rows {
                    add_user_views(
                        &mut user,
                        article_day.project.as_str(),
                        title,
                        views,
                        options.disallowed,
                    );
                }
            }
        }
        let mut rolled = HashMap::new();
        for ((project, access, agent), values) in &concrete {
            add_rollups(&mut rolled, project, *access, *agent, values);
        }
        let project_rows = rolled
            .into_iter()
            .map(|((project, access, agent), [views])| ProjectRow {
                project: Project::from_stored(project),
                access,
                agent,
                period: Period::Month(month),
                views,
            })
            .collect();
        let batch = PageviewsBatch {
            project_rows,
            top_rows: top_rows(TopPeriod::Month(month), user),
            ..Default::default()
        };
        let summary =
            store.write(&batch).with_context(|| format!("cannot store the roll-up of {month}"))?;
        report.project_rows += summary.project_rows;
        report.top_rows += summary.top_rows;
        report.months_rolled_up.push(month);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::borrow::Cow;

    fn counted(titles: &[&str]) -> Vec<(String, u32)> {
        let mut p = ProjectCounts::default();
        for t in titles {
            p.add(Cow::Borrowed(t), Access::Desktop, Agent::User, 1);
        }
        p.finish();
        p.titles.into_iter().map(|(t, v)| (t, v.get(Access::AllAccess, Agent::AllAgents))).collect()
    }

    #[test]
    fn every_concrete_access_and_agent_has_its_own_hour_slot() {
        let mut seen: Vec<usize> = Access::CONCRETE
            .iter()
            .flat_map(|&a| Agent::CONCRETE.iter().map(move |&g| slot(a, g)))
            .collect();
        seen.sort();
        assert_eq!(seen, (0..9).collect::<Vec<_>>());
    }

    #[test]
    fn titles_in_any_order_end_ascending_and_summed() {
        let want = vec![("A".to_string(), 2), ("B".to_string(), 3), ("C".to_string(), 1)];
        assert_eq!(counted(&["A", "A", "B", "B", "B", "C"]), want, "in order");
        assert_eq!(counted(&["B", "A", "C", "B", "A", "B"]), want, "out of order, repeated apart");
    }

    #[test]
    fn merging_sorted_lists_combines_common_titles() {
        let row = |n| {
            let mut v = ArticleViews::default();
            v.add(Access::MobileWeb, Agent::Spider, n);
            v
        };
        let a = vec![("A".to_string(), row(1)), ("C".to_string(), row(3))];
        let b = vec![
            ("B".to_string(), row(20)),
            ("C".to_string(), row(30)),
            ("D".to_string(), row(40)),
        ];
        let merged = merge_sorted(a, b, |x, y| {
            sum_views(x.unwrap_or(&ArticleViews::default()), y.unwrap_or(&ArticleViews::default()))
        });
        let got: Vec<(&str, u32)> = merged
            .iter()
            .map(|(t, v)| (t.as_str(), v.get(Access::MobileWeb, Agent::Spider)))
            .collect();
        assert_eq!(got, vec![("A", 1), ("B", 20), ("C", 33), ("D", 40)]);
    }
}

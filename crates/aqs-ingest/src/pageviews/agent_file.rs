//! Reading one daily `pageview_complete` file of one agent type into a sorted stream of
//! (project, title) records with its views per access, for the day's merge.

use super::hours::{ProjectHours, slot};
use crate::load::LoadOptions;
use crate::load::lines::{check_bad_share, for_each_line};
use crate::pageview_complete;
use crate::pipeline::StreamError;
use crate::pipeline::batch::SortedSink;
use crate::pipeline::external_sort::ExternalSorter;
use crate::report::LoadReport;
use anyhow::{Result, anyhow};
use aqs_core::params::{Access, Agent};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

/// One file's views of a title: desktop, mobile-web, mobile-app.
pub type AccessViews = [u32; 3];

/// The index of a concrete access in [`AccessViews`].
pub fn access_index(access: Access) -> usize {
    match access {
        Access::Desktop | Access::AllAccess => 0,
        Access::MobileWeb => 1,
        Access::MobileApp => 2,
    }
}

/// How a file's records reach the merge.
#[derive(Debug, Clone)]
pub enum Mode {
    /// As the file gives them: it must be sorted by project and title.
    Streamed,
    /// Sorted first, in runs of at most `budget` bytes spilled into `spill_parent`.
    Sorted { spill_parent: PathBuf, budget: usize },
}

/// A file that is not sorted by project and title: the day is read again with it sorted.
#[derive(Debug)]
pub struct Unsorted {
    pub file: usize,
    pub detail: String,
}

impl std::fmt::Display for Unsorted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.detail)
    }
}

impl std::error::Error for Unsorted {}

/// What reading one file gave besides its records.
#[derive(Debug, Default)]
pub struct AgentFileOutcome {
    pub report: LoadReport,
    pub hours: ProjectHours,
}

/// Reads file number `file` (`path`, of `agent`) into `sink`. Stops early, with an error,
/// when `cancel` is set or the merge stops reading.
pub fn read_agent_file(
    file: usize,
    path: &Path,
    agent: Agent,
    options: &LoadOptions<'_>,
    mode: &Mode,
    sink: SortedSink<AccessViews>,
    cancel: &AtomicBool,
) -> Result<AgentFileOutcome> {
    let progress = options.progress;
    progress.file_started(path, std::fs::metadata(path).map(|m| m.len()).unwrap_or(0));
    let (mut reader, bytes_read) = crate::input::open_dump(path)?;
    let advanced = || progress.file_advanced(path, bytes_read.load(Ordering::Relaxed));
    let outcome =
        read_agent_lines(&mut reader, file, path, agent, options, mode, sink, cancel, advanced)?;
    progress.file_finished(path);
    Ok(outcome)
}

/// [`read_agent_file`] over text already decompressed; `path` names it in reports, and
/// `advanced` is called every 65,536 lines.
#[allow(clippy::too_many_arguments)]
pub fn read_agent_lines(
    reader: &mut dyn std::io::BufRead,
    file: usize,
    path: &Path,
    agent: Agent,
    options: &LoadOptions<'_>,
    mode: &Mode,
    mut sink: SortedSink<AccessViews>,
    cancel: &AtomicBool,
    advanced: impl FnMut(),
) -> Result<AgentFileOutcome> {
    let mut outcome = AgentFileOutcome::default();
    let mut sorter = match mode {
        Mode::Streamed => None,
        Mode::Sorted { spill_parent, budget } => Some(ExternalSorter::new(spill_parent, *budget)),
    };
    // The current project (lines come grouped by project): its name and whether it is allowed.
    let mut current: Option<(String, bool)> = None;
    let unsorted = |detail: String, number: u64| {
        anyhow!(Unsorted { file, detail: format!("{}:{number}: {detail}", path.display()) })
    };
    for_each_line(reader, path, &mut outcome.report, advanced, |number, text, report| {
        if number % 65_536 == 0 {
            if options.progress.cancelled() {
                return Err(anyhow!(crate::load::Interrupted));
            }
            if cancel.load(Ordering::Relaxed) {
                return Err(anyhow!(StreamError::Closed));
            }
        }
        if text.is_empty() {
            report.skip("empty line", || format!("{}:{number}", path.display()));
            return Ok(());
        }
        let line = match pageview_complete::parse_line(text) {
            Ok(line) => line,
            Err(e) => {
                report.skip(&e.to_string(), || format!("{}:{number}", path.display()));
                return Ok(());
            }
        };
        if current.as_ref().is_none_or(|(name, _)| *name != line.project) {
            let allowed = options.allowlist.allows(&line.project);
            current = Some((line.project.to_string(), allowed));
        }
        let (project, allowed) = current.as_ref().expect("set above");
        if !*allowed {
            *report.unexpected_domains.entry(project.clone()).or_default() += 1;
            return Ok(());
        }
        let hours = &mut outcome.hours.project(project)[slot(line.access, agent)];
        for (h, n) in hours.iter_mut().zip(line.hours) {
            *h += u64::from(n);
        }
        let mut views = [0u32; 3];
        views[access_index(line.access)] = line.total;
        let pushed = match &mut sorter {
            Some(sorter) => return sorter.push(project, &line.title, views),
            // A TAB removed from a title moves it later than its line's place in the file.
            None if text.contains('\t') => sink.push_early(project, &line.title, views),
            None => sink.push(project, &line.title, views),
        };
        pushed.map_err(|e| match e {
            StreamError::Unsorted(detail) => unsorted(detail, number),
            closed => anyhow!(closed),
        })
    })?;
    check_bad_share(path, &outcome.report, options.max_bad_share)?;
    if let Some(sorter) = sorter {
        outcome.report.spilled_bytes += sorter.finish(&mut sink)?;
    }
    sink.finish().map_err(|e| match e {
        StreamError::Unsorted(detail) => unsorted(detail, outcome.report.lines_read),
        closed => anyhow!(closed),
    })?;
    Ok(outcome)
}

//! Hourly projectviews files: user views on desktop and on mobile (web and app merged), so only
//! the `desktop`/`user` and `all-access`/`user` series of each project and of `all-projects`
//! can be written from them (docs/compatibility.md).

use crate::load::LoadOptions;
use crate::load::lines::{check_bad_share, for_each_file_line};
use crate::projectviews;
use crate::report::LoadReport;
use anyhow::{Context, Result};
use aqs_core::dates::{Day, Hour};
use aqs_core::pageviews::{PageviewsBatch, PageviewsStore, Period, ProjectRow};
use aqs_core::params::{Access, Agent};
use aqs_core::project::Project;
use std::collections::BTreeMap;
use std::path::PathBuf;

/// Loads the hourly files of one day.
pub fn load_projectviews_day(
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
                report.skip("empty line", || format!("{}:{number}", path.display()));
                return Ok(());
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
            Ok(())
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

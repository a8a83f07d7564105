//! Month roll-ups: when every day of a month is loaded, the month's per-project rows (sums of
//! the daily rows) and its top lists (sums of the per-article user views), in one batch.
//! Read in bounded memory: per-project rows one day at a time, and for the top lists only the
//! candidates the store finds with bounded heaps (`month_top_candidates` of the store).
//!
//! A complete month whose merge is still pending in the store (the embedded store's merge
//! budget ran out on the day that completed it) waits: the merge collects the candidates as it
//! reads the month, so the load that finishes it rolls the month up without reading it again
//! (`rollups_waiting` of the store remembers the month between loads).

use super::hours::MonthTotals;
use crate::lists::Disallowed;
use crate::report::LoadReport;
use crate::top::{self, TOP_SIZE};
use anyhow::{Context, Result};
use aqs_core::dates::{Day, TopPeriod, YearMonth};
use aqs_core::pageviews::{PageviewsBatch, PageviewsStore, TopArticles, TopRow};
use std::collections::BTreeSet;

/// Rolls up every month of `months`, and every month an earlier load left waiting, whose
/// days are all loaded and whose merge is not pending; the others with all days loaded wait.
pub fn roll_up_complete_months(
    store: &dyn PageviewsStore,
    months: &BTreeSet<YearMonth>,
    disallowed: &Disallowed,
    report: &mut LoadReport,
) -> Result<()> {
    let loaded: BTreeSet<Day> = store.article_days_loaded()?.into_iter().collect();
    let waited = store.rollups_waiting()?;
    let mut waiting = Vec::new();
    for &month in months.iter().chain(&waited).collect::<BTreeSet<_>>() {
        if !month.days().all(|d| loaded.contains(&d)) {
            continue;
        }
        if store.month_merge_pending(month)? {
            waiting.push(month);
            continue;
        }
        let mut totals = MonthTotals::default();
        for day in month.days() {
            totals.add_day(&store.project_day(day)?);
        }
        let started = std::time::Instant::now();
        let top_rows = month_tops(store, month, disallowed)?;
        report.rollup_candidates_seconds += started.elapsed().as_secs_f64();
        let batch =
            PageviewsBatch { project_rows: totals.rows(month), top_rows, ..Default::default() };
        let summary =
            store.write(&batch).with_context(|| format!("cannot store the roll-up of {month}"))?;
        report.project_rows += summary.project_rows;
        report.top_rows += summary.top_rows;
        report.months_rolled_up.push(month);
    }
    if waiting != waited {
        store.set_rollups_waiting(&waiting)?;
    }
    report.rollups_waiting = waiting;
    Ok(())
}

/// The month's top lists. The store's candidates are the most viewed articles whatever the
/// title; the `-` title and disallowed articles are dropped here, so a few more than 1,001
/// are asked for, and more again in the rare case that too many were dropped.
fn month_tops(
    store: &dyn PageviewsStore,
    month: YearMonth,
    disallowed: &Disallowed,
) -> Result<Vec<TopRow>> {
    let mut spare = 64 + 4 * disallowed.len();
    loop {
        let candidates = store.month_top_candidates(month, TOP_SIZE + 1 + spare)?;
        let mut rows = Vec::new();
        let mut short = false;
        for c in &candidates {
            let kept: Vec<(&str, u64)> = c
                .entries
                .iter()
                .filter(|(t, v)| *v > 0 && t != "-" && !disallowed.contains(c.project.as_str(), t))
                .map(|(t, v)| (t.as_str(), *v))
                .collect();
            if c.truncated && kept.len() <= TOP_SIZE {
                short = true;
                break;
            }
            if !kept.is_empty() {
                rows.push(TopRow {
                    project: c.project.clone(),
                    access: c.access,
                    period: TopPeriod::Month(month),
                    articles: TopArticles::List(top::rank(kept)),
                });
            }
        }
        if !short {
            return Ok(rows);
        }
        spare *= 8;
    }
}

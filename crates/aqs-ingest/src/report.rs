//! What a load did, for the summary printed at its end.

use aqs_core::dates::{Day, YearMonth};
use std::collections::BTreeMap;
use std::fmt;

/// How many examples of skipped lines a report keeps.
pub const MAX_EXAMPLES: usize = 10;

#[derive(Debug, Clone, Default)]
pub struct LoadReport {
    pub files: usize,
    pub lines_read: u64,
    pub article_rows: u64,
    pub project_rows: u64,
    pub top_rows: u64,
    /// Rows of the other families' series tables (unique devices, ...), and by dataset.
    pub series_rows: u64,
    pub series_by_dataset: BTreeMap<&'static str, u64>,
    /// Skipped lines by reason.
    pub skipped: BTreeMap<String, u64>,
    /// `file:line: reason` of the first skipped lines.
    pub examples: Vec<String>,
    /// Lines of projects not in the allowlist, by project.
    pub unexpected_domains: BTreeMap<String, u64>,
    /// Per-article rows left out because the article is disallowed.
    pub disallowed_rows: u64,
    /// Bytes spilled to disk (sorting unsorted files, the store's day buffers) because they
    /// did not fit the memory budget; the spill files are gone when the load ends.
    pub spilled_bytes: u64,
    pub days: Vec<Day>,
    /// Files that were not sorted by project and title, read a second time through a sort.
    pub resorted: Vec<String>,
    pub months_rolled_up: Vec<YearMonth>,
    /// Complete months whose roll-up waits for their merge (the load that finishes the merge
    /// rolls them up).
    pub rollups_waiting: Vec<YearMonth>,
    pub seconds: f64,
    /// Wall seconds spent reading and counting files, writing days, and rolling up months.
    /// Reading the next day overlaps writing the current one, so these add up to more than
    /// `seconds`.
    pub parse_seconds: f64,
    pub write_seconds: f64,
    pub rollup_seconds: f64,
    /// Of `rollup_seconds`, finding the top lists' candidates (from a whole-month merge's, or
    /// by reading the month).
    pub rollup_candidates_seconds: f64,
    /// Of `write_seconds`, the time inside the store's write.
    pub store_seconds: f64,
    /// Of `store_seconds`, the store's reorganisation after publishing (segment merges).
    pub merge_seconds: f64,
    /// Days after which the store left a merge under way, its merge budget spent.
    pub merges_deferred: u64,
}

impl LoadReport {
    pub fn skip(&mut self, reason: &str, location: impl FnOnce() -> String) {
        *self.skipped.entry(reason.to_string()).or_default() += 1;
        if self.examples.len() < MAX_EXAMPLES {
            self.examples.push(format!("{}: {reason}", location()));
        }
    }

    /// Counts rows published in a dataset's series tables.
    pub fn add_series_rows(&mut self, dataset: aqs_core::table::Dataset, rows: u64) {
        self.series_rows += rows;
        *self.series_by_dataset.entry(dataset.name()).or_default() += rows;
    }

    pub fn skipped_total(&self) -> u64 {
        self.skipped.values().sum()
    }

    pub fn absorb(&mut self, other: LoadReport) {
        self.files += other.files;
        self.lines_read += other.lines_read;
        for (k, v) in other.skipped {
            *self.skipped.entry(k).or_default() += v;
        }
        for e in other.examples {
            if self.examples.len() < MAX_EXAMPLES {
                self.examples.push(e);
            }
        }
        for (k, v) in other.unexpected_domains {
            *self.unexpected_domains.entry(k).or_default() += v;
        }
        self.article_rows += other.article_rows;
        self.project_rows += other.project_rows;
        self.top_rows += other.top_rows;
        self.series_rows += other.series_rows;
        for (dataset, n) in other.series_by_dataset {
            *self.series_by_dataset.entry(dataset).or_default() += n;
        }
        self.disallowed_rows += other.disallowed_rows;
        self.spilled_bytes += other.spilled_bytes;
        self.days.extend(other.days);
        self.resorted.extend(other.resorted);
        self.parse_seconds += other.parse_seconds;
        self.write_seconds += other.write_seconds;
        self.store_seconds += other.store_seconds;
        self.merge_seconds += other.merge_seconds;
        self.merges_deferred += other.merges_deferred;
    }
}

impl fmt::Display for LoadReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let rate = if self.seconds > 0.0 { self.lines_read as f64 / self.seconds } else { 0.0 };
        writeln!(f, "files read:        {}", self.files)?;
        writeln!(f, "lines read:        {} ({:.0} lines/s)", self.lines_read, rate)?;
        writeln!(
            f,
            "rows written:      {} per-article, {} per-project, {} top lists",
            self.article_rows, self.project_rows, self.top_rows
        )?;
        if self.series_rows > 0 {
            let parts: Vec<String> = self
                .series_by_dataset
                .iter()
                .map(|(dataset, n)| format!("{n} {}", dataset.replace('_', " ")))
                .collect();
            writeln!(f, "series rows:       {} ({})", self.series_rows, parts.join(", "))?;
        }
        if let (Some(first), Some(last)) = (self.days.first(), self.days.last()) {
            writeln!(f, "days published:    {} ({first} .. {last})", self.days.len())?;
        }
        for m in &self.months_rolled_up {
            writeln!(f, "month rolled up:   {m}")?;
        }
        for m in &self.rollups_waiting {
            writeln!(
                f,
                "month waiting:     {m} (complete; its monthly rows and top lists come with the load that finishes its merge, which collects them as it reads the month)"
            )?;
        }
        writeln!(f, "lines skipped:     {}", self.skipped_total())?;
        for (reason, n) in &self.skipped {
            writeln!(f, "  {n:>10}  {reason}")?;
        }
        for e in &self.examples {
            writeln!(f, "  e.g. {e}")?;
        }
        if !self.unexpected_domains.is_empty() {
            writeln!(f, "unexpected domains (not in the allowlist, not loaded):")?;
            for (domain, n) in &self.unexpected_domains {
                writeln!(f, "  {n:>10}  {domain}")?;
            }
        }
        if self.disallowed_rows > 0 {
            writeln!(f, "disallowed rows:   {} (not loaded)", self.disallowed_rows)?;
        }
        for note in &self.resorted {
            writeln!(f, "file not sorted:   {note}")?;
        }
        if self.spilled_bytes > 0 {
            writeln!(
                f,
                "spilled to disk:   {} MB (past --memory-mb; removed when the load ended)",
                self.spilled_bytes.div_ceil(1 << 20)
            )?;
        }
        if self.merges_deferred > 0 {
            writeln!(
                f,
                "merges:            left under way after {} day(s), --merge-seconds spent; the next load goes on with them (reads are the same either way)",
                self.merges_deferred
            )?;
        }
        write!(
            f,
            "seconds:           {:.2} (reading {:.2} and writing {:.2} overlap; storing {:.2} of the writing, of which merging segments {:.2}; month roll-ups {:.2}, of which finding top-list candidates {:.2})",
            self.seconds,
            self.parse_seconds,
            self.write_seconds,
            self.store_seconds,
            self.merge_seconds,
            self.rollup_seconds,
            self.rollup_candidates_seconds
        )
    }
}

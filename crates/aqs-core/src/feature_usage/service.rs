//! The counter service: what `POST /feature-usage/events`, `aqs feature-usage ingest`, the
//! API and the page share over one [`FeatureUsageStore`]: ingest (parse, limit new rows,
//! count, prune), the retention window, queries, and statistics for `/metrics`.

use super::Recorded;
use super::events::{Clock, parse_event};
use super::limiter::NewRowLimiter;
use super::timestamp::{self, UnixSeconds};
use super::{CountBatch, FeatureUsageStore, Prune, Refusal, UsageQuery, UsageRow};
use crate::dates::Day;
use crate::error::StoreError;
use crate::error::StoreResult;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex};

/// The service's settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// Days kept: rows of older days are pruned and never answered (the extension's
    /// `maxAgeDays`).
    pub retention_days: u32,
    /// New rows one client IP may create per window (`insertRateLimits`).
    pub new_rows_per_ip: u32,
    pub window_seconds: u32,
    /// The most expired rows one write removes.
    pub prune_per_write: usize,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            retention_days: 90,
            new_rows_per_ip: 30,
            window_seconds: 60,
            prune_per_write: 1000,
        }
    }
}

/// The most refused lines an ingest report lists.
pub const EXAMPLES: usize = 10;

/// What one ingest did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IngestReport {
    /// Events read (non-blank lines).
    pub events: u64,
    pub counted: u64,
    /// Refused events by reason, in [`Refusal::ALL`] order.
    pub refused: Vec<(Refusal, u64)>,
    /// The first refused lines (1-based line numbers of the input), at most [`EXAMPLES`]
    /// (refusals by the new-row limit are known per key, not per line, and are not listed).
    pub examples: Vec<(u64, Refusal)>,
    pub new_rows: u64,
    pub pruned: u64,
}

impl IngestReport {
    pub fn refused_total(&self) -> u64 {
        self.refused.iter().map(|(_, n)| n).sum()
    }

    /// Counts `count` refused events of `reason`.
    pub fn refuse(&mut self, reason: Refusal, count: u64) {
        if count == 0 {
            return;
        }
        match self.refused.iter_mut().find(|(r, _)| *r == reason) {
            Some((_, n)) => *n += count,
            None => {
                self.refused.push((reason, count));
                self.refused.sort();
            }
        }
    }

    /// Adds another report's numbers (for ingests in several writes).
    pub fn absorb(&mut self, other: IngestReport, line_offset: u64) {
        self.events += other.events;
        self.counted += other.counted;
        self.new_rows += other.new_rows;
        self.pruned += other.pruned;
        for (reason, n) in other.refused {
            self.refuse(reason, n);
        }
        for (line, reason) in other.examples {
            if self.examples.len() < EXAMPLES {
                self.examples.push((line + line_offset, reason));
            }
        }
    }
}

/// Totals since the service started, for `/metrics`.
#[derive(Debug, Default)]
pub struct Stats {
    pub counted: AtomicU64,
    pub refused: [AtomicU64; Refusal::ALL.len()],
    pub new_rows: AtomicU64,
    pub pruned: AtomicU64,
}

/// The time now, in milliseconds since the Unix epoch.
pub type Now = dyn Fn() -> i64 + Send + Sync;

/// The counter service over a store.
pub struct FeatureUsage {
    store: Arc<dyn FeatureUsageStore>,
    settings: Settings,
    limiter: Mutex<NewRowLimiter>,
    commits: Commits,
    now: Box<Now>,
    pub stats: Stats,
}

/// Group commit: an ingest that finds no write under way writes the batches of every ingest
/// waiting, its own included, in one [`FeatureUsageStore::record_all`] (one sync), while the
/// others wait for their numbers. Concurrent clients share syncs instead of queueing for
/// one each.
#[derive(Default)]
struct Commits {
    state: Mutex<CommitState>,
    written: Condvar,
}

#[derive(Default)]
struct CommitState {
    waiting: Vec<(u64, CountBatch)>,
    finished: HashMap<u64, StoreResult<Recorded>>,
    writing: bool,
    next: u64,
}

impl std::fmt::Debug for FeatureUsage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FeatureUsage").field("settings", &self.settings).finish_non_exhaustive()
    }
}

fn system_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

impl FeatureUsage {
    pub fn new(store: Arc<dyn FeatureUsageStore>, settings: Settings) -> FeatureUsage {
        FeatureUsage::with_clock(store, settings, Box::new(system_now))
    }

    /// A service whose clock is `now` (for tests).
    pub fn with_clock(
        store: Arc<dyn FeatureUsageStore>,
        settings: Settings,
        now: Box<Now>,
    ) -> FeatureUsage {
        let limiter = NewRowLimiter::new(
            settings.new_rows_per_ip as usize,
            i64::from(settings.window_seconds) * 1000,
        );
        FeatureUsage {
            store,
            settings,
            limiter: Mutex::new(limiter),
            commits: Commits::default(),
            now,
            stats: Stats::default(),
        }
    }

    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// Now, in seconds.
    pub fn now(&self) -> UnixSeconds {
        (self.now)().div_euclid(1000)
    }

    /// The first day still kept: the day of now minus the retention (as the extension's
    /// cutoff, `afu_date >= date(now - maxAgeDays)`).
    pub fn first_kept(&self) -> Day {
        timestamp::day_of(self.now() - i64::from(self.settings.retention_days) * 86_400)
    }

    /// Counts the events of `body` (JSON Lines) in one durable write, and prunes.
    pub fn ingest(&self, body: &str) -> StoreResult<IngestReport> {
        let now_ms = (self.now)();
        let clock = Clock { now: now_ms.div_euclid(1000), first_kept: self.first_kept() };
        let mut report = IngestReport::default();
        let mut batch = CountBatch::default();
        for (index, line) in body.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() {
                continue;
            }
            report.events += 1;
            match parse_event(line, clock) {
                Ok(event) => batch.add(event),
                Err(reason) => {
                    report.refuse(reason, 1);
                    if report.examples.len() < EXAMPLES {
                        report.examples.push((index as u64 + 1, reason));
                    }
                }
            }
        }
        let prune = Prune { before: clock.first_kept, limit: self.settings.prune_per_write };
        let recorded = self.commit(batch, prune)?;
        report.counted = recorded.counted;
        report.new_rows = recorded.new_rows;
        report.pruned = recorded.pruned;
        report.refuse(Refusal::NewRowLimit, recorded.refused_new_rows);
        self.note(&report);
        Ok(report)
    }

    /// Writes `batch` with the batches of the ingests waiting beside it (see [`Commits`]).
    fn commit(&self, batch: CountBatch, prune: Prune) -> StoreResult<Recorded> {
        let lock = || self.commits.state.lock().unwrap_or_else(|p| p.into_inner());
        let mut state = lock();
        let id = state.next;
        state.next += 1;
        state.waiting.push((id, batch));
        loop {
            if let Some(result) = state.finished.remove(&id) {
                return result;
            }
            if state.writing {
                state = self.commits.written.wait(state).unwrap_or_else(|p| p.into_inner());
                continue;
            }
            state.writing = true;
            let (ids, batches): (Vec<u64>, Vec<CountBatch>) =
                std::mem::take(&mut state.waiting).into_iter().unzip();
            drop(state);
            let write = std::panic::AssertUnwindSafe(|| self.write(&batches, prune));
            let result = std::panic::catch_unwind(write).unwrap_or_else(|_| {
                Err(StoreError::Engine("the counters' write panicked".to_string()))
            });
            let result = result.and_then(|done| match done.len() == ids.len() {
                true => Ok(done),
                false => Err(StoreError::Engine("the counters answered for other batches".into())),
            });
            state = lock();
            state.writing = false;
            match result {
                Ok(done) => state.finished.extend(ids.into_iter().zip(done.into_iter().map(Ok))),
                Err(e) => {
                    let shared = e.to_string();
                    let mut first = Some(e);
                    for id in ids {
                        let e = first.take().unwrap_or_else(|| StoreError::Engine(shared.clone()));
                        state.finished.insert(id, Err(e));
                    }
                }
            }
            self.commits.written.notify_all();
        }
    }

    fn write(&self, batches: &[CountBatch], prune: Prune) -> StoreResult<Vec<Recorded>> {
        let mut limiter = self.limiter.lock().unwrap_or_else(|p| p.into_inner());
        // Events without an IP are never limited, as in the extension.
        let mut admit = |group: &super::events::IpHits| match group.ip {
            Some(ip) => limiter.allow(ip, group.first_at.saturating_mul(1000)),
            None => true,
        };
        self.store.record_all(batches, &mut admit, prune)
    }

    fn note(&self, report: &IngestReport) {
        let s = &self.stats;
        s.counted.fetch_add(report.counted, Ordering::Relaxed);
        s.new_rows.fetch_add(report.new_rows, Ordering::Relaxed);
        s.pruned.fetch_add(report.pruned, Ordering::Relaxed);
        for (reason, n) in &report.refused {
            s.refused[*reason as usize].fetch_add(*n, Ordering::Relaxed);
        }
    }

    /// The usage of agents starting with `agent` (cut to the stored length) from the day of
    /// `start` to the day of `end`, never before the first day kept.
    pub fn usage(
        &self,
        agent: &str,
        start: UnixSeconds,
        end: UnixSeconds,
        features: Option<Vec<String>>,
    ) -> StoreResult<Vec<UsageRow>> {
        let first = timestamp::day_of(start).max(self.first_kept());
        let last = timestamp::day_of(end);
        if first > last {
            return Ok(Vec::new());
        }
        let agent_prefix = super::cut_utf8(agent, super::MAX_AGENT_BYTES).to_string();
        self.store.usage(&UsageQuery { agent_prefix, first, last, features })
    }

    /// The range to show when none is asked for: from the first stored day still kept (today
    /// when there is none) at 00:00, to now.
    pub fn suggested_range(&self) -> StoreResult<(UnixSeconds, UnixSeconds)> {
        let now = self.now();
        let first = self.store.earliest_day(self.first_kept())?;
        let start = first.unwrap_or(timestamp::day_of(now));
        Ok((timestamp::start_of(start), now))
    }

    /// Rows stored.
    pub fn rows(&self) -> StoreResult<u64> {
        self.store.row_count()
    }
}

//! API feature usage: daily counters of (day, feature, agent), the shape MediaWiki's
//! ApiFeatureUsage extension keeps (`shared/spec/api-contract.md` §6), and what every backend
//! must do with them ([`FeatureUsageStore`]).
//!
//! - [`events`]: one JSON Lines event into a [`CountKey`], or the reason it is refused; a
//!   batch of events summed per key ([`CountBatch`]).
//! - [`limiter`]: the limit on new rows per client IP.
//! - [`service`]: [`service::FeatureUsage`], what the server and `aqs feature-usage ingest`
//!   share: ingest, prune, query, statistics.
//! - [`timestamp`]: the MediaWiki timestamp formats the API and the events take.
//! - [`api`]: `action=query&meta=featureusage`, parameters and answers as the extension's.

pub mod api;
pub mod events;
pub mod limiter;
pub mod service;
pub mod timestamp;

use crate::dates::Day;
use crate::error::StoreResult;

pub use events::{CountBatch, Refusal};

/// The most bytes of an agent kept (the extension's `afu_agent binary(255)`).
pub const MAX_AGENT_BYTES: usize = 255;
/// The most bytes of a feature name kept (`afu_feature binary(64)`).
pub const MAX_FEATURE_BYTES: usize = 64;

/// `text` cut to at most `max` bytes, on a UTF-8 character boundary.
pub fn cut_utf8(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// The key of one counter: uses of `feature` by agents named `agent` on `day`. Keys order as
/// the embedded store keeps them: by day, then agent, then feature.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CountKey {
    pub day: Day,
    pub agent: String,
    pub feature: String,
}

/// One answer row: the uses of a feature on a day by every agent matching the query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsageRow {
    pub day: Day,
    pub feature: String,
    pub count: u64,
}

/// A query: agents starting with `agent_prefix` (bytes, as SQL `LIKE 'prefix%'` on a binary
/// column), days from `first` to `last` inclusive, only `features` when given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsageQuery {
    pub agent_prefix: String,
    pub first: Day,
    pub last: Day,
    pub features: Option<Vec<String>>,
}

impl UsageQuery {
    /// Whether `feature` is asked for.
    pub fn wants(&self, feature: &str) -> bool {
        self.features.as_ref().is_none_or(|f| f.iter().any(|x| x == feature))
    }
}

/// Rows of days before `before` a write removes, at most `limit` of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Prune {
    pub before: Day,
    pub limit: usize,
}

/// What one [`FeatureUsageStore::record`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Recorded {
    /// Events added to counters.
    pub counted: u64,
    /// Events refused because their row was new and their IP had used up its new rows.
    pub refused_new_rows: u64,
    /// Rows created.
    pub new_rows: u64,
    /// Expired rows removed.
    pub pruned: u64,
}

/// Decides whether a group of hits (one client IP's, [`events::IpHits`]) may create a row.
pub type Admit<'a> = dyn FnMut(&events::IpHits) -> bool + 'a;

/// The counters of a backend.
pub trait FeatureUsageStore: Send + Sync {
    /// Adds the batch's counts in one write, durable when this returns. A key already stored
    /// takes all its hits. A new key is created by its first group of hits whose IP `admit`
    /// allows; groups before it are refused (`refused_new_rows`), groups after it are counts
    /// of an existing row. Then removes up to `prune.limit` rows of days before
    /// `prune.before`.
    fn record(
        &self,
        batch: &CountBatch,
        admit: &mut Admit<'_>,
        prune: Prune,
    ) -> StoreResult<Recorded>;

    /// [`FeatureUsageStore::record`] of several batches, in order, as one write where the
    /// backend can (one sync for all: the group commit of concurrent ingests; then all are
    /// written or none); prunes once, reported in the first batch's numbers.
    fn record_all(
        &self,
        batches: &[CountBatch],
        admit: &mut Admit<'_>,
        prune: Prune,
    ) -> StoreResult<Vec<Recorded>> {
        let mut done = Vec::with_capacity(batches.len());
        for (i, batch) in batches.iter().enumerate() {
            let prune = if i == 0 { prune } else { Prune { limit: 0, ..prune } };
            done.push(self.record(batch, admit, prune)?);
        }
        Ok(done)
    }

    /// The summed counts of the agents the query matches, per (day, feature), in day then
    /// feature (byte) order.
    fn usage(&self, query: &UsageQuery) -> StoreResult<Vec<UsageRow>>;

    /// The first day on or after `from` with a stored row.
    fn earliest_day(&self, from: Day) -> StoreResult<Option<Day>>;

    /// How many rows are stored (for metrics; may count rows of expired days not yet
    /// pruned).
    fn row_count(&self) -> StoreResult<u64>;
}

/// Which of a batch's hits count, given which keys are stored (`stored[i]` for the i-th key
/// of `batch.rows`): the hits to add per key (0: the key is not written) and the numbers of
/// [`Recorded`] but `pruned`. New keys ask `admit` for their groups of hits in the order the
/// groups' first events happened (over the whole batch, so that a limit per time window sees
/// time go forward), until one is admitted; that group creates the row, and every other group
/// of the key counts on it.
pub fn admit_in_time_order(
    batch: &CountBatch,
    stored: &[bool],
    admit: &mut Admit<'_>,
) -> (Vec<u64>, Recorded) {
    let mut done = Recorded::default();
    let mut hits: Vec<u64> = Vec::with_capacity(batch.rows.len());
    let mut asks: Vec<(i64, usize, usize)> = Vec::new();
    for (i, groups) in batch.rows.values().enumerate() {
        let total: u64 = groups.iter().map(|g| g.hits).sum();
        if stored.get(i).copied().unwrap_or(false) {
            hits.push(total);
        } else {
            hits.push(0);
            asks.extend(groups.iter().enumerate().map(|(g, group)| (group.first_at, i, g)));
        }
    }
    asks.sort_unstable();
    let keys: Vec<&Vec<events::IpHits>> = batch.rows.values().collect();
    let mut created = vec![false; keys.len()];
    for (_, i, g) in asks {
        let group = &keys[i][g];
        if created[i] || admit(group) {
            done.new_rows += u64::from(!created[i]);
            created[i] = true;
            hits[i] += group.hits;
        } else {
            done.refused_new_rows += group.hits;
        }
    }
    done.counted = hits.iter().sum();
    (hits, done)
}

/// Sums the counts of the rows `rows` yields that match `query`, per (day, feature), in the
/// order of [`FeatureUsageStore::usage`]: for backends that read matching rows one by one.
pub fn sum_rows<'a>(
    query: &UsageQuery,
    rows: impl IntoIterator<Item = (Day, &'a str, u64)>,
) -> Vec<UsageRow> {
    let mut rows: Vec<(Day, &str, u64)> =
        rows.into_iter().filter(|(_, feature, _)| query.wants(feature)).collect();
    // Rows read in order (a backend's usual case) sort in one pass.
    rows.sort_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)));
    let mut sums: Vec<UsageRow> = Vec::with_capacity(rows.len());
    for (day, feature, count) in rows {
        match sums.last_mut() {
            Some(last) if last.day == day && last.feature == feature => {
                last.count = last.count.saturating_add(count);
            }
            _ => sums.push(UsageRow { day, feature: feature.to_string(), count }),
        }
    }
    sums
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cuts_fall_on_character_boundaries() {
        assert_eq!(cut_utf8("abc", 5), "abc");
        assert_eq!(cut_utf8("abcdef", 3), "abc");
        // "é" is two bytes: a cut inside it drops it whole.
        assert_eq!(cut_utf8("aé", 2), "a");
        assert_eq!(cut_utf8("aé", 3), "aé");
        let long = "ü".repeat(200);
        let cut = cut_utf8(&long, MAX_AGENT_BYTES);
        assert_eq!(cut.len(), 254);
        assert!(cut.chars().all(|c| c == 'ü'));
    }

    #[test]
    fn new_keys_are_admitted_in_the_order_their_events_happened() {
        use events::Event;
        let day = Day::from_ymd(2024, 7, 25).unwrap();
        let ip = Some(std::net::IpAddr::from([192, 0, 2, 1]));
        let key = |agent: &str| CountKey { day, agent: agent.into(), feature: "f".into() };
        let mut batch = CountBatch::default();
        // Key order A, B, C; time order C (t=5), B (t=10), A (t=20; its second event t=30).
        for (agent, at) in [("A", 20), ("B", 10), ("C", 5), ("A", 30)] {
            batch.add(Event { key: key(agent), ip, at });
        }
        let mut asked = Vec::new();
        // Admits the first two asks only.
        let mut admit = |g: &events::IpHits| {
            asked.push(g.first_at);
            asked.len() <= 2
        };
        let (hits, done) = admit_in_time_order(&batch, &[false, false, false], &mut admit);
        assert_eq!(asked, [5, 10, 20]);
        assert_eq!(hits, [0, 1, 1], "A came third and was refused");
        assert_eq!((done.counted, done.new_rows, done.refused_new_rows), (2, 2, 2));
        // A stored key never asks and takes all its hits.
        let (hits, done) = admit_in_time_order(&batch, &[true, false, false], &mut |_| false);
        assert_eq!((hits, done.counted, done.refused_new_rows), (vec![2, 0, 0], 2, 2));
    }

    #[test]
    fn sums_are_per_day_and_feature_in_order_and_filtered() {
        let d1 = Day::from_ymd(2024, 7, 25).unwrap();
        let d2 = d1.next();
        let query = UsageQuery {
            agent_prefix: "a".into(),
            first: d1,
            last: d2,
            features: Some(vec!["x".into(), "y".into()]),
        };
        let rows = vec![(d2, "x", 1), (d1, "y", 2), (d1, "x", 3), (d1, "y", 4), (d1, "z", 9)];
        let got: Vec<(Day, String, u64)> =
            sum_rows(&query, rows).into_iter().map(|r| (r.day, r.feature, r.count)).collect();
        assert_eq!(got, [(d1, "x".into(), 3), (d1, "y".into(), 6), (d2, "x".into(), 1)]);
    }
}

//! A day's sealed counters (a *run*): every agent of the day once, sorted, with its rows
//! (feature, count), and every `K` agents a *checkpoint*: the uses of every feature by all the
//! agents before it. The agents starting with a prefix are a range of agent numbers (two
//! binary searches over the agents); the uses of every feature by a range are the difference
//! of two sums, each a checkpoint read whole plus the rows of fewer than `K` agents after it.
//! A query of a day reads a few dozen cache lines, however many agents match. Read where it
//! lies in the map: nothing is decoded before it is needed.
//!
//! Layout, integers little-endian:
//!
//! ```text
//! u32 version (2) | u32 agents A | u32 features F | u32 rows R | u32 checkpoint spacing K
//! (A + 1) × u32   agent ends: 0, then the end of each agent: agent i is
//!                 agent_bytes[end(i)..end(i + 1)]
//! (F + 1) × u32   feature ends, as the agents', into feature_bytes
//! (A + 1) × u32   row ends: agent i owns rows [end(i), end(i + 1))
//! agent_bytes (sorted) | feature_bytes (sorted)
//! R × (u32 feature number, u64 count)             an agent's rows by feature
//! (A / K + 1) × F × u64                           checkpoint c: the uses of each feature by
//!                                                 agents 0 .. c × K
//! ```
//!
//! `K` is at least 64, and larger when features are many, so that the checkpoints take no
//! more room than the rows. Reading checks the header and the lengths only (a query reads up
//! to 90 runs, so nothing is scanned): a damaged table gives empty slices and wrong numbers,
//! never a panic.

use aqs_core::error::{StoreError, StoreResult};
use std::ops::Range;

const VERSION: u32 = 2;
const HEADER: usize = 20;
const ROW: usize = 12;
const MIN_SPACING: usize = 64;

fn corrupt(what: &str) -> StoreError {
    crate::codec::corrupt(&format!("feature usage run: {what}"))
}

/// A run read in place.
#[derive(Clone, Copy)]
pub struct Run<'a> {
    agents: usize,
    features: usize,
    spacing: usize,
    agent_ends: &'a [u8],
    feature_ends: &'a [u8],
    row_ends: &'a [u8],
    agent_bytes: &'a [u8],
    feature_bytes: &'a [u8],
    rows: &'a [u8],
    checkpoints: &'a [u8],
}

/// Entry `index` of a table of u32 (0 past the end).
fn u32_at(bytes: &[u8], index: usize) -> usize {
    u32_at_byte(bytes, index * 4)
}

/// The u32 at byte `at` (0 past the end).
fn u32_at_byte(bytes: &[u8], at: usize) -> usize {
    bytes.get(at..at + 4).map_or(0, |b| u32::from_le_bytes(b.try_into().expect("4 bytes")) as usize)
}

fn u64_at(bytes: &[u8], at: usize) -> u64 {
    bytes.get(at..at + 8).map_or(0, |b| u64::from_le_bytes(b.try_into().expect("8 bytes")))
}

fn take<'a>(bytes: &mut &'a [u8], len: usize) -> StoreResult<&'a [u8]> {
    if bytes.len() < len {
        return Err(corrupt("truncated"));
    }
    let (head, tail) = bytes.split_at(len);
    *bytes = tail;
    Ok(head)
}

/// `bytes[start..end]`, or nothing when a damaged table points outside.
fn slice(bytes: &[u8], start: usize, end: usize) -> &[u8] {
    bytes.get(start..end).unwrap_or(&[])
}

impl<'a> Run<'a> {
    /// Reads the layout of `bytes`, checking the header and the lengths (a damaged run is an
    /// error or wrong numbers, never a panic).
    pub fn read(bytes: &'a [u8]) -> StoreResult<Run<'a>> {
        let mut rest = bytes;
        let header = take(&mut rest, HEADER)?;
        if u32_at(header, 0) != VERSION as usize {
            return Err(corrupt("unknown version"));
        }
        let (agents, features, rows) = (u32_at(header, 1), u32_at(header, 2), u32_at(header, 3));
        let spacing = u32_at(header, 4);
        if spacing == 0 {
            return Err(corrupt("no checkpoint spacing"));
        }
        let agent_ends = take(&mut rest, (agents + 1) * 4)?;
        let feature_ends = take(&mut rest, (features + 1) * 4)?;
        let row_ends = take(&mut rest, (agents + 1) * 4)?;
        let agent_bytes = take(&mut rest, u32_at(agent_ends, agents))?;
        let feature_bytes = take(&mut rest, u32_at(feature_ends, features))?;
        let row_bytes = take(&mut rest, rows * ROW)?;
        let checkpoints = take(&mut rest, (agents / spacing + 1) * features * 8)?;
        if !rest.is_empty() || u32_at(row_ends, agents) != rows {
            return Err(corrupt("bad length"));
        }
        Ok(Run {
            agents,
            features,
            spacing,
            agent_ends,
            feature_ends,
            row_ends,
            agent_bytes,
            feature_bytes,
            rows: row_bytes,
            checkpoints,
        })
    }

    /// Rows (agent, feature) held.
    pub fn rows(&self) -> usize {
        self.rows.len() / ROW
    }

    fn agent(&self, i: usize) -> &'a [u8] {
        slice(self.agent_bytes, u32_at(self.agent_ends, i), u32_at(self.agent_ends, i + 1))
    }

    pub fn feature(&self, j: usize) -> &'a [u8] {
        slice(self.feature_bytes, u32_at(self.feature_ends, j), u32_at(self.feature_ends, j + 1))
    }

    /// The rows of agents `agents`: (feature number, count).
    fn rows_of(&self, agents: Range<usize>) -> impl Iterator<Item = (usize, u64)> + 'a {
        let rows = self.rows;
        let end = u32_at(self.row_ends, agents.end).min(self.rows());
        let start = u32_at(self.row_ends, agents.start).min(end);
        (start..end).map(move |k| (u32_at_byte(rows, k * ROW), u64_at(rows, k * ROW + 4)))
    }

    /// The first agent number whose agent `below` is false for (a monotone predicate).
    fn agent_partition(&self, below: impl Fn(&[u8]) -> bool) -> usize {
        let (mut lo, mut hi) = (0, self.agents);
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            if below(self.agent(mid)) { lo = mid + 1 } else { hi = mid }
        }
        lo
    }

    /// The agent numbers of the agents starting with `prefix`.
    pub fn agents_with_prefix(&self, prefix: &[u8]) -> Range<usize> {
        let lo = self.agent_partition(|a| a < prefix);
        let hi = self.agent_partition(|a| a < prefix || a.starts_with(prefix));
        lo..hi
    }

    /// The number of the feature named `name`.
    pub fn find_feature(&self, name: &[u8]) -> Option<usize> {
        let (mut lo, mut hi) = (0, self.features);
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            match self.feature(mid).cmp(name) {
                std::cmp::Ordering::Less => lo = mid + 1,
                std::cmp::Ordering::Greater => hi = mid,
                std::cmp::Ordering::Equal => return Some(mid),
            }
        }
        None
    }

    /// Adds the uses of each feature by agents `0..agent` to `sums` (one per feature).
    fn add_uses_before(&self, agent: usize, sums: &mut [u64], sign: bool) {
        let agent = agent.min(self.agents);
        let c = agent / self.spacing;
        let checkpoint = c * self.features * 8;
        let rows = self.rows_of(c * self.spacing..agent);
        let from_checkpoint =
            (0..self.features).map(|j| (j, u64_at(self.checkpoints, checkpoint + j * 8)));
        for (j, uses) in from_checkpoint.chain(rows) {
            if let Some(sum) = sums.get_mut(j) {
                *sum = if sign { sum.wrapping_add(uses) } else { sum.wrapping_sub(uses) };
            }
        }
    }

    /// The uses of each feature (by number) by the agents numbered in `agents`.
    pub fn uses(&self, agents: &Range<usize>) -> Vec<u64> {
        let mut sums = vec![0u64; self.features];
        if !agents.is_empty() {
            self.add_uses_before(agents.end, &mut sums, true);
            self.add_uses_before(agents.start, &mut sums, false);
        }
        sums
    }

    /// Whether the run holds the row (agent, feature).
    pub fn contains(&self, agent: &[u8], feature: &[u8]) -> bool {
        let Some(j) = self.find_feature(feature) else { return false };
        let i = self.agent_partition(|a| a < agent);
        i < self.agents && self.agent(i) == agent && self.rows_of(i..i + 1).any(|(f, _)| f == j)
    }

    /// Every row: (agent, feature, count), in agent then feature order.
    pub fn entries(&self) -> impl Iterator<Item = (&'a [u8], &'a [u8], u64)> + '_ {
        (0..self.agents).flat_map(move |i| {
            self.rows_of(i..i + 1).map(move |(j, count)| (self.agent(i), self.feature(j), count))
        })
    }
}

/// The bytes of a run holding `rows`: (agent, feature, count) sorted by agent then feature,
/// each pair once.
pub fn build(rows: &[(&[u8], &[u8], u64)]) -> Vec<u8> {
    let mut features: Vec<&[u8]> = rows.iter().map(|r| r.1).collect();
    features.sort_unstable();
    features.dedup();
    let mut agents: Vec<&[u8]> = Vec::new();
    let mut row_ends: Vec<u32> = vec![0];
    for (k, &(agent, ..)) in rows.iter().enumerate() {
        if agents.last() != Some(&agent) {
            if !agents.is_empty() {
                row_ends.push(k as u32);
            }
            agents.push(agent);
        }
    }
    if !agents.is_empty() {
        row_ends.push(rows.len() as u32);
    }
    // Checkpoints take at most the rows' room: A / K × F × 8 ≤ R × 12.
    let spacing = (agents.len() * features.len() * 8 / (rows.len() * ROW).max(1)).max(MIN_SPACING);
    let mut out = Vec::new();
    let header = [VERSION as usize, agents.len(), features.len(), rows.len(), spacing];
    header.iter().for_each(|&n| out.extend_from_slice(&(n as u32).to_le_bytes()));
    let ends = |lengths: &mut dyn Iterator<Item = usize>, out: &mut Vec<u8>| {
        let mut end = 0u32;
        out.extend_from_slice(&0u32.to_le_bytes());
        for len in lengths {
            end += len as u32;
            out.extend_from_slice(&end.to_le_bytes());
        }
    };
    ends(&mut agents.iter().map(|a| a.len()), &mut out);
    ends(&mut features.iter().map(|f| f.len()), &mut out);
    row_ends.iter().for_each(|e| out.extend_from_slice(&e.to_le_bytes()));
    agents.iter().for_each(|a| out.extend_from_slice(a));
    features.iter().for_each(|f| out.extend_from_slice(f));
    let number = |feature: &[u8]| features.binary_search(&feature).unwrap_or(0);
    for &(_, feature, count) in rows {
        out.extend_from_slice(&(number(feature) as u32).to_le_bytes());
        out.extend_from_slice(&count.to_le_bytes());
    }
    let mut sums = vec![0u64; features.len()];
    for i in 0..=agents.len() {
        if i % spacing == 0 {
            sums.iter().for_each(|s| out.extend_from_slice(&s.to_le_bytes()));
        }
        if i < agents.len() {
            for &(_, feature, count) in &rows[row_ends[i] as usize..row_ends[i + 1] as usize] {
                let sum = &mut sums[number(feature)];
                *sum = sum.saturating_add(count);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(agents: usize) -> Vec<u8> {
        // Agent "a{i:04}" uses "f" i times, and "g" once when i is even.
        let names: Vec<String> = (0..agents).map(|i| format!("a{i:04}")).collect();
        let mut rows: Vec<(&[u8], &[u8], u64)> = Vec::new();
        for (i, name) in names.iter().enumerate() {
            rows.push((name.as_bytes(), b"f", i as u64 + 1));
            if i % 2 == 0 {
                rows.push((name.as_bytes(), b"g", 1));
            }
        }
        build(&rows)
    }

    #[test]
    fn prefix_ranges_sum_through_checkpoints_and_the_rows_after_them() {
        // 300 agents: checkpoints every 64, ranges across and between them.
        let bytes = sample(300);
        let run = Run::read(&bytes).unwrap();
        assert_eq!((run.rows(), run.features), (450, 2));
        let (f, g) = (run.find_feature(b"f").unwrap(), run.find_feature(b"g").unwrap());
        for prefix in ["a000", "a00", "a01", "a012", "a02", "a0299", "a", "a1", ""] {
            let agents = run.agents_with_prefix(prefix.as_bytes());
            let want_f: u64 = agents.clone().map(|i| i as u64 + 1).sum();
            let want_g = agents.clone().filter(|i| i % 2 == 0).count() as u64;
            let uses = run.uses(&agents);
            assert_eq!((uses[f], uses[g]), (want_f, want_g), "prefix {prefix:?}");
        }
        assert_eq!(run.agents_with_prefix(b"a001"), 10..20);
        assert_eq!(run.agents_with_prefix(b"a01"), 100..200);
        assert!(run.agents_with_prefix(b"b").is_empty() && run.agents_with_prefix(b"A").is_empty());
        assert!(run.contains(b"a0002", b"g") && !run.contains(b"a0003", b"g"));
        assert!(!run.contains(b"a000", b"f") && !run.contains(b"a0001", b"h"));
        let entries: Vec<_> = run.entries().collect();
        assert_eq!(entries.len(), 450);
        assert_eq!(
            entries[0..3],
            [(&b"a0000"[..], &b"f"[..], 1), (b"a0000", b"g", 1), (b"a0001", b"f", 2)]
        );
        let empty = build(&[]);
        let run = Run::read(&empty).unwrap();
        assert_eq!((run.rows(), run.uses(&run.agents_with_prefix(b"")).len()), (0, 0));
    }

    #[test]
    fn many_features_space_checkpoints_out() {
        let features: Vec<String> = (0..500).map(|j| format!("f{j}")).collect();
        let agents: Vec<String> = (0..1000).map(|i| format!("a{i:04}")).collect();
        let rows: Vec<(&[u8], &[u8], u64)> = agents
            .iter()
            .enumerate()
            .map(|(i, a)| (a.as_bytes(), features[i % 500].as_bytes(), 1))
            .collect();
        let bytes = build(&rows);
        let run = Run::read(&bytes).unwrap();
        assert!(run.spacing > MIN_SPACING, "spacing {}", run.spacing);
        assert!(bytes.len() < 2 * rows.len() * (ROW + 4 + 5) + 10_000, "{} bytes", bytes.len());
        let uses = run.uses(&run.agents_with_prefix(b"a05"));
        assert_eq!(uses.iter().sum::<u64>(), 100);
    }

    #[test]
    fn damaged_runs_are_errors_or_wrong_numbers_never_panics() {
        let bytes = sample(70);
        for len in 0..bytes.len() {
            assert!(Run::read(&bytes[..len]).is_err(), "cut to {len} bytes");
        }
        let mut version = bytes.clone();
        version[0] = 9;
        assert!(Run::read(&version).is_err());
        // Every byte in turn set to 0xFF: reading and querying never panics.
        for at in 0..bytes.len() {
            let mut damaged = bytes.clone();
            damaged[at] = 0xFF;
            if let Ok(run) = Run::read(&damaged) {
                let _ = run.uses(&run.agents_with_prefix(b"a00"));
                let _ = run.uses(&(0..usize::MAX));
                let _ = run.entries().count();
                let _ = run.contains(b"a0001", b"f");
            }
        }
    }
}

//! Sorted streams of records between a parsing thread and the loader's thread.
//!
//! - [`KeyedBatch`]: records of one group, keys ascending and unique, keys in one string.
//! - [`SortedSink`]: the parsing side. It sums consecutive records of a key, refuses a key out
//!   of order ([`StreamError::Unsorted`]), places "early" keys (see [`SortedSink::push_early`])
//!   where they belong, and sends full batches through a bounded channel.
//! - [`Source`]: the loading side, a cursor over the batches of one file.

use super::{Record, StreamError};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::mpsc::{Receiver, SyncSender};

/// Records per batch (a few hundred kB).
const BATCH_RECORDS: usize = 8192;
/// Batches a channel holds: what one file may run ahead of the merge.
pub const CHANNEL_BATCHES: usize = 4;
/// Early keys a sink may hold before it calls the file unsorted.
const MAX_PENDING: usize = 100_000;

/// Records of one group, keys ascending and unique.
#[derive(Debug)]
pub struct KeyedBatch<V> {
    pub group: Arc<str>,
    keys: String,
    ends: Vec<u32>,
    values: Vec<V>,
}

impl<V: Record> KeyedBatch<V> {
    fn new(group: Arc<str>) -> KeyedBatch<V> {
        KeyedBatch {
            group,
            keys: String::with_capacity(BATCH_RECORDS * 24),
            ends: Vec::with_capacity(BATCH_RECORDS),
            values: Vec::with_capacity(BATCH_RECORDS),
        }
    }

    pub fn len(&self) -> usize {
        self.values.len()
    }

    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    pub fn key(&self, i: usize) -> &str {
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        &self.keys[start..self.ends[i] as usize]
    }

    pub fn value(&self, i: usize) -> &V {
        &self.values[i]
    }

    fn last_key(&self) -> Option<&str> {
        (!self.is_empty()).then(|| self.key(self.len() - 1))
    }

    fn push(&mut self, key: &str, value: V) {
        self.keys.push_str(key);
        self.ends.push(self.keys.len() as u32);
        self.values.push(value);
    }
}

/// The parsing side of a file's stream.
pub struct SortedSink<V> {
    tx: SyncSender<KeyedBatch<V>>,
    batch: Option<KeyedBatch<V>>,
    /// The last key sent in an earlier batch of the current group.
    sent_last: Option<String>,
    /// Early keys of the current group, waiting for their place.
    pending: BTreeMap<String, V>,
}

impl<V: Record> SortedSink<V> {
    pub fn new(tx: SyncSender<KeyedBatch<V>>) -> SortedSink<V> {
        SortedSink { tx, batch: None, sent_last: None, pending: BTreeMap::new() }
    }

    /// Adds a record. Records of a key must be consecutive, and keys ascending within their
    /// group, groups ascending.
    pub fn push(&mut self, group: &str, key: &str, value: V) -> Result<(), StreamError> {
        self.enter_group(group)?;
        while let Some(first) = self.pending.first_entry() {
            if first.key().as_str() >= key {
                break;
            }
            let (pending_key, pending_value) = first.remove_entry();
            self.append(&pending_key, pending_value)?;
        }
        let mut value = value;
        if let Some(early) = self.pending.remove(key) {
            value.combine(&early);
        }
        self.append(key, value)
    }

    /// Adds a record whose key was changed by normalisation (a TAB removed from a title) in a
    /// way that can only move it later than the line's place in the file: it waits until the
    /// stream reaches its key.
    pub fn push_early(&mut self, group: &str, key: &str, value: V) -> Result<(), StreamError> {
        self.enter_group(group)?;
        self.pending.entry(key.to_string()).or_default().combine(&value);
        if self.pending.len() > MAX_PENDING {
            return Err(StreamError::Unsorted(format!(
                "more than {MAX_PENDING} titles waiting for their place in {group}"
            )));
        }
        Ok(())
    }

    /// Sends what is left; the stream ends when the sink is dropped.
    pub fn finish(mut self) -> Result<(), StreamError> {
        self.flush_pending()?;
        self.send()
    }

    fn enter_group(&mut self, group: &str) -> Result<(), StreamError> {
        let current = self.batch.as_ref().map(|b| Arc::clone(&b.group));
        match current.as_deref().map(|g| g.cmp(group)) {
            Some(std::cmp::Ordering::Equal) => Ok(()),
            Some(std::cmp::Ordering::Greater) => Err(StreamError::Unsorted(format!(
                "project {group} after {}",
                current.as_deref().unwrap_or_default()
            ))),
            _ => {
                self.flush_pending()?;
                self.send()?;
                self.sent_last = None;
                self.batch = Some(KeyedBatch::new(Arc::from(group)));
                Ok(())
            }
        }
    }

    fn flush_pending(&mut self) -> Result<(), StreamError> {
        for (key, value) in std::mem::take(&mut self.pending) {
            self.append(&key, value)?;
        }
        Ok(())
    }

    fn append(&mut self, key: &str, value: V) -> Result<(), StreamError> {
        let batch = self.batch.as_mut().expect("a group was entered");
        let last = batch.last_key().or(self.sent_last.as_deref());
        match last.map(|l| l.cmp(key)) {
            Some(std::cmp::Ordering::Equal) if !batch.is_empty() => {
                let i = batch.len() - 1;
                batch.values[i].combine(&value);
                return Ok(());
            }
            Some(std::cmp::Ordering::Equal | std::cmp::Ordering::Greater) => {
                return Err(StreamError::Unsorted(format!(
                    "title {key:?} after {:?} in {}",
                    last.unwrap_or_default(),
                    batch.group
                )));
            }
            _ => {}
        }
        if batch.len() >= BATCH_RECORDS {
            let group = Arc::clone(&batch.group);
            self.sent_last = batch.last_key().map(str::to_string);
            self.send()?;
            self.batch = Some(KeyedBatch::new(group));
        }
        self.batch.as_mut().expect("set above").push(key, value);
        Ok(())
    }

    fn send(&mut self) -> Result<(), StreamError> {
        match self.batch.take() {
            Some(batch) if !batch.is_empty() => {
                self.tx.send(batch).map_err(|_| StreamError::Closed)
            }
            _ => Ok(()),
        }
    }
}

/// The loading side of a file's stream: a cursor over its records.
pub struct Source<V> {
    rx: Receiver<KeyedBatch<V>>,
    batch: Option<KeyedBatch<V>>,
    at: usize,
}

impl<V: Record> Source<V> {
    pub fn new(rx: Receiver<KeyedBatch<V>>) -> Source<V> {
        let mut source = Source { rx, batch: None, at: 0 };
        source.fill();
        source
    }

    fn fill(&mut self) {
        self.batch = self.rx.recv().ok();
        self.at = 0;
    }

    /// The current record's group and key, or `None` at the end of the stream.
    pub fn head(&self) -> Option<(&Arc<str>, &str)> {
        self.batch.as_ref().map(|b| (&b.group, b.key(self.at)))
    }

    pub fn value(&self) -> &V {
        self.batch.as_ref().expect("not at the end").value(self.at)
    }

    pub fn advance(&mut self) {
        if let Some(batch) = &self.batch {
            self.at += 1;
            if self.at >= batch.len() {
                self.fill();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn collect(pushes: &[(&str, &str, u32, bool)]) -> Result<Vec<(String, String, u32)>, String> {
        let (tx, rx) = std::sync::mpsc::sync_channel(1000);
        let mut sink = SortedSink::<[u32; 1]>::new(tx);
        for &(group, key, v, early) in pushes {
            let pushed =
                if early { sink.push_early(group, key, [v]) } else { sink.push(group, key, [v]) };
            pushed.map_err(|e| e.to_string())?;
        }
        sink.finish().map_err(|e| e.to_string())?;
        let mut source = Source::new(rx);
        let mut out = Vec::new();
        while let Some((group, key)) = source.head() {
            out.push((group.to_string(), key.to_string(), source.value()[0]));
            source.advance();
        }
        Ok(out)
    }

    fn rows(r: &[(&str, &str, u32)]) -> Vec<(String, String, u32)> {
        r.iter().map(|(g, k, v)| (g.to_string(), k.to_string(), *v)).collect()
    }

    #[test]
    fn repeated_keys_are_summed_and_batches_cross_groups() {
        let mut pushes = vec![("a", "x", 1, false), ("a", "x", 2, false), ("a", "y", 3, false)];
        let many: Vec<String> = (0..20_000).map(|i| format!("k{i:05}")).collect();
        pushes.extend(many.iter().map(|k| ("b", k.as_str(), 1, false)));
        let out = collect(&pushes).unwrap();
        assert_eq!(out[..2], rows(&[("a", "x", 3), ("a", "y", 3)])[..]);
        assert_eq!(out.len(), 2 + 20_000);
        assert!(out[2..].windows(2).all(|w| w[0].1 < w[1].1));
    }

    #[test]
    fn early_keys_wait_for_their_place_and_join_their_twin() {
        let out = collect(&[
            ("a", "AB", 5, true), // "A\tB" in the file, before "AA"
            ("a", "AA", 1, false),
            ("a", "AB", 2, false),
            ("a", "AC", 1, false),
            ("a", "Z", 7, true),
            ("b", "Q", 1, false),
        ])
        .unwrap();
        assert_eq!(
            out,
            rows(&[("a", "AA", 1), ("a", "AB", 7), ("a", "AC", 1), ("a", "Z", 7), ("b", "Q", 1)])
        );
    }

    #[test]
    fn keys_or_groups_out_of_order_are_refused() {
        let err = collect(&[("a", "B", 1, false), ("a", "A", 1, false)]).unwrap_err();
        assert!(err.contains("title \"A\" after \"B\""), "{err}");
        let err = collect(&[("b", "A", 1, false), ("a", "A", 1, false)]).unwrap_err();
        assert!(err.contains("project a after b"), "{err}");
        let keys: Vec<String> = (0..10_000).map(|i| format!("k{i:05}")).collect();
        let mut pushes: Vec<(&str, &str, u32, bool)> =
            keys.iter().map(|k| ("a", k.as_str(), 1, false)).collect();
        pushes.push(("a", "k00001", 1, false));
        assert!(collect(&pushes).is_err(), "across a batch boundary too");
    }
}

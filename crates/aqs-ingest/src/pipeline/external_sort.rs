//! Sorting a file that is not sorted, in bounded memory: records are gathered up to a memory
//! budget, sorted, and written to disk as a run (in a [`SpillDir`], removed afterwards); the
//! runs are then merged into a [`SortedSink`], which sums the records of each key.

use super::Record;
use super::batch::SortedSink;
use anyhow::{Context, Result};
use aqs_core::spill::SpillDir;
use std::collections::HashMap;
use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Gathers records in any order and hands them on sorted.
pub struct ExternalSorter<V> {
    parent: PathBuf,
    spill: Option<SpillDir>,
    budget: usize,
    groups: Vec<Arc<str>>,
    group_ids: HashMap<Arc<str>, u32>,
    keys: String,
    /// (group id, key start, key end, value)
    records: Vec<(u32, u32, u32, V)>,
    runs: Vec<PathBuf>,
    spilled_bytes: u64,
}

impl<V: Record> ExternalSorter<V> {
    /// A sorter that holds about `budget` bytes before it spills into a directory in `parent`.
    pub fn new(parent: &Path, budget: usize) -> ExternalSorter<V> {
        ExternalSorter {
            parent: parent.to_path_buf(),
            spill: None,
            budget: budget.max(4096),
            groups: Vec::new(),
            group_ids: HashMap::new(),
            keys: String::new(),
            records: Vec::new(),
            runs: Vec::new(),
            spilled_bytes: 0,
        }
    }

    fn memory(&self) -> usize {
        self.keys.len() + self.records.len() * std::mem::size_of::<(u32, u32, u32, V)>()
    }

    pub fn push(&mut self, group: &str, key: &str, value: V) -> Result<()> {
        let id = match self.group_ids.get(group) {
            Some(&id) => id,
            None => {
                let name: Arc<str> = Arc::from(group);
                let id = self.groups.len() as u32;
                self.groups.push(Arc::clone(&name));
                self.group_ids.insert(name, id);
                id
            }
        };
        let start = self.keys.len() as u32;
        self.keys.push_str(key);
        self.records.push((id, start, self.keys.len() as u32, value));
        if self.memory() >= self.budget || self.keys.len() > (u32::MAX / 2) as usize {
            self.spill_run()?;
        }
        Ok(())
    }

    fn sort(&mut self) {
        let (groups, keys) = (&self.groups, &self.keys);
        self.records.sort_by(|a, b| {
            groups[a.0 as usize].cmp(&groups[b.0 as usize]).then_with(|| {
                keys[a.1 as usize..a.2 as usize].cmp(&keys[b.1 as usize..b.2 as usize])
            })
        });
    }

    fn spill_run(&mut self) -> Result<()> {
        self.sort();
        let dir = match &self.spill {
            Some(dir) => dir,
            None => self.spill.insert(SpillDir::create(&self.parent)?),
        };
        let path = dir.file(&format!("run-{}", self.runs.len()));
        let file =
            File::create(&path).with_context(|| format!("cannot create {}", path.display()))?;
        let mut out = BufWriter::with_capacity(1 << 20, file);
        let (mut bytes, mut value_bytes) = (Vec::new(), Vec::new());
        let mut group = u32::MAX;
        for (g, start, end, value) in &self.records {
            bytes.clear();
            if *g != group {
                group = *g;
                bytes.push(0);
                let name = self.groups[*g as usize].as_bytes();
                super::put_varint(&mut bytes, name.len() as u64);
                bytes.extend_from_slice(name);
            }
            let key = &self.keys.as_bytes()[*start as usize..*end as usize];
            bytes.push(1);
            super::put_varint(&mut bytes, key.len() as u64);
            bytes.extend_from_slice(key);
            value_bytes.clear();
            value.encode(&mut value_bytes);
            super::put_varint(&mut bytes, value_bytes.len() as u64);
            bytes.extend_from_slice(&value_bytes);
            out.write_all(&bytes)?;
            self.spilled_bytes += bytes.len() as u64;
        }
        out.flush().with_context(|| format!("cannot write {}", path.display()))?;
        self.runs.push(path);
        self.records.clear();
        self.keys.clear();
        Ok(())
    }

    /// Pushes every record into `sink`, in order; records of one key are summed by the sink.
    /// Returns the bytes spilled to disk.
    pub fn finish(mut self, sink: &mut SortedSink<V>) -> Result<u64> {
        if self.runs.is_empty() {
            self.sort();
            for (g, start, end, value) in &self.records {
                let key = &self.keys[*start as usize..*end as usize];
                sink.push(&self.groups[*g as usize], key, *value)?;
            }
            return Ok(0);
        }
        self.spill_run()?;
        let mut runs = Vec::with_capacity(self.runs.len());
        for path in &self.runs {
            let file =
                File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
            let input = BufReader::with_capacity(1 << 16, file);
            let (group, key) = (String::new(), String::new());
            let mut run = Run { input, group, key, value: V::default(), live: true };
            run.next()?;
            runs.push(run);
        }
        loop {
            let least = runs
                .iter()
                .enumerate()
                .filter(|(_, r)| r.live)
                .min_by(|(_, a), (_, b)| (&a.group, &a.key).cmp(&(&b.group, &b.key)))
                .map(|(i, _)| i);
            let Some(least) = least else { return Ok(self.spilled_bytes) };
            let run = &mut runs[least];
            sink.push(&run.group, &run.key, run.value)?;
            run.next()?;
        }
    }
}

/// A spilled run being read back.
struct Run<V> {
    input: BufReader<File>,
    group: String,
    key: String,
    value: V,
    live: bool,
}

impl<V: Record> Run<V> {
    fn next(&mut self) -> Result<()> {
        loop {
            let mut tag = [0u8];
            if self.input.fill_buf()?.is_empty() {
                self.live = false;
                return Ok(());
            }
            std::io::Read::read_exact(&mut self.input, &mut tag)?;
            let text = read_bytes(&mut self.input)?;
            let text = String::from_utf8(text).context("a spilled key is not UTF-8")?;
            if tag[0] == 0 {
                self.group = text;
                continue;
            }
            self.key = text;
            let encoded = read_bytes(&mut self.input)?;
            self.value = V::decode(&mut &encoded[..]).context("a spilled value does not decode")?;
            return Ok(());
        }
    }
}

fn read_bytes(input: &mut BufReader<File>) -> Result<Vec<u8>> {
    let mut len = 0u64;
    for shift in (0..64).step_by(7) {
        let mut byte = [0u8];
        std::io::Read::read_exact(input, &mut byte)?;
        len |= u64::from(byte[0] & 0x7f) << shift;
        if byte[0] < 0x80 {
            let mut out = vec![0u8; len as usize];
            std::io::Read::read_exact(input, &mut out)?;
            return Ok(out);
        }
    }
    anyhow::bail!("a spilled length does not decode")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipeline::batch::Source;

    #[test]
    fn records_in_any_order_come_out_sorted_and_summed_through_spilled_runs() {
        let parent = tempfile::tempdir().unwrap();
        // A tiny budget: every few hundred records make a run.
        let mut sorter = ExternalSorter::<[u32; 2]>::new(parent.path(), 1);
        let mut expected = std::collections::BTreeMap::new();
        for i in 0..5_000u32 {
            let group = ["b", "a", "c"][(i % 3) as usize];
            let key = format!("k{:04}", (i * 7919) % 1000);
            sorter.push(group, &key, [i, 1]).unwrap();
            let e = expected.entry((group.to_string(), key)).or_insert([0u32, 0]);
            e[0] += i;
            e[1] += 1;
        }
        assert!(sorter.runs.len() > 10, "spilled");
        let spill = sorter.spill.as_ref().unwrap().path().to_path_buf();
        let (tx, rx) = std::sync::mpsc::sync_channel(100_000);
        let mut sink = SortedSink::new(tx);
        sorter.finish(&mut sink).unwrap();
        sink.finish().unwrap();
        assert!(!spill.exists(), "runs removed once merged");
        let mut source = Source::new(rx);
        let mut got = Vec::new();
        while let Some((g, k)) = source.head() {
            got.push(((g.to_string(), k.to_string()), *source.value()));
            source.advance();
        }
        assert_eq!(got, expected.into_iter().collect::<Vec<_>>());
    }
}

//! A day's new per-article rows, bucketed by article id.
//!
//! Rows arrive in title order, but a segment is written in article-id order. Each row goes
//! to the partition of its id (a fixed span of ids); a partition is later read back whole,
//! sorted, and appended. Partitions stay in memory while they fit half the budget; past
//! that, every partition spills to its own file in a [`SpillDir`] next to the store (removed
//! when the publication ends, whether it commits or not).

use aqs_core::error::{StoreError, StoreResult};
use aqs_core::spill::SpillDir;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::PathBuf;

enum Part {
    Memory(Vec<u8>),
    File(BufWriter<File>, PathBuf),
}

pub(crate) struct Partitions {
    span_bits: u32,
    parts: Vec<Part>,
    in_memory: usize,
    budget: usize,
    dir: PathBuf,
    spill: Option<SpillDir>,
    rows: u64,
    spilled_bytes: u64,
}

impl Partitions {
    /// Partitions that keep at most about `budget` bytes in memory, spilling into `dir`.
    pub fn new(dir: PathBuf, budget: usize) -> Partitions {
        // A partition read back takes its bytes (about 10 per row) and 8 bytes of index per
        // row; keep a full one within a quarter of the budget.
        let span_bits = (budget / 4 / 20).max(1).ilog2().clamp(8, 24);
        Partitions {
            span_bits,
            parts: Vec::new(),
            in_memory: 0,
            budget,
            dir,
            spill: None,
            rows: 0,
            spilled_bytes: 0,
        }
    }

    /// Bytes written to spill files so far.
    pub fn spilled_bytes(&self) -> u64 {
        self.spilled_bytes
    }

    pub fn push(&mut self, id: u32, value: &[u8]) -> StoreResult<()> {
        let index = (id >> self.span_bits) as usize;
        while self.parts.len() <= index {
            let part = match &self.spill {
                None => Part::Memory(Vec::new()),
                Some(dir) => new_file(dir, self.parts.len())?,
            };
            self.parts.push(part);
        }
        let mut record = [0u8; 14];
        record[..4].copy_from_slice(&id.to_le_bytes());
        let len = u16::try_from(value.len())
            .map_err(|_| StoreError::Limit("a day's value over 64 kB".into()))?;
        record[4..6].copy_from_slice(&len.to_le_bytes());
        match &mut self.parts[index] {
            Part::Memory(bytes) => {
                bytes.extend_from_slice(&record[..6]);
                bytes.extend_from_slice(value);
                self.in_memory += 6 + value.len();
            }
            Part::File(out, _) => {
                out.write_all(&record[..6])?;
                out.write_all(value)?;
                self.spilled_bytes += 6 + value.len() as u64;
            }
        }
        self.rows += 1;
        if self.spill.is_none() && self.in_memory > self.budget / 2 {
            self.spill_all()?;
        }
        Ok(())
    }

    fn spill_all(&mut self) -> StoreResult<()> {
        let dir = SpillDir::create(&self.dir)?;
        for (i, part) in self.parts.iter_mut().enumerate() {
            if let Part::Memory(bytes) = part {
                let mut file = new_file(&dir, i)?;
                if let Part::File(out, _) = &mut file {
                    out.write_all(bytes)?;
                    self.spilled_bytes += bytes.len() as u64;
                }
                *part = file;
            }
        }
        self.in_memory = 0;
        self.spill = Some(dir);
        Ok(())
    }

    /// Calls `each(id, value)` for every row, ascending by id.
    pub fn for_each(
        mut self,
        mut each: impl FnMut(u32, &[u8]) -> StoreResult<()>,
    ) -> StoreResult<()> {
        // (id, offset of the record) of one partition.
        let mut index: Vec<(u32, u32)> = Vec::new();
        for part in std::mem::take(&mut self.parts) {
            let bytes = match part {
                Part::Memory(bytes) => bytes,
                Part::File(mut out, path) => {
                    out.flush()?;
                    drop(out);
                    let bytes = std::fs::read(&path)?;
                    std::fs::remove_file(&path)?;
                    bytes
                }
            };
            let offset = |at: usize| {
                u32::try_from(at).map_err(|_| StoreError::Limit("a partition over 4 GB".into()))
            };
            index.clear();
            let mut at = 0;
            while at < bytes.len() {
                let (id, len) = record_header(&bytes, at)?;
                index.push((id, offset(at)?));
                at += 6 + len;
            }
            index.sort_unstable_by_key(|e| e.0);
            if let Some(w) = index.windows(2).find(|w| w[0].0 == w[1].0) {
                return Err(StoreError::InvalidWrite(format!(
                    "article id {} has two rows in one day: titles must be unique",
                    w[0].0
                )));
            }
            for &(id, at) in &index {
                let at = at as usize;
                let (_, len) = record_header(&bytes, at)?;
                each(id, &bytes[at + 6..at + 6 + len])?;
            }
        }
        Ok(())
    }
}

/// The id and value length of the record at `at`.
fn record_header(bytes: &[u8], at: usize) -> StoreResult<(u32, usize)> {
    let header = bytes.get(at..at + 6).ok_or_else(truncated)?;
    let id = u32::from_le_bytes(header[..4].try_into().expect("4 bytes"));
    let len = usize::from(u16::from_le_bytes(header[4..6].try_into().expect("2 bytes")));
    if at + 6 + len > bytes.len() {
        return Err(truncated());
    }
    Ok((id, len))
}

fn new_file(dir: &SpillDir, index: usize) -> StoreResult<Part> {
    let path = dir.file(&format!("partition-{index}"));
    let file = File::create(&path)?;
    Ok(Part::File(BufWriter::with_capacity(1 << 16, file), path))
}

fn truncated() -> StoreError {
    StoreError::Corrupt("a spilled partition is truncated".into())
}

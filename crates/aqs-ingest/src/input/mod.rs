//! Opening dump files: bzip2 (multi-stream, its blocks decoded on every core), gzip
//! (multi-member) or plain, by file name.

mod bzip2_blocks;
mod parallel_bzip2;

pub use parallel_bzip2::ParallelBzDecoder;

use anyhow::{Context, Result};
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// Counts the compressed bytes read, for progress reports.
struct Counting<R> {
    inner: R,
    read: Arc<AtomicU64>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// A decompressing reader over a dump file, and a counter of the file bytes consumed so far.
pub fn open_dump(path: &Path) -> Result<(Box<dyn BufRead + Send>, Arc<AtomicU64>)> {
    let file = File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let read = Arc::new(AtomicU64::new(0));
    let counted =
        Counting { inner: BufReader::with_capacity(1 << 16, file), read: Arc::clone(&read) };
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default();
    let reader: Box<dyn BufRead + Send> = if name.ends_with(".bz2") {
        let decoder = ParallelBzDecoder::new(counted, path, bzip2_threads());
        Box::new(BufReader::with_capacity(1 << 16, decoder))
    } else if name.ends_with(".gz") {
        Box::new(BufReader::with_capacity(1 << 16, flate2::read::MultiGzDecoder::new(counted)))
    } else {
        Box::new(BufReader::with_capacity(1 << 16, counted))
    };
    Ok((reader, read))
}

/// Threads that decode one bzip2 file: every core (`AQS_BZIP2_THREADS` overrides it, for
/// benchmarks).
fn bzip2_threads() -> usize {
    std::env::var("AQS_BZIP2_THREADS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
}

/// The name of a file without its compression suffix.
pub fn base_name(path: &Path) -> &str {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default();
    name.strip_suffix(".bz2").or_else(|| name.strip_suffix(".gz")).unwrap_or(name)
}

#[cfg(test)]
mod test_files {
    use std::io::Write;

    /// `text` as one bzip2 stream at `level` (1: 100 kB blocks, so a few MB make many).
    pub fn compress(text: &[u8], level: u32) -> Vec<u8> {
        let mut e = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::new(level));
        e.write_all(text).unwrap();
        e.finish().unwrap()
    }
}

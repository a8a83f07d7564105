//! A bzip2 reader that decodes blocks on several threads ([`ParallelBzDecoder`]).
//!
//! One thread reads the compressed file and finds its blocks ([`super::bzip2_blocks`]);
//! worker threads decode the blocks, each as a stream of its own; the reader hands out their
//! text in file order. A bzip2 block decodes at about 50 MB/s of text on one core, so a real
//! spider file (5.3 GB of text) takes nearly two minutes on one thread and about one on two.
//! Memory is bounded: the scanner waits when a few blocks per worker are in flight.

use super::bzip2_blocks::{Marker, scan, standalone_stream};
use std::collections::BTreeMap;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

/// Compressed bytes read at a time.
const READ_BYTES: usize = 4 << 20;
/// Blocks decoded together when one alone does not decode (a magic found by chance inside a
/// block splits it in two).
const MAX_MERGED: usize = 4;

/// One block: its number, its bits in the file, and its bytes from the byte its first bit is in.
struct Job {
    seq: u64,
    start: u64,
    end: u64,
    bytes: Vec<u8>,
}

struct Decoded {
    seq: u64,
    start: u64,
    end: u64,
    text: Result<Vec<u8>, String>,
}

/// Text of a bzip2 file (one or more streams), decoded on `threads` threads.
pub struct ParallelBzDecoder {
    path: PathBuf,
    results: Receiver<Decoded>,
    waiting: BTreeMap<u64, Decoded>,
    next: u64,
    current: Vec<u8>,
    pos: usize,
    scanner: Option<JoinHandle<std::io::Result<u64>>>,
}

impl ParallelBzDecoder {
    /// Starts decoding `source` (the file at `path`, read again only to recover from a block
    /// split by a chance magic).
    pub fn new(
        source: impl Read + Send + 'static,
        path: &Path,
        threads: usize,
    ) -> ParallelBzDecoder {
        ParallelBzDecoder::with_false_magics(source, path, threads, Vec::new())
    }

    /// [`ParallelBzDecoder::new`], taking the bits at `false_magics` for block magics too, as
    /// if the compressed data held one there by chance (for tests).
    fn with_false_magics(
        source: impl Read + Send + 'static,
        path: &Path,
        threads: usize,
        false_magics: Vec<u64>,
    ) -> ParallelBzDecoder {
        let threads = threads.max(1);
        let (jobs_tx, jobs_rx) = sync_channel::<Job>(threads * 2);
        let (results_tx, results) = sync_channel::<Decoded>(threads * 2);
        let jobs_rx = Arc::new(Mutex::new(jobs_rx));
        for _ in 0..threads {
            let (jobs_rx, results_tx) = (Arc::clone(&jobs_rx), results_tx.clone());
            std::thread::spawn(move || decode_jobs(&jobs_rx, &results_tx));
        }
        let scanner = std::thread::spawn(move || find_blocks(source, &jobs_tx, &false_magics));
        ParallelBzDecoder {
            path: path.to_path_buf(),
            results,
            waiting: BTreeMap::new(),
            next: 0,
            current: Vec::new(),
            pos: 0,
            scanner: Some(scanner),
        }
    }

    /// The decoded block `seq`, or `None` once the file has no more.
    fn take(&mut self, seq: u64) -> std::io::Result<Option<Decoded>> {
        loop {
            if let Some(decoded) = self.waiting.remove(&seq) {
                return Ok(Some(decoded));
            }
            match self.results.recv() {
                Ok(decoded) => {
                    self.waiting.insert(decoded.seq, decoded);
                }
                Err(_) => {
                    let blocks = match self.scanner.take().map(JoinHandle::join) {
                        Some(Ok(result)) => result?,
                        Some(Err(_)) => return Err(corrupt("the bzip2 reader thread failed")),
                        None => seq,
                    };
                    self.scanner = None;
                    if seq < blocks {
                        return Err(corrupt("a bzip2 block was lost"));
                    }
                    return Ok(None);
                }
            }
        }
    }

    /// Decodes blocks `first..` together when `first` alone does not decode.
    fn recover(&mut self, first: Decoded, error: String) -> std::io::Result<Vec<u8>> {
        let mut end = first.end;
        for _ in 1..MAX_MERGED {
            let Some(following) = self.take(self.next + 1)? else { break };
            self.next += 1;
            end = following.end;
            let start_byte = first.start / 8;
            let mut file = File::open(&self.path)?;
            file.seek(SeekFrom::Start(start_byte))?;
            let mut bytes = vec![0u8; (end.div_ceil(8) - start_byte) as usize];
            file.read_exact(&mut bytes)?;
            let stream = standalone_stream(&bytes, first.start % 8, end - start_byte * 8);
            let mut text = Vec::new();
            if bzip2::read::BzDecoder::new(&stream[..]).read_to_end(&mut text).is_ok() {
                return Ok(text);
            }
        }
        Err(corrupt(&format!(
            "bzip2 data does not decode between bytes {} and {} ({error})",
            first.start / 8,
            end.div_ceil(8)
        )))
    }
}

impl Read for ParallelBzDecoder {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while self.pos >= self.current.len() {
            let Some(decoded) = self.take(self.next)? else { return Ok(0) };
            self.current = match decoded.text {
                Ok(text) => text,
                Err(ref error) => {
                    let error = error.clone();
                    self.recover(decoded, error)?
                }
            };
            self.next += 1;
            self.pos = 0;
        }
        let n = buf.len().min(self.current.len() - self.pos);
        buf[..n].copy_from_slice(&self.current[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

fn corrupt(what: &str) -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::InvalidData, what.to_string())
}

fn decode_jobs(jobs: &Mutex<Receiver<Job>>, results: &SyncSender<Decoded>) {
    loop {
        let job = match jobs.lock() {
            Ok(jobs) => jobs.recv(),
            Err(_) => return,
        };
        let Ok(job) = job else { return };
        let base = (job.start / 8) * 8;
        let stream = standalone_stream(&job.bytes, job.start - base, job.end - base);
        let mut text = Vec::with_capacity(1 << 20);
        let text = match bzip2::read::BzDecoder::new(&stream[..]).read_to_end(&mut text) {
            Ok(_) => Ok(text),
            Err(e) => Err(e.to_string()),
        };
        let decoded = Decoded { seq: job.seq, start: job.start, end: job.end, text };
        if results.send(decoded).is_err() {
            return;
        }
    }
}

/// Reads the file, finds its blocks, and sends them to the workers; returns how many.
fn find_blocks(
    mut source: impl Read,
    jobs: &SyncSender<Job>,
    false_magics: &[u64],
) -> std::io::Result<u64> {
    let mut buf: Vec<u8> = Vec::with_capacity(READ_BYTES * 2);
    let mut base = 0u64; // the absolute offset of buf[0]
    let mut scanned = 0usize; // bytes of buf already scanned as magic starts
    let mut open: Option<u64> = None; // the start bit of the block being read
    let mut seq = 0u64;
    let mut markers = Vec::new();
    let mut header_checked = false;
    loop {
        let filled = buf.len();
        buf.resize(filled + READ_BYTES, 0);
        let n = read_full(&mut source, &mut buf[filled..])?;
        buf.truncate(filled + n);
        let eof = n == 0;
        if !header_checked && (buf.len() >= 4 || eof) {
            if buf.len() < 4 || &buf[..3] != b"BZh" || !(b'1'..=b'9').contains(&buf[3]) {
                return Err(corrupt("not a bzip2 file (it does not start with BZh1 to BZh9)"));
            }
            header_checked = true;
        }
        // At the end, pad so that magics in the last bytes are checked too.
        let limit = if eof { buf.len() } else { buf.len().saturating_sub(7) };
        if eof {
            buf.extend_from_slice(&[0; 8]);
        }
        markers.clear();
        scan(&buf[scanned..], limit.saturating_sub(scanned), base + scanned as u64, &mut markers);
        let window = (base + scanned as u64) * 8..(base + limit.max(scanned) as u64) * 8;
        for &bit in false_magics.iter().filter(|b| window.contains(b)) {
            markers.push(Marker { bit, end_of_stream: false });
        }
        markers.sort_by_key(|m| m.bit);
        scanned = scanned.max(limit);
        for &Marker { bit, end_of_stream } in &markers {
            if let Some(start) = open {
                send(jobs, &buf, base, Job { seq, start, end: bit, bytes: Vec::new() })?;
                seq += 1;
            }
            open = (!end_of_stream).then_some(bit);
        }
        if eof {
            if let Some(start) = open {
                // A block with no end: the file is cut short. It fails to decode, with its place.
                let end = (base + limit as u64) * 8;
                send(jobs, &buf, base, Job { seq, start, end, bytes: Vec::new() })?;
                seq += 1;
            }
            return Ok(seq);
        }
        // Keep only what the open block (or the unscanned tail) still needs.
        let keep_from = open.map_or(scanned, |start| ((start / 8 - base) as usize).min(scanned));
        buf.drain(..keep_from);
        base += keep_from as u64;
        scanned -= keep_from;
    }
}

fn send(jobs: &SyncSender<Job>, buf: &[u8], base: u64, mut job: Job) -> std::io::Result<()> {
    let from = (job.start / 8 - base) as usize;
    let to = ((job.end.div_ceil(8) - base) as usize).min(buf.len());
    job.bytes = buf[from..to].to_vec();
    jobs.send(job).map_err(|_| std::io::Error::other("the bzip2 reader stopped"))
}

fn read_full(source: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match source.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::test_files::compress;
    use std::io::Write;

    fn sample(lines: usize) -> Vec<u8> {
        let mut out = Vec::new();
        for i in 0..lines {
            writeln!(
                out,
                "de.wikipedia Seite_{} {} mobile-web {} C{}",
                i * 7919 % 100_003,
                i,
                i % 9 + 1,
                i % 9 + 1
            )
            .unwrap();
        }
        out
    }

    fn decode(file: &[u8], threads: usize) -> std::io::Result<Vec<u8>> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f.bz2");
        std::fs::write(&path, file).unwrap();
        let mut out = Vec::new();
        ParallelBzDecoder::new(File::open(&path)?, &path, threads).read_to_end(&mut out)?;
        Ok(out)
    }

    #[test]
    fn decodes_what_the_sequential_decoder_decodes() {
        let text = sample(150_000);
        let mut file = compress(&text[..1000], 9);
        file.extend(compress(&text[1000..text.len() / 2], 1));
        file.extend(compress(b"", 9));
        file.extend(compress(&text[text.len() / 2..], 3));
        for threads in [1, 3] {
            assert_eq!(decode(&file, threads).unwrap(), text, "{threads} threads");
        }
        assert_eq!(decode(&compress(b"", 9), 2).unwrap(), b"");
    }

    #[test]
    fn a_block_split_by_a_chance_magic_is_decoded_whole() {
        let text = sample(40_000);
        let file = compress(&text, 1);
        let mut markers = Vec::new();
        super::scan(&file, file.len(), 0, &mut markers);
        // Pretend magics in the middle of the second block and near the end of the last one.
        let last_block = markers.iter().rev().find(|m| !m.end_of_stream).unwrap().bit;
        let fakes = vec![(markers[1].bit + markers[2].bit) / 2, last_block + 4001];
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f.bz2");
        std::fs::write(&path, &file).unwrap();
        let mut out = Vec::new();
        ParallelBzDecoder::with_false_magics(File::open(&path).unwrap(), &path, 2, fakes)
            .read_to_end(&mut out)
            .unwrap();
        assert_eq!(out, text);
    }

    #[test]
    fn truncated_or_foreign_files_are_errors() {
        let file = compress(&sample(50_000), 1);
        let error = decode(&file[..file.len() * 2 / 3], 2).unwrap_err();
        assert_eq!(error.kind(), std::io::ErrorKind::InvalidData, "{error}");
        let error = decode(b"plain text, not bzip2\n", 2).unwrap_err();
        assert!(error.to_string().contains("not a bzip2 file"), "{error}");
        let mut flipped = file.clone();
        let middle = flipped.len() / 2;
        flipped[middle] ^= 0x55;
        assert!(decode(&flipped, 2).is_err(), "a corrupt block is an error");
    }
}

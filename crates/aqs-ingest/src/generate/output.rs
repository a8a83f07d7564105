//! Writing several dump files at once from one producer thread, compressed on every core.
//!
//! Text is cut into pieces of [`PIECE_BYTES`]; with bzip2, each piece becomes one independent
//! stream (a multi-stream file, as `pbzip2` writes and as the loader must read anyway), so the
//! pieces compress in parallel and are written in order. Memory stays bounded: at most a few
//! pieces per worker are in flight.

use anyhow::{Context, Result, anyhow};
use bzip2::write::BzEncoder;
use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

/// The compression of generated files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    /// `.bz2`, at level 9 (900 kB blocks), as Wikimedia publishes them.
    Bzip2,
    /// Plain text, no suffix: quicker to write and to read, for repeated benchmarks.
    None,
}

impl Compression {
    pub fn parse(name: &str) -> Option<Compression> {
        match name {
            "bz2" | "bzip2" => Some(Compression::Bzip2),
            "none" => Some(Compression::None),
            _ => None,
        }
    }

    /// The file-name suffix.
    pub fn suffix(self) -> &'static str {
        match self {
            Compression::Bzip2 => ".bz2",
            Compression::None => "",
        }
    }
}

/// Uncompressed bytes per bzip2 stream.
pub const PIECE_BYTES: usize = 4 << 20;

/// (file, piece number, bytes)
type Piece = (usize, u64, Vec<u8>);

/// A set of files written in parallel. Dropping it without [`Outputs::finish`] leaves the
/// files incomplete.
pub struct Outputs {
    paths: Vec<PathBuf>,
    buffers: Vec<Vec<u8>>,
    next_piece: Vec<u64>,
    jobs: Option<SyncSender<Piece>>,
    workers: Vec<JoinHandle<Result<()>>>,
    writer: Option<JoinHandle<Result<Vec<u64>>>>,
}

impl Outputs {
    /// Creates the files (and their directories).
    pub fn create(paths: Vec<PathBuf>, compression: Compression) -> Result<Outputs> {
        let mut files = Vec::new();
        for path in &paths {
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir)
                    .with_context(|| format!("cannot create {}", dir.display()))?;
            }
            let file =
                File::create(path).with_context(|| format!("cannot create {}", path.display()))?;
            files.push(BufWriter::with_capacity(1 << 20, file));
        }
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
        let (jobs, job_rx) = sync_channel::<Piece>(threads * 2);
        let (done_tx, done_rx) = sync_channel::<Piece>(threads * 2);
        let job_rx = Arc::new(Mutex::new(job_rx));
        let workers = (0..threads)
            .map(|_| {
                let (job_rx, done_tx) = (Arc::clone(&job_rx), done_tx.clone());
                std::thread::spawn(move || compress_pieces(&job_rx, &done_tx, compression))
            })
            .collect();
        drop(done_tx);
        let names = paths.clone();
        let writer = std::thread::spawn(move || write_in_order(files, &names, &done_rx));
        Ok(Outputs {
            buffers: vec![Vec::with_capacity(PIECE_BYTES + 4096); paths.len()],
            next_piece: vec![0; paths.len()],
            paths,
            jobs: Some(jobs),
            workers,
            writer: Some(writer),
        })
    }

    /// The buffer of one file, to append text to; call [`Outputs::flush_full`] after.
    pub fn buffer(&mut self, file: usize) -> &mut Vec<u8> {
        &mut self.buffers[file]
    }

    /// Sends the file's buffered text on once it holds a piece.
    pub fn flush_full(&mut self, file: usize) -> Result<()> {
        if self.buffers[file].len() >= PIECE_BYTES { self.send(file) } else { Ok(()) }
    }

    fn send(&mut self, file: usize) -> Result<()> {
        let bytes = std::mem::replace(&mut self.buffers[file], Vec::with_capacity(PIECE_BYTES));
        let piece = self.next_piece[file];
        self.next_piece[file] += 1;
        let jobs = self.jobs.as_ref().ok_or_else(|| anyhow!("outputs already finished"))?;
        if jobs.send((file, piece, bytes)).is_err() {
            // A worker or the writer stopped: its error says why.
            return Err(self.join().err().unwrap_or_else(|| anyhow!("a compressor stopped")));
        }
        Ok(())
    }

    /// Writes what is buffered, waits for every piece and closes the files; returns the bytes
    /// written to each.
    pub fn finish(mut self) -> Result<Vec<u64>> {
        for file in 0..self.paths.len() {
            if !self.buffers[file].is_empty() || self.next_piece[file] == 0 {
                self.send(file)?;
            }
        }
        self.join()
    }

    fn join(&mut self) -> Result<Vec<u64>> {
        self.jobs = None;
        for worker in self.workers.drain(..) {
            worker.join().map_err(|_| anyhow!("a compressor thread panicked"))??;
        }
        let writer = self.writer.take().ok_or_else(|| anyhow!("outputs already finished"))?;
        let sizes = writer.join().map_err(|_| anyhow!("the writer thread panicked"))??;
        Ok(sizes)
    }
}

fn compress_pieces(
    jobs: &Mutex<Receiver<Piece>>,
    done: &SyncSender<Piece>,
    compression: Compression,
) -> Result<()> {
    loop {
        let job = jobs.lock().map_err(|_| anyhow!("job queue poisoned"))?.recv();
        let Ok((file, piece, text)) = job else { return Ok(()) };
        let bytes = match compression {
            Compression::None => text,
            Compression::Bzip2 => {
                let mut encoder =
                    BzEncoder::new(Vec::with_capacity(text.len() / 4), bzip2::Compression::best());
                encoder.write_all(&text)?;
                encoder.finish()?
            }
        };
        if done.send((file, piece, bytes)).is_err() {
            return Ok(());
        }
    }
}

/// Writes pieces to their files in piece order, whatever order they were compressed in.
fn write_in_order(
    mut files: Vec<BufWriter<File>>,
    paths: &[PathBuf],
    done: &Receiver<Piece>,
) -> Result<Vec<u64>> {
    let mut waiting: Vec<BTreeMap<u64, Vec<u8>>> = vec![BTreeMap::new(); files.len()];
    let mut next = vec![0u64; files.len()];
    let mut sizes = vec![0u64; files.len()];
    for (file, piece, bytes) in done {
        waiting[file].insert(piece, bytes);
        while let Some(bytes) = waiting[file].remove(&next[file]) {
            files[file].write_all(&bytes).with_context(|| context(&paths[file]))?;
            sizes[file] += bytes.len() as u64;
            next[file] += 1;
        }
    }
    for (file, path) in files.iter_mut().zip(paths) {
        file.flush().with_context(|| context(path))?;
    }
    Ok(sizes)
}

fn context(path: &Path) -> String {
    format!("cannot write {}", path.display())
}

//! Helpers shared by the loader tests of the series families: gzip files of given lines, and a
//! load into the reference store with the default lists.
#![allow(dead_code)]

use aqs_core::memory::MemoryStore;
use aqs_ingest::lists::{Allowlist, Disallowed};
use aqs_ingest::load::{LoadOptions, NoProgress, load_files};
use aqs_ingest::report::LoadReport;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Writes `lines` gzip-compressed to `dir/name`.
pub fn gz(dir: &Path, name: &str, lines: &[&str]) -> PathBuf {
    let path = dir.join(name);
    let mut encoder = flate2::write::GzEncoder::new(
        std::fs::File::create(&path).unwrap(),
        flate2::Compression::fast(),
    );
    for line in lines {
        writeln!(encoder, "{line}").unwrap();
    }
    encoder.finish().unwrap();
    path
}

/// `aqs load` of `files` into `store`, failing a file past `max_bad_share`.
pub fn load(
    store: &MemoryStore,
    files: &[PathBuf],
    max_bad_share: f64,
) -> anyhow::Result<LoadReport> {
    let allowlist = Allowlist::shipped();
    let options = LoadOptions {
        allowlist: &allowlist,
        disallowed: &Disallowed::default(),
        max_bad_share,
        format: None,
        progress: &NoProgress,
        memory_bytes: 64 << 20,
        spill_dir: std::env::temp_dir(),
        day_seconds: None,
        snapshot: None,
    };
    load_files(store, files, &options)
}

/// A mediacounts line: path, total and the three referer columns (the others filled in).
pub fn mediacounts_line(
    path: &str,
    total: u64,
    internal: u64,
    external: u64,
    unknown: u64,
) -> String {
    format!(
        "{path}\t999\t{total}\t{total}\t0\t-\t-\t0\t0\t0\t0\t0\t0\t0\t-\t-\t0\t0\t0\t0\t-\t-\t{internal}\t{external}\t{unknown}\n"
    )
}

/// Writes a day's mediacounts file of `lines` (uncompressed) into `dir`.
pub fn mediacounts_file(dir: &Path, day: &str, lines: &[String]) -> PathBuf {
    let path = dir.join(format!("mediacounts.{day}.v00.tsv"));
    std::fs::write(&path, lines.concat()).unwrap();
    path
}

//! Parsing and counting `pageview_complete` lines: lines per second on one core, with
//! decompression excluded (text in memory) and included (bzip2 in memory).
//! The input is a generated spider file (the largest of a day, with the long tail).

use aqs_core::dates::Day;
use aqs_core::params::Agent;
use aqs_ingest::generate::{GenerateOptions, generate};
use aqs_ingest::lists::{Allowlist, Disallowed};
use aqs_ingest::load::{LoadOptions, NoProgress};
use aqs_ingest::pageview_complete::parse_line;
use aqs_ingest::pageviews::agent_file::{Mode, read_agent_lines};
use aqs_ingest::pipeline::batch::{CHANNEL_BATCHES, SortedSink, Source};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;
use std::io::Read;
use std::path::Path;
use std::sync::atomic::AtomicBool;

fn input() -> (Vec<u8>, Vec<u8>) {
    let dir = tempfile::tempdir().expect("temp dir");
    let options = GenerateOptions {
        out: dir.path().to_path_buf(),
        start: Day::from_ymd(2024, 1, 15).unwrap(),
        days: 1,
        projects: 4,
        articles: 200_000,
        seed: 1,
    };
    let summary = generate(&options, |_, _| {}).expect("generate");
    let spider = summary
        .files
        .iter()
        .find(|f| f.to_string_lossy().ends_with("-spider.bz2"))
        .expect("a spider file");
    let compressed = std::fs::read(spider).expect("read");
    let mut text = Vec::new();
    bzip2::read::MultiBzDecoder::new(&compressed[..]).read_to_end(&mut text).expect("decompress");
    (compressed, text)
}

fn bench(c: &mut Criterion) {
    let (compressed, text) = input();
    let lines = text.split(|b| *b == b'\n').filter(|l| !l.is_empty()).count() as u64;
    let allowlist = Allowlist::shipped();
    let disallowed = Disallowed::default();
    let options = LoadOptions {
        allowlist: &allowlist,
        disallowed: &disallowed,
        max_bad_share: 0.01,
        format: None,
        progress: &NoProgress,
        memory_bytes: 1 << 30,
        spill_dir: std::env::temp_dir(),
        day_seconds: None,
        snapshot: None,
    };
    let path = Path::new("pageviews-20240115-spider");
    let mut group = c.benchmark_group("pageview_complete");
    group.throughput(Throughput::Elements(lines));
    group.sample_size(10);
    group.bench_function("parse_line", |b| {
        let text = std::str::from_utf8(&text).expect("UTF-8");
        b.iter(|| {
            let mut ok = 0u64;
            for line in text.lines() {
                ok += u64::from(parse_line(line).is_ok());
            }
            black_box(ok)
        })
    });
    // Parsing, counting per title and hour, and handing the records to the merge, which
    // another thread drains (as the loader's thread does).
    let stream = |reader: &mut dyn std::io::BufRead| -> u64 {
        let (tx, rx) = std::sync::mpsc::sync_channel(CHANNEL_BATCHES);
        let drain = std::thread::spawn(move || {
            let mut source = Source::<[u32; 3]>::new(rx);
            let mut records = 0u64;
            while source.head().is_some() {
                records += 1;
                source.advance();
            }
            records
        });
        let cancel = AtomicBool::new(false);
        let sink = SortedSink::new(tx);
        read_agent_lines(
            reader,
            0,
            path,
            Agent::Spider,
            &options,
            &Mode::Streamed,
            sink,
            &cancel,
            || {},
        )
        .expect("parses");
        drain.join().expect("drained")
    };
    group.bench_function("parse_and_count", |b| b.iter(|| black_box(stream(&mut &text[..]))));
    group.bench_function("parse_and_count_with_bzip2", |b| {
        b.iter(|| {
            let mut reader = std::io::BufReader::with_capacity(
                1 << 16,
                bzip2::read::MultiBzDecoder::new(&compressed[..]),
            );
            black_box(stream(&mut reader))
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);

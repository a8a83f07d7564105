//! Parsing and counting MediaWiki history dump lines (issue 16: "parse and aggregate at ≥ 1 M
//! events/s per core, decompression excluded"): events per second on one core, from plain
//! text, with every counter of a load (events, digests, per page, per editor, top-list
//! candidates, the rows taken out at each month's end) but no store write.
//! The input is the generated history of four wikis, January 2022 to January 2023, about 1,000
//! edits a day.

use aqs_core::dates::YearMonth;
use aqs_ingest::load::NoProgress;
use aqs_ingest::mediawiki_history::load::{WikiCounts, group_files, read_files};
use aqs_ingest::mediawiki_history::rows::Taken;
use aqs_ingest::mediawiki_history::{Reader, parse_file_name};
use aqs_ingest::report::LoadReport;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;
use std::io::Read;
use std::path::PathBuf;

/// The plain files of each wiki, in time order (kept in a temporary directory).
fn input(dir: &std::path::Path) -> Vec<Vec<PathBuf>> {
    let snapshot = YearMonth::new(2023, 1).expect("a month");
    let dumps = dir.join("dumps");
    let (files, _) = aqs_ingest::generate::mediawiki_history::generate(&dumps, snapshot, 1000.0, 3)
        .expect("generate");
    let mut plain = Vec::new();
    for file in files {
        let name = file.file_name().and_then(|n| n.to_str()).expect("a name");
        let out = dir.join(name.trim_end_matches(".bz2"));
        let mut text = Vec::new();
        let compressed = std::fs::read(&file).expect("read");
        bzip2::read::MultiBzDecoder::new(&compressed[..]).read_to_end(&mut text).expect("bz2");
        std::fs::write(&out, text).expect("write");
        let (snapshot, wiki) = parse_file_name(name).expect("a dump file name");
        plain.push((out, snapshot, wiki.to_string()));
    }
    group_files(plain).into_values().collect()
}

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temp dir");
    let wikis = input(dir.path());
    let texts: Vec<String> =
        wikis.iter().flatten().map(|f| std::fs::read_to_string(f).expect("UTF-8")).collect();
    let lines = texts.iter().map(|t| t.lines().count()).sum::<usize>() as u64;
    let mut group = c.benchmark_group("mediawiki_history");
    group.throughput(Throughput::Elements(lines));
    group.sample_size(10);
    group.bench_function("parse", |b| {
        b.iter(|| {
            let (mut reader, mut ok) = (Reader::default(), 0u64);
            for line in texts.iter().flat_map(|t| t.lines()) {
                ok += u64::from(reader.read(line).is_ok());
            }
            black_box(ok)
        })
    });
    // What a load's reading thread does: the files read (from the page cache), every line
    // parsed and counted, each month's rows taken out (and dropped: no store).
    let load_of = |project: &str| format!("2023-01/1/{project}");
    group.bench_function("parse_and_count", |b| {
        b.iter(|| {
            let mut taken = Taken::default();
            let mut rows = 0;
            for files in &wikis {
                let mut month_ended = |counts: &mut WikiCounts| -> anyhow::Result<()> {
                    counts.take_entity_rows(false, &load_of, &mut taken);
                    rows += taken.len();
                    taken.clear();
                    Ok(())
                };
                let mut report = LoadReport::default();
                let check = |_: &std::path::Path, _: &LoadReport| Ok(());
                let mut counts =
                    read_files(files, &NoProgress, &mut report, &check, &mut month_ended)
                        .expect("read");
                counts.take_entity_rows(true, &load_of, &mut taken);
                rows += taken.len();
                taken.clear();
            }
            black_box(rows)
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);

//! The embedded store's hot paths: encoding and decoding one article's month, per-article
//! reads (the daily series of one article over 50 days, across two months), and a write that
//! numbers new titles (every title of a first day is one).

use aqs_core::dates::{Day, YearMonth};
use aqs_core::pageviews::{
    ArticleDay, ArticleViews, PageviewsBatch, PageviewsRead, PageviewsWrite,
};
use aqs_core::params::{Access, Agent};
use aqs_core::project::Project;
use aqs_store::codec::{put_month_entries, read_month_entries};
use aqs_store::{EmbeddedStore, StoreOptions};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;

fn views(article: u32, day: u32) -> ArticleViews {
    let mut v = ArticleViews::default();
    let user = 1 + (1_000_000 / (article + 1)) / (1 + day % 3);
    v.add(Access::Desktop, Agent::User, user / 2);
    v.add(Access::MobileWeb, Agent::User, user - user / 2);
    v.add(Access::Desktop, Agent::Spider, 1 + article % 3);
    v
}

fn codec(c: &mut Criterion) {
    let month = YearMonth::new(2024, 1).unwrap();
    let entries: Vec<(Day, ArticleViews)> =
        month.days().enumerate().map(|(i, d)| (d, views(500, i as u32))).collect();
    let mut encoded = Vec::new();
    put_month_entries(&mut encoded, month, &entries);
    let mut group = c.benchmark_group("codec");
    group.throughput(Throughput::Elements(entries.len() as u64));
    group.bench_function("encode_month", |b| {
        let mut out = Vec::with_capacity(256);
        b.iter(|| {
            out.clear();
            put_month_entries(&mut out, month, black_box(&entries));
            black_box(out.len())
        })
    });
    group.bench_function("decode_month", |b| {
        b.iter(|| black_box(read_month_entries(black_box(&encoded), month).unwrap().len()))
    });
    group.finish();
}

fn reads(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let store = EmbeddedStore::open_with(
        dir.path(),
        &StoreOptions { map_size: 4 << 30, ..Default::default() },
    )
    .unwrap();
    let project = Project::from_stored("en.wikipedia");
    let articles = 20_000u32;
    let titles: Vec<String> = (0..articles).map(|a| format!("Article_{a:06}")).collect();
    let first = Day::from_ymd(2024, 1, 1).unwrap();
    for d in 0..60 {
        let day = first.add_days(d);
        let rows = titles
            .iter()
            .enumerate()
            .map(|(a, t)| (t.clone(), views(a as u32, d as u32)))
            .collect();
        let batch = PageviewsBatch {
            replace_article_days: vec![day],
            article_days: vec![ArticleDay { day, project: project.clone(), rows }],
            ..Default::default()
        };
        store.write(&batch).unwrap();
    }
    let mut group = c.benchmark_group("store");
    group.throughput(Throughput::Elements(1));
    let mut next = 0usize;
    group.bench_function("article_series_50_days", |b| {
        b.iter(|| {
            next = (next + 7919) % titles.len();
            let series = store
                .article_series(&project, &titles[next], first.add_days(5), first.add_days(54))
                .unwrap();
            black_box(series.len())
        })
    });
    group.finish();
}

/// A day of 200,000 titles into a new store: each gets a new id (`NewIds`), its run recorded.
fn new_titles(c: &mut Criterion) {
    let titles: Vec<String> = (0..200_000).map(|a| format!("Title_{a:07}")).collect();
    let day = Day::from_ymd(2024, 1, 1).unwrap();
    let mut group = c.benchmark_group("store");
    group.sample_size(10);
    group.throughput(Throughput::Elements(titles.len() as u64));
    group.bench_function("write_200k_new_titles", |b| {
        b.iter_with_setup(
            || {
                let dir = tempfile::tempdir().unwrap();
                let options = StoreOptions { map_size: 1 << 30, ..Default::default() };
                let store = EmbeddedStore::open_with(dir.path(), &options).unwrap();
                (dir, store)
            },
            |(dir, store)| {
                let rows = titles.iter().map(|t| (t.clone(), views(1, 1))).collect();
                let project = Project::from_stored("en.wikipedia");
                let article_days = vec![ArticleDay { day, project, rows }];
                store.write(&PageviewsBatch { article_days, ..Default::default() }).unwrap();
                drop(store);
                dir
            },
        )
    });
    group.finish();
}

criterion_group!(benches, codec, reads, new_titles);
criterion_main!(benches);

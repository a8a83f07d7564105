//! One function per subcommand (the server itself is in `serve.rs`).

use crate::cli::{
    AddProbeRowsArgs, AllowlistCommand, BackendArgs, ClickHouseArgs, ClickhouseCommand, Command,
    CompactArgs, DisallowCommand, GenerateArgs, ImportArgs, LoadArgs, StatsArgs, StoreArgs,
};
use crate::progress::Bars;
use crate::serve::{serve, serve_router};
use anyhow::{Context, Result, anyhow, bail};
use aqs_clickhouse::ClickHouseStore;
use aqs_core::dates::Day;
use aqs_core::pageviews::{PageviewsRead, PageviewsStore};
use aqs_core::spill::SpillDir;
use aqs_core::table::{Dataset, TableWrite, WriteStore};
use aqs_ingest::generate::full_day::{FullDayOptions, generate_full_days};
use aqs_ingest::generate::{Compression, GenerateOptions, generate};
use aqs_ingest::import::{ImportTable, import_files};
use aqs_ingest::lists::{Allowlist, Disallowed};
use aqs_ingest::load::{DumpFormat, LoadOptions, load_files};
use aqs_store::{EmbeddedStore, StoreOptions};
use std::path::{Path, PathBuf};
use std::time::Duration;

pub fn run(command: Command) -> Result<()> {
    match command {
        Command::Generate(args) => run_generate(&args),
        Command::Load(args) => run_load(&args),
        Command::Import(args) => run_import(&args),
        Command::Serve(args) => {
            let backend = open_backend(&args.store, true)?;
            serve(backend, default_disallowed_file(&args.store), args.listen, &args.serving, &[])
        }
        Command::Disallow(DisallowCommand::Add(args)) => crate::operator::disallow(&args, true),
        Command::Disallow(DisallowCommand::Remove(args)) => crate::operator::disallow(&args, false),
        Command::Disallow(DisallowCommand::List(args)) => crate::operator::list(&args.admin),
        Command::Allowlist(AllowlistCommand::Reload(args)) => {
            crate::operator::reload_allowlist(&args.admin)
        }
        Command::Check(args) => crate::operator::check(&args),
        Command::FeatureUsage(command) => crate::feature_usage::run(command),
        Command::Snapshot(command) => crate::snapshot::run(command),
        Command::AddProbeRows(args) => run_add_probe_rows(&args),
        Command::Demo(args) => crate::demo::run(&args),
        Command::Stats(args) => run_stats(&args),
        Command::Compact(args) => run_compact(&args),
        Command::Ceiling(args) => serve_router(aqs_http::ceiling_router(), args.listen, None, &[]),
        Command::Clickhouse(ClickhouseCommand::Init(args)) => {
            let client = clickhouse_client(&args.clickhouse)?;
            let report = aqs_clickhouse::init(
                &client,
                &args.clickhouse.clickhouse_database,
                args.cluster.as_deref(),
                &args.nodes,
            )
            .with_context(|| format!("cannot set up ClickHouse at {}", client.url()))?;
            let layout = match &report.layout {
                aqs_clickhouse::Layout::Single => "one server".to_string(),
                aqs_clickhouse::Layout::Cluster { name, replicated: true, .. } => {
                    format!("cluster {name}, replicated, DDL ON CLUSTER")
                }
                aqs_clickhouse::Layout::Cluster { name, nodes, .. } => {
                    format!("cluster {name}, DDL sent to {} servers", nodes.len())
                }
            };
            if report.applied.is_empty() {
                outln!(
                    "database {} on {} is up to date (schema version {}, {layout})",
                    report.database,
                    client.url(),
                    report.version
                );
            } else {
                outln!(
                    "database {} on {}: applied schema version(s) {:?}, now at version {} ({layout})",
                    report.database,
                    client.url(),
                    report.applied,
                    report.version
                );
            }
            Ok(())
        }
        Command::Clickhouse(ClickhouseCommand::Drop(args)) => {
            if !args.yes {
                bail!(
                    "this drops database {} and all its data: add --yes",
                    args.clickhouse.clickhouse_database
                );
            }
            let client = clickhouse_client(&args.clickhouse)?;
            aqs_clickhouse::schema::drop_database(&client, &args.clickhouse.clickhouse_database)?;
            outln!("dropped database {}", args.clickhouse.clickhouse_database);
            Ok(())
        }
    }
}

fn clickhouse_client(args: &ClickHouseArgs) -> Result<aqs_clickhouse::client::Client> {
    Ok(aqs_clickhouse::client::Client::new(&args.clickhouse_url)?)
}

/// The store a command works on.
pub(crate) enum Backend {
    Embedded(EmbeddedStore),
    ClickHouse(ClickHouseStore),
}

impl Backend {
    fn store(&self) -> &dyn PageviewsStore {
        match self {
            Backend::Embedded(s) => s,
            Backend::ClickHouse(s) => s,
        }
    }

    pub(crate) fn writer(&self) -> &dyn WriteStore {
        match self {
            Backend::Embedded(s) => s,
            Backend::ClickHouse(s) => s,
        }
    }

    fn tables(&self) -> &dyn TableWrite {
        match self {
            Backend::Embedded(s) => s,
            Backend::ClickHouse(s) => s,
        }
    }

    /// Writes the synthetic 1970-01-01 rows that every route's example reads.
    pub(crate) fn write_probe_rows(&self) -> Result<()> {
        self.store().write(&aqs_core::pageviews::probe_batch())?;
        self.tables().publish_series(&aqs_core::unique_devices::probe_batch())?;
        self.tables().publish_series(&aqs_core::legacy_pagecounts::probe_batch())?;
        self.tables().publish_series(&aqs_core::knowledge_gap::probe_batch())?;
        self.tables().publish_series(&aqs_core::editors_by_country::probe_batch())?;
        self.tables().publish_series(&aqs_core::top_by_country::probe_batch())?;
        self.tables().publish_series(&aqs_core::top_per_country::probe_batch())?;
        self.tables().publish_series(&aqs_core::mediarequests::probe_batch())?;
        Ok(())
    }
}

/// Opens the backend the flags name; `serving`: a server that must see other processes' loads.
pub(crate) fn open_backend(args: &BackendArgs, serving: bool) -> Result<Backend> {
    match args.backend.as_str() {
        "clickhouse" => {
            let ch = &args.clickhouse;
            let store = ClickHouseStore::open(&ch.clickhouse_url, &ch.clickhouse_database)
                .with_context(|| {
                    format!(
                        "cannot open database {} on ClickHouse at {}",
                        ch.clickhouse_database, ch.clickhouse_url
                    )
                })?;
            if serving {
                store.watch(Duration::from_secs(1));
            }
            Ok(Backend::ClickHouse(store))
        }
        _ => {
            let Some(data) = &args.data else {
                bail!("the embedded store needs --data DIR (or AQS_DATA)");
            };
            Ok(Backend::Embedded(open_store_at(data, args.map_size_gib)?))
        }
    }
}

fn open_store(args: &StoreArgs) -> Result<EmbeddedStore> {
    open_store_at(&args.data, args.map_size_gib)
}

pub(crate) fn open_store_at(data: &Path, map_size_gib: usize) -> Result<EmbeddedStore> {
    let pause_before_commit = std::env::var("AQS_TEST_PAUSE_BEFORE_COMMIT_MS")
        .ok()
        .and_then(|v| v.parse().ok())
        .map(Duration::from_millis);
    let options = StoreOptions {
        map_size: map_size_gib << 30,
        pause_before_commit,
        ..StoreOptions::default()
    };
    EmbeddedStore::open_with(data, &options)
        .with_context(|| format!("cannot open the store in {}", data.display()))
}

fn run_generate(args: &GenerateArgs) -> Result<()> {
    let start = Day::parse_iso(&args.start)
        .ok_or_else(|| anyhow!("--start {:?} is not a date in YYYY-MM-DD form", args.start))?;
    if args.days == 0 {
        bail!("--days must be at least 1");
    }
    let bars = Bars::new();
    if args.full_day {
        return run_generate_full_days(args, start, &bars);
    }
    if args.feature_usage {
        return crate::feature_usage::generate(args, start);
    }
    if args.mediawiki_history {
        if !(args.edits_per_day > 0.0 && args.edits_per_day.is_finite()) {
            bail!("--edits-per-day must be a number above 0");
        }
        let snapshot = start.add_days(args.days as i32 - 1).year_month();
        let (files, lines) = aqs_ingest::generate::mediawiki_history::generate(
            &args.out,
            snapshot,
            args.edits_per_day,
            args.seed,
        )?;
        outln!(
            "wrote {} files ({lines} lines) of MediaWiki history snapshot {snapshot} under {}",
            files.len(),
            args.out.display()
        );
        return Ok(());
    }
    let summary = generate_with_bars(
        &bars,
        &GenerateOptions {
            out: args.out.clone(),
            start,
            days: args.days,
            projects: args.projects,
            articles: args.articles,
            seed: args.seed,
        },
    )?;
    print_generated(&summary, &args.out);
    Ok(())
}

fn run_generate_full_days(args: &GenerateArgs, start: Day, bars: &Bars) -> Result<()> {
    let options = FullDayOptions {
        out: args.out.clone(),
        start,
        days: args.days,
        scale: args.scale,
        seed: args.seed,
        compression: Compression::parse(&args.compression)
            .ok_or_else(|| anyhow!("--compression must be bz2 or none"))?,
    };
    let bar = bars.lines(u64::from(args.days), "generate");
    let summary = generate_full_days(&options, |p| {
        bar.set_length(p.expected_lines * u64::from(args.days));
        bar.set_message(p.day.to_string());
        let done = u64::from(p.day.epoch_days().abs_diff(start.epoch_days())) * p.expected_lines;
        bar.set_position(done + p.lines);
    })?;
    bar.finish_and_clear();
    print_generated(&summary, &args.out);
    Ok(())
}

fn print_generated(summary: &aqs_ingest::generate::GenerateSummary, out: &Path) {
    outln!(
        "wrote {} files ({} lines, {} bytes, {} article-days) under {}",
        summary.files.len(),
        summary.lines,
        summary.bytes,
        summary.article_days,
        out.display()
    );
}

pub(crate) fn generate_with_bars(
    bars: &Bars,
    options: &GenerateOptions,
) -> Result<aqs_ingest::generate::GenerateSummary> {
    let bar = bars.days(u64::from(options.days), "generate");
    let summary = generate(options, |_, _| bar.inc(1))?;
    bar.finish_and_clear();
    Ok(summary)
}

pub(crate) fn load_into(
    store: &dyn WriteStore,
    args: &LoadArgs,
    bars: &Bars,
) -> Result<aqs_ingest::report::LoadReport> {
    let allowlist = match &args.allowlist {
        Some(path) => Allowlist::from_file(path)?,
        None => Allowlist::shipped(),
    };
    // The server's list (kept by `aqs disallow`) applies to loads too.
    let served_list = default_disallowed_file(&args.store).filter(|p| p.exists());
    let disallowed = match args.disallowed.as_ref().or(served_list.as_ref()) {
        Some(path) => Disallowed::from_file(path)?,
        None => Disallowed::default(),
    };
    if !(0.0..=1.0).contains(&args.max_bad_share) {
        bail!("--max-bad-share must be between 0 and 1, found {}", args.max_bad_share);
    }
    let format = args.format.as_deref().and_then(DumpFormat::parse);
    if args.memory_mb < 16 {
        bail!("--memory-mb must be at least 16, found {}", args.memory_mb);
    }
    let spill_dir = match (&args.spill_dir, &args.store.data) {
        (Some(dir), _) => dir.clone(),
        (None, Some(data)) if args.store.backend == "embedded" => data.clone(),
        _ => std::env::temp_dir(),
    };
    std::fs::create_dir_all(&spill_dir)
        .with_context(|| format!("cannot create --spill-dir {}", spill_dir.display()))?;
    // Spill directories of loads that were killed outright.
    let stale = SpillDir::remove_stale(&spill_dir)
        .with_context(|| format!("cannot clean up {}", spill_dir.display()))?;
    if stale > 0 {
        eprintln!(
            "removed {stale} spill directories left by killed loads in {}",
            spill_dir.display()
        );
    }
    let options = LoadOptions {
        allowlist: &allowlist,
        disallowed: &disallowed,
        max_bad_share: args.max_bad_share,
        format,
        progress: bars,
        memory_bytes: args.memory_mb << 20,
        spill_dir,
        day_seconds: args.day_seconds.0.map(std::time::Duration::from_secs),
        snapshot: args.snapshot,
    };
    load_files(store, &args.files, &options)
}

fn run_load(args: &LoadArgs) -> Result<()> {
    crate::progress::stop_loads_on_signals();
    let started = std::time::Instant::now();
    let outcome = (|| {
        let backend = open_backend(&args.store, false)?;
        if let Backend::Embedded(store) = &backend {
            store.set_merge_budget(args.merge_seconds.0.map(std::time::Duration::from_secs));
        }
        let bars = Bars::new();
        let report = load_into(backend.writer(), args, &bars)?;
        outln!("{report}");
        if report.series_by_dataset.contains_key(aqs_core::table::Dataset::History.name()) {
            outln!(
                "MediaWiki history: a loaded snapshot is served once activated (aqs snapshot list; aqs snapshot activate YYYY-MM)"
            );
        }
        print_store_size(&backend)?;
        Ok(report.lines_read)
    })();
    if let Some(path) = &args.metrics_file {
        let lines = outcome.as_ref().ok().copied();
        crate::load_metrics::record(path, lines, started.elapsed())
            .with_context(|| format!("cannot write --metrics-file {}", path.display()))?;
    }
    outcome.map(|_| ())
}

pub(crate) fn print_store_size(backend: &Backend) -> Result<()> {
    let days = backend.store().article_days_loaded()?.len();
    match backend {
        Backend::Embedded(store) => outln!(
            "store:             {} ({} MB in use, {} days of per-article data)",
            store.path().display(),
            store.used_bytes()? / 1_000_000,
            days
        ),
        Backend::ClickHouse(store) => outln!(
            "store:             ClickHouse database {} at {} ({} days of per-article data)",
            store.database(),
            store.client().url(),
            days
        ),
    }
    Ok(())
}

fn run_compact(args: &CompactArgs) -> Result<()> {
    let store = open_store(&args.store)?;
    let before = store.file_bytes()?;
    store.compact_into(&args.out).with_context(|| {
        format!("cannot compact {} into {}", args.store.data.display(), args.out.display())
    })?;
    let after = aqs_store::EmbeddedStore::open(&args.out)?.file_bytes()?;
    outln!(
        "compacted {} ({before} bytes) into {} ({after} bytes)",
        args.store.data.display(),
        args.out.display()
    );
    Ok(())
}

fn run_stats(args: &StatsArgs) -> Result<()> {
    let store = open_store(&args.store)?;
    let days = store.article_days_loaded()?;
    let article_days = store.article_day_count()?;
    outln!("store:             {}", store.path().display());
    outln!("format version:    {}", aqs_store::FORMAT_VERSION);
    outln!("generation:        {}", store.generation()?);
    match (days.first(), days.last()) {
        (Some(first), Some(last)) => {
            outln!("per-article days:  {} ({first} .. {last})", days.len())
        }
        _ => outln!("per-article days:  0"),
    }
    outln!("article-days:      {article_days}");
    let ids = store.id_usage()?;
    outln!(
        "article ids:       {} in use, {} free to reuse, {} being given back (of 2^32)",
        ids.articles,
        ids.free_articles,
        ids.pending_articles
    );
    outln!(
        "project ids:       {} in use, {} free to reuse (of 65536; each history load takes 3)",
        ids.projects,
        ids.free_projects
    );
    outln!("file:              {} bytes ({} in use)", store.file_bytes()?, store.used_bytes()?);
    let sizes = store.table_sizes()?;
    for table in &sizes {
        outln!("  {:<16} {:>12} bytes {:>12} entries", table.name, table.bytes, table.entries);
    }
    let per_article: u64 =
        sizes.iter().filter(|t| t.name == "series" || t.name == "articles").map(|t| t.bytes).sum();
    if article_days > 0 {
        outln!(
            "per-article bytes per article-day: {:.2} (series and title dictionary)",
            per_article as f64 / article_days as f64
        );
        outln!(
            "store bytes per article-day:       {:.2} (every table)",
            store.used_bytes()? as f64 / article_days as f64
        );
    }
    Ok(())
}

fn run_import(args: &ImportArgs) -> Result<()> {
    let table =
        ImportTable::parse(&args.table).ok_or_else(|| anyhow!("unknown table {:?}", args.table))?;
    let backend = open_backend(&args.store, false)?;
    let report = import_files(backend.writer(), table, &args.files)?;
    if table.dataset() != Dataset::Pageviews {
        outln!("imported {} rows into {}", report.rows_read, args.table);
        return Ok(());
    }
    outln!(
        "imported {} rows into {}: {} per-article, {} per-project, {} top lists",
        report.rows_read,
        args.table,
        report.stored.article_rows,
        report.stored.project_rows,
        report.stored.top_rows
    );
    Ok(())
}

/// The disallowed list's file in an embedded store's directory.
pub(crate) const DISALLOWED_FILE: &str = "disallowed.tsv";

/// Where a server keeps its disallowed list when `--disallowed` is not given, and where loads
/// look for it: in the embedded store's directory (ClickHouse has no directory: none).
fn default_disallowed_file(store: &BackendArgs) -> Option<PathBuf> {
    let embedded = store.backend == "embedded";
    store.data.as_ref().filter(|_| embedded).map(|d| d.join(DISALLOWED_FILE))
}

fn run_add_probe_rows(args: &AddProbeRowsArgs) -> Result<()> {
    let backend = open_backend(&args.store, false)?;
    backend.write_probe_rows()?;
    outln!("wrote the 1970-01-01 probe rows that the route examples and `aqs check` read");
    Ok(())
}

//! API feature usage in the binary: the flags every command shares, the service a server
//! runs over its backend's counters, and `aqs feature-usage ingest`.

use crate::cli::BackendArgs;
use crate::commands::{Backend, open_backend};
use anyhow::{Context, Result, anyhow};
use aqs_core::feature_usage::FeatureUsageStore;
use aqs_core::feature_usage::Refusal;
use aqs_core::feature_usage::service::{FeatureUsage, IngestReport, Settings};
use clap::{Args, Subcommand};
use std::io::BufRead;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

/// How feature usage is counted and kept (docs/feature-usage.md).
#[derive(Args, Clone)]
pub struct FeatureUsageSettings {
    /// Days of API feature usage kept; older rows are pruned as events are written, and never answered
    #[arg(
        long = "feature-usage-retention-days",
        env = "AQS_FEATURE_USAGE_RETENTION_DAYS",
        default_value_t = 90,
        value_name = "DAYS"
    )]
    pub retention_days: u32,
    /// New (day, feature, agent) rows one client IP may create per window, as N/SECONDS
    #[arg(
        long = "feature-usage-new-rows",
        env = "AQS_FEATURE_USAGE_NEW_ROWS",
        default_value = "30/60",
        value_name = "N/SECONDS",
        value_parser = parse_new_rows
    )]
    pub new_rows: (u32, u32),
}

fn parse_new_rows(text: &str) -> Result<(u32, u32), String> {
    let bad = || format!("{text:?} is not N/SECONDS (new rows per IP per window, as 30/60)");
    let (n, seconds) = text.split_once('/').ok_or_else(bad)?;
    let n: u32 = n.trim().parse().map_err(|_| bad())?;
    let seconds: u32 = seconds.trim().parse().map_err(|_| bad())?;
    if seconds == 0 {
        return Err(format!("{text:?}: the window must be at least one second"));
    }
    Ok((n, seconds))
}

impl FeatureUsageSettings {
    pub fn settings(&self) -> Result<Settings> {
        if self.retention_days == 0 {
            return Err(anyhow!("--feature-usage-retention-days must be at least 1"));
        }
        Ok(Settings {
            retention_days: self.retention_days,
            new_rows_per_ip: self.new_rows.0,
            window_seconds: self.new_rows.1,
            ..Settings::default()
        })
    }
}

#[derive(Subcommand)]
pub enum FeatureUsageCommand {
    /// Count API feature usage events from JSON Lines files (or - for standard input)
    Ingest(IngestArgs),
}

#[derive(Args)]
pub struct IngestArgs {
    #[command(flatten)]
    pub store: BackendArgs,
    #[command(flatten)]
    pub settings: FeatureUsageSettings,
    /// Events per write (each write is one durable transaction)
    #[arg(long, default_value_t = 100_000, value_name = "LINES")]
    pub batch_lines: usize,
    /// Print the report as JSON (the answer of POST /feature-usage/events)
    #[arg(long)]
    pub json: bool,
    /// JSON Lines files of events (plain, .gz or .bz2), or - for standard input
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
}

/// `aqs generate --feature-usage`.
pub fn generate(args: &crate::cli::GenerateArgs, start: aqs_core::dates::Day) -> Result<()> {
    if args.agents == 0 || args.events == 0 {
        return Err(anyhow!("--events and --agents must be at least 1"));
    }
    let options = aqs_ingest::generate::feature_usage::FeatureUsageOptions {
        out: args.out.clone(),
        start,
        days: args.days,
        events_per_day: args.events,
        agents: args.agents,
        seed: args.seed,
    };
    let files = aqs_ingest::generate::feature_usage::generate_feature_usage(&options)?;
    let bytes: u64 = files.iter().filter_map(|f| std::fs::metadata(f).ok()).map(|m| m.len()).sum();
    outln!(
        "wrote {} files ({} events a day, {bytes} bytes) under {}",
        files.len(),
        args.events,
        args.out.join("feature-usage").display()
    );
    Ok(())
}

/// For `aqs demo`: a week of sample events ending today, written under `dumps` and counted.
pub fn demo_events(
    backend: &Backend,
    dumps: &std::path::Path,
    serving: &crate::cli::ServingArgs,
) -> Result<()> {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    let today = aqs_core::feature_usage::timestamp::day_of(now);
    let options = aqs_ingest::generate::feature_usage::FeatureUsageOptions {
        out: dumps.to_path_buf(),
        start: today.add_days(-6),
        days: 7,
        events_per_day: 20_000,
        agents: 2_000,
        seed: 1,
    };
    let files = aqs_ingest::generate::feature_usage::generate_feature_usage(&options)?;
    let service = service(backend, &serving.feature_usage)?;
    let (report, _) = ingest_paths(&service, &files, 100_000, false)?;
    outln!(
        "feature usage: {} events of the last 7 days, {} counted, {} refused (the sample's abusive bursts hit the new-row limit)",
        report.events,
        report.counted,
        report.refused_total()
    );
    Ok(())
}

/// The counters of a backend.
pub fn counters(backend: &Backend) -> Result<Arc<dyn FeatureUsageStore>> {
    Ok(match backend {
        Backend::Embedded(store) => Arc::new(
            aqs_store::EmbeddedCounters::open(store.path())
                .context("cannot open the feature usage counters")?,
        ),
        Backend::ClickHouse(store) => Arc::new(store.clone()),
    })
}

/// The service over a backend's counters.
pub fn service(backend: &Backend, settings: &FeatureUsageSettings) -> Result<Arc<FeatureUsage>> {
    Ok(Arc::new(FeatureUsage::new(counters(backend)?, settings.settings()?)))
}

pub fn run(command: FeatureUsageCommand) -> Result<()> {
    match command {
        FeatureUsageCommand::Ingest(args) => ingest(&args),
    }
}

fn ingest(args: &IngestArgs) -> Result<()> {
    if args.batch_lines == 0 {
        return Err(anyhow!("--batch-lines must be at least 1"));
    }
    let backend = open_backend(&args.store, false)?;
    let service = service(&backend, &args.settings)?;
    let started = Instant::now();
    let (total, refused_lines) = ingest_paths(&service, &args.files, args.batch_lines, !args.json)?;
    let seconds = started.elapsed().as_secs_f64();
    if args.json {
        outln!("{}", aqs_http::feature_usage::report_json(&total));
        return Ok(());
    }
    outln!(
        "events:  {} in {seconds:.2} s ({:.0} events/s)",
        total.events,
        total.events as f64 / seconds.max(1e-9)
    );
    outln!(
        "counted: {} (new rows {}, expired rows pruned {})",
        total.counted,
        total.new_rows,
        total.pruned
    );
    let reasons: Vec<String> =
        total.refused.iter().map(|(r, n)| format!("{} {n}", r.name())).collect();
    let reasons =
        if reasons.is_empty() { String::new() } else { format!(" ({})", reasons.join(", ")) };
    outln!("refused: {}{reasons}", total.refused_total());
    for line in refused_lines.iter().take(aqs_core::feature_usage::service::EXAMPLES) {
        outln!("  {line}");
    }
    outln!("rows:    {} stored", service.rows()?);
    Ok(())
}

/// Counts the events of files (`-`: standard input): the total report, and the first refused
/// lines as `file:line: reason`.
pub fn ingest_paths(
    service: &FeatureUsage,
    paths: &[PathBuf],
    batch_lines: usize,
    progress: bool,
) -> Result<(IngestReport, Vec<String>)> {
    let mut total = IngestReport::default();
    let mut refused_lines: Vec<String> = Vec::new();
    for path in paths {
        let (reader, name): (Box<dyn BufRead>, String) = if path.as_os_str() == "-" {
            (Box::new(std::io::stdin().lock()), "standard input".to_string())
        } else {
            let (reader, _) = aqs_ingest::input::open_dump(path)?;
            (reader, path.display().to_string())
        };
        let report = ingest_lines(service, reader, batch_lines)
            .with_context(|| format!("cannot ingest {name}"))?;
        for (line, reason) in &report.examples {
            refused_lines.push(format!("{name}:{line}: {}", reason.name()));
        }
        if progress {
            eprintln!("{name}: {} events, {} counted", report.events, report.counted);
        }
        total.absorb(report, 0);
    }
    Ok((total, refused_lines))
}

/// Counts the events of `reader` in writes of `batch` lines; a line that is not UTF-8 is
/// refused as `bad_json`.
fn ingest_lines(
    service: &FeatureUsage,
    mut reader: Box<dyn BufRead>,
    batch: usize,
) -> Result<IngestReport> {
    let mut total = IngestReport::default();
    let (mut chunk, mut lines, mut before) = (String::new(), 0usize, 0u64);
    let mut raw = Vec::new();
    let mut not_utf8: Vec<u64> = Vec::new();
    loop {
        raw.clear();
        let n = reader.read_until(b'\n', &mut raw)?;
        if n > 0 {
            match std::str::from_utf8(&raw) {
                Ok(text) => chunk.push_str(text.trim_end_matches(['\n', '\r'])),
                Err(_) => not_utf8.push(before + lines as u64 + 1),
            }
            chunk.push('\n');
            lines += 1;
        }
        if lines == batch || (n == 0 && lines > 0) {
            let mut report = service.ingest(&chunk)?;
            // Lines that were not UTF-8 were left blank above: refused here, in line order.
            for line in not_utf8.drain(..) {
                report.events += 1;
                report.refuse(Refusal::BadJson, 1);
                report.examples.push((line - before, Refusal::BadJson));
            }
            report.examples.sort();
            total.absorb(report, before);
            before += lines as u64;
            chunk.clear();
            lines = 0;
        }
        if n == 0 {
            return Ok(total);
        }
    }
}

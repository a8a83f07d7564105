//! Command-line flags. Every flag that names a place or an address falls back to an `AQS_...`
//! environment variable.

use clap::{Args, Parser, Subcommand};
use std::net::SocketAddr;
use std::path::PathBuf;

#[derive(Parser)]
#[command(name = "aqs", version, about = "Wikimedia's Analytics Query Service (the /metrics API): load the public dumps and serve them", long_about = None)]
pub struct Cli {
    /// Log lines as `text` or `json` (one JSON object per line, for log shippers)
    #[arg(long, global = true, env = "AQS_LOG_FORMAT", default_value = "text", value_parser = ["text", "json"])]
    pub log_format: String,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// Write synthetic dump files in the public formats and names, for demos and tests
    Generate(GenerateArgs),
    /// Load dump files into the store: pageview_complete, projectviews, unique devices, projectcounts and pagecounts-ez, geoeditors, mediacounts and mediawiki_history files (by their public names)
    Load(LoadArgs),
    /// Import rows exported from an existing AQS deployment (JSON Lines, Cassandra column names)
    Import(ImportArgs),
    /// Serve the API from the store
    Serve(ServeArgs),
    /// Generate a month of sample data (when the data directory is empty), load it and serve it
    Demo(DemoArgs),
    /// Print what the store holds: days, article-days, ids in use and free, and the size of every table
    Stats(StatsArgs),
    /// Write a compacted copy of the store (merged months, no free pages) into a new directory
    Compact(CompactArgs),
    /// Set up and look after the ClickHouse backend
    #[command(subcommand)]
    Clickhouse(ClickhouseCommand),
    /// Hide or show an article on a running server, at once (per-article series and top lists)
    #[command(subcommand)]
    Disallow(DisallowCommand),
    /// Work on a running server's project allowlist
    #[command(subcommand)]
    Allowlist(AllowlistCommand),
    /// Count API feature usage events (the counters behind /w/api.php?meta=featureusage)
    #[command(subcommand)]
    FeatureUsage(crate::feature_usage::FeatureUsageCommand),
    /// List and check the MediaWiki history snapshots, and switch the one served (at once, no restart)
    #[command(subcommand)]
    Snapshot(crate::snapshot::SnapshotCommand),
    /// Run every route's example request against a running server; exit 1 on any failure
    Check(CheckArgs),
    /// Write the synthetic 1970-01-01 rows the route examples (and `aqs check`) read
    AddProbeRows(AddProbeRowsArgs),
    /// Serve a fixed JSON body with the server's runtime, to measure the machine's HTTP ceiling
    #[command(hide = true)]
    Ceiling(CeilingArgs),
}

#[derive(Args, Clone)]
pub struct StoreArgs {
    /// The store directory
    #[arg(long, env = "AQS_DATA", value_name = "DIR")]
    pub data: PathBuf,
    /// The most the store may grow to, in GiB (address space reserved, not disk used)
    #[arg(long, env = "AQS_MAP_SIZE_GIB", default_value_t = 64, value_name = "GIB")]
    pub map_size_gib: usize,
}

/// Where data lives: the embedded store (a directory) or ClickHouse.
#[derive(Args, Clone)]
pub struct BackendArgs {
    /// The store: `embedded` (a directory, --data) or `clickhouse` (--clickhouse-url)
    #[arg(long, env = "AQS_BACKEND", default_value = "embedded", value_parser = ["embedded", "clickhouse"])]
    pub backend: String,
    /// The embedded store's directory (with --backend embedded)
    #[arg(long, env = "AQS_DATA", value_name = "DIR")]
    pub data: Option<PathBuf>,
    /// The most the embedded store may grow to, in GiB (address space reserved, not disk used)
    #[arg(long, env = "AQS_MAP_SIZE_GIB", default_value_t = 64, value_name = "GIB")]
    pub map_size_gib: usize,
    #[command(flatten)]
    pub clickhouse: ClickHouseArgs,
}

#[derive(Args, Clone)]
pub struct ClickHouseArgs {
    /// ClickHouse's HTTP interface (with --backend clickhouse)
    #[arg(
        long,
        env = "AQS_CLICKHOUSE_URL",
        default_value = "http://127.0.0.1:8123",
        value_name = "URL"
    )]
    pub clickhouse_url: String,
    /// The ClickHouse database holding aqs's tables
    #[arg(long, env = "AQS_CLICKHOUSE_DATABASE", default_value = "aqs", value_name = "DB")]
    pub clickhouse_database: String,
}

#[derive(Subcommand)]
pub enum ClickhouseCommand {
    /// Create the database and tables, or upgrade them to this version's schema (idempotent)
    Init(ClickhouseInitArgs),
    /// Drop the database and every table in it, on every server of its cluster
    Drop(ClickhouseDropArgs),
}

#[derive(Args)]
pub struct ClickhouseInitArgs {
    #[command(flatten)]
    pub clickhouse: ClickHouseArgs,
    /// Cluster mode: local tables on every server of this cluster (from the servers'
    /// `remote_servers`) and Distributed tables over them; ReplicatedMergeTree and ON CLUSTER
    /// DDL when the servers have a ZooKeeper
    #[arg(long, value_name = "NAME")]
    pub cluster: Option<String>,
    /// Without a ZooKeeper: the HTTP URL of every server of the cluster (repeat the flag)
    #[arg(long = "node", value_name = "URL")]
    pub nodes: Vec<String>,
}

#[derive(Args)]
pub struct ClickhouseDropArgs {
    #[command(flatten)]
    pub clickhouse: ClickHouseArgs,
    /// Required: the database is dropped with all its data
    #[arg(long)]
    pub yes: bool,
}

#[derive(Args)]
pub struct GenerateArgs {
    /// Directory to write `other/pageview_complete/...` and `other/pageviews/...` into
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// First day, YYYY-MM-DD
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub start: String,
    /// Number of days
    #[arg(long, value_name = "N")]
    pub days: u32,
    /// Number of projects (1 to 8), of very different sizes (the sample only)
    #[arg(long, default_value_t = 4, value_name = "N", conflicts_with = "full_day")]
    pub projects: usize,
    /// Number of articles over all projects (the sample only)
    #[arg(long, default_value_t = 20_000, value_name = "N", conflicts_with = "full_day")]
    pub articles: usize,
    /// Random seed: the same seed and options give the same bytes
    #[arg(long, default_value_t = 1, value_name = "N")]
    pub seed: u64,
    /// Write days the size and shape of a real Wikimedia day instead of the sample: 127 M
    /// pageview_complete lines (36.9 M user, 81.8 M spider, 8.4 M automated) over the
    /// allowlisted projects, with the long tail spiders walk; about 8 GB of text a day
    #[arg(long)]
    pub full_day: bool,
    /// With --full-day: the share of a real day to write (0.125 for an eighth)
    #[arg(long, default_value_t = 1.0, value_name = "SHARE", requires = "full_day")]
    pub scale: f64,
    /// With --full-day: `bz2` (level 9, as published) or `none` (plain text, quicker)
    #[arg(long, default_value = "bz2", value_parser = ["bz2", "none"], requires = "full_day")]
    pub compression: String,
    /// Write API feature usage event logs instead: JSON Lines as MediaWiki's api-feature-usage
    /// log channel ships them, one `feature-usage/YYYY/YYYY-MM/api-feature-usage-YYYYMMDD.jsonl.gz`
    /// a day (for `aqs feature-usage ingest`)
    #[arg(long, conflicts_with = "full_day")]
    pub feature_usage: bool,
    /// With --feature-usage: events a day (a real day has about 27 million)
    #[arg(long, default_value_t = 100_000, value_name = "N", requires = "feature_usage")]
    pub events: u64,
    /// With --feature-usage: long-tail agents that come back every day (as many again are new
    /// each day)
    #[arg(long, default_value_t = 5_000, value_name = "N", requires = "feature_usage")]
    pub agents: usize,
    /// Write only MediaWiki history dumps: four wikis, from January of the year before the
    /// last day's month to the end of that month (the snapshot)
    #[arg(long, conflicts_with_all = ["full_day", "feature_usage"])]
    pub mediawiki_history: bool,
    /// With --mediawiki-history: edits a day over the four wikis (a real enwiki has about
    /// 150,000)
    #[arg(long, default_value_t = 100.0, value_name = "N", requires = "mediawiki_history")]
    pub edits_per_day: f64,
}

#[derive(Args)]
pub struct LoadArgs {
    #[command(flatten)]
    pub store: BackendArgs,
    /// Read only files of this format (their public names still say their period);
    /// `projectview-hourly` exports (top by country) have no public name and need it
    #[arg(long, value_parser = aqs_ingest::load::DumpFormat::NAMES)]
    pub format: Option<String>,
    /// Load mediawiki_history files into this snapshot (YYYY-MM) whatever snapshot their names
    /// say: a month's dumps again as another snapshot, or files renamed
    #[arg(long, value_name = "YYYY-MM", value_parser = parse_snapshot_arg)]
    pub snapshot: Option<aqs_core::dates::YearMonth>,
    /// Pageview allowlist in the refinery TSV format (default: the list shipped with aqs)
    #[arg(long, env = "AQS_ALLOWLIST", value_name = "FILE")]
    pub allowlist: Option<PathBuf>,
    /// Disallowed articles in the refinery TSV format (`project<TAB>article`); default with the
    /// embedded store: DIR/disallowed.tsv when it exists (the list `aqs disallow` keeps)
    #[arg(long, env = "AQS_DISALLOWED", value_name = "FILE")]
    pub disallowed: Option<PathBuf>,
    /// Fail a file whose share of malformed lines is above this (0 to 1); the share counts
    /// only past the 10 bad lines any file may have
    #[arg(long, default_value_t = 0.001, value_name = "SHARE")]
    pub max_bad_share: f64,
    /// Memory for a day's sorting and write buffers, in MB; past it they spill to disk. A
    /// full-size day stays under 2 GB of resident memory with the default
    #[arg(long, env = "AQS_LOAD_MEMORY_MB", default_value_t = 1024, value_name = "MB")]
    pub memory_mb: usize,
    /// Seconds each day may spend merging its month's segments after it is published (the
    /// embedded store); a merge still under way then is left for the next load to go on with,
    /// and reads are the same either way. A month completed before it is merged whole is
    /// rolled up (monthly rows, top lists) by the load that finishes its merge. `unlimited`
    /// merges until done; `aqs compact` merges every month whole
    #[arg(long, env = "AQS_MERGE_SECONDS", default_value = "90", value_name = "SECONDS", value_parser = parse_merge_seconds)]
    pub merge_seconds: MergeSeconds,
    /// Seconds a pageviews day's load aims at, counted from the start of its reading: its
    /// merges stop once the day has taken this long, though each day merges for at least 15 s
    /// (and at most --merge-seconds), so that months still get merged and rolled up.
    /// `unlimited` leaves only --merge-seconds
    #[arg(long, env = "AQS_DAY_SECONDS", default_value = "270", value_name = "SECONDS", value_parser = parse_merge_seconds)]
    pub day_seconds: MergeSeconds,
    /// Where a load spills what does not fit in --memory-mb (removed afterwards, also after a
    /// failure); default: the store directory (--data), or the system's temporary directory
    /// with --backend clickhouse
    #[arg(long, env = "AQS_SPILL_DIR", value_name = "DIR")]
    pub spill_dir: Option<PathBuf>,
    /// Record the outcome in this Prometheus text file (for node_exporter's textfile
    /// collector): loads by outcome, last success, duration and lines of the last load
    #[arg(long, env = "AQS_LOAD_METRICS_FILE", value_name = "FILE")]
    pub metrics_file: Option<PathBuf>,
    /// Dump files or directories holding them (bz2, gz or plain)
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
}

#[derive(Args)]
pub struct ImportArgs {
    #[command(flatten)]
    pub store: BackendArgs,
    /// The AQS table the rows come from
    #[arg(long, value_parser = aqs_ingest::import::ImportTable::NAMES)]
    pub table: String,
    /// JSON Lines files (plain, gz or bz2)
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
}

#[derive(Args)]
pub struct ServeArgs {
    #[command(flatten)]
    pub store: BackendArgs,
    /// Address to listen on
    #[arg(long, env = "AQS_LISTEN", default_value = "127.0.0.1:7231", value_name = "ADDR")]
    pub listen: SocketAddr,
    #[command(flatten)]
    pub serving: ServingArgs,
}

/// How a server faces its clients and its operators (docs/operations.md).
#[derive(Args, Clone)]
pub struct ServingArgs {
    /// Memory for cached responses, in MB (0: no cache); entries expire when data is loaded
    #[arg(long, env = "AQS_CACHE_MB", default_value_t = 256, value_name = "MB")]
    pub cache_mb: u64,
    /// Rate limiting per client IP and route: `enforce` (429), `log-only`, or `off`
    #[arg(long, env = "AQS_RATE_LIMIT_MODE", default_value = "enforce", value_parser = ["enforce", "log-only", "off"])]
    pub rate_limit_mode: String,
    /// A per-second limit replacing the default of a route, or of every route whose name starts
    /// with ROUTE (repeat the flag; defaults: api-contract §1.9, 100 for pageviews)
    #[arg(
        long = "rate-limit",
        env = "AQS_RATE_LIMITS",
        value_delimiter = ',',
        value_name = "ROUTE=N"
    )]
    pub rate_limits: Vec<String>,
    /// A proxy (address or CIDR) whose X-Forwarded-For names the client (repeat the flag)
    #[arg(
        long = "trusted-proxy",
        env = "AQS_TRUSTED_PROXIES",
        value_delimiter = ',',
        value_name = "CIDR"
    )]
    pub trusted_proxies: Vec<String>,
    /// The most clients whose rate is tracked per route (memory stays bounded in a flood)
    #[arg(long, env = "AQS_MAX_TRACKED_CLIENTS", default_value_t = 100_000, value_name = "N")]
    pub max_tracked_clients: usize,
    /// Store reads running at once
    #[arg(long, env = "AQS_MAX_STORE_READS", default_value_t = 32, value_name = "N")]
    pub max_store_reads: usize,
    /// Store reads that may wait for a slot; beyond them requests get a 503 at once
    #[arg(long, env = "AQS_STORE_QUEUE", default_value_t = 128, value_name = "N")]
    pub store_queue: usize,
    /// The longest a request may take before it is answered with a 503, in milliseconds (a
    /// second more: the longest Ctrl-C or SIGTERM waits for connections to finish)
    #[arg(long, env = "AQS_REQUEST_TIMEOUT_MS", default_value_t = 10_000, value_name = "MS")]
    pub request_timeout_ms: u64,
    /// Log one line per request (target `aqs::access`)
    #[arg(long, env = "AQS_ACCESS_LOG", default_value_t = true, action = clap::ArgAction::Set, value_name = "BOOL")]
    pub access_log: bool,
    /// The disallowed-articles list the server hides and `aqs disallow` changes (default with
    /// the embedded store: DIR/disallowed.tsv)
    #[arg(long, env = "AQS_DISALLOWED", value_name = "FILE")]
    pub disallowed: Option<PathBuf>,
    /// A project allowlist (refinery TSV): other projects find no data; `aqs allowlist reload`
    /// reads it again
    #[arg(long, env = "AQS_ALLOWLIST", value_name = "FILE")]
    pub allowlist: Option<PathBuf>,
    /// Address of the admin endpoint (`aqs disallow`, `aqs allowlist`); it is started only
    /// when AQS_ADMIN_TOKEN is set
    #[arg(long, env = "AQS_ADMIN_LISTEN", default_value = "127.0.0.1:7233", value_name = "ADDR")]
    pub admin_listen: SocketAddr,
    /// Take API feature usage events (`POST /feature-usage/events`) only on this address,
    /// not on the serving port (for deployments that keep writes off the public port)
    #[arg(long, env = "AQS_FEATURE_USAGE_LISTEN", value_name = "ADDR")]
    pub feature_usage_listen: Option<SocketAddr>,
    #[command(flatten)]
    pub feature_usage: crate::feature_usage::FeatureUsageSettings,
}

/// How to reach a running server's admin endpoint.
#[derive(Args, Clone)]
pub struct AdminArgs {
    /// The admin endpoint of the server
    #[arg(
        long,
        env = "AQS_ADMIN_URL",
        default_value = "http://127.0.0.1:7233",
        value_name = "URL"
    )]
    pub admin_url: String,
    /// The server's admin token
    #[arg(long, env = "AQS_ADMIN_TOKEN", hide_env_values = true, value_name = "TOKEN")]
    pub admin_token: String,
}

#[derive(Subcommand)]
pub enum DisallowCommand {
    /// Hide an article: its per-article series answer 404, and it leaves top lists
    Add(DisallowArgs),
    /// Show a hidden article again
    Remove(DisallowArgs),
    /// Print the list (project, tab, title)
    List(DisallowListArgs),
}

#[derive(Args)]
pub struct DisallowArgs {
    #[command(flatten)]
    pub admin: AdminArgs,
    /// The project, e.g. en.wikipedia
    pub project: String,
    /// The title, with underscores or spaces
    pub title: String,
}

#[derive(Args)]
pub struct DisallowListArgs {
    #[command(flatten)]
    pub admin: AdminArgs,
}

#[derive(Subcommand)]
pub enum AllowlistCommand {
    /// Read the server's allowlist file again (after adding a wiki to it)
    Reload(DisallowListArgs),
}

#[derive(Args)]
pub struct CheckArgs {
    /// The server, e.g. http://127.0.0.1:7231
    #[arg(long, env = "AQS_CHECK_URL", value_name = "URL")]
    pub url: String,
    /// Give up on a request after this many milliseconds
    #[arg(long, default_value_t = 5_000, value_name = "MS")]
    pub timeout_ms: u64,
}

#[derive(Args)]
pub struct AddProbeRowsArgs {
    #[command(flatten)]
    pub store: BackendArgs,
}

#[derive(Args)]
pub struct CeilingArgs {
    #[arg(long, default_value = "127.0.0.1:7232", value_name = "ADDR")]
    pub listen: SocketAddr,
}

#[derive(Args)]
pub struct CompactArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    /// A new directory for the compacted copy; serve it with `--data` (the original is kept)
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
}

#[derive(Args)]
pub struct StatsArgs {
    #[command(flatten)]
    pub store: StoreArgs,
}

#[derive(Args)]
pub struct DemoArgs {
    /// The store directory (sample dumps go to DIR/dumps)
    #[arg(long, env = "AQS_DATA", default_value = "aqs-data", value_name = "DIR")]
    pub data: PathBuf,
    /// Address to listen on
    #[arg(long, env = "AQS_LISTEN", default_value = "127.0.0.1:7231", value_name = "ADDR")]
    pub listen: SocketAddr,
    #[command(flatten)]
    pub serving: ServingArgs,
    /// Days of sample data, from 2024-01-01
    #[arg(long, default_value_t = 31, value_name = "N")]
    pub days: u32,
    /// Articles in the sample
    #[arg(long, default_value_t = 40_000, value_name = "N")]
    pub articles: usize,
}

/// `--merge-seconds` and `--day-seconds`: seconds, or `None` for `unlimited`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MergeSeconds(pub Option<u64>);

fn parse_snapshot_arg(text: &str) -> Result<aqs_core::dates::YearMonth, String> {
    aqs_core::history::request::parse_snapshot(text)
        .ok_or_else(|| format!("{text:?} is not a snapshot name: expected YYYY-MM"))
}

fn parse_merge_seconds(text: &str) -> Result<MergeSeconds, String> {
    match text {
        "unlimited" => Ok(MergeSeconds(None)),
        _ => text.parse().map(|s| MergeSeconds(Some(s))).map_err(|_| {
            format!("expected a whole number of seconds or `unlimited`, found {text:?}")
        }),
    }
}

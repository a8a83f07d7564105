//! Command-line flags. Every flag that names a place or an address falls back to an `AQS_...`
//! environment variable.

use clap::{Args, Parser, Subcommand};
use std::net::SocketAddr;
use std::path::PathBuf;

#[derive(Parser)]
#[command(name = "aqs", version, about = "Wikimedia's Analytics Query Service (the /metrics API): load the public dumps and serve them", long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// Write synthetic dump files in the public formats and names, for demos and tests
    Generate(GenerateArgs),
    /// Load pageview_complete daily files and projectviews hourly files into the store
    Load(LoadArgs),
    /// Import rows exported from an existing AQS deployment (JSON Lines, Cassandra column names)
    Import(ImportArgs),
    /// Serve the API from the store
    Serve(ServeArgs),
    /// Generate a month of sample data (when the data directory is empty), load it and serve it
    Demo(DemoArgs),
    /// Print what the store holds: days, article-days, and the size of every table
    Stats(StatsArgs),
    /// Write a compacted copy of the store (merged months, no free pages) into a new directory
    Compact(CompactArgs),
    /// Set up and look after the ClickHouse backend
    #[command(subcommand)]
    Clickhouse(ClickhouseCommand),
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
    /// Number of projects (1 to 8), of very different sizes
    #[arg(long, default_value_t = 4, value_name = "N")]
    pub projects: usize,
    /// Number of articles over all projects
    #[arg(long, default_value_t = 20_000, value_name = "N")]
    pub articles: usize,
    /// Random seed: the same seed and options give the same bytes
    #[arg(long, default_value_t = 1, value_name = "N")]
    pub seed: u64,
}

#[derive(Args)]
pub struct LoadArgs {
    #[command(flatten)]
    pub store: BackendArgs,
    /// Read every file as this format instead of telling it from the file name
    #[arg(long, value_parser = ["pageview-complete", "projectviews"])]
    pub format: Option<String>,
    /// Pageview allowlist in the refinery TSV format (default: the list shipped with aqs)
    #[arg(long, env = "AQS_ALLOWLIST", value_name = "FILE")]
    pub allowlist: Option<PathBuf>,
    /// Disallowed articles in the refinery TSV format (`project<TAB>article`)
    #[arg(long, env = "AQS_DISALLOWED", value_name = "FILE")]
    pub disallowed: Option<PathBuf>,
    /// Fail a file whose share of malformed lines is above this (0 to 1)
    #[arg(long, default_value_t = 0.001, value_name = "SHARE")]
    pub max_bad_share: f64,
    /// Dump files or directories holding them (bz2, gz or plain)
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
}

#[derive(Args)]
pub struct ImportArgs {
    #[command(flatten)]
    pub store: BackendArgs,
    /// The AQS table the rows come from
    #[arg(long, value_parser = ["pageviews.per.article.flat", "pageviews.per.project.v2", "top.pageviews"])]
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
    /// Memory for cached responses, in MB (0: no cache); entries expire when data is loaded
    #[arg(long, env = "AQS_CACHE_MB", default_value_t = 256, value_name = "MB")]
    pub cache_mb: u64,
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
    /// Days of sample data, from 2024-01-01
    #[arg(long, default_value_t = 31, value_name = "N")]
    pub days: u32,
    /// Articles in the sample
    #[arg(long, default_value_t = 40_000, value_name = "N")]
    pub articles: usize,
}

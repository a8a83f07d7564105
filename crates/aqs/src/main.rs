//! The `aqs` binary: parses the command line, wires the store, the loaders and the server
//! together, and turns errors into exit codes. Everything else lives in the library crates.

#[macro_use]
mod out;
mod cli;
mod commands;
mod demo;
mod feature_usage;
mod load_metrics;
mod operator;
mod progress;
mod serve;
mod snapshot;

use clap::Parser;
use std::process::ExitCode;

/// mimalloc instead of the system allocator: under the benchmark mix, glibc's malloc and free
/// took a third of the server's time (BENCHMARKS.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    let filter = tracing_subscriber::EnvFilter::try_from_env("AQS_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let logs = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    if cli.log_format == "json" {
        logs.json().flatten_event(true).init();
    } else {
        logs.init();
    }
    match commands::run(cli.command) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

//! Synthetic dump files in the exact public formats and names (data-formats §2.2, §2.3):
//! `other/pageview_complete/YYYY/YYYY-MM/pageviews-YYYYMMDD-{user,spider,automated}.bz2` and
//! `other/pageviews/YYYY/YYYY-MM/projectviews-YYYYMMDD-HH0000` (named by the end of the hour).
//!
//! Two generators share the formats and the helpers here:
//! - [`generate`] ([`sample`]): a small catalog of articles over a few projects and as many days
//!   as asked, for demos, tests and the HTTP benchmark.
//! - [`full_day::generate_full_days`]: days the size and shape of a real Wikimedia day
//!   (127 M lines, spiders on the long tail), for load benchmarks; streamed, in bounded memory.
//!
//! The same options and seed give the same bytes.

pub mod feature_usage;
pub mod full_day;
mod geoeditors;
mod mediacounts;
pub mod mediawiki_history;
mod output;
mod projectcounts;
mod sample;
mod unique_devices;

pub use output::Compression;
pub use sample::{PROJECTS, UNEXPECTED_PROJECT, generate};

use aqs_core::dates::Day;
use rand::RngExt;
use rand_chacha::ChaCha8Rng;
use std::path::{Path, PathBuf};

/// What the sample generator writes.
#[derive(Debug, Clone)]
pub struct GenerateOptions {
    pub out: PathBuf,
    pub start: Day,
    pub days: u32,
    /// How many projects (at most [`PROJECTS`]`.len()`).
    pub projects: usize,
    /// Articles over all projects.
    pub articles: usize,
    pub seed: u64,
}

/// What was written.
#[derive(Debug, Clone, Default)]
pub struct GenerateSummary {
    pub files: Vec<PathBuf>,
    pub lines: u64,
    /// Distinct (project, title, day) with views in allowlisted projects.
    pub article_days: u64,
    pub bytes: u64,
}

/// Agent types, in file-name spelling, in the order of the per-agent arrays below.
const AGENTS: [&str; 3] = ["user", "spider", "automated"];
/// Access mix per agent: desktop, mobile-web, mobile-app.
const ACCESS_MIX: [[f64; 3]; 3] = [[0.515, 0.468, 0.017], [0.80, 0.19, 0.01], [0.70, 0.30, 0.0]];
const ACCESS_NAMES: [&str; 3] = ["desktop", "mobile-web", "mobile-app"];
/// Relative traffic by hour of day (UTC).
const DIURNAL: [f64; 24] = [
    0.7, 0.6, 0.55, 0.5, 0.5, 0.55, 0.65, 0.8, 0.95, 1.05, 1.1, 1.15, 1.2, 1.2, 1.25, 1.3, 1.3,
    1.3, 1.25, 1.2, 1.1, 1.0, 0.9, 0.8,
];

/// A Poisson draw (Knuth below 30, normal approximation above).
fn poisson(rng: &mut ChaCha8Rng, lambda: f64) -> u64 {
    if lambda <= 0.0 {
        return 0;
    }
    if lambda < 30.0 {
        let limit = (-lambda).exp();
        let (mut k, mut p) = (0u64, 1.0f64);
        loop {
            p *= rng.random::<f64>();
            if p <= limit {
                return k;
            }
            k += 1;
        }
    }
    let normal = gaussian(rng);
    (lambda + normal * lambda.sqrt()).round().max(0.0) as u64
}

fn gaussian(rng: &mut ChaCha8Rng) -> f64 {
    let (u1, u2) = (rng.random::<f64>().max(f64::MIN_POSITIVE), rng.random::<f64>());
    (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
}

/// The index of a slot drawn with probability proportional to its weight.
fn pick(rng: &mut ChaCha8Rng, weights: &[f64], total: f64) -> usize {
    let mut x = rng.random::<f64>() * total;
    let mut i = 0;
    while i + 1 < weights.len() && x >= weights[i] {
        x -= weights[i];
        i += 1;
    }
    i
}

/// Splits `n` over weights (a multinomial draw; expected shares for large `n`).
fn split<const N: usize>(rng: &mut ChaCha8Rng, n: u64, weights: &[f64; N]) -> [u64; N] {
    let mut out = [0u64; N];
    let total: f64 = weights.iter().sum();
    let mut left = n;
    if n > 64 {
        for i in 0..N {
            out[i] = (((n as f64) * weights[i] / total).floor() as u64).min(left);
            left -= out[i];
        }
    }
    // Small counts, and the remainders of large ones, go to random slots by weight.
    for _ in 0..left {
        out[pick(rng, weights, total)] += 1;
    }
    out
}

/// Appends the hourly field: `A<n>B<n>…`, hours without views left out.
fn push_hourly_field(out: &mut Vec<u8>, hours: &[u64; 24]) {
    for (h, &n) in hours.iter().enumerate() {
        if n > 0 {
            out.push(b'A' + h as u8);
            out.extend_from_slice(itoa::Buffer::new().format(n).as_bytes());
        }
    }
}

fn hourly_field(hours: &[u64; 24]) -> String {
    let mut out = Vec::new();
    push_hourly_field(&mut out, hours);
    String::from_utf8(out).expect("ASCII")
}

/// A title as Spark's CSV writer prints it: quoted, with `\"`, when it contains a quote.
fn spark_token(title: &str) -> std::borrow::Cow<'_, str> {
    if title.contains('"') {
        format!("\"{}\"", title.replace('"', "\\\"")).into()
    } else {
        title.into()
    }
}

fn day_dir(root: &Path, kind: &str, day: Day) -> PathBuf {
    root.join("other").join(kind).join(format!("{:04}", day.year())).join(format!(
        "{:04}-{:02}",
        day.year(),
        day.month()
    ))
}

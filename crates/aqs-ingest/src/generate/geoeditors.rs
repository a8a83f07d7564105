//! Sample geoeditors files (data-formats §2.8): `other/geoeditors/geoeditors-monthly-YYYY-MM.tsv`
//! for every month whose last day is generated, uncompressed, no header, with the sample's
//! Wikipedias, countries by name (one on the deny list), `editors_ceil` in tens and
//! `editors_floor = ceil - 9`, and two irregular lines (an unknown country name and a wiki
//! that is not a Wikipedia).

use super::GenerateOptions;
use super::sample::PROJECTS;
use anyhow::{Context, Result};
use aqs_core::dates::YearMonth;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::fmt::Write as _;
use std::path::PathBuf;

const COUNTRIES: [&str; 8] =
    ["United States", "Germany", "Japan", "France", "India", "Brazil", "Russia", "Hong Kong"];

fn month_file(options: &GenerateOptions, month: YearMonth) -> String {
    let mut rng = ChaCha8Rng::seed_from_u64(options.seed ^ 0x6e0_ed17 ^ month.index() as u64);
    let mut text = String::new();
    let count = options.projects.clamp(1, PROJECTS.len());
    for (project, share, ..) in &PROJECTS[..count] {
        let Some(language) = project.strip_suffix(".wikipedia") else { continue };
        let db = format!("{}wiki", language.replace('-', "_"));
        for (i, country) in COUNTRIES.iter().enumerate() {
            for (level, scale) in [("5 to 99", 4000.0), ("100 or more", 600.0)] {
                let editors = scale * share / (i + 1) as f64 * (0.8 + 0.4 * rng.random::<f64>());
                let ceil = ((editors / 10.0).ceil() as u64).max(1) * 10;
                let _ = writeln!(text, "{db}\t{country}\t{level}\t{}\t{ceil}", ceil - 9);
            }
        }
    }
    text.push_str("enwiki\tAtlantis\t5 to 99\t1\t10\n");
    text.push_str("enwiktionary\tGermany\t5 to 99\t11\t20\n");
    text
}

/// Writes the geoeditors files of the generated months; returns (files, lines, bytes).
pub fn generate(options: &GenerateOptions) -> Result<(Vec<PathBuf>, u64, u64)> {
    let (mut files, mut lines, mut bytes) = (Vec::new(), 0u64, 0u64);
    for offset in 0..options.days {
        let day = options.start.add_days(offset as i32);
        let month = day.year_month();
        if day.next().year_month() == month {
            continue;
        }
        let dir = options.out.join("other").join("geoeditors");
        std::fs::create_dir_all(&dir)?;
        let path =
            dir.join(format!("geoeditors-monthly-{:04}-{:02}.tsv", month.year(), month.month()));
        let text = month_file(options, month);
        std::fs::write(&path, &text).with_context(|| format!("cannot write {}", path.display()))?;
        lines += text.lines().count() as u64;
        bytes += text.len() as u64;
        files.push(path);
    }
    Ok((files, lines, bytes))
}

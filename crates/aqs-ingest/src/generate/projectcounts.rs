//! Sample legacy projectcounts files (data-formats §2.9): for every generated hour, the
//! `projectcounts-YYYYMMDD-HH0000` file of pagecounts-all-sites (named for the end of its hour,
//! so hour 23 lives in the next day's file and directory), uncompressed as the originals were,
//! with desktop, mobile and `.zero` codes of the sample's projects, a `meta.m` line (kept or
//! dropped by the loader depending on the date, as the original did) and two irregular lines
//! (an unknown code and a count that is not a number) a day.

use super::sample::PROJECTS;
use super::{DIURNAL, GenerateOptions};
use anyhow::{Context, Result};
use aqs_core::dates::Hour;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::fmt::Write as _;
use std::path::PathBuf;

/// Views of all projects in an average hour.
const HOURLY_VIEWS: f64 = 20_000_000.0;

/// The file of one hour: its path under `out` and its text.
fn hour_file(options: &GenerateOptions, hour: Hour) -> (PathBuf, String) {
    let end = Hour::from_epoch_hours(hour.epoch_hours() + 1);
    let mut rng = ChaCha8Rng::seed_from_u64(options.seed ^ 0x9c0_0415 ^ hour.epoch_hours() as u64);
    let mut text = String::new();
    let count = options.projects.clamp(1, PROJECTS.len());
    for (project, share, desktop, mobile) in &PROJECTS[..count] {
        let views = HOURLY_VIEWS * share * DIURNAL[usize::from(hour.hour)];
        let mobile_share = 0.4 + 0.2 * rng.random::<f64>();
        let d = (views * (1.0 - mobile_share) * noise_of(&mut rng)) as u64;
        let m = (views * mobile_share * noise_of(&mut rng)) as u64;
        let _ = writeln!(text, "{desktop} - {d} {}", d * 21_000);
        let _ = writeln!(text, "{mobile} - {m} {}", m * 15_000);
        if *project == "en.wikipedia" {
            let zero = (views * 0.001 * noise_of(&mut rng)) as u64;
            let _ = writeln!(text, "en.zero - {zero} {}", zero * 9000);
        }
    }
    let meta = (HOURLY_VIEWS * 0.002 * noise_of(&mut rng)) as u64;
    let _ = writeln!(text, "meta.m - {meta} {}", meta * 20_000);
    match hour.hour {
        3 => text.push_str("xx.unknown.code.here - 12 345\n"),
        15 => text.push_str("de - twelve 345\n"),
        _ => {}
    }
    let day = end.day;
    let path = options
        .out
        .join("other")
        .join("pagecounts-all-sites")
        .join(format!("{:04}", day.year()))
        .join(format!("{:04}-{:02}", day.year(), day.month()))
        .join(format!("projectcounts-{}-{:02}0000", day.compact(), end.hour));
    (path, text)
}

fn noise_of(rng: &mut ChaCha8Rng) -> f64 {
    0.9 + 0.2 * rng.random::<f64>()
}

/// Writes the projectcounts files of every generated hour; returns (files, lines, bytes).
pub fn generate(options: &GenerateOptions) -> Result<(Vec<PathBuf>, u64, u64)> {
    let (mut files, mut lines, mut bytes) = (Vec::new(), 0u64, 0u64);
    for offset in 0..options.days {
        let day = options.start.add_days(offset as i32);
        for h in 0..24 {
            let Some(hour) = Hour::new(day, h) else { continue };
            let (path, text) = hour_file(options, hour);
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir)?;
            }
            std::fs::write(&path, &text)
                .with_context(|| format!("cannot write {}", path.display()))?;
            lines += text.lines().count() as u64;
            bytes += text.len() as u64;
            files.push(path);
        }
    }
    Ok((files, lines, bytes))
}

#[cfg(test)]
mod tests {
    use super::*;
    use aqs_core::dates::Day;

    #[test]
    fn files_are_named_for_the_end_of_their_hour() {
        let options = GenerateOptions {
            out: PathBuf::from("out"),
            start: Day::from_ymd(2024, 1, 31).unwrap(),
            days: 1,
            projects: 2,
            articles: 10,
            seed: 1,
        };
        let last = Hour::new(options.start, 23).unwrap();
        let (path, text) = hour_file(&options, last);
        assert_eq!(
            path,
            PathBuf::from(
                "out/other/pagecounts-all-sites/2024/2024-02/projectcounts-20240201-000000"
            )
        );
        assert!(text.starts_with("en - "), "{text}");
        assert_eq!(text.lines().count(), 6, "2 projects × 2 sites, en.zero, meta.m: {text}");
        assert_eq!(hour_file(&options, last), (path, text), "same seed, same bytes");
    }
}

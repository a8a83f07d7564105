//! Sample unique devices dumps (data-formats §2.4) for the sample's projects: per-domain and
//! per-project-family files, daily for every day and monthly for every month whose last day
//! is generated, gzip, under their public paths and names. Per-domain days before 2025-09-08
//! use the legacy 4-field lines (the mobile site as an `m` host), later days the current
//! 5-field lines (`access_method`). A small wiki below the 1000-device threshold and the
//! excluded `wikidata` family are included, so that a load shows both rules.

use super::GenerateOptions;
use super::sample::PROJECTS;
use anyhow::{Context, Result};
use aqs_core::dates::{Day, YearMonth};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::io::Write;
use std::path::{Path, PathBuf};

/// The day the per-domain files gained `access_method` (refinery commit `edfea882`).
fn current_format(day: Day) -> bool {
    day >= Day::from_ymd(2025, 9, 8).unwrap_or(day)
}

/// A project's desktop and mobile hosts, as the legacy files name them.
fn hosts(project: &str) -> (String, String) {
    match project.split_once('.') {
        None => (format!("www.{project}.org"), format!("m.{project}.org")),
        Some((lang, family)) => (format!("{project}.org"), format!("{lang}.m.{family}.org")),
    }
}

fn family_of(project: &str) -> &str {
    project.rsplit('.').next().unwrap_or(project)
}

/// Devices per day of each project, sites (desktop, mobile) and family, from the seed.
struct Counts {
    /// (project, desktop (underestimate, offset), mobile (underestimate, offset)).
    projects: Vec<(String, [(u64, u64); 2])>,
}

fn counts(options: &GenerateOptions, key: u64, scale: f64) -> Counts {
    let mut rng = ChaCha8Rng::seed_from_u64(options.seed ^ 0x0de7_1ce5 ^ key);
    let count = options.projects.clamp(1, PROJECTS.len());
    let mut projects = Vec::new();
    for (name, share, ..) in &PROJECTS[..count] {
        let total = 80_000_000.0 * share * scale * (0.9 + 0.2 * rng.random::<f64>());
        let mobile = 0.55 + 0.1 * rng.random::<f64>();
        let site = |part: f64, rng: &mut ChaCha8Rng| {
            let estimate = (total * part) as u64;
            let offset = (estimate as f64 * (0.05 + 0.1 * rng.random::<f64>())) as u64;
            (estimate - offset, offset)
        };
        let desktop = site(1.0 - mobile, &mut rng);
        let mobile = site(mobile, &mut rng);
        projects.push((name.to_string(), [desktop, mobile]));
    }
    // A wiki too small to be served: under the threshold on both sites.
    projects.push(("xh.wikipedia".to_string(), [(400, 100), (700, 150)]));
    Counts { projects }
}

fn write_gz(path: &Path, text: &str) -> Result<u64> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let file =
        std::fs::File::create(path).with_context(|| format!("cannot write {}", path.display()))?;
    let mut encoder = flate2::write::GzEncoder::new(file, flate2::Compression::default());
    encoder.write_all(text.as_bytes())?;
    encoder.finish()?;
    Ok(std::fs::metadata(path)?.len())
}

/// Lines sorted by estimate, descending, as the dumps are.
fn sorted(mut lines: Vec<(u64, String)>) -> String {
    lines.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    lines.into_iter().map(|(_, l)| l + "\n").collect()
}

fn per_domain(counts: &Counts, current: bool) -> String {
    let mut lines = Vec::new();
    for (project, sites) in &counts.projects {
        let (desktop_host, mobile_host) = hosts(project);
        for (i, (under, offset)) in sites.iter().enumerate() {
            let estimate = under + offset;
            if estimate < 1000 && !current {
                continue; // the dump's own `>= 1000` filter
            }
            let line = if current {
                let domain = desktop_host.clone();
                match i {
                    0 => format!("{domain}\tdesktop\t{under}\t{offset}\t{estimate}"),
                    // The mobile part split over the web and the app.
                    _ => {
                        let (web_u, web_o) = (under * 9 / 10, offset * 9 / 10);
                        lines.push((
                            web_u + web_o,
                            format!("{domain}\tmobile web\t{web_u}\t{web_o}\t{}", web_u + web_o),
                        ));
                        let (app_u, app_o) = (under - web_u, offset - web_o);
                        format!("{domain}\tmobile app\t{app_u}\t{app_o}\t{}", app_u + app_o)
                    }
                }
            } else {
                let host = if i == 0 { &desktop_host } else { &mobile_host };
                format!("{host}\t{under}\t{offset}\t{estimate}")
            };
            lines.push((estimate, line));
        }
    }
    sorted(lines)
}

fn per_family(counts: &Counts) -> String {
    let mut families: std::collections::BTreeMap<&str, (u64, u64)> = Default::default();
    for (project, sites) in &counts.projects {
        let entry = families.entry(family_of(project)).or_default();
        for (under, offset) in sites {
            // People read several wikis of a family: a family counts fewer than its sum.
            entry.0 += under * 3 / 4;
            entry.1 += offset * 3 / 4;
        }
    }
    let lines = families
        .into_iter()
        .map(|(family, (under, offset))| {
            (under + offset, format!("{family}\t{under}\t{offset}\t{}", under + offset))
        })
        .collect();
    sorted(lines)
}

fn path(root: &Path, kind: &str, ym: YearMonth, name: String) -> PathBuf {
    root.join("other")
        .join("unique_devices")
        .join(kind)
        .join(format!("{:04}", ym.year()))
        .join(format!("{:04}-{:02}", ym.year(), ym.month()))
        .join(name)
}

/// Writes the unique devices files of the generated days; returns (files, lines, bytes).
pub fn generate(options: &GenerateOptions) -> Result<(Vec<PathBuf>, u64, u64)> {
    let (mut files, mut lines, mut bytes) = (Vec::new(), 0u64, 0u64);
    let mut write = |path: PathBuf, text: String| -> Result<()> {
        bytes += write_gz(&path, &text)?;
        lines += text.lines().count() as u64;
        files.push(path);
        Ok(())
    };
    for offset in 0..options.days {
        let day = options.start.add_days(offset as i32);
        let counts = counts(options, u64::from(day.epoch_days() as u32), 1.0);
        let ym = day.year_month();
        let iso = format!("{:04}-{:02}-{:02}", day.year(), day.month(), day.day());
        let name = format!("unique_devices_per_domain_daily-{iso}.gz");
        write(
            path(&options.out, "per_domain", ym, name),
            per_domain(&counts, current_format(day)),
        )?;
        let name = format!("unique_devices_per_project_family_daily-{iso}.gz");
        write(path(&options.out, "per_project_family", ym, name), per_family(&counts))?;
        if day.next().year_month() != ym {
            let counts = counts_of_month(options, ym);
            let stamp = format!("{:04}-{:02}", ym.year(), ym.month());
            let name = format!("unique_devices_per_domain_monthly-{stamp}.gz");
            write(
                path(&options.out, "per_domain", ym, name),
                per_domain(&counts, current_format(day)),
            )?;
            let name = format!("unique_devices_per_project_family_monthly-{stamp}.gz");
            write(path(&options.out, "per_project_family", ym, name), per_family(&counts))?;
        }
    }
    Ok((files, lines, bytes))
}

/// A month reaches about 12 times a day's devices.
fn counts_of_month(options: &GenerateOptions, ym: YearMonth) -> Counts {
    counts(options, 0xa0_0000 + ym.index() as u64, 12.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_follow_the_legacy_names() {
        assert_eq!(hosts("en.wikipedia"), ("en.wikipedia.org".into(), "en.m.wikipedia.org".into()));
        assert_eq!(hosts("wikidata"), ("www.wikidata.org".into(), "m.wikidata.org".into()));
        assert_eq!(hosts("commons.wikimedia").1, "commons.m.wikimedia.org");
    }

    #[test]
    fn current_lines_split_mobile_and_keep_the_sums() {
        let counts = Counts { projects: vec![("en.wikipedia".into(), [(1000, 100), (2000, 200)])] };
        let text = per_domain(&counts, true);
        let mobile: u64 = text
            .lines()
            .filter(|l| l.contains("mobile"))
            .map(|l| l.rsplit('\t').next().unwrap().parse::<u64>().unwrap())
            .sum();
        assert_eq!(mobile, 2200);
        assert_eq!(text.lines().count(), 3);
        for line in text.lines() {
            let f: Vec<u64> = line.split('\t').skip(2).map(|n| n.parse().unwrap()).collect();
            assert_eq!(f[0] + f[1], f[2], "{line}");
        }
    }
}

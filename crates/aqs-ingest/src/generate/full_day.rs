//! Days the size and shape of a real Wikimedia day: the three `pageview_complete` files of
//! 2021-01-01 (data-formats §7) had 36.9 M user lines, 81.8 M spider lines (2.2 times the user
//! lines: spiders walk the long tail) and 8.4 M automated lines, about 8 GB of text and 1.6 GB
//! of bzip2. `--scale` shrinks every count alike.
//!
//! The model, per title of a universe of [`UNIVERSE_TITLES`] over the ~1,000 allowlisted
//! projects (en.wikipedia a third of it, then a long tail of small wikis):
//! - a popularity drawn once (views ∝ rank^-¾), which sets the user views of a day;
//! - spiders crawl half of the titles most days and the other half rarely, whatever their
//!   popularity, so most spider titles get no user views;
//! - automated agents hammer 2 % of the titles and touch the rest rarely;
//! - each agent's rate is calibrated (by simulating the model on a sample of titles) so that a
//!   day's line counts match the real ones.
//!
//! The same irregular lines as real files, in proportion: `null` page ids (8 % of titles),
//! views split over a page id line and a `null` line, legacy 5-field lines (in de.wikipedia),
//! Spark-quoted titles with `"`, titles with a TAB, the `-` title, a project outside the
//! allowlist, and one malformed line per two million.
//!
//! Everything is streamed: titles are made 4,096 at a time in sorted order (a fixed-width
//! prefix per chunk keeps chunks in order), lines go to [`Outputs`], which compresses on every
//! core. Memory stays under ~100 MB whatever the scale.

use super::output::{Compression, Outputs};
use super::{ACCESS_MIX, ACCESS_NAMES, AGENTS, DIURNAL, GenerateSummary, day_dir, poisson, split};
use anyhow::{Result, bail};
use aqs_core::dates::Day;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::path::PathBuf;

/// Lines of the user, spider and automated files of 2021-01-01.
pub const REAL_DAY_LINES: [u64; 3] = [36_859_696, 81_776_243, 8_353_208];
/// Titles that can get views, over all projects, at scale 1.
pub const UNIVERSE_TITLES: f64 = 150e6;
/// Titles made at a time, sorted.
const CHUNK: u64 = 4096;
/// One malformed line per this many lines of a file.
const MALFORMED_EVERY: u64 = 2_000_000;

#[derive(Debug, Clone)]
pub struct FullDayOptions {
    pub out: PathBuf,
    pub start: Day,
    pub days: u32,
    /// 1.0 for a real day's size; 0.125 for an eighth of it.
    pub scale: f64,
    pub seed: u64,
    pub compression: Compression,
}

/// Progress of a generation: lines written of the day being written, and of the whole run.
#[derive(Debug, Clone, Copy)]
pub struct FullDayProgress {
    pub day: Day,
    pub lines: u64,
    pub expected_lines: u64,
}

/// The big projects and their share of titles (the rest share what is left).
const BIG: &[(&str, f64)] = &[
    ("en.wikipedia", 30.0),
    ("wikidata", 8.0),
    ("commons.wikimedia", 6.0),
    ("de.wikipedia", 6.0),
    ("ja.wikipedia", 5.0),
    ("es.wikipedia", 5.0),
    ("ru.wikipedia", 5.0),
    ("fr.wikipedia", 4.5),
    ("it.wikipedia", 3.0),
    ("zh.wikipedia", 3.0),
    ("pt.wikipedia", 2.5),
    ("pl.wikipedia", 2.0),
    ("en.wiktionary", 1.0),
];
/// A project outside the shipped allowlist, with this share of titles.
const UNEXPECTED: (&str, f64) = (super::UNEXPECTED_PROJECT, 0.02);
/// The project whose lines are partly legacy 5-field lines.
const LEGACY_PROJECT: &str = "de.wikipedia";

struct Project {
    name: String,
    titles: u64,
    /// Characters of the chunk prefix.
    width: u32,
    allowed: bool,
}

fn plan_projects(scale: f64) -> Vec<Project> {
    let allowlist = aqs_core::lists::DEFAULT_ALLOWLIST;
    let mut rest: Vec<&str> = allowlist
        .lines()
        .filter_map(|l| l.strip_prefix("project\t"))
        .filter_map(|l| l.split('\t').next())
        .filter(|name| !BIG.iter().any(|(big, _)| big == name))
        .collect();
    // A fixed, name-independent order for the long tail's sizes.
    rest.sort_by_key(|name| mix(name.bytes().fold(0u64, |h, b| h.rotate_left(5) ^ u64::from(b))));
    let harmonic: f64 = (0..rest.len()).map(|k| 1.0 / (k as f64 + 5.0)).sum();
    let mut weighted: Vec<(String, f64, bool)> =
        BIG.iter().map(|(n, w)| (n.to_string(), *w, true)).collect();
    weighted.extend(
        rest.iter()
            .enumerate()
            .map(|(k, n)| (n.to_string(), 19.0 / (k as f64 + 5.0) / harmonic, true)),
    );
    weighted.push((UNEXPECTED.0.to_string(), UNEXPECTED.1, false));
    weighted.sort_by(|a, b| a.0.cmp(&b.0));
    let total: f64 = weighted.iter().map(|p| p.1).sum();
    weighted
        .into_iter()
        .map(|(name, weight, allowed)| {
            let titles = ((UNIVERSE_TITLES * scale * weight / total).round() as u64).max(40);
            let chunks = titles.div_ceil(CHUNK);
            let width = (1..).find(|w| PREFIX_LETTERS.pow(*w) as u64 >= chunks).unwrap_or(1);
            Project { name, titles, width, allowed }
        })
        .collect()
}

/// SplitMix64's finaliser: a well-spread 64-bit hash.
fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

/// What a title is, whatever the day.
#[derive(Clone, Copy)]
struct Traits {
    /// Popularity: 1 for the long tail, up to ~10^6.
    z: f64,
    crawled: bool,
    bot_target: bool,
    null_id: bool,
    split_ids: bool,
    legacy: bool,
}

fn traits(seed: u64, project: usize, index: u64, legacy_project: bool) -> Traits {
    let h = mix(seed ^ ((project as u64) << 40) ^ index);
    let g = mix(h);
    let u = ((h >> 11) as f64 + 1.0) / (1u64 << 53) as f64;
    Traits {
        z: u.powf(-0.75).min(1e6),
        crawled: g & 1 == 0,
        bot_target: (g >> 8) % 50 == 0,
        null_id: (g >> 16) % 100 < 8,
        split_ids: (g >> 24) % 100 < 3,
        legacy: legacy_project && (g >> 32) % 50 == 0,
    }
}

/// Expected views of a title for each agent, before calibration (`rates` multiply them).
fn means(t: &Traits, rates: [f64; 3], weekly: f64) -> [f64; 3] {
    [
        rates[0] * t.z * weekly,
        rates[1] * if t.crawled { 1.0 } else { 0.1 } * (1.0 + 0.01 * t.z),
        rates[2] * if t.bot_target { 1.0 + t.z.sqrt() } else { 0.004 },
    ]
}

/// Draws one agent's views of a title and calls `line(access, hours)` for each line it gets
/// (two for an access whose views are split over a page id and `null`); returns the lines.
fn draw_lines(
    rng: &mut ChaCha8Rng,
    agent: usize,
    mean: f64,
    t: &Traits,
    mut line: impl FnMut(usize, Option<bool>, &[u64; 24]),
) -> u32 {
    let views = poisson(rng, mean);
    if views == 0 {
        return 0;
    }
    let mut lines = 0;
    for (access, &n) in split(rng, views, &ACCESS_MIX[agent]).iter().enumerate() {
        if n == 0 {
            continue;
        }
        let hours = split(rng, n, &DIURNAL);
        if t.split_ids && n > 1 {
            let mut first = [0u64; 24];
            let mut rest = hours;
            for h in 0..24 {
                first[h] = rest[h] / 2;
                rest[h] -= first[h];
            }
            for (part, with_id) in [(&first, true), (&rest, false)] {
                if part.iter().any(|&v| v > 0) {
                    line(access, Some(with_id), part);
                    lines += 1;
                }
            }
        } else {
            line(access, None, &hours);
            lines += 1;
        }
    }
    lines
}

/// Rates that give a day of `scale` its real line counts, found by simulating the model on a
/// sample of titles (bisection on each agent's rate).
fn calibrate(seed: u64, titles: u64, scale: f64) -> [f64; 3] {
    const SAMPLE: u64 = 100_000;
    let sample: Vec<Traits> = (0..SAMPLE).map(|i| traits(seed ^ 0xca11, 0, i, true)).collect();
    let mut rates = [0.0; 3];
    for agent in 0..3 {
        let target = REAL_DAY_LINES[agent] as f64 * scale / titles as f64 * SAMPLE as f64;
        let (mut low, mut high) = (1e-6f64, 1e3f64);
        for _ in 0..40 {
            let rate = (low * high).sqrt();
            let mut r = [0.0; 3];
            r[agent] = rate;
            let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0xbeef);
            let lines: u64 = sample
                .iter()
                .map(|t| {
                    let mean = means(t, r, 1.0)[agent];
                    u64::from(draw_lines(&mut rng, agent, mean, t, |_, _, _| {}))
                })
                .sum();
            if (lines as f64) < target { low = rate } else { high = rate }
        }
        rates[agent] = (low * high).sqrt();
    }
    rates
}

const PREFIX_LETTERS: u32 = 20;
const SYLLABLES: &[&str] = &[
    "ka", "lo", "mi", "ber", "lin", "sta", "don", "ri", "ver", "ta", "ne", "so", "ra", "mun", "dé",
    "über", "straße", "жи", "ни", "東京", "日本", "café", "ñu", "ø", "al", "ex", "or", "th", "gu",
];
const ODDITIES: &[&str] =
    &["/", "?", "%", "\"", "'", "&", "(film)", "!", ",", "+", ":", "%20", "_(disambiguation)"];

/// The titles of one chunk of a project, ascending bytewise: a fixed-width prefix that orders
/// the chunks, then words of syllables. The same every day.
fn chunk_titles(seed: u64, project: usize, chunk: u64, width: u32, count: u64) -> Vec<String> {
    let mut rng = ChaCha8Rng::seed_from_u64(mix(seed ^ 0x717e ^ ((project as u64) << 32) ^ chunk));
    let mut prefix = String::new();
    for position in (0..width).rev() {
        let digit = (chunk / u64::from(PREFIX_LETTERS).pow(position)) % u64::from(PREFIX_LETTERS);
        let base = if position + 1 == width { b'B' } else { b'a' };
        prefix.push((base + digit as u8) as char);
    }
    // Every title of the chunk starts with `prefix`, so only the suffixes are drawn and sorted,
    // each keyed by its first eight bytes: most comparisons are one integer comparison (sorting
    // whole titles with `memcmp` was 40 % of a day's generation).
    let mut suffixes: Vec<(u64, String)> = Vec::with_capacity(count as usize);
    // Short titles repeat: draw until the chunk has `count` distinct ones.
    while (suffixes.len() as u64) < count {
        let missing = count - suffixes.len() as u64;
        suffixes.extend((0..missing).map(|_| {
            let mut suffix = String::new();
            for w in 0..rng.random_range(1..4u32) {
                if w > 0 {
                    suffix.push('_');
                }
                for _ in 0..rng.random_range(1..4u32) {
                    suffix.push_str(SYLLABLES[rng.random_range(0..SYLLABLES.len())]);
                }
                if rng.random_bool(0.04) {
                    suffix.push_str(ODDITIES[rng.random_range(0..ODDITIES.len())]);
                }
            }
            (order_key(&suffix), suffix)
        }));
        suffixes.sort_unstable();
        suffixes.dedup();
    }
    suffixes.into_iter().map(|(_, suffix)| prefix.clone() + &suffix).collect()
}

/// The first eight bytes of a title, zero-padded, big-endian: titles hold no NUL byte, so
/// ordering by this key and then by the whole title is the titles' bytewise order.
fn order_key(title: &str) -> u64 {
    let mut bytes = [0u8; 8];
    let n = title.len().min(8);
    bytes[..n].copy_from_slice(&title.as_bytes()[..n]);
    u64::from_be_bytes(bytes)
}

/// Titles every project has, with a popularity of their own; merged into the sorted stream.
fn special_titles(project: &Project) -> Vec<(String, f64)> {
    let size = project.titles as f64;
    let mut specials = vec![
        ("-".to_string(), 30.0 * size.sqrt()),
        ("Main_Page".to_string(), 200.0 * size.sqrt()),
        ("Special:Search".to_string(), 20.0 * size.sqrt()),
    ];
    // About one title with a TAB per ten million titles, and one in every project of 50,000.
    for k in 0..(project.titles / 10_000_000).max(u64::from(project.titles >= 50_000)) {
        specials.push((format!("Tab\tInside_{k}"), 2.0));
    }
    specials.sort_by(|a, b| a.0.cmp(&b.0));
    specials
}

/// Writes `options.days` full-size days; `progress` is called every million lines.
pub fn generate_full_days(
    options: &FullDayOptions,
    mut progress: impl FnMut(FullDayProgress),
) -> Result<GenerateSummary> {
    if !(options.scale > 0.0 && options.scale <= 4.0) {
        bail!("--scale must be above 0 and at most 4, found {}", options.scale);
    }
    let projects = plan_projects(options.scale);
    let titles: u64 = projects.iter().map(|p| p.titles).sum();
    let rates = calibrate(options.seed, titles, options.scale);
    let expected_lines =
        REAL_DAY_LINES.iter().map(|&l| (l as f64 * options.scale) as u64).sum::<u64>();
    let mut summary = GenerateSummary::default();
    for offset in 0..options.days {
        let day = options.start.add_days(offset as i32);
        let world = World { options, projects: &projects, rates, day };
        let day_summary =
            world.write(&mut |lines| progress(FullDayProgress { day, lines, expected_lines }))?;
        summary.files.extend(day_summary.files);
        summary.lines += day_summary.lines;
        summary.bytes += day_summary.bytes;
        summary.article_days += day_summary.article_days;
    }
    Ok(summary)
}

/// One day to write.
struct World<'a> {
    options: &'a FullDayOptions,
    projects: &'a [Project],
    rates: [f64; 3],
    day: Day,
}

/// Per-file line counts, and where the next malformed line goes.
struct Counters {
    lines: [u64; 3],
    article_days: u64,
    reported: u64,
}

impl World<'_> {
    fn write(&self, progress: &mut dyn FnMut(u64)) -> Result<GenerateSummary> {
        let dir = day_dir(&self.options.out, "pageview_complete", self.day);
        let paths: Vec<PathBuf> = AGENTS
            .iter()
            .map(|agent| {
                dir.join(format!(
                    "pageviews-{}-{agent}{}",
                    self.day.compact(),
                    self.options.compression.suffix()
                ))
            })
            .collect();
        let mut out = Outputs::create(paths.clone(), self.options.compression)?;
        let mut counters = Counters { lines: [0; 3], article_days: 0, reported: 0 };
        for (index, project) in self.projects.iter().enumerate() {
            self.write_project(index, project, &mut out, &mut counters, progress)?;
        }
        let bytes = out.finish()?;
        Ok(GenerateSummary {
            files: paths,
            lines: counters.lines.iter().sum(),
            article_days: counters.article_days,
            bytes: bytes.iter().sum(),
        })
    }

    fn write_project(
        &self,
        index: usize,
        project: &Project,
        out: &mut Outputs,
        counters: &mut Counters,
        progress: &mut dyn FnMut(u64),
    ) -> Result<()> {
        let seed = self.options.seed;
        let legacy_project = project.name == LEGACY_PROJECT;
        let mut specials = special_titles(project).into_iter().peekable();
        let weekend = matches!((self.day.epoch_days() + 4).rem_euclid(7), 0 | 6);
        let weekly = if weekend { 0.85 } else { 1.0 };
        for chunk in 0..project.titles.div_ceil(CHUNK) {
            let count = CHUNK.min(project.titles - chunk * CHUNK);
            let titles = chunk_titles(seed, index, chunk, project.width, count);
            let day_seed = mix(seed ^ (u64::from(self.day.epoch_days() as u32) << 20));
            let mut rng = ChaCha8Rng::seed_from_u64(mix(day_seed ^ ((index as u64) << 40) ^ chunk));
            for (j, title) in titles.iter().enumerate() {
                while let Some((special, z)) = specials.next_if(|(s, _)| s < title) {
                    let t = Traits { z, ..traits(seed, index, u64::MAX - z as u64, false) };
                    self.write_title(project, &special, None, &t, weekly, &mut rng, out, counters)?;
                }
                let number = chunk * CHUNK + j as u64;
                let t = traits(seed, index, number, legacy_project);
                let id = 1000 + index as u64 * 100_000_000 + number;
                self.write_title(project, title, Some(id), &t, weekly, &mut rng, out, counters)?;
            }
            let lines: u64 = counters.lines.iter().sum();
            if lines >= counters.reported + 1_000_000 {
                counters.reported = lines;
                progress(lines);
            }
        }
        for (special, z) in specials {
            let t = Traits { z, ..traits(seed, index, u64::MAX - z as u64, false) };
            let mut rng = ChaCha8Rng::seed_from_u64(mix(seed ^ index as u64));
            self.write_title(project, &special, None, &t, weekly, &mut rng, out, counters)?;
        }
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    fn write_title(
        &self,
        project: &Project,
        title: &str,
        page_id: Option<u64>,
        t: &Traits,
        weekly: f64,
        rng: &mut ChaCha8Rng,
        out: &mut Outputs,
        counters: &mut Counters,
    ) -> Result<()> {
        let means = means(t, self.rates, weekly);
        let token = super::spark_token(title);
        let mut any = false;
        for (agent, &mean) in means.iter().enumerate() {
            let buffer = out.buffer(agent);
            let lines = draw_lines(rng, agent, mean, t, |access, with_id, hours| {
                let id = if t.legacy {
                    None
                } else if with_id == Some(false) || t.null_id {
                    Some(None)
                } else {
                    Some(page_id)
                };
                push_line(buffer, &project.name, &token, id, access, hours);
            });
            if lines > 0 {
                any = true;
                let before = counters.lines[agent];
                counters.lines[agent] += u64::from(lines);
                if before / MALFORMED_EVERY != counters.lines[agent] / MALFORMED_EVERY {
                    let buffer = out.buffer(agent);
                    buffer.extend_from_slice(project.name.as_bytes());
                    buffer.push(b' ');
                    buffer.extend_from_slice(token.as_bytes());
                    buffer.extend_from_slice(b" 5 desktop 2 Z2\n");
                    counters.lines[agent] += 1;
                }
                out.flush_full(agent)?;
            }
        }
        if any && project.allowed {
            counters.article_days += 1;
        }
        Ok(())
    }
}

/// Appends `project title [page_id|null] access total hourly\n`; `id` is `None` for a legacy
/// 5-field line, `Some(None)` for `null`.
fn push_line(
    out: &mut Vec<u8>,
    project: &str,
    title: &str,
    id: Option<Option<u64>>,
    access: usize,
    hours: &[u64; 24],
) {
    let mut number = itoa::Buffer::new();
    out.extend_from_slice(project.as_bytes());
    out.push(b' ');
    out.extend_from_slice(title.as_bytes());
    out.push(b' ');
    match id {
        None => {}
        Some(None) => out.extend_from_slice(b"null "),
        Some(Some(id)) => {
            out.extend_from_slice(number.format(id).as_bytes());
            out.push(b' ');
        }
    }
    out.extend_from_slice(ACCESS_NAMES[access].as_bytes());
    out.push(b' ');
    out.extend_from_slice(number.format(hours.iter().sum::<u64>()).as_bytes());
    out.push(b' ');
    super::push_hourly_field(out, hours);
    out.push(b'\n');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_order_key_sorts_as_the_bytes_do() {
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let mut titles: Vec<String> = (0..5000)
            .map(|_| {
                let mut t = String::new();
                for _ in 0..rng.random_range(1..5u32) {
                    t.push_str(SYLLABLES[rng.random_range(0..SYLLABLES.len())]);
                }
                t.truncate(t.floor_char_boundary(rng.random_range(1..12usize)));
                t
            })
            .collect();
        let mut keyed: Vec<(u64, String)> =
            titles.iter().map(|t| (order_key(t), t.clone())).collect();
        keyed.sort_unstable();
        titles.sort_unstable();
        assert_eq!(keyed.into_iter().map(|(_, t)| t).collect::<Vec<_>>(), titles);
    }

    #[test]
    fn a_chunks_titles_are_distinct_ascending_and_prefixed() {
        let titles = chunk_titles(3, 1, 45, 2, 4096);
        assert_eq!(titles.len(), 4096);
        assert!(titles.iter().all(|t| t.starts_with("Df")), "{}", titles[0]);
        assert!(titles.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(titles, chunk_titles(3, 1, 45, 2, 4096), "the same every day");
    }
}

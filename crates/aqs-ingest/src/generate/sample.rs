//! The sample generator: a few projects (from [`PROJECTS`]) with a fixed catalog of articles,
//! as many days as asked, pageview_complete and hourly projectviews files. Small enough for
//! demos and tests, realistic where it matters to the store and the API: projects of very
//! different sizes, article popularity with log views ≈ −½ log rank, a weekly cycle, a diurnal
//! cycle, a few spikes, spiders spread over the long tail, automated traffic on a few articles,
//! the access mix of data-formats §7, titles with non-ASCII letters, `/`, `?`, `%`, quotes and
//! namespace prefixes, the `-` title, and a few lines of every irregular form the loader must
//! handle: legacy 5-field lines, `null` page ids and split page ids, Spark-quoted titles, a TAB
//! inside a title, a project outside the allowlist, malformed lines, multi-stream bzip2.
//! The same options and seed give the same bytes.

use super::{
    ACCESS_MIX, ACCESS_NAMES, AGENTS, DIURNAL, GenerateOptions, GenerateSummary, day_dir,
    hourly_field, poisson, spark_token, split,
};
use anyhow::{Context, Result};
use aqs_core::dates::Day;
use bzip2::Compression;
use bzip2::write::BzEncoder;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::fmt::Write as _;
use std::io::Write;
use std::path::Path;

/// (project, share of the traffic, desktop domain code, mobile domain code)
pub const PROJECTS: &[(&str, f64, &str, &str)] = &[
    ("en.wikipedia", 0.50, "en", "en.m"),
    ("de.wikipedia", 0.17, "de", "de.m"),
    ("commons.wikimedia", 0.08, "commons.m", "commons.m.m"),
    ("fr.wiktionary", 0.03, "fr.d", "fr.m.d"),
    ("ja.wikipedia", 0.09, "ja", "ja.m"),
    ("wikidata", 0.05, "www.wd", "m.wd"),
    ("es.wikipedia", 0.06, "es", "es.m"),
    ("zh-yue.wikipedia", 0.02, "zh-yue", "zh-yue.m"),
];

/// A project that is not in the shipped allowlist: its lines are reported and skipped.
pub const UNEXPECTED_PROJECT: &str = "example.wikipedia";

struct Article {
    title: String,
    page_id: Option<u64>,
    /// Expected user views per day before the weekly cycle.
    user: f64,
    /// Whether automated agents hit it.
    automated: bool,
    /// Views are split over a page id line and a `null` line.
    split_ids: bool,
}

const SYLLABLES: &[&str] = &[
    "ka", "lo", "mi", "ber", "lin", "sta", "don", "ri", "ver", "ta", "ne", "so", "ra", "mun", "dé",
    "über", "straße", "жи", "ни", "東京", "日本", "café", "ñu", "ø", "al", "ex", "or",
];
const NAMESPACES: &[&str] =
    &["Talk:", "File:", "Category:", "User:", "Wikipedia:", "Template:", "Help:"];
const ODDITIES: &[&str] = &["/", "?", "%", "\"", "'", "&", "(", ")", "!", ",", "+", ":", "%20"];

fn make_title(rng: &mut ChaCha8Rng, index: usize) -> String {
    let mut title = String::new();
    if rng.random_bool(0.12) {
        title.push_str(NAMESPACES[rng.random_range(0..NAMESPACES.len())]);
    }
    let words = rng.random_range(1..4);
    for w in 0..words {
        if w > 0 {
            title.push('_');
        }
        for s in 0..rng.random_range(1..4) {
            let syllable = SYLLABLES[rng.random_range(0..SYLLABLES.len())];
            if w == 0 && s == 0 {
                let mut chars = syllable.chars();
                if let Some(first) = chars.next() {
                    title.extend(first.to_uppercase());
                    title.push_str(chars.as_str());
                }
            } else {
                title.push_str(syllable);
            }
        }
        if rng.random_bool(0.04) {
            title.push_str(ODDITIES[rng.random_range(0..ODDITIES.len())]);
        }
    }
    // Unique within the project.
    let _ = write!(title, "_{index}");
    title
}

fn articles_of(project: usize, count: usize, seed: u64) -> Vec<Article> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ (0x9e37_79b9 * (project as u64 + 1)));
    // The median article gets about two user views a day; views fall as rank^-1/2.
    let scale = 2.0 * (count as f64 / 2.0).sqrt();
    let mut articles = Vec::with_capacity(count);
    for rank in 0..count {
        let title = match rank {
            0 => "Main_Page".to_string(),
            1 => "-".to_string(),
            2 => "Special:Search".to_string(),
            3 => "AC/DC".to_string(),
            4 => "Are_You_the_One?".to_string(),
            5 => "100%_Natural".to_string(),
            6 => "\"Weird_Al\"_Yankovic".to_string(),
            7 => "Tab\tInside".to_string(),
            _ => make_title(&mut rng, rank),
        };
        let boost = if rank == 0 { 40.0 } else { 1.0 };
        articles.push(Article {
            title,
            page_id: if rank == 1 {
                None
            } else {
                Some(1000 + (project as u64) * 10_000_000 + rank as u64)
            },
            user: boost * scale / ((rank + 1) as f64).sqrt(),
            automated: rng.random_bool(0.02),
            split_ids: rng.random_bool(0.03),
        });
    }
    articles
}

fn write_bz2_two_streams(path: &Path, text: &str) -> Result<u64> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    let mut file = std::io::BufWriter::new(
        std::fs::File::create(path).with_context(|| format!("cannot create {}", path.display()))?,
    );
    // Two concatenated streams, as the real files may be: split at a line boundary.
    let middle =
        text.as_bytes()[..text.len() / 2].iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
    for part in [&text[..middle], &text[middle..]] {
        let mut encoder = BzEncoder::new(Vec::new(), Compression::fast());
        encoder.write_all(part.as_bytes())?;
        file.write_all(&encoder.finish()?)?;
    }
    file.flush()?;
    Ok(std::fs::metadata(path)?.len())
}

/// Writes the dump files of every day; `on_day` is called after each day.
pub fn generate(
    options: &GenerateOptions,
    mut on_day: impl FnMut(Day, &GenerateSummary),
) -> Result<GenerateSummary> {
    let count = options.projects.clamp(1, PROJECTS.len());
    let projects = &PROJECTS[..count];
    let weight_total: f64 = projects.iter().map(|p| p.1).sum();
    let catalog: Vec<Vec<Article>> = projects
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let n = ((options.articles as f64) * p.1 / weight_total).round().max(20.0) as usize;
            articles_of(i, n, options.seed)
        })
        .collect();
    let mut summary = GenerateSummary::default();
    let spike_articles: Vec<(usize, usize)> = {
        let mut rng = ChaCha8Rng::seed_from_u64(options.seed ^ 0x5eed);
        (0..3)
            .map(|_| (rng.random_range(0..count), rng.random_range(8..catalog[0].len().max(9))))
            .collect()
    };
    let world = World { options, projects, catalog: &catalog, spike_articles: &spike_articles };
    // Days are independent (each has its own seed): generate them on every core, and report
    // them as they finish; the files and the summary do not depend on the order.
    let workers = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(options.days as usize)
        .max(1);
    let next = std::sync::atomic::AtomicU32::new(0);
    let mut days: Vec<Option<GenerateSummary>> = vec![None; options.days as usize];
    std::thread::scope(|scope| -> Result<()> {
        let (tx, rx) = std::sync::mpsc::channel();
        for _ in 0..workers {
            let (tx, next, world) = (tx.clone(), &next, &world);
            scope.spawn(move || {
                loop {
                    let offset = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    if offset >= world.options.days {
                        break;
                    }
                    if tx.send((offset, generate_day(world, offset))).is_err() {
                        break;
                    }
                }
            });
        }
        drop(tx);
        for (offset, result) in rx {
            let day_summary = result?;
            summary.article_days += day_summary.article_days;
            summary.lines += day_summary.lines;
            summary.bytes += day_summary.bytes;
            on_day(options.start.add_days(offset as i32), &summary);
            days[offset as usize] = Some(day_summary);
        }
        Ok(())
    })?;
    summary.files = days.into_iter().flatten().flat_map(|d| d.files).collect();
    for family in [
        super::unique_devices::generate,
        super::projectcounts::generate,
        super::geoeditors::generate,
        super::mediacounts::generate,
        super::mediawiki_history::generate_sample,
    ] {
        let (files, lines, bytes) = family(options)?;
        summary.files.extend(files);
        summary.lines += lines;
        summary.bytes += bytes;
    }
    Ok(summary)
}

/// What every day of a generation shares.
struct World<'a> {
    options: &'a GenerateOptions,
    projects: &'a [(&'static str, f64, &'static str, &'static str)],
    catalog: &'a [Vec<Article>],
    spike_articles: &'a [(usize, usize)],
}

/// Writes the files of one day and says what it wrote.
fn generate_day(world: &World<'_>, offset: u32) -> Result<GenerateSummary> {
    let World { options, projects, catalog, spike_articles } = *world;
    let count = projects.len();
    let mut summary = GenerateSummary::default();
    let day = options.start.add_days(offset as i32);
    let mut rng =
        ChaCha8Rng::seed_from_u64(options.seed.wrapping_mul(0x1000_0000_01b3) ^ u64::from(offset));
    let weekend = matches!((day.epoch_days() + 4).rem_euclid(7), 0 | 6);
    let weekly = if weekend { 0.85 } else { 1.0 };
    // Lines per agent file, and user views per (project, access, hour) for projectviews.
    let mut files: [Vec<String>; 3] = Default::default();
    // Each project's lines, written out in project-code order like the real files.
    let mut by_project: Vec<(&str, [Vec<String>; 3])> = Vec::with_capacity(count);
    let mut project_hours = vec![[[0u64; 24]; 2]; count];
    for (p, articles) in catalog.iter().enumerate() {
        let (project, ..) = projects[p];
        let mut lines: [Vec<(String, String)>; 3] = Default::default();
        for (rank, article) in articles.iter().enumerate() {
            let spike = if spike_articles.contains(&(p, rank)) && offset % 11 == (rank % 11) as u32
            {
                20.0
            } else {
                1.0
            };
            let user_mean = article.user * weekly * spike;
            let means = [
                user_mean,
                0.4 + 0.08 * user_mean,
                if article.automated { 0.5 * user_mean } else { 0.0 },
            ];
            let mut any = false;
            for (agent, &mean) in means.iter().enumerate() {
                let views = poisson(&mut rng, mean);
                if views == 0 {
                    continue;
                }
                any = true;
                let by_access = split(&mut rng, views, &ACCESS_MIX[agent]);
                for (access, &n) in by_access.iter().enumerate() {
                    if n == 0 {
                        continue;
                    }
                    let hours = split(&mut rng, n, &DIURNAL);
                    if agent == 0 {
                        let slot = &mut project_hours[p][usize::from(access > 0)];
                        for (s, h) in slot.iter_mut().zip(hours) {
                            *s += h;
                        }
                    }
                    let title = spark_token(&article.title);
                    let legacy = p == 1 && rank % 97 == 13;
                    let mut emit = |id: Option<u64>, hours: &[u64; 24]| {
                        let total: u64 = hours.iter().sum();
                        if total == 0 {
                            return;
                        }
                        let id_field = match (legacy, id) {
                            (true, _) => String::new(),
                            (false, Some(id)) => format!("{id} "),
                            (false, None) => "null ".to_string(),
                        };
                        let line = format!(
                            "{project} {title} {id_field}{} {total} {}",
                            ACCESS_NAMES[access],
                            hourly_field(hours)
                        );
                        lines[agent].push((article.title.clone(), line));
                    };
                    if article.split_ids && n > 1 {
                        // Part of the views under the page id, the rest under `null`.
                        let mut first = [0u64; 24];
                        let mut rest = hours;
                        for h in 0..24 {
                            first[h] = rest[h] / 2;
                            rest[h] -= first[h];
                        }
                        emit(article.page_id, &first);
                        emit(None, &rest);
                    } else {
                        emit(article.page_id, &hours);
                    }
                }
            }
            if any {
                summary.article_days += 1;
            }
        }
        let mut sorted: [Vec<String>; 3] = Default::default();
        for (agent, agent_lines) in lines.iter_mut().enumerate() {
            agent_lines.sort();
            sorted[agent] = agent_lines.drain(..).map(|(_, l)| l).collect();
        }
        by_project.push((project, sorted));
    }
    by_project.sort_by(|a, b| a.0.cmp(b.0));
    for (_, lines) in by_project {
        for (file, agent_lines) in files.iter_mut().zip(lines) {
            file.extend(agent_lines);
        }
    }
    // Lines the loader must skip or report.
    files[0].push(format!("{UNEXPECTED_PROJECT} Some_Page 1 desktop 3 A1B2"));
    files[0].push("en.wikipedia Broken_line_without_counts".to_string());
    files[1].push("en.wikipedia Bad_hours 5 desktop 2 Z2".to_string());
    for (agent, lines) in files.iter().enumerate() {
        let mut text = String::with_capacity(lines.iter().map(|l| l.len() + 1).sum());
        for line in lines {
            text.push_str(line);
            text.push('\n');
        }
        let path = day_dir(&options.out, "pageview_complete", day).join(format!(
            "pageviews-{}-{}.bz2",
            day.compact(),
            AGENTS[agent]
        ));
        summary.bytes += write_bz2_two_streams(&path, &text)?;
        summary.lines += lines.len() as u64;
        summary.files.push(path);
    }
    for hour in 0..24 {
        let end =
            aqs_core::dates::Hour::from_epoch_hours(i64::from(day.epoch_days()) * 24 + hour + 1);
        let mut codes: Vec<(&str, u64)> = Vec::new();
        for (p, (_, _, desktop, mobile)) in projects.iter().enumerate() {
            codes.push((desktop, project_hours[p][0][hour as usize]));
            codes.push((mobile, project_hours[p][1][hour as usize]));
        }
        codes.sort();
        let text: String =
            codes.iter().filter(|(_, v)| *v > 0).map(|(c, v)| format!("{c} - {v} 0\n")).collect();
        let path = day_dir(&options.out, "pageviews", end.day).join(format!(
            "projectviews-{}-{:02}0000",
            end.day.compact(),
            end.hour
        ));
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        std::fs::write(&path, &text).with_context(|| format!("cannot write {}", path.display()))?;
        summary.bytes += text.len() as u64;
        summary.lines += text.lines().count() as u64;
        summary.files.push(path);
    }
    Ok(summary)
}

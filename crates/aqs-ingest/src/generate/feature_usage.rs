//! Synthetic API feature usage event logs (issue 15): JSON Lines as MediaWiki's
//! `api-feature-usage` log channel ships them (`feature`, `agent`, `clientip`, `referer`,
//! `username`, `@timestamp`), one gzip file per day,
//! `feature-usage/YYYY/YYYY-MM/api-feature-usage-YYYYMMDD.jsonl.gz`.
//!
//! The shape of a real day (api-contract §6): about 40 deprecated features of very different
//! popularity; well-known tools with versions (Pywikibot, the apps, AutoWikiBrowser, ...) doing
//! most of the calls; a long tail of browser-like and script agents (lengths around a median
//! of 135 bytes, a few up to 1,032), half of them seen on one day only; and, once a day, an
//! abusive burst of fresh agents from one IP within a minute, which the new-row limit cuts.
//! Events are written in time order; memory does not grow with the number of events.

use anyhow::{Context, Result};
use aqs_core::dates::Day;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::io::Write;
use std::path::{Path, PathBuf};

/// What the feature usage generator writes.
#[derive(Debug, Clone)]
pub struct FeatureUsageOptions {
    pub out: PathBuf,
    pub start: Day,
    pub days: u32,
    /// Events per day (a real day: about 27 million).
    pub events_per_day: u64,
    /// Agents of the long tail that come back day after day (as many more are new each day).
    pub agents: usize,
    pub seed: u64,
}

/// Deprecated features, most used first.
const FEATURES: [&str; 40] = [
    "action=query&prop=revisions&!rvslots",
    "https-expected",
    "action=query&list=allpages&apfrom",
    "action=query&prop=info&intestactions",
    "action=query&meta=siteinfo&siprop=general",
    "action=parse&prop=text&disablepp",
    "action=query&list=recentchanges&rctoponly",
    "action=query&prop=imageinfo&iiprop=metadata",
    "action=edit&basetimestamp",
    "action=login",
    "action=query&list=search&srwhat=nearmatch",
    "action=query&prop=categories&clshow",
    "action=opensearch&suggest",
    "action=query&prop=pageprops&ppprop=disambiguation",
    "action=query&list=logevents&letype=newusers",
    "action=query&prop=extracts&exlimit",
    "action=query&list=usercontribs&ucshow=top",
    "action=query&prop=links&plnamespace",
    "action=query&generator=allpages&gapfilterredir",
    "action=query&prop=langlinks&llurl",
    "action=query&list=backlinks&blfilterredir",
    "action=query&prop=templates&tlnamespace",
    "action=query&meta=userinfo&uiprop=preferencestoken",
    "action=query&prop=coordinates&coprop=dim",
    "action=query&list=watchlist&wlallrev",
    "action=query&prop=flagged",
    "action=query&list=embeddedin&eifilterredir",
    "action=query&prop=pageimages&pilimit",
    "action=query&list=allusers&auwitheditsonly",
    "action=query&prop=contributors&pclimit",
    "action=feedcontributions&toponly",
    "action=query&list=random&rnredirect",
    "action=query&prop=deletedrevisions&drvdiffto",
    "action=query&list=blocks&bkprop=range",
    "action=query&prop=iwlinks&iwurl",
    "action=query&list=exturlusage&euprop=url",
    "action=tokens",
    "action=query&list=protectedtitles&ptlevel",
    "action=query&prop=revisions&rvdiffto",
    "action=query&list=alllinks&alunique",
];

/// Well-known tools, with the versions they come in.
const TOOLS: [(&str, &[&str]); 9] = [
    (
        "Pywikibot/{v} (User:{u}) requests/2.31.0 Python/3.11.2.final.0",
        &["9.4.1", "9.3.0", "8.6.0", "7.7.3"],
    ),
    (
        "WikipediaApp/{v} (Android 14; Phone) Google Play",
        &["2.7.50474-r-2024-06-17", "2.7.50470-r-2024-05-30"],
    ),
    ("WikipediaApp/{v} (iOS 17.5.1; Phone)", &["7.5.8.5001", "7.5.7.4911"]),
    ("AutoWikiBrowser/{v}", &["6.3.1.1", "6.2.1.0"]),
    ("Huggle/{v} (https://en.wikipedia.org/wiki/WP:Huggle; {u})", &["3.4.12", "3.4.10"]),
    ("mwclient/{v} (https://github.com/mwclient/mwclient)", &["0.11.0", "0.10.1"]),
    ("MediaWiki/{v} (https://www.mediawiki.org/)", &["1.43.0-wmf.10", "1.42.1"]),
    ("wikimedia-commons-app/{v} (Android 13; Phone)", &["5.1.2", "5.0.0"]),
    ("HotCat/{v} (https://commons.wikimedia.org/wiki/Help:Gadget-HotCat; {u})", &["2.41", "2.40"]),
];

const BROWSERS: [&str; 4] = [
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/{a}.0.{b}.{c} Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.{a} Safari/605.1.15",
    "Mozilla/5.0 (X11; Linux x86_64; rv:{a}.0) Gecko/20100101 Firefox/{a}.0",
    "python-requests/2.{a}.{b} my-research-script/{c} (contact: researcher{b}@example.org)",
];

/// One agent of the generated population, with the IP it calls from and its favourite
/// features.
struct Agent {
    text: String,
    ip: String,
    features: [usize; 3],
}

fn tool_agent(rng: &mut ChaCha8Rng, i: usize) -> String {
    let (template, versions) = TOOLS[i % TOOLS.len()];
    let version = versions[rng.random_range(0..versions.len())];
    template.replace("{v}", version).replace("{u}", &format!("User{}", rng.random_range(0..500)))
}

/// A long-tail agent: browser-like or a script, around 135 bytes, one in a hundred padded
/// with extension strings up to 1,032 bytes.
fn tail_agent(rng: &mut ChaCha8Rng) -> String {
    let template = BROWSERS[rng.random_range(0..BROWSERS.len())];
    let mut text = template
        .replace("{a}", &rng.random_range(100..130).to_string())
        .replace("{b}", &rng.random_range(1000..9999).to_string())
        .replace("{c}", &rng.random_range(10..250).to_string());
    if rng.random::<f64>() < 0.01 {
        while text.len() < 1032 - 40 {
            text.push_str(&format!(
                " Ext/{}.{}",
                rng.random_range(1..99),
                rng.random_range(0..9999)
            ));
        }
        text.truncate(1032);
    } else if text.len() < 120 && rng.random::<f64>() < 0.6 {
        text.push_str(&format!(
            " (compatible; +https://example.org/bot{})",
            rng.random_range(0..9999)
        ));
    }
    text
}

fn agent(rng: &mut ChaCha8Rng, text: String) -> Agent {
    let ip = format!(
        "{}.{}.{}.{}",
        rng.random_range(1..224),
        rng.random_range(0..256),
        rng.random_range(0..256),
        rng.random_range(1..255)
    );
    let f = |rng: &mut ChaCha8Rng| zipf(rng, FEATURES.len());
    let features = [f(rng), f(rng), f(rng)];
    Agent { text, ip, features }
}

/// An index in `0..n` with probability falling as 1/(rank + 1).
fn zipf(rng: &mut ChaCha8Rng, n: usize) -> usize {
    let harmonic: f64 = (1..=n).map(|k| 1.0 / k as f64).sum();
    let mut target = rng.random::<f64>() * harmonic;
    for k in 0..n {
        target -= 1.0 / (k + 1) as f64;
        if target <= 0.0 {
            return k;
        }
    }
    n - 1
}

/// Writes one file per day; returns the files.
pub fn generate_feature_usage(options: &FeatureUsageOptions) -> Result<Vec<PathBuf>> {
    if options.agents == 0 {
        anyhow::bail!("the generated population needs at least one agent");
    }
    let mut rng = ChaCha8Rng::seed_from_u64(options.seed ^ 0xfea7_0e5e);
    // The population that comes back every day: tools first (most calls), then the tail.
    let mut regulars: Vec<Agent> = Vec::with_capacity(options.agents + 40);
    for i in 0..40 {
        let text = tool_agent(&mut rng, i);
        regulars.push(agent(&mut rng, text));
    }
    for _ in 0..options.agents {
        let text = tail_agent(&mut rng);
        regulars.push(agent(&mut rng, text));
    }
    let mut files = Vec::new();
    for offset in 0..options.days {
        let day = options.start.add_days(offset as i32);
        files.push(write_day(options, day, &regulars, &mut rng)?);
    }
    Ok(files)
}

fn write_day(
    options: &FeatureUsageOptions,
    day: Day,
    regulars: &[Agent],
    rng: &mut ChaCha8Rng,
) -> Result<PathBuf> {
    let path = options
        .out
        .join(format!("feature-usage/{:04}/{:04}-{:02}", day.year(), day.year(), day.month()))
        .join(format!("api-feature-usage-{}.jsonl.gz", day.compact()));
    std::fs::create_dir_all(path.parent().unwrap_or(Path::new(".")))?;
    let file = std::fs::File::create(&path)
        .with_context(|| format!("cannot create {}", path.display()))?;
    let mut out =
        flate2::write::GzEncoder::new(std::io::BufWriter::new(file), flate2::Compression::fast());
    // As many one-day agents as regulars of the tail: half the agents of a day are new.
    let fresh: Vec<Agent> = (0..options.agents)
        .map(|_| {
            let text = tail_agent(rng);
            agent(rng, text)
        })
        .collect();
    let events = options.events_per_day.max(1);
    // The abusive burst: 1 % of the day's events (at least 100) on top of them, each from a
    // fresh agent, from one IP, within one minute at a random time of day.
    let burst = (events / 100).max(100);
    let burst_at = rng.random_range(0..86_400 - 60);
    let burst_ip = format!("203.0.113.{}", rng.random_range(1..255));
    let start = i64::from(day.epoch_days()) * 86_400;
    let mut burst_done = false;
    let mut line = String::with_capacity(1200);
    let mut write = |out: &mut dyn Write, at: i64, feature: usize, agent: &str, ip: &str| {
        line.clear();
        let record = serde_json::json!({
            "@timestamp": aqs_core::feature_usage::timestamp::iso_8601(at),
            "feature": FEATURES[feature],
            "agent": agent,
            "clientip": ip,
            "referer": "-",
            "username": "",
        });
        line.push_str(&record.to_string());
        line.push('\n');
        out.write_all(line.as_bytes())
    };
    for i in 0..events {
        let second = (u128::from(i) * 86_400 / u128::from(events)) as i64;
        if !burst_done && second >= burst_at {
            burst_done = true;
            for k in 0..burst {
                let agent = format!("Mozilla/5.0 (burst {:016x})", rng.random::<u64>());
                let at = start + burst_at + (k * 60 / burst) as i64;
                write(&mut out, at, 0, &agent, &burst_ip)?;
            }
        }
        // Tools make most calls; the tail shares the rest, regulars and one-day agents alike.
        let who = if rng.random::<f64>() < 0.6 {
            &regulars[zipf(rng, 40)]
        } else if rng.random::<bool>() {
            &regulars[40 + rng.random_range(0..regulars.len() - 40)]
        } else {
            &fresh[rng.random_range(0..fresh.len())]
        };
        let feature = if rng.random::<f64>() < 0.8 {
            who.features[rng.random_range(0..3)]
        } else {
            zipf(rng, FEATURES.len())
        };
        write(&mut out, start + second, feature, &who.text, &who.ip)?;
    }
    out.finish()?.flush()?;
    Ok(path)
}

//! pagecounts-ez daily files (`pagecounts-YYYY-MM-DD.bz2`, data-formats §2.9) into legacy
//! pagecounts: per project and hour, the sum of its titles' counts.
//!
//! A line: `project_code title daily_total hourly_counts` (space-separated); lines starting
//! with `#` are the file's header. Project codes mix cases (`De.z`) and use family letters:
//! `z`/`y` (or none) wikipedia, `d`/`k` wiktionary, `b` wikibooks, `n` wikinews, `q`
//! wikiquote, `s` wikisource, `v` wikiversity, `voy`/`o` wikivoyage, `m` wikimedia, `f`
//! wikimediafoundation, `wd` wikidata (any language), `www.<letter>` a family's root
//! (`www.w` mediawiki). `xx.mw` lines (a language's mobile total, without titles) are left
//! out, as WMF's import left them out; every other count is the desktop site's (the titles
//! came from the desktop webstatscollector).
//!
//! The hour letters (`A` … `X`) name the end of their hour, so `A` of day D is 23:00 of
//! D − 1 (WMF's import subtracted one hour): a file publishes the 24 hours from D − 1 23:00.

use super::{Counts, publish_hours};
use crate::load::Progress;
use crate::load::lines::for_each_file_line;
use crate::pageview_complete::parse_hours;
use crate::report::LoadReport;
use anyhow::Result;
use aqs_core::dates::{Day, Hour, Period};
use aqs_core::params::AccessSite;
use aqs_core::table::{SeriesBatch, TableWrite};
use std::collections::BTreeSet;
use std::path::Path;

/// The day of `pagecounts-YYYY-MM-DD` (the compression suffix already removed).
pub fn parse_file_name(base: &str) -> Option<Day> {
    let date = base.strip_prefix("pagecounts-")?;
    (date.len() == 10).then(|| Day::parse_iso(date)).flatten()
}

fn family(letter: &str) -> Option<&'static str> {
    Some(match letter {
        "z" | "y" => "wikipedia",
        "d" | "k" => "wiktionary",
        "b" => "wikibooks",
        "n" => "wikinews",
        "q" => "wikiquote",
        "s" => "wikisource",
        "v" => "wikiversity",
        "voy" | "o" => "wikivoyage",
        "m" => "wikimedia",
        _ => return None,
    })
}

/// What a project code counts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Code {
    Project(String),
    /// `xx.mw`: a mobile total, left out.
    MobileTotal,
}

/// Decodes a project code (`en.z`, `De.d`, `commons.m`, `www.w`, `en.wd`, `en`).
pub fn decode(code: &str) -> Option<Code> {
    let code = code.to_ascii_lowercase();
    let (language, letter) = match code.split_once('.') {
        Some((language, letter)) => (language, letter),
        None => (code.as_str(), "z"),
    };
    let valid =
        |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
    if !valid(language) || !valid(letter) {
        return None;
    }
    let project = match (language, letter) {
        (_, "mw") => return Some(Code::MobileTotal),
        (_, "wd") => "wikidata".to_string(),
        (_, "f") => "wikimediafoundation".to_string(),
        ("www", "w") => "mediawiki".to_string(),
        ("www", letter) => family(letter)?.to_string(),
        (language, letter) => format!("{language}.{}", family(letter)?),
    };
    Some(Code::Project(project))
}

/// Reads one ez day file into the batch that publishes its 24 hours.
pub fn read_file(
    store: &dyn TableWrite,
    path: &Path,
    day: Day,
    progress: &dyn Progress,
    report: &mut LoadReport,
) -> Result<SeriesBatch> {
    // Letter L counts the hour that ends at L:00 of `day`: the hour before.
    let first = Hour::from_epoch_hours(Hour { day, hour: 0 }.epoch_hours() - 1);
    let hours: Vec<Hour> =
        (0..24).map(|i| Hour::from_epoch_hours(first.epoch_hours() + i)).collect();
    let mut counts = Counts::new();
    for_each_file_line(path, progress, report, |number, line, report| {
        let where_ = || format!("{}:{number}", path.display());
        if line.starts_with('#') || line.is_empty() {
            return Ok(());
        }
        let fields: Vec<&str> = line.trim_end_matches('\r').split(' ').collect();
        let [code, _title, _total, hourly] = fields[..] else {
            report.skip("expected 4 space-separated fields", where_);
            return Ok(());
        };
        let project = match decode(code) {
            Some(Code::Project(project)) => project,
            Some(Code::MobileTotal) => return Ok(()),
            None => {
                report.skip("not a project code", where_);
                return Ok(());
            }
        };
        let Ok(by_hour) = parse_hours(hourly) else {
            report.skip("hourly counts are not letters A-X each followed by a number", where_);
            return Ok(());
        };
        for (hour, n) in hours.iter().zip(by_hour).filter(|(_, n)| *n > 0) {
            let key = (project.clone(), AccessSite::DesktopSite, Period::Hour(*hour));
            *counts.entry(key).or_default() += u64::from(n);
        }
        Ok(())
    })?;
    let hours: BTreeSet<Hour> = hours.into_iter().collect();
    publish_hours(store, &counts, &hours)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_decode_as_the_converter_did() {
        let project = |c| match decode(c) {
            Some(Code::Project(p)) => p,
            other => panic!("{c}: {other:?}"),
        };
        assert_eq!(project("en.z"), "en.wikipedia");
        assert_eq!(project("AR.z"), "ar.wikipedia");
        assert_eq!(project("De.d"), "de.wiktionary");
        assert_eq!(project("en"), "en.wikipedia");
        assert_eq!(project("fr.voy"), "fr.wikivoyage");
        assert_eq!(project("commons.m"), "commons.wikimedia");
        assert_eq!(project("www.w"), "mediawiki");
        assert_eq!(project("Www.z"), "wikipedia");
        assert_eq!(project("www.s"), "wikisource");
        assert_eq!(project("en.wd"), "wikidata");
        assert_eq!(project("www.f"), "wikimediafoundation");
        assert_eq!(decode("en.mw"), Some(Code::MobileTotal));
        assert_eq!(decode("en.xyz"), None);
        assert_eq!(decode(".z"), None);
    }

    #[test]
    fn file_names_say_the_day() {
        assert_eq!(parse_file_name("pagecounts-2012-03-04"), Day::from_ymd(2012, 3, 4));
        assert_eq!(parse_file_name("pagecounts-20120304-010000"), None);
        assert_eq!(parse_file_name("pagecounts-2012-02-30"), None);
    }
}

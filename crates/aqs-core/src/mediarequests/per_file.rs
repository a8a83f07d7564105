//! `GET /metrics/mediarequests/per-file/{referer}/{agent}/{file_path}/{granularity}/{start}/{end}`
//! (api-contract §2.8): requests of one media file per day, by referer, from
//! `mediarequest.per.file`, an entity table (stored like pageviews per article).

use crate::dates::{Day, Period, RangeRules, check_range};
use crate::error::RequestError;
use crate::params::{ArticleGranularity, MediaAgent};
use crate::project::Project;
use crate::table::{Dataset, Numbers, SeriesRow, Shape, TableDef, ValueColumn};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

/// The referers of the mediacounts backfill (data-formats §2.6): one stored value per file and
/// day holds all four, `all-referers` being the sum of the others.
pub const REFERER_GROUPS: &[&str] = &["all-referers", "internal", "external", "unknown"];

/// The longest file path a store keeps (the embedded store's title limit); loaders skip longer
/// ones as bad lines (Commons file names are at most 240 bytes, 720 percent-encoded).
pub const MAX_FILE_PATH_BYTES: usize = 1024;

/// `mediarequest.per.file`: `user` and `spider` requests per (referer, file) and day.
pub static PER_FILE: TableDef = TableDef {
    name: "mediarequests_per_file",
    dataset: Dataset::MediaRequests,
    shape: Shape::Entity { groups: REFERER_GROUPS },
    period_index: true,
    key: &["referer", "file_path"],
    sub: None,
    values: &[ValueColumn::u64("user"), ValueColumn::u64("spider")],
};

/// What AQS 1.0 leaves literal when it re-encodes a file name: `encodeURIComponent`'s
/// unreserved characters (`A-Z a-z 0-9 - _ . ! ~ * ' ( )`) and 17 more.
const KEPT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'!')
    .remove(b'~')
    .remove(b'*')
    .remove(b'\'')
    .remove(b'(')
    .remove(b')')
    .remove(b'$')
    .remove(b'=')
    .remove(b'%')
    .remove(b'&')
    .remove(b'+')
    .remove(b':')
    .remove(b'?')
    .remove(b'"')
    .remove(b';')
    .remove(b'@')
    .remove(b'^')
    .remove(b'`');

/// The stored form of a decoded file path, as AQS 1.0 looks it up: only the file name (after
/// the last `/`) is percent-encoded (upper-case hex), every other character of the path is
/// kept. `/a/b/Café,_1900.jpg` → `/a/b/Caf%C3%A9%2C_1900.jpg`; spaces become `%20`.
pub fn stored_file_path(decoded: &str) -> String {
    let (dir, name) = match decoded.rfind('/') {
        Some(i) => decoded.split_at(i + 1),
        None => ("", decoded),
    };
    format!("{dir}{}", utf8_percent_encode(name, KEPT))
}

/// A validated per-file request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PerFileRequest {
    pub referer: Project,
    pub agent: MediaAgent,
    /// The path as stored ([`stored_file_path`]), also what the items echo.
    pub file_path: String,
    pub granularity: ArticleGranularity,
    pub first: Day,
    pub last: Day,
}

/// The raw path parameters of a per-file request, percent-decoded.
#[derive(Debug, Clone, Copy)]
pub struct PerFileParams<'a> {
    pub referer: &'a str,
    pub agent: &'a str,
    pub file_path: &'a str,
    pub granularity: &'a str,
    pub start: &'a str,
    pub end: &'a str,
}

impl PerFileRequest {
    /// Validates as AQS 1.0 does: the enums (agent, then granularity), the referer, then the
    /// timestamps (`YYYYMMDD`, hour characters ignored; monthly keeps whole months).
    pub fn parse(p: PerFileParams<'_>) -> Result<Self, RequestError> {
        let agent = MediaAgent::parse(p.agent)?;
        let granularity = ArticleGranularity::parse(p.granularity)?;
        let referer = Project::normalize_referer(p.referer)?;
        let rules =
            RangeRules { fake_hour: true, full_months: granularity == ArticleGranularity::Monthly };
        let range = check_range(p.start, p.end, rules)?;
        Ok(PerFileRequest {
            referer,
            agent,
            file_path: stored_file_path(p.file_path),
            granularity,
            first: range.start_day(),
            last: range.end_day(),
        })
    }

    /// The requests of a stored row for the request's agent (`all-agents` = user + spider).
    pub fn requests(&self, values: &Numbers) -> u64 {
        let [user, spider, ..] = values.0;
        match self.agent {
            MediaAgent::AllAgents => user.saturating_add(spider),
            MediaAgent::User => user,
            MediaAgent::Spider => spider,
        }
    }
}

/// One stored row.
pub fn per_file_row(referer: &str, file_path: &str, day: Day, user: u64, spider: u64) -> SeriesRow {
    SeriesRow {
        key: vec![referer.to_string(), file_path.to_string()],
        period: Period::Day(day),
        sub: String::new(),
        values: Numbers::counters(&[user, spider]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_file_name_is_re_encoded() {
        // api-contract §2.8's examples.
        assert_eq!(
            stored_file_path("/wikibooks/de/8/8e/Brutto-Grundfläche_als_Bezugsgröße.jpg"),
            "/wikibooks/de/8/8e/Brutto-Grundfl%C3%A4che_als_Bezugsgr%C3%B6%C3%9Fe.jpg"
        );
        assert_eq!(stored_file_path("/a/b/Glycerol+Cu(OH)2.png"), "/a/b/Glycerol+Cu(OH)2.png");
        assert_eq!(stored_file_path("/a/b/x,y.png"), "/a/b/x%2Cy.png");
        assert_eq!(stored_file_path("/a/b/a b.png"), "/a/b/a%20b.png", "spaces stay spaces");
        // The 17 kept characters, and characters encodeURIComponent encodes.
        let kept = "()$=%*!&+:?\"';@^`~";
        assert_eq!(stored_file_path(&format!("/d/{kept}")), format!("/d/{kept}"));
        assert_eq!(stored_file_path("/d/#[]{}<>\\|"), "/d/%23%5B%5D%7B%7D%3C%3E%5C%7C");
        // The directory part is left as it is, even when it would be encoded.
        assert_eq!(stored_file_path("/dé r/é"), "/dé r/%C3%A9");
        assert_eq!(stored_file_path("-"), "-");
    }

    fn parse(agent: &str, granularity: &str, start: &str, end: &str) -> PerFileRequest {
        PerFileRequest::parse(PerFileParams {
            referer: "EN.Wikipedia.org",
            agent,
            file_path: "/a/b/c.jpg",
            granularity,
            start,
            end,
        })
        .unwrap()
    }

    #[test]
    fn requests_follow_the_agent_and_months_are_whole() {
        let r = parse("all-agents", "daily", "2015070100", "2015070200");
        assert_eq!(r.referer.as_str(), "en.wikipedia");
        let values = Numbers::counters(&[5, 7]);
        assert_eq!(r.requests(&values), 12);
        assert_eq!(parse("user", "daily", "20150701", "20150702").requests(&values), 5);
        assert_eq!(parse("spider", "daily", "20150701", "20150702").requests(&values), 7);
        let m = parse("user", "monthly", "2015011500", "2015033100");
        assert_eq!(
            (m.first, m.last),
            (Day::from_ymd(2015, 2, 1).unwrap(), Day::from_ymd(2015, 3, 31).unwrap())
        );
        let e = PerFileRequest::parse(PerFileParams {
            referer: "x|y",
            agent: "automated",
            file_path: "f",
            granularity: "hourly",
            start: "a",
            end: "b",
        })
        .unwrap_err();
        assert!(matches!(e, RequestError::NotAllowed { param: "agent", .. }), "{e:?}");
    }
}

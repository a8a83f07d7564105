//! Media requests (api-contract §2.8–2.10): the tables and requests of
//! `GET /metrics/mediarequests/aggregate/{referer}/{media_type}/{agent}/{granularity}/{start}/{end}`
//! and `GET /metrics/mediarequests/top/{referer}/{media_type}/{year}/{month}/{day}`.
//!
//! Aggregate rows are keyed by (referer, media type, agent), daily or monthly, with one
//! `requests` count; `all-referers`, `all-media-types` and `all-agents` are roll-ups. The media
//! type is not an enum in AQS 1.0 (an unknown one finds nothing). Top lists are keyed by
//! (referer, media type) and day or month, a row per file (`sub` = the file path) with its
//! requests, rank and position in the stored list. Per file: [`per_file`].

pub mod per_file;

use crate::dates::{Day, Period, RangeRules, TopPeriod, check_range, check_year_month_day};
use crate::error::RequestError;
use crate::params::{ArticleGranularity, MediaAgent};
use crate::project::Project;
use crate::table::{
    Dataset, Numbers, SeriesBatch, SeriesChanges, SeriesRow, Shape, TableDef, ValueColumn,
};

/// `mediarequest.per.referer`: requests per (referer, media type, agent) and day or month.
pub static PER_REFERER: TableDef = TableDef {
    name: "mediarequests_per_referer",
    dataset: Dataset::MediaRequests,
    shape: Shape::Series,
    period_index: true,
    key: &["referer", "media_type", "agent"],
    sub: None,
    values: &[ValueColumn::u64("requests")],
};

/// `mediarequest.top.files`: the most requested files per (referer, media type), day or month.
pub static TOP_FILES: TableDef = TableDef {
    name: "mediarequests_top_files",
    dataset: Dataset::MediaRequests,
    shape: Shape::Ranked,
    period_index: true,
    key: &["referer", "media_type"],
    sub: Some("file_path"),
    values: &[ValueColumn::u64("requests"), ValueColumn::u64("rank"), ValueColumn::u64("position")],
};

/// One file of a top list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopFile {
    pub file_path: String,
    pub requests: u64,
    pub rank: u64,
}

/// The stored period of a top list: a day, or a month (`all-days`).
pub fn top_period(period: TopPeriod) -> Period {
    match period {
        TopPeriod::Day(d) => Period::Day(d),
        TopPeriod::Month(m) => Period::Month(m),
    }
}

/// The rows of one (referer, media type, period) top list, in the list's order.
pub fn top_rows(
    referer: &str,
    media_type: &str,
    period: Period,
    files: &[TopFile],
) -> Vec<SeriesRow> {
    files
        .iter()
        .enumerate()
        .map(|(i, f)| SeriesRow {
            key: vec![referer.to_string(), media_type.to_string()],
            period,
            sub: f.file_path.clone(),
            values: Numbers::counters(&[f.requests, f.rank, i as u64]),
        })
        .collect()
}

/// A top list from its stored rows, as the original serves it: sorted by rank (a stable sort
/// of the stored order).
pub fn top_list(mut entries: Vec<(String, Numbers)>) -> Vec<TopFile> {
    entries.sort_by(|(a, x), (b, y)| (x.0[1], x.0[2], a).cmp(&(y.0[1], y.0[2], b)));
    entries
        .into_iter()
        .map(|(file_path, v)| TopFile { file_path, requests: v.0[0], rank: v.0[1] })
        .collect()
}

/// A validated media requests top request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopRequest {
    pub referer: Project,
    pub media_type: String,
    /// `None` when the date is valid but not zero-padded (the original's literal lookup).
    pub period: Option<TopPeriod>,
    pub year: String,
    pub month: String,
    pub day: String,
}

impl TopRequest {
    /// Validates as AQS 1.0 does: the referer, then `year + month + day + "00"` (`01` for
    /// `all-days`).
    pub fn parse(
        referer: &str,
        media_type: &str,
        year: &str,
        month: &str,
        day: &str,
    ) -> Result<Self, RequestError> {
        let referer = Project::normalize_referer(referer)?;
        let period = check_year_month_day(year, month, day)?;
        Ok(TopRequest {
            referer,
            media_type: media_type.to_string(),
            period,
            year: year.to_string(),
            month: month.to_string(),
            day: day.to_string(),
        })
    }
}

/// The media type of a file from its extension, as the original's `MediaTypeClassification`
/// (data-formats §4.6): `image`, `audio`, `video`, `document`, `data` or `other`.
pub fn media_type(file_path: &str) -> &'static str {
    let name = file_path.rsplit('/').next().unwrap_or(file_path);
    let extension = name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()).unwrap_or_default();
    match extension.as_str() {
        "svg" | "png" | "tif" | "tiff" | "jpeg" | "jpg" | "gif" | "xcf" | "webp" | "bmp" => "image",
        "mp3" | "ogg" | "oga" | "flac" | "wav" | "mid" | "midi" => "audio",
        "webm" | "ogv" => "video",
        "pdf" | "djvu" | "srt" | "txt" => "document",
        "json" => "data",
        _ => "other",
    }
}

/// A validated media requests aggregate request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AggregateRequest {
    pub referer: Project,
    pub media_type: String,
    pub agent: MediaAgent,
    pub granularity: ArticleGranularity,
    pub first: Period,
    pub last: Period,
}

#[derive(Debug, Clone, Copy)]
pub struct AggregateParams<'a> {
    pub referer: &'a str,
    pub media_type: &'a str,
    pub agent: &'a str,
    pub granularity: &'a str,
    pub start: &'a str,
    pub end: &'a str,
}

impl AggregateRequest {
    /// Validates as AQS 1.0 does: the enums (agent, then granularity), the referer, then the
    /// timestamps (`YYYYMMDD`, hour characters ignored; monthly keeps whole months).
    pub fn parse(p: AggregateParams<'_>) -> Result<Self, RequestError> {
        let agent = MediaAgent::parse(p.agent)?;
        let granularity = ArticleGranularity::parse(p.granularity)?;
        let referer = Project::normalize_referer(p.referer)?;
        let monthly = granularity == ArticleGranularity::Monthly;
        let range =
            check_range(p.start, p.end, RangeRules { fake_hour: true, full_months: monthly })?;
        let (first, last) = if monthly {
            (
                Period::Month(range.start_day().year_month()),
                Period::Month(range.end_day().year_month()),
            )
        } else {
            (Period::Day(range.start_day()), Period::Day(range.end_day()))
        };
        Ok(AggregateRequest {
            referer,
            media_type: p.media_type.to_string(),
            agent,
            granularity,
            first,
            last,
        })
    }
}

/// One aggregate row.
pub fn aggregate_row(
    referer: &str,
    media_type: &str,
    agent: &str,
    period: Period,
    requests: u64,
) -> SeriesRow {
    SeriesRow {
        key: vec![referer.to_string(), media_type.to_string(), agent.to_string()],
        period,
        sub: String::new(),
        values: Numbers::counters(&[requests]),
    }
}

/// The rows of the original's monitoring probes (api-contract §4): 0 requests from
/// `en.wikipedia`, all media types, all agents, daily, on 1970-01-01; its top list of that
/// day, file `-` with 0 requests; and file `-`'s 0 requests from `en.wikipedia` that day.
pub fn probe_batch() -> SeriesBatch {
    let day = Period::Day(Day::from_epoch_days(0));
    let row =
        aggregate_row("en.wikipedia", "all-media-types", MediaAgent::AllAgents.as_str(), day, 0);
    let top = TopFile { file_path: "-".into(), requests: 0, rank: 1 };
    SeriesBatch {
        dataset: Dataset::MediaRequests,
        changes: vec![
            SeriesChanges { table: &PER_REFERER, replace: vec![], rows: vec![row] },
            SeriesChanges {
                table: &TOP_FILES,
                replace: vec![],
                rows: top_rows("en.wikipedia", "all-media-types", day, &[top]),
            },
            SeriesChanges {
                table: &per_file::PER_FILE,
                replace: vec![],
                rows: vec![per_file::per_file_row(
                    "en.wikipedia",
                    "-",
                    Day::from_epoch_days(0),
                    0,
                    0,
                )],
            },
        ],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dates::YearMonth;

    fn parse(
        referer: &str,
        agent: &str,
        granularity: &str,
        start: &str,
        end: &str,
    ) -> Result<AggregateRequest, RequestError> {
        AggregateRequest::parse(AggregateParams {
            referer,
            media_type: "image",
            agent,
            granularity,
            start,
            end,
        })
    }

    #[test]
    fn referers_are_classes_or_projects() {
        assert_eq!(
            parse(" Search-Engine", "user", "daily", "20150101", "20150102")
                .unwrap()
                .referer
                .as_str(),
            "search-engine"
        );
        assert_eq!(
            parse("EN.wikipedia.org", "user", "daily", "20150101", "20150102")
                .unwrap()
                .referer
                .as_str(),
            "en.wikipedia"
        );
        assert_eq!(
            parse("all-referers", "user", "daily", "20150101", "20150102")
                .unwrap()
                .referer
                .as_str(),
            "all-referers"
        );
        assert!(parse("bad|referer", "user", "daily", "20150101", "20150102").is_err());
    }

    #[test]
    fn enums_come_first_and_months_are_whole() {
        let e = parse("x|y", "automated", "hourly", "a", "b").unwrap_err();
        assert!(matches!(e, RequestError::NotAllowed { param: "agent", .. }), "{e:?}");
        let e = parse("x|y", "spider", "hourly", "a", "b").unwrap_err();
        assert!(matches!(e, RequestError::NotAllowed { param: "granularity", .. }), "{e:?}");
        let r = parse("all-referers", "all-agents", "monthly", "2015011500", "2015033100").unwrap();
        let month = |m| Period::Month(YearMonth::new(2015, m).unwrap());
        assert_eq!((r.first, r.last), (month(2), month(3)));
    }

    #[test]
    fn top_lists_are_served_by_rank_in_stored_order() {
        let day = Period::Day(Day::from_ymd(2019, 5, 1).unwrap());
        let f = |p: &str, requests, rank| TopFile { file_path: p.into(), requests, rank };
        // Stored in the loader's order (JSON-string order in the original), served by rank.
        let stored = [f("/b", 10, 2), f("/a", 20, 1), f("/c", 10, 2)];
        let entries = top_rows("all-referers", "image", day, &stored)
            .into_iter()
            .map(|r| (r.sub, r.values))
            .collect();
        assert_eq!(top_list(entries), [f("/a", 20, 1), f("/b", 10, 2), f("/c", 10, 2)]);
        let r = TopRequest::parse("all-referers", "image", "2019", "05", "all-days").unwrap();
        assert_eq!(r.period, Some(TopPeriod::Month(YearMonth::new(2019, 5).unwrap())));
        assert!(TopRequest::parse("all-referers", "image", "2019", "02", "30").is_err());
    }

    #[test]
    fn media_types_come_from_the_extension() {
        assert_eq!(media_type("/wikipedia/commons/a/a9/Example.JPG"), "image");
        assert_eq!(media_type("/wikipedia/commons/a/a9/Sound.oga"), "audio");
        assert_eq!(media_type("/wikipedia/commons/a/a9/Film.webm"), "video");
        assert_eq!(media_type("/wikipedia/commons/a/a9/Book.djvu"), "document");
        assert_eq!(media_type("/wikipedia/commons/a/a9/Data.json"), "data");
        assert_eq!(media_type("/math/a/b/c/abc"), "other");
        assert_eq!(media_type("/wikipedia/commons/a/a9/Ex.tar.gz"), "other");
    }
}

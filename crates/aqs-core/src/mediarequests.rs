//! Media requests (api-contract §2.8–2.10): the tables and requests of
//! `GET /metrics/mediarequests/aggregate/{referer}/{media_type}/{agent}/{granularity}/{start}/{end}`.
//!
//! Aggregate rows are keyed by (referer, media type, agent), daily or monthly, with one
//! `requests` count; `all-referers`, `all-media-types` and `all-agents` are roll-ups. The media
//! type is not an enum in AQS 1.0 (an unknown one finds nothing).

use crate::dates::{Day, Period, RangeRules, check_range};
use crate::error::RequestError;
use crate::params::{ArticleGranularity, MediaAgent};
use crate::project::Project;
use crate::table::{
    Dataset, Numbers, SeriesBatch, SeriesChanges, SeriesRow, TableDef, ValueColumn,
};

/// `mediarequest.per.referer`: requests per (referer, media type, agent) and day or month.
pub static PER_REFERER: TableDef = TableDef {
    name: "mediarequests_per_referer",
    dataset: Dataset::MediaRequests,
    key: &["referer", "media_type", "agent"],
    sub: None,
    values: &[ValueColumn::u64("requests")],
};

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

/// The row of the original's monitoring probe (api-contract §4): 0 requests from
/// `en.wikipedia`, all media types, all agents, daily, on 1970-01-01.
pub fn probe_batch() -> SeriesBatch {
    let day = Period::Day(Day::from_epoch_days(0));
    let row =
        aggregate_row("en.wikipedia", "all-media-types", MediaAgent::AllAgents.as_str(), day, 0);
    SeriesBatch {
        dataset: Dataset::MediaRequests,
        changes: vec![SeriesChanges { table: &PER_REFERER, replace: vec![], rows: vec![row] }],
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

//! The requests of the MediaWiki history timeseries counted per event (api-contract §2.12,
//! §2.14; the "event mode" of §2.11): edits, net and absolute bytes difference, new pages,
//! new registered users. One request type for the five routes; [`EventMetric`] says which.

use super::{EVENTS, NEW_USERS};
use crate::dates::{DruidRange, Period, YearMonth, check_druid_range};
use crate::error::RequestError;
use crate::params::{ArticleGranularity, EditorType, PageType};
use crate::project::Project;
use crate::table::TableDef;

/// What an event-mode timeseries counts, and the field its results name it by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventMetric {
    Edits,
    NetBytesDiff,
    AbsBytesDiff,
    NewPages,
    NewRegisteredUsers,
}

impl EventMetric {
    /// The results' field.
    pub fn field(self) -> &'static str {
        match self {
            EventMetric::Edits => "edits",
            EventMetric::NetBytesDiff => "net_bytes_diff",
            EventMetric::AbsBytesDiff => "abs_bytes_diff",
            EventMetric::NewPages => "new_pages",
            EventMetric::NewRegisteredUsers => "new_registered_users",
        }
    }

    /// Whether the route has editor-type and page-type parameters.
    pub fn filtered(self) -> bool {
        self != EventMetric::NewRegisteredUsers
    }

    /// The table the metric is read from.
    pub fn table(self) -> &'static TableDef {
        match self {
            EventMetric::NewRegisteredUsers => &NEW_USERS,
            _ => &EVENTS,
        }
    }

    /// The metric's value in a stored row of its table (signed: net bytes can be negative).
    pub fn value(self, n: &crate::table::Numbers) -> i64 {
        match self {
            EventMetric::Edits | EventMetric::NewRegisteredUsers => n.0[0] as i64,
            EventMetric::NetBytesDiff => n.0[1] as i64,
            EventMetric::AbsBytesDiff => n.0[2] as i64,
            EventMetric::NewPages => n.0[3] as i64,
        }
    }
}

/// The path parameters of an event-mode route (`editor_type` and `page_type` are empty
/// for registered users).
#[derive(Debug, Clone, Copy)]
pub struct EventSeriesParams<'a> {
    pub project: &'a str,
    pub editor_type: &'a str,
    pub page_type: &'a str,
    pub granularity: &'a str,
    pub start: &'a str,
    pub end: &'a str,
}

/// A validated event-mode timeseries request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventSeriesRequest {
    pub metric: EventMetric,
    pub project: Project,
    pub editor_type: EditorType,
    pub page_type: PageType,
    pub granularity: ArticleGranularity,
    pub range: DruidRange,
}

impl EventSeriesRequest {
    /// Validates as AQS 1.0 does: the enums in the order of the route's parameters, the
    /// project (`all-projects` and families allowed), then the range (Druid rules).
    pub fn parse(metric: EventMetric, p: EventSeriesParams<'_>) -> Result<Self, RequestError> {
        let (editor_type, page_type) = match metric.filtered() {
            true => (EditorType::parse(p.editor_type)?, PageType::parse(p.page_type)?),
            false => (EditorType::AllEditorTypes, PageType::AllPageTypes),
        };
        let granularity = ArticleGranularity::parse(p.granularity)?;
        let project = Project::normalize(p.project)?;
        let monthly = granularity == ArticleGranularity::Monthly;
        let range = check_druid_range(p.start, p.end, monthly, false)?;
        Ok(EventSeriesRequest { metric, project, editor_type, page_type, granularity, range })
    }

    /// The stored key of the request in `snapshot`.
    pub fn key(&self, snapshot: &str) -> Vec<String> {
        let mut key = vec![snapshot.to_string(), self.project.as_str().to_string()];
        if self.metric.filtered() {
            key.push(self.editor_type.as_str().to_string());
            key.push(self.page_type.as_str().to_string());
        }
        key
    }

    /// The periods the results list, zero-filled: every day, or every month, from the
    /// range's first day to before its end.
    pub fn periods(&self) -> Vec<Period> {
        periods_of(self.granularity, self.range)
    }
}

/// The periods a Druid-era range lists, zero-filled: every day, or every month, from the
/// range's first day to before its end.
pub fn periods_of(granularity: ArticleGranularity, range: DruidRange) -> Vec<Period> {
    let DruidRange { first, end } = range;
    match granularity {
        ArticleGranularity::Daily => {
            let days = (end.epoch_days() - first.epoch_days()).max(0);
            (0..days).map(|i| Period::Day(first.add_days(i))).collect()
        }
        ArticleGranularity::Monthly => {
            let mut out = Vec::new();
            let mut month = first.year_month();
            while month.first_day() < end {
                out.push(Period::Month(month));
                month = month.next();
            }
            out
        }
    }
}

/// The answer of a MediaWiki history timeseries: one item, its `fields` in the original's
/// order, then `results`, one per period with its `metric` value (written by hand: the keys
/// keep their order, and the item has no number formatting of its own).
pub fn render_series(
    fields: &[(&str, &str)],
    metric: &str,
    periods: &[Period],
    value_of: &dyn Fn(Period) -> Option<i64>,
) -> String {
    let mut out = String::from("{\"items\":[{");
    for (name, value) in fields {
        out.push_str(&format!("\"{name}\":{},", serde_json::Value::from(*value)));
    }
    out.push_str("\"results\":[");
    for (i, &period) in periods.iter().enumerate() {
        let comma = if i > 0 { "," } else { "" };
        out.push_str(&format!(
            "{comma}{{\"timestamp\":\"{}\",\"{metric}\":{}}}",
            druid_timestamp(period),
            value_of(period).map_or("null".to_string(), |v| v.to_string())
        ));
    }
    out.push_str("]}]}");
    out
}

/// A period as Druid stamps its buckets: `2017-01-01T00:00:00.000Z`.
pub fn druid_timestamp(period: Period) -> String {
    let day = match period {
        Period::Day(d) => d,
        Period::Month(m) => m.first_day(),
        Period::Hour(h) => h.day,
    };
    format!("{day}T00:00:00.000Z")
}

/// The month of a snapshot name (`2026-05`).
pub fn parse_snapshot(name: &str) -> Option<YearMonth> {
    let (y, m) = name.split_once('-')?;
    if y.len() != 4 || m.len() != 2 {
        return None;
    }
    YearMonth::new(y.parse().ok()?, m.parse().ok()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params<'a>(granularity: &'a str, start: &'a str, end: &'a str) -> EventSeriesParams<'a> {
        EventSeriesParams {
            project: "en.wikipedia.org",
            editor_type: "all-editor-types",
            page_type: "content",
            granularity,
            start,
            end,
        }
    }

    fn detail(e: RequestError) -> String {
        format!("{e:?}")
    }

    #[test]
    fn daily_ranges_leave_out_their_end() {
        let r =
            EventSeriesRequest::parse(EventMetric::Edits, params("daily", "20170101", "20170103"))
                .unwrap();
        assert_eq!(r.project.as_str(), "en.wikipedia");
        let stamps: Vec<String> = r.periods().into_iter().map(druid_timestamp).collect();
        assert_eq!(stamps, ["2017-01-01T00:00:00.000Z", "2017-01-02T00:00:00.000Z"]);
        let same = EventSeriesRequest::parse(
            EventMetric::Edits,
            params("daily", "2017010100", "2017010100"),
        )
        .unwrap();
        assert!(same.periods().is_empty(), "start == end is allowed and empty");
    }

    #[test]
    fn monthly_ranges_end_before_the_month_of_their_end() {
        let r = EventSeriesRequest::parse(
            EventMetric::Edits,
            params("monthly", "20170101", "20170210"),
        )
        .unwrap();
        assert_eq!(
            r.periods().into_iter().map(druid_timestamp).collect::<Vec<_>>(),
            ["2017-01-01T00:00:00.000Z"]
        );
        let r = EventSeriesRequest::parse(
            EventMetric::Edits,
            params("monthly", "20161215", "20170401"),
        )
        .unwrap();
        assert_eq!(r.periods().len(), 3, "January to March");
        for (start, end) in [("20170101", "20170131"), ("2017010100", "2017010200")] {
            let e = EventSeriesRequest::parse(EventMetric::Edits, params("monthly", start, end))
                .unwrap_err();
            assert!(
                detail(e).contains("no full months found in specified date range"),
                "{start}..{end}"
            );
        }
    }

    #[test]
    fn enums_come_first_then_the_project_then_the_dates() {
        let mut p = params("daily", "2017", "20170101");
        p.editor_type = "bots";
        p.project = "en|wikipedia";
        assert!(
            detail(EventSeriesRequest::parse(EventMetric::Edits, p).unwrap_err())
                .contains("editor-type")
        );
        p.editor_type = "user";
        assert!(
            detail(EventSeriesRequest::parse(EventMetric::Edits, p).unwrap_err())
                .contains("charaters")
        );
        p.project = "all-projects";
        let e = detail(EventSeriesRequest::parse(EventMetric::Edits, p).unwrap_err());
        assert!(
            e.contains("start timestamp is invalid, must be a valid date in YYYYMMDD format"),
            "{e}"
        );
        // Registered users have no editor-type or page-type.
        let mut p = params("monthly", "20170101", "20170301");
        p.editor_type = "";
        p.page_type = "";
        let r = EventSeriesRequest::parse(EventMetric::NewRegisteredUsers, p).unwrap();
        assert_eq!(r.key("2026-05"), ["2026-05", "en.wikipedia"]);
    }
}

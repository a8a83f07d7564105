//! Many articles of one project in one request, zero-filled (`GET /ext/v1/pageviews/...`,
//! docs/extensions.md): what every tool built on per-article loops over, answered from one
//! read of the store. A period the store has loaded and the article has no row for is 0; a
//! period the store has not loaded is `None` (null): "zero views" and "no data" stay apart.

use super::{ArticleViews, PerArticleParams, PerArticleRequest};
use crate::dates::{Day, Period, YearMonth};
use crate::error::RequestError;
use crate::params::{Access, Agent, ArticleGranularity};
use crate::project::Project;
use std::collections::BTreeSet;

/// The most articles one request may name.
pub const MAX_ARTICLES: usize = 1000;

/// `GET /ext/v1/pageviews/per-article/{project}/{access}/{agent}/{granularity}/{start}/{end}?articles=A|B`
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManyArticlesRequest {
    pub project: Project,
    pub access: Access,
    pub agent: Agent,
    pub granularity: ArticleGranularity,
    pub first: Day,
    pub last: Day,
    /// The titles as stored (spaces as underscores), each once, in the order asked.
    pub articles: Vec<String>,
}

/// The raw parameters, percent-decoded.
#[derive(Debug, Clone, Copy)]
pub struct ManyArticlesParams<'a> {
    pub project: &'a str,
    pub access: &'a str,
    pub agent: &'a str,
    pub granularity: &'a str,
    pub start: &'a str,
    pub end: &'a str,
    /// `A|B|C`: the titles, separated by `|` (Pageviews Analysis's `pages`).
    pub articles: Option<&'a str>,
}

impl ManyArticlesRequest {
    pub fn parse(p: ManyArticlesParams<'_>) -> Result<Self, RequestError> {
        // The parameters and messages of the per-article route; families are refused.
        let one = PerArticleRequest::parse(PerArticleParams {
            project: p.project,
            access: p.access,
            agent: p.agent,
            article: "",
            granularity: p.granularity,
            start: p.start,
            end: p.end,
        })?;
        Project::normalize_no_all(p.project)?;
        let mut seen = BTreeSet::new();
        let mut articles = Vec::new();
        for title in p.articles.unwrap_or("").split('|') {
            let title = title.trim().replace(' ', "_");
            if !title.is_empty() && seen.insert(title.clone()) {
                articles.push(title);
            }
        }
        if articles.is_empty() {
            return Err(RequestError::invalid_text(
                "articles: name at least one article, as articles=Title_1|Title_2",
            ));
        }
        if articles.len() > MAX_ARTICLES {
            return Err(RequestError::invalid_text(format!(
                "articles: at most {MAX_ARTICLES} articles in one request ({} named)",
                articles.len()
            )));
        }
        Ok(ManyArticlesRequest {
            project: one.project,
            access: one.access,
            agent: one.agent,
            granularity: one.granularity,
            first: one.first,
            last: one.last,
            articles,
        })
    }

    /// The periods of the answer, ascending.
    pub fn periods(&self) -> Vec<Period> {
        periods(self.granularity, self.first, self.last)
    }
}

/// The days or months of `first..=last`, ascending.
pub fn periods(granularity: ArticleGranularity, first: Day, last: Day) -> Vec<Period> {
    let mut out = Vec::new();
    match granularity {
        ArticleGranularity::Daily => {
            let mut day = first;
            while day <= last {
                out.push(Period::Day(day));
                day = day.next();
            }
        }
        ArticleGranularity::Monthly => {
            let mut month = first.year_month();
            while month <= last.year_month() {
                out.push(Period::Month(month));
                month = month.next();
            }
        }
    }
    out
}

/// Which periods the store has loaded: a day when its per-article rows are loaded, a month
/// when any of its days is, an hour when its day is.
pub struct Loaded {
    days: BTreeSet<Day>,
    months: BTreeSet<YearMonth>,
}

impl Loaded {
    pub fn new(days: impl IntoIterator<Item = Day>) -> Loaded {
        let days: BTreeSet<Day> = days.into_iter().collect();
        let months = days.iter().map(|d| d.year_month()).collect();
        Loaded { days, months }
    }

    pub fn holds(&self, period: Period) -> bool {
        match period {
            Period::Day(day) => self.days.contains(&day),
            Period::Month(month) => self.months.contains(&month),
            Period::Hour(hour) => self.days.contains(&hour.day),
        }
    }

    /// Whether any of `periods` is loaded.
    pub fn any(&self, periods: &[Period]) -> bool {
        periods.iter().any(|p| self.holds(*p))
    }
}

/// One article's views per period: 0 where a loaded period has no row, `None` where the
/// period is not loaded. `rows` are daily, ascending.
pub fn zero_filled(
    periods: &[Period],
    loaded: &Loaded,
    rows: &[(Day, ArticleViews)],
    (access, agent): (Access, Agent),
) -> Vec<Option<u64>> {
    fill_days(
        periods,
        loaded,
        rows.iter().map(|(day, views)| (*day, u64::from(views.get(access, agent)))),
    )
}

/// Per period (days, or months of days): the sum of the daily `rows` (ascending) in it; 0
/// where the period is loaded and has no row, `None` where it is not loaded.
pub fn fill_days(
    periods: &[Period],
    loaded: &Loaded,
    rows: impl IntoIterator<Item = (Day, u64)>,
) -> Vec<Option<u64>> {
    let mut out: Vec<Option<u64>> = periods.iter().map(|p| loaded.holds(*p).then_some(0)).collect();
    let mut at = 0;
    for (day, views) in rows {
        let period = match periods.first() {
            Some(Period::Month(_)) => Period::Month(day.year_month()),
            _ => Period::Day(day),
        };
        while at < periods.len() && periods[at] < period {
            at += 1;
        }
        if periods.get(at) == Some(&period) {
            let slot = out[at].get_or_insert(0);
            *slot += views;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(articles: Option<&str>) -> ManyArticlesParams<'_> {
        ManyArticlesParams {
            project: "en.wikipedia.org",
            access: "all-access",
            agent: "user",
            granularity: "daily",
            start: "20240101",
            end: "20240105",
            articles,
        }
    }

    #[test]
    fn articles_are_split_deduplicated_and_bounded() {
        let r = ManyArticlesRequest::parse(params(Some("A b|Cat||A_b| D "))).unwrap();
        assert_eq!(r.articles, ["A_b", "Cat", "D"]);
        assert_eq!(r.project.as_str(), "en.wikipedia");
        assert!(ManyArticlesRequest::parse(params(None)).is_err());
        assert!(ManyArticlesRequest::parse(params(Some("||"))).is_err());
        let many: Vec<String> = (0..=MAX_ARTICLES).map(|i| format!("T{i}")).collect();
        let joined = many.join("|");
        let err = ManyArticlesRequest::parse(params(Some(&joined))).unwrap_err();
        assert!(format!("{err:?}").contains("at most 1000"), "{err:?}");
        let fits = many[..MAX_ARTICLES].join("|");
        assert_eq!(ManyArticlesRequest::parse(params(Some(&fits))).unwrap().articles.len(), 1000);
        let mut all = params(Some("A"));
        all.project = "all-projects";
        assert!(ManyArticlesRequest::parse(all).is_err());
    }

    #[test]
    fn loaded_periods_without_rows_are_zero_and_the_others_null() {
        let day = |d| Day::from_ymd(2024, 1, d).unwrap();
        let r = ManyArticlesRequest::parse(params(Some("A"))).unwrap();
        let days = r.periods();
        assert_eq!(days.len(), 5);
        let loaded = Loaded::new([day(1), day(2), day(4)]);
        let mut views = ArticleViews::default();
        views.add(Access::Desktop, Agent::User, 7);
        views.add(Access::Desktop, Agent::Spider, 100);
        let rows = [(day(2), views), (day(3), views)];
        let filled = zero_filled(&days, &loaded, &rows, (Access::AllAccess, Agent::User));
        // Day 3 has a row but is not among the loaded days: a row is data, so it counts.
        assert_eq!(filled, [Some(0), Some(7), Some(7), Some(0), None]);
        let months =
            periods(ArticleGranularity::Monthly, day(1), Day::from_ymd(2024, 2, 29).unwrap());
        let filled = zero_filled(&months, &loaded, &rows, (Access::AllAccess, Agent::AllAgents));
        assert_eq!(filled, [Some(214), None]);
    }
}

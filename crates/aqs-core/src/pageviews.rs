//! The pageviews family: typed requests (built from raw path segments), stored rows, the batch a
//! loader writes, and the store traits.
//!
//! Per-article data is stored daily with the 16 access × agent columns of the original
//! `pageviews.per.article.flat` table; monthly per-article values are sums computed at read
//! time. Per-project data is stored per granularity. Top lists are stored whole.

pub use crate::dates::Period;
use crate::dates::{CheckedRange, Day, Hour, RangeRules, TopPeriod, YearMonth, check_range};
use crate::error::{RequestError, StoreResult};
use crate::params::{Access, Agent, ArticleGranularity, ProjectGranularity};
use crate::project::Project;

pub mod many;
mod publish;
pub mod yearly;
pub use publish::{
    DayPublish, DayPublishOptions, TOP_ACCESSES, TopCandidates, access_views, user_views,
    with_kept_agents,
};

/// The 16 view counters of one (project, article, day): every access × agent pair, `all-*`
/// included. Loaded rows keep the `all-*` columns equal to the sums of the concrete ones;
/// imported rows are kept as they were exported.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct ArticleViews(pub [u32; 16]);

/// Column names of [`ArticleViews`], in index order (the Cassandra column names).
pub const ARTICLE_COLUMNS: [&str; 16] = [
    "aa", "ab", "as", "au", "da", "db", "ds", "du", "maa", "mab", "mas", "mau", "mwa", "mwb",
    "mws", "mwu",
];

fn access_index(access: Access) -> usize {
    match access {
        Access::AllAccess => 0,
        Access::Desktop => 1,
        Access::MobileApp => 2,
        Access::MobileWeb => 3,
    }
}

fn agent_index(agent: Agent) -> usize {
    match agent {
        Agent::AllAgents => 0,
        Agent::Automated => 1,
        Agent::Spider => 2,
        Agent::User => 3,
    }
}

impl ArticleViews {
    /// The column of an access × agent pair.
    pub fn column(access: Access, agent: Agent) -> usize {
        access_index(access) * 4 + agent_index(agent)
    }

    pub fn get(&self, access: Access, agent: Agent) -> u32 {
        self.0[Self::column(access, agent)]
    }

    /// Adds views of a concrete access and agent, keeping the `all-*` columns summed.
    /// Saturates rather than wraps.
    #[inline]
    pub fn add(&mut self, access: Access, agent: Agent, views: u32) {
        let (a, g) = (access_index(access) * 4, agent_index(agent));
        for column in [a + g, a, g, 0] {
            self.0[column] = self.0[column].saturating_add(views);
        }
    }

    /// The nine concrete counters, access-major (desktop, mobile-app, mobile-web) ×
    /// (automated, spider, user).
    pub fn concrete(&self) -> [u32; 9] {
        let mut out = [0; 9];
        for (i, slot) in out.iter_mut().enumerate() {
            *slot = self.0[(1 + i / 3) * 4 + 1 + i % 3];
        }
        out
    }

    /// Rebuilds all 16 columns from the nine concrete counters (saturating sums).
    pub fn from_concrete(c: [u32; 9]) -> ArticleViews {
        // c is access-major: desktop, mobile-app, mobile-web × automated, spider, user; the
        // columns are access-major too (all, desktop, mobile-app, mobile-web) × (all,
        // automated, spider, user).
        let mut v = [0u32; 16];
        for access in 0..3 {
            let row = &c[access * 3..access * 3 + 3];
            let base = (access + 1) * 4;
            v[base + 1..base + 4].copy_from_slice(row);
            v[base] = row[0].saturating_add(row[1]).saturating_add(row[2]);
        }
        for column in 0..4 {
            v[column] = v[4 + column].saturating_add(v[8 + column]).saturating_add(v[12 + column]);
        }
        ArticleViews(v)
    }

    /// True when every `all-*` column is the sum of its concrete columns (always so for loaded
    /// rows; imported rows may differ and are then stored column by column).
    pub fn is_derived(&self) -> bool {
        ArticleViews::from_concrete(self.concrete()) == *self
    }

    /// Replaces the counters of one concrete agent with another row's.
    pub fn replace_agent(&mut self, agent: Agent, from: &ArticleViews) {
        let mut concrete = self.concrete();
        let source = from.concrete();
        let offset = agent_index(agent) - 1;
        for access in 0..3 {
            concrete[access * 3 + offset] = source[access * 3 + offset];
        }
        *self = ArticleViews::from_concrete(concrete);
    }

    pub fn is_zero(&self) -> bool {
        self.0.iter().all(|&c| c == 0)
    }
}

/// All per-article rows of one project on one day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArticleDay {
    pub day: Day,
    pub project: Project,
    /// Article titles with their views, titles ascending and unique.
    pub rows: Vec<(String, ArticleViews)>,
}

/// One row of the per-project table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectRow {
    pub project: Project,
    pub access: Access,
    pub agent: Agent,
    pub period: Period,
    pub views: u64,
}

/// One entry of a top list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopEntry {
    pub article: String,
    pub views: u64,
    pub rank: u32,
}

/// A stored top list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TopArticles {
    /// Entries in rank order (equal ranks keep their stored order).
    List(Vec<TopEntry>),
    /// An imported legacy row whose `articles` text is not JSON: served as the original's 500.
    InvalidLegacyJson,
}

/// One row of the top table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopRow {
    pub project: Project,
    pub access: Access,
    pub period: TopPeriod,
    pub articles: TopArticles,
}

/// What a loader or an importer writes, published atomically: readers see all of it or none.
#[derive(Debug, Clone, Default)]
pub struct PageviewsBatch {
    /// Days whose stored per-article rows are all dropped before `article_days` are written.
    pub replace_article_days: Vec<Day>,
    /// Per-article rows to write; a row replaces a stored row with the same key.
    pub article_days: Vec<ArticleDay>,
    /// Days whose stored hourly and daily per-project rows are all dropped first.
    pub replace_project_days: Vec<Day>,
    /// Per-project rows to write (replacing rows with the same key).
    pub project_rows: Vec<ProjectRow>,
    /// Top lists to write (replacing lists with the same key).
    pub top_rows: Vec<TopRow>,
}

/// What a write stored.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WriteSummary {
    pub article_rows: u64,
    pub project_rows: u64,
    pub top_rows: u64,
    /// Bytes the write spilled to disk because they did not fit its memory budget.
    pub spilled_bytes: u64,
    /// Milliseconds spent on the store's own reorganisation after the data was published
    /// (the embedded store's segment merges).
    pub merge_millis: u64,
    /// Whether the store left a merge under way when its merge budget ran out (the next
    /// write finishes it; reads are the same either way).
    pub merge_deferred: bool,
}

/// Read access for the API.
/// Per article asked for, its daily rows, or `None` for an article the store does not know
/// ([`PageviewsRead::articles_series`]).
pub type ManyArticleRows = Vec<Option<Vec<(Day, ArticleViews)>>>;

pub trait PageviewsRead: Send + Sync {
    /// A number that changes whenever the stored data changes (every write); cheap to read, so
    /// response caches can check it on every request.
    fn generation(&self) -> StoreResult<u64>;

    /// The days that hold per-article rows, ascending (for loaders, and the server's health).
    fn article_days_loaded(&self) -> StoreResult<Vec<Day>>;

    /// The daily rows of one article between two days (inclusive), days ascending; days without
    /// a row are omitted.
    fn article_series(
        &self,
        project: &Project,
        article: &str,
        first: Day,
        last: Day,
    ) -> StoreResult<Vec<(Day, ArticleViews)>>;

    /// The daily rows of many articles of one project between two days (inclusive), read
    /// from one view of the store: per article (in the order given) its rows as
    /// [`PageviewsRead::article_series`] gives them, or `None` when the store holds no row of
    /// the article on any day (a title it does not know). Stores override it to read once.
    fn articles_series(
        &self,
        project: &Project,
        articles: &[String],
        first: Day,
        last: Day,
    ) -> StoreResult<ManyArticleRows> {
        let all = self.article_days_loaded()?;
        let mut out = Vec::with_capacity(articles.len());
        for article in articles {
            let rows = self.article_series(project, article, first, last)?;
            let known = !rows.is_empty()
                || match (all.first(), all.last()) {
                    (Some(&a), Some(&b)) => {
                        !self.article_series(project, article, a, b)?.is_empty()
                    }
                    _ => false,
                };
            out.push(known.then_some(rows));
        }
        Ok(out)
    }

    /// The per-project series of one (project, access, agent) at one granularity, periods
    /// ascending, between two periods of that granularity (inclusive).
    fn project_series(
        &self,
        project: &Project,
        access: Access,
        agent: Agent,
        first: Period,
        last: Period,
    ) -> StoreResult<Vec<(Period, u64)>>;

    /// The top list of (project, access, period), if stored.
    fn top(
        &self,
        project: &Project,
        access: Access,
        period: TopPeriod,
    ) -> StoreResult<Option<TopArticles>>;
}

/// Write access for loaders and importers, with the reads they need to merge and roll up.
pub trait PageviewsWrite: Send + Sync {
    /// Publishes a batch atomically.
    fn write(&self, batch: &PageviewsBatch) -> StoreResult<WriteSummary>;

    /// Opens the streamed publication of one day's per-article rows (see [`DayPublish`]):
    /// loads use it, so that a day never has to fit in memory.
    fn begin_day<'s>(
        &'s self,
        options: DayPublishOptions<'s>,
    ) -> StoreResult<Box<dyn DayPublish + 's>>;

    /// For each project and access (of [`TOP_ACCESSES`]), the articles with the most user
    /// views over `month`, at least `limit` of them (fewer when fewer had views), for the
    /// month's top lists. Reads the month in bounded memory.
    fn month_top_candidates(
        &self,
        month: YearMonth,
        limit: usize,
    ) -> StoreResult<Vec<TopCandidates>>;

    /// Every per-article row of one day, grouped by project (projects ascending). Holds the
    /// whole day in memory: for tests and diagnostics, never used by loads.
    fn article_day(&self, day: Day) -> StoreResult<Vec<ArticleDay>>;

    /// Every hourly and daily per-project row of one day.
    fn project_day(&self, day: Day) -> StoreResult<Vec<ProjectRow>>;

    /// Whether `month`'s per-article rows wait for a merge that reads them whole (the
    /// embedded store whose merge budget ran out: a complete month not yet one segment). Its
    /// roll-up waits for that merge, which collects the top lists' candidates as it goes, so
    /// that the month is read once. Backends without merges: never.
    fn month_merge_pending(&self, _month: YearMonth) -> StoreResult<bool> {
        Ok(false)
    }

    /// The months whose roll-up a load left waiting for their merge; the next loads roll
    /// them up once it is done. Kept only by backends whose merges can be pending.
    fn rollups_waiting(&self) -> StoreResult<Vec<YearMonth>> {
        Ok(Vec::new())
    }

    /// Replaces the months of [`PageviewsWrite::rollups_waiting`].
    fn set_rollups_waiting(&self, _months: &[YearMonth]) -> StoreResult<()> {
        Ok(())
    }
}

/// The synthetic rows the original kept in production storage for its monitoring probes
/// (api-contract §4): zero views of article `-` on `en.wikipedia`, on 1970-01-01, in the
/// per-article, per-project (hourly) and top tables. The route examples read them.
pub fn probe_batch() -> PageviewsBatch {
    let day = Day::from_epoch_days(0);
    let project = Project::from_stored("en.wikipedia");
    PageviewsBatch {
        article_days: vec![ArticleDay {
            day,
            project: project.clone(),
            rows: vec![("-".to_string(), ArticleViews::default())],
        }],
        project_rows: vec![ProjectRow {
            project: project.clone(),
            access: Access::AllAccess,
            agent: Agent::AllAgents,
            period: Period::Hour(Hour::new(day, 0).expect("hour 0 exists")),
            views: 0,
        }],
        top_rows: vec![TopRow {
            project,
            access: Access::AllAccess,
            period: TopPeriod::Day(day),
            articles: TopArticles::List(vec![TopEntry {
                article: "-".to_string(),
                views: 0,
                rank: 1,
            }]),
        }],
        ..PageviewsBatch::default()
    }
}

/// A backend that serves and loads pageviews.
pub trait PageviewsStore: PageviewsRead + PageviewsWrite {}
impl<T: PageviewsRead + PageviewsWrite> PageviewsStore for T {}

// ---------------------------------------------------------------------------------------------
// Requests: raw path segments in, typed queries out (validation order of AQS 1.0).

/// `GET /metrics/pageviews/per-article/{project}/{access}/{agent}/{article}/{granularity}/{start}/{end}`
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PerArticleRequest {
    pub project: Project,
    pub access: Access,
    pub agent: Agent,
    /// The title with spaces turned into underscores, as stored.
    pub article: String,
    pub granularity: ArticleGranularity,
    pub first: Day,
    pub last: Day,
}

/// The raw path parameters of a per-article request, percent-decoded.
#[derive(Debug, Clone, Copy)]
pub struct PerArticleParams<'a> {
    pub project: &'a str,
    pub access: &'a str,
    pub agent: &'a str,
    pub article: &'a str,
    pub granularity: &'a str,
    pub start: &'a str,
    pub end: &'a str,
}

impl PerArticleRequest {
    pub fn parse(p: PerArticleParams<'_>) -> Result<Self, RequestError> {
        let access = Access::parse(p.access)?;
        let agent = Agent::parse(p.agent)?;
        let granularity = ArticleGranularity::parse(p.granularity)?;
        let project = Project::normalize(p.project)?;
        let rules =
            RangeRules { fake_hour: true, full_months: granularity == ArticleGranularity::Monthly };
        let range = check_range(p.start, p.end, rules)?;
        Ok(PerArticleRequest {
            project,
            access,
            agent,
            article: p.article.replace(' ', "_"),
            granularity,
            first: range.start_day(),
            last: range.end_day(),
        })
    }
}

/// `GET /metrics/pageviews/aggregate/{project}/{access}/{agent}/{granularity}/{start}/{end}`
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AggregateRequest {
    pub project: Project,
    pub access: Access,
    pub agent: Agent,
    pub granularity: ProjectGranularity,
    pub first: Period,
    pub last: Period,
}

#[derive(Debug, Clone, Copy)]
pub struct AggregateParams<'a> {
    pub project: &'a str,
    pub access: &'a str,
    pub agent: &'a str,
    pub granularity: &'a str,
    pub start: &'a str,
    pub end: &'a str,
}

impl AggregateRequest {
    pub fn parse(p: AggregateParams<'_>) -> Result<Self, RequestError> {
        let access = Access::parse(p.access)?;
        let agent = Agent::parse(p.agent)?;
        let granularity = ProjectGranularity::parse(p.granularity)?;
        let project = Project::normalize(p.project)?;
        let hourly = granularity == ProjectGranularity::Hourly;
        let rules = RangeRules {
            fake_hour: !hourly,
            full_months: granularity == ProjectGranularity::Monthly,
        };
        let range = check_range(p.start, p.end, rules)?;
        let (first, last) = aggregate_periods(granularity, &range);
        Ok(AggregateRequest { project, access, agent, granularity, first, last })
    }
}

/// The stored periods a checked range selects (`timestamp BETWEEN start AND end`) from the
/// 10-digit timestamps of the per-project series (pageviews aggregate, legacy pagecounts).
pub fn aggregate_periods(
    granularity: ProjectGranularity,
    range: &CheckedRange,
) -> (Period, Period) {
    match granularity {
        ProjectGranularity::Hourly => {
            let (first, last) = range.hours();
            (Period::Hour(first), Period::Hour(last))
        }
        ProjectGranularity::Daily => (Period::Day(range.start_day()), Period::Day(range.end_day())),
        ProjectGranularity::Monthly => {
            // Monthly rows are stamped with the 1st; after the full-month rewrite the range
            // starts on a 1st and ends on a last day, so it selects exactly its months.
            (
                Period::Month(range.start_day().year_month()),
                Period::Month(range.end_day().year_month()),
            )
        }
    }
}

/// `GET /metrics/pageviews/top/{project}/{access}/{year}/{month}/{day}`
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopRequest {
    pub project: Project,
    pub access: Access,
    /// `None` when the date is valid but spelled so the original's literal lookup finds nothing.
    pub period: Option<TopPeriod>,
    pub year: String,
    pub month: String,
    pub day: String,
}

#[derive(Debug, Clone, Copy)]
pub struct TopParams<'a> {
    pub project: &'a str,
    pub access: &'a str,
    pub year: &'a str,
    pub month: &'a str,
    pub day: &'a str,
}

impl TopRequest {
    pub fn parse(p: TopParams<'_>) -> Result<Self, RequestError> {
        let access = Access::parse(p.access)?;
        let project = Project::normalize(p.project)?;
        let period = crate::dates::check_year_month_day(p.year, p.month, p.day)?;
        Ok(TopRequest {
            project,
            access,
            period,
            year: p.year.to_string(),
            month: p.month.to_string(),
            day: p.day.to_string(),
        })
    }
}

#[cfg(test)]
mod tests;

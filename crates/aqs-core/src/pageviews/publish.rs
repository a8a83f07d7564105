//! Streamed publication of one day, and the month scan of top lists: what a loader needs from
//! a store to load a day larger than memory.
//!
//! A real day has ~80 M per-article rows. A loader streams them, project by project and title
//! by title, into a [`DayPublish`] that the store opened with [`super::PageviewsWrite::begin_day`];
//! the store may spill them to disk, but nothing is visible to readers (in any process) until
//! [`DayPublish::commit`] publishes the whole day at once. Dropping the publication instead
//! publishes nothing, and a load that dies leaves the store as it was.

use super::{ArticleViews, PageviewsBatch, WriteSummary};
use crate::dates::Day;
use crate::error::StoreResult;
use crate::lists::Disallowed;
use crate::params::{Access, Agent};
use crate::project::Project;

/// What a streamed day publication replaces and what it keeps.
#[derive(Debug, Clone, Copy)]
pub struct DayPublishOptions<'a> {
    pub day: Day,
    /// The agent types the new rows carry. The stored counters of the other agent types of
    /// this day are kept, and their rows stay even where no new row names the article; with
    /// every agent type, the day's per-article rows are replaced whole.
    pub agents: &'a [Agent],
    /// Kept rows of articles on this list are dropped (new rows come filtered already).
    pub disallowed: &'a Disallowed,
    /// Bytes the publication may hold in memory for its own buffers; past that it spills to
    /// disk (the embedded store: next to the store, removed when the publication ends).
    pub memory_bytes: usize,
    /// When the merges that follow the publication should stop (a loader aiming at a day's
    /// load time), besides the store's own merge budget; stores that do not merge ignore it.
    pub merge_until: Option<std::time::Instant>,
}

impl DayPublishOptions<'_> {
    /// Whether stored counters of some agent type survive the publication.
    pub fn keeps_stored_agents(&self) -> bool {
        Agent::CONCRETE.iter().any(|a| !self.agents.contains(a))
    }
}

/// A day being published. Rows go in as the loader computes them; readers see none of them
/// until [`DayPublish::commit`]; dropping it publishes nothing.
pub trait DayPublish {
    /// Adds per-article rows of one project. Projects come in ascending name order, each in
    /// one or more consecutive calls; titles come ascending (bytewise) and unique within their
    /// project. A store may refuse rows out of that order.
    fn add_rows(&mut self, project: &Project, rows: &[(&str, ArticleViews)]) -> StoreResult<()>;

    /// Publishes the rows added, together with `rest` (per-project rows and top lists, whose
    /// per-article fields must be empty), in one atomic step.
    fn commit(self: Box<Self>, rest: &PageviewsBatch) -> StoreResult<WriteSummary>;
}

/// The counters of a published row: the new row's counters of the loaded agent types, and the
/// stored row's counters of the others.
pub fn with_kept_agents(
    new: Option<&ArticleViews>,
    stored: Option<&ArticleViews>,
    loaded: &[Agent],
) -> ArticleViews {
    let mut row = new.copied().unwrap_or_default();
    if let Some(stored) = stored {
        for agent in Agent::CONCRETE.into_iter().filter(|a| !loaded.contains(a)) {
            row.replace_agent(agent, stored);
        }
    }
    row
}

/// The articles with the most user views of one project and access over a month, as a store
/// found them for a monthly top list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopCandidates {
    pub project: Project,
    pub access: Access,
    /// (title, user views), at least `limit` of them when that many articles had user views;
    /// any order.
    pub entries: Vec<(String, u64)>,
    /// Whether articles with user views were left out.
    pub truncated: bool,
}

/// User views per concrete access (desktop, mobile-web, mobile-app) of a row.
pub fn user_views(views: &ArticleViews) -> [u64; 3] {
    [Access::Desktop, Access::MobileWeb, Access::MobileApp]
        .map(|access| u64::from(views.get(access, Agent::User)))
}

/// The four accesses of top lists, with the index of their counter in [`user_views`] (`None`:
/// the sum of all three).
pub const TOP_ACCESSES: [(Access, Option<usize>); 4] = [
    (Access::AllAccess, None),
    (Access::Desktop, Some(0)),
    (Access::MobileWeb, Some(1)),
    (Access::MobileApp, Some(2)),
];

/// One access's views out of [`user_views`].
pub fn access_views(user: &[u64; 3], slot: Option<usize>) -> u64 {
    slot.map_or_else(|| user.iter().sum(), |i| user[i])
}

//! One `mediawiki_history` line reduced to what the edits, editors, edited-pages and
//! registered-users routes count (data-formats §5.8): an edit, a new page, a new registered
//! user, or an event no route counts.

use super::cells::{self, BadCell, Column, Layout};
use super::wikis;
use aqs_core::dates::Day;
use std::borrow::Cow;

/// The reduced history's `user_type` of an event's performer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum UserType {
    /// IP edits, and temporary accounts.
    Anonymous,
    /// In the `bot` group.
    GroupBot,
    /// A name that says bot.
    NameBot,
    User,
}

impl UserType {
    pub const ALL: [UserType; 4] =
        [UserType::Anonymous, UserType::GroupBot, UserType::NameBot, UserType::User];
}

/// The reduced history's `page_type`: content namespaces, and the rest (NULL included).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PageType {
    Content,
    NonContent,
}

impl PageType {
    pub const ALL: [PageType; 2] = [PageType::Content, PageType::NonContent];
}

/// A revision (`revision`/`create`) not deleted with its page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edit<'a> {
    pub day: Day,
    /// The performer's current name, else the name at the time (an IP for anonymous edits).
    pub user_text: Option<Cow<'a, str>>,
    pub user_type: UserType,
    /// The page's current title, else the one at the time, after its canonical namespace name.
    pub page_title: Option<Cow<'a, str>>,
    pub page_type: PageType,
    /// Whether the page is a redirect now (`None`: not known; such pages have no digests).
    pub redirect: Option<bool>,
    pub bytes_diff: i64,
}

/// What a line counts for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event<'a> {
    Edit(Edit<'a>),
    /// A revision of a page deleted since (or not known to be live): only the top lists
    /// count it, as their Druid query had no `deleted` filter.
    HiddenEdit(Edit<'a>),
    /// A page created (`page`/`create`, its day the page's first edit), not a redirect now,
    /// not rebuilt from a deletion.
    NewPage {
        day: Day,
        user_type: UserType,
        page_type: PageType,
    },
    /// An account its owner registered (`user`/`create`, self-created).
    NewUser {
        day: Day,
    },
    /// An event that no route counts (moves, deletions, renames, redirects created, revisions
    /// of deleted pages, accounts created by others or the system).
    Uncounted,
}

/// Why a line is not an event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Malformed {
    /// A column count no dump layout has.
    Columns(usize),
    /// A cell that is not of its column's type.
    Cell { column: Column, expected: &'static str },
    /// A `wiki_db` that names no known project (the refinery's join drops its events).
    UnknownWiki(String),
}

impl std::fmt::Display for Malformed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Malformed::Columns(n) => {
                write!(f, "{n} columns (a mediawiki_history line has 70, 74, 76, 77 or 78)")
            }
            Malformed::Cell { column, expected } => write!(f, "{column:?} is not {expected}"),
            Malformed::UnknownWiki(db) => write!(f, "unknown wiki database {db:?}"),
        }
    }
}

/// Reads lines of one dump file: keeps the layout of the line before and the project of the
/// wiki before, which every line of a file shares.
#[derive(Default)]
pub struct Reader {
    layout: Option<Layout>,
    wiki: Option<(String, String)>,
    cells: super::split::Cells,
}

impl Reader {
    /// The project and the event of a line.
    pub fn read<'l>(&mut self, line: &'l str) -> Result<(&str, Event<'l>), Malformed> {
        self.cells.split(line.as_bytes());
        let count = self.cells.count();
        if self.layout.as_ref().is_none_or(|l| l.columns != count) {
            self.layout = Some(Layout::of(count).ok_or(Malformed::Columns(count))?);
        }
        let layout = self.layout.as_ref().ok_or(Malformed::Columns(count))?;
        let cells = &self.cells;
        let cell = |column: Column| -> &'l str {
            let range = layout.index(column).and_then(|i| cells.range(i));
            range.and_then(|(start, end)| line.get(start..end)).unwrap_or("")
        };
        let wiki_db = cell(Column::WikiDb);
        if self.wiki.as_ref().is_none_or(|(db, _)| db != wiki_db) {
            let project =
                wikis::project_of(wiki_db).ok_or_else(|| Malformed::UnknownWiki(wiki_db.into()))?;
            self.wiki = Some((wiki_db.to_string(), project));
        }
        let event = event(&cell)?;
        let project = self.wiki.as_ref().map_or("", |(_, p)| p.as_str());
        Ok((project, event))
    }
}

fn typed<T>(column: Column, value: Result<T, BadCell>) -> Result<T, Malformed> {
    value.map_err(|BadCell(expected)| Malformed::Cell { column, expected })
}

fn event<'l>(cell: &dyn Fn(Column) -> &'l str) -> Result<Event<'l>, Malformed> {
    let boolean = |c: Column| typed(c, cells::boolean(cell(c)));
    let timestamp = |c: Column| typed(c, cells::timestamp(cell(c)));
    let (entity, kind) = (cell(Column::EventEntity), cell(Column::EventType));
    let event_day = timestamp(Column::EventTimestamp)?;
    Ok(match (entity, kind) {
        ("revision", "create") => {
            let Some(day) = event_day else { return Ok(Event::Uncounted) };
            // NULL is not false: a revision not known to be live is left out.
            let live = boolean(Column::RevisionIsDeletedByPageDeletion)? == Some(false);
            let user_text = cells::text(cell(Column::EventUserText))
                .or_else(|| cells::text(cell(Column::EventUserTextHistorical)));
            let namespace =
                typed(Column::PageNamespace, cells::integer(cell(Column::PageNamespace)))?
                    .map_or_else(
                        || {
                            let c = Column::PageNamespaceHistorical;
                            typed(c, cells::integer(cell(c)))
                        },
                        |n| Ok(Some(n)),
                    )?;
            let title = cells::text(cell(Column::PageTitle))
                .or_else(|| cells::text(cell(Column::PageTitleHistorical)));
            let edit = Edit {
                day,
                user_text,
                user_type: user_type(cell)?,
                page_title: title.map(|t| wikis::prefixed_title(namespace, t)),
                page_type: page_type(cell)?,
                redirect: boolean(Column::PageIsRedirect)?,
                bytes_diff: typed(
                    Column::RevisionTextBytesDiff,
                    cells::integer(cell(Column::RevisionTextBytesDiff)),
                )?
                .unwrap_or(0),
            };
            match live {
                true => Event::Edit(edit),
                false => Event::HiddenEdit(edit),
            }
        }
        ("page", "create") => {
            let first_edit = timestamp(Column::PageFirstEditTimestamp)?;
            let Some(day) = first_edit.or(event_day) else { return Ok(Event::Uncounted) };
            let counted = boolean(Column::PageIsDeleted)? == Some(false)
                && boolean(Column::PageIsRedirect)? != Some(true);
            match counted {
                true => {
                    Event::NewPage { day, user_type: user_type(cell)?, page_type: page_type(cell)? }
                }
                false => Event::Uncounted,
            }
        }
        ("user", "create") => match (event_day, boolean(Column::UserIsCreatedBySelf)?) {
            (Some(day), Some(true)) => Event::NewUser { day },
            _ => Event::Uncounted,
        },
        _ => Event::Uncounted,
    })
}

impl<'a> From<Edit<'a>> for Event<'a> {
    fn from(edit: Edit<'a>) -> Event<'a> {
        Event::Edit(edit)
    }
}

/// §5.8: anonymous for IPs and temporary accounts; then a bot by group, a bot by name (from
/// the performer's current bot marks; the ones at the time where the current are not known).
fn user_type<'l>(cell: &dyn Fn(Column) -> &'l str) -> Result<UserType, Malformed> {
    let flag = |c: Column| typed(c, cells::boolean(cell(c))).map(|b| b == Some(true));
    if flag(Column::EventUserIsAnonymous)? || flag(Column::EventUserIsTemporary)? {
        return Ok(UserType::Anonymous);
    }
    // An empty array cell is also NULL: the current marks are taken as known (an empty array)
    // when the performer has a user id, else the marks at the time count.
    let known = !matches!(cell(Column::EventUserId), "" | "0");
    let marks = match known {
        true => cell(Column::EventUserIsBotBy),
        false => cell(Column::EventUserIsBotByHistorical),
    };
    Ok(if cells::array_contains(marks, "group") {
        UserType::GroupBot
    } else if cells::array_contains(marks, "name") {
        UserType::NameBot
    } else {
        UserType::User
    })
}

/// §5.8: content when the page's namespace (now, else at the time) is a content one.
fn page_type<'l>(cell: &dyn Fn(Column) -> &'l str) -> Result<PageType, Malformed> {
    let now = typed(
        Column::PageNamespaceIsContent,
        cells::boolean(cell(Column::PageNamespaceIsContent)),
    )?;
    let then = || {
        let c = Column::PageNamespaceIsContentHistorical;
        typed(c, cells::boolean(cell(c)))
    };
    let content = match now {
        Some(content) => content,
        None => then()? == Some(true),
    };
    Ok(if content { PageType::Content } else { PageType::NonContent })
}

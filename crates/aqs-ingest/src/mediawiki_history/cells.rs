//! The cells of a `mediawiki_history` dump line (data-formats §2.7): the column layouts by
//! column count, and the encoding of each cell type.
//!
//! NULL and an empty array are both the empty cell. In strings and arrays a tab, a line feed
//! and a carriage return are written `\t`, `\n`, `\r` (a backslash itself is not escaped);
//! array items are joined with `,`, a comma inside an item written `\,`. Booleans are `true` and
//! `false`, timestamps `YYYY-MM-DD HH:MM:SS.0` in UTC.

use aqs_core::dates::Day;
use std::borrow::Cow;

/// The columns the reduced history reads (§5.8), with their position in the 78-column layout
/// and the layout that added them (0: every layout).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Column {
    WikiDb,
    EventEntity,
    EventType,
    EventTimestamp,
    EventUserId,
    EventUserCentralId,
    EventUserTextHistorical,
    EventUserText,
    EventUserIsBotByHistorical,
    EventUserIsBotBy,
    EventUserIsAnonymous,
    EventUserIsTemporary,
    PageId,
    PageTitleHistorical,
    PageTitle,
    PageNamespaceHistorical,
    PageNamespaceIsContentHistorical,
    PageNamespace,
    PageNamespaceIsContent,
    PageIsRedirect,
    PageIsDeleted,
    PageFirstEditTimestamp,
    UserIsCreatedBySelf,
    RevisionTextBytesDiff,
    RevisionIsDeletedByPageDeletion,
}

/// The column counts of the layouts the dumps have had, oldest first.
pub const LAYOUTS: [usize; 5] = [70, 74, 76, 77, 78];

/// Where the columns that later layouts added sit in the 78-column layout (1-based, as in
/// data-formats §2.7), with the layout that added each.
const ADDED: [(usize, usize); 8] = [
    (2, 78),  // event_log_id
    (8, 76),  // event_user_central_id
    (21, 74), // event_user_is_temporary
    (22, 74), // event_user_is_permanent
    (23, 77), // event_user_is_cross_wiki
    (43, 76), // user_central_id
    (56, 74), // user_is_temporary
    (57, 74), // user_is_permanent
];

/// The 78 column names, in order (data-formats §2.7); a layout of fewer columns leaves out
/// the ones later layouts added ([`added_in`]).
pub const NAMES: [&str; 78] = [
    "wiki_db",
    "event_log_id",
    "event_entity",
    "event_type",
    "event_timestamp",
    "event_comment",
    "event_user_id",
    "event_user_central_id",
    "event_user_text_historical",
    "event_user_text",
    "event_user_blocks_historical",
    "event_user_blocks",
    "event_user_groups_historical",
    "event_user_groups",
    "event_user_is_bot_by_historical",
    "event_user_is_bot_by",
    "event_user_is_created_by_self",
    "event_user_is_created_by_system",
    "event_user_is_created_by_peer",
    "event_user_is_anonymous",
    "event_user_is_temporary",
    "event_user_is_permanent",
    "event_user_is_cross_wiki",
    "event_user_registration_timestamp",
    "event_user_creation_timestamp",
    "event_user_first_edit_timestamp",
    "event_user_revision_count",
    "event_user_seconds_since_previous_revision",
    "page_id",
    "page_title_historical",
    "page_title",
    "page_namespace_historical",
    "page_namespace_is_content_historical",
    "page_namespace",
    "page_namespace_is_content",
    "page_is_redirect",
    "page_is_deleted",
    "page_creation_timestamp",
    "page_first_edit_timestamp",
    "page_revision_count",
    "page_seconds_since_previous_revision",
    "user_id",
    "user_central_id",
    "user_text_historical",
    "user_text",
    "user_blocks_historical",
    "user_blocks",
    "user_groups_historical",
    "user_groups",
    "user_is_bot_by_historical",
    "user_is_bot_by",
    "user_is_created_by_self",
    "user_is_created_by_system",
    "user_is_created_by_peer",
    "user_is_anonymous",
    "user_is_temporary",
    "user_is_permanent",
    "user_registration_timestamp",
    "user_creation_timestamp",
    "user_first_edit_timestamp",
    "revision_id",
    "revision_parent_id",
    "revision_minor_edit",
    "revision_deleted_parts",
    "revision_deleted_parts_are_suppressed",
    "revision_text_bytes",
    "revision_text_bytes_diff",
    "revision_text_sha1",
    "revision_content_model",
    "revision_content_format",
    "revision_is_deleted_by_page_deletion",
    "revision_deleted_by_page_deletion_timestamp",
    "revision_is_identity_reverted",
    "revision_first_identity_reverting_revision_id",
    "revision_seconds_to_identity_revert",
    "revision_is_identity_revert",
    "revision_is_from_before_page_creation",
    "revision_tags",
];

/// The layout (column count) that added the column at `position` (1-based in [`NAMES`]); 0
/// for the columns every layout has.
pub fn added_in(position: usize) -> usize {
    ADDED.iter().find(|(p, _)| *p == position).map_or(0, |(_, layout)| *layout)
}

impl Column {
    pub const ALL: [Column; 25] = [
        Column::WikiDb,
        Column::EventEntity,
        Column::EventType,
        Column::EventTimestamp,
        Column::EventUserId,
        Column::EventUserCentralId,
        Column::EventUserTextHistorical,
        Column::EventUserText,
        Column::EventUserIsBotByHistorical,
        Column::EventUserIsBotBy,
        Column::EventUserIsAnonymous,
        Column::EventUserIsTemporary,
        Column::PageId,
        Column::PageTitleHistorical,
        Column::PageTitle,
        Column::PageNamespaceHistorical,
        Column::PageNamespaceIsContentHistorical,
        Column::PageNamespace,
        Column::PageNamespaceIsContent,
        Column::PageIsRedirect,
        Column::PageIsDeleted,
        Column::PageFirstEditTimestamp,
        Column::UserIsCreatedBySelf,
        Column::RevisionTextBytesDiff,
        Column::RevisionIsDeletedByPageDeletion,
    ];

    /// The column's position (1-based) in the 78-column layout.
    const fn position(self) -> usize {
        match self {
            Column::WikiDb => 1,
            Column::EventEntity => 3,
            Column::EventType => 4,
            Column::EventTimestamp => 5,
            Column::EventUserId => 7,
            Column::EventUserCentralId => 8,
            Column::EventUserTextHistorical => 9,
            Column::EventUserText => 10,
            Column::EventUserIsBotByHistorical => 15,
            Column::EventUserIsBotBy => 16,
            Column::EventUserIsAnonymous => 20,
            Column::EventUserIsTemporary => 21,
            Column::PageId => 29,
            Column::PageTitleHistorical => 30,
            Column::PageTitle => 31,
            Column::PageNamespaceHistorical => 32,
            Column::PageNamespaceIsContentHistorical => 33,
            Column::PageNamespace => 34,
            Column::PageNamespaceIsContent => 35,
            Column::PageIsRedirect => 36,
            Column::PageIsDeleted => 37,
            Column::PageFirstEditTimestamp => 39,
            Column::UserIsCreatedBySelf => 52,
            Column::RevisionTextBytesDiff => 67,
            Column::RevisionIsDeletedByPageDeletion => 71,
        }
    }
}

/// Where each [`Column`] is in a line of one layout (`None`: the layout has no such column).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layout {
    pub columns: usize,
    at: [Option<u8>; Column::ALL.len()],
}

impl Layout {
    /// The layout of lines of `columns` cells, if the dumps ever had one.
    pub fn of(columns: usize) -> Option<Layout> {
        if !LAYOUTS.contains(&columns) {
            return None;
        }
        let mut at = [None; Column::ALL.len()];
        for (i, column) in Column::ALL.into_iter().enumerate() {
            let position = column.position();
            if added_in(position) > columns {
                continue;
            }
            // Columns a later layout added before this one are not in this layout.
            let missing =
                ADDED.iter().filter(|(p, layout)| *p < position && *layout > columns).count();
            at[i] = Some((position - 1 - missing) as u8);
        }
        Some(Layout { columns, at })
    }

    /// The index of a column in this layout's cells.
    pub fn index(&self, column: Column) -> Option<usize> {
        let i = Column::ALL.iter().position(|c| *c == column).unwrap_or(0);
        self.at[i].map(usize::from)
    }
}

/// A cell that is not of its column's type: what was expected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadCell(pub &'static str);

/// A string cell: `None` for NULL, escapes decoded.
pub fn text(cell: &str) -> Option<Cow<'_, str>> {
    if cell.is_empty() {
        return None;
    }
    if !cell.contains('\\') {
        return Some(Cow::Borrowed(cell));
    }
    Some(Cow::Owned(unescape(cell)))
}

/// `\t`, `\n`, `\r` to the characters; any other backslash stays as it is.
fn unescape(cell: &str) -> String {
    let mut out = String::with_capacity(cell.len());
    let mut chars = cell.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        let mut ahead = chars.clone();
        match ahead.next() {
            Some('t') => out.push('\t'),
            Some('n') => out.push('\n'),
            Some('r') => out.push('\r'),
            _ => {
                out.push('\\');
                continue;
            }
        }
        chars = ahead;
    }
    out
}

/// An array cell's items (empty for NULL and for the empty array).
pub fn array(cell: &str) -> Vec<String> {
    if cell.is_empty() {
        return Vec::new();
    }
    let (mut items, mut item) = (Vec::new(), String::new());
    let mut chars = cell.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek() == Some(&',') => {
                chars.next();
                item.push(',');
            }
            ',' => items.push(std::mem::take(&mut item)),
            _ => item.push(c),
        }
    }
    items.push(item);
    items.into_iter().map(|i| unescape(&i)).collect()
}

/// Whether an array cell holds `item` (without building the array when it cannot).
pub fn array_contains(cell: &str, item: &str) -> bool {
    cell.contains(item) && array(cell).iter().any(|i| i == item)
}

/// A boolean cell.
pub fn boolean(cell: &str) -> Result<Option<bool>, BadCell> {
    match cell {
        "" => Ok(None),
        "true" => Ok(Some(true)),
        "false" => Ok(Some(false)),
        _ => Err(BadCell("true, false or nothing")),
    }
}

/// An integer cell.
pub fn integer(cell: &str) -> Result<Option<i64>, BadCell> {
    match cell {
        "" => Ok(None),
        _ => cell.parse().map(Some).map_err(|_| BadCell("an integer")),
    }
}

/// A timestamp cell's day (`YYYY-MM-DD HH:MM:SS.f`; the time is checked, not kept).
pub fn timestamp(cell: &str) -> Result<Option<Day>, BadCell> {
    if cell.is_empty() {
        return Ok(None);
    }
    const EXPECTED: &str = "a timestamp YYYY-MM-DD HH:MM:SS.0";
    let bad = || BadCell(EXPECTED);
    // Places, not searches: the date's ten bytes, a space, the clock's eight, then nothing or
    // a fraction.
    let b = cell.as_bytes();
    if b.len() < 19 || b[10] != b' ' {
        return Err(bad());
    }
    let two = |i: usize, max: u8| -> bool {
        b[i].is_ascii_digit()
            && b[i + 1].is_ascii_digit()
            && (b[i] - b'0') * 10 + b[i + 1] - b'0' <= max
    };
    let clock_ok = b[13] == b':' && b[16] == b':' && two(11, 23) && two(14, 59) && two(17, 60);
    let fraction_ok = match &b[19..] {
        [] => true,
        [b'.', digits @ ..] => !digits.is_empty() && digits.iter().all(u8::is_ascii_digit),
        _ => false,
    };
    if !clock_ok || !fraction_ok {
        return Err(bad());
    }
    // Byte 10 is a space: the date is the first ten bytes, whole characters.
    Day::parse_iso(cell.get(..10).ok_or_else(bad)?).map(Some).ok_or_else(bad)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_layout_finds_the_columns_it_has() {
        let l78 = Layout::of(78).unwrap();
        assert_eq!(l78.index(Column::WikiDb), Some(0));
        assert_eq!(l78.index(Column::EventEntity), Some(2));
        assert_eq!(l78.index(Column::RevisionIsDeletedByPageDeletion), Some(70));
        let l70 = Layout::of(70).unwrap();
        assert_eq!(l70.index(Column::EventEntity), Some(1));
        assert_eq!(l70.index(Column::EventUserCentralId), None);
        assert_eq!(l70.index(Column::EventUserIsTemporary), None);
        assert_eq!(l70.index(Column::EventUserIsAnonymous), Some(17));
        // 70 columns: 78 less the 8 added; the last column (revision_tags) is the 70th.
        assert_eq!(l70.index(Column::RevisionIsDeletedByPageDeletion), Some(62));
        let l74 = Layout::of(74).unwrap();
        assert_eq!(l74.index(Column::EventUserIsTemporary), Some(18));
        assert_eq!(l74.index(Column::UserIsCreatedBySelf), Some(47));
        let l77 = Layout::of(77).unwrap();
        assert_eq!(l77.index(Column::EventUserCentralId), Some(6));
        assert_eq!(l77.index(Column::EventEntity), Some(1));
        assert!(Layout::of(75).is_none() && Layout::of(79).is_none());
    }

    #[test]
    fn cells_decode_as_the_dumper_encodes() {
        assert_eq!(text(""), None);
        assert_eq!(text("a\\tb\\nc\\rd").as_deref(), Some("a\tb\nc\rd"));
        assert_eq!(text("C:\\x\\\\").as_deref(), Some("C:\\x\\\\"), "other backslashes stay");
        assert_eq!(array(""), Vec::<String>::new());
        assert_eq!(array("name,group"), ["name", "group"]);
        assert_eq!(array("a\\,b,c\\td"), ["a,b", "c\td"]);
        assert!(array_contains("sysop,bot", "bot") && !array_contains("robot", "bot"));
        assert_eq!(boolean("true"), Ok(Some(true)));
        assert_eq!(boolean(""), Ok(None));
        assert!(boolean("TRUE").is_err());
        assert_eq!(integer("-3"), Ok(Some(-3)));
        assert!(integer("3.5").is_err());
        let day = |d| Some(Day::parse_compact(d).unwrap());
        assert_eq!(timestamp("2021-03-04 12:34:56.0"), Ok(day("20210304")));
        assert_eq!(timestamp("2021-03-04 23:59:60.123"), Ok(day("20210304")));
        assert_eq!(timestamp("2021-03-04 23:59:59"), Ok(day("20210304")), "no fraction");
        assert_eq!(timestamp(""), Ok(None));
        for bad in [
            "2021-03-04",
            "2021-02-30 00:00:00.0",
            "2021-03-04 24:00:00.0",
            "20210304 00:00:00.0",
            "2021-03-04 1:00:00.0",
            "2021-03-04 10:00:00.",
            "202-103-04 00:00:00.0",
            "2021-03-0x 00:00:00.0",
            "+021-03-04 00:00:00.0",
            "2021-+3-04 00:00:00.0",
            "2021-03-04 10:00:00x",
            "2021-03-04 10:00:00.1 ",
            "2021-03-04  10:00:00",
            "2021-03-04 10:00:0",
            "2021-03-04\u{e9}10:00:00.0",
            "\u{e9}021-03-04 10:00:00.0",
        ] {
            assert!(timestamp(bad).is_err(), "{bad}");
        }
    }
}

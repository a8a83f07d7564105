//! The daily `pageview_complete` dump (data-formats §2.3):
//! `pageviews-YYYYMMDD-{user|spider|automated}.bz2`, one line per
//! `(wiki_code, title, page_id, access)`: `wiki_code title page_id access daily_total hourly`.
//!
//! Irregular forms accepted: 5-field legacy lines without page id, `null` or empty page ids,
//! Spark CSV-quoted tokens (`"\"Foo\"_bar"`), CRLF line ends, titles with TAB characters
//! (removed, as the original loader does). Several lines of one (project, title, access) are
//! summed by the aggregator.

use aqs_core::dates::Day;
use aqs_core::params::{Access, Agent};
use std::borrow::Cow;
use std::fmt;

/// What a daily file's name says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DailyFile {
    pub day: Day,
    pub agent: Agent,
}

/// `pageviews-YYYYMMDD-AGENT` (compression suffix already removed).
pub fn parse_file_name(base: &str) -> Option<DailyFile> {
    let rest = base.strip_prefix("pageviews-")?;
    let (date, agent) = rest.split_once('-')?;
    Some(DailyFile { day: Day::parse_compact(date)?, agent: Agent::from_dump(agent)? })
}

/// One parsed line. Borrowed unless a token needed unquoting or TAB removal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line<'a> {
    pub project: Cow<'a, str>,
    pub title: Cow<'a, str>,
    pub page_id: Option<u64>,
    pub access: Access,
    pub total: u32,
    /// Views per hour of the day (UTC, start of hour).
    pub hours: [u32; 24],
}

/// Why a line was skipped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum LineError {
    FieldCount,
    EmptyProject,
    EmptyTitle,
    PageId,
    Access,
    Total,
    HourlyEncoding,
    TotalMismatch,
}

impl fmt::Display for LineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            LineError::FieldCount => {
                "expected 6 fields (or 5 in legacy lines) separated by single spaces"
            }
            LineError::EmptyProject => "empty wiki code",
            LineError::EmptyTitle => "empty title",
            LineError::PageId => "page id is not a number or `null`",
            LineError::Access => "access method is not desktop, mobile-web or mobile-app",
            LineError::Total => "daily total is not a positive 32-bit number",
            LineError::HourlyEncoding => {
                "hourly counts are not letters A-X each followed by a number"
            }
            LineError::TotalMismatch => "daily total differs from the sum of the hourly counts",
        })
    }
}

/// Removes Spark CSV quoting: a token that starts and ends with `"` loses them, and `\"`
/// inside becomes `"`.
pub fn unquote(token: &str) -> Cow<'_, str> {
    if token.len() >= 2 && token.starts_with('"') && token.ends_with('"') {
        Cow::Owned(token[1..token.len() - 1].replace("\\\"", "\""))
    } else {
        Cow::Borrowed(token)
    }
}

fn without_tabs(title: Cow<'_, str>) -> Cow<'_, str> {
    if title.contains('\t') { Cow::Owned(title.replace('\t', "")) } else { title }
}

/// Parses `A12B3...`: hour letters `A`..`X`, each with a count.
pub fn parse_hours(encoded: &str) -> Result<[u32; 24], LineError> {
    let mut hours = [0u32; 24];
    let bytes = encoded.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let letter = bytes[i];
        if !(b'A'..=b'X').contains(&letter) {
            return Err(LineError::HourlyEncoding);
        }
        let start = i + 1;
        let mut end = start;
        while end < bytes.len() && bytes[end].is_ascii_digit() {
            end += 1;
        }
        let count: u32 = encoded[start..end].parse().map_err(|_| LineError::HourlyEncoding)?;
        let slot = &mut hours[usize::from(letter - b'A')];
        *slot = slot.checked_add(count).ok_or(LineError::HourlyEncoding)?;
        i = end;
    }
    Ok(hours)
}

pub fn parse_line(line: &str) -> Result<Line<'_>, LineError> {
    let line = line.strip_suffix('\r').unwrap_or(line);
    let mut fields = [""; 6];
    let mut count = 0;
    for field in line.split(' ') {
        if count == 6 {
            return Err(LineError::FieldCount);
        }
        fields[count] = field;
        count += 1;
    }
    let (project, title, page_id, access, total, hourly) = match count {
        6 => (fields[0], fields[1], Some(fields[2]), fields[3], fields[4], fields[5]),
        5 => (fields[0], fields[1], None, fields[2], fields[3], fields[4]),
        _ => return Err(LineError::FieldCount),
    };
    let project = unquote(project);
    if project.is_empty() {
        return Err(LineError::EmptyProject);
    }
    let title = without_tabs(unquote(title));
    if title.is_empty() {
        return Err(LineError::EmptyTitle);
    }
    let page_id = match page_id.map(unquote).as_deref() {
        None | Some("null") | Some("") => None,
        Some(id) => Some(id.parse().map_err(|_| LineError::PageId)?),
    };
    let access = Access::from_dump(&unquote(access)).ok_or(LineError::Access)?;
    let total: u32 = total.parse().map_err(|_| LineError::Total)?;
    if total == 0 {
        return Err(LineError::Total);
    }
    let hours = parse_hours(&unquote(hourly))?;
    if hours.iter().map(|&h| u64::from(h)).sum::<u64>() != u64::from(total) {
        return Err(LineError::TotalMismatch);
    }
    Ok(Line { project, title, page_id, access, total, hours })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names() {
        let f = parse_file_name("pageviews-20240301-automated").unwrap();
        assert_eq!((f.day.compact(), f.agent), ("20240301".into(), Agent::Automated));
        assert_eq!(parse_file_name("pageviews-20240231-user"), None);
        assert_eq!(parse_file_name("pageviews-20240301-bot"), None);
        assert_eq!(parse_file_name("projectviews-20240301-010000"), None);
    }

    #[test]
    fn hours_parse_and_reject_garbage() {
        let h = parse_hours("A2C5K7X1").unwrap();
        assert_eq!((h[0], h[2], h[10], h[23]), (2, 5, 7, 1));
        assert_eq!(parse_hours("Y1"), Err(LineError::HourlyEncoding));
        assert_eq!(parse_hours("A"), Err(LineError::HourlyEncoding));
        assert_eq!(parse_hours("a1"), Err(LineError::HourlyEncoding));
        assert_eq!(parse_hours("A99999999999"), Err(LineError::HourlyEncoding));
    }
}

//! The hourly `projectviews` dump (data-formats §2.2, §3.2): `projectviews-YYYYMMDD-HH0000`,
//! one line `domain_code - views 0` per code, user agent only, mobile web and app merged.
//! The hour in the name is the *end* of the hour counted.

use aqs_core::dates::{Day, Hour};
use std::fmt;

/// The hour a projectviews file counts (the hour before the one in its name).
pub fn parse_file_name(base: &str) -> Option<Hour> {
    let rest = base.strip_prefix("projectviews-")?;
    let (date, time) = rest.split_once('-')?;
    if time.len() != 6 || !time.ends_with("0000") {
        return None;
    }
    let end = Hour::new(Day::parse_compact(date)?, time[..2].parse().ok()?)?;
    Some(Hour::from_epoch_hours(end.epoch_hours() - 1))
}

/// A decoded domain code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DomainCode {
    pub project: String,
    pub mobile: bool,
}

/// Wikimedia-family subdomains: `xx.m` means xx.wikimedia on desktop for these, else
/// xx.wikipedia on mobile (the ambiguity of data-formats §3.2).
const WIKIMEDIA_SUBDOMAINS: &[&str] = &[
    "advisory",
    "commons",
    "foundation",
    "incubator",
    "meta",
    "outreach",
    "species",
    "strategy",
    "usability",
    "wikimania",
    "wikitech",
    "quality",
    "www",
];

fn family(suffix: &str) -> Option<&'static str> {
    Some(match suffix {
        "b" => "wikibooks",
        "d" => "wiktionary",
        "f" => "wikimediafoundation",
        "n" => "wikinews",
        "q" => "wikiquote",
        "s" => "wikisource",
        "v" => "wikiversity",
        "voy" => "wikivoyage",
        "w" => "mediawiki",
        "wd" => "wikidata",
        _ => return None,
    })
}

/// Decodes a domain code (`en`, `en.m`, `de.m.b`, `commons.m`, `www.wd`, `m.wd`) into the
/// pageview project name and whether it counts mobile traffic.
pub fn decode_domain_code(code: &str) -> Option<DomainCode> {
    let mut parts: Vec<&str> = code.split('.').collect();
    if parts.iter().any(|p| p.is_empty()) {
        return None;
    }
    let last = *parts.last()?;
    let family_name = if let Some(f) = family(last) {
        parts.pop();
        f
    } else if last == "m" && parts.len() >= 2 {
        let before = parts[parts.len() - 2];
        // `xx.m.m`: wikimedia on mobile. `xx.m`: wikimedia on desktop for known subdomains.
        if before == "m" || WIKIMEDIA_SUBDOMAINS.contains(&before) {
            parts.pop();
            "wikimedia"
        } else {
            "wikipedia"
        }
    } else {
        "wikipedia"
    };
    let mut mobile = false;
    if let Some(&site) = parts.last() {
        if site == "m" || site == "zero" {
            mobile = true;
            parts.pop();
        }
    }
    let project = match parts.as_slice() {
        [] | ["www"] => family_name.to_string(),
        [sub] => format!("{sub}.{family_name}"),
        _ => return None,
    };
    Some(DomainCode { project, mobile })
}

/// One line: `code - views 0`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub code: DomainCode,
    pub views: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum LineError {
    FieldCount,
    DomainCode,
    Views,
}

impl fmt::Display for LineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            LineError::FieldCount => "expected 4 fields `domain_code - views 0`",
            LineError::DomainCode => "unknown domain code",
            LineError::Views => "views is not a number",
        })
    }
}

pub fn parse_line(line: &str) -> Result<Line, LineError> {
    let line = line.strip_suffix('\r').unwrap_or(line);
    let fields: Vec<&str> = line.split(' ').collect();
    let [code, _title, views, _size] = fields[..] else { return Err(LineError::FieldCount) };
    let code = decode_domain_code(code).ok_or(LineError::DomainCode)?;
    Ok(Line { code, views: views.parse().map_err(|_| LineError::Views)? })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(code: &str) -> (String, bool) {
        let d = decode_domain_code(code).unwrap();
        (d.project, d.mobile)
    }

    #[test]
    fn domain_codes_decode_as_data_formats_3_2() {
        assert_eq!(decode("en"), ("en.wikipedia".into(), false));
        assert_eq!(decode("en.m"), ("en.wikipedia".into(), true));
        assert_eq!(decode("de.b"), ("de.wikibooks".into(), false));
        assert_eq!(decode("de.m.b"), ("de.wikibooks".into(), true));
        assert_eq!(decode("en.voy"), ("en.wikivoyage".into(), false));
        assert_eq!(decode("commons.m"), ("commons.wikimedia".into(), false));
        assert_eq!(decode("commons.m.m"), ("commons.wikimedia".into(), true));
        assert_eq!(decode("www.wd"), ("wikidata".into(), false));
        assert_eq!(decode("m.wd"), ("wikidata".into(), true));
        assert_eq!(decode("www.w"), ("mediawiki".into(), false));
        assert_eq!(decode("www"), ("wikipedia".into(), false));
        assert_eq!(decode("m"), ("wikipedia".into(), true));
        assert_eq!(decode("ar.m"), ("ar.wikipedia".into(), true), "ambiguous: read as mobile");
        assert_eq!(decode("en.zero"), ("en.wikipedia".into(), true));
        assert_eq!(decode_domain_code("a.b.c.d"), None);
        assert_eq!(decode_domain_code(""), None);
    }

    #[test]
    fn file_names_carry_the_end_of_the_hour() {
        let h = parse_file_name("projectviews-20240401-000000").unwrap();
        assert_eq!(h.timestamp(), "2024033123");
        assert_eq!(
            parse_file_name("projectviews-20240401-010000").unwrap().timestamp(),
            "2024040100"
        );
        assert_eq!(parse_file_name("projectviews-20240401-013000"), None);
    }

    #[test]
    fn lines() {
        assert_eq!(parse_line("de.m - 1005320 0").unwrap().views, 1_005_320);
        assert_eq!(parse_line("de.m - x 0"), Err(LineError::Views));
        assert_eq!(parse_line("de.m - 1"), Err(LineError::FieldCount));
    }
}

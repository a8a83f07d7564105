//! The MediaWiki timestamp formats feature usage takes (events' `timestamp`, the API's
//! `afustart` and `afuend`), as seconds since the Unix epoch in UTC, and the ISO 8601 form the
//! API answers with.
//!
//! Taken, as MediaWiki's `ConvertibleTimestamp` takes them: `TS_MW` (`20240725123000`, 14
//! digits), ISO 8601 extended or basic with seconds (`2024-07-25T12:30:00Z`,
//! `20240725T123000Z`, a space for the `T`, fractions of a second, `Z`, an offset such as
//! `+02:00`, `+0200` or `+02`, or no zone for UTC; so also `TS_DB` and `TS_POSTGRES`), a Unix
//! time of up to 13 digits with an optional sign and fraction, and `now`. The API also reads
//! an empty value and `0` as now. Not taken: RFC 2822, RFC 850 and asctime dates
//! (docs/compatibility.md).

use crate::dates::Day;

/// Seconds since 1970-01-01T00:00:00Z.
pub type UnixSeconds = i64;

/// The day (UTC) of a time.
pub fn day_of(seconds: UnixSeconds) -> Day {
    Day::from_epoch_days(seconds.div_euclid(86_400) as i32)
}

/// The start of a day.
pub fn start_of(day: Day) -> UnixSeconds {
    i64::from(day.epoch_days()) * 86_400
}

/// `YYYY-MM-DDTHH:MM:SSZ` (MediaWiki's `TS_ISO_8601`).
pub fn iso_8601(seconds: UnixSeconds) -> String {
    let day = day_of(seconds);
    let rest = seconds - start_of(day);
    format!("{day}T{:02}:{:02}:{:02}Z", rest / 3600, rest / 60 % 60, rest % 60)
}

/// Parses a timestamp in one of the formats above; `now` is what `now` means.
pub fn parse(text: &str, now: UnixSeconds) -> Option<UnixSeconds> {
    if text == "now" {
        return Some(now);
    }
    let b = text.as_bytes();
    if b.len() == 14 && b.iter().all(u8::is_ascii_digit) {
        return civil(text, [0, 4, 6, 8, 10, 12]);
    }
    if let Some(seconds) = unix(text) {
        return Some(seconds);
    }
    iso(text)
}

/// A Unix time: `-?\d{1,13}(\.\d+)?`.
fn unix(text: &str) -> Option<UnixSeconds> {
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    let digits = whole.strip_prefix('-').unwrap_or(whole);
    let ok = (1..=13).contains(&digits.len())
        && digits.bytes().all(|c| c.is_ascii_digit())
        && fraction.bytes().all(|c| c.is_ascii_digit())
        && (fraction.is_empty() != text.contains('.'));
    if !ok {
        return None;
    }
    let seconds: i64 = whole.parse().ok()?;
    // A negative time with a fraction lies before the whole second it names.
    Some(if seconds < 0 && fraction.bytes().any(|c| c != b'0') { seconds - 1 } else { seconds })
}

/// ISO 8601 with seconds: extended (`YYYY-MM-DD[T ]HH:MM:SS`) or basic (`YYYYMMDDTHHMMSS`),
/// then an optional fraction and zone.
fn iso(text: &str) -> Option<UnixSeconds> {
    let b = text.as_bytes();
    let (local, rest) = if b.len() >= 19 && b[4] == b'-' && b[7] == b'-' && b[13] == b':' {
        if !matches!(b[10], b'T' | b' ') || b[16] != b':' {
            return None;
        }
        (civil(&text[..19], [0, 5, 8, 11, 14, 17])?, &text[19..])
    } else if b.len() >= 15 && b[8] == b'T' {
        (civil(&text[..15], [0, 4, 6, 9, 11, 13])?, &text[15..])
    } else {
        return None;
    };
    let rest = match rest.strip_prefix('.').or_else(|| rest.strip_prefix(',')) {
        Some(fraction) => {
            let digits = fraction.bytes().take_while(u8::is_ascii_digit).count();
            if digits == 0 {
                return None;
            }
            &fraction[digits..]
        }
        None => rest,
    };
    Some(local - zone_offset(rest)?)
}

/// The offset of a zone designator in seconds east of UTC: none, `Z`, `±HH`, `±HHMM`,
/// `±HH:MM`.
fn zone_offset(zone: &str) -> Option<i64> {
    if zone.is_empty() || zone == "Z" {
        return Some(0);
    }
    let sign = match zone.as_bytes()[0] {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let digits: String = zone[1..].chars().filter(|&c| c != ':').collect();
    let colons = zone[1..].matches(':').count();
    let ok = matches!((digits.len(), colons), (2, 0) | (4, 0) | (4, 1))
        && digits.bytes().all(|c| c.is_ascii_digit())
        && (colons == 0 || zone.as_bytes().get(3) == Some(&b':'));
    if !ok {
        return None;
    }
    let hours: i64 = digits[..2].parse().ok()?;
    let minutes: i64 = if digits.len() == 4 { digits[2..].parse().ok()? } else { 0 };
    (hours <= 23 && minutes <= 59).then_some(sign * (hours * 3600 + minutes * 60))
}

/// Seconds of a civil time whose year, month, day, hour, minute and second fields start at
/// `at` (the year four digits, the others two).
fn civil(text: &str, at: [usize; 6]) -> Option<UnixSeconds> {
    let field = |i: usize, len: usize| -> Option<u32> {
        let part = text.get(at[i]..at[i] + len)?;
        part.bytes().all(|c| c.is_ascii_digit()).then(|| part.parse().ok())?
    };
    let year = field(0, 4)?;
    let (month, day) = (field(1, 2)?, field(2, 2)?);
    let (hour, minute, second) = (field(3, 2)?, field(4, 2)?, field(5, 2)?);
    if hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    let day = Day::from_ymd(year as i32, month as u8, day as u8)?;
    Some(start_of(day) + i64::from(hour * 3600 + minute * 60 + second))
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_721_910_600; // 2024-07-25T12:30:00Z

    fn at(text: &str) -> Option<String> {
        parse(text, NOW).map(iso_8601)
    }

    #[test]
    fn mediawiki_formats_parse_to_utc() {
        let noon = Some("2024-07-25T12:30:00Z".to_string());
        for text in [
            "20240725123000",
            "2024-07-25T12:30:00Z",
            "2024-07-25T12:30:00",
            "2024-07-25 12:30:00",
            "2024-07-25T12:30:00.250Z",
            "2024-07-25T14:30:00+02:00",
            "2024-07-25T14:30:00+0200",
            "2024-07-25T14:30:00+02",
            "2024-07-25T10:00:00-02:30",
            "20240725T123000Z",
            "1721910600",
            "1721910600.5",
            "now",
        ] {
            assert_eq!(at(text), noon, "{text}");
        }
        assert_eq!(at("0"), Some("1970-01-01T00:00:00Z".into()));
        assert_eq!(at("-1.5"), Some("1969-12-31T23:59:58Z".into()));
        // Eight digits are a Unix time, as in MediaWiki.
        assert_eq!(at("20240725"), Some("1970-08-23T06:25:25Z".into()));
    }

    #[test]
    fn malformed_timestamps_are_refused() {
        for text in [
            "",
            "yesterday",
            "2024-07-25",
            "2024-13-25T00:00:00Z",
            "2024-02-30T00:00:00Z",
            "2024-07-25T24:00:00Z",
            "2024-07-25T12:30:00+2",
            "2024-07-25T12:30:00+02:0",
            "2024-07-25T12:30:00.Z",
            "2024-07-25X12:30:00Z",
            "20241325123000",
            "12345678901234567",
            "1.2.3",
            "1.",
        ] {
            assert_eq!(at(text), None, "{text:?}");
        }
    }

    #[test]
    fn days_and_iso_round_trip() {
        let day = Day::from_ymd(1969, 12, 31).unwrap();
        assert_eq!(day_of(start_of(day) + 86_399), day);
        assert_eq!(day_of(-1), day);
        assert_eq!(iso_8601(start_of(day)), "1969-12-31T00:00:00Z");
    }
}

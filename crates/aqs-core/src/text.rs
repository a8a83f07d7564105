//! Small text helpers that reproduce JavaScript string semantics where AQS 1.0 relied on them.

use std::borrow::Cow;
use std::cmp::Ordering;

/// Compares two strings as JavaScript's `<`/`>` do: by UTF-16 code units.
pub fn js_compare(a: &str, b: &str) -> Ordering {
    if a.is_ascii() && b.is_ascii() {
        return a.cmp(b);
    }
    a.encode_utf16().cmp(b.encode_utf16())
}

/// JavaScript's `s.length`: the number of UTF-16 code units.
pub fn js_length(s: &str) -> usize {
    if s.is_ascii() { s.len() } else { s.encode_utf16().count() }
}

/// JavaScript's `s.substring(start, end)` on UTF-16 code units, lossily re-encoded. ASCII text
/// (every valid date) is sliced without a copy.
pub fn js_substring(s: &str, start: usize, end: usize) -> Cow<'_, str> {
    if s.is_ascii() {
        let end = end.min(s.len());
        return Cow::Borrowed(&s[start.min(end)..end]);
    }
    let units: Vec<u16> = s.encode_utf16().collect();
    let end = end.min(units.len());
    let start = start.min(end);
    Cow::Owned(String::from_utf16_lossy(&units[start..end]))
}

/// JavaScript's `parseInt(s, 10)`: leading white space, an optional sign, then the longest run of
/// decimal digits; `None` (NaN) when there is no digit.
pub fn js_parse_int(s: &str) -> Option<i64> {
    let t = s.trim_start();
    let (negative, digits) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    let run: &str = &digits[..digits.bytes().take_while(u8::is_ascii_digit).count()];
    if run.is_empty() {
        return None;
    }
    // Inputs here are at most 4 characters long, so this cannot overflow.
    let value: i64 = run.parse().ok()?;
    Some(if negative { -value } else { value })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_int_follows_javascript() {
        assert_eq!(js_parse_int("08"), Some(8));
        assert_eq!(js_parse_int("0a"), Some(0));
        assert_eq!(js_parse_int("a3"), None);
        assert_eq!(js_parse_int(""), None);
        assert_eq!(js_parse_int(" -12x"), Some(-12));
    }

    #[test]
    fn compare_and_length_use_utf16_units() {
        assert_eq!(js_compare("20150701", "2015070100"), Ordering::Less);
        assert_eq!(js_length("é😀"), 3);
        assert_eq!(js_substring("abcdef", 4, 10), "ef");
        assert_eq!(js_substring("abcdef", 5, 2), "");
        // Outside ASCII, positions count UTF-16 units; a split surrogate pair becomes U+FFFD.
        assert_eq!(js_substring("é😀x", 1, 4), "😀x");
        assert_eq!(js_substring("é😀x", 0, 2), "é\u{fffd}");
        assert_eq!(js_compare("\u{ffff}", "😀"), Ordering::Greater);
        assert_eq!(js_compare("abc", "abd"), Ordering::Less);
    }
}

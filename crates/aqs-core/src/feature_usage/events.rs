//! Events: one JSON object per line, `{"feature": "...", "agent": "...", "ip": "...",
//! "timestamp": "..."}`. MediaWiki's `api-feature-usage` log records pass as they are:
//! `clientip` is read as `ip`, `@timestamp` as `timestamp`, and every other key is ignored.

use super::timestamp::{self, UnixSeconds};
use super::{CountKey, MAX_AGENT_BYTES, MAX_FEATURE_BYTES, cut_utf8};
use crate::dates::Day;
use std::collections::BTreeMap;
use std::net::IpAddr;

/// Why an event was not counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Refusal {
    /// Not a JSON object, or a field of the wrong type.
    BadJson,
    /// No feature, or an empty one.
    EmptyFeature,
    /// No agent, or an empty one (the API cannot ask for it).
    EmptyAgent,
    /// A NUL character in the feature or agent.
    NulByte,
    /// A timestamp in none of the formats taken, or more than a day ahead of now.
    BadTimestamp,
    /// An `ip` that is not an IP address.
    BadIp,
    /// A day older than the retention: it would be pruned at once.
    Expired,
    /// A new row from an IP that used up its new rows for the window.
    NewRowLimit,
}

impl Refusal {
    /// Every reason, in the order of reports and metrics.
    pub const ALL: [Refusal; 8] = [
        Refusal::BadJson,
        Refusal::EmptyFeature,
        Refusal::EmptyAgent,
        Refusal::NulByte,
        Refusal::BadTimestamp,
        Refusal::BadIp,
        Refusal::Expired,
        Refusal::NewRowLimit,
    ];

    /// The reason's name in answers, reports and metrics.
    pub fn name(self) -> &'static str {
        match self {
            Refusal::BadJson => "bad_json",
            Refusal::EmptyFeature => "empty_feature",
            Refusal::EmptyAgent => "empty_agent",
            Refusal::NulByte => "nul_byte",
            Refusal::BadTimestamp => "bad_timestamp",
            Refusal::BadIp => "bad_ip",
            Refusal::Expired => "expired",
            Refusal::NewRowLimit => "new_row_limit",
        }
    }
}

#[derive(serde::Deserialize)]
struct Raw<'a> {
    #[serde(borrow)]
    feature: Option<std::borrow::Cow<'a, str>>,
    #[serde(borrow)]
    agent: Option<std::borrow::Cow<'a, str>>,
    #[serde(borrow)]
    ip: Option<std::borrow::Cow<'a, str>>,
    #[serde(borrow)]
    clientip: Option<std::borrow::Cow<'a, str>>,
    timestamp: Option<Stamp<'a>>,
    #[serde(rename = "@timestamp")]
    at_timestamp: Option<Stamp<'a>>,
}

/// A timestamp given as text or as a Unix time number.
#[derive(serde::Deserialize)]
#[serde(untagged)]
enum Stamp<'a> {
    #[serde(borrow)]
    Text(std::borrow::Cow<'a, str>),
    Number(f64),
}

/// One event, ready to count.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub key: CountKey,
    pub ip: Option<IpAddr>,
    /// When it happened.
    pub at: UnixSeconds,
}

/// The times an event is checked against: now, and the first day still kept.
#[derive(Debug, Clone, Copy)]
pub struct Clock {
    pub now: UnixSeconds,
    pub first_kept: Day,
}

/// Reads one event line; `Err` names why it is refused.
pub fn parse_event(line: &str, clock: Clock) -> Result<Event, Refusal> {
    let raw: Raw<'_> = serde_json::from_str(line).map_err(|_| Refusal::BadJson)?;
    let feature = raw.feature.as_deref().unwrap_or("");
    let agent = raw.agent.as_deref().unwrap_or("");
    if feature.is_empty() {
        return Err(Refusal::EmptyFeature);
    }
    if agent.is_empty() {
        return Err(Refusal::EmptyAgent);
    }
    if feature.contains('\0') || agent.contains('\0') {
        return Err(Refusal::NulByte);
    }
    let ip = match raw.ip.as_deref().or(raw.clientip.as_deref()) {
        None | Some("") => None,
        Some(text) => Some(text.parse::<IpAddr>().map_err(|_| Refusal::BadIp)?),
    };
    let seconds = match raw.timestamp.or(raw.at_timestamp) {
        None => clock.now,
        Some(Stamp::Text(text)) => {
            timestamp::parse(&text, clock.now).ok_or(Refusal::BadTimestamp)?
        }
        Some(Stamp::Number(n)) if n.is_finite() && n.abs() < 1e13 => n.floor() as i64,
        Some(Stamp::Number(_)) => return Err(Refusal::BadTimestamp),
    };
    if seconds > clock.now + 86_400 {
        return Err(Refusal::BadTimestamp);
    }
    let day = timestamp::day_of(seconds);
    if day < clock.first_kept {
        return Err(Refusal::Expired);
    }
    let key = CountKey {
        day,
        agent: cut_utf8(agent, MAX_AGENT_BYTES).to_string(),
        feature: cut_utf8(feature, MAX_FEATURE_BYTES).to_string(),
    };
    Ok(Event { key, ip, at: seconds })
}

/// Hits of one key from one client IP, in the order the IPs first appeared.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IpHits {
    pub ip: Option<IpAddr>,
    pub hits: u64,
    /// The time of the first of them: what the new-row limit counts by, so that a replayed
    /// log is limited as it was when it happened.
    pub first_at: UnixSeconds,
}

/// Events summed per key (in key order), and per client IP within a key, so that a backend
/// can tell which IP creates a new row ([`super::FeatureUsageStore::record`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CountBatch {
    pub rows: BTreeMap<CountKey, Vec<IpHits>>,
    events: u64,
}

impl CountBatch {
    pub fn add(&mut self, event: Event) {
        self.events += 1;
        let groups = self.rows.entry(event.key).or_default();
        match groups.iter_mut().find(|g| g.ip == event.ip) {
            Some(group) => group.hits += 1,
            None => groups.push(IpHits { ip: event.ip, hits: 1, first_at: event.at }),
        }
    }

    /// Events added.
    pub fn events(&self) -> u64 {
        self.events
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn clock() -> Clock {
        // 2024-07-25T12:30:00Z, keeping 90 days.
        let now = 1_721_910_600;
        Clock { now, first_kept: timestamp::day_of(now).add_days(-90) }
    }

    fn day(d: u8) -> Day {
        Day::from_ymd(2024, 7, d).unwrap()
    }

    #[test]
    fn events_and_mediawiki_log_records_parse() {
        let e = parse_event(
            r#"{"feature":"action=query&list=x","agent":"Bot/1.0","ip":"192.0.2.1","timestamp":"20240724101010"}"#,
            clock(),
        )
        .unwrap();
        assert_eq!(
            e.key,
            CountKey {
                day: day(24),
                agent: "Bot/1.0".into(),
                feature: "action=query&list=x".into()
            }
        );
        assert_eq!(e.ip, Some("192.0.2.1".parse().unwrap()));
        // A MediaWiki log record: clientip, @timestamp, other keys ignored.
        let e = parse_event(
            r#"{"feature":"f","agent":"A","clientip":"2001:db8::1","referer":"-","username":"X","@timestamp":"2024-07-23T23:59:59Z"}"#,
            clock(),
        )
        .unwrap();
        assert_eq!((e.key.day, e.ip), (day(23), Some("2001:db8::1".parse().unwrap())));
        // No timestamp: now; no ip: none; a number is a Unix time.
        let e = parse_event(r#"{"feature":"f","agent":"A"}"#, clock()).unwrap();
        assert_eq!((e.key.day, e.ip), (day(25), None));
        let e = parse_event(r#"{"feature":"f","agent":"A","timestamp":1721779200}"#, clock());
        assert_eq!(e.unwrap().key.day, day(24));
    }

    #[test]
    fn agents_and_features_are_cut_on_character_boundaries() {
        let agent = format!("{}é", "a".repeat(254));
        let feature = "f".repeat(70);
        let line = serde_json::json!({"feature": feature, "agent": agent}).to_string();
        let e = parse_event(&line, clock()).unwrap();
        assert_eq!(e.key.agent, "a".repeat(254));
        assert_eq!(e.key.feature, "f".repeat(64));
    }

    #[test]
    fn refusals_name_their_reason() {
        let cases = [
            ("not json", Refusal::BadJson),
            (r#"["feature"]"#, Refusal::BadJson),
            (r#"{"feature":5,"agent":"A"}"#, Refusal::BadJson),
            (r#"{"agent":"A"}"#, Refusal::EmptyFeature),
            (r#"{"feature":"","agent":"A"}"#, Refusal::EmptyFeature),
            (r#"{"feature":"f"}"#, Refusal::EmptyAgent),
            (r#"{"feature":"f","agent":"A\u0000B"}"#, Refusal::NulByte),
            (r#"{"feature":"f","agent":"A","ip":"nope"}"#, Refusal::BadIp),
            (r#"{"feature":"f","agent":"A","timestamp":"yesterday"}"#, Refusal::BadTimestamp),
            (r#"{"feature":"f","agent":"A","timestamp":"20240727000000"}"#, Refusal::BadTimestamp),
            (r#"{"feature":"f","agent":"A","timestamp":"20240101000000"}"#, Refusal::Expired),
        ];
        for (line, reason) in cases {
            assert_eq!(parse_event(line, clock()), Err(reason), "{line}");
        }
    }

    #[test]
    fn a_batch_sums_per_key_and_per_ip_in_first_seen_order() {
        let mut batch = CountBatch::default();
        let ip = |s: &str| Some(s.parse::<IpAddr>().unwrap());
        let key = CountKey { day: day(25), agent: "A".into(), feature: "f".into() };
        for (at, i) in
            [ip("192.0.2.2"), None, ip("192.0.2.2"), ip("192.0.2.1")].into_iter().enumerate()
        {
            batch.add(Event { key: key.clone(), ip: i, at: at as i64 });
        }
        assert_eq!(batch.events(), 4);
        let hits: Vec<(Option<IpAddr>, u64, i64)> =
            batch.rows[&key].iter().map(|g| (g.ip, g.hits, g.first_at)).collect();
        assert_eq!(hits, [(ip("192.0.2.2"), 2, 0), (None, 1, 1), (ip("192.0.2.1"), 1, 3)]);
    }
}

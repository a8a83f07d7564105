//! Fast serialization of time series: every item of a series response has the same fields but
//! `timestamp` and its numbers (`views`; `devices`, `offset`, `underestimate`; ...), so the
//! shared parts are escaped once per response. The bytes are exactly what `serde_json` writes
//! for the same items (tested below).

/// Writes `{"items":[...]}` where each item is `head` + `"timestamp":"<ts>"` + `tail` + the
/// first number, then `,"<name>":<n>` for each further value column, then `}`.
pub struct SeriesWriter {
    out: Vec<u8>,
    head: Vec<u8>,
    tail: Vec<u8>,
    /// `,"name":` of each value column after the first.
    more: Vec<Vec<u8>>,
    first: bool,
}

/// One string field, escaped, with its key: `"key":"value",`.
fn field(out: &mut Vec<u8>, key: &str, value: &str) {
    out.push(b'"');
    out.extend_from_slice(key.as_bytes());
    out.extend_from_slice(b"\":");
    // Writing a &str to a Vec cannot fail.
    let _ = serde_json::to_writer(&mut *out, value);
    out.push(b',');
}

impl SeriesWriter {
    /// `before` are the string fields before `timestamp`, `after` those between `timestamp`
    /// and `views`, each `(key, value)` in serving order.
    pub fn new(before: &[(&str, &str)], after: &[(&str, &str)], capacity: usize) -> SeriesWriter {
        SeriesWriter::with_values(before, after, &["views"], capacity)
    }

    /// A writer whose items end with the numbers `values` (names in serving order, at least
    /// one), pushed with [`SeriesWriter::push_values`].
    pub fn with_values(
        before: &[(&str, &str)],
        after: &[(&str, &str)],
        values: &[&str],
        capacity: usize,
    ) -> SeriesWriter {
        let mut head = vec![b'{'];
        for (k, v) in before {
            field(&mut head, k, v);
        }
        head.extend_from_slice(b"\"timestamp\":\"");
        let mut tail = b"\",".to_vec();
        for (k, v) in after {
            field(&mut tail, k, v);
        }
        let name = |n: &str| serde_json::to_vec(n).unwrap_or_default();
        tail.extend_from_slice(&name(values.first().copied().unwrap_or("views")));
        tail.push(b':');
        let more: Vec<Vec<u8>> =
            values.iter().skip(1).map(|v| [&b","[..], &name(v), &b":"[..]].concat()).collect();
        let per_item =
            head.len() + tail.len() + 22 + more.iter().map(|m| m.len() + 20).sum::<usize>();
        let mut out = Vec::with_capacity(12 + capacity * per_item);
        out.extend_from_slice(b"{\"items\":[");
        SeriesWriter { out, head, tail, more, first: true }
    }

    /// Appends one item; `timestamp` is ASCII digits.
    pub fn push(&mut self, timestamp: &[u8], views: u64) {
        self.push_values(timestamp, &[views]);
    }

    /// Appends one item with a number per value column; `timestamp` is ASCII digits.
    pub fn push_values(&mut self, timestamp: &[u8], values: &[u64]) {
        self.push_filled(timestamp, Some(values));
    }

    /// Appends one item whose numbers are `values`, or `null` each when `None` (the
    /// zero-filled variants' periods that are not loaded, `crate::ext::filled`).
    pub fn push_filled(&mut self, timestamp: &[u8], values: Option<&[u64]>) {
        if !self.first {
            self.out.push(b',');
        }
        self.first = false;
        self.out.extend_from_slice(&self.head);
        self.out.extend_from_slice(timestamp);
        self.out.extend_from_slice(&self.tail);
        let mut buffer = itoa::Buffer::new();
        let Some(values) = values else {
            self.out.extend_from_slice(b"null");
            for name in &self.more {
                self.out.extend_from_slice(name);
                self.out.extend_from_slice(b"null");
            }
            self.out.push(b'}');
            return;
        };
        self.out.extend_from_slice(buffer.format(values.first().copied().unwrap_or(0)).as_bytes());
        for (name, value) in self.more.iter().zip(values.iter().skip(1)) {
            self.out.extend_from_slice(name);
            self.out.extend_from_slice(buffer.format(*value).as_bytes());
        }
        self.out.push(b'}');
    }

    pub fn finish(mut self) -> Vec<u8> {
        self.out.extend_from_slice(b"]}");
        self.out
    }
}

/// Pushes a daily series, in day order, as items: one per day (`YYYYMMDD00`), or with
/// `monthly` one per month holding the sum of its days (`YYYYMM0100`), as the per-article and
/// per-file routes answer.
pub(crate) fn push_days(
    items: &mut SeriesWriter,
    days: impl IntoIterator<Item = (aqs_core::dates::Day, u64)>,
    monthly: bool,
) {
    let mut month: Option<(aqs_core::dates::YearMonth, u64)> = None;
    for (day, n) in days {
        if !monthly {
            items.push(&day.timestamp_digits(), n);
            continue;
        }
        match &mut month {
            Some((m, total)) if *m == day.year_month() => *total += n,
            _ => {
                if let Some((m, total)) = month {
                    items.push(&m.timestamp_digits(), total);
                }
                month = Some((day.year_month(), n));
            }
        }
    }
    if let Some((m, total)) = month {
        items.push(&m.timestamp_digits(), total);
    }
}

/// The body `{"items":[item]}` of the routes that answer one stored row (editors by country,
/// the country top lists).
pub(crate) fn single_item<T: serde::Serialize>(item: &T) -> axum::response::Response {
    #[derive(serde::Serialize)]
    struct Items<'a, T> {
        items: [&'a T; 1],
    }
    crate::headers::json_body(serde_json::to_vec(&Items { items: [item] }).unwrap_or_default())
}

/// For the test: the same item through serde.
#[cfg(test)]
#[derive(serde::Serialize)]
struct Item<'a> {
    project: &'a str,
    article: &'a str,
    granularity: &'a str,
    timestamp: &'a str,
    access: &'a str,
    agent: &'a str,
    views: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_what_serde_json_writes() {
        let article = "\"Quoted\" \\ / \u{7}ünï日本";
        let items: Vec<Item<'_>> = (0..3)
            .map(|i| Item {
                project: "en.wikipedia",
                article,
                granularity: "daily",
                timestamp: ["2015070100", "2015070200", "2015070300"][i],
                access: "all-access",
                agent: "user",
                views: [0, 7, u64::MAX][i],
            })
            .collect();
        #[derive(serde::Serialize)]
        struct Items<'a> {
            items: &'a [Item<'a>],
        }
        let expected = serde_json::to_vec(&Items { items: &items }).unwrap();
        let mut w = SeriesWriter::new(
            &[("project", "en.wikipedia"), ("article", article), ("granularity", "daily")],
            &[("access", "all-access"), ("agent", "user")],
            3,
        );
        for item in &items {
            w.push(item.timestamp.as_bytes(), item.views);
        }
        assert_eq!(String::from_utf8(w.finish()).unwrap(), String::from_utf8(expected).unwrap());
        let empty = SeriesWriter::new(&[], &[], 0).finish();
        assert_eq!(empty, b"{\"items\":[]}");
    }

    #[test]
    fn writes_several_numbers_as_serde_json_does() {
        #[derive(serde::Serialize)]
        struct Device<'a> {
            project: &'a str,
            #[serde(rename = "access-site")]
            access_site: &'a str,
            granularity: &'a str,
            timestamp: &'a str,
            devices: u64,
            offset: u64,
            underestimate: u64,
        }
        #[derive(serde::Serialize)]
        struct Items<'a> {
            items: Vec<Device<'a>>,
        }
        let items = vec![
            Device {
                project: "en.wikipedia",
                access_site: "all-sites",
                granularity: "daily",
                timestamp: "20160101",
                devices: 62614522,
                offset: 13127765,
                underestimate: 49486757,
            },
            Device {
                project: "en.wikipedia",
                access_site: "all-sites",
                granularity: "daily",
                timestamp: "20160102",
                devices: 0,
                offset: u64::MAX,
                underestimate: 1,
            },
        ];
        let mut w = SeriesWriter::with_values(
            &[("project", "en.wikipedia"), ("access-site", "all-sites"), ("granularity", "daily")],
            &[],
            &["devices", "offset", "underestimate"],
            2,
        );
        for i in &items {
            w.push_values(i.timestamp.as_bytes(), &[i.devices, i.offset, i.underestimate]);
        }
        let expected = serde_json::to_string(&Items { items }).unwrap();
        assert_eq!(String::from_utf8(w.finish()).unwrap(), expected);
    }
}

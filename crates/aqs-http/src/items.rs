//! Fast serialization of time series: every item of a per-article or aggregate response has the
//! same fields but `timestamp` and `views`, so the shared parts are escaped once per response.
//! The bytes are exactly what `serde_json` writes for the same items (tested below).

/// Writes `{"items":[...]}` where each item is `head` + `"timestamp":"<ts>"` + `tail` + `"views":<n>}`.
pub struct SeriesWriter {
    out: Vec<u8>,
    head: Vec<u8>,
    tail: Vec<u8>,
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
        let mut head = vec![b'{'];
        for (k, v) in before {
            field(&mut head, k, v);
        }
        head.extend_from_slice(b"\"timestamp\":\"");
        let mut tail = b"\",".to_vec();
        for (k, v) in after {
            field(&mut tail, k, v);
        }
        tail.extend_from_slice(b"\"views\":");
        let mut out = Vec::with_capacity(12 + capacity * (head.len() + tail.len() + 22));
        out.extend_from_slice(b"{\"items\":[");
        SeriesWriter { out, head, tail, first: true }
    }

    /// Appends one item; `timestamp` is ASCII digits.
    pub fn push(&mut self, timestamp: &[u8], views: u64) {
        if !self.first {
            self.out.push(b',');
        }
        self.first = false;
        self.out.extend_from_slice(&self.head);
        self.out.extend_from_slice(timestamp);
        self.out.extend_from_slice(&self.tail);
        self.out.extend_from_slice(itoa::Buffer::new().format(views).as_bytes());
        self.out.push(b'}');
    }

    pub fn finish(mut self) -> Vec<u8> {
        self.out.extend_from_slice(b"]}");
        self.out
    }
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
}

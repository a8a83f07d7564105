//! A thin client for ClickHouse's HTTP interface: SQL in the request body, data in RowBinary
//! (both ways), nothing else. It speaks only what ClickHouse 18.16 (Debian's package) and every
//! later release understand: no query parameters (`{x:Type}`), no `RowBinaryWithNamesAndTypes`.
//! Values that come from requests are never pasted into SQL: they are written as literals by
//! [`quote`], or sent as RowBinary data.

use aqs_core::error::{StoreError, StoreResult};
use std::io::Read;
use std::time::Duration;

/// One ClickHouse server, reached over HTTP.
#[derive(Clone)]
pub struct Client {
    agent: ureq::Agent,
    url: String,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client").field("url", &self.url).finish()
    }
}

impl Client {
    /// A client for the server at `url` (`http://host:8123`, with or without a trailing `/`).
    pub fn new(url: &str) -> StoreResult<Client> {
        let url = url.trim_end_matches('/').to_string();
        if !url.starts_with("http://") {
            return Err(StoreError::Engine(format!(
                "the ClickHouse URL {url:?} must start with http:// (ClickHouse's HTTP interface, port 8123 by default; put TLS in front of aqs, not between aqs and ClickHouse)"
            )));
        }
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .timeout_connect(Some(Duration::from_secs(5)))
            .timeout_global(Some(Duration::from_secs(600)))
            .http_status_as_error(false)
            .build()
            .into();
        Ok(Client { agent, url })
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    /// Runs a statement and returns the response body (for a `SELECT ... FORMAT RowBinary`,
    /// the rows).
    pub fn query(&self, sql: &str) -> StoreResult<Vec<u8>> {
        self.post(sql, &[])
    }

    /// Runs a query that reads a few granules (one article, one list): on one thread, since
    /// splitting so little work across threads only adds overhead under concurrent requests.
    pub fn point_query(&self, sql: &str) -> StoreResult<Vec<u8>> {
        self.post(sql, &[("max_threads", "1")])
    }

    fn post(&self, sql: &str, settings: &[(&str, &str)]) -> StoreResult<Vec<u8>> {
        let mut request = self.agent.post(&self.url);
        for (name, value) in settings {
            request = request.query(*name, *value);
        }
        let response = request.send(sql.as_bytes()).map_err(|e| self.unreachable(&e))?;
        self.read(response, sql)
    }

    /// Runs a query whose answer may be large and reads it as a stream. ClickHouse holds the
    /// answer until the query has finished (`wait_end_of_query`), so that an error is an
    /// error status, never a truncated stream.
    pub fn query_stream(&self, sql: &str, settings: &[(&str, &str)]) -> StoreResult<RowStream> {
        let mut request = self.agent.post(&self.url).query("wait_end_of_query", "1");
        for (name, value) in settings {
            request = request.query(*name, *value);
        }
        let response = request.send(sql.as_bytes()).map_err(|e| self.unreachable(&e))?;
        if !response.status().is_success() {
            return Err(self.read(response, sql).err().unwrap_or_else(|| {
                StoreError::Engine(format!("ClickHouse at {} refused a query", self.url))
            }));
        }
        let reader: Box<dyn Read + Send> = Box::new(response.into_body().into_reader());
        Ok(RowStream { input: std::io::BufReader::with_capacity(1 << 16, reader) })
    }

    /// Inserts RowBinary `rows` with `INSERT INTO table (columns) FORMAT RowBinary`, waiting,
    /// on a Distributed table, until every shard holds them.
    pub fn insert(&self, table: &str, columns: &str, rows: &[u8]) -> StoreResult<()> {
        let sql = format!("INSERT INTO {table} ({columns}) FORMAT RowBinary");
        let response = self
            .agent
            .post(&self.url)
            .query("query", &sql)
            .query("insert_distributed_sync", "1")
            .send(rows)
            .map_err(|e| self.unreachable(&e))?;
        self.read(response, &sql).map(|_| ())
    }

    fn read(&self, response: ureq::http::Response<ureq::Body>, sql: &str) -> StoreResult<Vec<u8>> {
        let status = response.status();
        let mut body = Vec::new();
        response.into_body().into_reader().read_to_end(&mut body).map_err(|e| {
            StoreError::Engine(format!("reading from ClickHouse at {}: {e}", self.url))
        })?;
        if status.is_success() {
            return Ok(body);
        }
        let message = String::from_utf8_lossy(&body);
        let statement: String = sql.chars().take(200).collect();
        Err(StoreError::Engine(format!(
            "ClickHouse at {} answered {}: {} (statement: {statement})",
            self.url,
            status.as_u16(),
            message.trim()
        )))
    }

    fn unreachable(&self, e: &ureq::Error) -> StoreError {
        StoreError::Engine(format!("cannot reach ClickHouse at {}: {e}", self.url))
    }
}

/// A ClickHouse string literal holding `value` exactly: quoted, with backslash, quote and the
/// control characters escaped (ClickHouse reads backslash escapes in every string literal).
pub fn quote(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('\'');
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("\\'"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\0' => out.push_str("\\0"),
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}

/// A database or table name, checked rather than escaped: letters, digits and `_`, not
/// starting with a digit.
pub fn identifier(name: &str) -> StoreResult<&str> {
    let valid = !name.is_empty()
        && name.len() <= 64
        && !name.starts_with(|c: char| c.is_ascii_digit())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if valid {
        Ok(name)
    } else {
        Err(StoreError::Engine(format!(
            "{name:?} is not a usable ClickHouse name (letters, digits and _, not starting with a digit)"
        )))
    }
}

/// Writes RowBinary values.
#[derive(Default)]
pub struct RowWriter {
    pub bytes: Vec<u8>,
}

impl RowWriter {
    pub fn u8(&mut self, v: u8) {
        self.bytes.push(v);
    }
    pub fn u16(&mut self, v: u16) {
        self.bytes.extend_from_slice(&v.to_le_bytes());
    }
    pub fn u32(&mut self, v: u32) {
        self.bytes.extend_from_slice(&v.to_le_bytes());
    }
    pub fn u64(&mut self, v: u64) {
        self.bytes.extend_from_slice(&v.to_le_bytes());
    }
    pub fn varint(&mut self, mut v: u64) {
        while v >= 0x80 {
            self.bytes.push((v as u8) | 0x80);
            v >>= 7;
        }
        self.bytes.push(v as u8);
    }
    pub fn string(&mut self, s: &[u8]) {
        self.varint(s.len() as u64);
        self.bytes.extend_from_slice(s);
    }
}

/// Reads RowBinary values, failing with a clear error on a short or malformed answer.
pub struct RowReader<'a> {
    bytes: &'a [u8],
}

impl<'a> RowReader<'a> {
    pub fn new(bytes: &'a [u8]) -> RowReader<'a> {
        RowReader { bytes }
    }

    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    fn take(&mut self, n: usize) -> StoreResult<&'a [u8]> {
        if self.bytes.len() < n {
            return Err(StoreError::Corrupt("a ClickHouse answer ended inside a row".into()));
        }
        let (head, tail) = self.bytes.split_at(n);
        self.bytes = tail;
        Ok(head)
    }

    pub fn u8(&mut self) -> StoreResult<u8> {
        Ok(self.take(1)?[0])
    }
    pub fn u16(&mut self) -> StoreResult<u16> {
        let b = self.take(2)?;
        Ok(u16::from_le_bytes([b[0], b[1]]))
    }
    pub fn u32(&mut self) -> StoreResult<u32> {
        let b = self.take(4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }
    pub fn u64(&mut self) -> StoreResult<u64> {
        let b = self.take(8)?;
        let mut a = [0; 8];
        a.copy_from_slice(b);
        Ok(u64::from_le_bytes(a))
    }
    pub fn varint(&mut self) -> StoreResult<u64> {
        varint(|| self.u8())
    }
    pub fn bytes(&mut self) -> StoreResult<&'a [u8]> {
        let len = usize::try_from(self.varint()?)
            .map_err(|_| StoreError::Corrupt("a string longer than memory".into()))?;
        self.take(len)
    }
    pub fn string(&mut self) -> StoreResult<String> {
        let bytes = self.bytes()?;
        String::from_utf8(bytes.to_vec()).map_err(|_| {
            StoreError::Corrupt("ClickHouse returned a string that is not UTF-8".into())
        })
    }
}

/// Reads RowBinary values from a streamed answer.
pub struct RowStream {
    input: std::io::BufReader<Box<dyn Read + Send>>,
}

impl RowStream {
    /// Whether the answer has no more rows.
    pub fn is_empty(&mut self) -> StoreResult<bool> {
        use std::io::BufRead;
        Ok(self.input.fill_buf().map_err(stream_error)?.is_empty())
    }

    fn take<const N: usize>(&mut self) -> StoreResult<[u8; N]> {
        let mut out = [0u8; N];
        self.input.read_exact(&mut out).map_err(stream_error)?;
        Ok(out)
    }

    pub fn u8(&mut self) -> StoreResult<u8> {
        Ok(self.take::<1>()?[0])
    }
    pub fn u16(&mut self) -> StoreResult<u16> {
        Ok(u16::from_le_bytes(self.take()?))
    }
    pub fn u32(&mut self) -> StoreResult<u32> {
        Ok(u32::from_le_bytes(self.take()?))
    }
    pub fn u64(&mut self) -> StoreResult<u64> {
        Ok(u64::from_le_bytes(self.take()?))
    }
    pub fn varint(&mut self) -> StoreResult<u64> {
        varint(|| self.u8())
    }
    /// A string into `out` (replacing what it held).
    pub fn string_into(&mut self, out: &mut String) -> StoreResult<()> {
        let len = usize::try_from(self.varint()?)
            .map_err(|_| StoreError::Corrupt("a string longer than memory".into()))?;
        let mut bytes = std::mem::take(out).into_bytes();
        bytes.clear();
        bytes.resize(len, 0);
        self.input.read_exact(&mut bytes).map_err(stream_error)?;
        *out = String::from_utf8(bytes).map_err(|_| {
            StoreError::Corrupt("ClickHouse returned a string that is not UTF-8".into())
        })?;
        Ok(())
    }
}

/// A LEB128 length, from its bytes one at a time.
fn varint(mut next: impl FnMut() -> StoreResult<u8>) -> StoreResult<u64> {
    let mut value = 0u64;
    for shift in (0..64).step_by(7) {
        let byte = next()?;
        value |= u64::from(byte & 0x7f) << shift;
        if byte < 0x80 {
            return Ok(value);
        }
    }
    Err(StoreError::Corrupt("a ClickHouse answer holds an overlong length".into()))
}

fn stream_error(e: std::io::Error) -> StoreError {
    match e.kind() {
        std::io::ErrorKind::UnexpectedEof => {
            StoreError::Corrupt("a ClickHouse answer ended inside a row".into())
        }
        _ => StoreError::Engine(format!("reading a ClickHouse answer: {e}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals_escape_everything_that_could_end_them() {
        assert_eq!(quote("Main_Page"), "'Main_Page'");
        assert_eq!(quote("it's"), r"'it\'s'");
        assert_eq!(quote(r"a\b"), r"'a\\b'");
        assert_eq!(quote("x'; DROP TABLE t; --"), r"'x\'; DROP TABLE t; --'");
        assert_eq!(quote("tab\tnl\ncr\rnul\0"), r"'tab\tnl\ncr\rnul\0'");
        assert_eq!(quote(r"\'"), r"'\\\''");
    }

    #[test]
    fn urls_must_name_the_http_interface() {
        assert_eq!(Client::new("http://127.0.0.1:8123/").unwrap().url(), "http://127.0.0.1:8123");
        for bad in ["127.0.0.1:8123", "https://ch:8443", "tcp://127.0.0.1:9000", ""] {
            let error = Client::new(bad).unwrap_err().to_string();
            assert!(error.contains("must start with http://"), "{bad}: {error}");
        }
    }

    #[test]
    fn identifiers_are_checked() {
        assert!(identifier("aqs").is_ok());
        assert!(identifier("aqs_test_12").is_ok());
        for bad in ["", "1db", "a-b", "a.b", "a b", "x;DROP", "`x`"] {
            assert!(identifier(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn row_binary_round_trips() {
        let mut w = RowWriter::default();
        w.u8(7);
        w.u16(19_000);
        w.u32(u32::MAX);
        w.u64(1 << 40);
        w.string("Ünïcødé 'x'".as_bytes());
        w.varint(300);
        let mut r = RowReader::new(&w.bytes);
        assert_eq!(r.u8().unwrap(), 7);
        assert_eq!(r.u16().unwrap(), 19_000);
        assert_eq!(r.u32().unwrap(), u32::MAX);
        assert_eq!(r.u64().unwrap(), 1 << 40);
        assert_eq!(r.string().unwrap(), "Ünïcødé 'x'");
        assert_eq!(r.varint().unwrap(), 300);
        assert!(r.is_empty());
        assert!(r.u8().is_err(), "a short answer is an error, not a panic");
    }
}

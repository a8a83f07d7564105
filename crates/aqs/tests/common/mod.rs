//! Helpers shared by the binary's test files: run `aqs` as a child process (killed on drop),
//! wait for its output, and speak minimal HTTP to it.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

pub const AQS: &str = env!("CARGO_BIN_EXE_aqs");

/// A child process killed on drop.
pub struct Running {
    pub child: Child,
    pub lines: mpsc::Receiver<String>,
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Running {
    /// Waits for an output line containing `needle` and returns it.
    pub fn wait_for(&self, needle: &str, timeout: Duration) -> String {
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) if line.contains(needle) => return line,
                Ok(_) => {}
                Err(_) => panic!("no line containing {needle:?} within {timeout:?}"),
            }
        }
    }
}

/// Starts `aqs args...`, forwarding stdout and stderr lines to a channel.
pub fn start(args: &[&str], env: &[(&str, &str)]) -> Running {
    let mut command = Command::new(AQS);
    command.args(args).stdout(Stdio::piped()).stderr(Stdio::piped()).env("NO_COLOR", "1");
    for (k, v) in env {
        command.env(k, v);
    }
    let mut child = command.spawn().expect("aqs starts");
    let (tx, rx) = mpsc::channel();
    for stream in [
        Box::new(child.stdout.take().unwrap()) as Box<dyn Read + Send>,
        Box::new(child.stderr.take().unwrap()),
    ] {
        let tx = tx.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stream).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
    }
    Running { child, lines: rx }
}

pub fn run_ok(args: &[&str]) -> String {
    let out = Command::new(AQS).args(args).output().expect("aqs runs");
    let text =
        format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "aqs {args:?} failed:\n{text}");
    text
}

/// `aqs generate` of a sample: first day (YYYY-MM-DD), days, projects, articles and seed.
pub fn generate(out: &Path, start: &str, days: u32, projects: usize, articles: usize, seed: u64) {
    let (days, projects, articles, seed) =
        (days.to_string(), projects.to_string(), articles.to_string(), seed.to_string());
    run_ok(&[
        "generate",
        "--out",
        out.to_str().unwrap(),
        "--start",
        start,
        "--days",
        &days,
        "--projects",
        &projects,
        "--articles",
        &articles,
        "--seed",
        &seed,
    ]);
}

/// `aqs load --data DATA --max-bad-share SHARE DUMPS`, which must succeed: its report.
pub fn load(data: &Path, max_bad_share: &str, dumps: &Path) -> String {
    run_ok(&[
        "load",
        "--data",
        data.to_str().unwrap(),
        "--max-bad-share",
        max_bad_share,
        dumps.to_str().unwrap(),
    ])
}

pub fn serve(data: &Path) -> (Running, String) {
    serve_with(&["--data", data.to_str().unwrap()])
}

/// `aqs serve` with these store flags on port 0: the server and its address.
pub fn serve_with(store_flags: &[&str]) -> (Running, String) {
    // Tests send bursts from one address: no rate limits here (tests of limits set their own).
    let mut args = vec!["serve", "--listen", "127.0.0.1:0", "--rate-limit-mode", "off"];
    args.extend_from_slice(store_flags);
    let server = start(&args, &[]);
    let line = server.wait_for("listening on http://", Duration::from_secs(30));
    let address = line.trim().trim_start_matches("listening on http://").to_string();
    (server, address)
}

/// A minimal HTTP/1.1 GET: status and body.
pub fn http_get(address: &str, path: &str) -> (u16, String) {
    let mut stream = TcpStream::connect(address).expect("connect");
    stream.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    write!(stream, "GET {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n").unwrap();
    read_answer(stream)
}

/// A minimal HTTP/1.1 POST of a JSON Lines body: status and body.
pub fn http_post(address: &str, path: &str, body: &str) -> (u16, String) {
    let mut stream = TcpStream::connect(address).expect("connect");
    stream.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let length = body.len();
    write!(
        stream,
        "POST {path} HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/x-ndjson\r\nContent-Length: {length}\r\nConnection: close\r\n\r\n{body}"
    )
    .unwrap();
    read_answer(stream)
}

/// Status and body of the answer on a connection the server closes.
fn read_answer(mut stream: TcpStream) -> (u16, String) {
    let mut response = Vec::new();
    stream.read_to_end(&mut response).unwrap();
    let text = String::from_utf8_lossy(&response).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").expect("a response head");
    let status = head.split(' ').nth(1).and_then(|s| s.parse().ok()).expect("a status");
    (status, body.to_string())
}

pub fn get_json(address: &str, path: &str) -> serde_json::Value {
    let (status, body) = http_get(address, path);
    assert_eq!(status, 200, "{path}: {body}");
    serde_json::from_str(&body).expect("JSON")
}

pub fn encode(title: &str) -> String {
    title
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"_-.:".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// The address a server printed on a line starting with `prefix` (`listening on http://`).
pub fn address_after(server: &Running, prefix: &str) -> String {
    let line = server.wait_for(prefix, Duration::from_secs(30));
    line.trim().trim_start_matches(prefix).to_string()
}

/// A keep-alive HTTP/1.1 client over one connection.
pub struct Client {
    stream: BufReader<TcpStream>,
    address: String,
}

/// An answer: status, headers (names lower-case) and body.
pub struct Answer {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Answer {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }
}

impl Client {
    pub fn connect(address: &str) -> Client {
        let stream = TcpStream::connect(address).expect("connect");
        stream.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
        stream.set_nodelay(true).unwrap();
        Client { stream: BufReader::new(stream), address: address.to_string() }
    }

    pub fn get(&mut self, path: &str, headers: &[(&str, &str)]) -> Answer {
        let mut request = format!("GET {path} HTTP/1.1\r\nHost: {}\r\n", self.address);
        for (n, v) in headers {
            request.push_str(&format!("{n}: {v}\r\n"));
        }
        request.push_str("\r\n");
        self.stream.get_mut().write_all(request.as_bytes()).unwrap();
        let mut line = String::new();
        self.stream.read_line(&mut line).unwrap();
        let status = line.split(' ').nth(1).and_then(|s| s.parse().ok()).expect("a status");
        let mut headers = Vec::new();
        loop {
            line.clear();
            self.stream.read_line(&mut line).unwrap();
            let l = line.trim_end();
            if l.is_empty() {
                break;
            }
            let (n, v) = l.split_once(':').expect("a header");
            headers.push((n.to_ascii_lowercase(), v.trim().to_string()));
        }
        let length: usize = headers
            .iter()
            .find(|(n, _)| n == "content-length")
            .map_or(0, |(_, v)| v.parse().unwrap());
        let mut body = vec![0; length];
        self.stream.read_exact(&mut body).unwrap();
        Answer { status, headers, body: String::from_utf8_lossy(&body).into_owned() }
    }
}

/// The files under `dir` (recursively) whose names start with `prefix`, sorted.
pub fn files_under(dir: &Path, prefix: &str) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.file_name().unwrap().to_str().unwrap().starts_with(prefix) {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

/// Debian's chromium, when the test script named it (`AQS_TEST_CHROMIUM`; scripts/test.sh
/// installs it): browser tests skip without it, so that `cargo test` stays hermetic.
pub fn chromium() -> Option<String> {
    let found = std::env::var("AQS_TEST_CHROMIUM").ok();
    if found.is_none() {
        eprintln!("skipped: set AQS_TEST_CHROMIUM to a chromium binary (scripts/test.sh does)");
    }
    found
}

/// Opens `url` in headless `chromium` with `args` (`--dump-dom`, `--screenshot=...`) and
/// gives what it printed. Fetches the page makes are waited for (virtual time runs only
/// while nothing loads).
pub fn browse(chromium: &str, url: &str, args: &[&str]) -> String {
    let out = Command::new(chromium)
        .args(["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars"])
        .arg("--virtual-time-budget=10000")
        .args(args)
        .arg(url)
        .output()
        .expect("chromium runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Where browser tests save their screenshots: target/screenshots/.
pub fn screenshots() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("../screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

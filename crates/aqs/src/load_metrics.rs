//! `aqs load --metrics-file`: the outcome of each load in a Prometheus text file, for
//! node_exporter's textfile collector. A load runs as a job, not inside the server (a failed
//! load is invisible to the server by design), so the job reports itself. Counters carry over
//! from the file's previous contents; the file is replaced atomically.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

const OK: &str = "aqs_loads_total{outcome=\"ok\"}";
const FAILED: &str = "aqs_loads_total{outcome=\"failed\"}";
const LAST_SUCCESS: &str = "aqs_load_last_success_timestamp_seconds";
const LAST_RUN: &str = "aqs_load_last_run_timestamp_seconds";
const DURATION: &str = "aqs_load_last_duration_seconds";
const LINES: &str = "aqs_load_last_success_lines";

/// The samples of a file this module wrote (other lines are ignored).
fn read_samples(text: &str) -> BTreeMap<&str, f64> {
    let mut samples = BTreeMap::new();
    for line in text.lines().filter(|l| !l.starts_with('#')) {
        if let Some((name, value)) = line.rsplit_once(' ') {
            if let (Some(known), Ok(v)) = (
                [OK, FAILED, LAST_SUCCESS, LAST_RUN, DURATION, LINES]
                    .into_iter()
                    .find(|k| *k == name),
                value.parse::<f64>(),
            ) {
                samples.insert(known, v);
            }
        }
    }
    samples
}

/// Records one load: `lines` is `Some(lines read)` when it succeeded.
pub fn record(path: &Path, lines: Option<u64>, took: Duration) -> std::io::Result<()> {
    let previous = std::fs::read_to_string(path).unwrap_or_default();
    let mut samples = read_samples(&previous);
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default().as_secs_f64();
    *samples.entry(if lines.is_some() { OK } else { FAILED }).or_default() += 1.0;
    samples.entry(OK).or_default();
    samples.entry(FAILED).or_default();
    samples.insert(LAST_RUN, now.floor());
    samples.insert(DURATION, (took.as_secs_f64() * 1000.0).round() / 1000.0);
    if let Some(lines) = lines {
        samples.insert(LAST_SUCCESS, now.floor());
        samples.insert(LINES, lines as f64);
    }
    let get = |k: &str| samples.get(k).copied();
    let mut out = String::new();
    out.push_str(
        "# HELP aqs_loads_total Runs of aqs load, by outcome.\n# TYPE aqs_loads_total counter\n",
    );
    out.push_str(&format!(
        "{OK} {}\n{FAILED} {}\n",
        get(OK).unwrap_or(0.0),
        get(FAILED).unwrap_or(0.0)
    ));
    for (name, help, value) in [
        (LAST_RUN, "Unix time of the last run of aqs load.", get(LAST_RUN)),
        (LAST_SUCCESS, "Unix time of the last successful aqs load.", get(LAST_SUCCESS)),
        (DURATION, "Wall time of the last run of aqs load, in seconds.", get(DURATION)),
        (LINES, "Dump lines read by the last successful aqs load.", get(LINES)),
    ] {
        if let Some(value) = value {
            out.push_str(&format!("# HELP {name} {help}\n# TYPE {name} gauge\n{name} {value}\n"));
        }
    }
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    std::fs::write(&tmp, out)?;
    std::fs::rename(&tmp, path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outcomes_accumulate_and_a_failure_keeps_the_last_success() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("aqs_load.prom");
        record(&path, Some(1200), Duration::from_millis(1500)).unwrap();
        let first = std::fs::read_to_string(&path).unwrap();
        let success = read_samples(&first)[LAST_SUCCESS];
        record(&path, None, Duration::from_millis(10)).unwrap();
        record(&path, Some(7), Duration::from_millis(10)).unwrap();
        record(&path, None, Duration::from_millis(10)).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        let samples = read_samples(&text);
        assert_eq!(samples[OK], 2.0);
        assert_eq!(samples[FAILED], 2.0);
        assert_eq!(samples[LINES], 7.0);
        assert!(samples[LAST_SUCCESS] >= success);
        assert!(text.contains("# TYPE aqs_loads_total counter\n"), "{text}");
    }
}

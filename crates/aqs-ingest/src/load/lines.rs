//! Reading a dump line by line: decompression, progress, UTF-8, and the share of bad lines.

use super::Progress;
use crate::input::open_dump;
use crate::report::LoadReport;
use anyhow::{Context, Result, bail};
use std::io::BufRead;
use std::path::Path;
use std::sync::atomic::Ordering;

/// Bad lines a file may always have, whatever its size: a share of a small file (a sample, a
/// test) says little, so `--max-bad-share` counts only past this many.
pub const TOLERATED_BAD_LINES: u64 = 10;

/// Fails when a file's share of skipped lines is above `max` (and there are more than
/// [`TOLERATED_BAD_LINES`] of them), or when it has no good line at all.
pub(crate) fn check_bad_share(path: &Path, report: &LoadReport, max: f64) -> Result<()> {
    let bad = report.skipped_total();
    let lines = report.lines_read;
    let over_share = bad > TOLERATED_BAD_LINES && bad as f64 > max * lines as f64;
    let all_bad = lines > 0 && bad == lines && max < 1.0;
    if over_share || all_bad {
        bail!(
            "{}: {bad} of {lines} lines are malformed ({:.2} %), more than the allowed {:.2} % (--max-bad-share); first: {}",
            path.display(),
            100.0 * bad as f64 / lines as f64,
            100.0 * max,
            report.examples.first().map(String::as_str).unwrap_or("-")
        );
    }
    Ok(())
}

/// Reads the lines of a dump, calling `each(line_number, line, report)`, which may stop the
/// reading with an error; invalid UTF-8 is reported as a skipped line. Read errors (a
/// truncated file) fail with the file and line.
pub(crate) fn for_each_line(
    reader: &mut dyn BufRead,
    path: &Path,
    report: &mut LoadReport,
    mut progress: impl FnMut(),
    mut each: impl FnMut(u64, &str, &mut LoadReport) -> Result<()>,
) -> Result<()> {
    let mut buf = Vec::with_capacity(256);
    let mut number = 0u64;
    loop {
        buf.clear();
        let n = reader.read_until(b'\n', &mut buf).with_context(|| {
            format!(
                "{}: cannot read past line {number}: the file is truncated or corrupt",
                path.display()
            )
        })?;
        if n == 0 {
            break;
        }
        number += 1;
        if number % 65_536 == 0 {
            progress();
        }
        let line = buf.strip_suffix(b"\n").unwrap_or(&buf);
        report.lines_read += 1;
        match std::str::from_utf8(line) {
            Ok(text) => each(number, text, report)?,
            Err(_) => report.skip("not UTF-8", || format!("{}:{number}", path.display())),
        }
    }
    report.files += 1;
    Ok(())
}

/// Reads a dump file (decompressing it) line by line, with progress.
pub(crate) fn for_each_file_line(
    path: &Path,
    progress: &dyn Progress,
    report: &mut LoadReport,
    each: impl FnMut(u64, &str, &mut LoadReport) -> Result<()>,
) -> Result<()> {
    progress.file_started(path, std::fs::metadata(path).map(|m| m.len()).unwrap_or(0));
    let (mut reader, bytes_read) = open_dump(path)?;
    for_each_line(
        &mut reader,
        path,
        report,
        || progress.file_advanced(path, bytes_read.load(Ordering::Relaxed)),
        each,
    )?;
    progress.file_finished(path);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(lines: u64, bad: u64) -> LoadReport {
        let mut report = LoadReport { lines_read: lines, ..LoadReport::default() };
        for _ in 0..bad {
            report.skip("bad", || "f:1".into());
        }
        report
    }

    #[test]
    fn a_share_counts_only_past_ten_bad_lines() {
        let path = Path::new("f");
        assert!(check_bad_share(path, &report(971, 1), 0.001).is_ok(), "a small sample");
        assert!(check_bad_share(path, &report(971, 10), 0.001).is_ok());
        let e = check_bad_share(path, &report(971, 11), 0.001).unwrap_err().to_string();
        assert!(e.starts_with("f: 11 of 971 lines are malformed (1.13 %)"), "{e}");
        assert!(check_bad_share(path, &report(1_000_000, 1000), 0.001).is_ok());
        assert!(check_bad_share(path, &report(1_000_000, 1001), 0.001).is_err());
    }

    #[test]
    fn a_file_of_bad_lines_only_fails_unless_anything_goes() {
        let path = Path::new("f");
        let e = check_bad_share(path, &report(3, 3), 0.5).unwrap_err().to_string();
        assert!(e.contains("3 of 3 lines are malformed"), "{e}");
        assert!(check_bad_share(path, &report(3, 3), 1.0).is_ok());
        assert!(check_bad_share(path, &report(0, 0), 0.0).is_ok(), "an empty file");
    }
}

//! Reading a dump line by line: decompression, progress, UTF-8, and the share of bad lines.

use super::Progress;
use crate::input::open_dump;
use crate::report::LoadReport;
use anyhow::{Context, Result, bail};
use std::io::BufRead;
use std::path::Path;
use std::sync::atomic::Ordering;

/// Fails when a file's share of skipped lines is above `max`.
pub(crate) fn check_bad_share(path: &Path, report: &LoadReport, max: f64) -> Result<()> {
    let bad = report.skipped_total();
    if report.lines_read > 0 && bad as f64 > max * report.lines_read as f64 {
        bail!(
            "{}: {bad} of {} lines are malformed ({:.2} %), more than the allowed {:.2} % (--max-bad-share); first: {}",
            path.display(),
            report.lines_read,
            100.0 * bad as f64 / report.lines_read as f64,
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

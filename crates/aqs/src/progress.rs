//! Progress bars on standard error (hidden when it is not a terminal).

use aqs_core::dates::Day;
use aqs_ingest::load::Progress;
use indicatif::{MultiProgress, ProgressBar, ProgressStyle};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

/// Set when an operator interrupts a load (Ctrl-C or SIGTERM).
static INTERRUPTED: AtomicBool = AtomicBool::new(false);

/// Makes SIGINT and SIGTERM stop a load cleanly: the day being read or stored is abandoned
/// (nothing of it published, its spill files removed; a day already committing ends) and the
/// command fails. A second signal exits at once.
pub fn stop_loads_on_signals() {
    let spawned = std::thread::Builder::new().name("signals".into()).spawn(|| {
        let Ok(runtime) = tokio::runtime::Builder::new_current_thread().enable_all().build() else {
            return;
        };
        runtime.block_on(async {
            crate::serve::shutdown_signal().await;
            INTERRUPTED.store(true, Ordering::SeqCst);
            eprintln!("interrupted: stopping the load (again to quit at once)");
            crate::serve::shutdown_signal().await;
            std::process::exit(130);
        });
    });
    if let Err(e) = spawned {
        tracing::warn!(error = %e, "cannot watch for signals; Ctrl-C stops a load without clean-up");
    }
}

pub struct Bars {
    multi: MultiProgress,
    bars: Mutex<HashMap<PathBuf, ProgressBar>>,
}

impl Bars {
    pub fn new() -> Bars {
        Bars { multi: MultiProgress::new(), bars: Mutex::new(HashMap::new()) }
    }

    /// A bar counting days.
    pub fn days(&self, total: u64, label: &str) -> ProgressBar {
        let bar = self.multi.add(ProgressBar::new(total));
        bar.set_style(
            ProgressStyle::with_template("{msg:>10} [{bar:40}] {pos}/{len} days ({elapsed})")
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> "),
        );
        bar.set_message(label.to_string());
        bar
    }

    /// A bar counting lines (its length is set as it goes).
    pub fn lines(&self, total: u64, label: &str) -> ProgressBar {
        let bar = self.multi.add(ProgressBar::new(total));
        bar.set_style(
            ProgressStyle::with_template(
                "{msg:>10} [{bar:40}] {human_pos}/{human_len} lines ({elapsed}, {eta} left)",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
        );
        bar.set_message(label.to_string());
        bar
    }

    pub fn println(&self, text: &str) {
        let _ = self.multi.println(text);
    }
}

impl Progress for Bars {
    fn file_started(&self, path: &Path, total_bytes: u64) {
        let bar = self.multi.add(ProgressBar::new(total_bytes));
        bar.set_style(
            ProgressStyle::with_template(
                "{msg:>40} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
        );
        bar.set_message(
            path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default(),
        );
        self.bars.lock().unwrap_or_else(|p| p.into_inner()).insert(path.to_path_buf(), bar);
    }

    fn file_advanced(&self, path: &Path, bytes_read: u64) {
        if let Some(bar) = self.bars.lock().unwrap_or_else(|p| p.into_inner()).get(path) {
            bar.set_position(bytes_read);
        }
    }

    fn file_finished(&self, path: &Path) {
        if let Some(bar) = self.bars.lock().unwrap_or_else(|p| p.into_inner()).remove(path) {
            bar.finish_and_clear();
        }
    }

    fn day_publishing(&self, day: Day) {
        tracing::debug!(%day, "publishing day");
    }

    fn day_published(&self, day: Day) {
        tracing::debug!(%day, "day published");
    }

    fn cancelled(&self) -> bool {
        INTERRUPTED.load(Ordering::Relaxed)
    }
}

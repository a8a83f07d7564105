//! Spill directories: where a load puts what does not fit in its memory budget.
//!
//! A [`SpillDir`] is a fresh directory named `.aqs-spill-<pid>-<n>` inside a parent (the
//! embedded store's own directory, so that spill files land on the same disk as the store) and
//! is removed, with everything in it, when it is dropped: after a load ends, and after a load
//! fails. A process killed outright cannot remove its own: [`SpillDir::remove_stale`] removes
//! the directories of processes that no longer run, and every load calls it first.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

const PREFIX: &str = ".aqs-spill-";

/// A temporary directory, removed on drop.
#[derive(Debug)]
pub struct SpillDir {
    path: PathBuf,
}

static NEXT: AtomicU64 = AtomicU64::new(0);

impl SpillDir {
    /// Creates a new spill directory inside `parent` (which must exist).
    pub fn create(parent: &Path) -> std::io::Result<SpillDir> {
        loop {
            let n = NEXT.fetch_add(1, Ordering::Relaxed);
            let path = parent.join(format!("{PREFIX}{}-{n}", std::process::id()));
            match std::fs::create_dir(&path) {
                Ok(()) => return Ok(SpillDir { path }),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
                Err(e) => {
                    return Err(std::io::Error::new(
                        e.kind(),
                        format!("cannot create a spill directory in {}: {e}", parent.display()),
                    ));
                }
            }
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// A path for a new file inside the directory.
    pub fn file(&self, name: &str) -> PathBuf {
        self.path.join(name)
    }

    /// Removes the spill directories in `parent` left by processes that no longer run (a load
    /// killed with SIGKILL, or a machine that went down). Returns how many it removed.
    pub fn remove_stale(parent: &Path) -> std::io::Result<usize> {
        let Ok(entries) = std::fs::read_dir(parent) else { return Ok(0) };
        let mut removed = 0;
        for entry in entries {
            let entry = entry?;
            let name = entry.file_name();
            let Some(rest) = name.to_str().and_then(|n| n.strip_prefix(PREFIX)) else { continue };
            let Some(pid) = rest.split('-').next().and_then(|p| p.parse::<u32>().ok()) else {
                continue;
            };
            if pid != std::process::id() && !crate::process::pid_runs(pid) {
                std::fs::remove_dir_all(entry.path())?;
                removed += 1;
            }
        }
        Ok(removed)
    }
}

impl Drop for SpillDir {
    fn drop(&mut self) {
        if let Err(e) = std::fs::remove_dir_all(&self.path) {
            if e.kind() != std::io::ErrorKind::NotFound {
                eprintln!("warning: cannot remove spill directory {}: {e}", self.path.display());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spill_dirs_are_removed_on_drop_and_stale_ones_on_request() {
        let parent = std::env::temp_dir().join(format!("aqs-spill-test-{}", std::process::id()));
        std::fs::create_dir_all(&parent).unwrap();
        let dir = SpillDir::create(&parent).unwrap();
        std::fs::write(dir.file("run-0"), b"data").unwrap();
        let path = dir.path().to_path_buf();
        assert!(path.is_dir());
        drop(dir);
        assert!(!path.exists(), "removed with its files on drop");

        // A directory of a process id that cannot exist (above the kernel's pid_max).
        let stale = parent.join(format!("{PREFIX}4294967295-0"));
        std::fs::create_dir(&stale).unwrap();
        std::fs::write(stale.join("run-0"), b"left by a killed load").unwrap();
        let mine = SpillDir::create(&parent).unwrap();
        assert_eq!(SpillDir::remove_stale(&parent).unwrap(), 1);
        assert!(!stale.exists());
        assert!(mine.path().is_dir(), "a running process's directory stays");
        drop(mine);
        std::fs::remove_dir_all(&parent).unwrap();
    }
}

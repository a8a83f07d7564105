//! Processes as records outlive them: a process is told by its host, its boot, its pid and
//! the time it started (Linux's `/proc`), so that a pid used again is not taken for the
//! process that had it. Where `/proc` is missing, whether a process runs is not known, and
//! callers leave what it holds alone.

/// A process, as a record names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Process {
    /// A hash of the host name.
    pub host: u64,
    /// A hash of the kernel's boot id (0: not known).
    pub boot: u64,
    pub pid: u64,
    /// When it started, in clock ticks since the boot (0: not known).
    pub started: u64,
}

impl Process {
    /// This process.
    pub fn current() -> Process {
        let read = |path: &str| std::fs::read_to_string(path).unwrap_or_default();
        let host = read("/proc/sys/kernel/hostname");
        let boot = read("/proc/sys/kernel/random/boot_id");
        Process {
            host: fnv(host.trim().as_bytes()),
            boot: if boot.is_empty() { 0 } else { fnv(boot.trim().as_bytes()) },
            pid: std::process::id().into(),
            started: stat("self").map_or(0, |s| s.started),
        }
    }

    /// Whether the process runs, as this one sees it: `None` when it cannot tell (another
    /// host, or no `/proc`).
    pub fn running(&self) -> Option<bool> {
        let me = Process::current();
        if self.host != me.host || me.started == 0 || me.boot == 0 {
            return None;
        }
        if self.boot != me.boot {
            return Some(false);
        }
        Some(stat(&self.pid.to_string()).is_some_and(|s| s.started == self.started && !s.zombie))
    }
}

/// What `/proc/<pid>/stat` says of a process: when it started, and whether it has exited
/// (a zombie its parent has not waited for).
struct Stat {
    started: u64,
    zombie: bool,
}

fn stat(pid: &str) -> Option<Stat> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // After the command name (in parentheses, which may hold anything): the state (field 3)
    // and, 19 fields on, the start time (field 22).
    let rest = &text[text.rfind(')')? + 1..];
    let mut fields = rest.split_ascii_whitespace();
    let state = fields.next()?;
    let started = fields.nth(18)?.parse().ok()?;
    Some(Stat { started, zombie: state == "Z" || state == "X" })
}

/// FNV-1a: a stable hash (the records outlive this build).
fn fnv(bytes: &[u8]) -> u64 {
    bytes
        .iter()
        .fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ u64::from(*b)).wrapping_mul(0x100_0000_01b3))
}

/// Whether a process with this id runs (where this cannot be told, it is taken to run, so that
/// nothing of a running process is ever removed).
pub fn pid_runs(pid: u32) -> bool {
    !std::path::Path::new("/proc/self").exists()
        || stat(&pid.to_string()).is_some_and(|s| !s.zombie)
}

#[cfg(test)]
#[path = "process_tests.rs"]
mod tests;

use super::*;

#[cfg(target_os = "linux")]
#[test]
fn this_process_runs_and_an_exited_one_does_not() {
    let me = Process::current();
    assert_eq!(me.pid, u64::from(std::process::id()));
    assert!(me.started > 0 && me.boot != 0, "{me:?}");
    assert_eq!(me.running(), Some(true));
    // The same pid started at another time, or before another boot: another process.
    assert_eq!(Process { started: me.started + 1, ..me }.running(), Some(false));
    assert_eq!(Process { boot: me.boot ^ 1, ..me }.running(), Some(false));
    // Another host: not known from here.
    assert_eq!(Process { host: me.host ^ 1, ..me }.running(), None);
    // A child that has exited and been waited for.
    let mut child = std::process::Command::new("true").spawn().expect("run true");
    let pid = u64::from(child.id());
    child.wait().expect("wait");
    assert_eq!(Process { pid, ..me }.running(), Some(false));
    assert!(!pid_runs(pid as u32) && pid_runs(std::process::id()));
    // One that has exited and not been waited for (a zombie) has ended too.
    let mut child = std::process::Command::new("true").spawn().expect("run true");
    let pid = u64::from(child.id());
    let started = stat(&pid.to_string()).map_or(0, |s| s.started);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while stat(&pid.to_string()).is_some_and(|s| !s.zombie) {
        assert!(std::time::Instant::now() < deadline, "true did not exit");
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    assert_eq!(Process { pid, started, ..me }.running(), Some(false));
    assert!(!pid_runs(pid as u32), "a zombie has ended");
    child.wait().expect("wait");
}

#[test]
fn the_hash_of_a_host_is_fnv_1a() {
    // The published FNV-1a 64 values: records made by one build are read by the next.
    assert_eq!(fnv(b""), 0xcbf2_9ce4_8422_2325);
    assert_eq!(fnv(b"a"), 0xaf63_dc4c_8601_ec8c);
    assert_eq!(fnv(b"foobar"), 0x8594_4171_f739_67e8);
}

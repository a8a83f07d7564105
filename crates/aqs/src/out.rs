//! Standard output for the commands. A reader that closes the pipe early (`aqs stats | head
//! -3`) ends the command quietly and successfully, as Unix tools end, instead of the panic
//! that `println!` makes of a write to a closed pipe (Rust ignores SIGPIPE, and resetting it
//! would also kill the server on a write to a closed socket).

use std::io::{ErrorKind, Write};

/// Writes `text` (and a newline), flushed; on a closed pipe the process exits with 0, on any
/// other error with 1.
pub fn write(text: std::fmt::Arguments<'_>, newline: bool) {
    let mut out = std::io::stdout().lock();
    let written = out
        .write_fmt(text)
        .and_then(|()| if newline { out.write_all(b"\n") } else { Ok(()) })
        .and_then(|()| out.flush());
    match written {
        Ok(()) => {}
        Err(e) if e.kind() == ErrorKind::BrokenPipe => std::process::exit(0),
        Err(e) => {
            eprintln!("error: cannot write to standard output: {e}");
            std::process::exit(1);
        }
    }
}

/// `println!` for the commands' output ([`write`]).
macro_rules! outln {
    ($($arg:tt)*) => {
        $crate::out::write(format_args!($($arg)*), true)
    };
}

/// `print!` for the commands' output ([`write`]).
macro_rules! out {
    ($($arg:tt)*) => {
        $crate::out::write(format_args!($($arg)*), false)
    };
}

//! Writing to stdout as a pipeline stage: whole refreshes at once, escape sequences only on a
//! terminal, and a reader that went away (`memstat --watch 1 | head -3`) as a quiet end.

use std::io::{self, IsTerminal, Write};

/// Why output stopped.
#[derive(Debug)]
pub enum Stop {
    /// The reader closed the pipe: end quietly, with success.
    ReaderGone,
    /// Any other write error.
    Failed(io::Error),
}

/// Whether stdout is a terminal (clearing the screen makes sense there only).
pub fn stdout_is_terminal() -> bool {
    io::stdout().is_terminal()
}

/// Writes `text` and a newline (nothing for an empty text) to stdout and flushes.
pub fn emit(text: &str) -> Result<(), Stop> {
    if text.is_empty() {
        return Ok(());
    }
    let mut out = io::stdout().lock();
    out.write_all(text.as_bytes())
        .and_then(|()| out.write_all(b"\n"))
        .and_then(|()| out.flush())
        .map_err(|e| match e.kind() {
            io::ErrorKind::BrokenPipe => Stop::ReaderGone,
            _ => Stop::Failed(e),
        })
}

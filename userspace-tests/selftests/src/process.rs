//! Running code in a forked child and reading how it ended.

/// How a child process ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    Code(i32),
    Signal(i32),
}

/// Decodes a `waitpid` status.
pub fn decode_status(status: libc::c_int) -> Exit {
    if libc::WIFSIGNALED(status) {
        Exit::Signal(libc::WTERMSIG(status))
    } else {
        Exit::Code(libc::WEXITSTATUS(status))
    }
}

/// Forks; the child runs `f` and exits with its return value. Returns how the child ended.
///
/// The child must only do async-signal-safe things if this process has threads.
pub fn in_child(f: impl FnOnce() -> i32) -> std::io::Result<Exit> {
    // SAFETY: fork has no memory-safety preconditions; the child only runs `f` and `_exit`s.
    let pid = unsafe { libc::fork() };
    match pid {
        -1 => Err(std::io::Error::last_os_error()),
        0 => {
            let code = f();
            // SAFETY: leave the child without running the parent's atexit handlers.
            unsafe { libc::_exit(code) }
        }
        pid => {
            let mut status = 0;
            // SAFETY: waiting for our own child, with a valid status pointer.
            if unsafe { libc::waitpid(pid, &mut status, 0) } != pid {
                return Err(std::io::Error::last_os_error());
            }
            Ok(decode_status(status))
        }
    }
}

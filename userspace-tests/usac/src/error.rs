//! Errors of the usac-mm system calls.

use std::fmt;

/// A failed usac-mm system call: its errno, with a clear message for a kernel without usac.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Error(pub i32);

/// The result of a usac-mm call.
pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    /// The errno value.
    pub fn errno(self) -> i32 {
        self.0
    }

    /// Whether the kernel has no zamora_* syscalls (ENOSYS): tools exit with status 3 then.
    pub fn is_no_syscalls(self) -> bool {
        self.0 == libc::ENOSYS
    }

    /// Whether the process asked for does not exist (ESRCH).
    pub fn is_no_such_process(self) -> bool {
        self.0 == libc::ESRCH
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_no_syscalls() {
            write!(
                f,
                "this kernel has no zamora_* syscalls — boot the usac kernel (`make run`)"
            )
        } else {
            write!(f, "{}", std::io::Error::from_raw_os_error(self.0))
        }
    }
}

impl std::error::Error for Error {}

impl From<Error> for std::io::Error {
    fn from(e: Error) -> Self {
        std::io::Error::other(e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enosys_says_what_to_do() {
        assert!(Error(libc::ENOSYS).to_string().contains("make run"));
        assert_eq!(
            Error(libc::EINVAL).to_string(),
            "Invalid argument (os error 22)"
        );
    }
}

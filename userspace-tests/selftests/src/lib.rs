//! Helpers shared by the selftests: touching memory, forking, reading /proc and the kernel log,
//! and listings taken with a global reading of the same moment.

pub mod man_examples;
pub mod memory;
pub mod process;
pub mod procfs;
pub mod snapshot;

/// The kernel log (what `dmesg` prints), read with syslog(2).
pub fn dmesg() -> std::io::Result<String> {
    // SYSLOG_ACTION_SIZE_BUFFER and SYSLOG_ACTION_READ_ALL from include/linux/syslog.h.
    const SIZE_BUFFER: libc::c_int = 10;
    const READ_ALL: libc::c_int = 3;
    // SAFETY: SIZE_BUFFER takes no buffer.
    let size = unsafe { libc::klogctl(SIZE_BUFFER, std::ptr::null_mut(), 0) };
    if size < 0 {
        return Err(std::io::Error::last_os_error());
    }
    let mut buf = vec![0u8; size as usize];
    // SAFETY: the kernel writes at most `buf.len()` bytes into `buf`.
    let n = unsafe { libc::klogctl(READ_ALL, buf.as_mut_ptr().cast(), buf.len() as libc::c_int) };
    if n < 0 {
        return Err(std::io::Error::last_os_error());
    }
    buf.truncate(n as usize);
    Ok(String::from_utf8_lossy(&buf).into_owned())
}

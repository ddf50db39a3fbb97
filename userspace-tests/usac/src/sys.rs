//! The raw ABI, generated from `include/uapi/linux/usac_mem.h` by `build.rs`.

#![allow(
    non_upper_case_globals,
    non_camel_case_types,
    non_snake_case,
    dead_code
)]
include!(concat!(env!("OUT_DIR"), "/usac_mem.rs"));

/// Calls syscall `nr` with up to four arguments; returns the raw result or the errno.
pub fn syscall4(nr: u32, a: usize, b: usize, c: usize, d: usize) -> Result<usize, i32> {
    // SAFETY: the zamora_* syscalls take integers and user pointers; the kernel checks the
    // pointers (a bad one is EFAULT), so no argument can corrupt this process's memory beyond
    // what the caller's buffers allow.
    let ret = unsafe { libc::syscall(nr as libc::c_long, a, b, c, d) };
    if ret < 0 {
        Err(std::io::Error::last_os_error().raw_os_error().unwrap_or(0))
    } else {
        Ok(ret as usize)
    }
}

//! The raw ABI, generated from `include/uapi/linux/usac_mem.h` by `build.rs`.

#![allow(
    non_upper_case_globals,
    non_camel_case_types,
    non_snake_case,
    dead_code
)]
include!(concat!(env!("OUT_DIR"), "/usac_mem.rs"));

/// Calls syscall `nr` with up to four arguments; returns the raw result or the errno.
///
/// # Safety
///
/// The call must write no memory but what the caller lets it write. For the usac-mm calls:
///
/// - `__NR_zamora_tamalloc` (`size, flags`) writes no memory of the caller (it maps new memory):
///   any arguments are fine.
/// - `__NR_zamora_mem_stats_process` (`pid, buf, count, flags`): `buf` and `count` as
///   [`mem_stats_process_raw`](crate::mem_stats_process_raw) requires them.
/// - `__NR_zamora_mem_stats_global` (`out, flags`): the kernel writes one
///   [`zamora_global_mem_stats`] (96 bytes) at `out`, in order, and stops at the first byte it
///   cannot write (EFAULT). `out` must be valid for writes of that record, or valid for writes
///   up to a byte that the kernel cannot write: null, a kernel address, a read-only or
///   PROT_NONE page that the caller owns, or a page that stays unmapped during the call.
///
/// Any other `nr` is under that system call's own rules.
pub unsafe fn syscall4(nr: u32, a: usize, b: usize, c: usize, d: usize) -> Result<usize, i32> {
    // SAFETY: what the call writes, the caller allows (above).
    let ret = unsafe { libc::syscall(nr as libc::c_long, a, b, c, d) };
    if ret < 0 {
        Err(std::io::Error::last_os_error().raw_os_error().unwrap_or(0))
    } else {
        Ok(ret as usize)
    }
}

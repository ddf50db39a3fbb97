// SPDX-License-Identifier: GPL-2.0

//! usac-mm: a lazily zero-filled allocator and memory statistics system calls.
//!
//! This crate holds the logic, in safe Rust on top of the `kernel` crate's abstractions
//! (`kernel::mm`). `entry.c` is the C side that the rest of the kernel calls (the initcall and
//! the `SYSCALL_DEFINE`s); each of its functions forwards to one `extern "C"` function here,
//! which converts the `Result` of the logic into the syscall's return value. Prototypes are in
//! `include/linux/usac_mem.h`, the user ABI in `include/uapi/linux/usac_mem.h`.

use kernel::{prelude::*, task::Pid, uaccess::UserPtr};

mod sort;
mod stats;
mod tamalloc;

/// Prefix of this crate's log lines (`pr_info!` needs it when there is no `module!`).
const __LOG_PREFIX: &[u8] = b"usac\0";

/// Turns the result of a syscall's logic into what the syscall returns: the value, or -errno.
fn syscall_return(result: Result<usize>) -> core::ffi::c_long {
    match result {
        Ok(value) => value as core::ffi::c_long,
        Err(e) => e.to_errno().into(),
    }
}

/// Boot-time initialisation, called from `entry.c`'s initcall.
#[no_mangle]
pub extern "C" fn usac_mem_init() -> core::ffi::c_int {
    pr_info!("lazy-zeroing allocator and memory statistics ready\n");
    0
}

/// `zamora_tamalloc(size, flags)`.
#[no_mangle]
pub extern "C" fn usac_tamalloc(size: usize, flags: u32) -> core::ffi::c_long {
    syscall_return(tamalloc::tamalloc(size, flags))
}

/// `zamora_mem_stats_process(pid, buf, count, flags)`; `restrict` is `usac_mem.restrict_stats`.
#[no_mangle]
pub extern "C" fn usac_mem_stats_process(
    pid: Pid,
    buf: usize,
    count: usize,
    flags: u32,
    restrict: bool,
) -> core::ffi::c_long {
    syscall_return(stats::mem_stats_process(
        pid,
        UserPtr::from_addr(buf),
        count,
        flags,
        stats::Visibility::from_switch(restrict),
    ))
}

/// `zamora_mem_stats_global(out, flags)`; `restrict` is `usac_mem.restrict_stats`.
#[no_mangle]
pub extern "C" fn usac_mem_stats_global(
    out: usize,
    flags: u32,
    restrict: bool,
) -> core::ffi::c_long {
    syscall_return(stats::mem_stats_global(
        UserPtr::from_addr(out),
        flags,
        stats::Visibility::from_switch(restrict),
    ))
}

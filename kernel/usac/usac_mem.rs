// SPDX-License-Identifier: GPL-2.0

//! usac-mm: a lazily zero-filled allocator and memory statistics system calls.
//!
//! This crate holds the logic; `entry.c` is the C side that the rest of the kernel calls
//! (initcall, `SYSCALL_DEFINE`s), and each of its functions forwards to one `extern "C"`
//! function here. Prototypes live in `include/linux/usac_mem.h`.

use kernel::prelude::*;

/// Prefix of this crate's log lines (`pr_info!` needs it when there is no `module!`).
const __LOG_PREFIX: &[u8] = b"usac\0";

/// Boot-time initialisation, called from `entry.c`'s initcall.
#[no_mangle]
pub extern "C" fn usac_mem_init() -> core::ffi::c_int {
    pr_info!("lazy-zeroing allocator and memory statistics ready\n");
    0
}

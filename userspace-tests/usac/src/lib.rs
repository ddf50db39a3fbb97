//! Safe wrappers of the usac-mm system calls, and of the OS calls around them.
//!
//! The ABI comes from `include/uapi/linux/usac_mem.h` through bindgen ([`sys`]); the wrappers turn
//! `-errno` into [`Error`] and, for memory, give an owning [`Tamalloc`] guard. The statistics
//! calls write into buffers they borrow ([`mem_stats_process_into`]); [`sys::syscall4`] and
//! [`mem_stats_process_raw`], which let the kernel write wherever the caller points, are
//! `unsafe`, for the selftests that pass bad pointers on purpose. [`os`] holds the safe forms of
//! the fork, mmap, klogctl, userfaultfd and mallopt calls that the tests, tools and benchmarks
//! make: the other `unsafe` code of the userspace crates is in `sys` and `os` alone.
//! [`procfs`] and [`tracefs`] read what the kernel shows: smaps, and the usac_mem trace events.

pub mod error;
pub mod os;
pub mod procfs;
mod stats;
pub mod sys;
mod tamalloc;
pub mod tracefs;

pub use error::{Error, Result};
pub use stats::{
    mem_stats_all, mem_stats_count, mem_stats_global, mem_stats_process, mem_stats_process_into,
    mem_stats_process_raw, GlobalStats, ProcStats,
};
pub use tamalloc::{tamalloc_raw, Tamalloc};

//! Safe wrappers of the usac-mm system calls.
//!
//! The ABI comes from `include/uapi/linux/usac_mem.h` through bindgen ([`sys`]); the wrappers turn
//! `-errno` into [`Error`] and, for memory, give an owning [`Tamalloc`] guard.

pub mod error;
pub mod procfs;
mod stats;
pub mod sys;
mod tamalloc;

pub use error::{Error, Result};
pub use stats::{
    mem_stats_all, mem_stats_global, mem_stats_process, mem_stats_process_raw, GlobalStats,
    ProcStats,
};
pub use tamalloc::{tamalloc, tamalloc_raw, Tamalloc};

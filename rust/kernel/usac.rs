// SPDX-License-Identifier: GPL-2.0

//! The usac-mm user ABI (`include/uapi/linux/usac_mem.h`) as types that can be copied to user
//! space.

use crate::types::AsBytes;

pub use uapi::{
    zamora_global_mem_stats, zamora_proc_mem_stats, ZAMORA_PROC_KTHREAD, ZAMORA_PROC_NO_MM,
};

// SAFETY: every field is an integer or an array of integers, and the explicit `__pad` fills the
// only gap, so a value has no uninitialized bytes (checked by the size assertion below).
unsafe impl AsBytes for zamora_proc_mem_stats {}
// SAFETY: every field is a `u64`, so a value has no uninitialized bytes.
unsafe impl AsBytes for zamora_global_mem_stats {}

// The sizes that the ABI has, with no implicit padding.
const _: () = assert!(core::mem::size_of::<zamora_proc_mem_stats>() == 104);
const _: () = assert!(core::mem::size_of::<zamora_global_mem_stats>() == 96);

// SPDX-License-Identifier: GPL-2.0

//! The usac-mm user ABI (`include/uapi/linux/usac_mem.h`) as types that can be copied to user
//! space.

use crate::{bindings, mm::Mm, transmute::AsBytes};

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

impl Mm {
    /// Pages in the address space (`total_vm`, /proc's `VmSize`) and in its `VM_TAMALLOC` VMAs
    /// (/proc's `VmTamalloc`), read as one pair (`usac_mm_vm_pages()`): the second is never
    /// larger than the first, as a pair of separate reads could give while the mappings change.
    #[inline]
    pub fn vm_and_tamalloc_pages(&self) -> (usize, usize) {
        let (mut total, mut tamalloc) = (0, 0);
        // SAFETY: `self` is valid; the function only reads the two counters, as one pair.
        unsafe { bindings::usac_mm_vm_pages(self.as_raw(), &mut total, &mut tamalloc) };
        (total, tamalloc)
    }

    /// Pages that the tamalloc shim (`mm/tamalloc.c`) has committed and zero-filled in this
    /// address space since it was created: an event count, which never drops.
    #[inline]
    pub fn lazy_zeroed_pages(&self) -> usize {
        // SAFETY: `self` is valid; the counter is atomic.
        unsafe { bindings::usac_mm_lazy_zeroed_pages(self.as_raw()) }
    }
}

// SPDX-License-Identifier: GPL-2.0

//! How [`super::vm_mmap_anonymous`] maps on this kernel: through the C `vm_mmap_anonymous()`
//! (mm/util.c), which is `vm_mmap_pgoff()`'s body with VMA flags.

use super::{mmap_result, AnonVmFlags};
use crate::{bindings, error::code::ENOMEM, error::Result};

/// Maps for the calling thread, after [`super::vm_mmap_anonymous`] checked the arguments.
pub(super) fn map(len: usize, prot: u32, flags: u32, vm_flags: AnonVmFlags) -> Result<usize> {
    // A kernel thread has no address space of its own, and one it borrows with
    // `kthread_use_mm()` is not the caller's to map into.
    let current = crate::current!();
    if current.is_kthread() || current.mm().is_none() {
        return Err(ENOMEM);
    }
    // SAFETY: Only converts the flag word.
    let vma_flags = unsafe { bindings::legacy_to_vma_flags(vm_flags.bits()) };
    // SAFETY: The calling thread is a user thread with an address space, which is the one the
    // function maps into; `vma_flags` holds only flags that are sound on an anonymous mapping
    // (the invariant of `AnonVmFlags`), and the function takes the mmap lock itself.
    let addr =
        unsafe { bindings::vm_mmap_anonymous(len, prot as usize, flags as usize, vma_flags) };
    mmap_result(addr)
}

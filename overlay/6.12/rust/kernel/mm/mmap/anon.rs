// SPDX-License-Identifier: GPL-2.0

//! How [`super::vm_mmap_anonymous`] maps on this kernel, which has no C function for it: the
//! steps of `vm_mmap_pgoff()` around `do_mmap()`, which takes the VMA flags.

use super::{mmap_result, AnonVmFlags};
use crate::{
    bindings,
    error::{code::ENOMEM, Error, Result},
    mm::CurrentMm,
};
use core::ptr::{addr_of_mut, null_mut};

// The LSM and userfaultfd calls are real functions when their subsystems are built in and
// helpers otherwise (rust/helpers/mm.c); either way bindgen names them the same.
use bindings::{security_mmap_file, userfaultfd_unmap_complete};

/// Maps for the calling thread, after [`super::vm_mmap_anonymous`] checked the arguments; a
/// kernel thread has no address space to map into (`ENOMEM`).
pub(super) fn map(len: usize, prot: u32, flags: u32, vm_flags: AnonVmFlags) -> Result<usize> {
    CurrentMm::with(|mm| mmap_locked(mm, len, prot, flags, vm_flags)).unwrap_or(Err(ENOMEM))
}

/// `vm_mmap_pgoff()` with VMA flags, for the calling thread's `mm`.
fn mmap_locked(
    mm: &CurrentMm,
    len: usize,
    prot: u32,
    flags: u32,
    vm_flags: AnonVmFlags,
) -> Result<usize> {
    // SAFETY: an anonymous mapping has no file; the hook accepts any `prot` and `flags`.
    let ret = unsafe { security_mmap_file(null_mut(), prot as _, flags as _) };
    if ret != 0 {
        return Err(Error::from_errno(ret));
    }

    // `do_mmap()` queues userfaultfd unmap events here when it replaces a mapping; they are
    // delivered after the mmap lock is released.
    let mut uf = bindings::list_head {
        next: null_mut(),
        prev: null_mut(),
    };
    let uf_ptr = addr_of_mut!(uf);
    // SAFETY: `uf` is a local that is not moved until the end of this function, so the list
    // may point at itself (INIT_LIST_HEAD).
    unsafe {
        (*uf_ptr).next = uf_ptr;
        (*uf_ptr).prev = uf_ptr;
    }

    let mut populate = 0;
    let addr = {
        let _lock = mm.mmap_write_lock_killable()?;
        // SAFETY: we hold the mmap write lock of `current->mm` (the invariant of `CurrentMm`),
        // which is the mm `do_mmap()` operates on; `vm_flags` holds only flags that are sound on
        // an anonymous mapping (the invariant of `AnonVmFlags`); `populate` and `uf` are valid
        // for the call.
        unsafe {
            bindings::do_mmap(
                null_mut(),
                0,
                len as _,
                prot as _,
                flags as _,
                vm_flags.bits(),
                0,
                &mut populate,
                uf_ptr,
            )
        }
    };
    // SAFETY: the mmap lock is released; `uf` holds what `do_mmap()` queued, if anything.
    unsafe { userfaultfd_unmap_complete(mm.as_raw(), uf_ptr) };

    let addr = mmap_result(addr)?;
    // MAP_POPULATE is not accepted, but a VM_LOCKED mapping (mm->def_flags after
    // mlockall(MCL_FUTURE)) must be populated as mmap() does: after the lock is released, and
    // through the fault path, so that a tamalloc VMA's pages go through its zero-fill shim.
    // Errors are ignored, as in vm_mmap_pgoff(): the mapping exists, and a page that could not
    // be populated is faulted in when it is touched.
    if populate != 0 {
        // SAFETY: the mmap lock is not held; `__mm_populate` takes it itself and accepts any
        // range, which it clamps to the VMAs it finds.
        unsafe { bindings::__mm_populate(addr, populate, 1) };
    }
    Ok(addr)
}

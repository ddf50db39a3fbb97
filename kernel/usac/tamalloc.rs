// SPDX-License-Identifier: GPL-2.0

//! `zamora_tamalloc`: reserve memory now, commit and zero each page on its first write.

use kernel::{
    mm::mmap::{map, prot, vm_mmap_anonymous, AnonVmFlags},
    page::page_align,
    prelude::*,
};

/// Reserves `size` bytes (rounded up to pages) of private anonymous read-write memory and
/// returns its address.
///
/// The VMA gets `VM_TAMALLOC`, so that the fault path zero-fills each page on its first write
/// (`mm/tamalloc.c`), `VM_DONTCOPY`, so that fork children do not inherit it (mm refuses
/// `MADV_DOFORK` on it), and `VM_NOHUGEPAGE`, which says in smaps what mm enforces for
/// `VM_TAMALLOC` anyway: no huge page, whose fault or collapse would bypass the shim. All are
/// set by `do_mmap()` under the mmap write lock, so no thread ever sees the VMA without them.
/// Nothing is committed here unless the process asked for it with `mlockall(MCL_FUTURE)`, in
/// which case every page is populated through the shim, as `mmap` would; accounting,
/// `RLIMIT_AS`, `RLIMIT_MEMLOCK` and overcommit are those of `mmap`.
pub(crate) fn tamalloc(size: usize, flags: u32) -> Result<usize> {
    // No flags are defined yet; rejecting them keeps them usable later.
    if size == 0 || flags != 0 {
        return Err(EINVAL);
    }
    let len = page_align(size).ok_or(ENOMEM)?;
    vm_mmap_anonymous(
        len,
        prot::READ | prot::WRITE,
        map::PRIVATE | map::ANONYMOUS,
        AnonVmFlags::TAMALLOC | AnonVmFlags::DONTCOPY | AnonVmFlags::NOHUGEPAGE,
    )
}

// SPDX-License-Identifier: GPL-2.0

//! Creating anonymous mappings in the calling process, with VMA flags set at creation.
//!
//! C header: [`include/linux/mm.h`](srctree/include/linux/mm.h).

use super::virt::{flags, vm_flags_t};
use crate::{
    bindings,
    error::{code::*, Error, Result},
};

/// Memory protection bits (`PROT_*`) accepted by [`vm_mmap_anonymous`].
pub mod prot {
    /// Readable.
    pub const READ: u32 = crate::bindings::PROT_READ;
    /// Writable.
    pub const WRITE: u32 = crate::bindings::PROT_WRITE;
}

/// Mapping type bits (`MAP_*`) accepted by [`vm_mmap_anonymous`].
pub mod map {
    /// Private copy-on-write memory.
    pub const PRIVATE: u32 = crate::bindings::MAP_PRIVATE;
    /// Memory shared with the children that inherit it.
    pub const SHARED: u32 = crate::bindings::MAP_SHARED;
    /// Not backed by a file.
    pub const ANONYMOUS: u32 = crate::bindings::MAP_ANONYMOUS;
    /// Do not account the mapping against the overcommit limit.
    pub const NORESERVE: u32 = crate::bindings::MAP_NORESERVE;
}

const MAP_ALLOWED: u32 = map::PRIVATE | map::SHARED | map::ANONYMOUS | map::NORESERVE;
const PROT_ALLOWED: u32 = prot::READ | prot::WRITE;

/// VMA flags that [`vm_mmap_anonymous`] may add to a new anonymous mapping.
///
/// Only flags that are sound on any anonymous mapping can be expressed: no `VM_HUGETLB`,
/// `VM_PFNMAP`, `VM_MIXEDMAP`, `VM_IO` or other flag that tells mm to expect something other
/// than anonymous pages.
///
/// # Invariants
///
/// The value holds no bits other than those of the constants below.
///
/// # Examples
///
/// ```
/// use kernel::mm::{mmap::AnonVmFlags, virt::flags};
///
/// let f = AnonVmFlags::DONTCOPY | AnonVmFlags::NOHUGEPAGE;
/// assert_eq!(f.bits(), flags::DONTCOPY | flags::NOHUGEPAGE);
/// assert_eq!(AnonVmFlags::NONE.bits(), 0);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AnonVmFlags(vm_flags_t);

impl AnonVmFlags {
    /// No flag.
    pub const NONE: Self = Self(0);
    /// Not copied into the child on fork (`VM_DONTCOPY`).
    pub const DONTCOPY: Self = Self(flags::DONTCOPY);
    /// Never backed by transparent huge pages (`VM_NOHUGEPAGE`).
    pub const NOHUGEPAGE: Self = Self(flags::NOHUGEPAGE);
    /// `zamora_tamalloc()` memory (`VM_TAMALLOC`), zero-filled on first write by
    /// `mm/tamalloc.c`; no flag (0) without `CONFIG_USAC_MEM`.
    // A `vm_flags_t` with CONFIG_USAC_MEM, a plain number without: the cast serves the latter.
    #[allow(clippy::unnecessary_cast)]
    pub const TAMALLOC: Self = Self(bindings::VM_TAMALLOC as vm_flags_t);

    /// Returns the flags as `vm_flags_t` bits.
    #[inline]
    pub const fn bits(self) -> vm_flags_t {
        self.0
    }
}

impl core::ops::BitOr for AnonVmFlags {
    type Output = Self;

    #[inline]
    fn bitor(self, other: Self) -> Self {
        // INVARIANT: The union of two values with only allowed bits has only allowed bits.
        Self(self.0 | other.0)
    }
}

/// Maps `len` bytes of anonymous memory into the calling process at an address of the kernel's
/// choosing and returns that address, like `mmap(NULL, len, prot, flags, -1, 0)`, with `vm_flags`
/// added to the new VMA as it is created.
///
/// This is the C `vm_mmap_anonymous()`, `vm_mmap_pgoff()` with extra VMA flags: the LSM hook,
/// `do_mmap()` under the mmap write lock (taken killably), userfaultfd unmap events after the lock
/// is released, and populating a `VM_LOCKED` mapping (after `mlockall(MCL_FUTURE)`) as `mmap`
/// does; accounting, `RLIMIT_AS`, `RLIMIT_MEMLOCK` and the overcommit policy are those of `mmap`.
/// Because the flags are passed to `do_mmap()`, no other thread can see the VMA without them.
///
/// `flags` must include [`map::ANONYMOUS`] and one of [`map::PRIVATE`]/[`map::SHARED`]; only
/// the `prot` and `map` bits of this module are accepted, anything else is `EINVAL`, and so is
/// [`AnonVmFlags::TAMALLOC`] on a shared mapping (shmem pages never reach the tamalloc shim).
///
/// # Errors
///
/// `EINVAL` for unsupported bits, `ENOMEM` when the mapping does not fit (or in a kernel
/// thread), `EAGAIN` when it would be locked beyond `RLIMIT_MEMLOCK`, `EINTR` when a fatal signal
/// arrives while waiting for the lock, or what the LSM hook returns.
///
/// # Examples
///
/// ```
/// use kernel::error::code::{EINVAL, ENOMEM};
/// use kernel::mm::mmap::{map, prot, vm_mmap_anonymous, AnonVmFlags};
///
/// let rw = prot::READ | prot::WRITE;
/// let private = map::PRIVATE | map::ANONYMOUS;
/// let none = AnonVmFlags::NONE;
/// // Bits outside the supported set are refused before anything else happens.
/// let (exec, populate) = (0x4, 0x8000); // PROT_EXEC, MAP_POPULATE
/// assert_eq!(vm_mmap_anonymous(4096, rw | exec, private, none), Err(EINVAL));
/// assert_eq!(vm_mmap_anonymous(4096, rw, map::PRIVATE, none), Err(EINVAL));
/// assert_eq!(vm_mmap_anonymous(4096, rw, private | populate, none), Err(EINVAL));
/// if cfg!(CONFIG_USAC_MEM) {
///     // Shared anonymous memory is shmem, which the tamalloc shim never sees.
///     let shared = map::SHARED | map::ANONYMOUS;
///     assert_eq!(vm_mmap_anonymous(4096, rw, shared, AnonVmFlags::TAMALLOC), Err(EINVAL));
/// }
/// // A kernel thread (KUnit runs doctests in one) has no address space to map into.
/// assert_eq!(vm_mmap_anonymous(4096, rw, private, AnonVmFlags::TAMALLOC), Err(ENOMEM));
/// ```
pub fn vm_mmap_anonymous(
    len: usize,
    prot: u32,
    flags: u32,
    vm_flags: AnonVmFlags,
) -> Result<usize> {
    if prot & !PROT_ALLOWED != 0 || flags & !MAP_ALLOWED != 0 || flags & map::ANONYMOUS == 0 {
        return Err(EINVAL);
    }
    let tamalloc = AnonVmFlags::TAMALLOC.bits();
    if tamalloc != 0 && vm_flags.bits() & tamalloc != 0 && flags & map::PRIVATE == 0 {
        return Err(EINVAL);
    }
    // A kernel thread has no address space of its own, and one it borrows with
    // `kthread_use_mm()` is not the caller's to map into.
    if crate::current!().is_kthread() {
        return Err(ENOMEM);
    }
    // SAFETY: The calling thread is a user thread, whose address space is the one the function
    // maps into; `vm_flags` holds only flags that are sound on an anonymous mapping (the invariant
    // of `AnonVmFlags`), and the function takes the mmap lock itself.
    let addr =
        unsafe { bindings::vm_mmap_anonymous(len, prot as usize, flags as usize, vm_flags.bits()) };
    mmap_result(addr)
}

/// The result of an mmap function: an address, or a negative errno cast to `unsigned long`
/// (`IS_ERR_VALUE`).
fn mmap_result(addr: usize) -> Result<usize> {
    let ret = addr as isize;
    if (-(bindings::MAX_ERRNO as isize)..0).contains(&ret) {
        return Err(Error::from_errno(ret as i32));
    }
    Ok(addr)
}

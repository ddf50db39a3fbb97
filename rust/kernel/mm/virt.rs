// SPDX-License-Identifier: GPL-2.0

//! Virtual memory areas (`struct vm_area_struct`) and their flags.
//!
//! C header: [`include/linux/mm.h`](srctree/include/linux/mm.h).

use crate::{bindings, types::Opaque};

/// A VMA, seen while the mmap lock of its address space is held.
///
/// # Invariants
///
/// The VMA is valid, and its address space's mmap lock is held, for as long as a `&VmaRef`
/// exists.
#[repr(transparent)]
pub struct VmaRef {
    vma: Opaque<bindings::vm_area_struct>,
}

impl VmaRef {
    /// Creates a reference from a raw pointer.
    ///
    /// # Safety
    ///
    /// `vma` must be a valid VMA whose mmap lock is held (for reading or writing) for `'a`.
    #[inline]
    pub unsafe fn from_raw<'a>(vma: *const bindings::vm_area_struct) -> &'a Self {
        // SAFETY: the caller guarantees validity for `'a`; the layouts match (`repr(transparent)`).
        unsafe { &*vma.cast() }
    }

    /// Returns the raw `struct vm_area_struct` pointer.
    #[inline]
    pub fn as_ptr(&self) -> *mut bindings::vm_area_struct {
        self.vma.get()
    }

    /// Returns the VMA's flags (`vm_flags`), stable while the mmap lock is held.
    #[inline]
    pub fn flags(&self) -> flags::vm_flags_t {
        // SAFETY: by the type invariant the VMA is valid and its flags cannot change under us;
        // both members of the union are a `vm_flags_t`.
        unsafe { (*self.as_ptr()).__bindgen_anon_2.vm_flags }
    }

    /// Returns the first address of the VMA.
    #[inline]
    pub fn vm_start(&self) -> usize {
        // SAFETY: by the type invariant the VMA is valid and its bounds cannot change under us;
        // `vm_rcu`, the other member of the union, is only used once the VMA is freed.
        unsafe { (*self.as_ptr()).__bindgen_anon_1.__bindgen_anon_1.vm_start }
    }

    /// Returns the address just past the VMA.
    #[inline]
    pub fn vm_end(&self) -> usize {
        // SAFETY: as in `vm_start`.
        unsafe { (*self.as_ptr()).__bindgen_anon_1.__bindgen_anon_1.vm_end }
    }

    /// Returns the size of the VMA in bytes.
    #[inline]
    pub fn size(&self) -> usize {
        self.vm_end() - self.vm_start()
    }

    /// Returns true if every flag of `flags` is set on the VMA.
    #[inline]
    pub fn has_flags(&self, flags: flags::vm_flags_t) -> bool {
        self.flags() & flags == flags
    }
}

/// VMA flags (`VM_*`).
///
/// # Examples
///
/// ```
/// use kernel::mm::virt::flags::*;
///
/// let known = [READ, WRITE, EXEC, SHARED, DONTCOPY, NOHUGEPAGE];
/// for (i, a) in known.iter().enumerate() {
///     assert_eq!(a.count_ones(), 1);
///     assert!(known[i + 1..].iter().all(|b| a & b == 0));
/// }
/// if cfg!(CONFIG_USAC_MEM) {
///     // A high bit of its own, apart from every flag above.
///     assert_eq!(TAMALLOC, 1 << 41);
///     assert!(known.iter().all(|f| f & TAMALLOC == 0));
/// } else {
///     assert_eq!(TAMALLOC, NONE);
/// }
/// ```
pub mod flags {
    use crate::bindings;

    /// The type of VMA flags.
    #[allow(non_camel_case_types)]
    pub type vm_flags_t = bindings::vm_flags_t;

    /// No flags.
    pub const NONE: vm_flags_t = 0;
    /// Mapped readable.
    pub const READ: vm_flags_t = bindings::VM_READ as vm_flags_t;
    /// Mapped writable.
    pub const WRITE: vm_flags_t = bindings::VM_WRITE as vm_flags_t;
    /// Mapped executable.
    pub const EXEC: vm_flags_t = bindings::VM_EXEC as vm_flags_t;
    /// Shared between the processes that map it.
    pub const SHARED: vm_flags_t = bindings::VM_SHARED as vm_flags_t;
    /// Not copied into the child on fork.
    pub const DONTCOPY: vm_flags_t = bindings::VM_DONTCOPY as vm_flags_t;
    /// Never backed by transparent huge pages (as after `MADV_NOHUGEPAGE`).
    pub const NOHUGEPAGE: vm_flags_t = bindings::VM_NOHUGEPAGE as vm_flags_t;
    /// Created by `zamora_tamalloc`: zero-filled on first write, counted per mm.
    // A `vm_flags_t` with CONFIG_USAC_MEM, a plain `0` without: the cast serves the latter.
    #[allow(clippy::unnecessary_cast)]
    pub const TAMALLOC: vm_flags_t = bindings::VM_TAMALLOC as vm_flags_t;
}

// SPDX-License-Identifier: GPL-2.0

//! The flags of virtual memory areas (`struct vm_area_struct`).
//!
//! C header: [`include/linux/mm.h`](srctree/include/linux/mm.h).

/// The type of VMA flags.
#[doc(inline)]
pub use crate::bindings::vm_flags_t;

/// VMA flags (`VM_*`), as [`vm_flags_t`] values.
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
    use super::vm_flags_t;
    use crate::bindings;

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

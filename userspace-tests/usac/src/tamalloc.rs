//! `zamora_tamalloc`: memory reserved now, zero-filled page by page on first write.

use crate::{sys, Error, Result};
use std::ptr::NonNull;

/// Calls `zamora_tamalloc(size, flags)` and returns the address it mapped.
pub fn tamalloc_raw(size: usize, flags: u32) -> Result<usize> {
    sys::syscall4(sys::__NR_zamora_tamalloc, size, flags as usize, 0, 0).map_err(Error)
}

/// Reserves `size` bytes; the memory reads as zero and is committed page by page when written.
pub fn tamalloc(size: usize) -> Result<NonNull<u8>> {
    let addr = tamalloc_raw(size, 0)?;
    NonNull::new(addr as *mut u8).ok_or(Error(libc::EFAULT))
}

/// An owned tamalloc mapping, unmapped on drop.
#[derive(Debug)]
pub struct Tamalloc {
    ptr: NonNull<u8>,
    len: usize,
}

impl Tamalloc {
    /// Reserves `size` bytes.
    pub fn new(size: usize) -> Result<Self> {
        Ok(Tamalloc {
            ptr: tamalloc(size)?,
            len: size,
        })
    }

    /// The first byte.
    pub fn as_ptr(&self) -> *mut u8 {
        self.ptr.as_ptr()
    }

    /// The requested size in bytes.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the mapping is empty (never: a tamalloc of 0 bytes is refused).
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The mapping as a byte slice (untouched pages read as zero without being committed).
    pub fn as_slice(&self) -> &[u8] {
        // SAFETY: the kernel mapped `len` readable bytes at `ptr`, alive until drop.
        unsafe { std::slice::from_raw_parts(self.ptr.as_ptr(), self.len) }
    }

    /// The mapping as a mutable byte slice (writing a page commits it).
    pub fn as_mut_slice(&mut self) -> &mut [u8] {
        // SAFETY: as in `as_slice`, and `&mut self` makes the borrow unique.
        unsafe { std::slice::from_raw_parts_mut(self.ptr.as_ptr(), self.len) }
    }
}

impl Drop for Tamalloc {
    fn drop(&mut self) {
        // SAFETY: we own the mapping; nothing borrows it past `self`.
        unsafe { libc::munmap(self.ptr.as_ptr().cast(), self.len) };
    }
}

//! `zamora_tamalloc`: memory reserved now, zero-filled page by page on first write.

use crate::os::Mapping;
use crate::{sys, Result};
use std::ops::{Deref, DerefMut};

/// Calls `zamora_tamalloc(size, flags)` and returns the address it mapped.
pub fn tamalloc_raw(size: usize, flags: u32) -> Result<usize> {
    // SAFETY: zamora_tamalloc writes no memory of the caller, whatever its arguments; the new
    // mapping is the caller's to own (or to leak).
    unsafe { sys::syscall4(sys::__NR_zamora_tamalloc, size, flags as usize, 0, 0) }
        .map_err(crate::Error)
}

/// An owned tamalloc mapping, unmapped on drop: a [`Mapping`] that `zamora_tamalloc` made.
#[derive(Debug)]
pub struct Tamalloc(Mapping);

impl Tamalloc {
    /// Reserves `size` bytes; the memory reads as zero and is committed page by page when
    /// written.
    pub fn new(size: usize) -> Result<Self> {
        Mapping::tamalloc(size).map(Tamalloc)
    }

    /// The mapping, to split, remap or unmap it.
    pub fn into_mapping(self) -> Mapping {
        self.0
    }
}

impl Deref for Tamalloc {
    type Target = Mapping;

    fn deref(&self) -> &Mapping {
        &self.0
    }
}

impl DerefMut for Tamalloc {
    fn deref_mut(&mut self) -> &mut Mapping {
        &mut self.0
    }
}

//! Memory mappings owned by the test and tool code: the one place where mapped bytes are read
//! and written through raw pointers, so that every caller stays in safe Rust.

use crate::{tamalloc_raw, Error};
use nix::errno::Errno;
use nix::sys::mman::{self, MRemapFlags, MapFlags, ProtFlags};
use std::num::NonZeroUsize;
use std::ptr::NonNull;
use std::sync::atomic::{AtomicU64, AtomicU8, Ordering};

/// A range of this process's address space that this value alone maps and unmaps on drop.
///
/// Byte accesses are bounds-checked (a panic outside the range) and atomic (relaxed): the
/// compiler neither skips nor merges them, since faulting untouched memory in is what the usac
/// tests measure, and threads may race on the same pages through `&Mapping` without a data
/// race. A read or write that the mapping's protection forbids, or of memory a fork child did
/// not inherit, ends the process with SIGSEGV; it never reaches memory outside the range.
#[derive(Debug)]
pub struct Mapping {
    ptr: NonNull<u8>,
    len: usize,
}

// SAFETY: a mapping is plain memory owned by this value; nothing in it is tied to a thread.
unsafe impl Send for Mapping {}
// SAFETY: through `&Mapping` the bytes are only accessed atomically.
unsafe impl Sync for Mapping {}

impl Mapping {
    /// `len` bytes of private anonymous read-write memory (`mmap`).
    pub fn anon(len: usize) -> nix::Result<Self> {
        Self::anon_with(
            len,
            ProtFlags::PROT_READ | ProtFlags::PROT_WRITE,
            MapFlags::MAP_PRIVATE,
        )
    }

    /// `len` bytes of anonymous memory with protection `prot` and `flags` (`MAP_SHARED` or
    /// `MAP_PRIVATE`, and e.g. `MAP_POPULATE`); `MAP_FIXED` is refused.
    pub fn anon_with(len: usize, prot: ProtFlags, flags: MapFlags) -> nix::Result<Self> {
        let len_nz = NonZeroUsize::new(len).ok_or(Errno::EINVAL)?;
        if flags.intersects(MapFlags::MAP_FIXED | MapFlags::MAP_FIXED_NOREPLACE) {
            return Err(Errno::EINVAL);
        }
        // SAFETY: without MAP_FIXED the kernel picks a free range, so no existing memory is
        // replaced; the new range is owned by the returned value alone.
        let ptr = unsafe { mman::mmap_anonymous(None, len_nz, prot, flags)? };
        Ok(Mapping {
            ptr: ptr.cast(),
            len,
        })
    }

    /// `len` bytes of `zamora_tamalloc` memory.
    pub fn tamalloc(len: usize) -> crate::Result<Self> {
        Self::tamalloc_with(len, 0)
    }

    /// `zamora_tamalloc(len, flags)` as is (every flag is refused today: the fuzzer checks it).
    pub fn tamalloc_with(len: usize, flags: u32) -> crate::Result<Self> {
        let addr = tamalloc_raw(len, flags)?;
        let ptr = NonNull::new(addr as *mut u8).ok_or(Error(libc::EFAULT))?;
        Ok(Mapping { ptr, len })
    }

    /// The first address.
    pub fn addr(&self) -> usize {
        self.ptr.as_ptr() as usize
    }

    /// The length in bytes.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the mapping is empty (never: a mapping has at least one byte).
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The address `offset` bytes in, checked against the length.
    fn at(&self, offset: usize) -> *mut u8 {
        assert!(
            offset < self.len,
            "offset {offset} outside a mapping of {} bytes",
            self.len
        );
        // SAFETY: `offset` is inside the mapping.
        unsafe { self.ptr.as_ptr().add(offset) }
    }

    /// The byte at `offset` as an atomic.
    fn byte(&self, offset: usize) -> &AtomicU8 {
        // SAFETY: inside the mapping, which stays mapped while `self` is borrowed; a byte is
        // always aligned; non-atomic access needs `&mut self`, so none overlaps this one.
        unsafe { AtomicU8::from_ptr(self.at(offset)) }
    }

    /// The sub-range `[offset, offset + len)`, checked, as a pointer for the mm calls.
    fn range(&self, offset: usize, len: usize) -> NonNull<libc::c_void> {
        assert!(
            offset.checked_add(len).is_some_and(|end| end <= self.len),
            "range {offset}+{len} outside a mapping of {} bytes",
            self.len
        );
        // SAFETY: `offset <= len`, so the pointer stays inside the mapping or one past it.
        unsafe { NonNull::new_unchecked(self.ptr.as_ptr().add(offset).cast()) }
    }

    /// Reads the byte at `offset` (the load happens: it faults the page in).
    pub fn read_byte(&self, offset: usize) -> u8 {
        self.byte(offset).load(Ordering::Relaxed)
    }

    /// Writes the byte at `offset`.
    pub fn write_byte(&self, offset: usize, value: u8) {
        self.byte(offset).store(value, Ordering::Relaxed)
    }

    /// The 8 bytes at `offset` (8-aligned) as an atomic counter, e.g. in a `MAP_SHARED` page
    /// that forked children count in.
    pub fn atomic_u64(&self, offset: usize) -> &AtomicU64 {
        assert!(
            offset.is_multiple_of(8),
            "unaligned atomic at offset {offset}"
        );
        let p = self.range(offset, 8);
        // SAFETY: 8 aligned bytes inside the mapping, mapped while `self` is borrowed;
        // non-atomic access needs `&mut self`, so none overlaps this one.
        unsafe { AtomicU64::from_ptr(p.as_ptr().cast()) }
    }

    /// Sets every byte of `[offset, offset + len)` to `value`.
    pub fn fill(&mut self, offset: usize, len: usize, value: u8) {
        let start = self.range(offset, len);
        // SAFETY: the range is inside the mapping, and `&mut self` excludes any borrow of it.
        unsafe { std::ptr::write_bytes(start.as_ptr().cast::<u8>(), value, len) }
    }

    /// The bytes (reading untouched pages maps the zero page; a PROT_NONE page faults). Takes
    /// `&mut self` so that no thread writes through `&Mapping` meanwhile.
    pub fn as_slice(&mut self) -> &[u8] {
        // SAFETY: the mapping's `len` bytes stay mapped while `self` is borrowed, uniquely.
        unsafe { std::slice::from_raw_parts(self.ptr.as_ptr(), self.len) }
    }

    /// The bytes, writable (writing a page commits it).
    pub fn as_mut_slice(&mut self) -> &mut [u8] {
        // SAFETY: as in `as_slice`, and `&mut self` makes the borrow unique.
        unsafe { std::slice::from_raw_parts_mut(self.ptr.as_ptr(), self.len) }
    }

    /// `mprotect` of `[offset, offset + len)`.
    pub fn protect(&mut self, offset: usize, len: usize, prot: ProtFlags) -> nix::Result<()> {
        let start = self.range(offset, len);
        // SAFETY: the range is this mapping's, and `&mut self` excludes any slice of it.
        unsafe { mman::mprotect(start, len, prot) }
    }

    /// `madvise(advice)` of `[offset, offset + len)`; `advice` is any `MADV_*` value (the
    /// kernel checks it), so that advice nix has no name for (`MADV_COLLAPSE`) can be tested.
    pub fn advise(&mut self, offset: usize, len: usize, advice: libc::c_int) -> nix::Result<()> {
        let start = self.range(offset, len);
        // SAFETY: the range is this mapping's and `&mut self` excludes any slice of it; advice
        // that drops pages (MADV_DONTNEED, MADV_FREE) makes private anonymous memory read zero,
        // which is still initialised memory.
        Errno::result(unsafe { libc::madvise(start.as_ptr(), len, advice) }).map(drop)
    }

    /// Splits the mapping at `offset`: `self` keeps `[0, offset)`, the returned value owns the
    /// rest. Both must be non-empty.
    pub fn split_off(&mut self, offset: usize) -> Mapping {
        assert!(
            0 < offset && offset < self.len,
            "split at {offset} of {}",
            self.len
        );
        let tail = Mapping {
            ptr: NonNull::new(self.at(offset)).expect("inside a mapping"),
            len: self.len - offset,
        };
        self.len = offset;
        tail
    }

    /// Unmaps the whole range now, with munmap's result (dropping does the same, silently).
    pub fn unmap(self) -> nix::Result<()> {
        let (ptr, len) = (self.ptr, self.len);
        std::mem::forget(self);
        // SAFETY: the range was owned by `self`, which is gone.
        unsafe { mman::munmap(ptr.cast(), len) }
    }

    /// `mremap` to `new_len` bytes, moving the mapping if it has to (`MREMAP_MAYMOVE`).
    pub fn remap(&mut self, new_len: usize) -> nix::Result<()> {
        // SAFETY: the range is owned by `self` and `&mut self` excludes any slice of it; on
        // success the old range is gone and `self` owns the new one.
        let ptr = unsafe {
            mman::mremap(
                self.ptr.cast(),
                self.len,
                new_len,
                MRemapFlags::MREMAP_MAYMOVE,
                None,
            )?
        };
        self.ptr = ptr.cast();
        self.len = new_len;
        Ok(())
    }

    /// `mremap` of the whole mapping onto `target`'s range (`MREMAP_FIXED`), keeping the length;
    /// the kernel unmaps what `target` mapped.
    pub fn move_onto(&mut self, target: Mapping) -> nix::Result<()> {
        let to = target.ptr;
        // The kernel may unmap the target even when the move fails: never unmap it again.
        std::mem::forget(target);
        // SAFETY: both ranges are ours (the target's owner is gone); on success `self` owns the
        // target's address.
        let ptr = unsafe {
            mman::mremap(
                self.ptr.cast(),
                self.len,
                self.len,
                MRemapFlags::MREMAP_MAYMOVE | MRemapFlags::MREMAP_FIXED,
                Some(to.cast()),
            )?
        };
        self.ptr = ptr.cast();
        Ok(())
    }
}

impl Drop for Mapping {
    fn drop(&mut self) {
        // SAFETY: the range is owned by `self`, and nothing borrows it past `self`.
        let _ = unsafe { mman::munmap(self.ptr.cast(), self.len) };
    }
}

/// A file mapped into this process, unmapped on drop. Its bytes are the file's, which the file
/// and every other mapping of it may change at any time (a `MAP_PRIVATE` page too, until its
/// first write copies it), so it offers only atomic byte accesses, never a slice. An access past
/// the file's end ends the process with SIGBUS.
#[derive(Debug)]
pub struct FileMapping(Mapping);

impl FileMapping {
    /// The first `len` bytes of `file`, read-write, `MAP_SHARED` (writes reach the file) or
    /// `MAP_PRIVATE` (writes copy the page into anonymous memory); other flags are refused.
    pub fn new(file: &std::fs::File, len: usize, flags: MapFlags) -> nix::Result<Self> {
        let len_nz = NonZeroUsize::new(len).ok_or(Errno::EINVAL)?;
        if flags != MapFlags::MAP_SHARED && flags != MapFlags::MAP_PRIVATE {
            return Err(Errno::EINVAL);
        }
        let prot = ProtFlags::PROT_READ | ProtFlags::PROT_WRITE;
        // SAFETY: without MAP_FIXED the kernel picks a free range, so no existing memory is
        // replaced; the range is unmapped by the `Mapping` inside, and the bytes, which others
        // may change, are only reached through its atomic accessors.
        let ptr = unsafe { mman::mmap(None, len_nz, prot, flags, file, 0)? };
        Ok(FileMapping(Mapping {
            ptr: ptr.cast(),
            len,
        }))
    }

    /// Reads the byte at `offset` (the load happens: it faults the page in).
    pub fn read_byte(&self, offset: usize) -> u8 {
        self.0.read_byte(offset)
    }

    /// Writes the byte at `offset`.
    pub fn write_byte(&self, offset: usize, value: u8) {
        self.0.write_byte(offset, value)
    }

    /// The length in bytes.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether the mapping is empty (never).
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAGE: usize = 4096;

    #[test]
    fn bytes_round_trip_and_read_zero_first() {
        let mut m = Mapping::anon(4 * PAGE).unwrap();
        assert_eq!(m.read_byte(3 * PAGE + 5), 0);
        m.write_byte(PAGE, 7);
        m.fill(2 * PAGE, PAGE, 9);
        assert_eq!((m.read_byte(PAGE), m.as_slice()[2 * PAGE + 100]), (7, 9));
        m.advise(0, 4 * PAGE, libc::MADV_DONTNEED).unwrap();
        assert!(m.as_slice().iter().all(|&b| b == 0));
    }

    #[test]
    #[should_panic(expected = "outside a mapping")]
    fn out_of_range_panics() {
        Mapping::anon(PAGE).unwrap().read_byte(PAGE);
    }

    #[test]
    fn split_remap_and_move() {
        let mut m = Mapping::anon(4 * PAGE).unwrap();
        m.write_byte(3 * PAGE, 3);
        let mut tail = m.split_off(2 * PAGE);
        assert_eq!(
            (m.len(), tail.len(), tail.addr()),
            (2 * PAGE, 2 * PAGE, m.addr() + 2 * PAGE)
        );
        tail.remap(8 * PAGE).unwrap();
        assert_eq!((tail.len(), tail.read_byte(PAGE)), (8 * PAGE, 3));
        let target = Mapping::anon(8 * PAGE).unwrap();
        let at = target.addr();
        tail.move_onto(target).unwrap();
        assert_eq!((tail.addr(), tail.read_byte(PAGE)), (at, 3));
        m.protect(0, PAGE, ProtFlags::PROT_READ).unwrap();
        assert_eq!(m.advise(0, PAGE, -1), Err(Errno::EINVAL));
        m.unmap().unwrap();
    }
}

//! Touching memory and asking about it: byte reads and writes that the compiler keeps, an owned
//! anonymous mapping, `madvise`, and this process's usac counters.

use std::io;

const PAGE: usize = 4096;

/// Reads the byte at `addr`, which must lie in a readable mapping of this process.
pub fn read_byte(addr: usize) -> u8 {
    // SAFETY: callers pass addresses inside a live readable mapping of theirs.
    unsafe { std::ptr::read_volatile(addr as *const u8) }
}

/// Writes the byte at `addr`, which must lie in a writable mapping of this process.
pub fn write_byte(addr: usize, value: u8) {
    // SAFETY: callers pass addresses inside a live writable mapping of theirs.
    unsafe { std::ptr::write_volatile(addr as *mut u8, value) }
}

/// 0 as `Ok`, anything else as the errno.
fn errno_of(ret: libc::c_int) -> Result<(), i32> {
    if ret == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error().raw_os_error().unwrap_or(0))
    }
}

/// `madvise(addr, len, advice)`, with the errno on failure.
pub fn madvise(addr: usize, len: usize, advice: libc::c_int) -> Result<(), i32> {
    // SAFETY: madvise checks the range itself; callers pass their own mappings.
    errno_of(unsafe { libc::madvise(addr as *mut libc::c_void, len, advice) })
}

/// `mprotect(addr, len, prot)`, with the errno on failure.
pub fn mprotect(addr: usize, len: usize, prot: libc::c_int) -> Result<(), i32> {
    // SAFETY: callers change the protection of their own mappings, which nothing borrows.
    errno_of(unsafe { libc::mprotect(addr as *mut libc::c_void, len, prot) })
}

/// `munmap(addr, len)`, with the errno on failure.
pub fn munmap(addr: usize, len: usize) -> Result<(), i32> {
    // SAFETY: callers unmap their own mappings, which nothing borrows any more.
    errno_of(unsafe { libc::munmap(addr as *mut libc::c_void, len) })
}

/// A private anonymous read-write mapping made with `mmap` (not tamalloc memory), unmapped on
/// drop.
#[derive(Debug)]
pub struct Anon {
    pub addr: usize,
    pub len: usize,
}

impl Anon {
    /// Maps `len` bytes.
    pub fn new(len: usize) -> io::Result<Self> {
        // SAFETY: a fresh anonymous mapping at an address of the kernel's choosing.
        let p = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                len,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
                -1,
                0,
            )
        };
        if p == libc::MAP_FAILED {
            return Err(io::Error::last_os_error());
        }
        Ok(Anon {
            addr: p as usize,
            len,
        })
    }
}

impl Drop for Anon {
    fn drop(&mut self) {
        // SAFETY: our own mapping, not borrowed past `self`.
        unsafe { libc::munmap(self.addr as *mut libc::c_void, self.len) };
    }
}

/// Fills 128 MiB of fresh memory with 0xa5, gives it back and drops the caches, so that the page
/// allocator, which hands out recently freed pages first, next gives pages that show the pattern
/// unless they are zeroed. Tests that check that first reads or writes see zeros call this first:
/// otherwise an unzeroed page could read zero by chance.
pub fn recycle_dirty_memory() -> io::Result<()> {
    const LEN: usize = 128 << 20;
    let dirty = Anon::new(LEN)?;
    // SAFETY: the whole mapping is ours and writable.
    unsafe { std::ptr::write_bytes(dirty.addr as *mut u8, 0xa5, LEN) };
    drop(dirty);
    std::fs::write("/proc/sys/vm/drop_caches", "3")
}

/// Makes this process's VmSize and VmRSS hold still while it works, so that another process
/// (memstat) can read them and the test can compare the reading with its own later: grows the
/// heap by `HEAP` once and touches it, keeps malloc from giving it back or from mapping
/// allocations of its own, and touches 512 KiB of stack. Afterwards allocations (below `HEAP`
/// in all) reuse touched pages. Idempotent.
pub fn hold_memory_still() -> io::Result<()> {
    const HEAP: usize = 8 << 20;
    static DONE: std::sync::Once = std::sync::Once::new();
    let mut result = Ok(());
    DONE.call_once(|| {
        // SAFETY: mallopt only changes malloc's tuning.
        let ok = unsafe {
            libc::mallopt(libc::M_TRIM_THRESHOLD, i32::MAX) == 1
                && libc::mallopt(libc::M_MMAP_THRESHOLD, HEAP as i32) == 1
        };
        if !ok {
            result = Err(io::Error::other("mallopt failed"));
            return;
        }
        // Small blocks come from the heap (the brk area), which then keeps them touched.
        let blocks: Vec<Vec<u8>> = (0..HEAP / PAGE).map(|_| vec![1u8; PAGE]).collect();
        drop(blocks);
        touch_stack();
    });
    result
}

/// Touches 512 KiB of stack below this frame.
#[inline(never)]
fn touch_stack() {
    let mut stack = [0u8; 512 << 10];
    for o in (0..stack.len()).step_by(PAGE) {
        stack[o] = 1;
    }
    std::hint::black_box(&mut stack);
}

/// This process's `lazy_zeroed_pages`, from `zamora_mem_stats_process`.
pub fn own_lazy_zeroed() -> usac::Result<u64> {
    usac::mem_stats_process(std::process::id() as i32).map(|s| s.lazy_zeroed_pages)
}

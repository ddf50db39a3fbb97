//! Touching memory and asking about it: byte reads and writes that the compiler keeps, an owned
//! anonymous mapping, `madvise`, and this process's usac counters.

use std::io;

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

/// `madvise(addr, len, advice)`, with the errno on failure.
pub fn madvise(addr: usize, len: usize, advice: libc::c_int) -> Result<(), i32> {
    // SAFETY: madvise checks the range itself; callers pass their own mappings.
    if unsafe { libc::madvise(addr as *mut libc::c_void, len, advice) } == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error().raw_os_error().unwrap_or(0))
    }
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

/// This process's `lazy_zeroed_pages`, from `zamora_mem_stats_process`.
pub fn own_lazy_zeroed() -> usac::Result<u64> {
    usac::mem_stats_process(std::process::id() as i32).map(|s| s.lazy_zeroed_pages)
}

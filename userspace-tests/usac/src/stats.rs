//! `zamora_mem_stats_process` and `zamora_mem_stats_global`.

use crate::{sys, Error, Result};

/// One process's memory statistics (`struct zamora_proc_mem_stats`).
pub type ProcStats = sys::zamora_proc_mem_stats;
/// System-wide memory statistics (`struct zamora_global_mem_stats`).
pub type GlobalStats = sys::zamora_global_mem_stats;

/// Calls `zamora_mem_stats_process(pid, buf, count, flags)` as is: returns the number of
/// processes found. For a safe call, see [`mem_stats_process_into`] and [`mem_stats_count`].
///
/// # Safety
///
/// The kernel writes the first `min(count, found)` records at `buf`, in order, and stops at the
/// first byte it cannot write (the call then fails with EFAULT). `buf` must be valid for writes
/// of `count` records (`count * 104` bytes: any bytes are a valid [`ProcStats`]), or valid for
/// writes up to a byte that the kernel cannot write: null, a kernel address, a read-only or
/// PROT_NONE page that the caller owns, or a page that stays unmapped during the call. With
/// `count == 0` any `buf` is fine.
pub unsafe fn mem_stats_process_raw(
    pid: i32,
    buf: *mut ProcStats,
    count: usize,
    flags: u32,
) -> Result<usize> {
    // SAFETY: `buf` and `count` are as `syscall4` requires them for this call (above).
    unsafe {
        sys::syscall4(
            sys::__NR_zamora_mem_stats_process,
            pid as usize,
            buf as usize,
            count,
            flags as usize,
        )
    }
    .map_err(Error)
}

/// Calls `zamora_mem_stats_process(pid, buf, buf.len(), flags)`: returns the number of processes
/// found, and fills the first `min(buf.len(), found)` entries of `buf` (for `pid > 0`, one).
pub fn mem_stats_process_into(pid: i32, buf: &mut [ProcStats], flags: u32) -> Result<usize> {
    // SAFETY: `buf` is valid for writes of `buf.len()` records.
    unsafe { mem_stats_process_raw(pid, buf.as_mut_ptr(), buf.len(), flags) }
}

/// The number of processes of the caller's pid namespace: the size query
/// `zamora_mem_stats_process(0, NULL, 0, 0)`.
pub fn mem_stats_count() -> Result<usize> {
    // SAFETY: with a count of 0 the kernel writes nothing.
    unsafe { mem_stats_process_raw(0, std::ptr::null_mut(), 0, 0) }
}

/// The statistics of process `pid` (a thread id resolves to its process).
pub fn mem_stats_process(pid: i32) -> Result<ProcStats> {
    if pid <= 0 {
        return Err(Error(libc::EINVAL));
    }
    let mut entry = ProcStats::default();
    mem_stats_process_into(pid, std::slice::from_mut(&mut entry), 0)?;
    Ok(entry)
}

/// The statistics of every process of the caller's pid namespace, in ascending pid order.
///
/// Asks for the count first, then fetches with some headroom, and retries with a bigger buffer
/// if processes appeared in between.
pub fn mem_stats_all() -> Result<Vec<ProcStats>> {
    let mut capacity = mem_stats_count()?;
    loop {
        capacity += capacity / 8 + 16;
        let mut entries = vec![ProcStats::default(); capacity];
        let found = mem_stats_process_into(0, &mut entries, 0)?;
        if found <= capacity {
            entries.truncate(found);
            return Ok(entries);
        }
        capacity = found;
    }
}

/// System-wide totals over the processes of the caller's pid namespace.
pub fn mem_stats_global() -> Result<GlobalStats> {
    let mut out = GlobalStats::default();
    // SAFETY: `out` is valid for writes of the record.
    unsafe {
        sys::syscall4(
            sys::__NR_zamora_mem_stats_global,
            &mut out as *mut GlobalStats as usize,
            0,
            0,
            0,
        )
    }
    .map_err(Error)?;
    Ok(out)
}

impl ProcStats {
    /// The command name, up to its NUL.
    pub fn comm(&self) -> String {
        let bytes: Vec<u8> = self
            .comm
            .iter()
            .take_while(|&&c| c != 0)
            .map(|&c| c as u8)
            .collect();
        String::from_utf8_lossy(&bytes).into_owned()
    }

    /// Whether this is a kernel thread.
    pub fn is_kthread(&self) -> bool {
        self.flags & sys::ZAMORA_PROC_KTHREAD != 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn abi_layout_is_the_header_one() {
        // 4+4+8+8+4+4+4+4+8+8+16+32
        assert_eq!(std::mem::size_of::<ProcStats>(), 104);
        assert_eq!(std::mem::size_of::<GlobalStats>(), 96);
        assert_eq!(std::mem::offset_of!(ProcStats, comm), 56);
    }

    #[test]
    fn comm_stops_at_nul() {
        let mut s = ProcStats::default();
        for (d, c) in s.comm.iter_mut().zip(b"init\0xyz") {
            *d = *c as _;
        }
        assert_eq!(s.comm(), "init");
    }
}

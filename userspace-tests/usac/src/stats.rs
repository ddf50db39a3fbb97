//! `zamora_mem_stats_process` and `zamora_mem_stats_global`.

use crate::{sys, Error, Result};

/// One process's memory statistics (`struct zamora_proc_mem_stats`).
pub type ProcStats = sys::zamora_proc_mem_stats;
/// System-wide memory statistics (`struct zamora_global_mem_stats`).
pub type GlobalStats = sys::zamora_global_mem_stats;

/// Calls `zamora_mem_stats_process(pid, buf, count, flags)` as is: returns the number of
/// processes found. `buf` may be null with `count == 0` (a size query).
pub fn mem_stats_process_raw(
    pid: i32,
    buf: *mut ProcStats,
    count: usize,
    flags: u32,
) -> Result<usize> {
    sys::syscall4(
        sys::__NR_zamora_mem_stats_process,
        pid as usize,
        buf as usize,
        count,
        flags as usize,
    )
    .map_err(Error)
}

/// The statistics of process `pid` (a thread id resolves to its process).
pub fn mem_stats_process(pid: i32) -> Result<ProcStats> {
    if pid <= 0 {
        return Err(Error(libc::EINVAL));
    }
    let mut entry = ProcStats::default();
    mem_stats_process_raw(pid, &mut entry, 1, 0)?;
    Ok(entry)
}

/// The statistics of every process of the caller's pid namespace, in ascending pid order.
///
/// Asks for the count first, then fetches with some headroom, and retries with a bigger buffer
/// if processes appeared in between.
pub fn mem_stats_all() -> Result<Vec<ProcStats>> {
    let mut capacity = mem_stats_process_raw(0, std::ptr::null_mut(), 0, 0)?;
    loop {
        capacity += capacity / 8 + 16;
        let mut entries = vec![ProcStats::default(); capacity];
        let found = mem_stats_process_raw(0, entries.as_mut_ptr(), capacity, 0)?;
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
    sys::syscall4(
        sys::__NR_zamora_mem_stats_global,
        &mut out as *mut GlobalStats as usize,
        0,
        0,
        0,
    )
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

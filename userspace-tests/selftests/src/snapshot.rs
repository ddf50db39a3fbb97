//! A per-process listing and a global reading of the same moment, for checking that the global
//! call sums exactly what the listing shows.

use crate::procfs;
use usac::{mem_stats_global, mem_stats_process_into, GlobalStats, ProcStats};

/// The fields `zamora_mem_stats_global` sums over the processes with an address space.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Sums {
    pub processes: u64,
    pub reserved_kb: u64,
    pub committed_kb: u64,
    pub tamalloc_kb: u64,
    pub lazy_zeroed_pages: u64,
}

impl Sums {
    /// The sums over the entries of a listing that have an address space.
    pub fn of_listing(list: &[ProcStats]) -> Self {
        let with_mm = list
            .iter()
            .filter(|e| e.flags & usac::sys::ZAMORA_PROC_NO_MM == 0);
        with_mm.fold(Sums::default(), |s, e| Sums {
            processes: s.processes + 1,
            reserved_kb: s.reserved_kb + e.reserved_kb,
            committed_kb: s.committed_kb + e.committed_kb,
            tamalloc_kb: s.tamalloc_kb + e.tamalloc_kb,
            lazy_zeroed_pages: s.lazy_zeroed_pages + e.lazy_zeroed_pages,
        })
    }

    /// The same fields of a global reading.
    pub fn of_global(g: &GlobalStats) -> Self {
        Sums {
            processes: g.nr_processes,
            reserved_kb: g.reserved_kb,
            committed_kb: g.committed_kb,
            tamalloc_kb: g.tamalloc_kb,
            lazy_zeroed_pages: g.lazy_zeroed_pages,
        }
    }
}

/// How often [`still_listing_and_global`] tries before it gives up on a process set that keeps
/// changing.
const TRIES: usize = 10;

/// A listing and a global reading taken back to back while the set of processes held still.
///
/// The caller must be single-threaded and other processes idle (the VM is quiescent), so that
/// only processes appearing or exiting can change a sum: the pair is taken again, at most
/// `TRIES` times, only while /proc shows the set changing around it. Nothing is allocated or
/// first touched between the two calls (the buffer is written beforehand, and a first pair warms
/// up the code and stack they use), so this process's own counters stay put too.
pub fn still_listing_and_global() -> Result<(Vec<ProcStats>, GlobalStats), String> {
    let canary = ProcStats {
        pid: -1,
        ..Default::default()
    };
    let mut seen = Vec::new();
    for _ in 0..TRIES {
        let before = procfs::pids().map_err(|e| format!("/proc: {e}"))?;
        // Written now, so that the kernel's copy does not fault pages in (and grow our RSS).
        let mut buf = vec![canary; before.len() + 64];
        let mut pair = || -> Result<(usize, GlobalStats), String> {
            let n = mem_stats_process_into(0, &mut buf, 0).map_err(|e| format!("listing: {e}"))?;
            let g = mem_stats_global().map_err(|e| format!("global: {e}"))?;
            Ok((n, g))
        };
        pair()?;
        let (n, g) = pair()?;
        let after = procfs::pids().map_err(|e| format!("/proc: {e}"))?;
        buf.truncate(n);
        let listed: Vec<i32> = buf.iter().map(|e| e.pid).collect();
        if listed == before && before == after {
            return Ok((buf, g));
        }
        seen.push((before.len(), listed.len(), after.len()));
    }
    Err(format!(
        "the process set changed around each of {TRIES} listings (/proc, listing, /proc): {seen:?}"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sums_skip_processes_without_memory() {
        let user = ProcStats {
            reserved_kb: 100,
            committed_kb: 40,
            tamalloc_kb: 8,
            lazy_zeroed_pages: 2,
            ..Default::default()
        };
        let kthread = ProcStats {
            flags: usac::sys::ZAMORA_PROC_KTHREAD | usac::sys::ZAMORA_PROC_NO_MM,
            ..Default::default()
        };
        let want = Sums {
            processes: 2,
            reserved_kb: 200,
            committed_kb: 80,
            tamalloc_kb: 16,
            lazy_zeroed_pages: 4,
        };
        assert_eq!(Sums::of_listing(&[user, kthread, user]), want);
    }
}

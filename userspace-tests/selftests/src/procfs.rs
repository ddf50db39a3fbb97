//! Parsing the /proc files the tests compare against.

use std::io;
use usac::ProcStats;

pub use usac::procfs::{field_in, parse_smaps, Vma};

/// `field` of /proc/`pid`/status (`pid` may be "self").
pub fn status_field(pid: &str, field: &str) -> io::Result<u64> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    field_in(&text, field).ok_or_else(|| {
        io::Error::new(
            io::ErrorKind::NotFound,
            format!("no {field} in /proc/{pid}/status"),
        )
    })
}

/// The mappings of process `pid` ("self" for this one).
pub fn smaps_of(pid: &str) -> io::Result<Vec<Vma>> {
    Ok(parse_smaps(&std::fs::read_to_string(format!(
        "/proc/{pid}/smaps"
    ))?))
}

/// The mappings of this process.
pub fn own_smaps() -> io::Result<Vec<Vma>> {
    smaps_of("self")
}

/// The mapping of process `pid` that contains `addr`.
pub fn vma_at_of(pid: &str, addr: usize) -> io::Result<Option<Vma>> {
    Ok(smaps_of(pid)?
        .into_iter()
        .find(|v| v.start <= addr && addr < v.end))
}

/// The mapping of this process that contains `addr`.
pub fn own_vma_at(addr: usize) -> io::Result<Option<Vma>> {
    vma_at_of("self", addr)
}

/// The mapping of process `pid` that contains `addr`; an error if there is none.
pub fn vma_containing(pid: &str, addr: usize) -> io::Result<Vma> {
    vma_at_of(pid, addr)?.ok_or_else(|| {
        io::Error::new(
            io::ErrorKind::NotFound,
            format!("no mapping at {addr:#x} in process {pid}"),
        )
    })
}

/// The mapping of this process that contains `addr`; an error if there is none.
pub fn own_vma_containing(addr: usize) -> io::Result<Vma> {
    vma_containing("self", addr)
}

/// The processes (thread-group ids) that /proc lists, kernel threads included: what a
/// `zamora_mem_stats_process(0, ...)` listing of the same moment finds.
pub fn pids() -> io::Result<Vec<i32>> {
    let mut pids = Vec::new();
    for entry in std::fs::read_dir("/proc")? {
        if let Ok(pid) = entry?.file_name().to_string_lossy().parse() {
            pids.push(pid);
        }
    }
    pids.sort_unstable();
    Ok(pids)
}

/// Checks the pids of a listing taken between two readings of /proc's: every process that /proc
/// showed both times must be listed, and none that /proc showed neither time (in a quiescent VM
/// only kernel threads come and go).
pub fn check_listed_pids(listed: &[i32], before: &[i32], after: &[i32]) -> Result<(), String> {
    let set = |p: &[i32]| {
        p.iter()
            .copied()
            .collect::<std::collections::BTreeSet<i32>>()
    };
    let (listed, before, after) = (set(listed), set(before), set(after));
    if listed.is_superset(&(&before & &after)) && listed.is_subset(&(&before | &after)) {
        Ok(())
    } else {
        Err(format!(
            "pids listed: {listed:?}; /proc before: {before:?}, after: {after:?}"
        ))
    }
}

/// How many processes /proc lists.
pub fn process_count() -> io::Result<usize> {
    Ok(pids()?.len())
}

fn proc_text(pid: i32, file: &str) -> Result<String, String> {
    proc_text_path(&format!("/proc/{pid}/{file}"))
}

fn proc_number(pid: i32, file: &str) -> Result<i64, String> {
    let text = proc_text(pid, file)?;
    text.trim()
        .parse()
        .map_err(|e| format!("/proc/{pid}/{file}: {text:?}: {e}"))
}

/// The inputs of an OOM score, from other files than `oom_score` (the syscall and
/// /proc/PID/oom_score share the kernel's oom_badness_locked(), so comparing them with each other
/// would judge that code by itself).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OomInputs {
    /// VmRSS + VmSwap + VmPTE of /proc/PID/status, in KiB (0 without an address space).
    pub memory_kb: u64,
    /// /proc/PID/oom_score_adj.
    pub adj: i64,
    /// MemTotal + SwapTotal of /proc/meminfo, in KiB.
    pub total_kb: u64,
    /// The OOM killer never picks it: the initial namespace's init, a kernel thread, a process
    /// without an address space, or oom_score_adj -1000.
    pub unkillable: bool,
    /// How far, in pages, the counters oom_badness() reads may be from those /proc/PID/status
    /// shows: status sums each per-CPU counter exactly (get_mm_counter_sum()), oom_badness()
    /// reads its approximate global part (get_mm_counter()), which misses each CPU's pending
    /// delta, less than the batch (percpu_counter_batch: max(32, 2 * CPUs)) on every CPU; for
    /// the four counters it reads (anonymous, file, shmem pages, swap entries).
    pub counter_error_pages: i64,
}

impl OomInputs {
    /// The score as proc_oom_score() computes it from oom_badness() with `pages` of rss, swap
    /// entries and page tables: plus oom_score_adj thousandths of RAM + swap, scaled to 0..2000
    /// of RAM + swap, times 2/3; 0 for an unkillable process.
    fn score_of(&self, pages: i64) -> i64 {
        if self.unkillable {
            return 0;
        }
        let total_pages = (self.total_kb / 4) as i64;
        let points = pages + self.adj * (total_pages / 1000);
        (1000 + points * 1000 / total_pages) * 2 / 3
    }

    /// The score from the exact counters /proc/PID/status shows.
    pub fn score(&self) -> i64 {
        self.score_of((self.memory_kb / 4) as i64)
    }

    /// The scores the kernel may compute from its approximate counters (monotonic in the pages).
    pub fn scores(&self) -> std::ops::RangeInclusive<i64> {
        let pages = (self.memory_kb / 4) as i64;
        self.score_of((pages - self.counter_error_pages).max(0))
            ..=self.score_of(pages + self.counter_error_pages)
    }
}

/// The number of online CPUs (`sysconf(_SC_NPROCESSORS_ONLN)`).
fn online_cpus() -> Result<i64, String> {
    use nix::unistd::{sysconf, SysconfVar};
    match sysconf(SysconfVar::_NPROCESSORS_ONLN) {
        Ok(Some(n)) => Ok(n),
        other => Err(format!("sysconf(_SC_NPROCESSORS_ONLN): {other:?}")),
    }
}

/// The OOM score inputs of process `pid` from its status (`status`), and /proc/meminfo. A
/// process whose leader has exited has no memory in its own status: as oom_badness() does, the
/// score then takes the memory of a thread that still has the address space
/// (/proc/PID/task/TID/status); with none (a zombie), the process is unkillable.
pub fn oom_inputs(pid: i32, status: &str, kthread: bool) -> Result<OomInputs, String> {
    let meminfo = proc_text_path("/proc/meminfo")?;
    let mem = |f| field_in(&meminfo, f).ok_or_else(|| format!("no {f} in /proc/meminfo"));
    let total_kb = mem("MemTotal")? + mem("SwapTotal")?;
    let adj = proc_number(pid, "oom_score_adj")?;
    let live_thread = || -> Option<String> {
        std::fs::read_dir(format!("/proc/{pid}/task"))
            .ok()?
            .flatten()
            .filter_map(|t| std::fs::read_to_string(t.path().join("status")).ok())
            .find(|s| field_in(s, "VmRSS").is_some())
    };
    let with_mm = match field_in(status, "VmRSS") {
        Some(_) => Some(status.to_string()),
        None if kthread => None,
        None => live_thread(),
    };
    let memory_kb = with_mm.as_deref().map_or(0, |s| {
        let kb = |f| field_in(s, f).unwrap_or(0);
        kb("VmRSS") + kb("VmSwap") + kb("VmPTE")
    });
    let cpus = online_cpus()?;
    let batch = 32.max(2 * cpus);
    Ok(OomInputs {
        memory_kb,
        adj,
        total_kb,
        unkillable: pid == 1 || kthread || with_mm.is_none() || adj == -1000,
        counter_error_pages: 4 * cpus * (batch - 1),
    })
}

fn proc_text_path(path: &str) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))
}

/// Whether /proc still shows process `pid`.
pub fn exists(pid: i32) -> bool {
    std::path::Path::new(&format!("/proc/{pid}")).exists()
}

/// How comparing a listed entry with /proc went.
#[derive(Debug, PartialEq, Eq)]
pub enum Compared {
    Equal,
    /// The process exited after the listing: /proc no longer has it.
    Gone,
}

/// Compares an entry of `zamora_mem_stats_process` with what /proc shows of the process now:
/// every field /proc has. A /proc read that fails is an error unless the process is gone.
pub fn compare_with_proc(e: &ProcStats) -> Result<Compared, String> {
    match compare_fields(e) {
        Err(_) if !exists(e.pid) => Ok(Compared::Gone),
        other => other.map(|()| Compared::Equal),
    }
}

fn compare_fields(e: &ProcStats) -> Result<(), String> {
    let pid = e.pid;
    let status = proc_text(pid, "status")?;
    // /proc shows no memory lines for a process without an address space: its numbers are 0.
    let no_mm = e.flags & usac::sys::ZAMORA_PROC_NO_MM != 0;
    let field = |f| match field_in(&status, f) {
        Some(v) => Ok(v as i64),
        None if no_mm && f != "Kthread" => Ok(0),
        None => Err(format!("pid {pid}: no {f} in /proc/{pid}/status")),
    };
    let checks = [
        (
            "reserved_kb (VmSize)",
            e.reserved_kb as i64,
            field("VmSize")?,
        ),
        (
            "committed_kb (VmRSS)",
            e.committed_kb as i64,
            field("VmRSS")?,
        ),
        (
            "tamalloc_kb (VmTamalloc)",
            e.tamalloc_kb as i64,
            field("VmTamalloc")?,
        ),
        (
            "lazy_zeroed_pages (TamallocZeroedPages)",
            e.lazy_zeroed_pages as i64,
            field("TamallocZeroedPages")?,
        ),
        (
            "kthread (Kthread)",
            e.is_kthread() as i64,
            field("Kthread")?,
        ),
        (
            "oom_score",
            e.oom_score as i64,
            proc_number(pid, "oom_score")?,
        ),
        (
            "oom_score_adj",
            e.oom_score_adj as i64,
            proc_number(pid, "oom_score_adj")?,
        ),
    ];
    // /proc/PID/oom_score runs the same oom_badness_locked() as the syscall: the score is also
    // held to an oracle that shares no code with it, computed from status and meminfo (a bug in
    // that function moves every score of a process with a few MiB by several points). The
    // oracle has the exact counters, the kernel its approximate ones: the score must lie in the
    // range their difference allows (a point or two), and any difference is shown.
    let inputs = oom_inputs(pid, &status, e.is_kthread())?;
    let oracle = inputs.score();
    if i64::from(e.oom_score) != oracle {
        println!(
            "# pid {pid} ({}): oom_score {} vs {oracle} from the exact counters {inputs:?}",
            e.comm(),
            e.oom_score
        );
    }
    if !inputs.scores().contains(&i64::from(e.oom_score)) {
        return Err(format!(
            "pid {pid} ({}): oom_score {} outside {:?} computed from status and meminfo",
            e.comm(),
            e.oom_score,
            inputs.scores()
        ));
    }
    for (what, ours, procs) in checks {
        if ours != procs {
            return Err(format!(
                "pid {pid} ({}): {what} {ours} != /proc {procs}",
                e.comm()
            ));
        }
    }
    // For a kernel thread /proc shows its full name (and a workqueue worker's current work);
    // the ABI has the task's comm, which starts it.
    let comm = proc_text(pid, "comm")?;
    let comm = comm.trim_end_matches('\n');
    let ours = e.comm();
    if !(comm == ours || e.is_kthread() && comm.starts_with(&ours)) {
        return Err(format!("pid {pid}: comm {ours:?} != /proc {comm:?}"));
    }
    let pct = (e.committed_kb * 10000)
        .checked_div(e.reserved_kb)
        .unwrap_or(0);
    if u64::from(e.committed_pct_x100) != pct || e.__pad != 0 || e.__spare != [0; 4] {
        return Err(format!("pid {pid}: pct/padding wrong: {e:?}"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn oom_score_as_proc_oom_score_computes_it() {
        // 2 GiB of RAM, no swap: 524288 pages, adj unit 524 pages.
        let base = OomInputs {
            memory_kb: 4096,
            adj: 0,
            total_kb: 2 << 20,
            unkillable: false,
            counter_error_pages: 248, // 2 CPUs: 4 counters * 2 CPUs * (batch 32 - 1)
        };
        // (1000 + 1024 * 1000 / 524288) * 2 / 3 = (1000 + 1) * 2 / 3
        assert_eq!(base.score(), 667);
        assert_eq!(OomInputs { adj: 1000, ..base }.score(), 1334); // (1000 + 1001) * 2 / 3
        assert_eq!(OomInputs { adj: -999, ..base }.score(), 2); // (1000 - 996) * 2 / 3
        assert_eq!(OomInputs { adj: 500, ..base }.score(), 1000);
        assert_eq!(
            OomInputs {
                unkillable: true,
                ..base
            }
            .score(),
            0
        );
        // The kernel's score from counters up to 248 pages off: (1000 + 776 * 1000 / 524288)
        // * 2 / 3 = 667 and (1000 + 1272 * 1000 / 524288) * 2 / 3 = 668.
        assert_eq!(base.scores(), 667..=668);
        let big = OomInputs {
            memory_kb: 16 << 10,
            ..base
        };
        assert_eq!(big.scores(), 671..=672);
    }

    #[test]
    fn listed_pids_between_two_readings() {
        let (before, after) = ([1, 2, 5], [1, 2, 6]);
        assert!(check_listed_pids(&[1, 2], &before, &after).is_ok());
        assert!(check_listed_pids(&[1, 2, 5, 6], &before, &after).is_ok());
        assert!(check_listed_pids(&[1], &before, &after).is_err());
        assert!(check_listed_pids(&[1, 2, 7], &before, &after).is_err());
    }
}

// SPDX-License-Identifier: GPL-2.0

//! `zamora_mem_stats_process` and `zamora_mem_stats_global`: reserved and committed memory and
//! OOM scores, for one process or every process of the caller's pid namespace.
//!
//! Cost and locking: processes are walked under `rcu_read_lock`, 64 per read-side critical
//! section, with a scheduling point and a check for a fatal signal (`EINTR`) between two, and
//! each is read there under its task lock, once: the address space's counters
//! (`total_vm`, RSS, the tamalloc size and zero-fill count, all kept by mm as the address space
//! changes), the command name and the OOM badness, as the OOM killer reads them while it walks
//! the tasks. No lock of another process's address space is taken, no VMA is walked and no task
//! reference is taken, so the cost of a process does not depend on its mappings, and a process
//! that holds its mmap lock does not stall the call. Nothing sleeps under RCU: the output buffer
//! gets room for a batch before each critical section (sized by what the caller may see, and
//! charged to its memory cgroup), and `copy_to_user` comes last, outside every lock.

use crate::sort::heapsort_by_key;
use kernel::{
    alloc::{flags::*, KVVec},
    mm::{oom, Mm, MmWithUser},
    page::PAGE_SIZE,
    pid_namespace::PidNamespace,
    prelude::*,
    sync::{aref::ARef, rcu},
    task::{self, Pid, PtraceMode, Task},
    uaccess::{UserPtr, UserSlice},
    usac::{
        zamora_global_mem_stats, zamora_proc_mem_stats, ZAMORA_PROC_KTHREAD, ZAMORA_PROC_NO_MM,
    },
};

/// Tasks referenced per RCU critical section.
const BATCH: usize = 64;

const KB_PER_PAGE: u64 = (PAGE_SIZE / 1024) as u64;

/// Which processes a caller may see (`usac_mem.restrict_stats`).
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Visibility {
    /// Every process of the caller's pid namespace: the fields are those that a default procfs
    /// mount shows to any user. Only with `usac_mem.restrict_stats=0`, an opt-in.
    All,
    /// Only the processes the caller may read with `ptrace_may_access(PTRACE_MODE_READ_FSCREDS)`
    /// (which asks the LSMs), as /proc mounted with `hidepid=invisible` does: the default.
    Ptraceable,
}

impl Visibility {
    /// The visibility that the `restrict_stats` switch selects.
    pub(crate) fn from_switch(restrict: bool) -> Self {
        if restrict {
            Self::Ptraceable
        } else {
            Self::All
        }
    }

    /// Whether the caller may see `task`.
    fn allows(self, task: &Task) -> bool {
        self == Self::All || task.ptrace_may_access(PtraceMode::READ_FSCREDS)
    }
}

/// What one address space uses, in pages.
#[derive(Default)]
struct Usage {
    has_mm: bool,
    reserved: u64,
    committed: u64,
    tamalloc: u64,
    lazy_zeroed: u64,
}

impl Usage {
    /// Reads the counters of `mm`; O(1), takes no lock of `mm`.
    fn of(mm: &MmWithUser) -> Self {
        let (reserved, tamalloc) = mm.vm_and_tamalloc_pages();
        Self {
            has_mm: true,
            reserved: reserved as u64,
            committed: mm.rss() as u64,
            tamalloc: tamalloc as u64,
            lazy_zeroed: mm.lazy_zeroed_pages() as u64,
        }
    }

    /// Adds `other` to `self`.
    fn add(&mut self, other: &Self) {
        self.reserved += other.reserved;
        self.committed += other.committed;
        self.tamalloc += other.tamalloc;
        self.lazy_zeroed += other.lazy_zeroed;
    }
}

/// `/proc/PID/oom_score` from the OOM badness, scaled as `proc_oom_score()` does.
fn oom_score(badness: Option<i64>, total_pages: usize) -> i32 {
    match badness {
        // `points` is unsigned long in C; the scaled badness lies in [0, 2000].
        Some(badness) => ((1000 + badness * 1000 / total_pages as i64) * 2 / 3) as i32,
        None => 0,
    }
}

/// The ABI record of process `pid`, read under one task lock round-trip.
fn process_entry(pid: Pid, task: &Task, total_pages: usize) -> zamora_proc_mem_stats {
    let (usage, comm, badness) = {
        let locked = task.lock();
        let (usage, badness) = match locked.mm() {
            Some(mm) => (Usage::of(mm), locked.oom_badness(total_pages)),
            None => (Usage::default(), None),
        };
        (usage, locked.comm(), badness)
    };
    // A process whose leader has exited while other threads run: its leader has no address space,
    // as /proc/PID/status shows, but `oom_badness()` scores one of the other threads. Only then
    // does the score cost a second lock round-trip.
    let badness = if usage.has_mm || task.is_kthread() {
        badness
    } else {
        oom::badness(task, total_pages)
    };
    let mut entry = zamora_proc_mem_stats {
        pid,
        reserved_kb: usage.reserved * KB_PER_PAGE,
        committed_kb: usage.committed * KB_PER_PAGE,
        committed_pct_x100: (usage.committed * 10000)
            .checked_div(usage.reserved)
            .unwrap_or(0) as u32,
        oom_score: oom_score(badness, total_pages),
        oom_score_adj: task.oom_score_adj().into(),
        tamalloc_kb: usage.tamalloc * KB_PER_PAGE,
        lazy_zeroed_pages: usage.lazy_zeroed,
        ..Default::default()
    };
    if task.is_kthread() {
        entry.flags |= ZAMORA_PROC_KTHREAD;
    }
    if !usage.has_mm {
        entry.flags |= ZAMORA_PROC_NO_MM;
    }
    entry.comm = comm;
    entry
}

/// How many processes a walk found that the caller may see, and how many it hid.
#[derive(Default)]
struct Walk {
    shown: usize,
    hidden: usize,
}

/// Calls `f` for every process of `ns` that `visibility` allows, in ascending pid order, under
/// the RCU read lock, `BATCH` processes per read-side critical section: `f` must not sleep.
/// `prepare` runs before each batch, outside RCU, where it may allocate; both get `state`.
/// Between two batches the walk reschedules if needed and stops with `EINTR` if the caller is
/// being killed, so that a namespace of any size neither stalls a CPU nor delays a kill.
/// Processes that appear or exit meanwhile are listed or not, but never twice, and never out of
/// order.
fn for_each_process<S>(
    ns: &PidNamespace,
    visibility: Visibility,
    state: &mut S,
    mut prepare: impl FnMut(&mut S) -> Result,
    mut f: impl FnMut(&mut S, Pid, &Task, &rcu::Guard) -> Result,
) -> Result<Walk> {
    let mut next: Pid = 1;
    let mut walk = Walk::default();
    loop {
        prepare(state)?;
        let rcu = rcu::read_lock();
        for _ in 0..BATCH {
            let Some((pid, task)) = ns.next_process(next, &rcu) else {
                return Ok(walk);
            };
            next = pid + 1;
            if visibility.allows(task) {
                walk.shown += 1;
                f(state, pid, task, &rcu)?;
            } else {
                walk.hidden += 1;
            }
        }
        drop(rcu);
        if current!().fatal_signal_pending() {
            return Err(EINTR);
        }
        task::cond_resched();
    }
}

/// Makes room in `entries` for the next batch, up to `count` entries in all.
fn make_room(entries: &mut KVVec<zamora_proc_mem_stats>, count: usize) -> Result {
    Ok(entries.reserve(BATCH.min(count - entries.len()), GFP_KERNEL_ACCOUNT)?)
}

/// `zamora_mem_stats_process(pid, buf, count, flags)`.
pub(crate) fn mem_stats_process(
    pid: Pid,
    buf: UserPtr,
    count: usize,
    flags: u32,
    visibility: Visibility,
) -> Result<usize> {
    if pid < 0 || flags != 0 {
        return Err(EINVAL);
    }
    let ns = current!().get_pid_ns().ok_or(ESRCH)?;
    let total_pages = oom::total_pages();
    // Entries are added under RCU, so room for a batch is made before each one (`push` then
    // never allocates): the buffer grows with what the caller may see, not with the system.
    let mut entries = KVVec::new();
    let found = if pid > 0 {
        make_room(&mut entries, count.min(1))?;
        let rcu = rcu::read_lock();
        let (tgid, task) = ns.find_process(pid, &rcu).ok_or(ESRCH)?;
        // Hidden as if it did not exist, as /proc mounted with hidepid=invisible does.
        if !visibility.allows(task) {
            return Err(ESRCH);
        }
        if count > 0 {
            entries.push(process_entry(tgid, task, total_pages), GFP_NOWAIT)?;
        }
        1
    } else {
        for_each_process(
            &ns,
            visibility,
            &mut entries,
            |entries| make_room(entries, count),
            |entries, pid, task, _| {
                if entries.len() < count {
                    // Within the room made before the batch: this does not allocate.
                    entries.push(process_entry(pid, task, total_pages), GFP_NOWAIT)?;
                }
                Ok(())
            },
        )?
        .shown
    };

    let mut out = UserSlice::new(
        buf,
        entries.len() * core::mem::size_of::<zamora_proc_mem_stats>(),
    )
    .writer();
    for entry in entries.iter() {
        out.write(entry)?;
    }
    Ok(found)
}

/// An address space a global reading found, held (`mmgrab()`) until the reading ends so that no
/// other one can take its address meanwhile, and what it used then.
type Seen = (ARef<Mm>, Usage);

/// `zamora_mem_stats_global(out, flags)`: sums over the processes that a `pid == 0` listing
/// returns, in one pass, each live address space counted once: processes that share one
/// (`CLONE_VM` without `CLONE_THREAD`, a `vfork()` child before it execs) add it once, and a
/// process whose leader has exited counts the address space its other threads keep.
pub(crate) fn mem_stats_global(out: UserPtr, flags: u32, visibility: Visibility) -> Result<usize> {
    if flags != 0 {
        return Err(EINVAL);
    }
    let ns = current!().get_pid_ns().ok_or(ESRCH)?;
    // The processes with an address space, and each address space once they are sorted.
    let mut found = (0u64, KVVec::<Seen>::new());
    let walk = for_each_process(
        &ns,
        visibility,
        &mut found,
        // Room for a batch, made outside RCU: `push` then never allocates.
        |(_, seen)| Ok(seen.reserve(BATCH, GFP_KERNEL_ACCOUNT)?),
        |(processes, seen), _, task, rcu| {
            if task.is_kthread() {
                return Ok(());
            }
            let Some(locked) = task.lock_thread_with_mm(rcu) else {
                return Ok(());
            };
            if let Some(mm) = locked.mm() {
                *processes += 1;
                seen.push((ARef::from(&**mm), Usage::of(mm)), GFP_NOWAIT)?;
            }
            Ok(())
        },
    )?;
    let (nr_processes, mut seen) = found;
    // Not `sort_unstable_by_key()`: see `sort`.
    heapsort_by_key(&mut seen, |(mm, _)| mm.as_raw() as usize);
    let mut sum = Usage::default();
    for (i, (mm, usage)) in seen.iter().enumerate() {
        if i == 0 || seen[i - 1].0.as_raw() != mm.as_raw() {
            sum.add(usage);
        }
    }
    // The references go outside every lock: the last one frees its address space.
    drop(seen);
    let reserved_kb = sum.reserved * KB_PER_PAGE;
    let committed_kb = sum.committed * KB_PER_PAGE;
    let stats = zamora_global_mem_stats {
        reserved_kb,
        committed_kb,
        reserved_mb: reserved_kb / 1024,
        committed_mb: committed_kb / 1024,
        nr_processes,
        tamalloc_kb: sum.tamalloc * KB_PER_PAGE,
        lazy_zeroed_pages: sum.lazy_zeroed,
        totalram_kb: oom::totalram_pages() as u64 * KB_PER_PAGE,
        nr_hidden: walk.hidden as u64,
        ..Default::default()
    };
    UserSlice::new(out, core::mem::size_of::<zamora_global_mem_stats>())
        .writer()
        .write(&stats)?;
    Ok(0)
}

// SPDX-License-Identifier: GPL-2.0

//! `zamora_mem_stats_process` and `zamora_mem_stats_global`: reserved and committed memory and
//! OOM scores, for one process or every process of the caller's pid namespace.
//!
//! Locking: processes are found under `rcu_read_lock`, a batch at a time, and only a reference
//! to each task is taken there. Everything that may sleep (the task lock, `get_task_mm()`, the
//! mmap read lock to sum tamalloc VMAs, `mmput()`, allocation, `copy_to_user`) happens after the
//! RCU read lock is released, and the copy to user space after every lock is released.

use kernel::{
    alloc::{flags::*, KVVec, KVec},
    mm::{oom, virt::flags, MmWithUser},
    page::PAGE_SIZE,
    pid_namespace::{Pid, PidNamespace},
    prelude::*,
    sync::rcu,
    task::Task,
    types::ARef,
    uaccess::{UserPtr, UserSlice},
    usac::{
        zamora_global_mem_stats, zamora_proc_mem_stats, ZAMORA_PROC_KTHREAD, ZAMORA_PROC_NO_MM,
    },
};

/// Tasks referenced per RCU critical section.
const BATCH: usize = 64;

const KB_PER_PAGE: u64 = (PAGE_SIZE / 1024) as u64;

/// What one process uses, in pages.
#[derive(Default)]
struct Usage {
    has_mm: bool,
    reserved: u64,
    committed: u64,
    tamalloc: u64,
    lazy_zeroed: u64,
}

impl Usage {
    /// Reads the address space of `task`, if it has one; sleeps (task lock, mmap lock, mmput).
    fn of(task: &Task) -> Result<Self> {
        let Some(mm) = task.get_mm() else {
            return Ok(Self::default());
        };
        Ok(Self {
            has_mm: true,
            reserved: mm.total_vm() as u64,
            committed: mm.rss() as u64,
            tamalloc: tamalloc_pages(&mm)?,
            lazy_zeroed: mm.lazy_zeroed_pages() as u64,
        })
    }
}

/// Pages in the live tamalloc VMAs of `mm`.
fn tamalloc_pages(mm: &MmWithUser) -> Result<u64> {
    let vmas = mm.mmap_read_lock_killable()?;
    let bytes: usize = vmas
        .vmas()
        .filter(|vma| vma.has_flags(flags::TAMALLOC))
        .map(|vma| vma.size())
        .sum();
    Ok((bytes / PAGE_SIZE) as u64)
}

/// `/proc/PID/oom_score`, computed as `proc_oom_score()` does.
fn oom_score(task: &Task, total_pages: usize) -> i32 {
    match oom::badness(task, total_pages) {
        // `points` is unsigned long in C; the scaled badness lies in [0, 2000].
        Some(badness) => ((1000 + badness * 1000 / total_pages as i64) * 2 / 3) as i32,
        None => 0,
    }
}

/// The ABI record of process `pid`.
fn process_entry(pid: Pid, task: &Task, total_pages: usize) -> Result<zamora_proc_mem_stats> {
    let usage = Usage::of(task)?;
    let mut entry = zamora_proc_mem_stats {
        pid,
        reserved_kb: usage.reserved * KB_PER_PAGE,
        committed_kb: usage.committed * KB_PER_PAGE,
        committed_pct_x100: (usage.committed * 10000)
            .checked_div(usage.reserved)
            .unwrap_or(0) as u32,
        oom_score: oom_score(task, total_pages),
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
    for (dst, src) in entry.comm.iter_mut().zip(task.comm()) {
        *dst = src as _;
    }
    Ok(entry)
}

/// Calls `f` for every process of `ns` in ascending pid order, with a reference to its task
/// and outside any lock. Processes that appear or exit meanwhile are listed or not, but never
/// twice, and never out of order. Returns the number of processes.
fn for_each_process(ns: &PidNamespace, mut f: impl FnMut(Pid, &Task) -> Result) -> Result<usize> {
    let mut next: Pid = 1;
    let mut total = 0;
    loop {
        // Allocated before entering RCU, so that collecting never allocates.
        let mut batch = KVec::<(Pid, ARef<Task>)>::with_capacity(BATCH, GFP_KERNEL)?;
        {
            let rcu = rcu::read_lock();
            while batch.len() < BATCH {
                let Some((pid, task)) = ns.next_process(next, &rcu) else {
                    break;
                };
                // Within the capacity reserved above: this does not allocate.
                batch.push((pid, ARef::from(task)), GFP_NOWAIT)?;
                next = pid + 1;
            }
        }
        if batch.is_empty() {
            return Ok(total);
        }
        total += batch.len();
        // The task references are dropped (`put_task_struct`) here, outside RCU too.
        for (pid, task) in batch {
            f(pid, &task)?;
        }
    }
}

/// `zamora_mem_stats_process(pid, buf, count, flags)`.
pub(crate) fn mem_stats_process(pid: Pid, buf: UserPtr, count: usize, flags: u32) -> Result<usize> {
    if pid < 0 || flags != 0 {
        return Err(EINVAL);
    }
    let ns = PidNamespace::current().ok_or(ESRCH)?;
    let total_pages = oom::total_pages();
    // Sized from the process count, before any lock; it only grows if processes appear.
    let mut entries = KVVec::with_capacity(
        count.min(PidNamespace::nr_processes_all() + BATCH),
        GFP_KERNEL,
    )?;

    let found = if pid > 0 {
        let task = {
            let rcu = rcu::read_lock();
            let (tgid, task) = ns.find_process(pid, &rcu).ok_or(ESRCH)?;
            (tgid, ARef::from(task))
        };
        if count > 0 {
            entries.push(process_entry(task.0, &task.1, total_pages)?, GFP_KERNEL)?;
        }
        1
    } else {
        for_each_process(&ns, |pid, task| {
            if entries.len() < count {
                entries.push(process_entry(pid, task, total_pages)?, GFP_KERNEL)?;
            }
            Ok(())
        })?
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

/// `zamora_mem_stats_global(out, flags)`: sums over the processes that a `pid == 0` listing
/// returns, in one pass.
pub(crate) fn mem_stats_global(out: UserPtr, flags: u32) -> Result<usize> {
    if flags != 0 {
        return Err(EINVAL);
    }
    let ns = PidNamespace::current().ok_or(ESRCH)?;
    let mut sum = Usage::default();
    let mut nr_processes = 0u64;
    for_each_process(&ns, |_, task| {
        let usage = Usage::of(task)?;
        if usage.has_mm {
            nr_processes += 1;
            sum.reserved += usage.reserved;
            sum.committed += usage.committed;
            sum.tamalloc += usage.tamalloc;
            sum.lazy_zeroed += usage.lazy_zeroed;
        }
        Ok(())
    })?;
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
        ..Default::default()
    };
    UserSlice::new(out, core::mem::size_of::<zamora_global_mem_stats>())
        .writer()
        .write(&stats)?;
    Ok(0)
}

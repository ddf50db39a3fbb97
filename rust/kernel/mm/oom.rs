// SPDX-License-Identifier: GPL-2.0

//! The OOM killer's view of a process.
//!
//! C header: [`include/linux/oom.h`](srctree/include/linux/oom.h).

use crate::{
    bindings,
    task::{Task, TaskLockGuard},
};
use core::ptr::addr_of;

/// The memory the OOM killer scores against: all RAM plus all swap, in pages.
#[inline]
pub fn total_pages() -> usize {
    // SAFETY: Both only read global counters.
    let (ram, swap) = unsafe { (bindings::totalram_pages(), bindings::get_total_swap_pages()) };
    ram + usize::try_from(swap).unwrap_or(0)
}

/// RAM in pages (`totalram_pages()`).
#[inline]
pub fn totalram_pages() -> usize {
    // SAFETY: only reads a global counter.
    unsafe { bindings::totalram_pages() }
}

/// The OOM killer's badness of `task` against `total_pages` (`oom_badness()`), or `None` for a
/// task it never kills: a kernel thread, init, one with `oom_score_adj` -1000, or one without
/// an address space (`LONG_MIN` in C).
///
/// Takes the task lock of a thread of the process (a spinlock): do not call it with that lock
/// held.
#[inline]
pub fn badness(task: &Task, total_pages: usize) -> Option<i64> {
    // SAFETY: `task` is a valid task (it is a reference).
    let points = unsafe { bindings::oom_badness(task.0.get(), total_pages) };
    (points != isize::MIN).then_some(points as i64)
}

impl TaskLockGuard<'_> {
    /// The OOM killer's badness of the locked task against `total_pages` (`oom_badness()`, with
    /// the lock the guard already holds), or `None` for a task it never kills or one without an
    /// address space.
    ///
    /// `oom_badness()` scores the first thread of a process that still has an address space; lock
    /// that one (the group leader, unless it has exited) to get the same value.
    #[inline]
    pub fn oom_badness(&self, total_pages: usize) -> Option<i64> {
        let task = self.task().0.get();
        // SAFETY: the task is valid and its `mm` is stable under the task lock, which we hold.
        if unsafe { addr_of!((*task).mm).read() }.is_null() {
            return None;
        }
        // SAFETY: we hold the task lock of `task`, whose `mm` is set, as the function requires.
        let points = unsafe { bindings::oom_badness_locked(task, total_pages) };
        (points != isize::MIN).then_some(points as i64)
    }
}

impl Task {
    /// The process's `oom_score_adj`, -1000 (never kill) to 1000.
    #[inline]
    pub fn oom_score_adj(&self) -> i16 {
        // SAFETY: `self` is a valid task, and its `signal` lives as long as the task. The
        // adjustment is read without a lock, as /proc does, and once (`READ_ONCE`), since
        // `/proc/PID/oom_score_adj` writers change it concurrently.
        unsafe {
            let signal = (*self.0.get()).signal;
            addr_of!((*signal).oom_score_adj).read_volatile()
        }
    }
}

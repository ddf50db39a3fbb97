// SPDX-License-Identifier: GPL-2.0

//! Processes and kernel threads.
//!
//! C header: [`include/linux/sched/stat.h`](srctree/include/linux/sched/stat.h).

use crate::{bindings, task::Task};
use core::ptr::addr_of;

impl Task {
    /// Returns whether the task is a kernel thread (`PF_KTHREAD`).
    ///
    /// # Examples
    ///
    /// ```
    /// // KUnit runs doctests in a kernel thread.
    /// assert!(kernel::current!().is_kthread());
    /// ```
    #[inline]
    pub fn is_kthread(&self) -> bool {
        // SAFETY: By the type invariant, we know that `self.0` is valid. Other bits of `flags`
        // change concurrently, so it is read once (`READ_ONCE`); `PF_KTHREAD` is set when the task
        // is created and never changes.
        let flags = unsafe { addr_of!((*self.0.get()).flags).read_volatile() };
        flags & bindings::PF_KTHREAD != 0
    }
}

/// Returns the number of processes in the system, in all pid namespaces (`nr_processes()`): an
/// upper bound for any one namespace, e.g. to size a buffer before listing them.
#[inline]
pub fn nr_processes() -> usize {
    // SAFETY: Only sums per-CPU counters.
    let nr = unsafe { bindings::nr_processes() };
    usize::try_from(nr).unwrap_or(0)
}

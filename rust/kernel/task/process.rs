// SPDX-License-Identifier: GPL-2.0

//! Processes and kernel threads, and what a long walk over them needs: a scheduling point and a
//! check for fatal signals between steps.
//!
//! C header: [`include/linux/sched/signal.h`](srctree/include/linux/sched/signal.h).

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

    /// Returns whether the task has a fatal signal pending (`fatal_signal_pending()`), e.g. is
    /// being killed: a long loop in a system call then stops and returns `EINTR`.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(!kernel::current!().fatal_signal_pending());
    /// ```
    #[inline]
    pub fn fatal_signal_pending(&self) -> bool {
        // SAFETY: By the type invariant, we know that `self.0` is valid.
        unsafe { bindings::fatal_signal_pending(self.0.get()) }
    }
}

/// Lets another task run if one should (`cond_resched()`): a scheduling point, for long loops in
/// process context. Call it outside every spinlock and RCU read-side critical section: it may
/// sleep.
///
/// # Examples
///
/// ```
/// kernel::task::cond_resched();
/// ```
#[inline]
pub fn cond_resched() {
    // SAFETY: Always safe to call; sleeping in atomic context is reported by the kernel.
    unsafe { bindings::cond_resched() };
}

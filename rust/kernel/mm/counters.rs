// SPDX-License-Identifier: GPL-2.0

//! What an address space uses, read from the counters mm keeps, without its locks, as /proc does.
//!
//! C header: [`include/linux/mm.h`](srctree/include/linux/mm.h).

use crate::{
    bindings,
    mm::{Mm, MmWithUser},
    task::TaskLockGuard,
};
use core::ptr::addr_of;

impl Mm {
    /// Returns the number of resident pages, summed exactly over the per-CPU counters as /proc's
    /// `VmRSS` does (`get_mm_rss_sum()`).
    ///
    /// Takes each counter's raw spinlock briefly, so it may be called under a spinlock such as
    /// the task lock.
    #[inline]
    pub fn rss(&self) -> usize {
        // SAFETY: The pointer is valid since self is a reference.
        unsafe { bindings::get_mm_rss_sum(self.as_raw()) }
    }
}

impl TaskLockGuard<'_> {
    /// Returns the locked task's address space, without taking a reference: the task holds one
    /// for as long as its `mm` is set, and `mm` only changes under the task lock, which the guard
    /// holds. `None` for a kernel thread or a task that has released its address space (as
    /// `get_task_mm()`).
    ///
    /// # Examples
    ///
    /// ```
    /// // KUnit runs doctests in a kernel thread, which has no address space of its own.
    /// assert!(kernel::current!().lock().mm().is_none());
    /// ```
    #[inline]
    pub fn mm(&self) -> Option<&MmWithUser> {
        let task = self.task();
        if task.is_kthread() {
            return None;
        }
        // SAFETY: The task is valid, and its `mm` is stable while the guard holds the task lock.
        let mm = unsafe { addr_of!((*task.0.get()).mm).read() };
        if mm.is_null() {
            return None;
        }
        // SAFETY: A task's own `mm` has `mm_users > 0` until `exit_mm()` clears it, which takes the
        // task lock that the guard holds; the reference borrows the guard.
        Some(unsafe { MmWithUser::from_raw(mm) })
    }
}

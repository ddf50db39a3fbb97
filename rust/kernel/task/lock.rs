// SPDX-License-Identifier: GPL-2.0

//! The task lock (`task_lock()`), under which a task's `comm` and `mm` are stable.
//!
//! C header: [`include/linux/sched/task.h`](srctree/include/linux/sched/task.h).

use crate::{bindings, task::Task};
use core::{marker::PhantomData, ptr::addr_of};

/// The length of a task's command name, its NUL included.
pub const TASK_COMM_LEN: usize = bindings::TASK_COMM_LEN as usize;

impl Task {
    /// Takes the task lock (`task_lock()`), under which the task's `comm` and `mm` are stable.
    ///
    /// The task lock is a spinlock: nothing that sleeps may run while the guard is held.
    ///
    /// # Examples
    ///
    /// ```
    /// let task = kernel::current!();
    /// let guard = task.lock();
    /// // KUnit runs doctests in a kernel thread named after the test suite.
    /// assert_eq!(&guard.comm()[..5], b"kunit");
    /// ```
    #[doc(alias = "task_lock")]
    #[inline]
    pub fn lock(&self) -> TaskLockGuard<'_> {
        // SAFETY: By the type invariant, we know that `self.0` is valid.
        unsafe { bindings::task_lock(self.0.get()) };
        // INVARIANT: The lock was just taken, by this thread.
        TaskLockGuard {
            task: self,
            _not_send: PhantomData,
        }
    }
}

/// A held task lock (`task_lock()`), released when the guard is dropped.
///
/// # Invariants
///
/// The task lock of `task` is held by this thread for as long as the guard exists.
pub struct TaskLockGuard<'a> {
    task: &'a Task,
    // The lock must be released on the thread that took it.
    _not_send: PhantomData<*mut ()>,
}

impl<'a> TaskLockGuard<'a> {
    /// Returns the locked task.
    #[inline]
    pub fn task(&self) -> &'a Task {
        self.task
    }

    /// Returns the task's command name, NUL-terminated, as `get_task_comm()` does.
    #[inline]
    pub fn comm(&self) -> [u8; TASK_COMM_LEN] {
        // SAFETY: By the type invariant of `Task` the task is valid, and its `comm` only changes
        // under the task lock, which the guard holds. `c_char` has the size and alignment of `u8`.
        let src = unsafe { &*addr_of!((*self.task.0.get()).comm).cast::<[u8; TASK_COMM_LEN]>() };
        let mut comm = [0u8; TASK_COMM_LEN];
        for (dst, &c) in comm[..TASK_COMM_LEN - 1].iter_mut().zip(src) {
            if c == 0 {
                break;
            }
            *dst = c;
        }
        comm
    }
}

impl Drop for TaskLockGuard<'_> {
    #[inline]
    fn drop(&mut self) {
        // SAFETY: By the type invariant, this thread holds the lock.
        unsafe { bindings::task_unlock(self.task.0.get()) };
    }
}

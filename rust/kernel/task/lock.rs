// SPDX-License-Identifier: GPL-2.0

//! The task lock (`task_lock()`), under which a task's `mm` is stable.
//!
//! C header: [`include/linux/sched/task.h`](srctree/include/linux/sched/task.h).

use crate::{bindings, sync::rcu, task::Task};
use core::{marker::PhantomData, ptr::addr_of};

/// The length of a task's command name, its NUL included.
pub const TASK_COMM_LEN: usize = bindings::TASK_COMM_LEN as usize;

impl Task {
    /// Takes the task lock (`task_lock()`), under which the task's `mm` is stable.
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

    /// Takes the task lock of the first thread of this process that still has an address space
    /// (`find_lock_task_mm()`): the process itself, unless its leader has released its own
    /// (`pthread_exit()`) while other threads keep it alive. `None` if no thread has one (an
    /// exiting process). The guard's task may be another thread than `self`; it stays allocated
    /// within the RCU read-side critical section that the guard borrows.
    ///
    /// # Examples
    ///
    /// ```
    /// use kernel::sync::rcu;
    ///
    /// // KUnit runs doctests in a kernel thread, which has no address space of its own.
    /// let rcu = rcu::read_lock();
    /// assert!(kernel::current!().lock_thread_with_mm(&rcu).is_none());
    /// ```
    #[doc(alias = "find_lock_task_mm")]
    pub fn lock_thread_with_mm<'a>(&'a self, _rcu: &'a rcu::Guard) -> Option<TaskLockGuard<'a>> {
        // SAFETY: By the type invariant, we know that `self.0` is valid.
        let thread = unsafe { bindings::find_lock_task_mm(self.0.get()) };
        // SAFETY: A thread found under RCU stays allocated until the critical section that `_rcu`
        // borrows ends (tasks are freed after a grace period). `Task` is a transparent wrapper of
        // `task_struct`.
        let task = unsafe { thread.cast::<Task>().as_ref() }?;
        // INVARIANT: `find_lock_task_mm()` returns the thread with its task lock held by us.
        Some(TaskLockGuard {
            task,
            _not_send: PhantomData,
        })
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

    /// Returns the task's command name, NUL-padded, copied as `get_task_comm()` copies it
    /// (`strscpy_pad()`: a word at a time, each word read once).
    ///
    /// The name may change while it is copied: since Linux 6.13 `__set_task_comm()` writes it
    /// without the task lock (a `memcpy()` of the new name, then a `memset()` of the rest), so a
    /// rename that races with the copy can give the new name over the old one's tail, as
    /// `get_task_comm()` and `/proc/PID/comm` can. Where the writer takes the task lock (6.12),
    /// the guard makes the name consistent.
    #[inline]
    pub fn comm(&self) -> [u8; TASK_COMM_LEN] {
        let mut comm = [0u8; TASK_COMM_LEN];
        // SAFETY: By the type invariant of `Task` the task is valid, and its `comm` is an array
        // of `TASK_COMM_LEN` bytes, as is `comm`; no reference to the task's array is made, and
        // `sized_strscpy()` reads it as a string that may change concurrently. It writes at most
        // `TASK_COMM_LEN` bytes, the last a NUL; the rest of `comm` stays zero.
        unsafe {
            bindings::sized_strscpy(
                comm.as_mut_ptr().cast(),
                addr_of!((*self.task.0.get()).comm).cast(),
                TASK_COMM_LEN,
            )
        };
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

// SPDX-License-Identifier: GPL-2.0

//! Finding the processes of a pid namespace, as /proc does.
//!
//! C header: [`include/linux/pid.h`](srctree/include/linux/pid.h).

use crate::{
    bindings,
    pid_namespace::PidNamespace,
    sync::rcu,
    task::{Pid, Task},
};
use core::ptr::addr_of;

/// The process that `pid` is the thread-group id of (`pid_task(pid, PIDTYPE_TGID)`), if any.
///
/// # Safety
///
/// The caller is in an RCU read-side critical section that outlives `'a`, and `pid` is NULL or a
/// `struct pid` found under it.
unsafe fn tgid_task<'a>(pid: *mut bindings::pid) -> Option<&'a Task> {
    // SAFETY: `pid_task` accepts NULL and may be called under RCU, as the caller guarantees.
    let task = unsafe { bindings::pid_task(pid, bindings::pid_type_PIDTYPE_TGID) };
    // SAFETY: A task found through its pid stays allocated until the RCU read-side critical
    // section ends (it is freed after a grace period), which outlives `'a`. `Task` is a
    // transparent wrapper of `task_struct`.
    unsafe { task.cast::<Task>().as_ref() }
}

impl PidNamespace {
    /// Returns the process with the lowest thread-group id `>= from` in this namespace, with that
    /// id, as `/proc`'s directory listing finds them (kernel threads are processes too), so that
    /// a caller can walk the namespace in order.
    ///
    /// The task borrows the RCU read-side critical section; take a reference (`ARef::from`) to
    /// keep it longer.
    ///
    /// # Examples
    ///
    /// ```
    /// use kernel::sync::rcu;
    ///
    /// let ns = kernel::current!().get_pid_ns().unwrap();
    /// let rcu = rcu::read_lock();
    /// // pid 1 is the first process of the initial namespace, where KUnit runs.
    /// let (pid, task) = ns.next_process(0, &rcu).unwrap();
    /// assert_eq!((pid, task.pid()), (1, 1));
    /// ```
    pub fn next_process<'a>(&self, mut from: Pid, _rcu: &'a rcu::Guard) -> Option<(Pid, &'a Task)> {
        loop {
            // SAFETY: We are in an RCU read-side critical section, as `find_ge_pid` requires.
            let pid = unsafe { bindings::find_ge_pid(from, self.as_ptr()) };
            if pid.is_null() {
                return None;
            }
            // SAFETY: `pid` is a valid `struct pid` under RCU.
            let nr = unsafe { bindings::pid_nr_ns(pid, self.as_ptr()) };
            // SAFETY: We are in the critical section that `_rcu` borrows; `pid` was found in it.
            if let Some(task) = unsafe { tgid_task(pid) } {
                return Some((nr, task));
            }
            // A pid that is not a thread-group id (a thread, or a process being reaped).
            from = nr.checked_add(1)?;
        }
    }

    /// Returns the process that thread `nr` of this namespace belongs to, with its thread-group id
    /// in this namespace: the task that the thread's `task_tgid()` is the thread-group id of, as
    /// `/proc/<nr>` finds it. The task borrows the RCU read-side critical section.
    ///
    /// # Examples
    ///
    /// ```
    /// use kernel::sync::rcu;
    ///
    /// let task = kernel::current!();
    /// let ns = task.get_pid_ns().unwrap();
    /// let rcu = rcu::read_lock();
    /// // A kernel thread is a process of its own.
    /// let (tgid, process) = ns.find_process(task.pid(), &rcu).unwrap();
    /// assert_eq!((tgid, process.pid()), (task.pid(), task.pid()));
    /// assert!(ns.find_process(0, &rcu).is_none());
    /// ```
    pub fn find_process<'a>(&self, nr: Pid, _rcu: &'a rcu::Guard) -> Option<(Pid, &'a Task)> {
        // SAFETY: We are in an RCU read-side critical section.
        let pid = unsafe { bindings::find_pid_ns(nr, self.as_ptr()) };
        // SAFETY: `pid_task` accepts NULL and may be called under RCU.
        let thread = unsafe { bindings::pid_task(pid, bindings::pid_type_PIDTYPE_PID) };
        if thread.is_null() {
            return None;
        }
        // SAFETY: `thread` is valid under RCU, and so is its `signal`, freed with the task.
        // The thread-group id is read once, as `task_tgid()` does under RCU.
        let tgid = unsafe {
            let signal = addr_of!((*thread).signal).read();
            addr_of!((*signal).pids[bindings::pid_type_PIDTYPE_TGID as usize]).read_volatile()
        };
        // SAFETY: `pid_nr_ns` accepts NULL (0) and may be called under RCU; 0 also when the
        // thread group is not visible in this namespace.
        let tgid_nr = unsafe { bindings::pid_nr_ns(tgid, self.as_ptr()) };
        if tgid_nr == 0 {
            return None;
        }
        // SAFETY: We are in the critical section that `_rcu` borrows, and `tgid` was read in it.
        // The process is gone once it is reaped.
        unsafe { tgid_task(tgid) }.map(|process| (tgid_nr, process))
    }
}

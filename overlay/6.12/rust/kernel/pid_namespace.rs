// SPDX-License-Identifier: GPL-2.0

//! Pid namespaces, and finding processes in them.
//!
//! C headers: [`include/linux/pid_namespace.h`](srctree/include/linux/pid_namespace.h),
//! [`include/linux/pid.h`](srctree/include/linux/pid.h).

use crate::{
    bindings,
    sync::rcu,
    task::{Pid, Task},
    types::{ARef, AlwaysRefCounted, Opaque},
};
use core::ptr::NonNull;

/// A `struct pid_namespace`.
///
/// # Invariants
///
/// Values of this type are always refcounted with `get_pid_ns`/`put_pid_ns`.
#[repr(transparent)]
pub struct PidNamespace {
    ns: Opaque<bindings::pid_namespace>,
}

// SAFETY: `put_pid_ns` may be called on any thread.
unsafe impl Send for PidNamespace {}
// SAFETY: the methods of `PidNamespace` may be called concurrently from several threads.
unsafe impl Sync for PidNamespace {}

// SAFETY: by the type invariant, `PidNamespace` is refcounted with `get_pid_ns`/`put_pid_ns`.
unsafe impl AlwaysRefCounted for PidNamespace {
    fn inc_ref(&self) {
        // SAFETY: `self` is a valid namespace with a reference held.
        unsafe { bindings::get_pid_ns(self.as_ptr()) };
    }

    unsafe fn dec_ref(obj: NonNull<Self>) {
        // SAFETY: the caller gives up a reference.
        unsafe { bindings::put_pid_ns(obj.cast().as_ptr()) };
    }
}

impl PidNamespace {
    /// Returns the raw `struct pid_namespace` pointer.
    #[inline]
    pub fn as_ptr(&self) -> *mut bindings::pid_namespace {
        self.ns.get()
    }

    /// Returns the process with the lowest thread-group id `>= from` in this namespace, with
    /// that id, as `/proc`'s directory listing finds them. Kernel threads are processes too.
    ///
    /// The task is valid while the RCU read lock is held; take a reference (`ARef::from`) to keep
    /// it longer.
    pub fn next_process<'a>(&self, mut from: Pid, _rcu: &'a rcu::Guard) -> Option<(Pid, &'a Task)> {
        loop {
            // SAFETY: we are in an RCU read-side critical section, as `find_ge_pid` requires.
            let pid = unsafe { bindings::find_ge_pid(from, self.as_ptr()) };
            if pid.is_null() {
                return None;
            }
            // SAFETY: `pid` is a valid `struct pid` under RCU.
            let nr = unsafe { bindings::pid_nr_ns(pid, self.as_ptr()) };
            // SAFETY: as above; `pid_task` is RCU-safe.
            let task = unsafe { bindings::pid_task(pid, bindings::pid_type_PIDTYPE_TGID) };
            if let Some(task) = NonNull::new(task) {
                // SAFETY: tasks found through their pid stay allocated until the RCU read lock
                // is released (they are freed after a grace period); `'a` borrows the guard.
                return Some((nr, unsafe { &*task.as_ptr().cast::<Task>() }));
            }
            // A pid that is not a thread-group id (a thread, or a process being reaped).
            from = nr.checked_add(1)?;
        }
    }

    /// Returns the process that thread `nr` of this namespace belongs to, with its thread-group
    /// id in this namespace. The task is valid while the RCU read lock is held.
    pub fn find_process<'a>(&self, nr: Pid, rcu: &'a rcu::Guard) -> Option<(Pid, &'a Task)> {
        // SAFETY: we are in an RCU read-side critical section.
        let thread = unsafe { bindings::find_pid_ns(nr, self.as_ptr()) };
        if thread.is_null() {
            return None;
        }
        // SAFETY: `thread` is valid under RCU; `pid_task` is RCU-safe.
        let task = unsafe { bindings::pid_task(thread, bindings::pid_type_PIDTYPE_PID) };
        // SAFETY: as in `next_process`.
        let task = unsafe { task.cast::<Task>().as_ref()? };
        // The process is the task that owns the thread's thread-group id (0 once it is reaped).
        match task.tgid_nr_ns(Some(self)) {
            0 => None,
            tgid => self
                .next_process(tgid, rcu)
                .filter(|&(found, _)| found == tgid),
        }
    }
}

impl Task {
    /// Returns the pid namespace of the task (`task_active_pid_ns()`), with a reference of its
    /// own, or `None` once the task is detached from its pid late in its exit.
    ///
    /// # Examples
    ///
    /// ```
    /// // KUnit's kernel thread lives in the initial pid namespace, where its id is its own.
    /// let task = kernel::current!();
    /// let ns = task.get_pid_ns().unwrap();
    /// assert_eq!(task.tgid_nr_ns(Some(&ns)), task.pid());
    /// ```
    #[inline]
    pub fn get_pid_ns(&self) -> Option<ARef<PidNamespace>> {
        // SAFETY: `self` is a valid task; the helper returns its namespace with a reference taken
        // under RCU, or NULL.
        let ns = unsafe { bindings::task_get_pid_ns(self.0.get()) };
        // SAFETY: a non-NULL `ns` carries the reference that the `ARef` now owns.
        NonNull::new(ns).map(|ns| unsafe { ARef::from_raw(ns.cast()) })
    }

    /// Returns the thread-group id (the process id) of the task in `ns`, or in the caller's pid
    /// namespace for `None`; 0 if the task is not visible there.
    ///
    /// # Examples
    ///
    /// ```
    /// // KUnit runs doctests in a kernel thread, which leads its own thread group: the id that C
    /// // computes equals the ids that Rust reads from `task_struct` through the bindings (this
    /// // fails if bindgen lays `task_struct` out differently from C).
    /// let task = kernel::current!();
    /// assert!(task.is_kthread());
    /// assert_eq!(task.tgid_nr_ns(None), task.pid());
    /// assert_eq!(task.group_leader().pid(), task.pid());
    /// ```
    #[inline]
    pub fn tgid_nr_ns(&self, ns: Option<&PidNamespace>) -> Pid {
        let ns = ns.map_or(core::ptr::null_mut(), PidNamespace::as_ptr);
        // SAFETY: `self` is a valid task; a null namespace means the caller's.
        unsafe { bindings::task_tgid_nr_ns(self.0.get(), ns) }
    }
}

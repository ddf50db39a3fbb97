// SPDX-License-Identifier: GPL-2.0

//! Pid namespaces, and finding processes in them.
//!
//! C headers: [`include/linux/pid_namespace.h`](srctree/include/linux/pid_namespace.h),
//! [`include/linux/pid.h`](srctree/include/linux/pid.h).

use crate::{
    bindings,
    sync::rcu,
    task::Task,
    types::{ARef, AlwaysRefCounted, Opaque},
};
use core::ptr::NonNull;

/// A process or thread id, as seen in some pid namespace.
pub type Pid = bindings::pid_t;

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
        unsafe { bindings::get_pid_ns(self.as_raw()) };
    }

    unsafe fn dec_ref(obj: NonNull<Self>) {
        // SAFETY: the caller gives up a reference.
        unsafe { bindings::put_pid_ns(obj.cast().as_ptr()) };
    }
}

impl PidNamespace {
    /// Returns the raw `struct pid_namespace` pointer.
    #[inline]
    pub fn as_raw(&self) -> *mut bindings::pid_namespace {
        self.ns.get()
    }

    /// Returns the pid namespace the calling task lives in (`task_active_pid_ns(current)`), or
    /// `None` once the task is detached from its pid (late in its exit).
    #[inline]
    pub fn current() -> Option<ARef<Self>> {
        // SAFETY: `current` is a live task; `task_active_pid_ns()` only reads its own pid.
        let ns = unsafe { bindings::task_active_pid_ns(bindings::get_current()) };
        // SAFETY: a non-NULL namespace of the running task's pid is valid while the task runs;
        // `from` takes a reference of our own.
        NonNull::new(ns).map(|ns| ARef::from(unsafe { &*ns.as_ptr().cast::<Self>() }))
    }

    /// Returns the number of processes in the system, in all namespaces (`nr_processes()`): an
    /// upper bound for any one namespace, e.g. to size a buffer before listing them.
    #[inline]
    pub fn nr_processes_all() -> usize {
        // SAFETY: only sums per-CPU counters.
        unsafe { bindings::nr_processes() }.max(0) as usize
    }

    /// Returns the process with the lowest thread-group id `>= from` in this namespace, with
    /// that id, as `/proc`'s directory listing finds them. Kernel threads are processes too.
    ///
    /// The task is valid while the RCU read lock is held; take a reference (`ARef::from`) to keep
    /// it longer.
    pub fn next_process<'a>(&self, mut from: Pid, _rcu: &'a rcu::Guard) -> Option<(Pid, &'a Task)> {
        loop {
            // SAFETY: we are in an RCU read-side critical section, as `find_ge_pid` requires.
            let pid = unsafe { bindings::find_ge_pid(from, self.as_raw()) };
            if pid.is_null() {
                return None;
            }
            // SAFETY: `pid` is a valid `struct pid` under RCU.
            let nr = unsafe { bindings::pid_nr_ns(pid, self.as_raw()) };
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
        let thread = unsafe { bindings::find_pid_ns(nr, self.as_raw()) };
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

/// An access mode of [`Task::ptrace_may_access`] (`PTRACE_MODE_*`).
///
/// # Invariants
///
/// The value is one of the modes `ptrace_may_access()` accepts: an access kind and a credential
/// choice.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PtraceMode(u32);

impl PtraceMode {
    /// Read access, judged with the caller's filesystem credentials: what /proc requires for the
    /// files of another user's process when it is mounted with `hidepid`.
    pub const READ_FSCREDS: Self = Self(bindings::PTRACE_MODE_READ_FSCREDS);
}

impl Task {
    /// Returns whether the calling task may access this one in `mode` (`ptrace_may_access()`):
    /// same credentials, or `CAP_SYS_PTRACE`, subject to the LSMs.
    ///
    /// Takes the task lock: do not call it with that lock held.
    ///
    /// # Examples
    ///
    /// ```
    /// use kernel::pid_namespace::PtraceMode;
    ///
    /// // A task may always access itself.
    /// assert!(kernel::current!().ptrace_may_access(PtraceMode::READ_FSCREDS));
    /// ```
    #[inline]
    pub fn ptrace_may_access(&self, mode: PtraceMode) -> bool {
        // SAFETY: `self` is a valid task, and `mode` is a mode the function accepts (the invariant
        // of `PtraceMode`).
        unsafe { bindings::ptrace_may_access(self.0.get(), mode.0) }
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
        let ns = ns.map_or(core::ptr::null_mut(), PidNamespace::as_raw);
        // SAFETY: `self` is a valid task; a null namespace means the caller's.
        unsafe { bindings::task_tgid_nr_ns(self.0.get(), ns) }
    }
}

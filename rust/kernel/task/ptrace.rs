// SPDX-License-Identifier: GPL-2.0

//! Whether one task may inspect another (`ptrace_may_access()`), as /proc decides.
//!
//! C header: [`include/linux/ptrace.h`](srctree/include/linux/ptrace.h).

use crate::{bindings, task::Task};

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
    /// use kernel::task::PtraceMode;
    ///
    /// // A task may always access itself.
    /// assert!(kernel::current!().ptrace_may_access(PtraceMode::READ_FSCREDS));
    /// ```
    #[inline]
    pub fn ptrace_may_access(&self, mode: PtraceMode) -> bool {
        // SAFETY: By the type invariant, we know that `self.0` is valid, and `mode` is a mode the
        // function accepts (the invariant of `PtraceMode`).
        unsafe { bindings::ptrace_may_access(self.0.get(), mode.0) }
    }
}

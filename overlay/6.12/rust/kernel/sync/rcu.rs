// SPDX-License-Identifier: GPL-2.0

//! RCU read-side critical sections.
//!
//! C header: [`include/linux/rcupdate.h`](srctree/include/linux/rcupdate.h).

use crate::bindings;
use core::marker::PhantomData;

/// An RCU read-side critical section: `rcu_read_lock()` on creation, `rcu_read_unlock()` on drop.
///
/// References that are valid only under RCU borrow a `Guard`, so the borrow checker ends them
/// before the critical section ends. Code holding a guard must not sleep.
///
/// # Invariants
///
/// The RCU read lock is held while a `Guard` exists, on the thread that created it.
pub struct Guard {
    _not_send: PhantomData<*mut ()>,
}

impl Guard {
    /// Enters an RCU read-side critical section.
    #[inline]
    pub fn new() -> Self {
        // SAFETY: `rcu_read_lock` can always be called; the matching unlock is in `drop`.
        unsafe { bindings::rcu_read_lock() };
        // INVARIANT: we just took the read lock.
        Self {
            _not_send: PhantomData,
        }
    }

    /// Leaves the critical section (same as dropping the guard).
    #[inline]
    pub fn unlock(self) {}
}

impl Default for Guard {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for Guard {
    #[inline]
    fn drop(&mut self) {
        // SAFETY: by the type invariant, this thread holds the RCU read lock.
        unsafe { bindings::rcu_read_unlock() };
    }
}

/// Enters an RCU read-side critical section.
///
/// # Examples
///
/// ```
/// use kernel::sync::rcu;
///
/// let guard = rcu::read_lock();
/// // ... read RCU-protected data, without sleeping ...
/// guard.unlock();
/// ```
#[inline]
pub fn read_lock() -> Guard {
    Guard::new()
}

// SPDX-License-Identifier: GPL-2.0

//! Memory management: process address spaces and their mmap lock.
//!
//! A process's address space is a `struct mm_struct`, wrapped here as [`Mm`]. It has two
//! reference counts: `mm_count` (`mmgrab`) keeps the structure allocated, `mm_users` (`mmget`)
//! keeps the address space itself alive — its VMAs and page tables. Only an [`MmWithUser`], which
//! guarantees `mm_users > 0`, gives access to the address space's counters and to its mmap lock
//! ([`MmapWriteGuard`]); [`CurrentMm`] is the calling thread's own.
//!
//! The names follow the `mm` module of later kernels, so code written against this one ports
//! forward.
//!
//! C headers: [`include/linux/mm.h`](srctree/include/linux/mm.h),
//! [`include/linux/mmap_lock.h`](srctree/include/linux/mmap_lock.h).

use crate::{
    bindings,
    error::{code::EINTR, Result},
    task::TaskLockGuard,
    types::{ARef, AlwaysRefCounted, Opaque},
};
use core::{
    marker::PhantomData,
    ops::Deref,
    ptr::{addr_of, NonNull},
};

pub mod mmap;
pub mod oom;
pub mod virt;

/// A `struct mm_struct`, the address space of a process.
///
/// `ARef<Mm>` holds an `mmgrab` reference: the structure stays allocated, but its address space
/// may already be torn down. Use [`Mm::mmget_not_zero`] to reach the address space.
///
/// # Invariants
///
/// Values of this type are always refcounted with `mmgrab`/`mmdrop`.
#[repr(transparent)]
pub struct Mm {
    mm: Opaque<bindings::mm_struct>,
}

// SAFETY: `mmdrop` may be called on any thread.
unsafe impl Send for Mm {}
// SAFETY: the methods of `Mm` may be called concurrently from several threads.
unsafe impl Sync for Mm {}

// SAFETY: by the type invariant, `Mm` is refcounted with `mmgrab`/`mmdrop`.
unsafe impl AlwaysRefCounted for Mm {
    fn inc_ref(&self) {
        // SAFETY: `self` is a valid `mm_struct` since it is a reference.
        unsafe { bindings::mmgrab(self.as_raw()) };
    }

    unsafe fn dec_ref(obj: NonNull<Self>) {
        // SAFETY: the caller gives up an `mmgrab` reference.
        unsafe { bindings::mmdrop(obj.cast().as_ptr()) };
    }
}

/// A `struct mm_struct` whose address space is alive (`mm_users > 0`).
///
/// `ARef<MmWithUser>` holds an `mmget` reference. Dropping it may sleep (`mmput` can tear the
/// address space down), so it must not be dropped in atomic context or under `rcu_read_lock`.
///
/// # Invariants
///
/// Values of this type are refcounted with `mmget`/`mmput`, and `mm_users` is non-zero for as
/// long as one is reachable.
#[repr(transparent)]
pub struct MmWithUser {
    mm: Mm,
}

// SAFETY: `mmput` may be called on any thread.
unsafe impl Send for MmWithUser {}
// SAFETY: the methods of `MmWithUser` may be called concurrently from several threads.
unsafe impl Sync for MmWithUser {}

// SAFETY: by the type invariant, `MmWithUser` is refcounted with `mmget`/`mmput`.
unsafe impl AlwaysRefCounted for MmWithUser {
    fn inc_ref(&self) {
        // SAFETY: `self` is a valid `mm_struct` with `mm_users > 0`, so `mmget` is allowed.
        unsafe { bindings::mmget(self.as_raw()) };
    }

    unsafe fn dec_ref(obj: NonNull<Self>) {
        // SAFETY: the caller gives up an `mmget` reference.
        unsafe { bindings::mmput(obj.cast().as_ptr()) };
    }
}

impl Deref for MmWithUser {
    type Target = Mm;

    fn deref(&self) -> &Mm {
        &self.mm
    }
}

/// The address space of the calling thread (`current->mm`), lent for the length of a call.
///
/// Some operations, such as `do_mmap()`, act on `current->mm` and nothing else. They take a
/// `&CurrentMm` rather than a `&MmWithUser`, so that no other address space can be passed to them.
///
/// # Invariants
///
/// A `&CurrentMm` only exists inside [`CurrentMm::with`], on the thread whose `current->mm` it is:
/// the type is neither `Send` nor `Sync`, and the reference cannot outlive the closure.
#[repr(transparent)]
pub struct CurrentMm {
    mm: MmWithUser,
    _not_send: PhantomData<*mut ()>,
}

impl CurrentMm {
    /// Runs `f` with the address space of the calling thread, without taking a reference: the
    /// thread holds one for as long as it runs, and only the thread itself can change its `mm`.
    /// Returns `None` in a kernel thread: it has no address space of its own, and one it borrows
    /// with `kthread_use_mm()` is only `mmgrab`bed, so its users may already be gone.
    ///
    /// # Examples
    ///
    /// ```
    /// use kernel::mm::CurrentMm;
    ///
    /// // KUnit runs doctests in a kernel thread.
    /// assert!(CurrentMm::with(|mm| mm.total_vm()).is_none());
    /// ```
    #[inline]
    pub fn with<R>(f: impl FnOnce(&CurrentMm) -> R) -> Option<R> {
        // SAFETY: `current` is the running thread, valid while it runs. Its `PF_KTHREAD` never
        // changes, and only the thread itself changes its `mm`, so both reads need no lock.
        let (flags, mm) = unsafe {
            let current = bindings::get_current();
            (
                addr_of!((*current).flags).read_volatile(),
                addr_of!((*current).mm).read(),
            )
        };
        if flags & bindings::PF_KTHREAD != 0 || mm.is_null() {
            return None;
        }
        // SAFETY: the calling thread holds an `mm_users` reference on its own mm until it exits
        // or execs, neither of which can happen during `f`, which runs on this thread. `f` gets
        // the reference only for the call (it is higher-ranked), and `CurrentMm` has the layout
        // of `mm_struct` (`repr(transparent)` down to `Opaque<mm_struct>`).
        // INVARIANT: the reference is `current->mm` and stays inside this call on this thread.
        Some(f(unsafe { &*mm.cast::<CurrentMm>() }))
    }
}

impl Deref for CurrentMm {
    type Target = MmWithUser;

    #[inline]
    fn deref(&self) -> &MmWithUser {
        &self.mm
    }
}

impl Mm {
    /// Returns the raw `struct mm_struct` pointer.
    #[inline]
    pub fn as_raw(&self) -> *mut bindings::mm_struct {
        self.mm.get()
    }

    /// Pages mapped in the address space (`total_vm`, /proc's `VmSize`).
    #[inline]
    pub fn total_vm(&self) -> usize {
        // SAFETY: `self` is valid. /proc reads this word without a lock, and so do we: once
        // (`READ_ONCE`), since mmap and munmap update it concurrently.
        unsafe { addr_of!((*self.as_raw()).__bindgen_anon_1.total_vm).read_volatile() }
    }

    /// Resident pages, summed exactly over the per-CPU counters like /proc's `VmRSS`.
    ///
    /// Takes each counter's raw spinlock briefly, so it may be called under a spinlock such as
    /// the task lock.
    #[inline]
    pub fn rss(&self) -> usize {
        [
            bindings::MM_FILEPAGES,
            bindings::MM_ANONPAGES,
            bindings::MM_SHMEMPAGES,
        ]
        .into_iter()
        // SAFETY: `self` is valid and `member` is an RSS counter index.
        .map(|member| unsafe { bindings::get_mm_counter_sum(self.as_raw(), member as _) })
        .sum()
    }

    /// Returns an `mmget` reference unless the address space is already gone.
    #[inline]
    pub fn mmget_not_zero(&self) -> Option<ARef<MmWithUser>> {
        // SAFETY: `self` is a valid `mm_struct` (it is at least `mmgrab`bed).
        if unsafe { bindings::mmget_not_zero(self.as_raw()) } {
            // SAFETY: we just took the `mmget` reference that the `ARef` now owns.
            Some(unsafe { ARef::from_raw(NonNull::new_unchecked(self.as_raw().cast())) })
        } else {
            None
        }
    }
}

impl MmWithUser {
    /// Creates a reference from a raw pointer.
    ///
    /// # Safety
    ///
    /// `ptr` must point at an `mm_struct` whose `mm_users` stays non-zero for `'a`.
    #[inline]
    pub unsafe fn from_raw<'a>(ptr: *const bindings::mm_struct) -> &'a MmWithUser {
        // SAFETY: the caller guarantees validity for `'a`; the layouts match (`repr(transparent)`).
        unsafe { &*ptr.cast() }
    }

    /// Takes the mmap lock for writing; fails with `EINTR` if a fatal signal arrives meanwhile.
    pub fn mmap_write_lock_killable(&self) -> Result<MmapWriteGuard<'_>> {
        // SAFETY: `self` is a valid `mm_struct`.
        if unsafe { bindings::mmap_write_lock_killable(self.as_raw()) } != 0 {
            return Err(EINTR);
        }
        // INVARIANT: we hold the write lock.
        Ok(MmapWriteGuard {
            mm: self,
            _not_send: PhantomData,
        })
    }
}

impl<'a> TaskLockGuard<'a> {
    /// Returns the locked task's address space, without taking a reference: the task holds one
    /// for as long as its `mm` is set, and `mm` only changes under the task lock, which the guard
    /// holds. `None` for a kernel thread or a task that has released its address space (as
    /// `get_task_mm()`).
    #[inline]
    pub fn mm(&self) -> Option<&MmWithUser> {
        let task = self.task();
        if task.is_kthread() {
            return None;
        }
        // SAFETY: the task is valid, and its `mm` is stable while the guard holds the task lock.
        let mm = unsafe { addr_of!((*task.0.get()).mm).read() };
        // SAFETY: a task's own `mm` has `mm_users > 0` until `exit_mm()` clears it, which takes
        // the task lock that the guard holds; the reference borrows the guard.
        (!mm.is_null()).then(|| unsafe { MmWithUser::from_raw(mm) })
    }
}

/// A held mmap write lock.
///
/// # Invariants
///
/// The mmap lock of `mm` is held for writing while the guard exists.
pub struct MmapWriteGuard<'a> {
    mm: &'a MmWithUser,
    // The lock must be released on the thread that took it.
    _not_send: PhantomData<*mut ()>,
}

impl Drop for MmapWriteGuard<'_> {
    #[inline]
    fn drop(&mut self) {
        // SAFETY: by the type invariant we hold this lock.
        unsafe { bindings::mmap_write_unlock(self.mm.as_raw()) };
    }
}

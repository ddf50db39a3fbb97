//! Where and how the calling thread runs: one CPU, and the real-time FIFO class, for tests that
//! measure how long a system call keeps a CPU from another task.

use nix::sched::{sched_getaffinity, sched_setaffinity, CpuSet};
use nix::unistd::Pid;
use std::io;

/// The calling thread pinned to one CPU; its former CPUs are given back on drop.
#[must_use]
pub struct PinnedToCpu(CpuSet);

/// Pins the calling thread to `cpu` until the returned guard is dropped.
pub fn pin_to_cpu(cpu: usize) -> io::Result<PinnedToCpu> {
    let before = sched_getaffinity(Pid::from_raw(0))?;
    let mut set = CpuSet::new();
    set.set(cpu)?;
    sched_setaffinity(Pid::from_raw(0), &set)?;
    Ok(PinnedToCpu(before))
}

impl Drop for PinnedToCpu {
    fn drop(&mut self) {
        let _ = sched_setaffinity(Pid::from_raw(0), &self.0);
    }
}

/// Moves the calling thread to `SCHED_FIFO` at `priority` (1..=99): once woken it runs at once,
/// unless the kernel code on its CPU has no scheduling point.
pub fn set_fifo(priority: i32) -> io::Result<()> {
    let param = libc::sched_param {
        sched_priority: priority,
    };
    // SAFETY: `param` is a valid sched_param for the call; pid 0 is the calling thread.
    if unsafe { libc::sched_setscheduler(0, libc::SCHED_FIFO, &param) } == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

//! Where and how the calling thread runs: one CPU, and the real-time FIFO class, for tests that
//! measure how long a system call keeps a CPU from another task; and how late its timers wake it.

use nix::sched::{sched_getaffinity, sched_setaffinity, CpuSet};
use nix::sys::time::TimeSpec;
use nix::time::{clock_gettime, clock_nanosleep, ClockId, ClockNanosleepFlags};
use nix::unistd::Pid;
use std::io;
use std::time::Duration;

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

/// The longest delay of the calling thread's timer wake-ups, as cyclictest measures it: it sleeps
/// to absolute `CLOCK_MONOTONIC` deadlines `period` apart, and each time it runs, the time since
/// its deadline is the delay. Stops once `go_on` returns false (checked after each wake-up).
pub fn longest_timer_delay(period: Duration, go_on: impl Fn() -> bool) -> io::Result<Duration> {
    let now = || clock_gettime(ClockId::CLOCK_MONOTONIC).map(Duration::from);
    let mut deadline = now()?;
    let mut worst = Duration::ZERO;
    while go_on() {
        deadline += period;
        let at = TimeSpec::from_duration(deadline);
        clock_nanosleep(
            ClockId::CLOCK_MONOTONIC,
            ClockNanosleepFlags::TIMER_ABSTIME,
            &at,
        )?;
        let late = now()?.saturating_sub(deadline);
        worst = worst.max(late);
        // A wake-up later than the next deadline skips the deadlines it missed.
        while deadline + period < now()? {
            deadline += period;
        }
    }
    Ok(worst)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;

    #[test]
    fn timer_delay_is_measured_from_each_deadline() {
        let wakeups = Cell::new(0);
        let worst = longest_timer_delay(Duration::from_millis(2), || {
            wakeups.set(wakeups.get() + 1);
            wakeups.get() <= 5
        })
        .unwrap();
        assert_eq!(wakeups.get(), 6);
        assert!(worst < Duration::from_millis(200), "{worst:?}");
    }
}

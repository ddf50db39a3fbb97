//! What an operation costs the kernel in units that emulation does not stretch: the system calls
//! it makes and the kernel allocations it causes, counted by the kernel's own tracepoints
//! (`raw_syscalls:sys_enter`, `kmem:kmalloc`, `kmem:kmem_cache_alloc`, `kmem:mm_page_alloc`)
//! through perf events bound to the calling thread, so that nothing else the system does counts.
//! Needs a kernel with `CONFIG_FTRACE_SYSCALLS` (Debian's has it; the tinyconfig test kernel
//! does not) and tracefs mounted where systemd mounts it.

use perf_event::events::Tracepoint;
use perf_event::{Builder, Counter};
use std::io;
use usac::tracefs::TRACING;
use usac_schema::bench::Counts;

/// The counters, one per event, each bound to the calling thread.
///
/// # Invariants
///
/// `counters` holds the counters of `EVENTS`, in that order; `overhead` is what counting
/// nothing counts (the `ioctl`s that switch the counters on and off, seen by those already on).
pub struct KernelCounters {
    counters: Vec<Counter>,
    overhead: Counts,
}

/// The tracepoints counted, as `system/event` under tracefs's `events/`.
const EVENTS: [&str; 4] = [
    "raw_syscalls/sys_enter",
    "kmem/kmalloc",
    "kmem/kmem_cache_alloc",
    "kmem/mm_page_alloc",
];

fn tracepoint(name: &str) -> io::Result<Tracepoint> {
    let path = format!("{TRACING}/events/{name}/id");
    let text = std::fs::read_to_string(&path)
        .map_err(|e| io::Error::new(e.kind(), format!("{path}: {e}")))?;
    let id = text
        .trim()
        .parse()
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, format!("{path}: {e}")))?;
    Ok(Tracepoint::with_id(id))
}

impl KernelCounters {
    /// Opens the counters, disabled, for the calling thread on any CPU.
    pub fn new() -> io::Result<Self> {
        // Independent counters, not a group: grouped under perf's dummy event as leader (as
        // perf-event2's `Group` makes them), the tracepoint members counted nothing on 7.3.
        // Tracepoints fire in the kernel: excluding it (perf-event2's default) would count
        // nothing either.
        let counters = EVENTS
            .iter()
            .map(|name| {
                Builder::new(tracepoint(name)?)
                    .exclude_kernel(false)
                    .build()
            })
            .collect::<io::Result<_>>()?;
        let mut me = Self {
            counters,
            overhead: Counts::default(),
        };
        // The smallest of a few samples: an interrupt that allocates on this thread's time
        // must not be taken for overhead.
        let mut overhead = me.count_raw(|| ())?.0;
        for _ in 0..4 {
            overhead = overhead.min(me.count_raw(|| ())?.0);
        }
        me.overhead = overhead;
        Ok(me)
    }

    /// Runs `f` with the counters on; what it made the kernel do, and what it returned.
    pub fn count<T>(&mut self, f: impl FnOnce() -> T) -> io::Result<(Counts, T)> {
        let (c, value) = self.count_raw(f)?;
        let o = self.overhead;
        let counts = Counts {
            syscalls: c.syscalls.saturating_sub(o.syscalls),
            slab_allocs: c.slab_allocs.saturating_sub(o.slab_allocs),
            page_allocs: c.page_allocs.saturating_sub(o.page_allocs),
        };
        Ok((counts, value))
    }

    fn count_raw<T>(&mut self, f: impl FnOnce() -> T) -> io::Result<(Counts, T)> {
        // A reset zeroes the counts but not the times: a counter ran this round if its running
        // time grew.
        let mut ran_before = [core::time::Duration::ZERO; EVENTS.len()];
        for (c, before) in self.counters.iter_mut().zip(&mut ran_before) {
            c.reset()?;
            *before = c.read_full()?.time_running().unwrap_or_default();
        }
        for c in &mut self.counters {
            c.enable()?;
        }
        let value = f();
        for c in &mut self.counters {
            c.disable()?;
        }
        let mut counts = [0; EVENTS.len()];
        for (i, c) in self.counters.iter_mut().enumerate() {
            let data = c.read_full()?;
            // A counter that was not scheduled in counted nothing: that is no count of 0.
            if data.time_running().unwrap_or_default() <= ran_before[i] {
                return Err(io::Error::other(format!("{} did not run", EVENTS[i])));
            }
            counts[i] = data.count();
        }
        let counts = Counts {
            syscalls: counts[0],
            slab_allocs: counts[1] + counts[2],
            page_allocs: counts[3],
        };
        Ok((counts, value))
    }
}

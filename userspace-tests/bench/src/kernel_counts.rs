//! What an operation costs the kernel in units that emulation does not stretch: the system calls
//! it makes and the kernel allocations it causes, counted by the kernel's own tracepoints
//! (`raw_syscalls:sys_enter`, `kmem:kmalloc`, `kmem:kmem_cache_alloc`, `kmem:mm_page_alloc`)
//! through perf events bound to the calling thread, so that nothing else the system does counts.
//! Needs a kernel with `CONFIG_FTRACE_SYSCALLS` (Debian's has it; the tinyconfig test kernel
//! does not) and tracefs mounted where systemd mounts it.

use perf_event::events::Tracepoint;
use perf_event::{Builder, Counter, Group};
use std::io;
use usac::tracefs::TRACING;
use usac_schema::bench::Counts;

/// The counters, a group read at once.
///
/// # Invariants
///
/// `counters` holds the counters of `EVENTS`, in that order, members of `group`; `overhead` is
/// what counting nothing counts (the `ioctl` that stops the group).
pub struct KernelCounters {
    group: Group,
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
        // Tracepoints fire in the kernel: excluding it (perf's default) would count nothing.
        let mut group = Group::builder().exclude_kernel(false).build_group()?;
        let counters = EVENTS
            .iter()
            .map(|name| group.add(Builder::new(tracepoint(name)?).exclude_kernel(false)))
            .collect::<io::Result<_>>()?;
        let mut me = Self {
            group,
            counters,
            overhead: Counts::default(),
        };
        me.overhead = me.count_raw(|| ())?.0;
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
        self.group.reset()?;
        self.group.enable()?;
        let value = f();
        self.group.disable()?;
        let data = self.group.read()?;
        let count = |i: usize| {
            data.get(&self.counters[i])
                .map(|entry| entry.value())
                .ok_or_else(|| io::Error::other(format!("no count for {}", EVENTS[i])))
        };
        let counts = Counts {
            syscalls: count(0)?,
            slab_allocs: count(1)? + count(2)?,
            page_allocs: count(3)?,
        };
        Ok((counts, value))
    }
}

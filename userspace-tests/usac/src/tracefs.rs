//! usac_mem's trace events (include/trace/events/usac_mem.h), and kmem's `kmalloc` (what kernel
//! memory a call takes), switched on and read back through tracefs.

use std::io;

/// Where `/init` mounts tracefs.
pub const TRACING: &str = "/sys/kernel/tracing";

/// One usac_mem event from the trace buffer, with the pid of the task that caused it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    /// `usac_tamalloc`: a `zamora_tamalloc` call returned `addr`, or `err` (a negative errno).
    Tamalloc {
        pid: u32,
        size: u64,
        flags: u32,
        addr: u64,
        err: i32,
    },
    /// `usac_tamalloc_zero_fill`: a folio of `pages` pages at `addr` was prepared for its first
    /// write, cleared by the shim or (`cleared == false`) already zeroed by the allocator.
    ZeroFill {
        pid: u32,
        addr: u64,
        pages: u64,
        cleared: bool,
    },
    /// `usac_mem_stats_process`: a `zamora_mem_stats_process(target, buf, count, flags)` call
    /// returned `ret` (records written, or a negative errno).
    StatsProcess {
        pid: u32,
        target: i32,
        count: u64,
        flags: u32,
        ret: i64,
    },
    /// `usac_mem_stats_global`: a `zamora_mem_stats_global(out, flags)` call returned `ret`.
    StatsGlobal { pid: u32, flags: u32, ret: i64 },
}

impl Event {
    /// The pid of the task the event is about.
    pub fn pid(&self) -> u32 {
        match *self {
            Event::Tamalloc { pid, .. }
            | Event::ZeroFill { pid, .. }
            | Event::StatsProcess { pid, .. }
            | Event::StatsGlobal { pid, .. } => pid,
        }
    }
}

fn write(file: &str, value: &str) -> io::Result<()> {
    std::fs::write(format!("{TRACING}/{file}"), value)
        .map_err(|e| io::Error::new(e.kind(), format!("{TRACING}/{file}: {e}")))
}

/// Switches every usac_mem event on or off.
pub fn enable_usac_events(on: bool) -> io::Result<()> {
    write("events/usac_mem/enable", if on { "1" } else { "0" })
}

/// One `kmem:kmalloc` event: `bytes` requested by task `pid`, `accounted` if requested with
/// `__GFP_ACCOUNT` (charged to its memory cgroup where the kernel has them; the event's own
/// `accounted` field is false on a kernel without `CONFIG_MEMCG`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Kmalloc {
    pub pid: u32,
    pub bytes: u64,
    pub accounted: bool,
}

/// Switches the `kmem:kmalloc` event on, for the tasks `filter` selects (a tracefs event filter,
/// e.g. `common_pid == 42`), or off.
pub fn trace_kmalloc(filter: Option<&str>) -> io::Result<()> {
    match filter {
        Some(f) => {
            write("events/kmem/kmalloc/filter", f)?;
            write("events/kmem/kmalloc/enable", "1")
        }
        None => {
            write("events/kmem/kmalloc/enable", "0")?;
            write("events/kmem/kmalloc/filter", "0")
        }
    }
}

/// The `kmem:kmalloc` events in the trace buffer, oldest first.
pub fn kmallocs() -> io::Result<Vec<Kmalloc>> {
    events_in_trace(": kmalloc: ", parse_kmalloc)
}

/// Parses `COMM-PID [CPU] FLAGS TIME: kmalloc: call_site=... bytes_req=N ... gfp_flags=FLAGS ...`.
fn parse_kmalloc(line: &str) -> Option<Kmalloc> {
    let (pid, event, fields) = split_line(line)?;
    (event == "kmalloc").then_some(())?;
    Some(Kmalloc {
        pid,
        bytes: field(fields, "bytes_req")?.parse().ok()?,
        accounted: field(fields, "gfp_flags")?.contains("ACCOUNT"),
    })
}

/// The events of the trace buffer whose lines contain `marker`, parsed, oldest first; a marked
/// line that does not parse is an error.
fn events_in_trace<T>(marker: &str, parse: fn(&str) -> Option<T>) -> io::Result<Vec<T>> {
    let text = std::fs::read_to_string(format!("{TRACING}/trace"))?;
    text.lines()
        .filter(|l| !l.starts_with('#') && l.contains(marker))
        .map(|l| {
            parse(l).ok_or_else(|| {
                io::Error::new(io::ErrorKind::InvalidData, format!("trace line: {l}"))
            })
        })
        .collect()
}

/// Splits `  COMM-PID  [CPU] FLAGS  TIME: EVENT: key=value ...` into the pid, the event's name
/// and its fields.
fn split_line(line: &str) -> Option<(u32, &str, &str)> {
    let (task, rest) = line.split_once(" [")?;
    let pid = task.trim().rsplit_once('-')?.1.parse().ok()?;
    let (_, rest) = rest.split_once("]")?;
    let (_, rest) = rest.split_once(": ")?;
    let (event, fields) = rest.split_once(": ")?;
    Some((pid, event, fields))
}

/// The value of `key=value` among `fields`.
fn field<'a>(fields: &'a str, key: &str) -> Option<&'a str> {
    fields
        .split_whitespace()
        .find_map(|kv| kv.strip_prefix(key)?.strip_prefix('='))
}

/// The size of each CPU's trace buffer, in KiB.
pub fn buffer_size_kb() -> io::Result<u64> {
    let text = std::fs::read_to_string(format!("{TRACING}/buffer_size_kb"))?;
    // "1408" or, before the buffer is first used, "7 (expanded: 1408)".
    let kb = text
        .rsplit(' ')
        .next()
        .unwrap_or("")
        .trim_end_matches([')', '\n']);
    kb.parse().map_err(|_| {
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!("buffer_size_kb: {text}"),
        )
    })
}

/// Sets the size of each CPU's trace buffer, in KiB.
pub fn set_buffer_size_kb(kb: u64) -> io::Result<()> {
    write("buffer_size_kb", &kb.to_string())
}

/// Empties the trace buffer (opening `trace` for writing truncates it).
pub fn clear() -> io::Result<()> {
    write("trace", "")
}

/// The usac_mem events in the trace buffer, oldest first.
pub fn usac_events() -> io::Result<Vec<Event>> {
    events_in_trace(": usac_", parse)
}

/// Parses a usac_mem event's line: `  COMM-PID  [CPU] FLAGS  TIME: usac_EVENT: key=value ...`.
fn parse(line: &str) -> Option<Event> {
    let (pid, event, fields) = split_line(line)?;
    let field = |key| field(fields, key);
    let hex = |key| u64::from_str_radix(field(key)?.strip_prefix("0x")?, 16).ok();
    match event {
        "usac_tamalloc" => Some(Event::Tamalloc {
            pid,
            size: field("size")?.parse().ok()?,
            flags: u32::try_from(hex("flags")?).ok()?,
            addr: hex("addr")?,
            err: field("err")?.parse().ok()?,
        }),
        "usac_tamalloc_zero_fill" => Some(Event::ZeroFill {
            pid,
            addr: hex("addr")?,
            pages: field("pages")?.parse().ok()?,
            cleared: field("cleared")? == "1",
        }),
        "usac_mem_stats_process" => Some(Event::StatsProcess {
            pid,
            target: field("pid")?.parse().ok()?,
            count: field("count")?.parse().ok()?,
            flags: u32::try_from(hex("flags")?).ok()?,
            ret: field("ret")?.parse().ok()?,
        }),
        "usac_mem_stats_global" => Some(Event::StatsGlobal {
            pid,
            flags: u32::try_from(hex("flags")?).ok()?,
            ret: field("ret")?.parse().ok()?,
        }),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_event_and_pids_in_names_with_dashes() {
        let t = " usac-selftest-t-123     [001] .....    12.345678: usac_tamalloc: size=12345 \
                 flags=0x0 addr=0x7f0000001000 err=0";
        assert_eq!(
            parse(t),
            Some(Event::Tamalloc {
                pid: 123,
                size: 12345,
                flags: 0,
                addr: 0x7f00_0000_1000,
                err: 0
            })
        );
        let z = "   memstat-77  [000] d....  1.5: usac_tamalloc_zero_fill: addr=0x1000 pages=16 cleared=1";
        assert_eq!(
            parse(z),
            Some(Event::ZeroFill {
                pid: 77,
                addr: 0x1000,
                pages: 16,
                cleared: true
            })
        );
        assert_eq!(parse("x-1 [0] ..: usac_tamalloc: size=1"), None);
        let p = " memstat-9 [001] ..... 7.5: usac_mem_stats_process: pid=0 count=1000 flags=0x0 \
                 ret=-4";
        assert_eq!(
            parse(p),
            Some(Event::StatsProcess {
                pid: 9,
                target: 0,
                count: 1000,
                flags: 0,
                ret: -4
            })
        );
        let g = " memstat-9 [001] ..... 7.6: usac_mem_stats_global: flags=0x0 ret=0";
        assert_eq!(
            parse(g),
            Some(Event::StatsGlobal {
                pid: 9,
                flags: 0,
                ret: 0
            })
        );
        let k = " usac-selftest-s-88 [000] ..... 3.25: kmalloc: call_site=__kvmalloc_node_noprof+0x3f/0xd0 \
                 ptr=000000005e6f0a2c bytes_req=6144 bytes_alloc=8192 \
                 gfp_flags=GFP_KERNEL_ACCOUNT|__GFP_NOWARN node=-1 accounted=true";
        assert_eq!(
            parse_kmalloc(k),
            Some(Kmalloc {
                pid: 88,
                bytes: 6144,
                accounted: true
            })
        );
    }
}

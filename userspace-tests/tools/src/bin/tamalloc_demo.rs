//! `tamalloc-demo`: a narrated run of zamora_tamalloc. Reserve, read, write in steps, fork, unmap,
//! with /proc's view and the syscalls' view side by side after every step, and a check of what
//! each step must (and must not) change. Exits non-zero if a check fails.

use clap::Parser;
use std::io::Write;
use std::process::ExitCode;
use usac::os::{in_child, Exit, Mapping, Signal};
use usac::procfs::smaps_entries;
use usac::tracefs::{self, Event};
use usac::{mem_stats_process, Tamalloc};
use usac_schema::demo::{DemoLine, DemoRecord, Step, TAG};
use usac_tools::cli::{DemoArgs, EXIT_ERROR, EXIT_NO_USAC};
use usac_tools::format::human_kib;

const PAGE: usize = 4096;

/// Why the demo stopped before its end.
enum Failure {
    /// A usac syscall failed.
    Syscall(&'static str, usac::Error),
    /// Anything else (reading /proc, mapping memory).
    Other(String),
}

impl From<String> for Failure {
    fn from(e: String) -> Self {
        Failure::Other(e)
    }
}

/// What /proc and the syscalls say about this process.
#[derive(Debug, Clone, Copy, Default)]
struct View {
    vm_size_kb: u64,
    vm_rss_kb: u64,
    reserved_kb: u64,
    committed_kb: u64,
    tamalloc_kb: u64,
    zeroed_pages: u64,
    /// Rss of the tamalloc mappings alone (smaps): the demo's own printing commits a few pages
    /// of heap now and then, which VmRSS shows too, so the exact checks use this.
    tamalloc_rss_kb: u64,
}

/// The summed Rss of the mappings whose smaps `VmFlags` have `tm` (without allocating).
fn tamalloc_rss_kb(smaps: &str) -> u64 {
    smaps_entries(smaps)
        .filter(|v| v.has_flag("tm"))
        .map(|v| v.rss_kb)
        .sum()
}

fn status_kb(status: &str, field: &str) -> u64 {
    usac::procfs::field_in(status, field).unwrap_or(0)
}

fn view(scratch: &mut String) -> Result<View, Failure> {
    use std::io::Read;
    scratch.clear();
    std::fs::File::open("/proc/self/status")
        .and_then(|mut f| f.read_to_string(scratch))
        .map_err(|e| format!("/proc/self/status: {e}"))?;
    let (vm_size_kb, vm_rss_kb) = (status_kb(scratch, "VmSize"), status_kb(scratch, "VmRSS"));
    scratch.clear();
    std::fs::File::open("/proc/self/smaps")
        .and_then(|mut f| f.read_to_string(scratch))
        .map_err(|e| format!("/proc/self/smaps: {e}"))?;
    let tamalloc_rss_kb = tamalloc_rss_kb(scratch);
    let s = mem_stats_process(std::process::id() as i32)
        .map_err(|e| Failure::Syscall("zamora_mem_stats_process", e))?;
    Ok(View {
        vm_size_kb,
        vm_rss_kb,
        tamalloc_rss_kb,
        reserved_kb: s.reserved_kb,
        committed_kb: s.committed_kb,
        tamalloc_kb: s.tamalloc_kb,
        zeroed_pages: s.lazy_zeroed_pages,
    })
}

struct Narrator {
    scratch: String,
    /// The `DEMO-JSON` line, formatted in memory that is already committed, so that printing it
    /// does not change the RSS the next step measures.
    json_line: Vec<u8>,
    last: View,
    failures: usize,
    json: bool,
}

impl Narrator {
    fn header() {
        println!(
            "{:<44} {:>10} {:>10} | {:>10} {:>10} {:>10} {:>7}",
            "step", "VmSize", "VmRSS", "reserved", "committed", "tamalloc", "zeroed"
        );
        println!(
            "{:<44} {:>10} {:>10} | {:>43}",
            "", "(/proc)", "(/proc)", "(zamora_mem_stats_process)"
        );
    }

    /// Prints the view after `step` and checks the expected changes (in KiB, and zeroed pages).
    fn step(&mut self, step: &str, expect: &[(&str, i64)]) -> Result<(), Failure> {
        let now = view(&mut self.scratch)?;
        println!(
            "{:<44} {:>10} {:>10} | {:>10} {:>10} {:>10} {:>7}",
            step,
            human_kib(now.vm_size_kb),
            human_kib(now.vm_rss_kb),
            human_kib(now.reserved_kb),
            human_kib(now.committed_kb),
            human_kib(now.tamalloc_kb),
            now.zeroed_pages
        );
        for &(what, want) in expect {
            let d = |a: u64, b: u64| a as i64 - b as i64;
            let got = match what {
                "VmSize" => d(now.vm_size_kb, self.last.vm_size_kb),
                "tamalloc Rss" => d(now.tamalloc_rss_kb, self.last.tamalloc_rss_kb),
                "tamalloc" => d(now.tamalloc_kb, self.last.tamalloc_kb),
                "zeroed" => d(now.zeroed_pages, self.last.zeroed_pages),
                _ => unreachable!("unknown column {what}"),
            };
            let unit = if what == "zeroed" { " pages" } else { " KiB" };
            if got == want {
                println!("    ok: {what} {want:+}{unit}");
            } else {
                println!("    FAILED: {what} changed by {got:+}{unit}, expected {want:+}{unit}");
                self.failures += 1;
            }
        }
        if self.json {
            self.print_json(DemoRecord::Step(Step {
                step: step.to_string(),
                vm_size_kb: now.vm_size_kb,
                vm_rss_kb: now.vm_rss_kb,
                committed_kb: now.committed_kb,
                tamalloc_kb: now.tamalloc_kb,
                tamalloc_rss_kb: now.tamalloc_rss_kb,
                zeroed_pages: now.zeroed_pages,
            }))?;
        }
        self.last = now;
        Ok(())
    }

    /// Prints `record` as a `DEMO-JSON` line.
    fn print_json(&mut self, record: DemoRecord) -> Result<(), Failure> {
        self.json_line.clear();
        self.json_line.extend_from_slice(TAG.as_bytes());
        serde_json::to_writer(&mut self.json_line, &DemoLine::new(record))
            .map_err(|e| format!("DEMO-JSON: {e}"))?;
        self.json_line.push(b'\n');
        std::io::stdout()
            .write_all(&self.json_line)
            .map_err(|e| Failure::Other(format!("stdout: {e}")))
    }
}

/// RSS growth (KiB) of an eager baseline: `mmap` then `memset` of every byte.
fn eager_baseline_kb(len: usize, scratch: &mut String) -> Result<u64, Failure> {
    let before = view(scratch)?.vm_rss_kb;
    let mut m = Mapping::anon(len).map_err(|e| format!("mmap: {e}"))?;
    m.fill(0, len, 0);
    let after = view(scratch)?.vm_rss_kb;
    drop(m);
    Ok(after.saturating_sub(before))
}

/// The usac_mem trace events of the demo's reservation and writes (`--trace`).
struct Trace {
    /// The per-CPU buffer size to restore.
    buffer_kb: u64,
}

impl Trace {
    /// Clears the trace buffer, makes room for an event per page, and switches the events on.
    fn start(pages: usize) -> std::io::Result<Self> {
        let buffer_kb = tracefs::buffer_size_kb()?;
        // A zero-fill event takes about 32 bytes of ring buffer; all may land on one CPU.
        let need_kb = (pages as u64 * 64).div_ceil(1024) + 1024;
        if need_kb > buffer_kb {
            tracefs::set_buffer_size_kb(need_kb)?;
        }
        tracefs::clear()?;
        tracefs::enable_usac_events(true)?;
        Ok(Trace { buffer_kb })
    }

    /// Switches the events off and checks them: one `usac_tamalloc` event for the call that
    /// returned `addr` for `len` bytes, and one single-page `usac_tamalloc_zero_fill` event for
    /// each of the first `written` pages. Prints what it found; returns whether it was right.
    fn check(self, len: usize, addr: usize, written: usize) -> std::io::Result<bool> {
        tracefs::enable_usac_events(false)?;
        let pid = std::process::id();
        let events: Vec<Event> = tracefs::usac_events()?
            .into_iter()
            .filter(|e| e.pid() == pid)
            .collect();
        tracefs::set_buffer_size_kb(self.buffer_kb)?;
        let calls: Vec<&Event> = events
            .iter()
            .filter(|e| matches!(e, Event::Tamalloc { .. }))
            .collect();
        let mut filled: Vec<(u64, u64)> = events
            .iter()
            .filter_map(|e| match *e {
                Event::ZeroFill { addr, pages, .. } => Some((addr, pages)),
                _ => None,
            })
            .collect();
        filled.sort_unstable();
        let want_call = Event::Tamalloc {
            pid,
            size: len as u64,
            flags: 0,
            addr: addr as u64,
            err: 0,
        };
        let want_filled: Vec<(u64, u64)> = (0..written)
            .map(|p| ((addr + p * PAGE) as u64, 1))
            .collect();
        let right = calls == [&want_call] && filled == want_filled;
        println!(
            "trace: {} usac_tamalloc event(s), {} usac_tamalloc_zero_fill event(s) for {} page(s); \
             {written} page(s) written: {}",
            calls.len(),
            filled.len(),
            filled.iter().map(|f| f.1).sum::<u64>(),
            if right { "as expected" } else { "WRONG" }
        );
        Ok(right)
    }
}

fn run(args: &DemoArgs) -> Result<usize, Failure> {
    let len = (args.size_mib as usize) << 20;
    let pages = len / PAGE;
    let kb = |pages: usize| (pages * PAGE / 1024) as i64;
    let mut n = Narrator {
        scratch: " ".repeat(256 * 1024),
        // Written once in full so that its pages are committed before the first measurement.
        json_line: vec![b' '; 4096],
        last: View::default(),
        failures: 0,
        json: args.json,
    };
    println!(
        "tamalloc-demo: reserve {} MiB, then touch it step by step\n",
        args.size_mib
    );
    Narrator::header();
    // Measure once untimed, so that the stack and code the measuring itself uses are committed
    // before the first figure: the steps' deltas are then the memory's alone.
    view(&mut n.scratch)?;
    n.step("start", &[])?;

    let trace = if args.trace {
        Some(Trace::start(pages).map_err(|e| format!("tracefs: {e}"))?)
    } else {
        None
    };
    let mut m = Tamalloc::new(len).map_err(|e| Failure::Syscall("zamora_tamalloc", e))?;
    let addr = m.addr();
    n.step(
        &format!("zamora_tamalloc({} MiB)", args.size_mib),
        &[
            ("VmSize", kb(pages)),
            ("tamalloc Rss", 0),
            ("tamalloc", kb(pages)),
            ("zeroed", 0),
        ],
    )?;

    let nonzero = m.as_slice().iter().filter(|&&b| b != 0).count();
    n.step(
        &format!("read all {pages} pages: {nonzero} non-zero bytes"),
        &[("tamalloc Rss", 0), ("zeroed", 0)],
    )?;
    if nonzero != 0 {
        n.failures += 1;
    }

    let mut written = 0;
    for target in [1usize, 16, 256, 4096, 16384, 65536]
        .into_iter()
        .filter(|&t| t <= pages)
    {
        for p in written..target {
            m.as_mut_slice()[p * PAGE + 123] = 0xa5;
        }
        let more = target - written;
        written = target;
        n.step(
            &format!("write {more} more page(s) ({written} written)"),
            &[("tamalloc Rss", kb(more)), ("zeroed", more as i64)],
        )?;
    }

    // The range is not inherited: the child's read of it is a SIGSEGV.
    let child = in_child(|| i32::from(m.read_byte(123))).map_err(|e| format!("fork: {e}"))?;
    let segv = child == Exit::Signal(Signal::SIGSEGV);
    println!(
        "fork: the child read the range and {}",
        if segv {
            "was killed by SIGSEGV: the range is not inherited"
        } else {
            "was NOT killed"
        }
    );
    let intact = (0..written).all(|p| m.read_byte(p * PAGE + 123) == 0xa5);
    println!(
        "fork: the parent's {written} written pages are {}",
        if intact { "intact" } else { "CHANGED" }
    );
    if !segv || !intact {
        n.failures += 1;
    }

    drop(m);
    n.step(
        "munmap",
        &[
            ("VmSize", -kb(pages)),
            ("tamalloc Rss", -kb(written)),
            ("tamalloc", -kb(pages)),
            ("zeroed", 0),
        ],
    )?;

    // After the last measurement: reading the trace grows the heap.
    if let Some(trace) = trace {
        if !trace
            .check(len, addr, written)
            .map_err(|e| format!("tracefs: {e}"))?
        {
            n.failures += 1;
        }
    }

    if args.json {
        let eager = eager_baseline_kb(len, &mut n.scratch)?;
        n.print_json(DemoRecord::EagerBaseline {
            eager_baseline_rss_kb: eager,
            size_kb: (len / 1024) as u64,
        })?;
    }
    Ok(n.failures)
}

fn main() -> ExitCode {
    let args = DemoArgs::parse();
    match run(&args) {
        Ok(0) => {
            println!("\ntamalloc-demo: all checks passed");
            ExitCode::SUCCESS
        }
        Ok(failures) => {
            println!("\ntamalloc-demo: {failures} check(s) FAILED");
            ExitCode::from(EXIT_ERROR)
        }
        Err(Failure::Syscall(call, e)) => {
            eprintln!("tamalloc-demo: {call}: {e}");
            ExitCode::from(if e.is_no_syscalls() {
                EXIT_NO_USAC
            } else {
                EXIT_ERROR
            })
        }
        Err(Failure::Other(e)) => {
            eprintln!("tamalloc-demo: {e}");
            ExitCode::from(EXIT_ERROR)
        }
    }
}

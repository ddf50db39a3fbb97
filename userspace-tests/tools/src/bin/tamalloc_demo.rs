//! `tamalloc-demo`: a narrated run of zamora_tamalloc. Reserve, read, write in steps, fork, unmap,
//! with /proc's view and the syscalls' view side by side after every step, and a check of what
//! each step must (and must not) change. Exits non-zero if a check fails.

use clap::Parser;
use std::process::ExitCode;
use usac::{mem_stats_process, Tamalloc};
use usac_tools::cli::TamallocDemoArgs as Args;
use usac_tools::format::human_kib;

const PAGE: usize = 4096;

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

/// The summed Rss of the mappings whose smaps `VmFlags` have `tm`.
fn tamalloc_rss_kb(smaps: &str) -> u64 {
    let (mut total, mut rss) = (0, 0);
    for line in smaps.lines() {
        if line.starts_with("Rss:") {
            rss = status_kb(line, "Rss");
        } else if let Some(flags) = line.strip_prefix("VmFlags:") {
            if flags.split_whitespace().any(|f| f == "tm") {
                total += rss;
            }
        }
    }
    total
}

fn status_kb(status: &str, field: &str) -> u64 {
    usac::procfs::field_in(status, field).unwrap_or(0)
}

fn view(scratch: &mut String) -> Result<View, String> {
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
    let s = mem_stats_process(std::process::id() as i32).map_err(|e| e.to_string())?;
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
    json_line: String,
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
    fn step(&mut self, step: &str, expect: &[(&str, i64)]) -> Result<(), String> {
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
            use std::fmt::Write;
            self.json_line.clear();
            let _ = write!(
                self.json_line,
                "DEMO-JSON {{\"step\":{:?},\"vm_size_kb\":{},\"vm_rss_kb\":{},\"committed_kb\":{},\"tamalloc_kb\":{},\"tamalloc_rss_kb\":{},\"zeroed_pages\":{}}}",
                step, now.vm_size_kb, now.vm_rss_kb, now.committed_kb, now.tamalloc_kb, now.tamalloc_rss_kb, now.zeroed_pages
            );
            println!("{}", self.json_line);
        }
        self.last = now;
        Ok(())
    }
}

/// RSS growth (KiB) of an eager baseline: `mmap` then `memset` of every byte.
fn eager_baseline_kb(len: usize, scratch: &mut String) -> Result<u64, String> {
    let before = view(scratch)?.vm_rss_kb;
    // SAFETY: a fresh private anonymous mapping, filled and unmapped here.
    unsafe {
        let p = libc::mmap(
            std::ptr::null_mut(),
            len,
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
            -1,
            0,
        );
        if p == libc::MAP_FAILED {
            return Err("mmap failed".into());
        }
        std::ptr::write_bytes(p.cast::<u8>(), 0, len);
        let after = view(scratch)?.vm_rss_kb;
        libc::munmap(p, len);
        Ok(after.saturating_sub(before))
    }
}

fn run(args: &Args) -> Result<usize, String> {
    let len = args.size_mib << 20;
    let pages = len / PAGE;
    let kb = |pages: usize| (pages * PAGE / 1024) as i64;
    let mut n = Narrator {
        scratch: " ".repeat(256 * 1024),
        // Written once in full so that its pages are committed before the first measurement.
        json_line: " ".repeat(4096),
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

    let mut m = Tamalloc::new(len).map_err(|e| format!("zamora_tamalloc: {e}"))?;
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

    let base = m.as_ptr() as usize;
    // SAFETY: the child only reads one byte and exits; the parent waits for it.
    let child = unsafe { libc::fork() };
    if child == 0 {
        // SAFETY: a read of the (not inherited) range: the child dies of SIGSEGV here.
        let b = unsafe { std::ptr::read_volatile((base + 123) as *const u8) };
        // SAFETY: leave without the parent's handlers.
        unsafe { libc::_exit(i32::from(b)) };
    }
    let mut status = 0;
    // SAFETY: waiting for our own child.
    unsafe { libc::waitpid(child, &mut status, 0) };
    let segv = libc::WIFSIGNALED(status) && libc::WTERMSIG(status) == libc::SIGSEGV;
    println!(
        "fork: the child read the range and {}",
        if segv {
            "was killed by SIGSEGV: the range is not inherited"
        } else {
            "was NOT killed"
        }
    );
    let intact = (0..written).all(|p| m.as_slice()[p * PAGE + 123] == 0xa5);
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

    if args.json {
        let eager = eager_baseline_kb(len, &mut n.scratch)?;
        println!(
            "DEMO-JSON {{\"eager_baseline_rss_kb\":{eager},\"size_kb\":{}}}",
            len / 1024
        );
    }
    Ok(n.failures)
}

fn main() -> ExitCode {
    let args = Args::parse();
    match run(&args) {
        Ok(0) => {
            println!("\ntamalloc-demo: all checks passed");
            ExitCode::SUCCESS
        }
        Ok(failures) => {
            println!("\ntamalloc-demo: {failures} check(s) FAILED");
            ExitCode::FAILURE
        }
        Err(e) => {
            eprintln!("tamalloc-demo: {e}");
            ExitCode::from(if e.contains("no zamora_* syscalls") {
                3
            } else {
                1
            })
        }
    }
}

//! memstat on a Debian system (`make system-test`: systemd, udev, journald, procps, smem, our
//! packages installed with apt), side by side with the tools people already use there: for every
//! process that holds still, memstat shows what `ps` shows (size, resident set, name) and what
//! the oom files say; its global totals are held to `free` and `smem -t`. The kernel-work
//! counters of `usac-bench counts` are held to work whose count is known, and the benchmarks
//! that need this system (`tools`, `counts`) run once at small sizes.

use ktap::{ensure, ensure_eq, writer::fail, writer::NotPassed, TestResult};
use std::collections::BTreeMap;
use std::process::ExitCode;
use usac_bench::kernel_counts::KernelCounters;
use usac_schema::bench::{self, BenchRow, CountRow, Counts};
use usac_schema::memstat::{Global, Process, Processes};
use usac_schema::tagged;
use usac_selftests::command::stdout_of;

/// What `ps -e -o pid=,vsz=,rss=,comm=` shows of one process: size and resident set in KiB,
/// and its name.
#[derive(Debug, Clone, PartialEq, Eq)]
struct PsRow {
    vsz_kb: u64,
    rss_kb: u64,
    comm: String,
}

/// `ps`'s view of every process, by pid.
fn ps() -> Result<BTreeMap<i32, PsRow>, NotPassed> {
    let text = stdout_of("ps", &["-e", "-o", "pid=,vsz=,rss=,comm="])?;
    text.lines()
        .map(|line| {
            let mut f = line.split_whitespace();
            let mut number = |what| {
                f.next()
                    .and_then(|v| v.parse::<u64>().ok())
                    .ok_or_else(|| fail(format!("ps: no {what} in {line:?}")))
            };
            let pid = number("pid")? as i32;
            let (vsz_kb, rss_kb) = (number("vsz")?, number("rss")?);
            // The name is the rest of the line (it may hold spaces).
            let comm = line
                .split_whitespace()
                .skip(3)
                .collect::<Vec<_>>()
                .join(" ");
            Ok((
                pid,
                PsRow {
                    vsz_kb,
                    rss_kb,
                    comm,
                },
            ))
        })
        .collect()
}

fn memstat() -> Result<Processes, NotPassed> {
    let text = stdout_of("memstat", &["--json"])?;
    serde_json::from_str(&text).map_err(|e| fail(format!("memstat --json: {e}")))
}

/// The processes that hold still: `ps` before and after a memstat listing, the rows equal in
/// both, and the listing between them.
fn steady_listing() -> Result<(BTreeMap<i32, PsRow>, Vec<Process>), NotPassed> {
    let before = ps()?;
    let listing = memstat()?;
    let after = ps()?;
    ensure_eq!(listing.nr_hidden, 0, "processes hidden from root");
    let steady = before
        .into_iter()
        .filter(|(pid, row)| after.get(pid) == Some(row))
        .collect();
    Ok((steady, listing.processes))
}

/// For a kernel thread `ps` shows /proc's name (a workqueue worker's with its current work); the
/// ABI has the task's comm, which starts it. A zombie's name has " <defunct>" after it in ps.
fn same_name(p: &Process, ps: &str) -> bool {
    let ps = ps.strip_suffix(" <defunct>").unwrap_or(ps);
    p.comm == ps || p.kthread && ps.starts_with(&p.comm)
}

/// The system's own daemons, which a steady listing must include: a run that compared next to
/// nothing proves nothing.
const DAEMONS: [&str; 3] = ["systemd", "systemd-journal", "systemd-udevd"];

/// A steady listing that includes the daemons: taken again (5 times at most) while one of them
/// is still busy (journald writing the boot's last lines).
fn steady_listing_with_daemons() -> Result<(BTreeMap<i32, PsRow>, Vec<Process>), NotPassed> {
    let mut busy = Vec::new();
    for _ in 0..5 {
        let (steady, listing) = steady_listing()?;
        busy = DAEMONS
            .into_iter()
            .filter(|d| !steady.values().any(|r| r.comm == *d))
            .collect();
        if busy.is_empty() {
            return Ok((steady, listing));
        }
        std::thread::sleep(std::time::Duration::from_secs(1));
    }
    Err(fail(format!(
        "{busy:?} not among the steady processes in 5 tries"
    )))
}

fn memstat_equals_ps_for_every_steady_process() -> TestResult {
    let (steady, listing) = steady_listing_with_daemons()?;
    let listed: BTreeMap<i32, &Process> = listing.iter().map(|p| (p.pid, p)).collect();
    let mut compared = 0;
    for (pid, row) in &steady {
        let p = listed
            .get(pid)
            .ok_or_else(|| fail(format!("pid {pid} ({}) steady in ps, not listed", row.comm)))?;
        let ours = (p.reserved_kb, p.committed_kb);
        ensure!(
            ours == (row.vsz_kb, row.rss_kb) && same_name(p, &row.comm),
            "pid {pid}: memstat {ours:?} {:?}, ps {row:?}",
            p.comm
        );
        compared += 1;
    }
    let user = listing.iter().filter(|p| !p.kthread).count();
    println!(
        "# {compared} steady processes equal to ps ({} listed, {user} with an address space)",
        listing.len()
    );
    Ok(())
}

fn memstat_scores_equal_the_oom_files() -> TestResult {
    let (steady, listing) = steady_listing_with_daemons()?;
    let mut compared = 0;
    for p in listing.iter().filter(|p| steady.contains_key(&p.pid)) {
        // None once the process has exited (it held still only until the second ps).
        let read = |file: &str| -> Result<Option<i32>, NotPassed> {
            let path = format!("/proc/{}/{file}", p.pid);
            let text = match std::fs::read_to_string(&path) {
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
                other => other.map_err(|e| fail(format!("{path}: {e}")))?,
            };
            text.trim()
                .parse()
                .map(Some)
                .map_err(|e| fail(format!("{path}: {text:?}: {e}")))
        };
        let (Some(score), Some(adj)) = (read("oom_score")?, read("oom_score_adj")?) else {
            continue;
        };
        let files = (score, adj);
        ensure_eq!(
            (p.oom_score, p.oom_score_adj),
            files,
            "pid {} ({}): memstat's (oom_score, oom_score_adj) vs /proc",
            p.pid,
            p.comm
        );
        compared += 1;
    }
    println!("# {compared} steady processes: oom_score and oom_score_adj equal /proc's");
    Ok(())
}

/// A number in a `free -k` or `smem -t` table: row `row` (its first field), column `col`
/// (0 = the row's name).
fn table_number(text: &str, row: &str, col: usize) -> Result<u64, NotPassed> {
    text.lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>())
        .find(|f| f.first() == Some(&row))
        .and_then(|f| f.get(col)?.parse().ok())
        .ok_or_else(|| fail(format!("no number {col} in row {row:?} of:\n{text}")))
}

fn global_against_free_and_smem() -> TestResult {
    let text = stdout_of("memstat", &["--global", "--json"])?;
    let g: Global = serde_json::from_str(&text).map_err(|e| fail(format!("memstat: {e}")))?;
    let free = stdout_of("free", &["-k"])?;
    // free's total is MemTotal, as the syscall's totalram is.
    ensure_eq!(
        g.totalram_kb,
        table_number(&free, "Mem:", 1)?,
        "totalram_kb vs free's total"
    );
    // smem sums each process's Rss from /proc/PID/smaps (the pages its page tables map), the
    // syscall the RSS counters of each address space once: what differs is printed, not judged
    // (smem, a Python program, reads while it runs; see the per-process line below).
    let smem = stdout_of("smem", &["-t", "-c", "pid rss"])?;
    let total_line = smem.lines().last().unwrap_or_default().trim().to_string();
    println!(
        "# memstat --global: {} processes, committed {} kB, reserved {} kB; smem -t: {total_line:?} (processes, kB); free: {} kB used",
        g.nr_processes,
        g.committed_kb,
        g.reserved_kb,
        table_number(&free, "Mem:", 2)?
    );
    smem_per_process(&smem)?;
    // Processes with an address space: the global count equals a listing's when no other
    // process came or went around it (each memstat counts itself, one in each reading).
    let with_mm = |l: &Processes| -> Vec<i32> {
        let own = l
            .processes
            .iter()
            .rev()
            .find(|p| p.comm == "memstat")
            .map(|p| p.pid);
        l.processes
            .iter()
            // A zombie has no address space left: the global call does not count it.
            .filter(|p| !p.kthread && p.reserved_kb > 0 && Some(p.pid) != own)
            .map(|p| p.pid)
            .collect()
    };
    for _ in 0..5 {
        let before = with_mm(&memstat()?);
        let text = stdout_of("memstat", &["--global", "--json"])?;
        let g: Global = serde_json::from_str(&text).map_err(|e| fail(format!("memstat: {e}")))?;
        if with_mm(&memstat()?) == before {
            ensure_eq!(
                g.nr_processes,
                before.len() as u64 + 1,
                "global's processes vs the listing's with an address space (+ memstat)"
            );
            return Ok(());
        }
    }
    Err(fail("processes came and went around 5 global readings"))
}

/// Prints how smem's per-process Rss (a walk of smaps) compares with memstat's committed_kb (the
/// counters): equal, different, or shown by one only.
fn smem_per_process(smem: &str) -> TestResult {
    // The rows end at the line of dashes before the totals.
    let rows: BTreeMap<i32, u64> = smem
        .lines()
        .take_while(|l| !l.starts_with('-'))
        .filter_map(|l| {
            let mut f = l.split_whitespace();
            Some((f.next()?.parse().ok()?, f.next()?.parse().ok()?))
        })
        .collect();
    let listing = memstat()?;
    let (mut equal, mut differ, mut only_memstat) = (0, Vec::new(), Vec::new());
    for p in listing.processes.iter().filter(|p| p.reserved_kb > 0) {
        match rows.get(&p.pid) {
            Some(&kb) if kb == p.committed_kb => equal += 1,
            Some(&kb) => differ.push((p.pid, p.comm.clone(), p.committed_kb, kb)),
            None => only_memstat.push((p.pid, p.comm.clone())),
        }
    }
    println!(
        "# smem vs memstat per process: {equal} equal, (pid, comm, memstat kB, smem kB) differ: {differ:?}; not in smem: {only_memstat:?}"
    );
    Ok(())
}

/// The counters count exactly this thread's work: N system calls that allocate nothing are N
/// calls and no allocation; opening a file allocates at least its `struct file`; writing to N
/// fresh pages of a mapping takes at least N pages from the page allocator. Each is the smallest
/// of three rounds, field by field: an interrupt may allocate on this thread's time.
fn kernel_counters_count_this_threads_work() -> TestResult {
    let mut counters = KernelCounters::new().map_err(|e| fail(format!("counters: {e}")))?;
    let mut count = |f: &mut dyn FnMut()| -> Result<Counts, NotPassed> {
        let mut least: Option<Counts> = None;
        for _ in 0..3 {
            let (c, ()) = counters.count(&mut *f).map_err(|e| fail(format!("{e}")))?;
            least = Some(least.map_or(c, |l| l.min(c)));
        }
        Ok(least.expect("three rounds"))
    };
    let c = count(&mut || {
        for _ in 0..100 {
            nix::unistd::getppid();
        }
    })?;
    let none = Counts {
        syscalls: 100,
        slab_allocs: 0,
        page_allocs: 0,
    };
    ensure_eq!(c, none, "100 getppid() calls");
    let c = count(&mut || {
        for _ in 0..50 {
            drop(std::fs::File::open("/proc/self/stat").expect("open"));
        }
    })?;
    ensure_eq!(c.syscalls, 100, "50 opens and closes: {c:?}");
    ensure!(c.slab_allocs >= 50, "50 opens allocate 50 files: {c:?}");
    let pages = 64;
    let c = count(&mut || {
        let m = usac::os::Mapping::anon(pages * 4096).expect("mmap");
        for p in 0..pages {
            m.write_byte(p * 4096, 1);
        }
    })?;
    ensure_eq!(c.syscalls, 2, "mmap and munmap: {c:?}");
    ensure!(
        c.page_allocs >= pages as u64,
        "{pages} pages written: {c:?}"
    );
    Ok(())
}

/// `usac-bench counts --quick`: each snapshot by the syscall is one system call; the /proc
/// readers make at least one open, read and close per file per process (three files for the
/// listing, statm for the global reading).
fn usac_bench_counts_quick() -> TestResult {
    let text = stdout_of("usac-bench", &["counts", "--quick"])?;
    let rows: Vec<CountRow> = tagged(&text, bench::COUNT_TAG).map_err(fail)?;
    let got = bench::count_by_prefix(rows.iter().map(|r| r.name.as_str()), bench::COUNT_ROWS);
    ensure_eq!(got, bench::COUNT_ROWS, "rows by name");
    for r in &rows {
        ensure_eq!(r.candidate.syscalls, 1, "{}", r.name);
        let files = if r.name.starts_with("listing") { 3 } else { 1 };
        ensure!(
            r.baseline.syscalls >= 3 * files * r.items && r.baseline.slab_allocs >= files * r.items,
            "{}: {} processes, /proc {:?}",
            r.name,
            r.items,
            r.baseline
        );
    }
    Ok(())
}

/// `usac-bench tools --quick`: memstat against ps, top and smem at three process counts, each
/// side measured.
fn usac_bench_tools_quick() -> TestResult {
    let text = stdout_of("usac-bench", &["tools", "--quick"])?;
    let rows: Vec<BenchRow> = tagged(&text, bench::TAG).map_err(fail)?;
    let got = bench::count_by_prefix(rows.iter().map(|r| r.name.as_str()), bench::TOOL_ROWS);
    ensure_eq!(got, bench::TOOL_ROWS, "rows by name");
    for r in &rows {
        ensure!(
            r.candidate_ns > 0.0 && r.baseline_ns > 0.0,
            "{}: {} vs {} ns",
            r.name,
            r.candidate_ns,
            r.baseline_ns
        );
    }
    Ok(())
}

fn main() -> ExitCode {
    ktap::writer::run_suite(
        "usac system",
        &[
            (
                "memstat_equals_ps_for_every_steady_process",
                memstat_equals_ps_for_every_steady_process,
            ),
            (
                "memstat_scores_equal_the_oom_files",
                memstat_scores_equal_the_oom_files,
            ),
            ("global_against_free_and_smem", global_against_free_and_smem),
            (
                "kernel_counters_count_this_threads_work",
                kernel_counters_count_this_threads_work,
            ),
            ("usac_bench_counts_quick", usac_bench_counts_quick),
            ("usac_bench_tools_quick", usac_bench_tools_quick),
        ],
    )
}

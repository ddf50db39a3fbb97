//! `usac-bench [tamalloc|stats|latency|all] [--rounds N]`: the usac-mm syscalls against their
//! baselines, side by side in one boot, as medians of alternating rounds.
//!
//! - tamalloc: call latency vs `mmap` at 4 KiB, 1 MiB and 1 GiB; first-write and read-fault cost
//!   per page vs `mmap` memory, as the system gives it (huge pages if THP is "always") and of
//!   4 KiB pages (`MADV_NOHUGEPAGE`), as tamalloc's are.
//! - stats: listing every process with `zamora_mem_stats_process` vs reading what it returns
//!   from /proc (status, oom_score, oom_score_adj), and `zamora_mem_stats_global` vs summing
//!   /proc/*/statm (what a `free`-like tool reads), at 100, 1000, 5000 and 10000 processes, /proc
//!   read by the fastest reader we can write (`procfs_reader`); and one process's statistics
//!   with 20 000 mappings vs a handful.
//! - latency: how long a listing keeps its CPU from a real-time task, at 1000 and 10000
//!   processes: the longest delay of a `SCHED_FIFO` thread's 1 ms timer wake-ups on the CPU that
//!   lists in a loop (as cyclictest measures it), against the same while a user-space loop runs
//!   there (the emulator's own noise) and against one whole listing call (the delay without a
//!   scheduling point in the walk).
//!
//! - tools (not in `all`: it needs a system with procps and smem, as `make system` boots):
//!   `memstat` against `ps -e -o pid,vsz,rss,comm`, `top -b -n 1` and `smem`, whole commands
//!   started and waited for with their output discarded, at the system's own process count and
//!   with 1000 more.
//!
//! - counts (not in `all`: it needs syscall tracepoints, as Debian's kernel has): what one
//!   snapshot of every process makes the kernel do, at 1000 and 10 000 processes, the syscalls
//!   vs the same /proc readers: system calls entered and kernel allocations (slab and pages),
//!   counted by tracepoints on the calling thread, after a warm-up, medians of the rounds.
//!
//! - spin-listing, spin-global: one of the calls in a loop at a given process count, a workload
//!   for a profiler (`perf record -g`); prints the calls made per second.
//!
//! Prints a table, and each row as `BENCH-JSON {...}` (schema usac-bench/1) or, for counts,
//! `COUNT-JSON {...}` (usac-bench-counts/1) for usac-report.

use clap::Parser;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};
use usac::os::sched::{longest_timer_delay, pin_to_cpu, set_fifo};
use usac::os::{fork, Child, Mapping, ProtFlags};
use usac_bench::cli::{BenchArgs, Which};
use usac_bench::kernel_counts::KernelCounters;
use usac_bench::procfs_reader::ProcReader;
use usac_bench::{alternate, row};
use usac_schema::bench::{BenchRow, CountRow, Counts, COUNT_TAG, TAG};

const PAGE: usize = 4096;

/// How big each benchmark is: the real sizes, or `--quick`'s (every row, small and once, so that
/// the test suite checks that the benchmarks run; its figures mean nothing).
struct Scale {
    rounds: usize,
    /// Calls timed per call-latency sample, for 4 KiB, 1 MiB and 1 GiB.
    calls: [usize; 3],
    fault_pages: usize,
    vma_pages: usize,
    process_counts: &'static [usize],
    latency_counts: &'static [usize],
    latency_window: Duration,
    /// Processes added for the tools benchmark (cumulative): none, then 1000, then 10 000.
    tool_extra_processes: &'static [usize],
    /// Process counts of the counts benchmark.
    count_processes: &'static [usize],
}

impl Scale {
    fn of(args: &BenchArgs) -> Self {
        if args.quick {
            Scale {
                rounds: 1,
                calls: [40, 40, 4],
                fault_pages: 64,
                vma_pages: 200,
                process_counts: &[20, 40, 60, 80],
                latency_counts: &[20, 40],
                latency_window: Duration::from_millis(100),
                tool_extra_processes: &[0, 20, 40],
                count_processes: &[20, 40],
            }
        } else {
            Scale {
                rounds: args.rounds as usize,
                calls: [4000, 4000, 400],
                fault_pages: 8192,
                vma_pages: 20_000,
                process_counts: &[100, 1000, 5000, 10000],
                latency_counts: &[1000, 10000],
                latency_window: Duration::from_secs(1),
                tool_extra_processes: &[0, 1000, 9000],
                count_processes: &[1000, 10000],
            }
        }
    }
}

fn mmap_anon(len: usize) -> Mapping {
    Mapping::anon(len).unwrap_or_else(|e| panic!("mmap of {len} bytes: {e}"))
}

/// An anonymous mapping of 4 KiB pages only: `MADV_NOHUGEPAGE`, as tamalloc memory never has
/// huge pages (with THP "always", Debian's default, plain mmap memory faults 2 MiB at a time).
fn mmap_anon_small_pages(len: usize) -> Mapping {
    let mut m = mmap_anon(len);
    m.advise(0, len, nix::libc::MADV_NOHUGEPAGE)
        .unwrap_or_else(|e| panic!("MADV_NOHUGEPAGE: {e}"));
    m
}

/// A way to make a mapping of a length.
type MapFn = fn(usize) -> Mapping;

fn tamalloc(len: usize) -> Mapping {
    Mapping::tamalloc(len).unwrap_or_else(|e| panic!("tamalloc of {len} bytes: {e}"))
}

/// ns per call of `map(len)`, over `calls` calls (unmapped afterwards, untimed).
fn call_latency(map: MapFn, len: usize, calls: usize) -> f64 {
    let mut maps = Vec::with_capacity(calls);
    let start = Instant::now();
    for _ in 0..calls {
        maps.push(map(len));
    }
    let ns = start.elapsed().as_nanos() as f64 / calls as f64;
    drop(maps);
    ns
}

/// ns per page of touching every page of a fresh mapping, by write or by read.
fn fault_cost(map: MapFn, pages: usize, write: bool) -> f64 {
    let m = map(pages * PAGE);
    let start = Instant::now();
    for p in 0..pages {
        if write {
            m.write_byte(p * PAGE, 1);
        } else {
            m.read_byte(p * PAGE);
        }
    }
    let ns = start.elapsed().as_nanos() as f64 / pages as f64;
    drop(m);
    ns
}

fn tamalloc_rows(scale: &Scale) -> Vec<BenchRow> {
    let rounds = scale.rounds;
    let mut rows = Vec::new();
    for ((label, len), calls) in [("4KiB", 4 << 10), ("1MiB", 1 << 20), ("1GiB", 1 << 30)]
        .into_iter()
        .zip(scale.calls)
    {
        let m = alternate(
            rounds,
            || call_latency(tamalloc, len, calls),
            || call_latency(mmap_anon, len, calls),
        );
        rows.push(row(
            format!("call latency {label} (tamalloc vs mmap)"),
            m,
            1,
        ));
    }
    let pages = scale.fault_pages;
    // Against mmap memory as the system gives it (huge pages where THP allows them), and against
    // mmap memory of 4 KiB pages: the cost of a fault of the same size.
    let baselines: [(&str, MapFn); 2] = [
        ("mmap", mmap_anon),
        ("mmap+MADV_NOHUGEPAGE", mmap_anon_small_pages),
    ];
    for (label, write) in [("first write", true), ("read fault", false)] {
        for (baseline, map) in baselines {
            let m = alternate(
                rounds,
                || fault_cost(tamalloc, pages, write),
                || fault_cost(map, pages, write),
            );
            rows.push(row(
                format!("{label} per page, {pages} pages (tamalloc vs {baseline})"),
                m,
                1,
            ));
        }
    }
    rows
}

fn timed<T>(f: impl FnOnce() -> T) -> (f64, T) {
    let start = Instant::now();
    let v = f();
    (start.elapsed().as_nanos() as f64, v)
}

/// Forks a child that runs `setup`, keeps what it returns and waits (blocked in pause) until
/// killed: when the returned `Child` is dropped.
fn spawn_paused<T>(setup: impl FnOnce() -> T) -> Child {
    fork(|| {
        let _kept = setup();
        loop {
            nix::unistd::pause();
        }
    })
    .expect("fork")
}

/// Forks `n` children that wait until killed.
fn spawn_sleepers(n: usize) -> Vec<Child> {
    (0..n).map(|_| spawn_paused(|| ())).collect()
}

/// The number of mappings of process `pid`.
fn vma_count(pid: i32) -> usize {
    std::fs::read_to_string(format!("/proc/{pid}/maps")).map_or(0, |m| m.lines().count())
}

/// Every process listed by the syscall vs by /proc, and the global sums vs a statm-only /proc
/// sum, at several process counts.
fn stats_rows(scale: &Scale) -> Vec<BenchRow> {
    let rounds = scale.rounds;
    let mut proc = ProcReader::new().expect("/proc");
    let mut rows = Vec::new();
    let mut sleepers = Vec::new();
    for &target in scale.process_counts {
        let n = grow_to(&mut sleepers, target);
        // One call into a buffer with room for all, as a refreshing tool does after its first
        // size query; the /proc scan likewise reuses nothing but its code.
        let mut buf = vec![usac::ProcStats::default(); n + 64];
        let mut list = || usac::mem_stats_process_into(0, &mut buf, 0).expect("listing");
        let mut records = Vec::with_capacity(n + 64);
        let mut proc_scan = || {
            records.clear();
            proc.for_each_process(|r| records.push(r));
        };
        let m = alternate(rounds, || timed(&mut list).0, || timed(&mut proc_scan).0);
        rows.push(row(
            format!("all-process stats, {n} processes (syscall vs /proc status+oom_score+adj)"),
            m,
            n as u64,
        ));
        let m = alternate(
            rounds,
            || timed(|| usac::mem_stats_global().expect("global").nr_processes).0,
            || timed(|| proc.statm_sum()).0,
        );
        rows.push(row(
            format!("global stats, {n} processes (syscall vs /proc statm sum)"),
            m,
            n as u64,
        ));
    }
    drop(sleepers);
    rows
}

/// Spawns sleepers until the listing shows `target` processes (or more); how many it shows.
fn grow_to(sleepers: &mut Vec<Child>, target: usize) -> usize {
    let now = usac::mem_stats_all().expect("listing").len();
    sleepers.extend(spawn_sleepers(target.saturating_sub(now)));
    usac::mem_stats_all().expect("listing").len()
}

/// The median of each field of `samples`.
fn median_counts(mut samples: Vec<Counts>) -> Counts {
    let mut median = |field: fn(&Counts) -> u64| {
        samples.sort_by_key(field);
        field(&samples[samples.len() / 2])
    };
    Counts {
        syscalls: median(|c| c.syscalls),
        slab_allocs: median(|c| c.slab_allocs),
        page_allocs: median(|c| c.page_allocs),
    }
}

/// What `f` makes the kernel do, median of `rounds` after one uncounted warm-up (a refreshing
/// tool's steady state: /proc's dentries of every process exist after its first scan).
fn counted(counters: &mut KernelCounters, rounds: usize, mut f: impl FnMut()) -> Counts {
    f();
    let samples = (0..rounds)
        .map(|_| counters.count(&mut f).expect("perf counters").0)
        .collect();
    median_counts(samples)
}

/// The kernel's work for one snapshot of every process: the listing syscall vs the /proc
/// listing reader, the global syscall vs the statm sum, with the same buffers as `stats_rows`.
fn count_rows(scale: &Scale) -> Vec<CountRow> {
    let mut counters = KernelCounters::new().unwrap_or_else(|e| {
        panic!("perf counters on syscall and kmem tracepoints (CONFIG_FTRACE_SYSCALLS?): {e}")
    });
    let mut proc = ProcReader::new().expect("/proc");
    let mut rows = Vec::new();
    let mut sleepers = Vec::new();
    for &target in scale.count_processes {
        let n = grow_to(&mut sleepers, target);
        let mut buf = vec![usac::ProcStats::default(); n + 64];
        let mut records = Vec::with_capacity(n + 64);
        let rounds = scale.rounds;
        let candidate = counted(&mut counters, rounds, || {
            usac::mem_stats_process_into(0, &mut buf, 0).expect("listing");
        });
        let baseline = counted(&mut counters, rounds, || {
            records.clear();
            proc.for_each_process(|r| records.push(r));
        });
        rows.push(CountRow {
            name: format!("listing, {n} processes (syscall vs /proc status+oom_score+adj)"),
            candidate,
            baseline,
            items: n as u64,
            ..Default::default()
        });
        let candidate = counted(&mut counters, rounds, || {
            usac::mem_stats_global().expect("global");
        });
        let baseline = counted(&mut counters, rounds, || {
            proc.statm_sum();
        });
        rows.push(CountRow {
            name: format!("global, {n} processes (syscall vs /proc statm sum)"),
            candidate,
            baseline,
            items: n as u64,
            ..Default::default()
        });
    }
    drop(sleepers);
    rows
}

/// The longest delay, in ns, of a `SCHED_FIFO` thread's timer wake-ups every millisecond on CPU 0
/// while `work` runs there in a loop for `window`.
fn longest_delay_while(window: Duration, mut work: impl FnMut()) -> f64 {
    let _cpu0 = pin_to_cpu(0).expect("pin to CPU 0");
    let busy = AtomicBool::new(true);
    std::thread::scope(|s| {
        let waiter = s.spawn(|| {
            let _cpu0 = pin_to_cpu(0).expect("pin to CPU 0");
            set_fifo(50).expect("SCHED_FIFO");
            longest_timer_delay(Duration::from_millis(1), || busy.load(Ordering::Relaxed))
                .expect("clock_nanosleep")
        });
        let until = Instant::now() + window;
        while Instant::now() < until {
            work();
        }
        busy.store(false, Ordering::Relaxed);
        waiter.join().expect("timer thread").as_nanos() as f64
    })
}

/// Lists every process into `buf`.
fn list_into(buf: &mut [usac::ProcStats]) {
    usac::mem_stats_process_into(0, buf, 0).expect("listing");
}

/// How long a listing of 1000 and of 10 000 processes keeps its CPU from a real-time task.
fn latency_rows(scale: &Scale) -> Vec<BenchRow> {
    let (rounds, window) = (scale.rounds, scale.latency_window);
    let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut rows = Vec::new();
    let mut sleepers = Vec::new();
    for &target in scale.latency_counts {
        let n = grow_to(&mut sleepers, target);
        let (mut a, mut b) = (
            vec![usac::ProcStats::default(); n + 64],
            vec![usac::ProcStats::default(); n + 64],
        );
        let user_loop = || {
            std::hint::black_box((0..1000u64).sum::<u64>());
        };
        let name = |vs: &str| {
            format!("longest wake-up delay, {n} processes, {cpus} vCPUs (listing vs {vs})")
        };
        let m = alternate(
            rounds,
            || longest_delay_while(window, || list_into(&mut a)),
            || longest_delay_while(window, user_loop),
        );
        rows.push(row(name("user-space loop"), m, 1));
        let m = alternate(
            rounds,
            || longest_delay_while(window, || list_into(&mut a)),
            || timed(|| list_into(&mut b)).0,
        );
        rows.push(row(name("one whole listing call"), m, 1));
    }
    drop(sleepers);
    rows
}

/// One process's statistics when it has 20 000 mappings vs when it has a handful.
fn vma_rows(scale: &Scale) -> Vec<BenchRow> {
    let (rounds, pages) = (scale.rounds, scale.vma_pages);
    let heavy = spawn_paused(|| {
        // Every other page read-only, so that no two neighbours merge into one VMA.
        let mut m = mmap_anon(pages * PAGE);
        for i in (0..pages).step_by(2) {
            m.protect(i * PAGE, PAGE, ProtFlags::PROT_READ)
                .expect("mprotect");
        }
        m
    });
    let light = spawn_paused(|| ());
    let (heavy_pid, light_pid) = (heavy.raw_pid(), light.raw_pid());
    // Wait until the heavy child has made its mappings.
    while vma_count(heavy_pid) < pages {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let (vh, vl) = (vma_count(heavy_pid), vma_count(light_pid));
    let calls = 2000;
    let per_call = |pid: i32| {
        move || {
            timed(|| {
                for _ in 0..calls {
                    usac::mem_stats_process(pid).expect("stats of one process");
                }
            })
            .0 / calls as f64
        }
    };
    let m = alternate(rounds, per_call(heavy_pid), per_call(light_pid));
    drop((heavy, light));
    vec![row(
        format!("one process's stats, {vh} VMAs vs {vl} VMAs"),
        m,
        1,
    )]
}

/// Runs `argv` to its end with its output discarded; how long it took, in ns.
fn run_command(argv: &[&str]) -> f64 {
    timed(|| {
        let status = std::process::Command::new(argv[0])
            .args(&argv[1..])
            .stdout(std::process::Stdio::null())
            .status()
            .unwrap_or_else(|e| panic!("{}: {e}", argv[0]));
        assert!(status.success(), "{argv:?}: {status}");
    })
    .0
}

/// memstat against the tools people use for the same view, at the system's own process count
/// and with `extra` more processes.
fn tools_rows(scale: &Scale) -> Vec<BenchRow> {
    let memstat: &[&str] = &["memstat"];
    let tools: [&[&str]; 3] = [
        &["ps", "-e", "-o", "pid,vsz,rss,comm"],
        &["top", "-b", "-n", "1"],
        &["smem"],
    ];
    let mut rows = Vec::new();
    let mut sleepers = Vec::new();
    for &extra in scale.tool_extra_processes {
        sleepers.extend(spawn_sleepers(extra));
        let n = usac::mem_stats_all().expect("listing").len();
        for tool in tools {
            let m = alternate(scale.rounds, || run_command(memstat), || run_command(tool));
            rows.push(row(
                format!("memstat vs {}, {n} processes", tool.join(" ")),
                m,
                n as u64,
            ));
        }
    }
    drop(sleepers);
    rows
}

/// Calls the listing or the global reading in a loop for `args.seconds` with `args.processes`
/// processes, and says how many calls it made.
fn spin(args: &BenchArgs) {
    let mut sleepers = Vec::new();
    let n = grow_to(&mut sleepers, args.processes as usize);
    let mut buf = vec![usac::ProcStats::default(); n + 64];
    let until = Instant::now() + Duration::from_secs(args.seconds.into());
    let mut calls = 0u64;
    while Instant::now() < until {
        if args.which == Which::SpinListing {
            usac::mem_stats_process_into(0, &mut buf, 0).expect("listing");
        } else {
            usac::mem_stats_global().expect("global");
        }
        calls += 1;
    }
    drop(sleepers);
    println!(
        "usac-bench: {:?}, {n} processes: {calls} calls in {} s",
        args.which, args.seconds
    );
}

fn main() -> ExitCode {
    let args = BenchArgs::parse();
    if matches!(args.which, Which::SpinListing | Which::SpinGlobal) {
        spin(&args);
        return ExitCode::SUCCESS;
    }
    let scale = Scale::of(&args);
    let rounds = scale.rounds;
    if let Err(e) = usac::mem_stats_global() {
        eprintln!("usac-bench: {e}");
        return ExitCode::from(if e.is_no_syscalls() { 3 } else { 1 });
    }
    let mut rows = Vec::new();
    if matches!(args.which, Which::Tamalloc | Which::All) {
        rows.extend(tamalloc_rows(&scale));
    }
    if matches!(args.which, Which::Stats | Which::All) {
        rows.extend(vma_rows(&scale));
        rows.extend(stats_rows(&scale));
    }
    if matches!(args.which, Which::Latency | Which::All) {
        rows.extend(latency_rows(&scale));
    }
    if args.which == Which::Tools {
        rows.extend(tools_rows(&scale));
    }
    let counts = if args.which == Which::Counts {
        count_rows(&scale)
    } else {
        Vec::new()
    };
    println!(
        "usac-bench: medians of {rounds} alternating rounds after a discarded warm-up, ns per \
         operation; min-max of the per-round ratios"
    );
    println!(
        "{:<76} {:>12} {:>12} {:>8} {:>13} {:>10}",
        "benchmark", "candidate", "baseline", "ratio", "ratio range", "us/item"
    );
    for r in &rows {
        println!(
            "{:<76} {:>12.0} {:>12.0} {:>8.3} {:>6.3}-{:<6.3} {:>10.2}",
            r.name,
            r.candidate_ns,
            r.baseline_ns,
            r.ratio,
            r.ratio_min,
            r.ratio_max,
            r.candidate_ns / r.items as f64 / 1000.0
        );
    }
    for r in &counts {
        println!(
            "{:<76} syscalls {} vs {}, slab allocations {} vs {}, pages {} vs {}",
            r.name,
            r.candidate.syscalls,
            r.baseline.syscalls,
            r.candidate.slab_allocs,
            r.baseline.slab_allocs,
            r.candidate.page_allocs,
            r.baseline.page_allocs
        );
    }
    for r in &rows {
        println!("{TAG}{}", serde_json::to_string(r).expect("serializable"));
    }
    for r in &counts {
        println!(
            "{COUNT_TAG}{}",
            serde_json::to_string(r).expect("serializable")
        );
    }
    ExitCode::SUCCESS
}

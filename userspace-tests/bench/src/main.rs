//! `usac-bench [tamalloc|stats|all] [--rounds N]`: the usac-mm syscalls against their baselines,
//! side by side in one boot, as medians of alternating rounds.
//!
//! - tamalloc: call latency vs `mmap` at 4 KiB, 1 MiB and 1 GiB; first-write and read-fault cost
//!   per page vs `mmap` memory.
//! - stats: listing every process with `zamora_mem_stats_process` vs reading
//!   /proc/*/status + /proc/*/oom_score, and `zamora_mem_stats_global` vs the same /proc scan,
//!   at 100, 1000 and 5000 processes.
//!
//! Prints a table, and each row as `BENCH-JSON {...}` for tools that collect results.

use std::time::Instant;
use usac_bench::{alternate, Row};

const PAGE: usize = 4096;

fn mmap_anon(len: usize) -> usize {
    // SAFETY: a fresh anonymous mapping; the kernel picks the address.
    let p = unsafe {
        libc::mmap(
            std::ptr::null_mut(),
            len,
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
            -1,
            0,
        )
    };
    assert!(p != libc::MAP_FAILED, "mmap of {len} bytes failed");
    p as usize
}

fn tamalloc(len: usize) -> usize {
    usac::tamalloc_raw(len, 0).unwrap_or_else(|e| panic!("tamalloc of {len} bytes: {e}"))
}

fn unmap(addr: usize, len: usize) {
    // SAFETY: unmapping a mapping this benchmark made.
    unsafe { libc::munmap(addr as *mut libc::c_void, len) };
}

/// ns per call of `map(len)`, over `calls` calls (unmapped afterwards, untimed).
fn call_latency(map: fn(usize) -> usize, len: usize, calls: usize) -> f64 {
    let mut addrs = Vec::with_capacity(calls);
    let start = Instant::now();
    for _ in 0..calls {
        addrs.push(map(len));
    }
    let ns = start.elapsed().as_nanos() as f64 / calls as f64;
    for a in addrs {
        unmap(a, len);
    }
    ns
}

/// ns per page of touching every page of a fresh mapping, by write or by read.
fn fault_cost(map: fn(usize) -> usize, pages: usize, write: bool) -> f64 {
    let addr = map(pages * PAGE);
    let start = Instant::now();
    for p in 0..pages {
        let ptr = (addr + p * PAGE) as *mut u8;
        // SAFETY: inside the mapping made above.
        unsafe {
            if write {
                std::ptr::write_volatile(ptr, 1);
            } else {
                std::ptr::read_volatile(ptr);
            }
        }
    }
    let ns = start.elapsed().as_nanos() as f64 / pages as f64;
    unmap(addr, pages * PAGE);
    ns
}

fn tamalloc_rows(rounds: usize) -> Vec<Row> {
    let mut rows = Vec::new();
    for (label, len, calls) in [
        ("4KiB", 4 << 10, 4000),
        ("1MiB", 1 << 20, 4000),
        ("1GiB", 1 << 30, 400),
    ] {
        let m = alternate(
            rounds,
            || call_latency(tamalloc, len, calls),
            || call_latency(mmap_anon, len, calls),
        );
        rows.push(Row::new(
            format!("call latency {label} (tamalloc vs mmap)"),
            m,
        ));
    }
    let pages = 8192;
    for (label, write) in [("first write", true), ("read fault", false)] {
        let m = alternate(
            rounds,
            || fault_cost(tamalloc, pages, write),
            || fault_cost(mmap_anon, pages, write),
        );
        rows.push(Row::new(
            format!("{label} per page, {pages} pages (tamalloc vs mmap)"),
            m,
        ));
    }
    rows
}

/// The fields of one process as /proc gives them: VmSize, VmRSS, oom_score, oom_score_adj.
fn proc_scan() -> Vec<(i32, u64, u64, i64, i64)> {
    let mut out = Vec::new();
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return out;
    };
    for entry in dir.flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|s| s.parse::<i32>().ok())
        else {
            continue;
        };
        let Ok(status) = std::fs::read_to_string(format!("/proc/{pid}/status")) else {
            continue;
        };
        let field = |name: &str| usac::procfs::field_in(&status, name).unwrap_or(0);
        let num = |f: &str| -> i64 {
            std::fs::read_to_string(format!("/proc/{pid}/{f}"))
                .ok()
                .and_then(|s| s.trim().parse().ok())
                .unwrap_or(0)
        };
        out.push((
            pid,
            field("VmSize"),
            field("VmRSS"),
            num("oom_score"),
            num("oom_score_adj"),
        ));
    }
    out
}

fn timed<T>(f: impl FnOnce() -> T) -> (f64, T) {
    let start = Instant::now();
    let v = f();
    (start.elapsed().as_nanos() as f64, v)
}

/// Forks children that wait (blocked in pause) until killed; returns their pids.
fn spawn_sleepers(n: usize) -> Vec<i32> {
    (0..n)
        .map(|_| {
            // SAFETY: the child only pauses until it is killed.
            let pid = unsafe { libc::fork() };
            if pid == 0 {
                loop {
                    // SAFETY: pause has no preconditions.
                    unsafe { libc::pause() };
                }
            }
            assert!(pid > 0, "fork failed");
            pid
        })
        .collect()
}

fn kill_all(pids: &[i32]) {
    for &pid in pids {
        // SAFETY: killing and reaping our own children.
        unsafe {
            libc::kill(pid, libc::SIGKILL);
            libc::waitpid(pid, std::ptr::null_mut(), 0);
        }
    }
}

fn stats_rows(rounds: usize) -> Vec<Row> {
    let mut rows = Vec::new();
    let mut sleepers = Vec::new();
    for target in [100usize, 1000, 5000] {
        let now = usac::mem_stats_all()
            .expect("zamora_mem_stats_process")
            .len();
        sleepers.extend(spawn_sleepers(target.saturating_sub(now)));
        let n = usac::mem_stats_all().expect("listing").len();
        // One call into a buffer with room for all, as a refreshing tool does after its first
        // size query; the /proc scan likewise reuses nothing but its code.
        let mut buf = vec![usac::ProcStats::default(); n + 64];
        let mut list =
            || usac::mem_stats_process_raw(0, buf.as_mut_ptr(), buf.len(), 0).expect("listing");
        let m = alternate(rounds, || timed(&mut list).0, || timed(proc_scan).0);
        rows.push(Row::new(
            format!("all-process stats, {n} processes (syscall vs /proc)"),
            m,
        ));
        let m = alternate(
            rounds,
            || timed(|| usac::mem_stats_global().expect("global").nr_processes).0,
            || timed(|| proc_scan().iter().map(|p| p.1 + p.2).sum::<u64>()).0,
        );
        rows.push(Row::new(
            format!("global stats, {n} processes (syscall vs /proc sum)"),
            m,
        ));
    }
    kill_all(&sleepers);
    rows
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let what = args
        .iter()
        .find(|a| !a.starts_with('-') && a.parse::<usize>().is_err())
        .map_or("all", |s| s.as_str());
    let rounds = args
        .iter()
        .position(|a| a == "--rounds")
        .and_then(|i| args.get(i + 1)?.parse().ok())
        .unwrap_or(9);
    let mut rows = Vec::new();
    if matches!(what, "tamalloc" | "all") {
        rows.extend(tamalloc_rows(rounds));
    }
    if matches!(what, "stats" | "all") {
        rows.extend(stats_rows(rounds));
    }
    if rows.is_empty() {
        eprintln!("usage: usac-bench [tamalloc|stats|all] [--rounds N]");
        std::process::exit(2);
    }
    println!(
        "usac-bench: medians of {rounds} alternating rounds after a discarded warm-up, ns per \
         operation; min-max of the per-round ratios"
    );
    println!(
        "{:<62} {:>14} {:>14} {:>8} {:>13}",
        "benchmark", "candidate", "baseline", "ratio", "ratio range"
    );
    for r in &rows {
        println!(
            "{:<62} {:>14.0} {:>14.0} {:>8.3} {:>6.3}-{:<6.3}",
            r.name,
            r.candidate_ns,
            r.baseline_ns,
            r.ratio(),
            r.ratio_min,
            r.ratio_max
        );
    }
    for r in &rows {
        println!("BENCH-JSON {}", r.json());
    }
}
